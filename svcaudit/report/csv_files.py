"""CSV files for spreadsheets: rejected rows and breaching interactions.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @) are neutralised
with a leading apostrophe, so a branch name in an export cannot become a live formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TextIO

from svcaudit.findings import Breaches
from svcaudit.score import Scorecard
from svcaudit.sources.readers import Reject
from svcaudit.units import format_duration


def rejects_csv(card: Scorecard) -> str:
    """Every listed rejected row: file, line, reason."""
    return rejects_text(card.rejects)


def rejects_text(rejects: Sequence[Reject]) -> str:
    """Rejected rows as CSV: file, line, reason (also when the audit stopped)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "line", "reason"])
    for r in rejects:
        writer.writerow([spreadsheet_safe(c) for c in (r.file, r.line, r.reason)])
    return buffer.getvalue()


def value_text(value: object, duration: bool) -> str:
    """A measured value as people read it: 1m30s, 3, or "no value"."""
    if value is None:
        return "no value"
    if isinstance(value, bool):  # a check's result, written as the standards file writes it
        return "true" if value else "false"
    if duration and isinstance(value, int | float):
        return format_duration(float(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def spreadsheet_safe(cell: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_violations(out: TextIO, found: Iterable[Breaches]) -> None:
    """Every breaching interaction of every standard, one row each, with its source file and
    line (physical lines of CSV/TSV, lines of JSON Lines; empty for other formats, and when
    the id is not a plain column of the file). ``found`` is read one standard at a time.
    """
    writer = csv.writer(out)
    header = [
        *("standard", "branch", "interaction", "value", "value_ms", "limit", "file", "line"),
        "details",
    ]
    writer.writerow(header)
    for b in found:
        files = b.files or (None,) * len(b.rows)
        lines = b.lines or (None,) * len(b.rows)
        for row, source, line in zip(b.rows, files, lines, strict=True):
            branch, ident, value = row[:3]
            details = "; ".join(f"{c}={v}" for c, v in zip(b.columns, b.cells(row), strict=True))
            raw = value if b.measure_is_duration else ""
            cells = [
                b.standard_id,
                branch,
                ident,
                value_text(value, b.measure_is_duration),
                raw,
                b.limit,
                source,
                line,
                details,
            ]
            writer.writerow([spreadsheet_safe(c) for c in cells])
