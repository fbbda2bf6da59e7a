"""Which column of an export names its interactions (``svcaudit inspect``'s id suggestion),
and, when its values repeat (an event log: a row per update), the column to fold by.

The id is usually a text or integer column whose name ends in id, number or key, with many
distinct values. Coordinates, free text and fractional numbers are never ids, however
distinct their values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.sql import quoted_column

#: rows sampled to judge the columns
SAMPLE = 5_000
#: a column without an id-like name must be at least this distinct to be suggested
NEAR_UNIQUE = 0.98
#: an id-like name needs at least this share of distinct values (caller ids repeat a lot)
NAMED_DISTINCT = 0.05
#: text longer than this on average is free text (a description, a comment)
FREE_TEXT = 40

_ID_END = re.compile(r"(id|number|num|no|nr|key|uuid|guid)$")
_EXACT = {"id", "number", "key", "uniquekey", "ticketid", "callid", "contactid"}
_COORDINATE = re.compile(r"(lat|lon|lng|latitude|longitude|coord|geo|point|xcoord|ycoord)")
_COORDINATE_VALUE = r"^\(?\s*-?\d+\.\d+\s*,\s*-?\d+\.\d+\s*\)?$"
_COUNTER = re.compile(r"(modcount|version|revision|sequence|seq|updatecount)")
_UPDATED = re.compile(r"(updated|modified|lastupdate|changed)")


@dataclass(frozen=True)
class IdSuggestion:
    """The column likely to name the interactions, as seen in a sample."""

    column: str
    rows: int  # sampled rows with a value in it
    distinct: int  # distinct values among them
    latest_by: str | None = None  # when ids repeat: the column a fold would keep the latest by

    @property
    def repeats(self) -> bool:
        """Whether some id has several rows (a row per update?)."""
        return self.distinct < self.rows


def _norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _candidate(name: str, sql_type: str) -> bool:
    plain = sql_type.upper() in (  # text or a whole number: never nested values, fractions
        "VARCHAR", "BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "UINTEGER", "SMALLINT",
    )  # fmt: skip
    return plain and not _COORDINATE.search(_norm(name))


def suggest_id(
    con: duckdb.DuckDBPyConnection, rows: exp.Select, schema: Mapping[str, str]
) -> IdSuggestion | None:
    """The id column of the relation ``rows`` (with ``schema``), judged on a sample: among
    the columns with an id-like name, else among the first others (an export of 150 nested
    columns is not measured whole)."""
    plain = [n for n, t in schema.items() if _candidate(n, t)]
    named = [n for n in plain if _ID_END.search(_norm(n))]
    others = [n for n in plain if n not in named][:MAX_OTHERS]
    found = _best(con, rows, named) if named else None
    if found is None and others:
        found = _best(con, rows, others)
    if found is not None and found.repeats:
        found = IdSuggestion(found.column, found.rows, found.distinct, _latest_by(schema))
    return found


#: columns without an id-like name measured at most
MAX_OTHERS = 40


def _best(
    con: duckdb.DuckDBPyConnection, rows: exp.Select, names: list[str]
) -> IdSuggestion | None:
    sample = rows.limit(SAMPLE).subquery("sample")
    measures: list[exp.Expr] = [exp.Count(this=exp.Star())]
    for n in names:
        col = quoted_column(n)
        text = exp.cast(col.copy(), "VARCHAR")
        pattern = exp.Literal.string(_COORDINATE_VALUE)
        coordinate = exp.RegexpLike(this=text.copy(), expression=pattern)
        one, zero = exp.Literal.number(1), exp.Literal.number(0)
        measures += [
            exp.Count(this=col.copy()),
            exp.Count(this=exp.Distinct(expressions=[col.copy()])),
            exp.Avg(this=exp.Length(this=text.copy())),
            exp.Sum(this=exp.Case().when(coordinate, one).else_(zero)),
        ]
    (found,) = con.execute(exp.select(*measures).from_(sample).sql("duckdb")).fetchall()
    best: tuple[tuple[int, int, int, int], IdSuggestion] | None = None
    for i, n in enumerate(names):
        count, distinct, length, coordinates = found[1 + 4 * i : 5 + 4 * i]
        count, distinct = int(count or 0), int(distinct or 0)
        if not count or (length or 0) > FREE_TEXT or int(coordinates or 0) * 2 > count:
            continue
        named = bool(_ID_END.search(_norm(n)))
        share = distinct / count
        if not ((named and share >= NAMED_DISTINCT) or share >= NEAR_UNIQUE):
            continue
        rank = (int(named), distinct, int(_norm(n) in _EXACT), -i)
        if best is None or rank > best[0]:
            best = (rank, IdSuggestion(n, count, distinct))
    return None if best is None else best[1]


def _latest_by(schema: Mapping[str, str]) -> str | None:
    """A column marking an event log's latest row: an update counter, else an update time."""
    for pattern, kind in ((_COUNTER, Kind.NUMBER), (_UPDATED, Kind.TIMESTAMP)):
        for name, t in schema.items():
            if kind_of_sql_type(t) == kind and pattern.search(_norm(name)):
                return name
    return None


def id_hint(s: IdSuggestion) -> str:
    """One line for ``inspect``."""
    column = f"'{s.column}'" if " " in s.column else s.column
    if not s.repeats:
        return f"id column: {column} ({s.distinct:,} distinct values in {s.rows:,} rows)"
    fold = f"--fold {column}:{s.latest_by}" if s.latest_by else f"--fold {column}:COLUMN"
    return (
        f"id column: {column} ({s.distinct:,} distinct values in {s.rows:,} rows: ids repeat; "
        f"if each row is an update of an interaction, fold them: {fold})"
    )


__all__ = ["IdSuggestion", "id_hint", "suggest_id"]
