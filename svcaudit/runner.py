"""The engine-neutral runner: an audit's queries on any engine, and what they measured.

An engine (``svcaudit.engines``) only executes SQL in its dialect, streams batches and holds
a temporary result; the runner builds every query from the plan, and tallies counts,
rejected rows and repeated ids the same way whichever engine ran them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from svcaudit.compile import (
    BRANCH,
    MERGED,
    PERIOD,
    REJECTED,
    ROWS,
    AuditQuery,
    Plan,
    aggregate_query,
    count_column,
)
from svcaudit.compile.extra import invalid_rows_query, invalid_values_query
from svcaudit.compile.plan import INVALID, OUTSIDE, REJECTED_ROW
from svcaudit.counts import NAMES, Counts
from svcaudit.errors import Location, SvcauditError
from svcaudit.expressions.types import kind_of_sql_type
from svcaudit.sources.readers import TYPE_WORDS, InvalidValue, Reject
from svcaudit.steps import Progress, Steps, step

if TYPE_CHECKING:
    from svcaudit.engines import Engine

MAX_LISTED_REJECTS = 10_000


@dataclass(frozen=True)
class RawResult:
    """What the engine measured: rows, rejects and counts per branch per standard."""

    rows_evaluated: int
    rows_rejected: int
    rejects: tuple[Reject, ...]
    branches: dict[str | None, tuple[Counts, ...]]
    rows_merged: int = 0  # duplicates of an interaction merged into its latest record
    rows_outside: int = 0  # interactions outside --since/--until
    rows_duplicate: int = 0  # evaluated rows repeating an earlier row's interaction id
    duplicate_ids: tuple[tuple[str, int], ...] = ()  # the most repeated ids, with their rows
    rows_rejected_on_read: int = 0  # of rows_rejected: by a reader, before the relation
    # --period: counts per (branch, period's first day) per standard, from the same scan
    periods: dict[tuple[str | None, str], tuple[Counts, ...]] = field(default_factory=dict)
    invalid_count: int = 0  # invalid values in evaluated rows (missing for their rows)
    invalid_values: tuple[InvalidValue, ...] = ()  # each distinct one with its rows, no line
    # the first evaluated rows holding invalid values, in file order: (file, record, column,
    # raw text) for each of their invalid values (the record's line is the reader's to find)
    invalid_rows: tuple[tuple[str, int, str, str], ...] = ()


@dataclass(frozen=True)
class Tally:
    """The aggregate's rows summed up: counts per branch, and rows by what became of them."""

    branches: dict[str | None, tuple[Counts, ...]]
    evaluated: int
    rejected: int  # rejected in the relation (values that did not convert)
    merged: int
    outside: int
    periods: dict[tuple[str | None, str], tuple[Counts, ...]] = field(default_factory=dict)
    invalid: int = 0  # invalid values in the evaluated rows


def tally_rows(rows: Sequence[Sequence[Any]], columns: Sequence[str], n: int) -> Tally:
    """Rows of the aggregate query (any engine) for ``n`` standards -> a Tally, reading each
    value by its column's name (``AuditQuery.columns``): the group, the period, the status,
    rows, merged, then the counts of the registry per standard (a count not there is 0).
    With periods, a branch's counts are the sum of its periods'."""
    at = {name: i for i, name in enumerate(columns)}
    branch_at, status_at, rows_at, merged_at = (at[c] for c in (BRANCH, REJECTED, ROWS, MERGED))
    period_at = at[PERIOD]
    invalid_at = at.get(INVALID)
    places = [[at.get(count_column(i, name)) for name in NAMES] for i in range(n)]
    branches: dict[str | None, tuple[Counts, ...]] = {}
    periods: dict[tuple[str | None, str], tuple[Counts, ...]] = {}
    evaluated = rejected = merged = outside = invalid = 0
    for row in rows:
        branch, status, count = row[branch_at], int(row[status_at]), int(row[rows_at])
        if status == REJECTED_ROW:
            rejected += count
            continue
        if status == OUTSIDE:
            outside += count
            continue
        evaluated += count
        merged += int(row[merged_at] or 0)
        invalid += int(row[invalid_at] or 0) if invalid_at is not None else 0
        counts = tuple(
            Counts(*(0 if j is None else int(row[j] or 0) for j in where)) for where in places
        )
        period = row[period_at]
        if period is not None:  # str(): an engine may hand back a date
            periods[(branch, str(period))] = counts
        if branch in branches:  # a branch's periods, and its rows with no period (no arrival)
            both = zip(branches[branch], counts, strict=True)
            counts = tuple(Counts.combined(c) for c in both)
        branches[branch] = counts
    return Tally(branches, evaluated, rejected, merged, outside, periods, invalid)


