"""Compile a set of standards into one grouped aggregate query over the log.

The query scans the data once, whatever the number of standards::

    SELECT branch, rejected, count(*), sum(CASE WHEN w0 THEN 1 ELSE 0 END) AS s0_scope, ...
    FROM (SELECT <branch>, <each distinct scope / measure / check expression once> FROM log)
    GROUP BY branch, rejected

Each distinct expression is computed once in the inner projection (two standards that share a
``when:`` share its column) and the outer aggregate compares plain numbers with thresholds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from svcaudit.columns import (
    LOGICAL_COLUMNS,
    UNIT_SUFFIXES,
    FieldResolver,
    Layer,
    LogicalResolver,
    LogResolver,
    UnavailableColumnError,
    UnavailableResolver,
)
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.compile import Context, Resolver, compile_expression
from svcaudit.expressions.errors import ExpressionError
from svcaudit.expressions.nodes import Name, Node, names_in
from svcaudit.expressions.types import Kind, Typed
from svcaudit.sources.profiles import Dedupe
from svcaudit.sources.readers import REJECT
from svcaudit.standards.loader import ParsedExpression, Rule, StandardsSet
from svcaudit.standards.model import Threshold
from svcaudit.units import MS_PER_UNIT

BRANCH = "__branch"
REJECTED = "__rejected"
ROWS = "__rows"
MERGED = "__merged"


@dataclass(frozen=True)
class CompiledStandard:
    """One standard compiled: SQL for scope, measure or check, and its threshold."""

    rule: Rule
    scope: exp.Expr
    value: exp.Expr  # the measure (milliseconds or plain number) or the check
    passes: exp.Expr  # `value` compared with the limit (or the check itself)
    measure_kind: Kind | None  # None for checks
    limit: float | None  # in the measure's own units (ms for durations)
    unavailable: str | None = None  # a column the export lacks: nothing is in scope


@dataclass(frozen=True)
class AuditQuery:
    """The single aggregate query of an audit and what its columns mean."""

    sql: str
    standards: tuple[CompiledStandard, ...]
    needed: Mapping[str, str]
    tree: exp.Select | None = None  # the query before rendering, for other engines' dialects


def compile_rules(standards: StandardsSet, base: Resolver) -> list[CompiledStandard]:
    """Type-check and compile every standard against ``base`` (a log's columns, or logical)."""
    resolvers: dict[str, FieldResolver] = {}
    out = []
    for rule in standards.rules:
        fr = resolvers.get(rule.path)
        if fr is None:
            context = Context(rule.calendars, rule.branch)
            fr = resolvers[rule.path] = FieldResolver(base, rule.fields, context=context)
            for name in rule.fields:  # report field errors even when no standard uses them
                with contextlib.suppress(UnavailableColumnError):  # reported where it is used
                    fr.resolve(name)
        try:
            out.append(_compile_rule(rule, fr))
        except UnavailableColumnError as missing:
            nothing = exp.false()
            out.append(
                CompiledStandard(
                    rule, nothing, exp.null(), nothing.copy(), None, None, unavailable=missing.name
                )
            )
    return out


def _compile(parsed: ParsedExpression, resolver: Resolver, what: str) -> Typed:
    context = resolver.context if isinstance(resolver, FieldResolver) else None
    try:
        return compile_expression(parsed.tree, resolver, context)
    except ExpressionError as e:
        raise parsed.error(e, what=what) from None


def _compile_rule(rule: Rule, resolver: Resolver) -> CompiledStandard:
    std = rule.standard
    scope: exp.Expr = exp.true()
    if rule.when is not None:
        when = _compile(rule.when, resolver, f"`when` of '{std.id}'")
        _need_kind(when, Kind.BOOLEAN, rule, "when", "`when` must be a condition (true/false)")
        scope = when.sql
    if rule.check is not None:
        check = _compile(rule.check, resolver, f"`check` of '{std.id}'")
        _need_kind(check, Kind.BOOLEAN, rule, "check", "`check` must be a condition (true/false)")
        return CompiledStandard(rule, scope, check.sql, check.sql, None, None)
    assert rule.measure is not None
    measure = _compile(rule.measure, resolver, f"`measure` of '{std.id}'")
    kind = measure.kind
    if kind not in (Kind.DURATION, Kind.NUMBER, Kind.ANY):
        raise SvcauditError(
            f"`measure` of '{std.id}' is {kind.article}; it must be a duration or a number",
            location=rule.location("measure"),
            hint="subtract timestamps (answered_at - queued_at) or use a number column",
        )
    if kind == Kind.DURATION and std.unit is not None:
        raise SvcauditError(
            f"`unit:` of '{std.id}' is for plain-number measures, and "
            f"`{rule.measure.text}` is already a duration",
            location=rule.location("unit"),
            hint="remove `unit:`",
        )
    cmp = exp.LTE if std.at_most is not None else exp.GTE
    if std.limit is not None:
        value = _limit_value(rule, kind, std.limit)
        passes: exp.Expr = cmp(this=measure.sql, expression=_number(value))
        return CompiledStandard(rule, scope, measure.sql, passes, kind, value)
    limits = std.limits_by
    assert limits is not None and rule.by is not None
    category = _compile(rule.by, resolver, f"`by` of '{std.id}'")
    key = exp.cast(category.sql, "VARCHAR")
    case = exp.Case()
    for name, threshold in limits.items():
        if name != "*":
            test = cmp(this=measure.sql, expression=_number(_limit_value(rule, kind, threshold)))
            case = case.when(exp.EQ(this=key.copy(), expression=exp.Literal.string(name)), test)
    if "*" in limits:
        other = cmp(this=measure.sql, expression=_number(_limit_value(rule, kind, limits["*"])))
        case = case.else_(other)
    else:  # interactions of a category without a limit are out of scope
        listed = [exp.Literal.string(n) for n in limits]
        scope = exp.and_(exp.paren(scope), exp.In(this=key.copy(), expressions=listed))
    return CompiledStandard(rule, scope, measure.sql, case, kind, None)


def _number(value: float) -> exp.Expr:
    return exp.Literal.number(repr(value) if value != int(value) else int(value))


def _limit_value(rule: Rule, kind: Kind, limit: Threshold) -> float:
    """A limit in the measure's own units (ms for durations), after checking they fit."""
    std = rule.standard
    limit_key = "at_most" if std.at_most is not None else "at_least"
    if kind == Kind.DURATION and not limit.is_duration:
        raise SvcauditError(
            f"`{limit_key}: {limit.text}` has no unit, but the measure is a duration",
            location=rule.location(limit_key),
            hint=f"write a duration such as {limit.text}s or {limit.text}m",
        )
    if kind in (Kind.NUMBER, Kind.ANY) and limit.is_duration:
        if std.unit is None and kind == Kind.NUMBER:
            raise SvcauditError(
                f"`measure` of '{std.id}' is a plain number but `{limit_key}: {limit.text}` is a "
                "duration",
                location=rule.location("measure"),
                hint="add `unit: s` (or ms, m, h, d) saying what the number counts, or name the "
                "column's unit like hold_seconds",
            )
        if std.unit is not None:
            return limit.value / MS_PER_UNIT[std.unit.value]
    return limit.value


def _need_kind(typed: Typed, kind: Kind, rule: Rule, key: str, message: str) -> None:
    if typed.kind not in (kind, Kind.ANY):
        raise SvcauditError(
            f"{message}; `{key}` of '{rule.standard.id}' is {typed.kind.article}",
            location=rule.location(key),
        )


@dataclass
class Plan:
    """Everything compiled for an audit before choosing the query: rules, group key, filters."""

    compiled: list[CompiledStandard]
    source_columns: LogResolver
    resolver: Resolver
    group: exp.Expr
    status: exp.Expr  # 0 evaluated, 1 rejected, 2 outside the period
    relation: Callable[[Mapping[str, str]], exp.Select]
    dedupe: Dedupe | None
    mapping: Mapping[str, ParsedExpression]

    def as_text(self, name: str) -> exp.Expr | None:
        """A logical column for display: a plain source column is read as written (ids)."""
        tree = self.mapping[name].tree if name in self.mapping else None
        col = tree.name if isinstance(tree, Name) else name
        if col in self.source_columns.schema and (col != name or name not in self.mapping):
            self.source_columns.needed[col] = "VARCHAR"
            return exp.column(col, quoted=True)
        typed = self.resolver.resolve(name)
        return exp.cast(typed.sql, "VARCHAR") if typed is not None else None

    def source(self) -> exp.Select:
        """The log relation with the needed columns typed (deduplicated when asked)."""
        source = self.relation(self.source_columns.needed)
        return _deduplicated(source, self.dedupe) if self.dedupe is not None else source


def compile_audit(*args: Any, **kwargs: Any) -> AuditQuery:
    """Compile all standards into one aggregate query (see ``plan_audit`` for arguments)."""
    return aggregate_query(plan_audit(*args, **kwargs))


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
    dedupe: Dedupe | None = None,
    required: Sequence[str] = (),
    unavailable: Sequence[str] = (),
    period: tuple[str | None, str | None] = (None, None),
) -> Plan:
    """Compile all standards over ``relation(needed columns)``: one plan for any query.

    ``mapping`` (a profile, ``--map``, ``columns:``) defines logical columns over the source's.
    Results are grouped by ``group_by`` (default: the standards' branch column); several
    columns (``--by branch,channel``) make one group per combination, named "A / B".
    ``dedupe`` keeps one record per key (the latest) and counts the others as merged.
    """
    source_columns = LogResolver(schema, origin, notes)
    resolver: Resolver = source_columns
    if unavailable:
        resolver = UnavailableResolver(resolver, frozenset(unavailable))
    if mapping:
        resolver = FieldResolver(resolver, mapping, shadow_ok=True)
    compiled = compile_rules(standards, resolver)
    for name in required:  # read (and so check) them even when no standard uses them
        resolver.resolve(name)
    keys: list[exp.Expr] = []
    for name in group_by or [standards.branch]:
        tree = mapping[name].tree if mapping and name in mapping else None
        col = tree.name if isinstance(tree, Name) else name  # a plain rename: the source column
        if col in schema and (col != name or not (mapping and col in mapping)):
            # a plain column names groups as written ("N", "S" must not become true/false)
            source_columns.needed[col] = "VARCHAR"
            keys.append(exp.column(col, quoted=True))
        else:
            keys.append(_group_key(resolver, name, standards, group_location))
    group: exp.Expr = keys[0]
    if len(keys) > 1:
        parts = [exp.func("coalesce", k, exp.Literal.string("(none)")) for k in keys]
        group = exp.func("concat_ws", exp.Literal.string(" / "), *parts)
    if dedupe is not None:
        for col, typ in ((dedupe.key, "VARCHAR"), (dedupe.order, "TIMESTAMPTZ")):
            if col not in schema:
                raise SvcauditError(
                    f"the log has no column '{col}', which the profile needs to merge "
                    "several records of one interaction",
                    location=group_location or Location(standards.paths[0]),
                    hint="check the export, or pass --profile generic",
                )
            source_columns.needed.setdefault(col, typ)

    status = exp.Case().when(exp.not_(exp.column(REJECT).is_(exp.null())), exp.Literal.number(1))
    if period != (None, None):
        status = status.when(
            exp.not_(exp.func("coalesce", _period_test(resolver, period), exp.false())),
            exp.Literal.number(2),
        )
    status = status.else_(exp.Literal.number(0))
    return Plan(
        compiled, source_columns, resolver, group, status, relation, dedupe, dict(mapping or {})
    )


