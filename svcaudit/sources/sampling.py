"""What a sample of a log's rows says about each column, for ``svcaudit inspect``: which
columns cannot be a branch (coordinates, free text, a value per row, nothing at all).

A branch names a site, a team or a queue: a few names, each shared by many interactions. A
column of map positions (``40.71, -74.00``, ``POINT (-74.00 40.71)``, a latitude), of
sentences, or with a different value in nearly every row is not one, whatever it is called
(``Location`` is a point in a city 311 export).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.sql import lit, quoted_column

#: How many rows the traits are read from (the first ones)
TRAIT_ROWS = 20_000
#: A column with at least this many values, nearly all different, is near-unique
NEAR_UNIQUE_MIN_VALUES = 20
NEAR_UNIQUE_SHARE = 0.9  # distinct values / values
#: Words a value of free text has at least (most values of the column)
FREE_TEXT_WORDS = 6

_NUMBER = r"[-+]?\d{1,3}(\.\d+)?"
#: "40.71, -74.00", "(40.71, -74.00)", "POINT (-74.00 40.71)" (WKT, any case)
COORDINATES = (
    rf"^\s*\(?\s*{_NUMBER}\s*[,;]\s*{_NUMBER}\s*\)?\s*$"
    rf"|^\s*(?i:point)\s*\(\s*{_NUMBER}\s+{_NUMBER}\s*\)\s*$"
)
#: Column names of a latitude or longitude (or x/y on a map)
COORDINATE_NAME = (
    r"(?i)(^|[^a-z])(lat|latitude|lon|lng|long|longitude|x_?coord\w*|y_?coord\w*)([^a-z]|$)"
)


@dataclass(frozen=True)
class Traits:
    """One column in the sample: its values, their distinct count, and the values that look
    like coordinates or like sentences."""

    values: int
    distinct: int
    coordinates: int
    sentences: int

    def why_not_a_branch(self, name: str, kind: Kind) -> str | None:
        """Why the column cannot name a branch, or None when it may."""
        if not self.values:
            return "empty"
        if self.coordinates * 2 >= self.values or (
            kind == Kind.NUMBER and _matches(COORDINATE_NAME, name)
        ):
            return "coordinates"
        if self.sentences * 2 >= self.values:
            return "free text"
        if self.values >= NEAR_UNIQUE_MIN_VALUES and self.distinct >= NEAR_UNIQUE_SHARE * (
            self.values
        ):
            return f"near-unique: {self.distinct:,} values in {self.values:,} rows"
        return None


def lit_number(n: int) -> exp.Expr:
    return exp.Literal.number(n)


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def column_traits(
    con: duckdb.DuckDBPyConnection, relation: exp.Select, schema: Mapping[str, str]
) -> dict[str, Traits]:
    """The traits of every column of ``schema`` over the first ``TRAIT_ROWS`` rows of
    ``relation`` (one query)."""
    if not schema:
        return {}
    probes: list[exp.Expr] = []
    for name in schema:
        text = exp.cast(quoted_column(name), "VARCHAR")
        words = exp.func("len", exp.func("string_split", exp.func("trim", text.copy()), lit(" ")))
        probes += [
            exp.Count(this=quoted_column(name)),
            exp.Count(this=exp.Distinct(expressions=[text.copy()])),
            exp.func("count_if", exp.func("regexp_matches", text.copy(), lit(COORDINATES))),
            exp.func("count_if", exp.GTE(this=words, expression=lit_number(FREE_TEXT_WORDS))),
        ]
    sample = relation.limit(TRAIT_ROWS).subquery("sample")
    row = con.sql(exp.select(*probes).from_(sample).sql("duckdb")).fetchall()[0]
    counts = [int(v or 0) for v in row]
    return {name: Traits(*counts[4 * i : 4 * i + 4]) for i, name in enumerate(schema)}


def unsuitable_branches(
    traits: Mapping[str, Traits], schema: Mapping[str, str]
) -> dict[str, str]:
    """Column -> why it cannot name a branch, for the columns that cannot."""
    found = {}
    for name, t in traits.items():
        why = t.why_not_a_branch(name, kind_of_sql_type(schema[name]))
        if why is not None:
            found[name] = why
    return found


__all__ = ["Traits", "column_traits", "unsuitable_branches"]
