"""Property-based tests of the expression language.

1. Any text either parses and compiles, or raises ``ExpressionError`` with a span inside the
   text: never another exception.
2. Well-typed expressions are generated from the grammar (as trees of our own, rendered to
   text), compiled by svcaudit and run by DuckDB over generated rows; the result must equal a
   pure-Python reference evaluation of the same tree, written here independently of the
   compiler. NULL follows SQL: arithmetic, comparisons and functions of NULL are NULL (except
   ``coalesce`` and ``is null``), ``and``/``or``/``not`` use three-valued logic, ``x in [...]``
   is NULL for a NULL ``x``, and ``if_else`` takes the else branch when its condition is NULL.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from svcaudit.expressions.compile import compile_expression
from svcaudit.expressions.errors import ExpressionError
from svcaudit.expressions.functions import FUNCTIONS
from svcaudit.expressions.parser import parse_expression
from svcaudit.expressions.types import Kind, Typed

COLUMNS = {
    "n1": Kind.NUMBER,
    "n2": Kind.NUMBER,
    "s1": Kind.STRING,
    "s2": Kind.STRING,
    "b1": Kind.BOOLEAN,
    "t1": Kind.TIMESTAMP,
    "t2": Kind.TIMESTAMP,
    "weird name`x": Kind.NUMBER,
}
SQL_TYPES = {
    Kind.NUMBER: "DOUBLE",
    Kind.STRING: "VARCHAR",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.TIMESTAMP: "TIMESTAMPTZ",
}


class Columns:
    """A resolver over the fixed test columns (svcaudit's Resolver protocol)."""

    origin = "the test rows"

    def resolve(self, name: str) -> Typed | None:
        kind = COLUMNS.get(name)
        return Typed(exp.column(name, quoted=True), kind) if kind else None

    def known_names(self) -> Iterable[str]:
        return list(COLUMNS)


# ---- 1. anything compiles or gives a located error ---------------------------------------

TOKENS = [
    "n1", "s1", "b1", "t1", "t2", "`weird name``x`", "`", "nope", "(", ")", "[", "]", ",",
    "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "=", "and", "or", "not", "in",
    "is", "null", "true", "false", "1", "2.5", "1e3", "30s", "1h30m", "99999999999999999999",
    '"a"', "'b'", '"unterminated', "lower", "coalesce", "if_else", "hour", "business_time",
    "read_csv", "lambda", ".", ";", "%", "{", "}", "#", "\\", "é", "\n",
]  # fmt: skip


def _check_compiles_or_located(text: str) -> None:
    try:
        tree = parse_expression(text)
        compile_expression(tree, Columns())
    except ExpressionError as e:
        start, end = e.span
        assert 0 <= start <= end <= len(text), (e.span, len(text))
        assert e.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_any_text_compiles_or_gives_a_located_error(text: str) -> None:
    _check_compiles_or_located(text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14))
def test_any_token_soup_compiles_or_gives_a_located_error(tokens: list[str]) -> None:
    _check_compiles_or_located(" ".join(tokens))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14))
def test_token_soup_without_spaces(tokens: list[str]) -> None:
    _check_compiles_or_located("".join(tokens))


# ---- 2. compiled SQL equals a Python reference ------------------------------------------


@dataclass(frozen=True)
class E:
    """A generated expression: its text, its kind and how to evaluate it on a row."""

    text: str
    kind: Kind
    tree: tuple[Any, ...]


@functools.cache
def _leaf(kind: Kind) -> st.SearchStrategy[E]:
    cols = [c for c, k in COLUMNS.items() if k == kind]
    names = [E(_name(c), kind, ("col", c)) for c in cols]
    if kind == Kind.NUMBER:
        lits = st.sampled_from([0, 1, 2, 3, 7, 10, 0.5, 2.25, 1e3]).map(
            lambda v: E(repr(v), Kind.NUMBER, ("lit", v))
        )
        return st.one_of(st.sampled_from(names), lits)
    if kind == Kind.STRING:
        lits = st.sampled_from(["a", "B", " a ", "é", "", "x'y", 'q"'])
        strings = lits.map(lambda v: E(_string(v), kind, ("lit", v)))
        return st.one_of(st.sampled_from(names), strings)
    if kind == Kind.BOOLEAN:
        lits = st.sampled_from([True, False]).map(
            lambda v: E(str(v).lower(), kind, ("lit", v))
        )
        return st.one_of(st.sampled_from(names), lits)
    if kind == Kind.DURATION:
        return st.sampled_from([("30s", 30_000), ("2m", 120_000), ("1h30m", 5_400_000),
                                ("500ms", 500), ("0s", 0), ("1d", 86_400_000)]).map(
            lambda d: E(d[0], kind, ("lit", d[1]))
        )  # fmt: skip
    return st.sampled_from(names)  # timestamps


def _name(c: str) -> str:
    return c if c.isidentifier() else "`" + c.replace("`", "``") + "`"


