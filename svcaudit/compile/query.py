"""The aggregate query of an audit, and the names of its result's columns.

Both aggregate strategies (``direct``, ``histogram``) produce an ``AuditQuery`` whose rows,
after its ``fold`` when it has one, have the columns ``columns`` names: the group, the
period (NULL without ``--period``), the row status, rows, merged rows and invalid values, then
``count_column(i, name)`` per standard and count of the registry (``svcaudit.counts``).
A count a standard cannot have may be left out: it is 0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from svcaudit.compile.plan import BRANCH, INVALID, PERIOD, REJECTED, ROWS
from svcaudit.compile.rules import CompiledStandard
from svcaudit.sources.prepare import MERGED

#: the columns before the counts, in every aggregate's result
LEADING = (BRANCH, PERIOD, REJECTED, ROWS, MERGED, INVALID)


def count_column(index: int, name: str) -> str:
    """The result column of count ``name`` of the standard at ``index``."""
    return f"s{index}_{name}"


@dataclass(frozen=True)
class Repeats:
    """Queries over the evaluated rows, run after the aggregate, that count repeated ids.

    Counting distinct ids costs a fraction of the window (a row's rank among the rows of its
    id) that did this before, which partitioned and sorted the whole log: 3x the aggregate's
    time and 5x its memory at 5 M rows. ``bound`` counts distinct 64-bit hashes of the ids
    instead of the ids (8 bytes each rather than the strings: half the memory); since there
    are at most as many distinct hashes as distinct ids, it is an upper bound of the repeats,
    so 0 is exact. Only a log with repeats pays for ``count`` and ``listing``, even for
    building them: each reads the whole typed relation, a large tree on a wide log.
    """

    bound: exp.Select  # one number >= the repeats: rows with an id minus distinct id hashes
    exact: Callable[[], tuple[exp.Select, exp.Select]]  # builds (count, listing)

    @functools.cached_property
    def _exact(self) -> tuple[exp.Select, exp.Select]:
        return self.exact()

    @property
    def count(self) -> exp.Select:
        """One number: rows with an id minus distinct ids."""
        return self._exact[0]

    @property
    def listing(self) -> exp.Select:
        """The most repeated ids and their rows, most first."""
        return self._exact[1]


@dataclass(frozen=True)
class AuditQuery:
    """The single aggregate query of an audit and what its columns mean."""

    sql: str  # DuckDB's text
    standards: tuple[CompiledStandard, ...]
    needed: Mapping[str, str]
    columns: tuple[str, ...]  # the result's columns by name (after ``fold``, if any)
    repeats: Repeats | None = None  # rows repeating an interaction id (None: ids are merged)
    built: exp.Select | Callable[[], exp.Select] | None = None  # the tree, or how to build it
    fold: Callable[[Sequence[Any]], list[tuple[Any, ...]]] | None = None  # see tree

    @property
    def tree(self) -> exp.Select:
        """The query before rendering, for other engines' dialects (built when asked for).

        Its rows have ``columns``, or, with ``fold``, what ``fold`` turns its columns into.
        """
        built = self.built() if callable(self.built) else self.built
        assert built is not None
        return built


__all__ = ["LEADING", "AuditQuery", "Repeats", "count_column"]
