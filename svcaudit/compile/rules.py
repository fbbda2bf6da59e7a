"""Standards compiled to sqlglot trees: scope, measure or check, limit, and per-row facts.

Each standard becomes a few expressions over the log's (logical) columns, with DuckDB's
meaning; every aggregate strategy and every engine starts from them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from svcaudit.columns import FieldResolver, UnavailableColumnError, check_expanded_size, sql_shape
from svcaudit.errors import SvcauditError
from svcaudit.expressions.compile import Context, Resolver, compile_expression
from svcaudit.expressions.errors import ExpressionError
from svcaudit.expressions.types import Kind, Typed
from svcaudit.standards.loader import ParsedExpression, Rule, StandardsSet
from svcaudit.standards.model import Threshold
from svcaudit.units import MS_PER_UNIT, format_duration


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
    #: the test that a value the measure or check reads was invalid in the row (set by the
    #: plan from the columns it reads; None: it reads none that can be)
    invalid: exp.Expr | None = None

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
    shape = sql_shape(typed.sql) if typed is not None else None
    if typed is None or shape is None or shape[0] > MAX_SQL_DEPTH:
        raise SvcauditError(
            f"{what} is nested too deeply once its fields are expanded",
            location=parsed.location,
            hint="fields that use fields that use fields...: simplify the chain",
        )
    check_expanded_size(typed.sql, parsed, what, shape[1])
    return typed


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


#: marks a CAST of an instant (TIMESTAMPTZ) to text: DuckDB's text (``2025-03-26 15:06:24+01``,
#: in the session's time zone) is the one every engine prints (see ``spark.dialect``)
INSTANT_TEXT = "instant_text"


def as_text(typed: Typed) -> exp.Expr:
    """A typed value as text, the way DuckDB casts it."""
    cast = exp.cast(typed.sql.copy(), "VARCHAR")
    if typed.kind == Kind.TIMESTAMP:
        cast.meta[INSTANT_TEXT] = True
    return cast


def facts(
    cs: CompiledStandard, value: exp.Expr, passes: exp.Expr, invalid: exp.Expr | None = None
) -> dict[str, exp.Expr]:
    """The per-row tests behind one standard's counts, by fact name (``svcaudit.counts``),
    over ``value`` (its measure, computed once), ``passes`` and ``invalid`` (``cs.invalid``
    as the strategy refers to it); a fact the standard cannot have (a check is never
    implausible) is absent, and its count is 0.

    An implausible duration (negative, absurdly long) counts as unmeasured, never as passed.
    An invalid value (present in the log, not readable as its column's type) is missing: the
    measure it feeds has no value, so it is unmeasured, and counted as ``invalid`` too.
    """
    bad = cs.implausible(value)
    missing: exp.Expr = value.copy().is_(exp.null())
    found: dict[str, exp.Expr]
    if bad is None:
        found = {"unmeasured": missing, "passed": passes}
    else:
        found = {
            "unmeasured": exp.or_(missing, bad),
            "passed": exp.and_(passes, exp.not_(bad.copy())),
            "implausible": bad.copy(),
        }
    if invalid is not None:
        found["invalid"] = invalid_fact(value, invalid)
    return found


def invalid_fact(value: exp.Expr, invalid: exp.Expr) -> exp.Expr:
    """The ``invalid`` fact alone (``facts``): ``value`` is missing because a column it reads
    held an invalid value. A histogram bins the other facts and needs only this one."""
    return exp.and_(value.copy().is_(exp.null()), exp.paren(invalid))


def read_invalid(value: exp.Expr, flagged: Mapping[str, str]) -> exp.Expr | None:
    """The test that a column ``value`` reads held an invalid value in the row: ``flagged``
    maps each column that can hold one to its relation column of invalid raw text."""
    names = sorted({c.name for c in value.find_all(exp.Column) if c.name in flagged})
    if not names:
        return None
    tests = [exp.not_(exp.column(flagged[n], quoted=True).is_(exp.null())) for n in names]
    return exp.or_(*tests) if len(tests) > 1 else tests[0]


def limit_text(cs: CompiledStandard) -> str:
    """The limit as people write it: '≤ 60s', '≥ 3', 'check'."""
    std = cs.rule.standard
    if std.limits_by is not None:
        sign = "≤" if std.at_most is not None else "≥"
        by = cs.rule.by.text if cs.rule.by else "category"
        parts = ", ".join(
            f"{k} {format_duration(t.value) if t.is_duration else f'{t.value:g}'}"
            for k, t in std.limits_by.items()
        )
        return f"{sign} by {by}: {parts}"
    if std.limit is None:
        return "check"
    sign = "≤" if std.at_most is not None else "≥"
    shown = format_duration(std.limit.value) if std.limit.is_duration else f"{std.limit.value:g}"
    return f"{sign} {shown}"


__all__ = [
    "INSTANT_TEXT",
    "CompiledStandard",
    "as_text",
    "compile_rules",
    "facts",
    "invalid_fact",
    "limit_text",
    "number_literal",
    "read_invalid",
]