def _string(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _extend(kind: Kind, sub: Any) -> st.SearchStrategy[E]:
    num, dur, text, boolean, ts = (sub(k) for k in
                                   (Kind.NUMBER, Kind.DURATION, Kind.STRING, Kind.BOOLEAN,
                                    Kind.TIMESTAMP))  # fmt: skip

    def binary(op: str, a: E, b: E, k: Kind) -> E:
        return E(f"({a.text} {op} {b.text})", k, ("bin", op, a.tree, b.tree))

    def call(fn: str, k: Kind, *args: E) -> E:
        inner = ", ".join(a.text for a in args)
        return E(f"{fn}({inner})", k, ("call", fn, *(a.tree for a in args)))

    if kind == Kind.NUMBER:
        return st.one_of(
            st.builds(lambda op, a, b: binary(op, a, b, kind), st.sampled_from("+-*"), num, num),
            st.builds(
                lambda a, d: binary("/", a, d, kind),
                num,
                st.sampled_from([2, 4, 0.5, 0]).map(lambda v: E(repr(v), kind, ("lit", v))),
            ),
            num.map(lambda a: E(f"-({a.text})", kind, ("neg", a.tree))),
            num.map(lambda a: call("abs", kind, a)),
            st.builds(lambda a, b: call("coalesce", kind, a, b), num, num),
            st.builds(lambda c, a, b: call("if_else", kind, c, a, b), boolean, num, num),
            ts.map(lambda t: call("hour", kind, t)),
            ts.map(lambda t: call("weekday", kind, t)),
            st.builds(lambda a, b: binary("/", a, b, kind), dur, _leaf(Kind.DURATION).filter(
                lambda d: d.tree[1] != 0)),
        )  # fmt: skip
    if kind == Kind.DURATION:
        return st.one_of(
            st.builds(lambda op, a, b: binary(op, a, b, kind), st.sampled_from("+-"), dur, dur),
            st.builds(lambda a, b: binary("-", a, b, kind), ts, ts),
            st.builds(lambda a, n: binary("*", a, n, kind), dur, _leaf(Kind.NUMBER)),
            num.map(lambda a: call("seconds", kind, a)),
            dur.map(lambda a: E(f"-({a.text})", kind, ("neg", a.tree))),
            st.builds(lambda a, b: call("coalesce", kind, a, b), dur, dur),
        )
    if kind == Kind.STRING:
        return st.one_of(
            st.builds(lambda f, a: call(f, kind, a), st.sampled_from(["lower", "upper", "trim"]),
                      text),
            st.builds(lambda a, b: call("coalesce", kind, a, b), text, text),
            st.builds(lambda c, a, b: call("if_else", kind, c, a, b), boolean, text, text),
        )  # fmt: skip
    if kind == Kind.BOOLEAN:
        cmp = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
        return st.one_of(
            st.builds(lambda op, a, b: binary(op, a, b, kind), cmp, num, num),
            st.builds(lambda op, a, b: binary(op, a, b, kind), cmp, dur, dur),
            st.builds(lambda op, a, b: binary(op, a, b, kind), cmp, text, text),
            st.builds(lambda op, a, b: binary(op, a, b, kind), cmp, ts, ts),
            st.builds(lambda op, a, b: binary(op, a, b, kind), st.sampled_from(["==", "!="]),
                      boolean, boolean),
            st.builds(lambda op, a, b: binary(op, a, b, kind), st.sampled_from(["and", "or"]),
                      boolean, boolean),
            boolean.map(lambda a: E(f"(not ({a.text}))", kind, ("not", a.tree))),
            st.builds(
                lambda a, neg: E(f"({a.text} is {'not ' if neg else ''}null)", kind,
                                 ("isnull", neg, a.tree)),
                st.one_of(num, text, boolean, ts), st.booleans()),
            st.builds(
                lambda a, items, neg: E(
                    f"({a.text} {'not ' if neg else ''}in [{', '.join(i.text for i in items)}])",
                    kind, ("in", neg, a.tree, tuple(i.tree for i in items))),
                text, st.lists(_leaf(Kind.STRING).filter(lambda e: e.tree[0] == "lit"),
                               min_size=1, max_size=3), st.booleans()),
            st.builds(
                lambda a, items, neg: E(
                    f"({a.text} {'not ' if neg else ''}in [{', '.join(i.text for i in items)}])",
                    kind, ("in", neg, a.tree, tuple(i.tree for i in items))),
                num, st.lists(_leaf(Kind.NUMBER).filter(lambda e: e.tree[0] == "lit"),
                              min_size=1, max_size=3), st.booleans()),
        )  # fmt: skip
    return _leaf(kind)


@functools.cache
def expressions(kind: Kind, depth: int = 3) -> st.SearchStrategy[E]:
    if depth == 0:
        return _leaf(kind)
    return st.one_of(_leaf(kind), _extend(kind, lambda k: expressions(k, depth - 1)))


# -- the reference evaluator: plain Python, SQL NULL semantics --


def evaluate(tree: tuple[Any, ...], row: dict[str, Any]) -> Any:
    tag = tree[0]
    if tag == "col":
        return row[tree[1]]
    if tag == "lit":
        return tree[1]
    if tag == "neg":
        v = evaluate(tree[1], row)
        return None if v is None else -v
    if tag == "not":
        v = evaluate(tree[1], row)
        return None if v is None else not v
    if tag == "isnull":
        v = evaluate(tree[2], row)
        return (v is not None) if tree[1] else (v is None)
    if tag == "in":
        v = evaluate(tree[2], row)
        if v is None:
            return None
        found = any(v == evaluate(i, row) for i in tree[3])
        return (not found) if tree[1] else found
    if tag == "bin":
        return _binary(tree[1], evaluate(tree[2], row), evaluate(tree[3], row))
    if tag == "call":
        return _call(tree[1], [evaluate(a, row) for a in tree[2:]])
    raise AssertionError(tree)


def _binary(op: str, a: Any, b: Any) -> Any:
    if op == "and":
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if op == "or":
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    if a is None or b is None:
        return None
    if isinstance(a, datetime) and isinstance(b, datetime) and op == "-":
        return (a - b) // timedelta(milliseconds=1)
    match op:
        case "+":
            return a + b
        case "-":
            return a - b
        case "*":
            return a * b
        case "/":
            return None if b == 0 else a / b  # dividing by zero gives no value
        case "==":
            return a == b
        case "!=":
            return a != b
        case "<":
            return a < b
        case "<=":
            return a <= b
        case ">":
            return a > b
        case ">=":
            return a >= b
    raise AssertionError(op)


def _call(fn: str, args: list[Any]) -> Any:
    if fn == "coalesce":
        return next((a for a in args if a is not None), None)
    if fn == "if_else":
        return args[1] if args[0] is True else args[2]
    (a,) = args
    if a is None:
        return None
    match fn:
        case "lower":
            return a.lower()
        case "upper":
            return a.upper()
        case "trim":
            return a.strip(" ")
        case "abs":
            return abs(a)
        case "hour":
            return a.astimezone(UTC).hour
        case "weekday":
            return a.astimezone(UTC).isoweekday()
        case "seconds":
            return a * 1000
    raise AssertionError(fn)


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values, values, values)


