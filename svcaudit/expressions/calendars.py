"""Business time: the working time between two instants under a calendar, computed in SQL.

A calendar has a time zone, weekly opening hours and holidays. ``business_time(a, b)`` is the
sum, over the calendar's local days from ``a`` to ``b``, of the overlap of ``[a, b]`` with that
day's opening hours, holidays skipped. Opening hours are local wall-clock times turned into
instants with the calendar's time zone on each day, so a day that changes to or from summer
time is as long as its opening hours really were. It is one correlated subquery per use::

    (SELECT coalesce(sum(greatest(0, epoch_ms(least(hi, open_close)) - ...)), 0)
     FROM (SELECT unnest(generate_series(local_date(lo), local_date(hi), INTERVAL 1 DAY)) AS d)
     JOIN (VALUES (isodow, open, close), ...) ON isodow(d) = dow
     WHERE d NOT IN (holidays))

``business_time`` is signed: an end before its start gives a negative duration. A span longer
than ``HORIZON_DAYS`` (10 years) gives no value (the row is unmeasured): no service interaction
lasts that long, and the sum has a row per day of the span (year 1 to 9999 is 3.65 million).

The compiler does not write that SQL: it makes a ``BusinessTime`` node (start, end and the
calendar itself), which each dialect renders: DuckDB's as above (``expressions.dialect``),
Spark's as an aggregate over a sequence of days (``spark.dialect``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlglot import exp


@dataclass(frozen=True)
class CalendarSpec:
    """A validated calendar: opening hours as (ISO weekday, open minute, close minute)."""

    name: str
    time_zone: str
    hours: tuple[tuple[int, int, int], ...]
    holidays: tuple[date, ...]
    branches: tuple[str, ...]


def _interval(minutes: int) -> exp.Expr:
    return exp.cast(exp.Literal.string(f"{minutes // 60:02d}:{minutes % 60:02d}:00"), "INTERVAL")


def _local(tz: str, instant: exp.Expr) -> exp.Expr:
    """The local wall-clock timestamp of an instant in ``tz``."""
    return exp.func("timezone", exp.Literal.string(tz), instant)


class BusinessTime(exp.Expression, exp.Func):
    """Milliseconds of opening time between two instants under a calendar (signed): a node of
    svcaudit's own, which each dialect renders (``duckdb_business_time``; Spark's in
    ``spark.dialect``)."""

    # start, end, and the CalendarSpec (sqlglot's own class attribute, read, never changed)
    arg_types = {"this": True, "expression": True, "calendar": True}  # noqa: RUF012

    @property
    def calendar(self) -> CalendarSpec:
        """The calendar whose opening hours count."""
        cal: CalendarSpec = self.args["calendar"]
        return cal


def business_time_sql(start: exp.Expr, end: exp.Expr, cal: CalendarSpec) -> exp.Expr:
    """Milliseconds of opening time between ``start`` and ``end`` under ``cal`` (signed)."""
    return BusinessTime(this=start.copy(), expression=end.copy(), calendar=cal)


#: The longest span business time is computed over (10 years); past it the value is missing.
HORIZON_DAYS = 3_653
_HORIZON_MS = HORIZON_DAYS * 86_400_000


def too_long(node: BusinessTime) -> exp.Expr:
    """The test that the node's span is longer than the horizon."""
    start, end = node.this, node.expression
    length = exp.func(
        "abs",
        exp.Sub(
            this=exp.func("epoch_ms", end.copy()), expression=exp.func("epoch_ms", start.copy())
        ),
    )
    return exp.GT(this=length, expression=exp.Literal.number(_HORIZON_MS))


def days_of(node: BusinessTime, tz: str) -> tuple[exp.Expr, exp.Expr]:
    """The first and last local day the sum runs over: one day when the span is past the
    horizon (its value is missing then, see ``signed``), so a row never makes millions."""
    lo, hi = span(node)
    first = local_day(tz, lo)
    last = exp.Case().when(too_long(node), first.copy()).else_(local_day(tz, hi))
    return first, last


