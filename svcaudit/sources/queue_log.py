"""Asterisk queue_log event files, folded into one row per call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import duckdb
from sqlglot import exp

from svcaudit.sources.base import REJECT, LogReader, Reject, file_column, numbered_rejects
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.sql import lit, named_arg, struct_literal, union_all

_EXITS = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")
_ENDS = ("COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")


class QueueLogReader(LogReader):
    """Asterisk ``queue_log`` event files, folded into one row per call.

    Lines are ``epoch|callid|queue|agent|event|data1|...``. Each call (callid) with an
    ENTERQUEUE becomes one interaction: ``queued_at`` (ENTERQUEUE), ``answered_at`` (CONNECT),
    ``ended_at``, ``wait_seconds`` (CONNECT's holdtime, or the waittime of ABANDON,
    EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY), ``talk_seconds`` (COMPLETEAGENT/COMPLETECALLER or
    TRANSFER calltime), ``abandoned`` (no CONNECT, and one of those exits), ``exit_event``,
    ``transferred``; the queue is the branch. Lines of queue and agent events (callid NONE)
    are not interactions; a line whose time is not a UNIX epoch or that has too few fields
    is rejected with its line number.
    """

    formats = (LogFormat.QUEUE_LOG,)
    FIELDS = 10

    flags_invalid = False  # its columns are built from the events, never read as text
    SCHEMA: ClassVar[dict[str, str]] = {
        "id": "VARCHAR",
        "branch": "VARCHAR",
        "channel": "VARCHAR",
        "agent": "VARCHAR",
        "queued_at": "TIMESTAMPTZ",
        "answered_at": "TIMESTAMPTZ",
        "ended_at": "TIMESTAMPTZ",
        "wait_seconds": "DOUBLE",
        "talk_seconds": "DOUBLE",
        "abandoned": "BOOLEAN",
        "transferred": "BOOLEAN",
        "exit_event": "VARCHAR",
    }

    def _lines(self, f: LogFile) -> exp.Select:
        columns = {f"c{i}": "VARCHAR" for i in range(self.FIELDS)}
        args = [
            lit(f.path),
            named_arg("columns", struct_literal(columns)),
            named_arg("header", exp.false()),
            named_arg("delim", lit("|")),
            named_arg("quote", lit("")),
            named_arg("escape", lit("")),
            named_arg("auto_detect", exp.false()),
            named_arg("null_padding", exp.true()),
            named_arg("strict_mode", exp.false()),
        ]
        table = exp.Table(this=exp.Anonymous(this="read_csv", expressions=args))
        epoch = exp.TryCast(this=exp.column("c0"), to=exp.DataType.build("BIGINT"))
        reason = (
            exp.Case()
            .when(epoch.copy().is_(exp.null()), lit("time is not a UNIX epoch"))
            .when(exp.column("c4").is_(exp.null()), lit("too few fields for a queue_log line"))
        )
        return exp.select(
            exp.alias_(epoch, "t"),
            *(
                exp.alias_(exp.column(f"c{i}"), name)
                for i, name in enumerate(
                    ("c0", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5")
                )
                if i
            ),
            exp.alias_(reason, REJECT),
        ).from_(table)

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        for f in self.files:
            con.sql(self._lines(f).limit(1).sql("duckdb")).fetchall()  # readable at all?
        self._schema = dict(self.SCHEMA)
        return self._schema

    def _refine(self, con: duckdb.DuckDBPyConnection, raw: dict[str, str]) -> dict[str, str]:
        return raw

    def _sample(self) -> exp.Select:
        return self.relation({})

    def _any_row(self, f: LogFile) -> exp.Select:
        return exp.select(exp.Literal.number(1)).from_(self._lines(f).subquery("l"))

    def _calls(self, f: LogFile) -> exp.Select:
        """One row per call of ``f``, then one per rejected line."""
        good = exp.column(REJECT).is_(exp.null())
        calls = (
            exp.select(
                *_call_columns(),
                file_column(f),
                exp.alias_(exp.cast(exp.null(), "VARCHAR"), REJECT),
            )
            .from_(self._lines(f).subquery("ev"))
            .where(exp.and_(good, exp.NEQ(this=exp.column("callid"), expression=lit("NONE"))))
            .group_by(exp.column("callid"))
            .having(_any(_is("ENTERQUEUE")))
        )
        nulls = [
            exp.alias_(exp.cast(exp.null(), t), c, quoted=True) for c, t in self.SCHEMA.items()
        ]
        bad = (
            exp.select(*nulls, file_column(f), exp.column(REJECT))
            .from_(self._lines(f).subquery("bad"))
            .where(exp.not_(exp.column(REJECT).is_(exp.null())))
        )
        return exp.select("*").from_(exp.union(calls, bad, distinct=False).subquery("q"))

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        return exp.select("*").from_(
            union_all([self._calls(f) for f in self.files]).subquery("calls")
        )

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        return numbered_rejects(con, [(f, self._lines(f)) for f in self.files], limit)


def _call_columns() -> list[exp.Expr]:
    """A call's columns (``SCHEMA``), aggregated over its events."""
    at = exp.func("to_timestamp", exp.column("t"))
    is_enter, is_connect = _is("ENTERQUEUE"), _is("CONNECT")
    first_queue = exp.func(
        "arg_min",
        exp.Case().when(is_enter.copy(), exp.column("queue")),
        exp.Case().when(is_enter.copy(), exp.column("t")),
    )
    first_agent = exp.func(
        "arg_min",
        exp.Case().when(is_connect.copy(), exp.column("agent")),
        exp.Case().when(is_connect.copy(), exp.column("t")),
    )
    wait = exp.func(
        "coalesce",
        _pick(is_connect.copy(), _number("d1")),
        _pick(_among(_EXITS[:3]), _number("d3")),
        _pick(_is("EXITWITHKEY"), _number("d4")),
    )
    talk = exp.func(
        "coalesce",
        _pick(_among(_ENDS[:2]), _number("d2")),
        _pick(_among(_ENDS[2:]), _number("d4")),
    )
    abandoned = exp.and_(exp.not_(_any(is_connect.copy())), _any(_among(_EXITS)))
    return [
        exp.alias_(exp.column("callid"), "id"),
        exp.alias_(first_queue, "branch"),
        exp.alias_(lit("phone"), "channel"),
        exp.alias_(first_agent, "agent"),
        exp.alias_(_pick(is_enter.copy(), at.copy(), "min"), "queued_at"),
        exp.alias_(_pick(is_connect.copy(), at.copy(), "min"), "answered_at"),
        exp.alias_(_pick(_among(_EXITS + _ENDS), at.copy()), "ended_at"),
        exp.alias_(wait, "wait_seconds"),
        exp.alias_(talk, "talk_seconds"),
        exp.alias_(abandoned, "abandoned"),
        exp.alias_(exp.func("bool_or", _among(_ENDS[2:])), "transferred"),
        exp.alias_(exp.func("lower", _pick(_among(_EXITS), exp.column("event"))), "exit_event"),
    ]


def _is(event: str) -> exp.Expr:
    """The line is ``event``."""
    return exp.EQ(this=exp.column("event"), expression=lit(event))


def _among(events: Sequence[str]) -> exp.Expr:
    """The line is one of ``events``."""
    return exp.In(this=exp.column("event"), expressions=[lit(e) for e in events])


def _any(cond: exp.Expr) -> exp.Expr:
    """Some line of the call meets ``cond``."""
    return exp.GT(
        this=exp.func("count", exp.Case().when(cond, exp.Literal.number(1))),
        expression=exp.Literal.number(0),
    )


def _pick(cond: exp.Expr, value: exp.Expr, agg: str = "max") -> exp.Expr:
    """``value`` of the call's lines that meet ``cond`` (their max, or ``agg``)."""
    return exp.func(agg, exp.Case().when(cond, value))


def _number(name: str) -> exp.Expr:
    """A data field read as a number (NULL when it is not one)."""
    return exp.TryCast(this=exp.column(name), to=exp.DataType.build("DOUBLE"))
