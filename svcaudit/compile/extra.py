"""The queries beside the aggregate, over the rows it counts: the interactions breaching a
standard (``explain``, ``--violations``, the HTML report) and measure distributions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from svcaudit.compile.plan import Plan
from svcaudit.compile.rules import CompiledStandard, as_text, number_literal
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.nodes import Node, names_in
from svcaudit.expressions.types import Kind, Typed
from svcaudit.sources.prepare import POSITION, RECORD
from svcaudit.sources.readers import FILE


@dataclass(frozen=True)
class BreachColumns:
    """What a standard's breach query shows: its standard and the columns it reads."""

    standard: CompiledStandard
    columns: tuple[str, ...]  # after branch, id, value, file: the columns the standard reads
    shown: tuple[Typed, ...]  # each column's typed value

    @property
    def durations(self) -> tuple[str, ...]:
        """Those of the columns that are durations (in ms)."""
        return tuple(
            n for n, t in zip(self.columns, self.shown, strict=True) if t.kind == Kind.DURATION
        )


@dataclass(frozen=True)
class BreachQuery(BreachColumns):
    """The interactions that breach one standard, worst first."""

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
    condition = exp.and_(plan.evaluated(), cs.scope.copy(), failed)
    if branch is not None:
        condition = exp.and_(
            condition, exp.EQ(this=plan.group.copy(), expression=exp.Literal.string(branch))
        )
    return condition


def breaching_rows(plan: Plan, standard_ids: Sequence[str], branch: str | None) -> exp.Select:
    """The rows (all their columns) that breach any of these standards, in one scan: held by
    the engine (``Plan.held``), they serve each standard's ``breach_query`` without reading
    the logs again, whatever the number of standards."""
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
    ident = plan.ident
    return (
        exp.select(
            exp.alias_(exp.column(FILE, quoted=True), "file"),
            exp.alias_(ident.copy() if ident is not None else exp.null(), "id"),
        )
        .distinct()
        .from_(plan.rows().subquery("log"))
    )


#: How many branch names ``branch_names`` reads to say which one was meant
BRANCHES_LOOKED_AT = 100_000


def branch_names(plan: Plan) -> exp.Select:
    """The distinct branch names of the evaluated rows (at most ``BRANCHES_LOOKED_AT``)."""
    return (
        exp.select(exp.alias_(plan.group.copy(), "branch"))
        .distinct()
        .from_(plan.rows().subquery("log"))
        .where(exp.and_(plan.evaluated(), plan.group.copy().is_(exp.null()).not_()))
        .limit(BRANCHES_LOOKED_AT)
    )


