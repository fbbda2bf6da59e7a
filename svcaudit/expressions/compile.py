"""Type-check expression trees and compile them to sqlglot expressions.

Names resolve through a ``Resolver`` (the columns of a log, or the logical columns when only a
standards file is validated). Durations compile to whole milliseconds: ``b - a`` on timestamps is
``epoch_ms(b) - epoch_ms(a)``, ``30s`` is ``30000``, so every comparison is numeric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlglot import exp

from svcaudit.errors import did_you_mean
from svcaudit.expressions.calendars import CalendarSpec, business_time_sql, choose_calendar_sql
from svcaudit.expressions.errors import ExpressionError, UnusableColumnError
from svcaudit.expressions.functions import FUNCTIONS, Function
from svcaudit.expressions.nodes import (
    Binary,
    Call,
    DurationLiteral,
    InList,
    IsNull,
    Literal,
    Name,
    Node,
    Span,
    Unary,
)
from svcaudit.expressions.types import Kind, Typed

_CMP = {
    "==": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}
_ARITH = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}
LOCAL_TIME = {"hour", "weekday", "date"}  # read in the branch calendar's time zone
_UNIT_HINT = (
    "compare durations with durations: write 30s instead of 30, convert a plain number with "
    "seconds(x), or give the measure a `unit:`"
)


class Resolver(Protocol):
    """Where names come from: columns of a log, or fields defined in a standards file."""

    def resolve(self, name: str) -> Typed | None:
        """The compiled reference for ``name``, or None when it does not exist."""

    def known_names(self) -> Iterable[str]:
        """Every name that resolves, for did-you-mean hints."""

    @property
    def origin(self) -> str:
        """Where the names come from, for messages: 'the log examples/x.csv'."""


@dataclass(frozen=True)
class Context:
    """What functions may need beyond columns: business calendars and the branch column."""

    calendars: Mapping[str, CalendarSpec] = field(default_factory=dict)
    branch: str = "branch"


def compile_expression(node: Node, resolver: Resolver, context: Context | None = None) -> Typed:
    """Compile a parsed expression; raise ExpressionError with a span on any type problem."""
    return _Compiler(resolver, context or Context()).compile(node)


def epoch_ms(value: exp.Expr) -> exp.Expr:
    """Milliseconds since the epoch of a timestamp expression."""
    return exp.Anonymous(this="epoch_ms", expressions=[value])


class _Compiler:
    def __init__(self, resolver: Resolver, context: Context) -> None:
        self.resolver = resolver
        self.context = context

    def compile(self, node: Node) -> Typed:
        match node:
            case Name():
                return self.name(node)
            case Literal():
                return _literal(node.value)
            case DurationLiteral():
                return Typed(exp.Literal.number(node.ms), Kind.DURATION)
            case Unary():
                return self.unary(node)
            case Binary() if node.op in ("and", "or"):
                return self.logic(node)
            case Binary() if node.op in _CMP:
                return self.comparison(node)
            case Binary():
                return self.arithmetic(node)
            case InList():
                return self.in_list(node)
            case IsNull():
                operand = self.compile(node.operand)
                # parenthesised: SQL binds IS tighter than NOT and comparisons, so
                # `(not x) is null` must not become `NOT x IS NULL`
                test: exp.Expr = exp.Is(this=_p(operand.sql), expression=exp.Null())
                return Typed(exp.Not(this=exp.paren(test)) if node.negated else test, Kind.BOOLEAN)
            case Call():
                return self.call(node)

    def name(self, node: Name) -> Typed:
        try:
            typed = self.resolver.resolve(node.name)
        except UnusableColumnError as e:
            raise ExpressionError(e.message, node.span, e.hint) from None
        if typed is None:
            names = list(self.resolver.known_names())
            hint = did_you_mean(node.name, names)
            if hint is None:
                shown = ", ".join(sorted(names)[:12]) + (", ..." if len(names) > 12 else "")
                hint = f"known columns: {shown}" if names else None
            message = f"unknown column '{node.name}' (not in {self.resolver.origin})"
            raise ExpressionError(message, node.span, hint)
        return typed

    def unary(self, node: Unary) -> Typed:
        operand = self.compile(node.operand)
        if node.op == "not":
            self.need(operand, (Kind.BOOLEAN,), node.operand.span, "'not'")
            return Typed(exp.Not(this=exp.paren(operand.sql, copy=False)), Kind.BOOLEAN)
        self.need(operand, (Kind.NUMBER, Kind.DURATION), node.operand.span, "'-'")
        return Typed(exp.Neg(this=exp.paren(operand.sql, copy=False)), operand.kind)

    def logic(self, node: Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        self.need(left, (Kind.BOOLEAN,), node.left.span, f"'{node.op}'")
        self.need(right, (Kind.BOOLEAN,), node.right.span, f"'{node.op}'")
        cls = exp.And if node.op == "and" else exp.Or
        return Typed(cls(this=_p(left.sql), expression=_p(right.sql)), Kind.BOOLEAN)

    def comparison(self, node: Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        if Kind.NULL in (left.kind, right.kind):
            raise ExpressionError(
                f"'{node.op} null' is never true", node.span, "write `x is null` or `x is not null`"
            )
        left, right = self.unify(left, right, node.left, node.right)
        if node.op not in ("==", "!=") and Kind.BOOLEAN in (left.kind, right.kind):
            raise ExpressionError(f"'{node.op}' cannot order true/false values", node.span)
        return Typed(_CMP[node.op](this=_p(left.sql), expression=_p(right.sql)), Kind.BOOLEAN)

    def unify(self, left: Typed, right: Typed, lnode: Node, rnode: Node) -> tuple[Typed, Typed]:
        """Make two operands comparable (a timestamp with a date string), or raise."""
        lk, rk = left.kind, right.kind
        if lk == rk or Kind.ANY in (lk, rk):
            return left, right
        if lk == Kind.TIMESTAMP and rk == Kind.STRING:
            return left, _timestamp_literal(rnode, right)
        if rk == Kind.TIMESTAMP and lk == Kind.STRING:
            return _timestamp_literal(lnode, left), right
        span = (lnode.span[0], rnode.span[1])
        hint = _UNIT_HINT if {lk, rk} == {Kind.NUMBER, Kind.DURATION} else None
        if {lk, rk} == {Kind.NUMBER, Kind.STRING}:
            name = next((n.name for n in (lnode, rnode) if isinstance(n, Name)), "COLUMN")
            hint = (
                f"compare with a number, or, if '{name}' holds codes (3, 2, E), read it as "
                f"text: `columns: {{{name}: {{type: text}}}}`"
            )
        raise ExpressionError(f"cannot compare {lk.article} with {rk.article}", span, hint)

    def arithmetic(self, node: Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        op, lk, rk = node.op, left.kind, right.kind
        for side, typed in ((node.left, left), (node.right, right)):
            hint = None
            note = (
                getattr(self.resolver, "notes", {}).get(side.name)
                if isinstance(side, Name)
                else None
            )
            if isinstance(side, Name) and note:
                hint = f"column '{side.name}' was read as text: {note}"
            elif isinstance(side, Name) and typed.kind == Kind.STRING:
                hint = (
                    f"column '{side.name}' was read as text: most of its values are not "
                    "numbers or timestamps; check them with `svcaudit inspect`"
                )
            self.need(
                typed, (Kind.NUMBER, Kind.DURATION, Kind.TIMESTAMP), side.span, f"'{op}'", hint
            )
        result: Kind | None = None
        lsql, rsql = _p(left.sql), _p(right.sql)
        if Kind.ANY in (lk, rk):
            result = Kind.ANY
        elif op == "-" and lk == rk == Kind.TIMESTAMP:
            return Typed(
                exp.Sub(this=epoch_ms(left.sql), expression=epoch_ms(right.sql)), Kind.DURATION
            )
        elif op in "+-" and lk == Kind.TIMESTAMP and rk == Kind.DURATION:
            shift = exp.Anonymous(this="to_milliseconds", expressions=[exp.cast(rsql, "BIGINT")])
            return Typed(_ARITH[op](this=lsql, expression=shift), Kind.TIMESTAMP)
        elif op in "+-" and lk == rk and lk in (Kind.NUMBER, Kind.DURATION):
            result = lk
        elif op == "*" and {lk, rk} <= {Kind.NUMBER, Kind.DURATION} and Kind.NUMBER in (lk, rk):
            result = Kind.DURATION if Kind.DURATION in (lk, rk) else Kind.NUMBER
        elif op == "/" and rk == Kind.NUMBER and lk in (Kind.NUMBER, Kind.DURATION):
            result = lk
        elif op == "/" and lk == rk == Kind.DURATION:
            result = Kind.NUMBER
        if result is None:
            hint = _UNIT_HINT if {lk, rk} == {Kind.NUMBER, Kind.DURATION} else None
            raise ExpressionError(
                f"cannot apply '{op}' to {lk.article} and {rk.article}", node.span, hint
            )
        if op == "/":  # x / 0 is missing, never inf or NaN (which compare as passing)
            rsql = exp.Nullif(this=rsql, expression=exp.Literal.number(0))
        return Typed(_ARITH[op](this=lsql, expression=rsql), result)

    def in_list(self, node: InList) -> Typed:
        operand = self.compile(node.operand)
        items = []
        for item in node.items:
            typed = self.compile(item)
            if typed.kind == Kind.NULL:
                raise ExpressionError(
                    "null in a list never matches", item.span, "add `or x is null` instead"
                )
            operand, typed = self.unify(operand, typed, node.operand, item)
            items.append(typed.sql)
        test: exp.Expr = exp.In(this=_p(operand.sql), expressions=items)
        return Typed(exp.Not(this=exp.paren(test)) if node.negated else test, Kind.BOOLEAN)

    def check_literals(self, fn: Function, node: Call) -> None:
        """The function's checks of its text literals (a time format's codes)."""
        for i, problem_of in fn.literal_checks:
            given = node.args[i]
            problem = (
                problem_of(given.value)
                if isinstance(given, Literal) and isinstance(given.value, str)
                else None
            )
            if problem is not None:
                raise ExpressionError(problem[0], given.span, problem[1])

    def call(self, node: Call) -> Typed:
        if node.name.lower() == "business_time":
            return self.business_time(node)
        fn = FUNCTIONS.get(node.name.lower())
        if fn is None:
            hint = (
                did_you_mean(node.name, FUNCTIONS) or f"functions: {', '.join(sorted(FUNCTIONS))}"
            )
            raise ExpressionError(f"unknown function '{node.name}'", node.name_span, hint)
        args = [self.compile(a) for a in node.args]
        args = self.as_written(fn, node, args)
        if fn.variadic:
            if not args:
                raise ExpressionError(f"{fn.name}() needs at least one argument", node.span)
            kinds = {a.kind for a in args} - {Kind.NULL, Kind.ANY}
            if len(kinds) > 1:
                found = " and ".join(sorted(k.article for k in kinds))
                raise ExpressionError(f"{fn.name}() arguments mix {found}", node.span)
            kind = kinds.pop() if kinds else Kind.ANY
            return Typed(fn.build([a.sql for a in args]), kind)
        if len(args) != len(fn.params):
            raise ExpressionError(
                f"{fn.name}() takes {len(fn.params)} argument(s), got {len(args)}",
                node.span,
                f"write {fn.arity_text()}",
            )
        for arg, param, arg_node in zip(args, fn.params, node.args, strict=True):
            self.need(arg, (param,), arg_node.span, f"{fn.name}()")
        self.check_literals(fn, node)
        if fn.name == "parse_time" and not isinstance(node.args[1], Literal):
            raise ExpressionError(  # the engines compile one format per query, not per row
                "parse_time()'s format must be written out as quoted text",
                node.args[1].span,
                'write the format itself: parse_time(called, "%d/%m/%Y %H:%M")',
            )
        if fn.name in LOCAL_TIME and self.context.calendars:
            return Typed(self.local_time(fn.build, args[0].sql), fn.returns)
        if fn.result_from is not None:
            picked = args[fn.result_from]
            others = [a for i, a in enumerate(args) if i > fn.result_from]
            for other in others:  # the alternatives must agree (if_else(c, "a", 1) is an error)
                self.unify(picked, other, node.args[fn.result_from], node.args[args.index(other)])
            return Typed(fn.build([a.sql for a in args]), picked.kind)
        return Typed(fn.build([a.sql for a in args]), fn.returns)

    def as_written(self, fn: Function, node: Call, args: list[Typed]) -> list[Typed]:
        """A column passed where text is expected (parse_time, trim, ...; coalesce with text)
        is its text as written in the log, whatever type detection gave it: parse_time(x,
        "%m/%d/%Y %I:%M:%S %p") reads x's own text, never a value detection already read."""
        # coalesce() with text: a timestamp column's text (a number and text stay an error)
        text_at = [
            i
            for i, a in enumerate(args)
            if (
                fn.variadic
                and a.kind == Kind.TIMESTAMP
                and any(b.kind == Kind.STRING for b in args)
            )
            or (not fn.variadic and i < len(fn.params) and fn.params[i] == Kind.STRING)
        ]
        written = getattr(self.resolver, "resolve_text", None)
        out = list(args)
        for i in text_at:
            arg_node = node.args[i]
            if written is None or not isinstance(arg_node, Name):
                continue
            if out[i].kind in (Kind.STRING, Kind.ANY, Kind.NULL):
                continue
            text = written(arg_node.name)
            if text is not None:
                out[i] = text
        return out

    def local_time(self, build: Callable[[list[exp.Expr]], exp.Expr], ts: exp.Expr) -> exp.Expr:
        """hour()/weekday()/date() in the time zone of the branch's calendar."""
        listed = [c for c in self.context.calendars.values() if c.branches]
        branch = self.resolver.resolve(self.context.branch) if listed else None
        default = self.context.calendars.get("default")
        fallback = (
            build([exp.func("timezone", exp.Literal.string(default.time_zone), ts)])
            if (default is not None and not default.branches)
            else build([ts])
        )
        if branch is None:
            return fallback
        key = exp.cast(branch.sql, "VARCHAR")
        case = exp.Case()
        for cal in listed:
            members = [exp.Literal.string(b) for b in cal.branches]
            local = exp.func("timezone", exp.Literal.string(cal.time_zone), ts.copy())
            case = case.when(exp.In(this=key.copy(), expressions=members), build([local]))
        return case.else_(fallback)

    def business_time(self, node: Call) -> Typed:
        """business_time(start, end[, calendar]): opening hours between two timestamps."""
        calendars = self.context.calendars
        if not calendars:
            raise ExpressionError(
                "business_time() needs a `calendars:` section in the standards file",
                node.name_span,
                'e.g. calendars: {default: {hours: {mon-fri: "08:00-17:00"}}}',
            )
        if len(node.args) not in (2, 3):
            raise ExpressionError(
                f"business_time() takes 2 or 3 arguments, got {len(node.args)}",
                node.span,
                'write business_time(start, end) or business_time(start, end, "calendar")',
            )
        args = [self.compile(a) for a in node.args]
        for arg, arg_node in zip(args[:2], node.args[:2], strict=True):
            self.need(arg, (Kind.TIMESTAMP,), arg_node.span, "business_time()")
        start, end = args[0].sql, args[1].sql
        if len(args) == 3:
            chosen = node.args[2]
            if isinstance(chosen, Literal) and isinstance(chosen.value, str):
                cal = calendars.get(chosen.value)
                if cal is None:
                    hint = did_you_mean(chosen.value, calendars) or "calendars: " + ", ".join(
                        calendars
                    )
                    raise ExpressionError(f"unknown calendar '{chosen.value}'", chosen.span, hint)
                return Typed(business_time_sql(start, end, cal), Kind.DURATION)
            self.need(args[2], (Kind.STRING,), chosen.span, "business_time()")
            case = exp.Case()
            key = exp.cast(args[2].sql, "VARCHAR")
            for name, cal in calendars.items():
                test = exp.EQ(this=key.copy(), expression=exp.Literal.string(name))
                case = case.when(test, business_time_sql(start, end, cal))
            return Typed(case, Kind.DURATION)
        branch = self.resolver.resolve(self.context.branch)
        branch_sql = exp.cast(branch.sql, "VARCHAR") if branch is not None else None
        try:
            sql = choose_calendar_sql(start, end, calendars, branch_sql)
        except LookupError:
            raise ExpressionError(
                "business_time() cannot tell which calendar to use",
                node.span,
                'name one: business_time(start, end, "office"), call a calendar `default`, '
                "or list `branches:` in each calendar",
            ) from None
        return Typed(sql, Kind.DURATION)

    @staticmethod
    def need(
        typed: Typed, kinds: tuple[Kind, ...], span: Span, where: str, hint: str | None = None
    ) -> None:
        if typed.kind in kinds or typed.kind in (Kind.ANY, Kind.NULL) or Kind.ANY in kinds:
            return
        wanted = ", ".join(k.article for k in kinds[:-1]) + (" or " if len(kinds) > 1 else "")
        wanted += kinds[-1].article
        raise ExpressionError(f"{where} needs {wanted}, not {typed.kind.article}", span, hint)


