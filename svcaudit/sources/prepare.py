"""Prepare steps: what a profile does to the typed rows before they are counted, and what a
reader does to the rows it opened (queue visits, side-loads), written as sqlglot trees with
DuckDB's meaning, so every engine runs the same step (Spark through its dialect). A step may
fold several records of one interaction into one, counting the others as merged (``MERGED``
on the kept row).

Adding a step is one class here; a profile declares it (``Profile.prepare``), or a reader
applies it over the rows it found (``QueueVisits``, ``SideLoads``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from svcaudit.sources.base import FILE, REJECT
from svcaudit.sources.sql import lit

#: the rows a kept row stands for besides itself (0 without a merging step)
MERGED = "__merged"
#: a number ordering the rows as the files hold them (the files in the order given), for
#: steps that break ties by file order (``Prepare.positioned``): the engine adds it
POSITION = "__pos"
#: the array of a JSON document a row came from (``SideLoads``)
KIND = "__kind"


class Prepare(ABC):
    """One step over the typed rows (``__reject`` set on bad ones), before counting."""

    @property
    @abstractmethod
    def reads(self) -> Mapping[str, str]:
        """The source columns the step needs, and the type each is read as."""

    @property
    @abstractmethod
    def summary(self) -> str:
        """What the step does, for people (help text, ``inspect``)."""

    @abstractmethod
    def apply(self, rows: exp.Select) -> exp.Select:
        """The rows after the step; a profile's step (``Profile.prepare``) adds ``MERGED``."""

    #: whether ``apply`` reads ``POSITION`` (the plan then adds it to rows without one)
    positioned: bool = False


@dataclass(frozen=True)
class LatestPerKey(Prepare):
    """Several records per interaction: keep the latest one per ``key`` by ``order`` (among
    good rows; of rows with the same ``order``, the later in the file); the others are
    counted as merged on the kept row. Rows without a key, and rejected rows, stay as
    they are. ``order_type`` is the type ``order`` is compared as."""

    key: str
    order: str
    order_type: str = "TIMESTAMPTZ"
    what: str = "record"  # what one row is, for people ("record", "update")

    positioned = True

    @property
    def reads(self) -> Mapping[str, str]:
        """The key as text, the order as ``order_type``."""
        return {self.key: "VARCHAR", self.order: self.order_type}

    @property
    def summary(self) -> str:
        """One line."""
        return f"keeps the latest {self.what} per {self.key} by {self.order}"

    def apply(self, rows: exp.Select) -> exp.Select:
        """A window per key (and good/rejected), QUALIFY the first by ``order`` descending,
        then by position descending (the last row written wins a tie)."""
        key = exp.column(self.key, quoted=True)
        good = exp.column(REJECT).is_(exp.null())
        partition = [key, exp.paren(good.copy())]
        latest = exp.Ordered(
            this=exp.column(self.order, quoted=True), desc=True, nulls_first=False
        )
        later = exp.Ordered(this=exp.column(POSITION), desc=True, nulls_first=False)
        rank = exp.Window(
            this=exp.RowNumber(),
            partition_by=partition,
            order=exp.Order(expressions=[latest, later]),
        )
        size = exp.Window(
            this=exp.Count(this=exp.Star()), partition_by=[p.copy() for p in partition]
        )
        merged = (
            exp.Case()
            .when(
                exp.and_(good.copy(), exp.not_(key.copy().is_(exp.null()))),
                exp.Sub(this=size, expression=exp.Literal.number(1)),
            )
            .else_(exp.Literal.number(0))
        )
        keep = exp.or_(
            exp.not_(good.copy()),
            key.copy().is_(exp.null()),
            exp.EQ(this=rank, expression=exp.Literal.number(1)),
        )
        return (
            exp.select("*", exp.alias_(merged, MERGED))
            .from_(rows.subquery("undeduplicated"))
            .qualify(keep)
        )


