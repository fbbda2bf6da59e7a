"""What reports show beside the rates: the interactions behind a standard's failures, and
how its measured values spread around its limit. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from svcaudit.units import format_duration


@dataclass(frozen=True)
class Breaches:
    """The interactions behind a standard's failures, worst first."""

    standard_id: str
    title: str
    limit: str
    measure_is_duration: bool
    columns: tuple[str, ...]  # the columns the standard reads, shown beside each interaction
    rows: tuple[tuple[Any, ...], ...]  # branch, id, value, then one value per column
    files: tuple[str | None, ...] = ()  # the log file of each row (same order as rows)
    lines: tuple[int | None, ...] = ()  # the line each row starts on (CSV, TSV, JSON Lines)
    durations: tuple[str, ...] = ()  # columns holding durations (ms), shown as 3m20s

    def cells(self, row: tuple[Any, ...]) -> list[str]:
        """A row's column values as people read them (durations as 3m20s), after branch, id
        and value."""
        out = []
        for column, value in zip(self.columns, row[3:], strict=True):
            if value is None:
                out.append("")
            elif column in self.durations and isinstance(value, int | float):
                out.append(format_duration(float(value)))
            else:
                out.append(str(value))
        return out


#: A measure's distribution is counted in buckets of a fifth of its limit, from 0 to three
#: times the limit: the limit falls on a bucket edge. Bucket -1 holds values below 0 and
#: bucket ``BUCKETS`` everything beyond three times the limit.
BUCKETS = 15
BUCKETS_PER_LIMIT = 5


@dataclass(frozen=True)
class Distribution:
    """How one standard's measured values spread around its limit (in-scope, measured)."""

    standard_id: str
    limit: float  # in the measure's units (milliseconds for durations)
    at_most: bool
    measure_is_duration: bool
    counts: tuple[int, ...]  # bucket -1, 0, ..., BUCKETS: BUCKETS + 2 counts

    @property
    def width(self) -> float:
        """The width of one bucket, in the measure's units."""
        return self.limit / BUCKETS_PER_LIMIT

    @property
    def total(self) -> int:
        """Measured in-scope interactions counted."""
        return sum(self.counts)

    def bucket_edges(self, index: int) -> tuple[float | None, float | None]:
        """The edges of bucket ``index`` (-1 .. BUCKETS); None is unbounded.

        With ``at_most`` a bucket holds (low, high], with ``at_least`` [low, high), so the
        limit is always the edge between passing and failing buckets.
        """
        low = None if index < 0 else index * self.width
        high = None if index >= BUCKETS else (index + 1) * self.width
        return low, high


__all__ = ["BUCKETS", "BUCKETS_PER_LIMIT", "Breaches", "Distribution"]
