"""The plan of an audit: rules compiled over the log, the group key, the row status and the
columns read, all worked out once. A frozen value: every query is built from it, in any
order, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlglot import exp

from svcaudit.columns import FieldResolver, LogResolver, UnavailableResolver
from svcaudit.compile.rules import CompiledStandard, as_text, compile_rules, read_invalid
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.calendars import local_day
from svcaudit.expressions.compile import Resolver
from svcaudit.expressions.nodes import Name
from svcaudit.expressions.types import Kind, Typed, kind_of_sql_type
from svcaudit.sources.prepare import Prepare, with_position, with_record
from svcaudit.sources.readers import REJECT
from svcaudit.sources.values import invalid_column
from svcaudit.standards.loader import ParsedExpression, StandardsSet

BRANCH = "__branch"
PERIOD = "__period"  # the period's first day (YYYY-MM-DD, local time), or NULL: no --period
REJECTED = "__rejected"
ROWS = "__rows"
INVALID = "__invalid_values"  # the aggregate's count of invalid values in evaluated rows

#: a row's status in the aggregate: read, rejected, or outside --since/--until
EVALUATED, REJECTED_ROW, OUTSIDE = 0, 1, 2


@dataclass(frozen=True)
class Plan:
    """Everything compiled for an audit before choosing the query: rules, group key, filters,
    and the columns each kind of query reads (typed), fixed when the plan is made."""

    compiled: tuple[CompiledStandard, ...]
    resolver: Resolver
    group: exp.Expr
    status: exp.Expr  # EVALUATED, REJECTED_ROW or OUTSIDE
    relation: Callable[[Mapping[str, str]], exp.Select]
    prepare: Prepare | None  # the profile's step over the typed rows (it may merge records)
    needed: Mapping[str, str]  # column -> type the aggregate reads
    shown: Mapping[str, str]  # ... and the queries showing rows (breaches: the id too)
    ident: exp.Expr | None  # the interaction id as text, as written (None: the log has none)
    schema: Mapping[str, str]  # the log's columns and their types
    # a reader may reject a row only when a query reads its bad value (DuckDB's CSV reader
    # converts only the columns a query reads): ``rows`` then reads every needed column
    narrow_rejects: bool = True
    period: exp.Expr | None = None  # the period key (--period), grouped with the branch
    #: the needed typed columns whose invalid values the relation flags -> the flag's column
    flagged: Mapping[str, str] = field(default_factory=dict)
    # the relation carries ``prepare.POSITION`` (Spark's does); else a step that breaks ties
    # by file order gets the rows numbered as they come
    positioned: bool = False
    # what tells interactions apart, for the repeated-ids check: the id, or the id with the
    # profile's other key columns (a queue visit: callid and visit); None: no id
    key: exp.Expr | None = None

    def source(self) -> exp.Select:
        """The log relation as the aggregate reads it: the needed columns typed
        (deduplicated when asked)."""
        return self._typed(self.needed)

    def _typed(self, needed: Mapping[str, str]) -> exp.Select:
        source = self.relation(needed)
        if self.prepare is None:
            return source
        if self.prepare.positioned and not self.positioned:
            source = with_position(source)
        return self.prepare.apply(source)

    def recorded(self) -> exp.Select:
        """``source()`` with each row's record number in its file (``prepare.RECORD``),
        numbered before a step merges records and before --since/--until."""
        source = self.relation(self.needed)
        if not self.positioned:
            source = with_position(source)
        source = with_record(source)
        return source if self.prepare is None else self.prepare.apply(source)

    def held(self, table: str) -> Plan:
        """This plan over rows an engine holds in ``table`` (``rows()``, or some of them, with
        every column): already typed, prepared and read whole."""
        rows = exp.select("*").from_(exp.to_table(f'"{table}"'))
        return replace(
            self, relation=lambda _needed: rows.copy(), prepare=None, narrow_rejects=False
        )

    def over(self, relation: exp.Select) -> Plan:
        """This plan over another engine's relation of the same logs, which types every
        shown column itself (its ``__reject`` covers them all)."""
        return replace(
            self, relation=lambda _needed: relation.copy(), narrow_rejects=False, positioned=True
        )

    def rows(self) -> exp.Select:
        """The rows as the aggregate counts them, with the shown columns, for the queries
        beside it (breaches, distributions, repeated ids). With ``narrow_rejects`` every
        needed column is read: a row rejected for a bad value in a column the query does not
        show would otherwise be kept, and counted or listed though the audit rejected it."""
        source = self._typed(self.shown)
        needed = [exp.column(c, quoted=True) for c in self.shown]
        if not needed or not self.narrow_rejects:
            return source
        read = exp.not_(exp.Anonymous(this="hash", expressions=needed).is_(exp.null()))
        return exp.select("*").from_(source.subquery("read")).where(read)

    def invalid_values(self) -> exp.Expr:
        """The number of invalid values in a row (of the flagged columns)."""
        terms: list[exp.Expr] = [
            exp.Case()
            .when(exp.column(flag, quoted=True).is_(exp.null()), exp.Literal.number(0))
            .else_(exp.Literal.number(1))
            for flag in self.flagged.values()
        ]
        if not terms:
            return exp.Literal.number(0)
        total = terms[0]
        for term in terms[1:]:
            total = exp.Add(this=total, expression=term)
        return total

    def evaluated(self) -> exp.Expr:
        """The test that a row is evaluated (not rejected, not outside the period)."""
        return exp.EQ(this=self.status.copy(), expression=exp.Literal.number(EVALUATED))


def period_column(plan: Plan) -> exp.Expr:
    """The period key of the aggregate's rows: NULL text without ``--period``."""
    if plan.period is not None:
        return plan.period.copy()
    return exp.cast(exp.null(), "VARCHAR")


