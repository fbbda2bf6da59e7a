"""Typing a reader's relation: needed columns cast, a reject reason for values that fail.

Naive local timestamps become instants by plain arithmetic where the UTC offset is constant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.sql import lit, quoted_column


def typed_projection(
    schema: Mapping[str, str],
    needed: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    spans: Sequence[OffsetSpan] | None = None,
) -> tuple[list[exp.Expr], exp.Expr]:
    """Columns with the needed ones cast (TRY_CAST), and the reject reason of a row.

    A value present in the file that does not convert gives its row a reason such as
    ``column "greeted_at": cannot read "yesterday" as a timestamp``; values are data here,
    never SQL text.
    """
    cols: list[exp.Expr] = []
    case = exp.Case()
    for c, physical in schema.items():
        want = needed.get(c)
        if not want or want == physical:
            cols.append(quoted_column(c))
            continue
        if want == "TIMESTAMPTZ" and physical == "TIMESTAMP" and not (formats and c in formats):
            cols.append(exp.alias_(local_to_instant(quoted_column(c), spans), c, quoted=True))
            continue  # cannot fail: no reject reason to look for
        cast: exp.Expr = exp.TryCast(this=quoted_column(c), to=exp.DataType.build(want))
        if want == "DOUBLE" and physical in _NUMBERS:
            cols.append(exp.alias_(cast, c, quoted=True))
            continue
        if formats and c in formats:
            parsed = exp.func(
                "try_strptime", exp.cast(quoted_column(c), "VARCHAR"), lit(formats[c])
            )
            cast = exp.cast(parsed, want)
        cols.append(exp.alias_(cast, c, quoted=True))
        bad = exp.and_(exp.not_(quoted_column(c).is_(exp.null())), cast.copy().is_(exp.null()))
        what = _TYPE_WORDS.get(kind_of_sql_type(want), want)
        value = exp.cast(quoted_column(c), "VARCHAR")
        case = case.when(
            bad,
            exp.func("concat", lit(f'column "{c}": cannot read "'), value, lit(f'" as {what}')),
        )
    reject = case if case.args.get("ifs") else exp.cast(exp.null(), "VARCHAR")
    return cols, reject


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


_TYPE_WORDS = {Kind.TIMESTAMP: "a timestamp", Kind.NUMBER: "a number", Kind.BOOLEAN: "true/false"}
