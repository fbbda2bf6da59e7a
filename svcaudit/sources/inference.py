"""Type inference: what a text column really holds, read from a sample of rows.

A text column becomes a timestamp, number or boolean when most sampled values read as one; a
column of dates written out (31/03/2025 10:00) gets the one format that reads them, or stays
text with a note saying why (an ambiguous day/month order is never guessed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.sql import lit, quoted_column
from svcaudit.sources.values import DEFAULT_NULLS, is_marker

SAMPLE_ROWS = 20_000
INFER_SHARE = 0.5  # a text column is read as a type when most sampled values fit it

TIMESTAMP_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    # two-digit years (spreadsheets re-saving exports: 1/2/20 8:43), read as POSIX %y does:
    # 69-99 are 1969-1999, 00-68 are 2000-2068
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%d.%m.%y %H:%M",
    "%d/%m/%y",
    "%m/%d/%y",
)

#: the years a timestamp of a service log can have: a format that reads a value as another
#: year (``%Y`` reading 1/2/20 as the year 20) does not read it
PLAUSIBLE_YEARS = (1900, 2199)

_DATE_LIKE = r"^\s*\d+[./-]\d+[./-]\d+"  # what every format in TIMESTAMP_FORMATS begins with
#: ISO 8601 (2025-03-01, with or without a time, a T, a fraction, an offset): what DuckDB's
#: cast to a timestamp reads right. It also accepts 1/2/20 (as 0001-02-20): not this.
ISO_LIKE = r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]|$)"


def _unknown_format_note(column: str, sample: object) -> str:
    return (
        f"its values (e.g. {sample!r}) are not numbers or timestamps in a format "
        f'svcaudit knows; convert them with parse_time({column}, "...") in `columns:`'
    )


def _field_order(fmt: str) -> str:
    """'dm' when the day comes before the month in a format, else 'md'."""
    return "dm" if fmt.find("%d") < fmt.find("%m") else "md"


@dataclass
class Inference:
    """What inference found: every column's type, the formats of written-out timestamps
    (column -> strptime format) and why some columns stay text (column -> note)."""

    types: dict[str, str]
    time_formats: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def infer_types(
    con: duckdb.DuckDBPyConnection,
    sampled: Callable[[duckdb.DuckDBPyConnection], exp.Expr],
    raw: dict[str, str],
    text_types: tuple[str, ...],
) -> Inference:
    """Refine the types DuckDB detected (``raw``) from a sample (``sampled(con)``, only
    queried when there are text columns). ``text_types`` are the types a text column may
    turn out to hold."""
    text_cols = [c for c, t in raw.items() if kind_of_sql_type(t) in (Kind.STRING, Kind.ANY)]
    if not text_cols:
        return Inference(raw)
    query = exp.select(*_type_probes(text_cols)).from_(sampled(con))
    row = con.sql(query.sql("duckdb")).fetchall()[0]
    found = Inference({c: "VARCHAR" if t == "JSON" else t for c, t in raw.items()})
    undecided: dict[str, int] = {}
    for i, c in enumerate(text_cols):
        total, ts, dbl, boolean, date_like, sample = row[i * 6 : i * 6 + 6]
        if not total:
            found.notes[c] = f"it is empty in every row sampled (the first {SAMPLE_ROWS:,})"
            continue
        # a mixed JSON value (numbers with a stray string) may be any type; text only some
        allowed = text_types if raw[c] != "JSON" else ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN")
        for t, n in (("TIMESTAMPTZ", ts), ("DOUBLE", dbl), ("BOOLEAN", boolean)):
            if t in allowed and n >= INFER_SHARE * total:
                found.types[c] = t
                break
        else:
            if date_like >= INFER_SHARE * total:
                undecided[c] = total
            else:  # no format can read most values: skip trying them all (15 per value)
                found.notes[c] = _unknown_format_note(c, sample)
    if undecided:
        query = exp.select(*_format_probes(undecided)).from_(sampled(con))
        _detect_formats(undecided, con.sql(query.sql("duckdb")).fetchall()[0], found)
    return found


def _type_probes(columns: list[str]) -> list[exp.Expr]:
    """Six counts per column: values, values read as each type, date-like values; a sample."""
    probes: list[exp.Expr] = []
    for c in columns:
        # null markers (?, N/A, ...) are missing values: not counted among the values
        marker = is_marker(quoted_column(c), DEFAULT_NULLS)
        present = exp.not_(exp.func("coalesce", marker, exp.true()))
        probes.append(exp.func("count_if", present))
        for t in ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN"):
            cast = exp.TryCast(this=quoted_column(c), to=exp.DataType.build(t))
            if t == "TIMESTAMPTZ":  # only ISO text: the cast reads 1/2/20 as the year 1
                iso = exp.func("regexp_matches", quoted_column(c), lit(ISO_LIKE))
                read = exp.and_(iso, exp.not_(cast.is_(exp.null())))
                probes.append(exp.Count(this=exp.Case().when(read, exp.Literal.number(1))))
            else:
                probes.append(exp.Count(this=cast))
        # values that could be a local date at all: every format starts digits/digits/digits
        date_like = exp.func("regexp_matches", quoted_column(c), lit(_DATE_LIKE))
        probes += [exp.func("count_if", date_like), exp.func("min", quoted_column(c))]
    return probes


def _format_probes(columns: Mapping[str, int]) -> list[exp.Expr]:
    """Per column: a sample value, then the count of values each format reads."""
    probes: list[exp.Expr] = []
    for c in columns:
        probes.append(exp.func("min", quoted_column(c)))
        for fmt in TIMESTAMP_FORMATS:
            year = exp.func("year", exp.func("try_strptime", quoted_column(c), lit(fmt)))
            low, high = (exp.Literal.number(y) for y in PLAUSIBLE_YEARS)
            plausible = exp.Between(this=year, low=low, high=high)
            probes.append(exp.Count(this=exp.Case().when(plausible, exp.Literal.number(1))))
    return probes


def _detect_formats(columns: Mapping[str, int], row: tuple[Any, ...], found: Inference) -> None:
    """Timestamps written like 31/03/2025 10:00: find the one format that reads them.

    A column whose values read equally well day-first and month-first (every day <= 12)
    is left as text with a note, never guessed: 03/04 must not silently become April.
    """
    width = len(TIMESTAMP_FORMATS) + 1
    for i, (c, total) in enumerate(columns.items()):
        sample, counts = row[i * width], row[i * width + 1 : (i + 1) * width]
        best = max(counts)
        if not best or best < INFER_SHARE * total:
            found.notes[c] = _unknown_format_note(c, sample)
            continue
        winners = [f for f, n in zip(TIMESTAMP_FORMATS, counts, strict=True) if n == best]
        orders = {_field_order(f) for f in winners}
        if len(orders) > 1:
            either = " or ".join(
                f'parse_time({c}, "{f}")' for f in sorted(winners, key=_field_order)[:2]
            )
            found.notes[c] = (
                f"its values (e.g. {sample!r}) read both day-first and month-first; "
                f"say which in `columns:`: {either}"
            )
            continue
        found.time_formats[c] = winners[0]
        found.types[c] = (
            "DATE" if "%H" not in winners[0] and "%I" not in winners[0] else "TIMESTAMP"
        )
