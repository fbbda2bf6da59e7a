"""Tokenizer and precedence-climbing parser for the standards expression language.

The language is deliberately small and Python-like::

    channel == "phone" and hold > 30s
    `vru+line` in ["A", "B"] and answered_at is not null
    hour(arrived_at) >= 22 or weekday(arrived_at) in [6, 7]

Nothing is ever evaluated by Python: the parser builds a tree of ``nodes`` and rejects anything
outside the grammar (attribute access, lambdas, subscripts, assignments) with a located error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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
)
from svcaudit.units import DURATION_HINT, parse_duration

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<duration>(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+(?![A-Za-z0-9_]))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_]))
  | (?P<badnumber>\d+[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<qident>`(?:[^`]|``)*`)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
  | (?P<bad>=|\.|:|!|\{|\}|;|@|\||&|%|\^|~|\$|\#|\?)
    """,
    re.VERBOSE,
)

_KEYWORDS = {"and", "or", "not", "in", "is", "null", "none", "true", "false"}
_CONSTANTS = {"true": True, "false": False, "null": None, "none": None}
_FORBIDDEN_WORDS = {
    "lambda": "lambdas are not part of the expression language",
    "import": "imports are not part of the expression language",
    "def": "definitions are not part of the expression language",
    "for": "loops and comprehensions are not part of the expression language",
    "if": "use `and`/`or`, or a `when:` condition, instead of `if`",
    "else": "use `and`/`or`, or a `when:` condition, instead of `else`",
    "yield": "`yield` is not part of the expression language",
    "await": "`await` is not part of the expression language",
}
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
MAX_DEPTH = 64  # brackets, `not` and signs nested: more is a runaway, not a standard
MAX_TREE_DEPTH = 100  # a chain of 100 `and`/`or`; deeper, SQL generation would overflow the stack
MAX_INT = 2**53  # larger whole numbers are typos, and would not be exact as doubles


@dataclass(frozen=True)
class Token:
    """One token: its kind, text and character span."""

    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; raise ExpressionError at the first bad character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _bad_start(text, pos)
        kind = m.lastgroup or "bad"
        value = m.group()
        if kind == "bad":
            for earlier in tokens:
                if earlier.kind == "ident" and earlier.text in _FORBIDDEN_WORDS:
                    span = (earlier.start, earlier.end)
                    message = f"'{earlier.text}' is not allowed"
                    raise ExpressionError(message, span, _FORBIDDEN_WORDS[earlier.text])
            raise _bad_char(value, pos)
        if kind == "badnumber":
            raise ExpressionError(
                f"'{value}' is neither a number nor a duration", (pos, m.end()), DURATION_HINT
            )
        if kind == "ident" and value.lower() in _KEYWORDS:
            kind = "keyword"
            value = value.lower()
        if kind != "ws":
            tokens.append(Token(kind, value, pos, m.end()))
        pos = m.end()
    tokens.append(Token("eof", "", len(text), len(text)))
    return tokens


def _bad_start(text: str, pos: int) -> ExpressionError:
    char = text[pos]
    if char in "\"'":
        return ExpressionError("unterminated string", (pos, len(text)), f"close it with {char}")
    if char == "`":
        return ExpressionError("unterminated quoted name", (pos, len(text)), "close it with `")
    return ExpressionError(f"unexpected character {char!r}", (pos, pos + 1))


def _bad_char(char: str, pos: int) -> ExpressionError:
    hints = {
        "=": "compare with == (a single = is not allowed)",
        ".": "attribute access is not allowed; quote a column name containing dots in backticks",
        "!": "write `not x` or `x != y`",
        "&": "write `and`",
        "|": "write `or`",
        "%": "the modulo operator is not supported",
        ":": "slices, dictionaries and annotations are not part of the expression language",
    }
    return ExpressionError(f"'{char}' is not allowed here", (pos, pos + len(char)), hints.get(char))