def aggregate_rows(engine: Engine, query: AuditQuery, progress: Progress | None) -> list[Any]:
    """The aggregate's rows on ``engine``, folded when it is a histogram."""
    sql = query.sql if engine.dialect == "duckdb" else engine.render(query.tree)
    if query.fold is not None:  # a histogram: summed into the aggregate's rows
        return query.fold(engine.execute_columns(sql, progress))
    return engine.execute(sql, progress)


def run(engine: Engine, plan: Plan, progress: Steps | None = None) -> RawResult:
    """The aggregate (one scan), then the rows rejected on the way and the repeated ids
    (steps ``auditing`` and ``repeated ids`` of ``progress``)."""
    query = aggregate_query(engine.prepare(plan))
    tally = tally_rows(
        aggregate_rows(engine, query, step(progress, "auditing")),
        query.columns,
        len(query.standards),
    )
    on_read, listed = engine.rejects(query.needed, tally.rejected, MAX_LISTED_REJECTS)
    duplicate, repeated = 0, []
    if query.repeats is not None:

        def number(q: exp.Select) -> int:
            found = engine.execute(engine.render(q), step(progress, "repeated ids"))
            return int(found[0][0] or 0)

        # the hashes' upper bound first: exact when 0, the usual case; else the exact count
        if number(query.repeats.bound) and (duplicate := number(query.repeats.count)):
            listing = engine.render(query.repeats.listing)
            found = engine.execute(listing, step(progress, "repeated ids"))
            repeated = [(str(i), int(c)) for i, c in found]
    invalid = invalid_values(engine, plan) if tally.invalid else ()
    return RawResult(
        invalid_count=tally.invalid,
        invalid_values=invalid,
        invalid_rows=invalid_rows(engine, plan) if tally.invalid else (),
        rows_duplicate=duplicate,
        duplicate_ids=tuple(repeated),
        rows_evaluated=tally.evaluated,
        rows_rejected=on_read + tally.rejected,
        rows_rejected_on_read=on_read,
        rows_merged=tally.merged,
        rows_outside=tally.outside,
        rejects=tuple(listed[:MAX_LISTED_REJECTS]),
        branches=tally.branches,
        periods=tally.periods,
    )


Build = Callable[[Plan], exp.Select]


def invalid_values(engine: Engine, plan: Plan) -> tuple[InvalidValue, ...]:
    """Each distinct invalid value of the evaluated rows, with its file and rows (lines are
    the readers' to find: ``Logs.locate``), in the order of the columns' flags."""
    columns = list(plan.flagged)
    found: dict[tuple[str, str, str], int] = {}
    for file, n, *flags in fetch(engine, plan, invalid_values_query):
        for column, value in zip(columns, flags, strict=True):
            if value is not None:
                key = (str(file), column, str(value))
                found[key] = found.get(key, 0) + int(str(n))
    words = {c: TYPE_WORDS.get(kind_of_sql_type(plan.needed[c]), plan.needed[c]) for c in columns}
    return tuple(
        InvalidValue(file, None, column, value, words[column], rows)
        for (file, column, value), rows in sorted(found.items())
    )


