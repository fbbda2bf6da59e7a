"""The expression parser: precedence, literals, quoted names, and refusing everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaudit.expressions.errors import ExpressionError
from svcaudit.expressions.nodes import (
    Binary,
    Call,
    DurationLiteral,
    InList,
    IsNull,
    Literal,
    Name,
    Node,
    Unary,
    names_in,
)
from svcaudit.expressions.parser import parse_expression


def shape(node: Node) -> str:
    """The tree as an s-expression, to compare structure without spans."""
    match node:
        case Name():
            return node.name
        case Literal():
            return repr(node.value)
        case DurationLiteral():
            return f"{node.ms}ms"
        case Unary():
            return f"({'neg' if node.op == '-' else node.op} {shape(node.operand)})"
        case Binary():
            return f"({node.op} {shape(node.left)} {shape(node.right)})"
        case InList():
            items = " ".join(shape(i) for i in node.items)
            return f"({'not-in' if node.negated else 'in'} {shape(node.operand)} [{items}])"
        case IsNull():
            return f"({'is-not-null' if node.negated else 'is-null'} {shape(node.operand)})"
        case Call():
            return f"({node.name}() {' '.join(shape(a) for a in node.args)})"
    raise AssertionError(node)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        # and binds tighter than or; not tighter than and
        ("not a or b and c", "(or (not a) (and b c))"),
        ("a or b and not c", "(or a (and b (not c)))"),
        ("a and b or c and d", "(or (and a b) (and c d))"),
        ("(a or b) and c", "(and (or a b) c)"),
        ("not not a", "(not (not a))"),
        # comparisons bind tighter than not/and/or
        ("not x == 1", "(not (== x 1))"),
        ("x < 1 or y >= 2 and z != 3", "(or (< x 1) (and (>= y 2) (!= z 3)))"),
        ("x <= 1 and y > 2", "(and (<= x 1) (> y 2))"),
        # arithmetic: * / over + -, left-associative, below comparison
        ("a + b * c - d / e < 3", "(< (- (+ a (* b c)) (/ d e)) 3)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b / c", "(/ (/ a b) c)"),
        ("(a - b) * c", "(* (- a b) c)"),
        ("-x * 2", "(* (neg x) 2)"),
        ("a - -b", "(- a (neg b))"),
        ("answered_at - arrived_at <= 60s", "(<= (- answered_at arrived_at) 60000ms)"),
        # in / not in / is null
        ('channel in ["phone", "chat"]', "(in channel ['phone' 'chat'])"),
        ("priority not in [1, 2,]", "(not-in priority [1 2])"),
        ("x + 1 in [2, 3]", "(in (+ x 1) [2 3])"),
        ('not channel in ["a"]', "(not (in channel ['a']))"),
        ("x is null", "(is-null x)"),
        ("x is not null", "(is-not-null x)"),
        ("x is None and y IS NOT NULL", "(and (is-null x) (is-not-null y))"),
        ("a - b is null", "(is-null (- a b))"),
        # calls
        ("hour(arrived_at) >= 22", "(>= (hour() arrived_at) 22)"),
        ("coalesce(a, b) - c", "(- (coalesce() a b) c)"),
        # literals
        ("x == true or y == FALSE", "(or (== x True) (== y False))"),
        ("x == 1.5", "(== x 1.5)"),
        ("x == 'single'", "(== x 'single')"),
    ],
)
def test_precedence_and_structure(text: str, tree: str) -> None:
    assert shape(parse_expression(text)) == tree


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("500ms", 500),
        ("30s", 30_000),
        ("2m", 120_000),
        ("1h30m", 5_400_000),
        ("2d", 172_800_000),
        ("1.5h", 5_400_000),
    ],
)
def test_duration_literals(text: str, ms: int) -> None:
    node = parse_expression(f"hold > {text}")
    assert isinstance(node, Binary)
    assert isinstance(node.right, DurationLiteral)
    assert node.right.ms == ms
    assert node.right.text == text


def test_backtick_names_with_odd_characters() -> None:
    node = parse_expression("`vru+line` == 1")
    assert isinstance(node, Binary) and isinstance(node.left, Name)
    assert node.left.name == "vru+line"
    assert node.left.span == (0, 10)  # including the backticks

    # A double quote inside, and a backtick written as two backticks.
    node = parse_expression('`say "hi"``now` is null')
    assert isinstance(node, IsNull) and isinstance(node.operand, Name)
    assert node.operand.name == 'say "hi"`now'

    node = parse_expression("`first name` == `last name`")
    assert [n.name for n in names_in(node)] == ["first name", "last name"]


def test_string_escapes() -> None:
    node = parse_expression(r'note == "a \"quoted\" word"')
    assert isinstance(node, Binary) and isinstance(node.right, Literal)
    assert node.right.value == 'a "quoted" word'


def test_spans_point_into_the_text() -> None:
    text = "channel == 'phone' and   hold > 30s"
    node = parse_expression(text)
    names = names_in(node)
    assert [text[n.span[0] : n.span[1]] for n in names] == ["channel", "hold"]
    assert node.span == (0, len(text))


def test_keywords_are_case_insensitive_but_names_are_not() -> None:
    node = parse_expression("Channel == 1 AND NOT Hold IS NULL")
    assert shape(node) == "(and (== Channel 1) (not (is-null Hold)))"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("x.y", (1, 2)),  # attribute access: the dot
        ("open('/etc/passwd').read()", (19, 20)),
        ("lambda: 1", (0, 6)),
        ("a[0]", (1, 2)),  # subscript: the bracket
        ("a = 1", (2, 3)),  # assignment: the '='
        ("x'); DROP TABLE t; --", (1, 21)),  # an unterminated string from the quote on
        ("a == b == c", (7, 9)),  # chained comparison: the second '=='
        ("[1, 2]", (0, 1)),
        ("x in []", (0, 7)),
        ("a and", (5, 5)),  # ends early: at the end
        ("(a", (2, 2)),
        ("1x == 2", (0, 2)),
        ("a ; b", (2, 3)),
        ("a & b", (2, 3)),
        ("a | b", (2, 3)),
        ("x % 2", (2, 3)),
        ("{}", (0, 1)),
        ("`unterminated", (0, 13)),
        ("``", (0, 2)),
        ("f(x)(y)", (4, 5)),
        ("x if y else z", (2, 4)),
        ("[x for x in y]", (0, 1)),
        ("", (0, 0)),
        ("   ", (0, 0)),
    ],
)
def test_forbidden_and_malformed_expressions(text: str, span: tuple[int, int]) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.span == span, info.value.message
    assert info.value.message


def test_hints_for_common_slips() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression('channel = "phone"')
    assert "==" in (info.value.hint or "")
    with pytest.raises(ExpressionError) as info:
        parse_expression("a && b")
    assert "and" in (info.value.hint or "")
    with pytest.raises(ExpressionError) as info:
        parse_expression("lambda: 1")
    assert info.value.hint


def test_python_is_never_evaluated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for text in (
        "__import__('os').system('touch pwned')",
        'exec(\'open("pwned", "w")\')',
        "open('pwned', 'w')",
    ):
        try:
            node = parse_expression(text)
        except ExpressionError:
            continue
        # If it parses at all, it is only a tree: a call node, nothing was run.
        assert isinstance(node, Call)
    assert not (tmp_path / "pwned").exists()


def test_import_and_unknown_functions_parse_as_calls() -> None:
    # The parser accepts the call syntax; the compiler refuses unknown functions
    # (tests/expressions/test_compile.py).
    node = parse_expression("__import__('os')")
    assert isinstance(node, Call) and node.name == "__import__" and node.name_span == (0, 10)
    node = parse_expression("read_csv('/etc/passwd')")
    assert isinstance(node, Call) and node.name_span == (0, 8)
