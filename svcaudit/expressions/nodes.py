"""Expression trees of the standards language, as the parser produces them.

Every node keeps ``span``: the (start, end) character offsets of its text in the expression, so
an error can put a caret under the culprit. The trees are plain data; ``compile`` turns them into
typed sqlglot expressions against a concrete set of columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

Span: TypeAlias = tuple[int, int]


@dataclass(frozen=True)
class Name:
    """A column or field name (``channel``, `` `vru+line` ``)."""

    name: str
    span: Span


@dataclass(frozen=True)
class Literal:
    """A string, number, boolean or null literal."""

    value: str | int | float | bool | None
    span: Span


@dataclass(frozen=True)
class DurationLiteral:
    """A duration literal such as ``30s`` or ``1h30m``, in milliseconds."""

    ms: int
    text: str
    span: Span


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``not x``."""

    op: str
    operand: Node
    span: Span


@dataclass(frozen=True)
class Binary:
    """Arithmetic (``+ - * /``), comparison (``== != < <= > >=``) or logic (``and or``)."""

    op: str
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True)
class InList:
    """``x in [a, b]`` / ``x not in [a, b]``."""

    operand: Node
    items: tuple[Node, ...]
    negated: bool
    span: Span


@dataclass(frozen=True)
class IsNull:
    """``x is null`` / ``x is not null``."""

    operand: Node
    negated: bool
    span: Span


@dataclass(frozen=True)
class Call:
    """A call of one of the allowed functions: ``hour(arrived_at)``."""

    name: str
    args: tuple[Node, ...]
    span: Span
    name_span: Span


Node: TypeAlias = Name | Literal | DurationLiteral | Unary | Binary | InList | IsNull | Call


def names_in(node: Node) -> list[Name]:
    """Every name the expression refers to, in order of appearance."""
    match node:
        case Name():
            return [node]
        case Literal() | DurationLiteral():
            return []
        case Unary() | IsNull():
            return names_in(node.operand)
        case Binary():
            return names_in(node.left) + names_in(node.right)
        case InList():
            return names_in(node.operand) + [n for item in node.items for n in names_in(item)]
        case Call():
            return [n for arg in node.args for n in names_in(arg)]