def check_branch(branch: str, names: Sequence[str], *, redacted: bool) -> None:
    """``--branch`` must name a branch of the logs, exactly as written there.

    A name that matches only in another case (``Queens`` for ``QUEENS``) is refused too, with
    the spelling the logs use: a branch filter compares names exactly, so silently matching
    another case would make ``explain`` disagree with the scorecard's branch names.
    """
    if branch in names:
        return
    same = sorted(n for n in names if n.casefold() == branch.casefold())
    if redacted:  # the names are not shown: the branch column is redacted
        hint = "the branch column is redacted here; give the name exactly as the logs write it"
    elif same:
        hint = "did you mean " + " or ".join(f"'{n}'" for n in same) + "? (names are exact)"
    else:
        hint = did_you_mean(branch, names) or (
            f"{len(names):,} branch(es) in the logs"
            + (": " + ", ".join(f"'{n}'" for n in sorted(names)[:5]) if names else "")
        )
    raise SvcauditError(
        f"no branch '{branch}' in the logs", location=Location("--branch"), hint=hint
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


def breach_columns(plan: Plan, standard_id: str) -> BreachColumns:
    """The standard ``standard_id`` and the log's columns its breaches show (those its
    ``when``, ``measure`` and ``check`` read, through fields); an unknown id is an error."""
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
    return BreachColumns(cs, tuple(shown), tuple(shown.values()))


def breach_query(
    plan: Plan, standard_id: str, branch: str | None, limit: int | None
) -> BreachQuery:
    """SELECT the in-scope interactions of one standard that failed or had no value."""
    found = breach_columns(plan, standard_id)
    cs, ident = found.standard, plan.ident
    keys = [
        exp.alias_(plan.group.copy(), "branch"),
        exp.alias_(ident.copy() if ident is not None else exp.null(), "id"),
        exp.alias_(cs.value.copy(), "value"),
        exp.alias_(exp.column(FILE, quoted=True), "file"),
    ]
    descending = cs.rule.standard.at_least is None

    def order() -> list[exp.Ordered]:  # ties in a stable order, the same on every engine
        return [
            exp.Ordered(this=exp.column("value"), desc=descending, nulls_first=True),
            *(exp.Ordered(this=exp.column(c), nulls_first=False) for c in ("branch", "id", "file")),
        ]

    def cells(typed: Sequence[Typed]) -> list[exp.Expr]:
        # durations stay numbers (ms), for people to read as 3m20s; the rest as written
        return [
            exp.alias_(t.sql.copy() if t.kind == Kind.DURATION else as_text(t), f"c{i}")
            for i, t in enumerate(typed)
        ]

    # built in place (copy=False): each builder step would copy the whole tree again
    query = exp.select(*keys).from_(plan.rows().subquery("log"), copy=False)
    query = query.where(_breached(plan, cs, branch), copy=False).order_by(*order(), copy=False)
    if limit is None:
        query = query.select(*cells(found.shown), copy=False)
    else:  # the worst few first, then only their values as text
        raw = [exp.alias_(t.sql.copy(), f"c{i}") for i, t in enumerate(found.shown)]
        worst = query.select(*raw, copy=False).limit(limit, copy=False)
        named = [Typed(exp.column(f"c{i}"), t.kind) for i, t in enumerate(found.shown)]
        query = (
            exp.select(*(exp.column(k) for k in ("branch", "id", "value", "file")), *cells(named))
            .from_(worst.subquery("worst"), copy=False)
            .order_by(*order(), copy=False)
        )
    return BreachQuery(found.standard, found.columns, found.shown, query)


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
    # each distinct measure and scope computed once per row, beneath the buckets: 95
    # standards over 3 measures took 3.9 s at 1 M rows with each recomputed, 2.8 s so
    shared: dict[exp.Expr, exp.Expr] = {}

    def once(tree: exp.Expr) -> exp.Column:
        if tree not in shared:
            shared[tree] = exp.alias_(tree.copy(), f"__m{len(shared)}")
        return exp.column(shared[tree].alias)

    ok = once(plan.evaluated())
    columns = []
    for i, cs in enumerate(chosen):
        assert cs.limit is not None
        value = once(cs.value)
        # value * per_limit / limit rather than value / (limit / per_limit): the limit itself
        # lands exactly on a bucket edge, with no rounding to push it across
        scaled = exp.Div(
            this=exp.Mul(this=exp.paren(value.copy()), expression=exp.Literal.number(per_limit)),
            expression=number_literal(cs.limit),
        )
        bucket: exp.Expr
        if cs.rule.standard.at_most is not None:
            bucket = exp.Sub(this=exp.func("ceil", scaled), expression=exp.Literal.number(1))
        else:
            bucket = exp.func("floor", scaled)
        bucket = exp.func("greatest", bucket, exp.Literal.number(-1))
        bucket = exp.cast(exp.func("least", bucket, exp.Literal.number(buckets)), "INTEGER")
        take = exp.and_(ok.copy(), once(cs.scope), exp.not_(value.copy().is_(exp.null())))
        columns.append(exp.alias_(exp.Case().when(take, bucket), f"b{i}"))
    measured = exp.select(*shared.values()).from_(plan.rows().subquery("log"), copy=False)
    values = exp.select(*columns).from_(measured.subquery("measured"), copy=False)
    names = [exp.column(f"b{i}") for i in range(len(chosen))]
    sets = exp.GroupingSets(expressions=[exp.Tuple(expressions=[n.copy()]) for n in names])
    query = exp.select(*names, exp.alias_(exp.Count(this=exp.Star()), "n")).from_(
        values.subquery("buckets")
    )
    query.set("group", exp.Group(grouping_sets=[sets]))
    return DistributionQuery(query, tuple(chosen))


def invalid_values_query(plan: Plan) -> exp.Select:
    """The invalid values of the evaluated rows in one scan: per file, each combination of
    flagged columns' invalid raw text (NULL where the value was read) and its rows, so that a
    column of one bad code costs one row of the result, not one per row of the log."""
    flags = [exp.column(flag, quoted=True) for flag in plan.flagged.values()]
    some = _any([exp.not_(f.copy().is_(exp.null())) for f in flags])
    return (
        exp.select(exp.column(FILE), exp.alias_(exp.Count(this=exp.Star()), "__n"), *flags)
        .from_(plan.source().subquery("log"))
        .where(exp.and_(plan.evaluated(), some))
        .group_by(exp.column(FILE), *(f.copy() for f in flags))
    )


def invalid_rows_query(plan: Plan, limit: int) -> exp.Select:
    """The first ``limit`` evaluated rows holding an invalid value, in the order of the
    files: each row's file, record number in it (``prepare.RECORD``) and flagged columns."""
    flags = [exp.column(flag, quoted=True) for flag in plan.flagged.values()]
    some = _any([exp.not_(f.copy().is_(exp.null())) for f in flags])
    return (
        exp.select(exp.column(FILE), exp.column(RECORD), *flags)
        .from_(plan.recorded().subquery("log"))
        .where(exp.and_(plan.evaluated(), some))
        .order_by(exp.column(POSITION))
        .limit(limit)
    )


__all__ = [
    "BreachColumns",
    "BreachQuery",
    "DistributionQuery",
    "breach_columns",
    "breach_query",
    "breaching_rows",
    "distribution_query",
    "interactions",
    "invalid_rows_query",
    "invalid_values_query",
]