def aggregate_query(plan: Plan) -> AuditQuery:
    """The single grouped aggregate over the log: counts per branch and standard."""
    compiled = plan.compiled
    inner: dict[str, str] = {}  # SQL text -> alias: each distinct expression computed once
    projections: list[exp.Expr] = [
        exp.alias_(plan.group, BRANCH),
        exp.alias_(plan.status, REJECTED),  # 0 ok, 1 rejected, 2 outside the period
    ]

    def ref(expression: exp.Expr) -> exp.Expr:
        key = expression.sql("duckdb")
        if key not in inner:
            inner[key] = f"x{len(inner)}"
            projections.append(exp.alias_(expression, inner[key]))
        return exp.column(inner[key])

    def count_if(condition: exp.Expr, alias: str) -> exp.Expr:
        case = exp.Case().when(condition, exp.Literal.number(1)).else_(exp.Literal.number(0))
        return exp.alias_(exp.Sum(this=case), alias)

    aggregates: list[exp.Expr] = [exp.alias_(exp.Count(this=exp.Star()), ROWS)]
    aggregates.append(exp.alias_(exp.Sum(this=exp.column(MERGED)), MERGED))
    for i, cs in enumerate(compiled):
        scope = ref(cs.scope)
        value = ref(cs.value)
        passes = ref(cs.passes)
        aggregates += [
            count_if(scope, f"s{i}_scope"),
            count_if(exp.and_(scope, value.is_(exp.null())), f"s{i}_unmeasured"),
            count_if(exp.and_(scope, passes), f"s{i}_passed"),
        ]
    source = plan.source()
    if plan.dedupe is not None:
        projections.append(exp.column(MERGED))
    else:
        projections.append(exp.alias_(exp.Literal.number(0), MERGED))
    query = (
        exp.select(exp.column(BRANCH), exp.column(REJECTED), *aggregates)
        .from_(exp.select(*projections).from_(source.subquery("log")).subquery("m"))
        .group_by(exp.column(BRANCH), exp.column(REJECTED))
    )
    return AuditQuery(
        query.sql("duckdb"), tuple(compiled), dict(plan.source_columns.needed), query
    )


