"""Errors inside one expression, with the character span of the culprit."""

from __future__ import annotations

from svcaudit.expressions.nodes import Span


class ExpressionError(Exception):
    """A problem in an expression; ``span`` locates it within the expression text.

    The standards loader turns it into a located ``SvcauditError`` showing the expression with a
    caret line under the span.
    """

    def __init__(self, message: str, span: Span, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


class UnusableColumnError(Exception):
    """A column the expression language cannot compare (a struct, list or map): raised by a
    resolver, located at the name by the compiler."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def caret_line(text: str, span: Span) -> str:
    """The expression and a line of carets under ``span``, for error output."""
    start, end = span
    start = max(0, min(start, len(text)))
    width = max(1, min(end, len(text)) - start)
    return f"    {text}\n    {' ' * start}{'^' * width}"