BASE = datetime(2025, 3, 30, 0, 0, tzinfo=UTC)
ROW = st.fixed_dictionaries(
    {
        "n1": _maybe(st.integers(-20, 20).map(lambda v: v / 4)),
        "n2": _maybe(st.integers(-5, 100).map(float)),
        "s1": _maybe(st.sampled_from(["a", "A", " a ", "b", "é", "É", "", "x'y"])),
        "s2": _maybe(st.sampled_from(["a", "B", "q\"", "Łódź"])),
        "b1": _maybe(st.booleans()),
        "t1": _maybe(st.integers(0, 72 * 3600).map(lambda s: BASE + timedelta(seconds=s))),
        "t2": _maybe(
            st.integers(0, 72 * 3600 * 1000).map(lambda ms: BASE + timedelta(milliseconds=ms))
        ),
        "weird name`x": _maybe(st.integers(0, 9).map(float)),
    }
)  # fmt: skip

_CON = duckdb.connect(":memory:")
_CON.sql("SET TimeZone = 'UTC'")


def _same(kind: Kind, expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if kind in (Kind.NUMBER, Kind.DURATION):
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-9)
    return bool(expected == got)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    st.sampled_from([Kind.BOOLEAN, Kind.NUMBER, Kind.DURATION, Kind.STRING]).flatmap(expressions),
    st.lists(ROW, min_size=1, max_size=12),
)
def test_compiled_sql_equals_the_python_reference(expr: E, rows: list[dict[str, Any]]) -> None:
    typed = compile_expression(parse_expression(expr.text), Columns())
    assert typed.kind == expr.kind or Kind.ANY in (typed.kind,), (expr.text, typed.kind)
    names = list(COLUMNS)
    columns = ", ".join(
        f'"{c.replace(chr(34), chr(34) * 2)}" {SQL_TYPES[COLUMNS[c]]}' for c in names
    )
    _CON.sql(f"CREATE OR REPLACE TEMP TABLE t (i INTEGER, {columns})")
    marks = "(" + ", ".join("?" for _ in range(len(names) + 1)) + ")"
    values = [v for i, r in enumerate(rows) for v in (i, *(r[c] for c in names))]
    _CON.execute(f"INSERT INTO t VALUES {', '.join([marks] * len(rows))}", values)
    sql = exp.select(exp.alias_(typed.sql, "v")).from_("t").order_by("i").sql("duckdb")
    got = [r[0] for r in _CON.sql(sql).fetchall()]
    for row, value in zip(rows, got, strict=True):
        expected = evaluate(expr.tree, row)
        assert _same(expr.kind, expected, value), (expr.text, row, expected, value, sql)


def test_every_function_is_generated_or_covered_elsewhere() -> None:
    """Functions left out of the reference are tested by fixtures of their own."""
    generated = {"lower", "upper", "trim", "coalesce", "if_else", "hour", "weekday", "abs",
                 "seconds"}  # fmt: skip
    elsewhere = {"parse_time", "date", "minutes", "hours"}  # tests/expressions/test_compile.py
    assert set(FUNCTIONS) == generated | elsewhere