#: a row's record number in its file (1 = the first after a header), among the records of the
#: header's width, as both engines read them (``with_record``): invalid values are listed at
#: the lines of the rows that were counted, not at the first line holding the same text
RECORD = "__record"
#: the reason Spark gives a CSV record of the wrong width, which DuckDB's reader leaves out
#: of the relation altogether (its rejects table lists it): such rows are not numbered
WRONG_WIDTH = "wrong number of fields"


def with_record(rows: exp.Select) -> exp.Select:
    """``rows`` (with ``POSITION``) numbered per file in file order: ``RECORD``."""
    wrong = exp.func("coalesce", exp.EQ(this=exp.column(REJECT), expression=lit(WRONG_WIDTH)),
                     exp.false())  # fmt: skip
    number = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column(FILE), wrong],
        order=exp.Order(expressions=[exp.Ordered(this=exp.column(POSITION))]),
    )
    return exp.select("*", exp.alias_(number, RECORD)).from_(rows.subquery("unrecorded"))


def with_position(rows: exp.Select) -> exp.Select:
    """``rows`` numbered in the order they come (DuckDB keeps the files' order)."""
    number = exp.Window(this=exp.RowNumber())
    return exp.select("*", exp.alias_(number, POSITION)).from_(rows.subquery("unnumbered"))


@dataclass(frozen=True)
class Side:
    """One side-loaded array: the ``KIND`` of its rows, the column naming the record each
    row belongs to, and the columns its rows give (``metric_sets``, ``metric_set.ticket_id``,
    ``metric_set.*``)."""

    kind: str
    link: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class SideLoads(Prepare):
    """Side-loaded rows attached to the records they name (Zendesk's ``metric_sets``).

    Over the rows of one JSON document, every column text and ``KIND`` naming the array each
    row came from: one row per record (kind ``records``), each side's columns taken from the
    side row whose ``link`` equals the record's ``key``, NULL where none does (a ticket with
    no metric set). A side row whose record is absent adds no row. The reader attaches only
    arrays with at most one row per record, so a record is never repeated. ``columns``: the
    rows' columns after the step, in order (a side's from the side, the others from the
    record).
    """

    records: str
    key: str
    sides: tuple[Side, ...]
    columns: tuple[str, ...]

    @property
    def reads(self) -> Mapping[str, str]:
        """Nothing beyond the reader's rows."""
        return {}

    @property
    def summary(self) -> str:
        """One line."""
        return "; ".join(
            f"attaches each {s.kind} item to the {self.records} item its {s.link} names"
            for s in self.sides
        )

    def apply(self, rows: exp.Select) -> exp.Select:
        """The records, left-joined to each side's rows on ``link = key``."""

        def of(kind: str, alias: str) -> exp.Subquery:
            only = exp.EQ(this=exp.column(KIND), expression=lit(kind))
            return exp.select("*").from_(rows.subquery("rows")).where(only).subquery(alias)

        source = {c: f"s{i}" for i, side in enumerate(self.sides) for c in side.columns}
        cols = [
            exp.alias_(exp.column(c, table=source.get(c, "r"), quoted=True), c, quoted=True)
            for c in self.columns
        ]
        joined = exp.select(*cols).from_(of(self.records, "r"))
        for i, side in enumerate(self.sides):
            on = exp.EQ(
                this=exp.column(side.link, table=f"s{i}", quoted=True),
                expression=exp.column(self.key, table="r", quoted=True),
            )
            joined = joined.join(of(side.kind, f"s{i}"), on=on, join_type="left")
        return joined


#: how a queue visit ended, by the event that ended it (Asterisk's queue_log)
OUTCOMES = {
    "CONNECT": "answered",
    "ABANDON": "abandoned",
    "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "exit-empty",
    "EXITWITHKEY": "exit-key",
}
#: the events that end an answered visit (the call's time with the member is known then)
_COMPLETIONS = ("COMPLETEAGENT", "COMPLETECALLER")
_TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")

