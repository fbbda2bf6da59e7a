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
from dataclasses import dataclass, replace
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
from svcaudit.sources.readers import FILE, REJECT
from svcaudit.standards.loader import ParsedExpression, Rule, StandardsSet
from svcaudit.standards.model import Threshold
from svcaudit.units import MS_PER_UNIT

BRANCH = "__branch"
REJECTED = "__rejected"
ROWS = "__rows"
MERGED = "__merged"
MAX_LISTED_DUPLICATES = 20


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
    plausible_max: float | None = None  # durations: longer (or negative) is implausible

    def implausible(self, value: exp.Expr) -> exp.Expr | None:
        """The test that ``value`` (this standard's measure) is an impossible duration."""
        if self.plausible_max is None:
            return None
        return exp.paren(
            exp.or_(
                exp.LT(this=value.copy(), expression=exp.Literal.number(0)),
                exp.GT(this=value.copy(), expression=number_literal(self.plausible_max)),
            )
        )


@dataclass(frozen=True)
class Repeats:
    """Queries over the evaluated rows, run after the aggregate, that count repeated ids.

    Counting distinct ids costs a fraction of the window (a row's rank among the rows of its
    id) that did this before, which partitioned and sorted the whole log: 3x the aggregate's
    time and 5x its memory at 5 M rows. ``bound`` counts distinct 64-bit hashes of the ids
    instead of the ids (8 bytes each rather than the strings: half the memory); since there
    are at most as many distinct hashes as distinct ids, it is an upper bound of the repeats,
    so 0 is exact. Only a log with repeats pays for ``count`` and ``listing``.
    """

    bound: exp.Select  # one number >= the repeats: rows with an id minus distinct id hashes
    count: exp.Select  # one number: rows with an id minus distinct ids
    listing: exp.Select  # the most repeated ids and their rows, most first


@dataclass(frozen=True)
class AuditQuery:
    """The single aggregate query of an audit and what its columns mean."""

    sql: str
    standards: tuple[CompiledStandard, ...]
    needed: Mapping[str, str]
    repeats: Repeats | None = None  # rows repeating an interaction id (None: ids are merged)
    built: exp.Select | Callable[[], exp.Select] | None = None  # the tree, or how to build it
    fold: Callable[[Sequence[Any]], list[tuple[Any, ...]]] | None = None  # see tree

    @property
    def tree(self) -> exp.Select | None:
        """The query before rendering, for other engines' dialects (built when asked for).

        Its rows are the aggregate's (see ``engine.tally_rows``), or, with ``fold``, what
        ``fold`` turns its columns into.
        """
        return self.built() if callable(self.built) else self.built


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


MAX_SQL_DEPTH = 250  # sqlglot writes SQL recursively: a deeper tree overflows Python's stack


def _compile(parsed: ParsedExpression, resolver: Resolver, what: str) -> Typed:
    context = resolver.context if isinstance(resolver, FieldResolver) else None
    try:
        typed = compile_expression(parsed.tree, resolver, context)
    except ExpressionError as e:
        raise parsed.error(e, what=what) from None
    except RecursionError:
        typed = None
    if typed is None or sql_depth(typed.sql) > MAX_SQL_DEPTH:
        raise SvcauditError(
            f"{what} is nested too deeply once its fields are expanded",
            location=parsed.location,
            hint="fields that use fields that use fields...: simplify the chain",
        )
    return typed