def invalid_rows(engine: Engine, plan: Plan) -> tuple[tuple[str, int, str, str], ...]:
    """The first ``MAX_LISTED_REJECTS`` evaluated rows with an invalid value, in file order:
    (file, record number, column, raw text) per invalid value."""
    columns = list(plan.flagged)
    out: list[tuple[str, int, str, str]] = []
    first = functools.partial(invalid_rows_query, limit=MAX_LISTED_REJECTS)
    for file, record, *flags in fetch(engine, plan, first):
        for column, value in zip(columns, flags, strict=True):
            if value is not None:
                out.append((str(file), int(str(record)), column, str(value)))
    return tuple(out)


def fetch(
    engine: Engine, plan: Plan, build: Build, progress: Progress | None = None
) -> list[tuple[object, ...]]:
    """The rows of the query ``build`` makes of the plan (breaches, distributions)."""
    return engine.execute(engine.render(build(engine.prepare(plan))), progress)


def fetch_each(
    engine: Engine,
    plan: Plan,
    held: Build,
    builds: Sequence[Build],
    progress: Steps | None = None,
) -> Generator[Iterator[list[tuple[object, ...]]], None, None]:
    """The rows of each query of ``builds`` in turn, made over the rows of ``held(plan)``,
    which the engine reads once and holds (``Plan.held``) until the iterator is exhausted
    or closed. Each query's rows come in batches (at least one, the first possibly empty),
    so millions of them are never held at once; read every batch of a query before asking
    for the next query."""
    with hold_rows(engine, plan, held, progress) as on_table:
        yield from fetch_each_on(engine, on_table, builds, progress)


@contextlib.contextmanager
def hold_rows(
    engine: Engine, plan: Plan, held: Build, progress: Steps | None = None
) -> Iterator[Plan]:
    """The rows of ``held(plan)`` read once and held by the engine while in the context: the
    plan over them (``Plan.held``), for queries that must not read the logs again."""
    prepared = engine.prepare(plan)
    holding = engine.hold(engine.render(held(prepared)), step(progress, "reading breaches"))
    with holding as table:
        yield prepared.held(table)


class AuditStoppedError(SvcauditError):
    """The logs were read but there is nothing to score; ``rejects`` are the rows rejected on
    the way, which ``--rejects`` still writes."""

    def __init__(
        self, rejects: Sequence[Reject], message: str, *, location: Location, hint: str
    ) -> None:
        super().__init__(message, location=location, hint=hint)
        self.rejects = tuple(rejects)

    @classmethod
    def nothing_evaluated(cls, raw: RawResult, first_log: str) -> AuditStoppedError:
        """No row could be evaluated: all rejected, all outside the period, or none at all."""
        return cls(
            raw.rejects,
            "no interaction could be evaluated"
            + (f": all {raw.rows_rejected} rows were rejected" if raw.rows_rejected else "")
            + (
                f"; {raw.rows_outside:,} row(s) arrived outside --since/--until"
                if raw.rows_outside
                else ""
            ),
            location=Location(first_log),
            hint=raw.rejects[0].reason
            if raw.rejects
            else "widen --since/--until"
            if raw.rows_outside
            else "the log has a header but no rows",
        )
def fetch_each_on(
    engine: Engine, on_table: Plan, builds: Sequence[Build], progress: Steps | None = None
) -> Generator[Iterator[list[tuple[object, ...]]], None, None]:
    """``fetch_each`` over rows held already (``hold_rows``)."""
    for i, build in enumerate(builds, 1):
        label = f"breaches {i}/{len(builds)}"
        yield engine.batches(engine.render(build(on_table)), progress, label)


__all__ = [
    "MAX_LISTED_REJECTS",
    "AuditStoppedError",
    "RawResult",
    "Tally",
    "fetch",
    "fetch_each",
    "fetch_each_on",
    "hold_rows",
    "run",
    "tally_rows",
]
