"""Control charts of a rate by period (statistical process control). Pure: no I/O.

A standard's rate is the share of interactions that met it, so a higher rate is better: a
signal above the centre line (or rising) is an *improvement*, below it (or falling) a
*concern*.

- **p chart** (Montgomery, *Introduction to Statistical Quality Control*, ch. 7; qcc's
  ``type = "p"``): the centre line is the baseline's pooled rate
  ``pbar = sum(x) / sum(n)``, the limits ``pbar ± 3 sqrt(pbar(1-pbar)/n_i)`` at each
  period's ``n_i`` (clipped to [0, 1]).
- **p' chart** (D. B. Laney, "Improved control charts for attributes", *Quality
  Engineering* 14 (2002) 531-537): with large samples the binomial limits are so tight that
  ordinary period-to-period variation falls outside them. Laney standardises each baseline
  period, ``z_i = (p_i - pbar) / s_i`` with ``s_i = sqrt(pbar(1-pbar)/n_i)``, takes
  ``sigma_z = mean(MR) / 1.128`` (the average moving range of the z's over d2 for two
  points), and widens the limits to ``pbar ± 3 s_i sigma_z``. ``chart: auto`` (the
  default) uses it when the baseline is over-dispersed: Spiegelhalter's ``phi``
  (``consistency.dispersion``) above 1 with its test of binomial variation rejecting at 5 %.
- **Baseline**: the limits are fixed from the first ``BASELINE_PERIODS`` judged periods (12:
  NHSRplotthedots' default, "Number of points required": fewer give only *trial* limits),
  or from the periods of an explicit ``since``/``until``; a *rebase* date starts a new
  segment with its own baseline (its first ``BASELINE_PERIODS`` judged periods).
- **Signals**, NHS England / NHS Improvement, *Making Data Count: Strengthening your
  decisions* (2019), as NHSRplotthedots implements them (``ptd_calculate_point_type.R``):
  ``beyond-limit``, a point outside the 3-sigma limits; ``shift``, ``SHIFT`` (7) or more
  consecutive points on one side of the centre line (a point on the line breaks the run);
  ``trend``, ``TREND`` (7) or more consecutive points each higher (or each lower) than the
  one before (a tie breaks it); ``two-of-three``, two of three consecutive points beyond the
  2-sigma line on one side, all three on that side. One difference from NHSRplotthedots: here
  a point beyond the 3-sigma limit also counts as near it (that package counts only points
  between the 2- and 3-sigma lines, leaving such a point to ``beyond-limit`` alone).

A period with fewer than ``min_interactions`` (or none) is shown but not judged: it takes no
part in the baseline or any signal, and the runs skip it (its neighbours are consecutive).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from svcaudit.consistency import dispersion

BASELINE_PERIODS = 12  # NHSRplotthedots' default fix (vignette "Number of points required")
SHIFT = 7  # Making Data Count: a run of 7 or more points on one side of the mean
TREND = 7  # Making Data Count: 7 or more points consecutively increasing or decreasing
D2 = 1.128  # d2 for moving ranges of two points (Laney's sigma_z = mean(MR) / d2)
ALPHA_OVERDISPERSED = 0.05  # chart: auto picks p' when phi's test rejects at this level


class Chart(StrEnum):
    """Which limits a control chart draws (``spc: {chart: ...}``)."""

    AUTO = "auto"  # p' when the baseline is over-dispersed, else p
    P = "p"
    P_PRIME = "p-prime"


class Rule(StrEnum):
    """The Making Data Count rules for special-cause variation."""

    BEYOND_LIMIT = "beyond-limit"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two-of-three"


@dataclass(frozen=True, slots=True)
class Point:
    """One period of a chart: its counts, rate, and the centre line and limits there."""

    period: str
    passed: int
    n: int
    rate: float | None
    judged: bool  # at least min_interactions: part of the baseline and the signals
    centre: float | None = None
    low: float | None = None  # 3-sigma limits
    high: float | None = None
    low2: float | None = None  # 2-sigma lines (the two-of-three rule)
    high2: float | None = None
    baseline: bool = False  # one of the periods the centre line and limits come from


@dataclass(frozen=True, slots=True)
class Signal:
    """Special-cause variation: which rule, improvement or concern, from which period to
    which (indexes into the chart's points, inclusive)."""

    rule: Rule
    concern: bool
    first: int
    last: int


@dataclass(frozen=True)
class ControlChart:
    """A rate's control chart over periods."""

    points: tuple[Point, ...]
    chart: Chart  # P or P_PRIME, as drawn
    sigma_z: float  # Laney's sigma_z of the (last) baseline; 1 on a p chart
    phi: float  # over-dispersion of the baseline periods (1: binomial)
    phi_p: float | None  # the test of phi = 1
    signals: tuple[Signal, ...]
    too_few: bool = False  # fewer judged periods than a baseline needs: trial limits

    @property
    def latest(self) -> int | None:
        """The index of the latest judged period."""
        judged = [i for i, p in enumerate(self.points) if p.judged]
        return judged[-1] if judged else None

    def latest_concerns(self) -> tuple[Signal, ...]:
        """Concern signals that reach the latest judged period."""
        return tuple(s for s in self.signals if s.concern and s.last == self.latest)

    def assurance(self, target: float) -> str | None:
        """Where the target lies against the latest judged period's limits: ``inside``
        (the process will sometimes meet it and sometimes not), ``above`` (it will not
        meet it without a change) or ``below`` (it will meet it)."""
        at = self.latest
        if at is None:
            return None
        p = self.points[at]
        if p.low is None or p.high is None:
            return None
        if target > p.high:
            return "above"
        if target < p.low:
            return "below"
        return "inside"


def control_chart(
    periods: Sequence[str],
    counts: Sequence[tuple[int, int]],
    *,
    min_interactions: int = 1,
    chart: Chart = Chart.AUTO,
    baseline: tuple[int, int] | None = None,
    rebase: Sequence[int] = (),
) -> ControlChart:
    """The control chart of ``counts`` (passed, n) per period.

    ``baseline``: the indexes [first, last] of the periods the first segment's limits come
    from (default: its first ``BASELINE_PERIODS`` judged periods). ``rebase``: indexes where
    a new segment, with a baseline of its own, starts.
    """
    judged = [n >= max(1, min_interactions) for _, n in counts]
    cuts = [*sorted({0, *(i for i in rebase if 0 < i < len(counts))}), len(counts)]
    points: list[Point] = []
    sigma_z, phi, phi_p, kind, short = 1.0, 1.0, None, Chart.P, False
    for seg, (start, end) in enumerate(itertools.pairwise(cuts)):
        idx = [i for i in range(start, end) if judged[i]]
        if seg == 0 and baseline is not None:
            base = [i for i in idx if baseline[0] <= i <= baseline[1]]
        else:
            base = idx[:BASELINE_PERIODS]
        short = short or len(base) < BASELINE_PERIODS
        limits = _segment(counts, base, chart)
        if limits is not None:
            _, sigma_z, phi, phi_p, kind = limits
        chosen = set(base)
        for i in range(start, end):
            points.append(_point(periods[i], counts[i], judged[i], i in chosen, limits))
    signals = _signals(points, cuts)
    return ControlChart(tuple(points), kind, sigma_z, phi, phi_p, tuple(signals), short)


_Limits = tuple[float, float, float, float | None, Chart]  # pbar, sigma_z, phi, its p, chart


def _segment(counts: Sequence[tuple[int, int]], base: list[int], chart: Chart) -> _Limits | None:
    """The centre line and the limits' widening of one segment, from its baseline."""
    x = sum(counts[i][0] for i in base)
    n = sum(counts[i][1] for i in base)
    if n == 0:
        return None
    p = x / n
    disp = dispersion(p, [counts[i] for i in base])
    sigma_z = laney_sigma_z(p, [counts[i] for i in base])
    over = disp.phi > 1 and disp.p_value is not None and disp.p_value < ALPHA_OVERDISPERSED
    kind = chart if chart != Chart.AUTO else (Chart.P_PRIME if over else Chart.P)
    return p, sigma_z if kind == Chart.P_PRIME else 1.0, disp.phi, disp.p_value, kind


def laney_sigma_z(p: float, counts: Sequence[tuple[int, int]]) -> float:
    """Laney's sigma_z: the average moving range of the periods' z-scores over d2 (1 when it
    cannot be estimated: fewer than two periods, or pbar at 0 or 1)."""
    if len(counts) < 2 or p <= 0 or p >= 1:
        return 1.0
    z = [(x / n - p) / math.sqrt(p * (1 - p) / n) for x, n in counts]
    ranges = [abs(b - a) for a, b in itertools.pairwise(z)]
    return sum(ranges) / len(ranges) / D2


def _point(
    period: str, count: tuple[int, int], judged: bool, base: bool, limits: _Limits | None
) -> Point:
    x, n = count
    rate = x / n if n else None
    if limits is None or n == 0:
        return Point(period, x, n, rate, judged, baseline=base)
    p, sigma_z = limits[0], limits[1]
    sd = math.sqrt(p * (1 - p) / n) * sigma_z
    return Point(
        period,
        x,
        n,
        rate,
        judged,
        centre=p,
        low=max(0.0, p - 3 * sd),
        high=min(1.0, p + 3 * sd),
        low2=max(0.0, p - 2 * sd),
        high2=min(1.0, p + 2 * sd),
        baseline=base,
    )


def _signals(points: Sequence[Point], cuts: Sequence[int]) -> list[Signal]:
    """Every rule's signals, segment by segment, over the judged points with limits."""
    out: list[Signal] = []
    for start, end in itertools.pairwise(cuts):
        idx = [i for i in range(start, end) if points[i].judged and points[i].centre is not None]
        out += _beyond(points, idx)
        out += _shifts(points, idx)
        out += _trends(points, idx)
        out += _two_of_three(points, idx)
    return sorted(out, key=lambda s: (s.first, s.last, s.rule))


def _side(p: Point) -> int:
    assert p.rate is not None and p.centre is not None
    return (p.rate > p.centre) - (p.rate < p.centre)


def _beyond(points: Sequence[Point], idx: list[int]) -> list[Signal]:
    out = []
    for i in idx:
        p = points[i]
        assert p.rate is not None and p.low is not None and p.high is not None
        if p.rate > p.high or p.rate < p.low:
            out.append(Signal(Rule.BEYOND_LIMIT, p.rate < p.low, i, i))
    return out


def _runs(keys: list[int], idx: list[int], length: int, rule: Rule) -> list[Signal]:
    """Maximal runs of at least ``length`` equal non-zero keys (one per index in ``idx``);
    a key of -1 is a concern."""
    out, j = [], 0
    while j < len(keys):
        k = j
        while k + 1 < len(keys) and keys[k + 1] == keys[j]:
            k += 1
        if keys[j] != 0 and k - j + 1 >= length:
            out.append(Signal(rule, keys[j] < 0, idx[j], idx[k]))
        j = k + 1
    return out


def _shifts(points: Sequence[Point], idx: list[int]) -> list[Signal]:
    return _runs([_side(points[i]) for i in idx], idx, SHIFT, Rule.SHIFT)


def _trends(points: Sequence[Point], idx: list[int]) -> list[Signal]:
    """Runs of TREND points each above (below) the one before: TREND - 1 equal steps."""
    rates = [points[i].rate for i in idx]
    steps = [(b > a) - (b < a) for a, b in itertools.pairwise(rates)]  # type: ignore[operator]
    found = _runs(steps, idx[1:], TREND - 1, Rule.TREND)
    # a run of steps from idx[j+1]..idx[k] starts at the point before its first step
    return [Signal(s.rule, s.concern, idx[idx.index(s.first) - 1], s.last) for s in found]


def _two_of_three(points: Sequence[Point], idx: list[int]) -> list[Signal]:
    """Two of three consecutive points beyond the 2-sigma line, all three on one side;
    overlapping windows on one side make one signal."""
    out: list[Signal] = []
    for w in range(len(idx) - 2):
        window = [points[i] for i in idx[w : w + 3]]
        sides = {_side(p) for p in window}
        if len(sides) != 1 or 0 in sides:
            continue
        side = sides.pop()
        near = [
            i
            for i, p in zip(idx[w : w + 3], window, strict=True)
            if (p.rate > p.high2 if side > 0 else p.rate < p.low2)  # type: ignore[operator]
        ]
        if len(near) < 2:
            continue
        concern = side < 0
        if out and out[-1].concern == concern and out[-1].last >= near[0]:
            out[-1] = Signal(Rule.TWO_OF_THREE, concern, out[-1].first, near[-1])
        else:
            out.append(Signal(Rule.TWO_OF_THREE, concern, near[0], near[-1]))
    return out


__all__ = [
    "BASELINE_PERIODS",
    "SHIFT",
    "TREND",
    "Chart",
    "ControlChart",
    "Point",
    "Rule",
    "Signal",
    "control_chart",
    "laney_sigma_z",
]