def plan_audit(
    standards: StandardsSet,
    schema: Mapping[str, str],
    relation: Callable[[Mapping[str, str]], exp.Select],
    *,
    group_by: Sequence[str] | None = None,
    group_location: Location | None = None,
    origin: str = "the log",
    mapping: Mapping[str, ParsedExpression] | None = None,
    notes: Mapping[str, str] | None = None,
    prepare: Prepare | None = None,
    required: Sequence[str] = (),
    unavailable: Sequence[str] = (),
    period: tuple[str | None, str | None] = (None, None),
    by_period: str | None = None,
    can_be_invalid: Callable[[str, str], bool] | None = None,
    units: Mapping[str, int] | None = None,
    ident_with: Sequence[str] = (),
) -> Plan:
    """Compile all standards over ``relation(needed columns)``: one plan for any query.

    ``mapping`` (a profile, ``--map``, ``columns:``) defines logical columns over the source's.
    Results are grouped by ``group_by`` (default: the standards' branch column); several
    columns (``--by branch,channel``) make one group per combination, named "A / B".
    ``prepare`` runs over the typed rows first (keeping one record per key, say, and
    counting the others as merged). ``by_period`` (day, week, month, quarter) groups the
    counts by period too (``period_key``). ``can_be_invalid(column, type)``: may it be invalid?
    ``ident_with``: columns that, with the id, tell interactions apart (a call's queue visits).
    """
    source_columns = LogResolver(schema, origin, notes, units)
    resolver: Resolver = source_columns
    if unavailable:
        resolver = UnavailableResolver(resolver, frozenset(unavailable))
    if mapping:
        resolver = FieldResolver(resolver, mapping, shadow_ok=True)
    compiled = compile_rules(standards, resolver)
    for name in required:  # read (and so check) them even when no standard uses them
        resolver.resolve(name)
    mapped = mapping or {}
    keys: list[exp.Expr] = []
    for name in group_by or [standards.branch]:
        col = _source_column(name, mapped, schema)
        if col is not None:  # a plain column names groups as written ("N" is not false)
            source_columns.needed[col] = "VARCHAR"
            keys.append(exp.column(col, quoted=True))
        else:
            keys.append(_group_key(resolver, name, standards, group_location))
    group = _joined(keys)
    if prepare is not None:
        for col, typ in prepare.reads.items():
            if col not in schema:
                raise SvcauditError(
                    f"the log has no column '{col}', which the profile needs to merge "
                    "several records of one interaction",
                    location=group_location or Location(standards.paths[0]),
                    hint="check the export, or pass --profile generic",
                )
            source_columns.needed.setdefault(col, typ)
    status = _status(resolver, period)
    period_expr = period_key(resolver, standards, by_period) if by_period else None
    needed = dict(source_columns.needed)  # what the aggregate reads: fixed from here on
    ident = _ident(_source_column("id", mapped, schema), source_columns, resolver)
    flagged = _flagged(needed, can_be_invalid) if can_be_invalid else {}
    compiled = [replace(cs, invalid=read_invalid(cs.value, flagged)) for cs in compiled]
    key = _key(ident, [c for c in ident_with if c in schema], source_columns, schema)
    return Plan(
        flagged=flagged,
        compiled=tuple(compiled),
        resolver=resolver,
        group=group,
        status=status,
        relation=relation,
        prepare=prepare,
        needed=needed,
        shown=dict(source_columns.needed),
        ident=ident,
        schema=dict(schema),
        period=period_expr,
        key=key,
    )


