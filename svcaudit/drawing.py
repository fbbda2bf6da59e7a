"""Vega-Lite specs drawn as SVG by vl-convert, offline, in worker processes when there are many.

vl-convert draws one chart at a time per process (its JavaScript engine runs on one thread;
threads do not help): 40-90 ms a chart, after about 0.45 s to start the engine. A report of
many charts (two per standard, up to 200 charts) is drawn by one worker process per core.

This module imports nothing of svcaudit, so a worker starts in a fraction of a second.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import vl_convert

_IDS = re.compile(r'((?:\bid="|url\(#))(clip|gradient_)(\d+)')
#: Fewer charts than this are drawn in this process: starting workers would cost more
MIN_PARALLEL = 8
MAX_WORKERS = 4  # each holds a JavaScript engine (~100 MB)


def svg(spec: dict[str, Any]) -> str:
    """One Vega-Lite spec as SVG text (offline, in this process).

    Vega numbers clip paths and gradients with counters of the whole process (``clip8`` in
    the second chart drawn): they are numbered again within the chart, so a chart is the
    same text whichever process drew it and whatever it drew before.
    """
    text = str(vl_convert.vegalite_to_svg(spec))
    numbers: dict[tuple[str, str], int] = {}  # (clip, 8) -> 0: in order of appearance

    def renumber(m: re.Match[str]) -> str:
        key = (m.group(2), m.group(3))
        if key not in numbers:
            numbers[key] = sum(name == key[0] for name, _ in numbers)
        return f"{m.group(1)}{key[0]}{numbers[key]}"

    return _IDS.sub(renumber, text)


@contextmanager
def drawing(specs: Sequence[dict[str, Any]]) -> Iterator[Callable[[], list[str]]]:
    """Every spec drawn as SVG text, started now, while the caller goes on (the HTML report
    writes its page meanwhile); the function yielded waits for them, in order. By worker
    processes when there are many and more than one core; in this process otherwise, or
    when workers cannot be started (then when the function is called)."""

    def here() -> list[str]:
        return [svg(s) for s in specs]

    workers = min(_cores(), MAX_WORKERS, len(specs))
    if len(specs) < MIN_PARALLEL or workers < 2:
        yield here
        return
    try:
        # spawned, not forked: this process runs DuckDB's threads
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker
        )
    except OSError:  # no semaphores or processes here (a locked-down sandbox)
        yield here
        return
    try:
        try:
            with _sigint_ignored():  # the workers start on the first submissions
                futures = [pool.submit(svg, spec) for spec in specs]
        except (BrokenProcessPool, OSError):  # a worker did not start
            futures = []

        def collected() -> list[str]:
            try:
                return [f.result() for f in futures] if futures else here()
            except (BrokenProcessPool, OSError):  # a worker died (out of memory?)
                return here()

        yield collected
    except KeyboardInterrupt:  # stop now: the workers' charts are not wanted any more
        for worker in multiprocessing.active_children():
            worker.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: Signals held, not lost, while workers start (when this process handles them itself)
_HELD = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ctrl-C ignored while workers start (a few milliseconds; one pressed then is lost):
    they inherit it ignored, so a Ctrl-C to the terminal's process group cannot end one with
    a traceback while Python starts in it, and cannot cut this process short while it hands
    a worker its start (the worker would print ``EOFError: Ran out of input``). A signal
    with a handler of this process's own (SIGTERM, SIGHUP: ``svcaudit.signals``) is held
    meanwhile and handled once the workers have started."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    handlers = {s: signal.getsignal(s) for s in _HELD}
    held: list[int] = []
    for signum, handler in handlers.items():
        if callable(handler):
            signal.signal(signum, lambda n, _: held.append(n))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        for number in held:
            handler = handlers[signal.Signals(number)]
            if callable(handler):
                handler(number, None)


def _worker() -> None:
    """Ctrl-C is the parent's to handle (for workers started outside the main thread)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
