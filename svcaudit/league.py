"""Branch scores and league tables: the figures of checklists and weighted standards.

Frozen values only; ``svcaudit.checklists`` works them out and the reports show them. A
branch's place in the league comes with its interval and its position against the chain
(``consistency.Position``), so a branch is called worse only when the data say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from svcaudit.consistency import Position
from svcaudit.distributions import norm_ppf


@dataclass(frozen=True)
class BranchScore:
    """One branch in a league table."""

    branch: str
    score: float | None  # mean visit score (checklists) or weighted rate (standards)
    ci_low: float | None
    ci_high: float | None
    visits: int  # visits scored (checklists) or interactions in scope (standards)
    position: Position = Position.TOO_FEW
    rating: str | None = None  # the highest band the score reaches
    critical_failed: int = 0  # visits with a failed critical item
    sections: tuple[float | None, ...] = ()  # the weighted score of each section, in order

    @property
    def critical_fail_rate(self) -> float | None:
        """Share of the branch's visits with a failed critical item."""
        return self.critical_failed / self.visits if self.visits else None


@dataclass(frozen=True)
class League:
    """Branches ordered by score (best first; no data last), with the chain's figures."""

    title: str
    method: str  # how the score and its interval are worked out, in a sentence
    chain: BranchScore  # the whole chain as one row
    branches: tuple[BranchScore, ...]
    bands: tuple[tuple[str, float], ...] = ()  # (name, lowest score), highest first
    sections: tuple[tuple[str, str], ...] = ()  # (id, title) of the sections, in order

    @property
    def below(self) -> tuple[str, ...]:
        """Branches whose score is below the chain's beyond chance."""
        return tuple(b.branch for b in self.branches if b.position.is_low)


@dataclass(frozen=True)
class InvalidAnswer:
    """An answer cell whose word is none of its item's answer words."""

    cell: str  # visits.xlsx[Sheet1]!D14, or visits.csv:14, column 4 (room-clean)
    item: str
    text: str


@dataclass(frozen=True)
class ItemInfo:
    """A checklist item as the reports describe it (its figures are a standard's)."""

    id: str
    section: str
    weight: float
    critical: bool
    column: str


@dataclass(frozen=True)
class VisitScore:
    """One visit's scores."""

    visit: str
    branch: str
    date: str | None
    visitor: str | None
    channel: str | None
    score: float | None  # None: nothing assessed
    critical_failed: bool
    sections: tuple[float | None, ...]
    line: str  # where the visit's row is


@dataclass(frozen=True)
class ChecklistResult:
    """A checklist over its sheets: items, sections, visits and the league of branches."""

    id: str
    title: str
    path: str  # the standards file
    sheets: tuple[str, ...]
    items: tuple[ItemInfo, ...]
    league: League
    visits: tuple[VisitScore, ...]
    answers: int  # answer cells read
    not_assessed: int  # blank cells
    not_applicable: int
    invalid: int
    invalid_answers: tuple[InvalidAnswer, ...]  # the first ones, with their cells
    broken_rows: tuple[str, ...] = ()  # rows of a CSV sheet that could not be read
    critical_fails_visit: bool = False
    repeated_visits: tuple[tuple[str, int], ...] = ()  # visit ids on more than one row (kept)
    branch_column: str = "branch"  # the sheet's columns of the branch and the visitor
    visitor_column: str | None = None


def rating(score: float | None, bands: Sequence[tuple[str, float]]) -> str | None:
    """The highest band whose lowest score ``score`` reaches (bands highest first)."""
    if score is None:
        return None
    for name, lowest in bands:
        if score >= lowest - 1e-12:
            return name
    return None


def _z(share: float) -> float:
    return norm_ppf(1 - (1 - share) / 2)


def _position(value: float, centre: float, se: float, limits: tuple[float, float]) -> Position:
    """Where ``value`` sits against ``centre`` ± z·se at the inner and outer limit."""
    inner, outer = (_z(q) * se for q in limits)
    if value < centre - outer - 1e-12:
        return Position.ALARM_LOW
    if value < centre - inner - 1e-12:
        return Position.ALERT_LOW
    if value > centre + outer + 1e-12:
        return Position.ALARM_HIGH
    if value > centre + inner + 1e-12:
        return Position.ALERT_HIGH
    return Position.WITHIN


