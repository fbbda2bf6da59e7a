"""Prepare steps: what a profile does to the typed rows before they are counted, written as
sqlglot trees with DuckDB's meaning, so every engine runs the same step (Spark through its
dialect). A step may fold several records of one interaction into one, counting the others
as merged (``MERGED`` on the kept row).

Adding a step is one class here; a profile declares it (``Profile.prepare``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from svcaudit.sources.base import REJECT

#: the rows a kept row stands for besides itself (0 without a merging step)
MERGED = "__merged"


class Prepare(ABC):
    """One step over the typed rows (``__reject`` set on bad ones), before counting."""

    @property
    @abstractmethod
    def reads(self) -> Mapping[str, str]:
        """The source columns the step needs, and the type each is read as."""

    @property
    @abstractmethod
    def summary(self) -> str:
        """What the step does, for people (help text, ``inspect``)."""

    @abstractmethod
    def apply(self, rows: exp.Select) -> exp.Select:
        """The rows after the step, with a ``MERGED`` column."""


@dataclass(frozen=True)
class LatestPerKey(Prepare):
    """Several records per interaction: keep the latest one per ``key`` by ``order`` (among
    good rows); the others are counted as merged on the kept row."""

    key: str
    order: str

    @property
    def reads(self) -> Mapping[str, str]:
        """The key as text, the order as an instant."""
        return {self.key: "VARCHAR", self.order: "TIMESTAMPTZ"}

    @property
    def summary(self) -> str:
        """One line."""
        return f"keeps the latest record per {self.key} by {self.order}"

    def apply(self, rows: exp.Select) -> exp.Select:
        """A window per key (and good/rejected), QUALIFY the first by ``order`` descending."""
        key = exp.column(self.key, quoted=True)
        good = exp.column(REJECT).is_(exp.null())
        partition = [key, exp.paren(good.copy())]
        latest = exp.Ordered(this=exp.column(self.order, quoted=True), desc=True, nulls_first=False)
        rank = exp.Window(
            this=exp.RowNumber(), partition_by=partition, order=exp.Order(expressions=[latest])
        )
        size = exp.Window(
            this=exp.Count(this=exp.Star()), partition_by=[p.copy() for p in partition]
        )
        merged = (
            exp.Case()
            .when(
                exp.and_(good.copy(), exp.not_(key.copy().is_(exp.null()))),
                exp.Sub(this=size, expression=exp.Literal.number(1)),
            )
            .else_(exp.Literal.number(0))
        )
        keep = exp.or_(
            exp.not_(good.copy()),
            key.copy().is_(exp.null()),
            exp.EQ(this=rank, expression=exp.Literal.number(1)),
        )
        return (
            exp.select("*", exp.alias_(merged, MERGED))
            .from_(rows.subquery("undeduplicated"))
            .qualify(keep)
        )


__all__ = ["MERGED", "LatestPerKey", "Prepare"]
