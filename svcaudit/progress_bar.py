"""The progress bar of a long audit: drawn by Rich on the console the CLI gives it (stderr).

It shows once the audit has run a second, and names each step; ``svcaudit.cli`` decides
whether there is one (a terminal, not ``--quiet``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from svcaudit.steps import Steps


@contextmanager
def progress_bar(console: Console, enabled: bool, after: float = 1.0) -> Iterator[Steps | None]:
    """A progress bar on ``console`` (stderr), shown once an audit has run for ``after``
    seconds, whatever step it is in: the scan, the report's details, drawing the report."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("starting", total=1.0)
    lock = threading.Lock()
    ended = False

    def show() -> None:
        with lock:
            if not ended:
                bar.start()

    timer = threading.Timer(after, show)
    timer.daemon = True
    timer.start()

    def update(label: str, fraction: float | None) -> None:
        if fraction is None:  # a step without a measure of its progress: the bar pulses
            bar.update(task, description=label, completed=0)
            bar.tasks[0].total = None  # (update() takes None as "unchanged")
        else:
            bar.update(task, description=label, completed=min(fraction, 1.0), total=1.0)

    try:
        yield update
    finally:
        timer.cancel()
        with lock:
            ended = True
            bar.stop()
