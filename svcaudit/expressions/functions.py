"""The functions expressions may call: one registry, one entry per function.

Each entry documents itself with a summary, an example to follow and one to avoid; a test checks
every entry has them and that its example compiles. Adding a function is adding one entry here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind

Builder = Callable[[Sequence[exp.Expr]], exp.Expr]


@dataclass(frozen=True)
class Function:
    """One callable function: argument kinds, result kind, SQL builder and documentation."""

    name: str
    params: tuple[Kind, ...]
    returns: Kind
    build: Builder
    summary: str
    example: str
    avoid: str
    variadic: bool = False  # all arguments share one kind; the result has that kind
    result_from: int | None = None  # the result has the kind of this argument
    #: argument index -> what is wrong with a text literal there and a hint (None: nothing),
    #: checked when the standards file is compiled, so the file is blamed, never the log
    literal_checks: tuple[tuple[int, Callable[[str], tuple[str, str] | None]], ...] = ()

    def arity_text(self) -> str:
        """How the call is written, for hints: ``hour(timestamp)``."""
        if self.variadic:
            return f"{self.name}(value, value, ...)"
        return f"{self.name}({', '.join(k.value for k in self.params)})"


def _fn(name: str) -> Builder:
    return lambda args: exp.Anonymous(this=name, expressions=list(args))


def _extract(part: str) -> Builder:
    return lambda args: exp.Extract(this=exp.var(part), expression=args[0])


def _times(ms: int) -> Builder:
    return lambda args: exp.Mul(
        this=exp.paren(args[0], copy=False), expression=exp.Literal.number(ms)
    )


def _if_else(args: Sequence[exp.Expr]) -> exp.Expr:
    return exp.Case().when(args[0], args[1]).else_(args[2])


STRPTIME_HINT = "strftime codes: %Y %m %d %H %M %S %I %p %y %b %f %z (%% for a percent sign)"


@functools.cache
def strptime_problem(fmt: str) -> tuple[str, str] | None:
    """What is wrong with a strptime format (an unknown code, a lone % at the end) and a hint,
    or None. DuckDB's own format parser decides (in memory, the format as a parameter): the
    codes it reads are the ones svcaudit documents."""
    try:
        _formats().execute("SELECT try_strptime('', ?)", [fmt]).fetchall()
    except duckdb.Error as e:
        first = str(e).splitlines()[0]
        why = first.split(f"{fmt}: ", 1)[-1].replace("for strftime/strptime", "code")
        why = why[:1].lower() + why[1:]
        return f"the time format '{fmt}' cannot be read ({why})", STRPTIME_HINT
    return None


@functools.cache
def _formats() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def _parse_time(args: Sequence[exp.Expr]) -> exp.Expr:
    return exp.cast(exp.func("try_strptime", args[0], args[1]), "TIMESTAMPTZ")


def _date(args: Sequence[exp.Expr]) -> exp.Expr:
    return exp.Anonymous(this="strftime", expressions=[args[0], exp.Literal.string("%Y-%m-%d")])


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "lower",
            (Kind.STRING,),
            Kind.STRING,
            _fn("lower"),
            "Text in lower case, to compare without caring about case.",
            example='lower(channel) == "phone"',
            avoid='channel == "phone" or channel == "Phone" or channel == "PHONE"',
        ),
        Function(
            "upper",
            (Kind.STRING,),
            Kind.STRING,
            _fn("upper"),
            "Text in upper case.",
            example='upper(priority) in ["P1", "P2"]',
            avoid='priority in ["p1", "P1", "p2", "P2"]',
        ),
        Function(
            "trim",
            (Kind.STRING,),
            Kind.STRING,
            _fn("trim"),
            "Text without leading and trailing spaces, as spreadsheets often leave them.",
            example='trim(channel) == "email"',
            avoid='channel == "email" or channel == "email "',
        ),
        Function(
            "coalesce",
            (),
            Kind.ANY,
            _fn("coalesce"),
            "The first of its arguments that is not null.",
            example="coalesce(greeted_at, completed_at) - arrived_at",
            avoid="greeted_at - arrived_at  # when greeted_at is often left empty at the desk",
            variadic=True,
        ),
        Function(
            "if_else",
            (Kind.BOOLEAN, Kind.ANY, Kind.ANY),
            Kind.ANY,
            _if_else,
            "The second argument where the condition holds, else the third.",
            example='first_reply <= if_else(priority == "urgent", 1h, 4h)',
            avoid='(priority == "urgent" and first_reply <= 1h) or '
            '(priority != "urgent" and first_reply <= 4h)',
            result_from=1,
        ),
        Function(
            "parse_time",
            (Kind.STRING, Kind.STRING),
            Kind.TIMESTAMP,
            _parse_time,
            "Text written in a known format (strftime codes) as a timestamp in the file's time "
            "zone; a value that does not match is null.",
            example='parse_time(called, "%d/%m/%Y %H:%M") <= arrived_at + 5m',
            avoid="exporting the spreadsheet again with ISO dates",
            literal_checks=((1, strptime_problem),),
        ),
        Function(
            "hour",
            (Kind.TIMESTAMP,),
            Kind.NUMBER,
            _extract("hour"),
            "The hour (0-23) of a timestamp in the standards file's time zone.",
            example="hour(arrived_at) >= 22 or hour(arrived_at) < 6",
            avoid='arrived_at > "2025-03-01 22:00"  # one night only, not every night',
        ),
        Function(
            "weekday",
            (Kind.TIMESTAMP,),
            Kind.NUMBER,
            _extract("isodow"),
            "The ISO day of the week of a timestamp: 1 = Monday ... 7 = Sunday.",
            example="weekday(arrived_at) in [6, 7]",
            avoid="weekday(arrived_at) in [0, 6]  # 0 is not a day here; Sunday is 7",
        ),
        Function(
            "date",
            (Kind.TIMESTAMP,),
            Kind.STRING,
            _date,
            "The calendar date of a timestamp as YYYY-MM-DD text, in the file's time zone.",
            example='date(arrived_at) == "2025-03-01"',
            avoid='arrived_at == "2025-03-01"  # compares with midnight only',
        ),
        Function(
            "abs",
            (Kind.NUMBER,),
            Kind.NUMBER,
            _fn("abs"),
            "The absolute value of a number.",
            example="abs(rating_change) <= 1",
            avoid="rating_change <= 1 and rating_change >= -1",
        ),
        Function(
            "seconds",
            (Kind.NUMBER,),
            Kind.DURATION,
            _times(1000),
            "A plain number of seconds as a duration.",
            example="seconds(hold_time) <= 30s",
            avoid="hold_time <= 30  # a bare number: seconds or minutes?",
        ),
        Function(
            "minutes",
            (Kind.NUMBER,),
            Kind.DURATION,
            _times(60_000),
            "A plain number of minutes as a duration.",
            example="minutes(reply_minutes) <= 24h",
            avoid="reply_minutes <= 1440",
        ),
        Function(
            "hours",
            (Kind.NUMBER,),
            Kind.DURATION,
            _times(3_600_000),
            "A plain number of hours as a duration.",
            example="hours(resolution_hours) <= 2d",
            avoid="resolution_hours <= 48",
        ),
    )
}