def span(node: BusinessTime) -> tuple[exp.Expr, exp.Expr]:
    """The earlier and the later of the node's two instants."""
    start, end = node.this, node.expression
    return (
        exp.func("least", start.copy(), end.copy()),
        exp.func("greatest", start.copy(), end.copy()),
    )


def signed(node: BusinessTime, total: exp.Expr) -> exp.Expr:
    """``total`` (over the span) with the node's sign, NULL when an instant is missing."""
    start, end = node.this, node.expression
    sign = exp.Case().when(exp.LT(this=end.copy(), expression=start.copy()), exp.Literal.number(-1))
    sign = sign.else_(exp.Literal.number(1))
    product = exp.Mul(this=exp.paren(total), expression=sign)
    nulls = exp.or_(start.copy().is_(exp.null()), end.copy().is_(exp.null()), too_long(node))
    return exp.Case().when(nulls, exp.null()).else_(product)


def local_day(tz: str, instant: exp.Expr) -> exp.Expr:
    """The local date of an instant in ``tz``."""
    return exp.cast(_local(tz, instant), "DATE")


def duckdb_business_time(node: BusinessTime) -> exp.Expr:
    """DuckDB's SQL for a ``BusinessTime`` node: the correlated subquery of the module."""
    cal = node.calendar
    lo, hi = span(node)
    tz = cal.time_zone
    day = exp.column("d", table="days")
    first, last = days_of(node, tz)
    days = exp.select(
        exp.alias_(
            exp.func(
                "unnest",
                exp.func(
                    "generate_series",
                    first,
                    last,
                    exp.cast(exp.Literal.string("1 day"), "INTERVAL"),
                ),
            ),
            "d",
        )
    ).subquery("days")
    hours = exp.values(
        [
            exp.tuple_(exp.Literal.number(dow), _interval(o), _interval(c))
            for dow, o, c in cal.hours
        ],
        alias="h",
        columns=["dow", "o", "c"],
    )
    opens = exp.func(
        "timezone",
        exp.Literal.string(tz),
        exp.Add(this=day.copy(), expression=exp.column("o", table="h")),
    )
    closes = exp.func(
        "timezone",
        exp.Literal.string(tz),
        exp.Add(this=day.copy(), expression=exp.column("c", table="h")),
    )
    overlap = exp.func(
        "greatest",
        exp.Literal.number(0),
        exp.Sub(
            this=exp.func("epoch_ms", exp.func("least", hi.copy(), closes)),
            expression=exp.func("epoch_ms", exp.func("greatest", lo.copy(), opens)),
        ),
    )
    query = (
        exp.select(exp.func("coalesce", exp.Sum(this=overlap), exp.Literal.number(0)))
        .from_(days)
        .join(
            hours,
            on=exp.EQ(this=exp.func("isodow", day.copy()), expression=exp.column("dow", table="h")),
        )
    )
    if cal.holidays:
        holidays = [exp.cast(exp.Literal.string(d.isoformat()), "DATE") for d in cal.holidays]
        query = query.where(
            exp.not_(exp.In(this=exp.cast(day.copy(), "DATE"), expressions=holidays))
        )
    return signed(node, query.subquery())


def choose_calendar_sql(
    start: exp.Expr,
    end: exp.Expr,
    calendars: Mapping[str, CalendarSpec],
    branch: exp.Expr | None,
) -> exp.Expr:
    """business_time without a calendar name: by branch membership, else the default one."""
    listed = [c for c in calendars.values() if c.branches]
    default = calendars.get("default") or (
        next(iter(calendars.values())) if len(calendars) == 1 else None
    )
    if not listed or branch is None:
        if default is None:
            raise LookupError("several calendars and no `default`")
        return business_time_sql(start, end, default)
    case = exp.Case()
    for cal in listed:
        members = [exp.Literal.string(b) for b in cal.branches]
        case = case.when(
            exp.In(this=branch.copy(), expressions=members), business_time_sql(start, end, cal)
        )
    if default is not None and not default.branches:
        case = case.else_(business_time_sql(start, end, default))
    return case