def _p(sql: exp.Expr) -> exp.Expr:
    """Parenthesise compound operands so the generated SQL keeps the tree's grouping."""
    if isinstance(sql, exp.Binary | exp.Not | exp.Neg | exp.Is | exp.In):
        return exp.paren(sql, copy=False)
    return sql


def _literal(value: str | int | float | bool | None) -> Typed:
    if value is None:
        return Typed(exp.Null(), Kind.NULL)
    if isinstance(value, bool):
        return Typed(exp.Boolean(this=value), Kind.BOOLEAN)
    if isinstance(value, str):
        return Typed(exp.Literal.string(value), Kind.STRING)
    if isinstance(value, float):
        # DuckDB reads 2147483647.5 as a DECIMAL(18), whose products overflow with an error;
        # with an exponent it is a DOUBLE, like every number column.
        text = repr(value)
        return Typed(exp.Literal.number(text if "e" in text else text + "e0"), Kind.NUMBER)
    if abs(value) > 2**31 - 1:  # beyond INTEGER: a DOUBLE, so arithmetic cannot overflow
        return Typed(exp.Literal.number(f"{value}e0"), Kind.NUMBER)
    return Typed(exp.Literal.number(value), Kind.NUMBER)


def _timestamp_literal(node: Node, typed: Typed) -> Typed:
    if not (isinstance(node, Literal) and isinstance(node.value, str)):
        raise ExpressionError("only a literal date can be compared with a timestamp", node.span)
    try:
        datetime.fromisoformat(node.value)
    except ValueError:
        raise ExpressionError(
            f"'{node.value}' is not a date or timestamp",
            node.span,
            'write ISO 8601, e.g. "2025-03-01" or "2025-03-01 14:30:00+01:00"',
        ) from None
    return Typed(exp.cast(typed.sql, "TIMESTAMPTZ"), Kind.TIMESTAMP)
