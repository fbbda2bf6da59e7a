"""How a running audit tells its progress, and results read in batches: shared by every
engine and the runner (types and small helpers only)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

Progress = Callable[[float], None]  # called with the running query's completion, 0..1
#: called with what the audit is doing ("auditing", "breaches 2/8") and how far that step
#: is: a query's completion (0..1), or None when there is no measure of it
Steps = Callable[[str, float | None], None]

#: Rows per batch of a streamed result
BATCH_ROWS = 50_000
POLL_SECONDS = 0.1
#: the temporary table (or view) an engine holds rows in for several queries (Engine.hold)
HELD_TABLE = "__svcaudit_held"


def step(progress: Steps | None, label: str) -> Progress | None:
    """The ``Progress`` of one step of ``progress`` (which now shows ``label``)."""
    if progress is None:
        return None
    progress(label, 0.0)
    return functools.partial(progress, label)


def read_out(batches: Iterator[T], progress: Steps | None, label: str) -> Iterator[T]:
    """``batches`` of a query's result, told to ``progress`` as step ``label`` without a
    measure once the query has run: its rows are being read and written (the bar pulses)."""
    for n, batch in enumerate(batches):
        if n == 0 and progress is not None:
            progress(label, None)
        yield batch


def in_batches(take: Callable[[int], Sequence[Any]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as batches of ``size`` taken by ``take(size)`` until one comes short: at least
    one batch, the first possibly empty (the contract of ``Engine.batches``)."""
    batch = take(size)
    yield [tuple(r) for r in batch]
    while len(batch) == size:
        batch = take(size)
        if batch:
            yield [tuple(r) for r in batch]


__all__ = [
    "BATCH_ROWS",
    "HELD_TABLE",
    "POLL_SECONDS",
    "Progress",
    "Steps",
    "in_batches",
    "read_out",
    "step",
]