@dataclass(frozen=True)
class BreachQuery:
    """The interactions that breach one standard, worst first."""

    sql: str
    standard: CompiledStandard
    columns: tuple[str, ...]  # after branch, id, value: the columns the standard reads
    tree: exp.Select | None = None  # the query before rendering, for other engines' dialects
    branch: str | None = None  # asked for: only this branch
    limit: int | None = None  # asked for: at most this many


def breach_query(
    plan: Plan, standard_id: str, branch: str | None, limit: int | None
) -> BreachQuery:
    """SELECT the in-scope interactions of one standard that failed or had no value."""
    matches = [cs for cs in plan.compiled if cs.rule.standard.id == standard_id]
    if not matches:
        ids = [cs.rule.standard.id for cs in plan.compiled]
        raise SvcauditError(
            f"no standard '{standard_id}'",
            location=Location(standard_id),
            hint=did_you_mean(standard_id, ids) or "standards: " + ", ".join(ids),
        )
    cs = matches[0]
    shown: dict[str, exp.Expr] = {}

    def columns_of(tree: Node, seen: frozenset[str] = frozenset()) -> Iterator[str]:
        for name in names_in(tree):  # through fields down to the log's own columns
            field_def = cs.rule.fields.get(name.name)
            if field_def is not None and name.name not in seen:
                yield from columns_of(field_def.tree, seen | {name.name})
            else:
                yield name.name

    for parsed in (cs.rule.when, cs.rule.measure, cs.rule.check):
        for name in columns_of(parsed.tree) if parsed is not None else []:
            typed = plan.resolver.resolve(name)
            if typed is not None and name not in shown:
                shown[name] = typed.sql
    ident = plan.as_text("id")
    failed: exp.Expr = exp.not_(exp.func("coalesce", cs.passes.copy(), exp.false()))
    if cs.rule.standard.missing.value == "skip":
        failed = exp.and_(failed, exp.not_(cs.value.copy().is_(exp.null())))
    condition = exp.and_(
        exp.EQ(this=plan.status.copy(), expression=exp.Literal.number(0)), cs.scope.copy(), failed
    )
    if branch is not None:
        condition = exp.and_(
            condition, exp.EQ(this=plan.group.copy(), expression=exp.Literal.string(branch))
        )
    select = [
        exp.alias_(plan.group.copy(), "branch"),
        exp.alias_(ident if ident is not None else exp.null(), "id"),
        exp.alias_(cs.value.copy(), "value"),
        *(
            exp.alias_(exp.cast(sql.copy(), "VARCHAR"), f"c{i}")
            for i, sql in enumerate(shown.values())
        ),
    ]
    descending = cs.rule.standard.at_least is None
    order = exp.Ordered(this=exp.column("value"), desc=descending, nulls_first=True)
    query = (
        exp.select(*select).from_(plan.source().subquery("log")).where(condition).order_by(order)
    )
    if limit is not None:
        query = query.limit(limit)
    return BreachQuery(query.sql("duckdb"), cs, tuple(shown), query, branch, limit)