def sql_depth(root: exp.Expr) -> int:
    """The height of a sqlglot tree, without recursion."""
    deepest = 0
    stack: list[tuple[exp.Expr, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in node.iter_expressions()]
    return deepest


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
    bound = _plausible_max(rule, kind)
    if std.limit is not None:
        value = _limit_value(rule, kind, std.limit)
        passes: exp.Expr = cmp(this=measure.sql, expression=number_literal(value))
        return CompiledStandard(rule, scope, measure.sql, passes, kind, value, None, bound)
    limits = std.limits_by
    assert limits is not None and rule.by is not None
    category = _compile(rule.by, resolver, f"`by` of '{std.id}'")
    key = exp.cast(category.sql, "VARCHAR")
    case = exp.Case()
    for name, threshold in limits.items():
        if name != "*":
            limit = number_literal(_limit_value(rule, kind, threshold))
            test = cmp(this=measure.sql, expression=limit)
            case = case.when(exp.EQ(this=key.copy(), expression=exp.Literal.string(name)), test)
    if "*" in limits:
        limit = number_literal(_limit_value(rule, kind, limits["*"]))
        other = cmp(this=measure.sql, expression=limit)
        case = case.else_(other)
    else:  # interactions of a category without a limit are out of scope
        listed = [exp.Literal.string(n) for n in limits]
        scope = exp.and_(exp.paren(scope), exp.In(this=key.copy(), expressions=listed))
    return CompiledStandard(rule, scope, measure.sql, case, kind, None, None, bound)


#: A duration measure is implausible -- a data error, not a service level -- when it is
#: negative, or longer than this many times the standard's (largest) limit, and at least a day.
IMPLAUSIBLE_FACTOR = 1000
IMPLAUSIBLE_FLOOR_MS = MS_PER_UNIT["d"]


def _plausible_max(rule: Rule, kind: Kind) -> float | None:
    """The longest plausible value of a duration measure, in the measure's units.

    A greet time of -5 s (clocks out of step, columns swapped) or of 40 days (two visits'
    timestamps) says nothing about the service: it must not pass `at_most: 60s`, nor fail it.
    Such a value is counted as unmeasured (so `missing: fail` still counts it against the
    rate) and reported per standard as ``implausible``. Only durations: a plain number (a
    rating change) may be negative.
    """
    std = rule.standard
    unit_ms = MS_PER_UNIT[std.unit.value] if std.unit is not None else None
    if kind != Kind.DURATION and unit_ms is None:
        return None
    limits = [std.limit] if std.limit is not None else list((std.limits_by or {}).values())
    largest = max((t.value for t in limits if t.is_duration), default=0.0)
    bound_ms = max(IMPLAUSIBLE_FACTOR * largest, float(IMPLAUSIBLE_FLOOR_MS))
    return bound_ms / unit_ms if unit_ms else bound_ms


def number_literal(value: float) -> exp.Expr:
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
    # a reader may reject a row only when a query reads its bad value (DuckDB's CSV reader
    # converts only the columns a query reads): ``rows`` then reads every needed column
    narrow_rejects: bool = True

    def as_text(self, name: str) -> exp.Expr | None:
        """A logical column for display: a plain source column is read as written (ids)."""
        tree = self.mapping[name].tree if name in self.mapping else None
        col = tree.name if isinstance(tree, Name) else name
        if col in self.source_columns.schema and (col != name or name not in self.mapping):
            self.source_columns.needed[col] = "VARCHAR"
            return exp.column(col, quoted=True)
        typed = self.resolver.resolve(name)
        return as_text(typed) if typed is not None else None

    def source(self) -> exp.Select:
        """The log relation with the needed columns typed (deduplicated when asked)."""
        source = self.relation(self.source_columns.needed)
        return _deduplicated(source, self.dedupe) if self.dedupe is not None else source

    def held(self, table: str) -> Plan:
        """This plan over rows an engine holds in ``table`` (``rows()``, or some of them, with
        every column): already typed, deduplicated and read whole."""
        rows = exp.select("*").from_(exp.to_table(f'"{table}"'))
        return replace(
            self, relation=lambda _needed: rows.copy(), dedupe=None, narrow_rejects=False
        )

    def rows(self) -> exp.Select:
        """``source()`` as the aggregate reads it, for the queries beside it (breaches,
        distributions, repeated ids). With ``narrow_rejects`` every needed column is read:
        a row rejected for a bad value in a column the query does not show would otherwise
        be kept, and counted or listed though the audit rejected it."""
        needed = [exp.column(c, quoted=True) for c in self.source_columns.needed]
        if not needed or not self.narrow_rejects:
            return self.source()
        read = exp.not_(exp.Anonymous(this="hash", expressions=needed).is_(exp.null()))
        return exp.select("*").from_(self.source().subquery("read")).where(read)


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


#: Above this many standards the counts come from a histogram (see ``svcaudit.histogram``).
HISTOGRAM_ABOVE = 40


def aggregate_query(plan: Plan) -> AuditQuery:
    """The single grouped aggregate over the log: counts per branch and standard.

    Few standards: one ``sum(CASE ...)`` per count, straight over the rows. Many: the same
    counts from a histogram of the rows (``histogram_query``), which stays cheap per row.
    """
    if len(plan.compiled) > HISTOGRAM_ABOVE:
        from svcaudit.histogram import histogram_query  # noqa: PLC0415 (it builds on this module)

        return histogram_query(plan)
    return direct_query(plan)


@dataclass(frozen=True)
class RowTests:
    unmeasured: exp.Expr
    passed: exp.Expr
    implausible: exp.Expr | None


def counted(cs: CompiledStandard, value: exp.Expr, passes: exp.Expr) -> RowTests:
    """The per-row tests behind one standard's counts (``value``: its measure, computed once).

    An implausible duration (negative, absurdly long) counts as unmeasured, never as passed.
    """
    bad = cs.implausible(value)
    missing: exp.Expr = value.copy().is_(exp.null())
    if bad is None:
        return RowTests(missing, passes, None)
    return RowTests(exp.or_(missing, bad), exp.and_(passes, exp.not_(bad.copy())), bad.copy())


def repeats(plan: Plan) -> Repeats | None:
    """For logs whose repeated ids are kept: the queries counting and listing them. A profile
    that knows its export (amazon-connect) merges repeated records instead, so has none."""
    ident = plan.as_text("id") if plan.dedupe is None else None
    if ident is None:
        return None
    evaluated = exp.EQ(this=plan.status.copy(), expression=exp.Literal.number(0))
    has_id = exp.not_(ident.copy().is_(exp.null()))

    def surplus(distinct: exp.Expr) -> exp.Expr:
        return exp.Sub(
            this=exp.Count(this=ident.copy()),
            expression=exp.Count(this=exp.Distinct(expressions=[distinct])),
        )

    listing = (
        exp.select(exp.alias_(ident.copy(), "id"), exp.alias_(exp.Count(this=exp.Star()), "n"))
        .from_(plan.rows().subquery("log"))
        .where(exp.and_(evaluated.copy(), has_id.copy()))
        .group_by(exp.column("id"))
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
        .order_by(exp.Ordered(this=exp.column("n"), desc=True), exp.column("id"))
        .limit(MAX_LISTED_DUPLICATES)
    )
    count = exp.select(surplus(ident.copy())).from_(plan.rows().subquery("log"))
    # The bound may count more rows than the audit evaluates, never fewer: still an upper
    # bound. An id that is one column is read alone, as text, with no other column converted
    # or checked and no row left out (rejected or out of the period): on a 5 M-row CSV that
    # is 0.94 s instead of 1.19 s. A computed id is counted as the audit types its columns.
    # Rows without an id are left out: hash(NULL) is a number, one more "distinct id" that
    # would hide a repeat.
    rows = plan.relation({ident.name: "VARCHAR"}) if isinstance(ident, exp.Column) else None
    hashed = exp.Anonymous(this="hash", expressions=[ident.copy()])
    bound = exp.select(surplus(hashed)).from_((rows or plan.source()).subquery("log"))
    bound = bound.where(has_id.copy() if rows else exp.and_(evaluated.copy(), has_id.copy()))
    return Repeats(bound, count.where(evaluated.copy()), listing)


def direct_query(plan: Plan) -> AuditQuery:
    """Counts per branch and standard as ``sum(CASE ...)`` over the rows."""
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
    implausible: list[exp.Expr] = []
    for i, cs in enumerate(compiled):
        scope = ref(cs.scope)
        tests = counted(cs, ref(cs.value), ref(cs.passes))  # on the projected value
        aggregates += [
            count_if(scope, f"s{i}_scope"),
            count_if(exp.and_(scope.copy(), tests.unmeasured), f"s{i}_unmeasured"),
            count_if(exp.and_(scope.copy(), tests.passed), f"s{i}_passed"),
        ]
        odd = tests.implausible
        found = exp.and_(scope.copy(), odd) if odd is not None else exp.false()
        implausible.append(count_if(found, f"s{i}_implausible"))
    aggregates += implausible  # after every standard's three counts
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
        query.sql("duckdb"),
        tuple(compiled),
        dict(plan.source_columns.needed),
        repeats(plan),
        built=query,
    )


