"""Spark's own progress for svcaudit's progress bar: finished tasks over the tasks known.

A local or cluster session is polled through its status tracker while a query runs (the
query blocks the calling thread in the JVM, so a second thread asks); a Spark Connect session
pushes its progress to a handler. Either way the fraction counts the tasks of the stages seen
so far (a later stage adds its tasks when it starts) and never goes back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from svcaudit.steps import POLL_SECONDS, Progress


class Tasks:
    """The tasks of the stages seen so far, and the fraction reported (never decreasing)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.stages: dict[int, tuple[int, int]] = {}  # stage id -> (tasks, finished)
        self.shown = 0.0

    def update(self, stages: Iterable[tuple[int, int, int]], ended: Iterable[int] = ()) -> None:
        """``stages``: (id, tasks, finished tasks) of running stages; ``ended``: ids of
        stages that have ended (all their tasks count as finished)."""
        for stage, tasks, done in stages:
            self.stages[stage] = (tasks, done)
        for stage in ended:
            if stage in self.stages:
                tasks, _ = self.stages[stage]
                self.stages[stage] = (tasks, tasks)
        total = sum(tasks for tasks, _ in self.stages.values())
        if total:
            self.shown = max(self.shown, sum(done for _, done in self.stages.values()) / total)
            self.progress(self.shown)


@contextmanager
def watched(spark: Any, progress: Progress | None) -> Iterator[None]:
    """Report the progress of the queries run inside the block."""
    if progress is None:
        yield
        return
    tasks = Tasks(progress)
    if type(spark).__module__.startswith("pyspark.sql.connect"):

        def handler(stages: Any, inflight_tasks: int, operation_id: Any, done: bool) -> None:
            known = [(s.stage_id, s.num_tasks, s.num_completed_tasks) for s in stages or ()]
            # a stage (or the whole query) that is done may have tasks it never had to run
            ended = {s.stage_id for s in stages or () if s.done}
            if done:
                ended |= set(tasks.stages) | {stage for stage, _, _ in known}
            tasks.update(known, ended)

        spark.registerProgressHandler(handler)
        try:
            yield
        finally:
            spark.removeProgressHandler(handler)
        return
    tracker = spark.sparkContext.statusTracker()
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(POLL_SECONDS):
            running = []
            for stage in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage)
                if info is not None:
                    running.append((stage, info.numTasks, info.numCompletedTasks))
            ended = set(tasks.stages) - {stage for stage, _, _ in running}
            tasks.update(running, ended)

    thread = threading.Thread(target=poll, name="svcaudit-spark-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
