"""Unix-epoch columns of CSV logs: numbers in a timestamp-named column read as seconds or
milliseconds, and the rows whose value is out of that range rejected (with their lines)
rather than stopping the audit."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence

from sqlglot import exp

from svcaudit.sources.base import REJECT, Reject
from svcaudit.sources.sql import lit, quoted_column

EPOCH_MIN, EPOCH_SPLIT, EPOCH_MAX = 1e8, 1e11, 1e14


def epoch_timestamp(value: exp.Expr) -> exp.Expr:
    """Seconds or milliseconds since 1970 (told apart by size) as a timestamp; NULL outside
    the range detection accepts (``epoch_rejects`` rejects the row then)."""
    millis = exp.GTE(this=exp.Abs(this=value.copy()), expression=exp.Literal.number(EPOCH_SPLIT))
    scaled = exp.Div(this=value.copy(), expression=exp.Literal.number(1000))
    stamp = exp.func("to_timestamp", exp.Case().when(millis, scaled).else_(value.copy()))
    return exp.Case().when(_epoch_in_range(value), stamp)


def _epoch_in_range(value: exp.Expr) -> exp.Expr:
    low, high = exp.Literal.number(EPOCH_MIN), exp.Literal.number(EPOCH_MAX)
    above = exp.GTE(this=value.copy(), expression=low)
    return exp.and_(above, exp.LT(this=value.copy(), expression=high))


def epoch_reason(column: str) -> str:
    """Why a row is rejected for an epoch value out of range (the value follows)."""
    return f'column "{column}": not a Unix time in seconds or milliseconds (1973 to 5138): '


def epoch_rejects(columns: Sequence[str]) -> exp.Expr:
    """The row's reason: its own (``__reject``), else the first epoch column whose value is
    out of range (one such value rejects its row, it no longer stops the audit)."""
    case = exp.Case().when(exp.column(REJECT).is_(exp.null()).not_(), exp.column(REJECT))
    for c in columns:
        value = quoted_column(c)
        bad = exp.and_(value.is_(exp.null()).not_(), exp.not_(_epoch_in_range(value)))
        text = exp.DPipe(this=lit(epoch_reason(c)), expression=exp.cast(value.copy(), "VARCHAR"))
        case = case.when(bad, text)
    return case


def epoch_reject_lines(
    display: str, records: Iterator[tuple[int, list[str]]], columns: Sequence[str], limit: int
) -> list[Reject]:
    """The rows (of a file's ``records``, header first) whose value in an epoch column is out
    of range, with their physical lines."""
    found: list[Reject] = []
    try:
        _, header = next(records, (0, []))
        at = [(c, header.index(c)) for c in columns if c in header]
        for line, row in records:
            for c, i in at:
                text = row[i].strip() if i < len(row) else ""
                if text and not _epoch_text_in_range(text):
                    found.append(Reject(display, line, epoch_reason(c) + text))
                    break
            if len(found) >= limit:
                break
    except (OSError, EOFError, csv.Error, UnicodeDecodeError):
        pass  # the count stands; only the listing is short
    return found


def _epoch_text_in_range(text: str) -> bool:
    try:
        return EPOCH_MIN <= float(text) < EPOCH_MAX
    except ValueError:
        return True  # not a number: DuckDB rejected the row itself, with its own reason
