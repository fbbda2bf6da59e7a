"""The one error type core modules raise, and the exit codes the CLI maps results to."""

from __future__ import annotations

import difflib
import errno
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes: a contract CI jobs rely on (see README, "Exit codes")."""

    OK = 0
    BREACH = 1
    BAD_INPUT = 2
    INTERNAL = 3
    INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where in a user's file something is: 1-based line and column, both optional."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class SvcauditError(Exception):
    """A problem with the user's input: it carries a location, a message and a hint.

    Rendered on one line as ``rules.yml:12:5: unknown column 'greeted' (hint: did you mean ...)``.
    ``detail`` holds optional extra lines (an expression with a caret under the culprit).
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.detail = detail

    def with_location(self, location: Location) -> SvcauditError:
        """Return a copy placed at ``location`` (used when an inner error surfaces in a file)."""
        return SvcauditError(self.message, location=location, hint=self.hint, detail=self.detail)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return _clipped(text)

    def to_dict(self) -> dict[str, object]:
        """The error as JSON-ready data."""
        loc = self.location
        return {
            "message": self.message,
            "file": loc.path if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "hint": self.hint,
        }


_LONG_QUOTE = re.compile(r"'([^']{120,})'")


def _clipped(text: str) -> str:
    """An error line stays readable: a quoted name over 120 characters (a 100 KB --branch)
    shows its start and end only."""
    return _LONG_QUOTE.sub(lambda m: f"'{m[1][:60]}…{m[1][-20:]}' ({len(m[1]):,} chars)", text)


def did_you_mean(name: str, choices: Iterable[str], *, limit: int = 3) -> str | None:
    """A "did you mean" hint naming the closest of ``choices``, or None when nothing is close."""
    options = list(choices)
    close = difflib.get_close_matches(name, options, n=limit, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in options}
        close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), limit)]
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


MEMORY_LIMIT = "1GB"  # DuckDB's share of memory; SVCAUDIT_MEMORY_LIMIT overrides it (e.g. 4GB)


def memory_limit() -> str:
    """How much memory DuckDB may use before it spills to disk (a DuckDB size: 1GB, 500MB)."""
    return os.environ.get("SVCAUDIT_MEMORY_LIMIT", MEMORY_LIMIT)


def out_of_memory(error: Exception) -> SvcauditError:
    """DuckDB needed more than its memory limit for work it cannot spill to disk."""
    return SvcauditError(
        f"the audit needs more memory than DuckDB may use here ({memory_limit()}): "
        + str(error).split("Error: ", 1)[-1].splitlines()[0],
        location=Location("SVCAUDIT_MEMORY_LIMIT"),
        hint="raise the limit, e.g. SVCAUDIT_MEMORY_LIMIT=4GB svcaudit audit ...",
    )


def disk_full(error: BaseException) -> SvcauditError | None:
    """A full disk (or quota) met anywhere -- a temporary copy, DuckDB's spill files -- as a
    located error, or None for any other error."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        where = str(error.filename) if error.filename else tempfile.gettempdir()
    elif any(
        text in str(error)
        for text in ("No space left on device", "Disk quota exceeded", "No usable temporary")
    ):
        where = tempfile.gettempdir()  # DuckDB spills under TMPDIR (engine.temp_directory)
    else:
        return None
    return SvcauditError(
        "no space left on device",
        location=Location(where),
        hint="free some space there, or point TMPDIR at a larger disk",
    )