@dataclass(frozen=True)
class BreachQuery:
    """The interactions that breach one standard, worst first."""

    standard: CompiledStandard
    columns: tuple[str, ...]  # after branch, id, value, file: the columns the standard reads
    durations: tuple[str, ...]  # those of them that are durations (in ms)
    tree: exp.Select  # rendered by each engine for itself


def _breached(plan: Plan, cs: CompiledStandard, branch: str | None) -> exp.Expr:
    """An evaluated row in scope of ``cs`` (in ``branch``) that failed or had no value."""
    passes = cs.passes.copy()
    bad = cs.implausible(cs.value)
    if bad is not None:
        passes = exp.and_(passes, exp.not_(bad))
    failed: exp.Expr = exp.not_(exp.func("coalesce", passes, exp.false()))
    if cs.rule.standard.missing.value == "skip":  # no value, or an implausible one: skipped
        failed = exp.and_(failed, exp.not_(cs.value.copy().is_(exp.null())))
        if bad is not None:
            failed = exp.and_(failed, exp.not_(exp.func("coalesce", bad.copy(), exp.false())))
    condition = exp.and_(
        exp.EQ(this=plan.status.copy(), expression=exp.Literal.number(0)), cs.scope.copy(), failed
    )
    if branch is not None:
        condition = exp.and_(
            condition, exp.EQ(this=plan.group.copy(), expression=exp.Literal.string(branch))
        )
    return condition


