"""The registry of named counts: what the aggregate counts per branch and standard.

Every count is the number of a standard's in-scope rows for which one *fact* holds (or of
all its in-scope rows, for ``in_scope``). Facts are per-row tests the compiler derives from
a standard (``svcaudit.compile.facts``); each aggregate strategy evaluates them its own way
(``sum(CASE ...)`` straight over the rows, or bins and bits of a histogram), and every
engine, the scoring and the reports read the results by name. A count whose fact no
standard provides is 0 for it, with no SQL at all.

Adding a count is one entry of ``COUNTS`` (plus its tests): the queries, the decoding of
their rows, the scorecard's rates and the JSON report pick it up by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


def _total(values: Iterable[int]) -> int:
    return sum(values)


@dataclass(frozen=True)
class Count:
    """One named count: the fact a row contributes to it, and how branches combine."""

    name: str
    fact: str | None  # the row test counted within the scope; None: the scope itself
    doc: str
    combine: Callable[[Iterable[int]], int] = _total  # branches -> the chain


COUNTS: tuple[Count, ...] = (
    Count("in_scope", None, "interactions the standard applies to (its `when:`)"),
    Count("passed", "passed", "in scope, measured, and within the limit (or the check held)"),
    Count(
        "unmeasured",
        "unmeasured",
        "in scope with no value to judge: missing, invalid or implausible",
    ),
    Count(
        "implausible",
        "implausible",
        "of the unmeasured: a duration that cannot be (negative, or absurdly long)",
    ),
    Count(
        "invalid",
        "invalid",
        "of the unmeasured: the measure or check read a value that could not be typed",
    ),
)

NAMES: tuple[str, ...] = tuple(c.name for c in COUNTS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}


def _check_registry() -> None:
    if len(set(NAMES)) != len(NAMES):
        raise ValueError(f"duplicate count names in {NAMES}")
    if NAMES[:3] != ("in_scope", "passed", "unmeasured"):  # what scoring computes rates from
        raise ValueError("the first counts must be in_scope, passed, unmeasured")


_check_registry()


class Counts(tuple[int, ...]):
    """One standard's counts in one branch, a value per entry of ``COUNTS``, in its order.

    ``Counts(10, 6, 2)`` or ``Counts(in_scope=10, passed=6, unmeasured=2)``: counts not
    given are 0.
    """

    __slots__ = ()

    def __new__(cls, *values: int, **named: int) -> Counts:
        """Counts by position (registry order) and by name; the others are 0."""
        if len(values) > len(COUNTS):
            raise TypeError(f"{len(values)} counts given; the registry has {len(COUNTS)}")
        full = [*values, *([0] * (len(COUNTS) - len(values)))]
        for name, value in named.items():
            if name not in INDEX:
                raise TypeError(f"no count named {name!r} (counts: {', '.join(NAMES)})")
            full[INDEX[name]] = value
        return super().__new__(cls, full)

    @property
    def in_scope(self) -> int:
        """Interactions the standard applies to."""
        return self[0]

    @property
    def passed(self) -> int:
        """In-scope interactions that complied."""
        return self[1]

    @property
    def unmeasured(self) -> int:
        """In-scope interactions with no value to judge."""
        return self[2]

    def get(self, name: str) -> int:
        """The count called ``name``."""
        return self[INDEX[name]]

    @classmethod
    def combined(cls, many: Sequence[Counts]) -> Counts:
        """The counts of several branches together, each combined as its entry says."""
        return cls(*(c.combine(row[i] for row in many) for i, c in enumerate(COUNTS)))


__all__ = ["COUNTS", "INDEX", "NAMES", "Count", "Counts"]