VISIT_METHOD = (
    "mean visit score with a Student t interval at 95%; a branch is marked below or above the "
    "chain when its mean is outside the chain mean ± z·sd/√visits (a funnel plot for means, "
    "sd of all visit scores) at the consistency limits"
)


def mean_interval(scores: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Mean of ``scores`` with its Student t interval at 95% (none for fewer than 2)."""
    n = len(scores)
    if n == 0:
        return None, None, None
    mean = float(scores.mean())
    if n < 2:
        return mean, None, None
    from scipy.special import stdtrit  # noqa: PLC0415 (loaded when a checklist is scored)

    half = float(stdtrit(n - 1, 0.975)) * float(scores.std(ddof=1)) / math.sqrt(n)
    return mean, max(0.0, mean - half), min(1.0, mean + half)


def order(branches: Sequence[BranchScore]) -> tuple[BranchScore, ...]:
    """Best score first, then the larger sample; branches without a score last."""
    return tuple(
        sorted(branches, key=lambda b: (b.score is None, -(b.score or 0.0), -b.visits, b.branch))
    )


def visit_positions(
    scores: Sequence[np.ndarray], limits: tuple[float, float], min_visits: int
) -> list[Position]:
    """Each branch's mean visit score (its array of scores) against the chain's funnel."""
    every = np.concatenate(list(scores)) if scores else np.array([])
    if len(every) < 2:
        return [Position.TOO_FEW for _ in scores]
    centre, sd = float(every.mean()), float(every.std(ddof=1))
    out = []
    for s in scores:
        if len(s) < min_visits:
            out.append(Position.TOO_FEW)
        else:
            out.append(_position(float(s.mean()), centre, sd / math.sqrt(len(s)), limits))
    return out


WEIGHTED_METHOD = (
    "weighted mean of the standards' compliance rates (weight:) over those with data in the "
    "branch; interval ± 1.96·se with se² = Σ w²·p(1-p)/n / (Σ w)² (normal approximation, "
    "standards taken as independent); a branch is marked below or above the chain when its "
    "score is outside the chain's score ± z·se at the chain's rates (a funnel plot)"
)


@dataclass(frozen=True)
class WeightedRate:
    """One standard's rate in one branch (or the chain), for a weighted score."""

    weight: float
    rate: float
    n: int
    chain_rate: float


def weighted_score(
    branch: str, rates: Sequence[WeightedRate], limits: tuple[float, float] | None, judged: bool
) -> BranchScore:
    """A branch's weighted score, its interval and (``limits``) its place against the chain."""
    if not rates:
        return BranchScore(branch, None, None, None, 0)
    w = np.array([r.weight for r in rates])
    p = np.array([r.rate for r in rates])
    n = np.array([r.n for r in rates], dtype=float)
    p0 = np.array([r.chain_rate for r in rates])
    total = float(w.sum())
    value = float((w * p).sum()) / total
    se = math.sqrt(float((w * w * p * (1 - p) / n).sum())) / total
    centre = float((w * p0).sum()) / total
    null_se = math.sqrt(float((w * w * p0 * (1 - p0) / n).sum())) / total
    position = Position.TOO_FEW
    if limits is not None and judged:
        position = (
            _position(value, centre, null_se, limits) if null_se > 0 else _exact(value, centre)
        )
    low, high = max(0.0, value - 1.96 * se), min(1.0, value + 1.96 * se)
    return BranchScore(branch, value, low, high, int(n.sum()), position)


def _exact(value: float, centre: float) -> Position:
    """With no variance (every rate 0 or 1 in the chain), any difference is beyond chance."""
    if abs(value - centre) < 1e-12:
        return Position.WITHIN
    return Position.ALARM_LOW if value < centre else Position.ALARM_HIGH