def breaching_rows(plan: Plan, standard_ids: Sequence[str], branch: str | None) -> exp.Select:
    """The rows (all their columns) that breach any of these standards, in one scan: held by
    the engine (``Plan.held``), they serve each standard's ``breach_query`` without reading
    the logs again, whatever the number of standards."""
    plan.as_text("id")  # breach queries show the id: read it too
    wanted = set(standard_ids)
    chosen = [cs for cs in plan.compiled if cs.rule.standard.id in wanted]
    return (
        exp.select("*")
        .from_(plan.rows().subquery("log"))
        .where(_any([_breached(plan, cs, branch) for cs in chosen]))
    )


def interactions(plan: Plan) -> exp.Select:
    """The distinct (file, id) of the plan's rows: over the held breaching rows, the
    interactions whose lines a violations file looks up (before their rows are fetched)."""
    ident = plan.as_text("id")
    return (
        exp.select(
            exp.alias_(exp.column(FILE, quoted=True), "file"),
            exp.alias_(ident if ident is not None else exp.null(), "id"),
        )
        .distinct()
        .from_(plan.rows().subquery("log"))
    )


def _any(conditions: Sequence[exp.Expr]) -> exp.Expr:
    """OR of the conditions as a balanced tree: hundreds chained would nest too deep to print
    (sqlglot recurses per level) or to parse (DuckDB's limit on expression depth)."""
    if len(conditions) == 1:
        return conditions[0]
    half = len(conditions) // 2
    return exp.Or(
        this=exp.paren(_any(conditions[:half])), expression=exp.paren(_any(conditions[half:]))
    )


#: marks a CAST of an instant (TIMESTAMPTZ) to text: DuckDB's text (``2025-03-26 15:06:24+01``,
#: in the session's time zone) is the one every engine prints (see ``spark.dialect``)
INSTANT_TEXT = "instant_text"


def as_text(typed: Typed) -> exp.Expr:
    """A typed value as text, the way DuckDB casts it."""
    cast = exp.cast(typed.sql.copy(), "VARCHAR")
    if typed.kind == Kind.TIMESTAMP:
        cast.meta[INSTANT_TEXT] = True
    return cast


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
    shown: dict[str, Typed] = {}

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
                shown[name] = typed
    ident = plan.as_text("id")
    condition = _breached(plan, cs, branch)
    select = [
        exp.alias_(plan.group.copy(), "branch"),
        exp.alias_(ident if ident is not None else exp.null(), "id"),
        exp.alias_(cs.value.copy(), "value"),
        exp.alias_(exp.column(FILE, quoted=True), "file"),
        *(  # durations stay numbers (ms), for people to read as 3m20s; the rest as written
            exp.alias_(t.sql.copy() if t.kind == Kind.DURATION else as_text(t), f"c{i}")
            for i, t in enumerate(shown.values())
        ),
    ]
    descending = cs.rule.standard.at_least is None
    order = [  # ties in a stable order, the same on every engine
        exp.Ordered(this=exp.column("value"), desc=descending, nulls_first=True),
        *(exp.Ordered(this=exp.column(c), nulls_first=False) for c in ("branch", "id", "file")),
    ]
    query = exp.select(*select).from_(plan.rows().subquery("log")).where(condition).order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    durations = tuple(n for n, t in shown.items() if t.kind == Kind.DURATION)
    return BreachQuery(cs, tuple(shown), durations, query)


