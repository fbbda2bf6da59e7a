"""The value kinds of the expression language and how source column types map onto them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlglot import exp


class Kind(StrEnum):
    """What an expression yields. Durations are whole milliseconds in SQL."""

    NUMBER = "number"
    DURATION = "duration"
    TIMESTAMP = "timestamp"
    STRING = "text"
    BOOLEAN = "boolean"
    NULL = "null"
    ANY = "any"

    @property
    def article(self) -> str:
        """The kind with an article, for messages: 'a duration', 'text'."""
        return {
            Kind.NUMBER: "a plain number",
            Kind.DURATION: "a duration",
            Kind.TIMESTAMP: "a timestamp",
            Kind.STRING: "text",
            Kind.BOOLEAN: "true/false",
            Kind.NULL: "null",
            Kind.ANY: "a value",
        }[self]


@dataclass(frozen=True)
class Typed:
    """A compiled expression: its sqlglot tree and its kind."""

    sql: exp.Expr
    kind: Kind


_NUMERIC_PREFIXES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "REAL",
    "INT",
)


def kind_of_sql_type(sql_type: str) -> Kind:
    """Map a DuckDB type name (``BIGINT``, ``TIMESTAMP WITH TIME ZONE``...) to a Kind."""
    t = sql_type.upper()
    if t.startswith(("TIMESTAMP", "DATE")):
        return Kind.TIMESTAMP
    if t.startswith("INTERVAL"):
        return Kind.DURATION
    if t == "BOOLEAN":
        return Kind.BOOLEAN
    if t.startswith(_NUMERIC_PREFIXES):
        return Kind.NUMBER
    if t.startswith(("VARCHAR", "UUID")):
        return Kind.STRING
    return Kind.ANY