def _joined(keys: Sequence[exp.Expr]) -> exp.Expr:
    """One group key from several ("A / B"; a missing part is "(none)")."""
    if len(keys) == 1:
        return keys[0]
    parts = [exp.func("coalesce", k, exp.Literal.string("(none)")) for k in keys]
    return exp.func("concat_ws", exp.Literal.string(" / "), *parts)


def _flagged(
    needed: Mapping[str, str], can_be_invalid: Callable[[str, str], bool]
) -> dict[str, str]:
    """The needed typed columns whose values may be invalid -> their flag's column. A column
    that cannot hold one (typed by the file) has no flag: the aggregate counts nothing for
    it (on the 5 M-row Parquet bench, 12 % of the aggregate's CPU)."""
    return {
        c: invalid_column(c)
        for c, t in needed.items()
        if kind_of_sql_type(t) != Kind.STRING and can_be_invalid(c, t)
    }


def _source_column(
    name: str, mapping: Mapping[str, ParsedExpression], schema: Mapping[str, str]
) -> str | None:
    """The source column a logical name plainly is: the column the mapping renames to it, or
    the column of that name when the mapping does not define it (None: an expression)."""
    parsed = mapping.get(name)
    if parsed is None:
        return name if name in schema else None
    tree = parsed.tree
    return tree.name if isinstance(tree, Name) and tree.name in schema else None


def _ident(col: str | None, columns: LogResolver, resolver: Resolver) -> exp.Expr | None:
    """The interaction id as text: a plain source column (``col``) as written, else as the
    audit types it. A column the standards read with another type is shown cast to text."""
    if col is not None:
        if columns.needed.setdefault(col, "VARCHAR") == "VARCHAR":
            return exp.column(col, quoted=True)
        return exp.cast(exp.column(col, quoted=True), "VARCHAR")
    typed = resolver.resolve("id")
    return as_text(typed) if typed is not None else None


def _key(
    ident: exp.Expr | None,
    columns: Sequence[str],
    source: LogResolver,
    schema: Mapping[str, str],
) -> exp.Expr | None:
    """The id, or the id and ``columns`` as one text (``id/visit``), read from the rows."""
    if ident is None or not columns:
        return ident
    for c in columns:
        source.needed.setdefault(c, schema[c])
    parts = [exp.cast(exp.column(c, quoted=True), "VARCHAR") for c in columns]
    return exp.func("concat_ws", exp.Literal.string("/"), ident.copy(), *parts)