def _period_test(resolver: Resolver, period: tuple[str | None, str | None]) -> exp.Expr:
    """arrived_at within [since, until): the interactions of the audited period."""
    arrived = resolver.resolve("arrived_at")
    if arrived is None or arrived.kind not in (Kind.TIMESTAMP, Kind.ANY):
        raise SvcauditError(
            "--since/--until need the interactions' `arrived_at` timestamp, which the log lacks",
            location=Location("--since/--until"),
            hint="map it: --map arrived_at=COLUMN (or columns: in the standards file)",
        )
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


def _deduplicated(source: exp.Select, dedupe: Dedupe) -> exp.Select:
    """Keep the latest record per key among good rows; count the others on the kept row."""
    key = exp.column(dedupe.key, quoted=True)
    good = exp.column(REJECT).is_(exp.null())
    partition = [key, exp.paren(good.copy())]
    order = exp.Order(
        expressions=[
            exp.Ordered(this=exp.column(dedupe.order, quoted=True), desc=True, nulls_first=False)
        ]
    )
    rank = exp.Window(this=exp.RowNumber(), partition_by=partition, order=order)
    size = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[p.copy() for p in partition])
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
        .from_(source.subquery("undeduplicated"))
        .qualify(keep)
    )


__all__ = [
    "LOGICAL_COLUMNS",
    "UNIT_SUFFIXES",
    "AuditQuery",
    "BreachQuery",
    "CompiledStandard",
    "FieldResolver",
    "Layer",
    "LogResolver",
    "LogicalResolver",
    "Plan",
    "UnavailableColumnError",
    "UnavailableResolver",
    "aggregate_query",
    "breach_query",
    "compile_audit",
    "compile_rules",
    "plan_audit",
]
