"""SIGTERM and SIGHUP end a run as Ctrl-C does: by unwinding, so everything is cleaned up.

Python dies at once on SIGTERM or SIGHUP, without running ``finally`` blocks or ``atexit``
functions: the temporary copy of standard input, DuckDB's spill directory and a report's
temporary file would be left behind. While ``stop_on_signals`` is in force, the first of
either signal raises ``Terminated`` in the main thread instead. It is a ``KeyboardInterrupt``,
so whatever stops work on Ctrl-C stops it for these too (a running DuckDB query is
interrupted, chart workers are ended); the CLI then exits 128 + the signal's number.

This module never prints or exits.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The signals that end a run by unwinding (SIGINT is Python's KeyboardInterrupt already)
STOPPING = (signal.SIGTERM, signal.SIGHUP)

_received: list[int] = []  # the signals received while in force, first first


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        """SIGTERM, SIGHUP."""
        return signal.Signals(self.signum).name


def received() -> Terminated | None:
    """The first stopping signal received, if one was."""
    return Terminated(_received[0]) if _received else None


def _raise(signum: int, frame: FrameType | None) -> None:
    first = not _received
    _received.append(signum)
    if first:  # a second signal while unwinding is noted, not raised: the cleanup runs on
        raise Terminated(signum)


def _note(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While in force, SIGTERM and SIGHUP raise ``Terminated`` (once); afterwards, until the
    process exits, they are only noted (``received``), so nothing cuts short the cleanup at
    exit (``atexit`` functions). A signal ignored when the process started (``nohup``) stays
    ignored. Only the main thread can set signal handlers."""
    caught = [s for s in STOPPING if signal.getsignal(s) is not signal.SIG_IGN]  # nohup
    for signum in caught:
        signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum in caught:
            signal.signal(signum, _note)