#: a queue visit's columns and their types (``QueueVisits``)
VISIT_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "visit": "BIGINT",
    "branch": "VARCHAR",
    "channel": "VARCHAR",
    "agent": "VARCHAR",
    "queued_at": "TIMESTAMPTZ",
    "answered_at": "TIMESTAMPTZ",
    "ended_at": "TIMESTAMPTZ",
    "wait_seconds": "DOUBLE",
    "talk_seconds": "DOUBLE",
    "outcome": "VARCHAR",
    "answered": "BOOLEAN",
    "abandoned": "BOOLEAN",
    "transferred": "BOOLEAN",
    "exit_event": "VARCHAR",
}


@dataclass(frozen=True)
class QueueVisits(Prepare):
    """Asterisk ``queue_log`` events -> one row per queue visit.

    Over lines with ``t`` (epoch seconds), ``callid``, ``queue``, ``agent``, ``event``,
    ``d1``..``d5``, ``__reject``, ``__file`` and ``POSITION`` (file order): every ENTERQUEUE
    of a call starts a visit of the queue it names, and the call's later lines in that queue
    belong to it until the next ENTERQUEUE there. A call that times out of one queue and is
    answered in another, or comes back to a queue, is one visit per ENTERQUEUE, each in its
    own queue. The first of CONNECT, ABANDON, EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY gives
    its ``outcome`` (``OUTCOMES``; NULL while the caller is still waiting when the log ends).
    Rejected lines stay, one row each; lines of calls never queued (or callid NONE) are not
    interactions.
    """

    @property
    def reads(self) -> Mapping[str, str]:
        """Nothing beyond the reader's lines."""
        return {}

    @property
    def summary(self) -> str:
        """One line."""
        return "makes every ENTERQUEUE of a call one queue visit"

    def apply(self, rows: exp.Select) -> exp.Select:
        """Lines numbered into visits, grouped per visit, then the rejected lines."""
        good = exp.column(REJECT).is_(exp.null())
        call = [exp.column(FILE), exp.column("callid"), exp.column("queue")]
        entered = exp.Window(
            this=exp.Sum(this=exp.Case().when(_is("ENTERQUEUE"), exp.Literal.number(1)).else_(
                exp.Literal.number(0)
            )),
            partition_by=call,
            order=exp.Order(expressions=[exp.Ordered(this=exp.column(POSITION))]),
        )
        numbered = (
            exp.select("*", exp.alias_(entered, "__visit"))
            .from_(rows.subquery("lines"))
            .where(exp.and_(good, exp.NEQ(this=exp.column("callid"), expression=lit("NONE"))))
        )
        visits = (
            exp.select(*_visit_columns(), exp.column(FILE))
            .from_(numbered.subquery("numbered"))
            .where(exp.GT(this=exp.column("__visit"), expression=exp.Literal.number(0)))
            .group_by(*[c.copy() for c in call], exp.column("__visit"))
        )
        nth = exp.Window(
            this=exp.RowNumber(),
            partition_by=[exp.column(FILE), exp.column("id")],
            order=exp.Order(expressions=[exp.Ordered(this=exp.column(POSITION))]),
        )
        columns = [exp.column(c) if c != "visit" else exp.alias_(nth, "visit")
                   for c in VISIT_COLUMNS]
        kept = exp.select(
            *columns,
            exp.column(FILE),
            exp.alias_(exp.cast(exp.null(), "VARCHAR"), REJECT),
            exp.column(POSITION),
        ).from_(visits.subquery("visits"))
        nulls = [exp.alias_(exp.cast(exp.null(), t), c) for c, t in VISIT_COLUMNS.items()]
        bad = (
            exp.select(*nulls, exp.column(FILE), exp.column(REJECT), exp.column(POSITION))
            .from_(rows.subquery("bad"))
            .where(exp.not_(good.copy()))
        )
        return exp.select("*").from_(exp.union(kept, bad, distinct=False).subquery("visits"))