def _unquote_string(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def nested(self) -> None:
        """Count one level of nesting (brackets, `not`, unary minus); refuse runaway depth."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            tok = self.tok
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep",
                (tok.start, tok.end),
                "split it into `fields:` with names",
            )

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (text is None or tok.text == text)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            raise self.unexpected(what)
        return self.advance()

    def unexpected(self, wanted: str) -> ExpressionError:
        tok = self.tok
        if tok.kind == "eof":
            return ExpressionError(
                f"expression ends early: expected {wanted}", (tok.start, tok.end)
            )
        return ExpressionError(f"expected {wanted}, found '{tok.text}'", (tok.start, tok.end))

    def parse(self) -> Node:
        if self.at("eof"):
            raise ExpressionError("empty expression", (0, 0))
        node = self.parse_or()
        if not self.at("eof"):
            raise self.unexpected("an operator or the end of the expression")
        if _depth(node) > MAX_TREE_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_TREE_DEPTH} levels deep",
                node.span,
                "write many alternatives as `x in [...]`",
            )
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.at("keyword", "or"):
            self.advance()
            right = self.parse_and()
            node = Binary("or", node, right, (_start(node), _end(right)))
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.at("keyword", "and"):
            self.advance()
            right = self.parse_not()
            node = Binary("and", node, right, (_start(node), _end(right)))
        return node

    def parse_not(self) -> Node:
        if self.at("keyword", "not"):
            tok = self.advance()
            self.nested()
            operand = self.parse_not()
            self.depth -= 1
            return Unary("not", operand, (tok.start, _end(operand)))
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_sum()
        tok = self.tok
        if tok.kind == "op" and tok.text in _COMPARISONS:
            self.advance()
            right = self.parse_sum()
            if self.tok.kind == "op" and self.tok.text in _COMPARISONS:
                raise ExpressionError(
                    "chained comparisons are not supported",
                    (self.tok.start, self.tok.end),
                    "write `a < b and b < c`",
                )
            return Binary(tok.text, left, right, (_start(left), _end(right)))
        if self.at("keyword", "in"):
            self.advance()
            return self.parse_in(left, negated=False)
        if self.at("keyword", "not"):
            self.advance()
            self.expect("keyword", "in", "'in' after 'not'")
            return self.parse_in(left, negated=True)
        if self.at("keyword", "is"):
            self.advance()
            negated = False
            if self.at("keyword", "not"):
                self.advance()
                negated = True
            if not (self.at("keyword", "null") or self.at("keyword", "none")):
                raise self.unexpected("null after 'is'")
            end = self.advance().end
            return IsNull(left, negated, (_start(left), end))
        return left

    def parse_in(self, operand: Node, *, negated: bool) -> Node:
        self.expect("op", "[", "a list in [brackets] after 'in'")
        items: list[Node] = []
        while not self.at("op", "]"):
            items.append(self.parse_sum())
            if not self.at("op", ","):
                break
            self.advance()
        end = self.expect("op", "]", "',' or ']' in the list").end
        if not items:
            raise ExpressionError("empty list after 'in'", (_start(operand), end))
        return InList(operand, tuple(items), negated, (_start(operand), end))

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.advance().text
            right = self.parse_product()
            node = Binary(op, node, right, (_start(node), _end(right)))
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self.advance().text
            right = self.parse_unary()
            node = Binary(op, node, right, (_start(node), _end(right)))
        return node

    def parse_unary(self) -> Node:
        if self.at("op", "-") or self.at("op", "+"):
            tok = self.advance()
            self.nested()
            operand = self.parse_unary()
            self.depth -= 1
            if tok.text == "+":
                return operand
            return Unary("-", operand, (tok.start, _end(operand)))
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.tok
        if tok.kind in ("number", "duration", "string") or (
            tok.kind == "keyword" and tok.text in _CONSTANTS
        ):
            return self.parse_literal()
        if tok.kind in ("qident", "ident"):
            return self.parse_name()
        if self.at("op", "("):
            self.advance()
            self.nested()
            node = self.parse_or()
            self.depth -= 1
            self.expect("op", ")", "')'")
            return node
        if self.at("op", "["):
            raise ExpressionError(
                "a list is only allowed after 'in'", (tok.start, tok.end), 'write `x in ["a", "b"]`'
            )
        raise self.unexpected("a name, a value or '('")

    def parse_literal(self) -> Node:
        """A number, a duration, a string, true, false or null."""
        tok = self.advance()
        span = (tok.start, tok.end)
        if tok.kind == "number":
            is_float = any(c in tok.text for c in ".eE")
            number = float(tok.text) if is_float else _integer(tok.text, span)
            if isinstance(number, float) and math.isinf(number):
                raise ExpressionError("the number is too large", span, "numbers are at most 1e308")
            return Literal(number, span)
        if tok.kind == "duration":
            try:
                return DurationLiteral(parse_duration(tok.text), tok.text, span)
            except ValueError as e:
                raise ExpressionError(str(e), span, DURATION_HINT) from None
        if tok.kind == "string":
            return Literal(_unquote_string(tok.text), span)
        return Literal(_CONSTANTS[tok.text], span)

    def parse_name(self) -> Node:
        """A column name (plain or `quoted`), or a function call."""
        tok = self.tok
        span = (tok.start, tok.end)
        if tok.kind == "qident":
            self.advance()
            name = tok.text[1:-1].replace("``", "`")
            if not name:
                raise ExpressionError("empty quoted name", span)
            return self.after_name(Name(name, span))
        if tok.text in _FORBIDDEN_WORDS:
            raise ExpressionError(f"'{tok.text}' is not allowed", span, _FORBIDDEN_WORDS[tok.text])
        self.advance()
        if self.at("op", "("):
            return self.parse_call(tok)
        return self.after_name(Name(tok.text, span))

    def after_name(self, name: Name) -> Node:
        if self.at("op", "["):
            raise ExpressionError(
                "subscripts are not part of the expression language", (self.tok.start, self.tok.end)
            )
        if self.at("op", "("):
            raise ExpressionError(
                "only function names can be called", (self.tok.start, self.tok.end)
            )
        return name

    def parse_call(self, name_tok: Token) -> Node:
        self.advance()  # (
        self.nested()
        args: list[Node] = []
        while not self.at("op", ")"):
            args.append(self.parse_or())
            if not self.at("op", ","):
                break
            self.advance()
        end = self.expect("op", ")", "',' or ')' in the call").end
        self.depth -= 1
        return Call(
            name_tok.text, tuple(args), (name_tok.start, end), (name_tok.start, name_tok.end)
        )


def _integer(text: str, span: tuple[int, int]) -> int:
    if len(text) > 19 or int(text) > MAX_INT:
        raise ExpressionError(
            "the number is too large", span, f"whole numbers are at most {MAX_INT}"
        )
    return int(text)


def _depth(root: Node) -> int:
    """The depth of a tree, without recursion (a chain of 3,000 `and` is 3,000 deep)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        match node:
            case Unary() | IsNull():
                stack.append((node.operand, depth + 1))
            case Binary():
                stack += [(node.left, depth + 1), (node.right, depth + 1)]
            case InList():
                stack += [(node.operand, depth + 1), *((i, depth + 1) for i in node.items)]
            case Call():
                stack += [(a, depth + 1) for a in node.args]
    return deepest


def _start(node: Node) -> int:
    return node.span[0]


def _end(node: Node) -> int:
    return node.span[1]


def parse_expression(text: str) -> Node:
    """Parse expression text into a tree; raise ExpressionError (with a span) when invalid."""
    return _Parser(text).parse()
