"""Small text inputs (standards files, config files, baselines) read with a bound.

``-s /dev/zero`` once read until memory ran out: a standards or config file must be a regular
file of at most ``MAX_STANDARDS_BYTES`` / ``MAX_CONFIG_BYTES``; a baseline may be a pipe, but
is read only up to ``MAX_BASELINE_BYTES``. Opening never blocks on a FIFO with no writer.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from svcaudit.errors import Location, SvcauditError

MAX_STANDARDS_BYTES = 8 * 1024 * 1024  # 800 standards are 150 KB
MAX_CONFIG_BYTES = 1024 * 1024
MAX_BASELINE_BYTES = 64 * 1024 * 1024  # a JSON report: ~1 KB per standard and branch


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"


def read_bounded(
    path: str | Path, *, what: str, limit: int, regular: bool = True, encoding: str = "utf-8"
) -> str:
    """The text of ``path``; SvcauditError when it is not a regular file (``regular``) or is
    longer than ``limit`` bytes. OSError and UnicodeDecodeError reach the caller."""
    name = str(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if regular and not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise SvcauditError(
                f"the {what} is {kind}",
                location=Location(name),
                hint=f"give the path of a {what} (a device or a pipe is not one)",
            )
        if not stat.S_ISREG(mode):
            os.set_blocking(fd, True)  # a pipe: wait for its writer as any reader would
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise SvcauditError(
            f"the {what} is larger than {_mib(limit)}",
            location=Location(name),
            hint=f"a {what} is small text; is this the right file?",
        )
    return b"".join(chunks).decode(encoding)