def _status(resolver: Resolver, period: tuple[str | None, str | None]) -> exp.Expr:
    """A row's status: REJECTED_ROW (a reader's reason), OUTSIDE the period, or EVALUATED."""
    status = exp.Case().when(
        exp.not_(exp.column(REJECT).is_(exp.null())), exp.Literal.number(REJECTED_ROW)
    )
    if period != (None, None):
        status = status.when(
            exp.not_(exp.func("coalesce", _period_test(resolver, period), exp.false())),
            exp.Literal.number(OUTSIDE),
        )
    return status.else_(exp.Literal.number(EVALUATED))


def period_key(resolver: Resolver, standards: StandardsSet, unit: str) -> exp.Expr:
    """The first day (YYYY-MM-DD text) of the local ``unit`` (day, ISO week from Monday,
    month, quarter) ``arrived_at`` falls in: in the time zone of the branch's calendar (the
    calendars' ``branches:``), else of a ``default`` calendar listing no branches, else the
    file's (as ``hour()`` and ``date()``)."""
    arrived = _arrived(resolver, "--period", "needs")
    calendars = standards.rules[0].calendars if standards.rules else {}

    def local(zone: str) -> exp.Expr:
        day = local_day(zone, arrived.sql.copy())
        if unit != "day":
            trunc = exp.func("date_trunc", exp.Literal.string(unit), day)
            day = exp.cast(trunc, "DATE")
        return exp.cast(day, "VARCHAR")

    default = calendars.get("default")  # as hour() and date(): a `default` calendar's zone
    fallback = local(default.time_zone if default and not default.branches else standards.time_zone)
    listed = [c for c in calendars.values() if c.branches]
    branch = resolver.resolve(standards.branch) if listed else None
    if branch is None:
        return fallback
    key = exp.cast(branch.sql, "VARCHAR")
    case = exp.Case()
    for cal in listed:
        members = [exp.Literal.string(b) for b in cal.branches]
        case = case.when(exp.In(this=key.copy(), expressions=members), local(cal.time_zone))
    return case.else_(fallback)


def _arrived(resolver: Resolver, option: str, verb: str) -> Typed:
    arrived = resolver.resolve("arrived_at")
    if arrived is None or arrived.kind not in (Kind.TIMESTAMP, Kind.ANY):
        raise SvcauditError(
            f"{option} {verb} the interactions' `arrived_at` timestamp, which the log lacks",
            location=Location(option),
            hint="map it: --map arrived_at=COLUMN (or columns: in the standards file)",
        )
    return arrived


def _period_test(resolver: Resolver, period: tuple[str | None, str | None]) -> exp.Expr:
    """arrived_at within [since, until): the interactions of the audited period."""
    arrived = _arrived(resolver, "--since/--until", "need")
    tests: list[exp.Expr] = []
    since, until = period
    if since is not None:
        bound = exp.cast(exp.Literal.string(since), "TIMESTAMPTZ")
        tests.append(exp.GTE(this=arrived.sql.copy(), expression=bound))
    if until is not None:
        bound = exp.cast(exp.Literal.string(until), "TIMESTAMPTZ")
        tests.append(exp.LT(this=arrived.sql.copy(), expression=bound))
    return exp.and_(*tests)


def _group_key(
    resolver: Resolver, name: str, standards: StandardsSet, location: Location | None
) -> exp.Expr:
    typed = resolver.resolve(name)
    if typed is None:
        names = list(resolver.known_names())
        hint = did_you_mean(name, names) or f"columns: {', '.join(names[:12])}"
        raise SvcauditError(
            f"the branch column '{name}' is not in the log",
            location=location or Location(standards.paths[0]),
            hint=hint + "; set `branch:` in the standards file, or pass --branch/--by",
        )
    return exp.cast(typed.sql, "VARCHAR")
