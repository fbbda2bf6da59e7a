"""Asterisk queue_log event files, read as their lines and made into one row per queue visit
by the ``QueueVisits`` step (``prepare``), the same step on every engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import duckdb
from sqlglot import exp

from svcaudit.sources.base import FILE, REJECT, LogReader, Reject, file_column, numbered_rejects
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.prepare import POSITION, VISIT_COLUMNS, QueueVisits
from svcaudit.sources.sql import lit, named_arg, struct_literal, union_all

#: a line's fields after the time: c1..c9 are named so
FIELD_NAMES = ("c0", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5")


class QueueLogReader(LogReader):
    """Asterisk ``queue_log`` event files, one row per queue visit.

    Lines are ``epoch|callid|queue|agent|event|data1|...``. Every ENTERQUEUE of a call starts
    a visit of that queue (``QueueVisits``): ``id`` (the callid), ``visit`` (1, 2, ... in the
    call), ``branch`` (the queue), ``queued_at``, ``answered_at`` (CONNECT), ``ended_at``,
    ``wait_seconds`` (CONNECT's holdtime, or the waittime of ABANDON, EXITWITHTIMEOUT,
    EXITEMPTY, EXITWITHKEY), ``talk_seconds`` (COMPLETEAGENT/COMPLETECALLER or a transfer's
    calltime), ``outcome`` (answered, abandoned, timeout, exit-empty, exit-key), ``answered``,
    ``abandoned`` (the caller hung up in the queue), ``transferred`` and ``exit_event``. Lines
    of queue and agent events (callid NONE) are not interactions; a line whose time is not a
    UNIX epoch or that has too few fields is rejected with its line number.
    """

    formats = (LogFormat.QUEUE_LOG,)
    FIELDS = 10

    SCHEMA: ClassVar[dict[str, str]] = dict(VISIT_COLUMNS)

    def _fields(self, f: LogFile) -> exp.Select:
        """The file's lines split into ``c0``..``c9``, numbered in file order."""
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
        number = exp.alias_(exp.Window(this=exp.RowNumber()), POSITION)
        return exp.select("*", number).from_(table)

    def _lines(self, f: LogFile) -> exp.Select:
        return queue_log_lines(self._fields(f), f)

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

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        lines = union_all([self._lines(f) for f in self.files])
        visits = QueueVisits().apply(exp.select("*").from_(lines.subquery("lines")))
        return exp.select(
            *(exp.column(c, quoted=True) for c in self.SCHEMA),
            exp.column(FILE),
            exp.column(REJECT),
        ).from_(visits.subquery("calls"))

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        return numbered_rejects(con, [(f, self._lines(f)) for f in self.files], limit)


def queue_log_lines(fields: exp.Select, f: LogFile, extra: Sequence[str] = ()) -> exp.Select:
    """The lines of ``f`` as ``QueueVisits`` reads them, from its fields ``c0``..``c9`` and
    ``POSITION`` (each engine splits lines its own way): ``t`` (the epoch, NULL when it is
    not one), the named fields, ``__file`` and ``__reject``; ``extra`` columns pass through."""
    epoch = exp.TryCast(this=exp.column("c0"), to=exp.DataType.build("BIGINT"))
    reason = (
        exp.Case()
        .when(epoch.copy().is_(exp.null()), lit("time is not a UNIX epoch"))
        .when(exp.column("c4").is_(exp.null()), lit("too few fields for a queue_log line"))
    )
    return exp.select(
        exp.alias_(epoch, "t"),
        *(exp.alias_(exp.column(f"c{i}"), name) for i, name in enumerate(FIELD_NAMES) if i),
        exp.alias_(reason, REJECT),
        file_column(f),
        exp.column(POSITION),
        *(exp.column(c) for c in extra),
    ).from_(fields.subquery("fields"))