@dataclass(frozen=True)
class DistributionQuery:
    """Bucketed counts of each standard's measured values, all standards in one scan.

    One grouping set per standard, on its bucket column ``b<i>`` (NULL outside its scope or
    without a value): a row of the result is a bucket of the one standard whose column is
    not NULL, and its count. Plain GROUPING SETS, so every engine runs the same tree.
    """

    tree: exp.Select  # rendered by each engine for itself
    standards: tuple[CompiledStandard, ...]  # bucket column b<i> per standard, in order

    def counts(self, rows: Sequence[Sequence[Any]]) -> list[dict[int, int]]:
        """Per standard, bucket -> rows, from the query's result."""
        n = len(self.standards)
        found: list[dict[int, int]] = [{} for _ in self.standards]
        for row in rows:
            i = next((i for i in range(n) if row[i] is not None), None)
            if i is not None:  # the grouping sets' rows of values outside scope have none
                found[i][int(row[i])] = found[i].get(int(row[i]), 0) + int(row[n])
        return found


def distribution_query(
    plan: Plan, buckets: int, per_limit: int, ids: Sequence[str] | None = None
) -> DistributionQuery | None:
    """Per standard with one plain limit, its values counted in buckets of limit/per_limit.

    With ``at_most`` bucket k holds values in (k, k+1] widths (a value equal to the limit is
    in the last bucket that passes), with ``at_least`` in [k, k+1). Bucket -1 holds values
    below 0 (and 0 itself for at_most) and bucket ``buckets`` everything beyond
    ``buckets / per_limit`` times the limit, so a standard has at most ``buckets + 2`` rows
    however many rows the log has. Checks, per-category limits and limits <= 0 are left out.
    """
    chosen = [
        cs
        for cs in plan.compiled
        if cs.limit is not None
        and cs.limit > 0
        and cs.unavailable is None
        and (ids is None or cs.rule.standard.id in ids)
    ]
    if not chosen:
        return None
    ok = exp.EQ(this=plan.status.copy(), expression=exp.Literal.number(0))
    columns = []
    for i, cs in enumerate(chosen):
        assert cs.limit is not None
        # value * per_limit / limit rather than value / (limit / per_limit): the limit itself
        # lands exactly on a bucket edge, with no rounding to push it across
        scaled = exp.Div(
            this=exp.Mul(this=exp.paren(cs.value.copy()), expression=exp.Literal.number(per_limit)),
            expression=number_literal(cs.limit),
        )
        bucket: exp.Expr
        if cs.rule.standard.at_most is not None:
            bucket = exp.Sub(this=exp.func("ceil", scaled), expression=exp.Literal.number(1))
        else:
            bucket = exp.func("floor", scaled)
        bucket = exp.func("greatest", bucket, exp.Literal.number(-1))
        bucket = exp.cast(exp.func("least", bucket, exp.Literal.number(buckets)), "INTEGER")
        take = exp.and_(ok.copy(), cs.scope.copy(), exp.not_(cs.value.copy().is_(exp.null())))
        columns.append(exp.alias_(exp.Case().when(take, bucket), f"b{i}"))
    values = exp.select(*columns).from_(plan.rows().subquery("log"))
    names = [exp.column(f"b{i}") for i in range(len(chosen))]
    sets = exp.GroupingSets(expressions=[exp.Tuple(expressions=[n.copy()]) for n in names])
    query = exp.select(*names, exp.alias_(exp.Count(this=exp.Star()), "n")).from_(
        values.subquery("buckets")
    )
    query.set("group", exp.Group(grouping_sets=[sets]))
    return DistributionQuery(query, tuple(chosen))


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
    "DistributionQuery",
    "FieldResolver",
    "Layer",
    "LogResolver",
    "LogicalResolver",
    "Plan",
    "UnavailableColumnError",
    "UnavailableResolver",
    "aggregate_query",
    "breach_query",
    "breaching_rows",
    "compile_audit",
    "compile_rules",
    "direct_query",
    "distribution_query",
    "interactions",
    "plan_audit",
]