def _visit_columns() -> list[exp.Expr]:
    """A visit's columns (``VISIT_COLUMNS`` but ``visit``), aggregated over its lines, and its
    ENTERQUEUE's position."""
    at = exp.func("to_timestamp", exp.column("t"))
    ends = exp.In(this=exp.column("event"), expressions=[lit(e) for e in OUTCOMES])
    first_end = exp.func(
        "arg_min",
        exp.Case().when(ends.copy(), exp.column("event")),
        exp.Case().when(ends.copy(), exp.column(POSITION)),
    )
    outcome = exp.Case()
    for event, name in OUTCOMES.items():
        outcome = outcome.when(exp.EQ(this=first_end.copy(), expression=lit(event)), lit(name))
    connect = _is("CONNECT")
    agent = exp.func(
        "arg_min",
        exp.Case().when(connect.copy(), exp.column("agent")),
        exp.Case().when(connect.copy(), exp.column(POSITION)),
    )
    wait = exp.func(
        "coalesce",
        _pick(connect.copy(), _number("d1")),  # CONNECT(holdtime|...)
        _pick(_among(("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY")), _number("d3")),  # waittime
        _pick(_is("EXITWITHKEY"), _number("d4")),  # EXITWITHKEY(key|pos|origpos|waittime)
    )
    talk = exp.func(
        "coalesce",
        _pick(_among(_COMPLETIONS), _number("d2")),  # (holdtime|calltime|origposition)
        _pick(_among(_TRANSFERS), _number("d4")),  # (extension|context|holdtime|calltime|...)
    )
    # a caller still waiting when the log ends is neither (yet): false, its outcome NULL
    answered = exp.func("coalesce", _is_end(first_end, "CONNECT"), exp.false())
    abandoned = exp.func("coalesce", _is_end(first_end, "ABANDON"), exp.false())
    exits = [e for e in OUTCOMES if e != "CONNECT"]
    exit_event = exp.Case().when(
        exp.In(this=first_end.copy(), expressions=[lit(e) for e in exits]),
        exp.func("lower", first_end.copy()),
    )
    return [
        exp.alias_(exp.column("callid"), "id"),
        exp.alias_(exp.column("queue"), "branch"),
        exp.alias_(lit("phone"), "channel"),
        exp.alias_(agent, "agent"),
        exp.alias_(_pick(_is("ENTERQUEUE"), at.copy(), "min"), "queued_at"),
        exp.alias_(_pick(connect.copy(), at.copy(), "min"), "answered_at"),
        exp.alias_(_pick(_among((*exits, *_COMPLETIONS, *_TRANSFERS)), at.copy()), "ended_at"),
        exp.alias_(wait, "wait_seconds"),
        exp.alias_(talk, "talk_seconds"),
        exp.alias_(outcome, "outcome"),
        exp.alias_(answered, "answered"),
        exp.alias_(abandoned, "abandoned"),
        exp.alias_(exp.func("bool_or", _among(_TRANSFERS)), "transferred"),
        exp.alias_(exit_event, "exit_event"),
        exp.alias_(_pick(_is("ENTERQUEUE"), exp.column(POSITION), "min"), POSITION),
    ]


def _is_end(first_end: exp.Expr, event: str) -> exp.Expr:
    return exp.EQ(this=first_end.copy(), expression=lit(event))


def _is(event: str) -> exp.Expr:
    return exp.EQ(this=exp.column("event"), expression=lit(event))


def _among(events: tuple[str, ...] | list[str]) -> exp.Expr:
    return exp.In(this=exp.column("event"), expressions=[lit(e) for e in events])


def _pick(cond: exp.Expr, value: exp.Expr, agg: str = "max") -> exp.Expr:
    """``value`` of the visit's lines that meet ``cond`` (their max, or ``agg``)."""
    return exp.func(agg, exp.Case().when(cond, value))


def _number(name: str) -> exp.Expr:
    """A data field read as a number (NULL when it is not one)."""
    return exp.TryCast(this=exp.column(name), to=exp.DataType.build("DOUBLE"))


__all__ = [
    "KIND",
    "MERGED",
    "OUTCOMES",
    "POSITION",
    "RECORD",
    "VISIT_COLUMNS",
    "LatestPerKey",
    "Prepare",
    "QueueVisits",
    "Side",
    "SideLoads",
    "with_position",
    "with_record",
]
