"""Typing a reader's relation: needed columns cast, a reject reason for values that fail.

Naive local timestamps become instants by plain arithmetic where the UTC offset is constant.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.sql import lit, quoted_column
from svcaudit.sources.values import (
    DEFAULT_RULES,
    TEXT_PREFIX,
    ValueRules,
    boolean_words,
    invalid_column,
    without_markers,
)


def typed_projection(
    schema: Mapping[str, str],
    needed: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    spans: Sequence[OffsetSpan] | None = None,
    rules: ValueRules = DEFAULT_RULES,
    epochs: Collection[str] = (),
) -> tuple[list[exp.Expr], exp.Expr]:
    """Columns with the needed ones typed, each typed one beside its invalid raw text
    (``invalid_column``), and the reject reason of a row (none here: a value that does not
    convert is an invalid value of its column, not a broken row).

    Text is read through the column's null markers first (``ValueRules``): a marker is
    missing, not invalid. ``epochs``: text columns of Unix times (seconds or milliseconds).
    Values are data here, never SQL text.
    """
    cols: list[exp.Expr] = []
    for c, physical in schema.items():
        want = needed.get(c)
        if not want:
            cols.append(quoted_column(c))
            continue
        is_text = kind_of_sql_type(physical) in (Kind.STRING, Kind.ANY)
        if is_text:
            text = without_markers(quoted_column(c), rules.markers(c))
            if want == physical or kind_of_sql_type(want) == Kind.STRING:
                cols.append(exp.alias_(text, c, quoted=True))
                continue
            value, raw = _from_text(c, text, want, formats, rules, epochs), text.copy()
        elif want == physical or kind_of_sql_type(want) == Kind.STRING:
            cast = quoted_column(c) if want == physical else _try_cast(quoted_column(c), want)
            cols.append(exp.alias_(cast, c, quoted=True))
            if kind_of_sql_type(want) != Kind.STRING:
                cols.append(_never_invalid(c))  # a native value is its type already
            continue
        elif want == "TIMESTAMPTZ" and physical == "TIMESTAMP" and not (formats and c in formats):
            cols.append(exp.alias_(local_to_instant(quoted_column(c), spans), c, quoted=True))
            cols.append(_never_invalid(c))  # cannot fail
            continue
        elif want == "DOUBLE" and physical in _NUMBERS:
            cols += [
                exp.alias_(_try_cast(quoted_column(c), want), c, quoted=True),
                _never_invalid(c),
            ]
            continue
        else:
            value = _from_text(c, exp.cast(quoted_column(c), "VARCHAR"), want, formats, rules, ())
            raw = quoted_column(c)
        cols.append(exp.alias_(value, c, quoted=True))
        bad = exp.and_(exp.not_(raw.is_(exp.null())), value.copy().is_(exp.null()))
        shown = exp.cast(quoted_column(c), "VARCHAR")
        invalid = exp.Case().when(bad, shown).else_(exp.cast(exp.null(), "VARCHAR"))
        cols.append(exp.alias_(invalid, invalid_column(c), quoted=True))
    for key in needed:  # a column's text as written, beside its typed value (parse_time)
        base = key.removeprefix(TEXT_PREFIX)
        if key.startswith(TEXT_PREFIX) and base in schema:
            written: exp.Expr = quoted_column(base)
            if kind_of_sql_type(schema[base]) not in (Kind.STRING, Kind.ANY):
                written = exp.cast(written, "VARCHAR")
            cols.append(exp.alias_(without_markers(written, rules.markers(base)), key, quoted=True))
    return cols, exp.cast(exp.null(), "VARCHAR")


def _try_cast(value: exp.Expr, to: str) -> exp.Expr:
    return exp.TryCast(this=value, to=exp.DataType.build(to))


def _never_invalid(c: str) -> exp.Expr:
    return exp.alias_(exp.cast(exp.null(), "VARCHAR"), invalid_column(c), quoted=True)


def _from_text(
    c: str,
    text: exp.Expr,
    want: str,
    formats: Mapping[str, str] | None,
    rules: ValueRules,
    epochs: Collection[str],
) -> exp.Expr:
    """Text (null markers already NULL) read as ``want``: NULL where it cannot be."""
    if formats and c in formats:
        parsed = exp.func("try_strptime", text, lit(formats[c]))
        return exp.cast(parsed, want)
    if c in epochs:
        return epoch_timestamp(_try_cast(text, "DOUBLE"))
    words = rules.words(c)
    if words is not None and kind_of_sql_type(want) == Kind.BOOLEAN:
        return boolean_words(text, words)
    return _try_cast(text, want)


# Unix time in a column named like a time (created_at, start_time, ts): seconds from 1973 to
# 5138, or milliseconds over the same years -- the two ranges do not overlap, so each value is
# read by its size, even when one column mixes them (exports from two systems).
EPOCH_MIN, EPOCH_SPLIT, EPOCH_MAX = 1e8, 1e11, 1e14


def epoch_timestamp(value: exp.Expr) -> exp.Expr:
    """Seconds or milliseconds since 1970 (told apart by size) as a timestamp; NULL outside
    the range detection accepts (then an invalid value of its column)."""
    millis = exp.GTE(this=exp.Abs(this=value.copy()), expression=exp.Literal.number(EPOCH_SPLIT))
    scaled = exp.Div(this=value.copy(), expression=exp.Literal.number(1000))
    stamp = exp.func("to_timestamp", exp.Case().when(millis, scaled).else_(value.copy()))
    low, high = exp.Literal.number(EPOCH_MIN), exp.Literal.number(EPOCH_MAX)
    inside = exp.and_(
        exp.GTE(this=value.copy(), expression=low), exp.LT(this=value.copy(), expression=high)
    )
    return exp.Case().when(inside, stamp)


_NUMBERS = frozenset(
    (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
    )
)


@dataclass(frozen=True)
class OffsetSpan:
    """Local times in [start, end) that are all at one UTC offset in the session time zone."""

    start: datetime
    end: datetime
    offset_us: int  # local minus UTC, in microseconds


MAX_SPANS = 12  # more (data over many years): every value goes through DuckDB's cast


def offset_spans(
    con: duckdb.DuckDBPyConnection, low: datetime, high: datetime
) -> list[OffsetSpan] | None:
    """The session time zone's constant-offset spans covering local times ``low``..``high``.

    Offsets are DuckDB's own (its cast at the start, middle and end of each local day); a day
    on which they differ (a DST switch) belongs to no span, so its values keep the cast.
    None when there are too many spans to be worth it.
    """
    rows = con.execute(
        """
        SELECT d, CASE WHEN o0 = o12 AND o12 = o24 THEN o0 END FROM (
            SELECT d,
                epoch_us(d) - epoch_us(d::TIMESTAMPTZ) AS o0,
                epoch_us(d + INTERVAL 12 HOUR) - epoch_us((d + INTERVAL 12 HOUR)::TIMESTAMPTZ)
                    AS o12,
                epoch_us(d + INTERVAL 1 DAY) - epoch_us((d + INTERVAL 1 DAY)::TIMESTAMPTZ)
                    AS o24
            FROM range(date_trunc('day', ?::TIMESTAMP), ?::TIMESTAMP + INTERVAL 1 DAY,
                       INTERVAL 1 DAY) t(d))
        ORDER BY d
        """,
        [low, high],
    ).fetchall()
    spans: list[OffsetSpan] = []
    for day, offset in rows:
        if offset is None:
            continue
        end = day + timedelta(days=1)
        if spans and spans[-1].end == day and spans[-1].offset_us == offset:
            spans[-1] = OffsetSpan(spans[-1].start, end, offset)
        else:
            spans.append(OffsetSpan(day, end, int(offset)))
    return spans if len(spans) <= MAX_SPANS else None


def local_to_instant(column: exp.Expr, spans: Sequence[OffsetSpan] | None) -> exp.Expr:
    """A naive TIMESTAMP read in the session time zone, as TIMESTAMPTZ.

    ``CAST(column AS TIMESTAMPTZ)`` converts every value through ICU (about a second per
    column per 5 M rows on one core). Within a span of one UTC offset (``offset_spans``, from
    the column's range) the instant is plain arithmetic; other values keep the cast, so the
    result is the cast's, DST switches included.
    """
    cast = exp.cast(column.copy(), "TIMESTAMPTZ")
    if not spans:
        return cast
    case = exp.Case()
    for span in spans:
        inside = exp.and_(
            exp.GTE(this=column.copy(), expression=_timestamp(span.start)),
            exp.LT(this=column.copy(), expression=_timestamp(span.end)),
        )
        shifted = exp.Sub(
            this=exp.func("epoch_us", column.copy()),
            expression=exp.Literal.number(span.offset_us),
        )
        case = case.when(inside, exp.func("make_timestamptz", shifted))
    return case.else_(cast)


def _timestamp(value: datetime) -> exp.Expr:
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
