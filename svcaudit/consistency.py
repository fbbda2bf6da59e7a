"""Branch consistency: is a branch's rate different from the chain's beyond chance?

Pure statistics on small tables (no I/O), following Spiegelhalter, "Funnel plots for comparing
institutional performance", Statistics in Medicine 24 (2005) 1185-1202:

- **Funnel-plot control limits** around the chain rate ``p0`` at a branch's sample size ``n``,
  from the exact binomial distribution with Spiegelhalter's interpolation (his appendix A.1.1):
  ``r_p`` is the smallest count with ``P(R <= r_p) >= p`` and the limit is
  ``(r_p - a) / n`` with ``a = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1))``.
  A branch outside the inner limit (95 %) is an *alert*, outside the outer one (99.8 %) an
  *alarm*; the low side and the high side are reported apart, and only the low side breaches.
- **Over-dispersion** (section 5): ``phi`` is the mean squared z-score of the branches
  (winsorised at the 10th and 90th percentiles). When branches vary more than binomial noise
  allows, limits can be widened multiplicatively (``sqrt(phi)``) or by an additive
  random-effects variance ``tau2`` (DerSimonian-Laird). The default is **none**: an audit asks
  whether branches deliver the *same* service, so extra variation between branches is the
  finding, not a nuisance to explain away; the report always gives ``phi`` and its test so a
  quality lead can see when the limits are tight because the chain is heterogeneous.
- **Chi-square test of homogeneity** over the judged branches (pass/fail by branch), and the
  **spread**: best minus worst judged branch rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from svcaudit.distributions import binom_cdf, chi2_contingency_p, chi2_sf, norm_ppf
from svcaudit.standards.model import Overdispersion


class Position(StrEnum):
    """Where a branch sits against the funnel limits."""

    WITHIN = "within"
    ALERT_LOW = "alert-low"
    ALARM_LOW = "alarm-low"
    ALERT_HIGH = "alert-high"
    ALARM_HIGH = "alarm-high"
    TOO_FEW = "too-few"

    @property
    def summary(self) -> str:
        """The design's coarse label: within | alert | alarm | too-few."""
        return self.value.split("-")[0] if self.value != "too-few" else "too-few"

    @property
    def is_low(self) -> bool:
        """Below the chain beyond chance (the only side that can breach)."""
        return self in (Position.ALERT_LOW, Position.ALARM_LOW)


class Limits(NamedTuple):
    """Lower and upper funnel limits at one sample size, for the inner and outer level."""

    inner_low: float
    inner_high: float
    outer_low: float
    outer_high: float


def binomial_limits(p: float, ns: Sequence[int], p0: float) -> list[float]:
    """Spiegelhalter's interpolated exact binomial limits at many sample sizes at once.

    For each n: the ``p`` quantile of R/n with R ~ Bin(n, p0), interpolated between counts
    (appendix A.1.1): ``(r_p - a) / n``, ``a = (P(R<=r_p) - p) / (P(R<=r_p) - P(R<=r_p-1))``.
    """
    return [float(x) for x in _limits_grid([p], ns, p0)[0]]


def _limits_grid(ps: Sequence[float], ns: Sequence[int], p0: float) -> np.ndarray:
    """``binomial_limits`` for every level in ``ps`` (rows) at every n (columns).

    ``r_p``, the smallest count with ``P(R <= r_p) >= p``, is found from the normal
    approximation by stepping with the exact CDF (a step or two; a third of the time of
    scipy's quantile, which also searches, and the two CDF values are the ones the
    interpolation needs). All levels in one array: a few large CDF calls per standard.
    """
    n = np.broadcast_to(np.asarray(ns, dtype=float), (len(ps), len(ns))).copy()
    if (n <= 0).any():
        raise ValueError("n must be positive")
    if p0 <= 0.0 or p0 >= 1.0:
        return np.full(n.shape, 0.0 if p0 <= 0.0 else 1.0)
    p = np.asarray(ps, dtype=float)[:, None] * np.ones_like(n)
    z = np.asarray([norm_ppf(q) for q in ps])[:, None]
    r = np.clip(np.floor(n * p0 + z * np.sqrt(n * p0 * (1 - p0))), 0, n)
    n, p, r = n.ravel(), p.ravel(), r.ravel()
    upper = binom_cdf(r, n, p0)  # P(R <= r)
    while (low := np.flatnonzero(upper < p)).size:  # too low: step up
        r[low] += 1
        upper[low] = binom_cdf(r[low], n[low], p0)
    lower = binom_cdf(r - 1, n, p0)  # P(R <= r - 1): 0 at r = 0
    while (high := np.flatnonzero(lower >= p)).size:  # r - 1 would do: step down
        r[high] -= 1
        upper[high] = lower[high]
        lower[high] = binom_cdf(r[high] - 1, n[high], p0)
    gap = upper - lower
    a = np.where(gap > 0, (upper - p) / np.where(gap > 0, gap, 1.0), 0.0)
    limits: np.ndarray = np.clip((r - a) / n, 0.0, 1.0).reshape(len(ps), len(ns))
    return limits


def binomial_limit(p: float, n: int, p0: float) -> float:
    """One interpolated exact binomial limit (see ``binomial_limits``)."""
    return binomial_limits(p, [n], p0)[0]


def funnel_limits_many(
    ns: Sequence[int],
    p0: float,
    levels: tuple[float, float] = (0.95, 0.998),
    *,
    method: Overdispersion = Overdispersion.NONE,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> list[Limits]:
    """Limits at each sample size around ``p0``: exact binomial, or widened for over-dispersion.

    Widened limits use the normal approximation, as in Spiegelhalter (2005) section 5.
    """
    inner, outer = levels
    if method == Overdispersion.NONE or (method == Overdispersion.MULTIPLICATIVE and phi <= 1):
        levels_at = ((1 - inner) / 2, 1 - (1 - inner) / 2, (1 - outer) / 2, 1 - (1 - outer) / 2)
        columns = _limits_grid(levels_at, ns, p0).tolist()
        found = [Limits(*values) for values in zip(*columns, strict=True)]
    else:
        found = _widened(ns, p0, inner, outer, method=method, phi=phi, tau2=tau2)
    return [_uncrossable(lim, n, p0, levels) for lim, n in zip(found, ns, strict=True)]


def _uncrossable(limits: Limits, n: int, p0: float, levels: tuple[float, float]) -> Limits:
    """A side no result at ``n`` can cross beyond chance is moved to 0 % or 100 %.

    Even the most extreme result, all ``n`` passed, has probability ``p0 ** n`` under the
    chain rate (none passed: ``(1 - p0) ** n``). When that is not below the tail a limit
    leaves outside (``(1 - level) / 2``), no result is improbable on that side: 41 of 41
    against a 99.95 % chain happens 98 % of the time. The interpolated limit still sits a
    hair under 100 % there (Spiegelhalter's interpolation between counts), so without this
    every branch at 100 % would be "better beyond chance"; at 0 % / 100 % none is.
    """
    if not 0.0 < p0 < 1.0:
        return limits
    inner, outer = ((1 - level) / 2 for level in levels)
    top, bottom = p0**n, (1 - p0) ** n  # P(R = n), P(R = 0)
    return Limits(
        0.0 if bottom >= inner else limits.inner_low,
        1.0 if top >= inner else limits.inner_high,
        0.0 if bottom >= outer else limits.outer_low,
        1.0 if top >= outer else limits.outer_high,
    )


def _widened(
    ns: Sequence[int],
    p0: float,
    inner: float,
    outer: float,
    *,
    method: Overdispersion,
    phi: float,
    tau2: float,
) -> list[Limits]:
    """Limits widened for over-dispersion, by the normal approximation (section 5)."""
    zi, zo = norm_ppf(1 - (1 - inner) / 2), norm_ppf(1 - (1 - outer) / 2)
    out = []
    for n in ns:
        variance = p0 * (1 - p0) / n
        variance = variance * phi if method == Overdispersion.MULTIPLICATIVE else variance + tau2
        sd = math.sqrt(variance)
        out.append(
            Limits(
                _clip(p0 - zi * sd), _clip(p0 + zi * sd), _clip(p0 - zo * sd), _clip(p0 + zo * sd)
            )
        )
    return out


def funnel_limits(
    n: int,
    p0: float,
    levels: tuple[float, float] = (0.95, 0.998),
    *,
    method: Overdispersion = Overdispersion.NONE,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> Limits:
    """Limits at one sample size (see ``funnel_limits_many``)."""
    return funnel_limits_many([n], p0, levels, method=method, phi=phi, tau2=tau2)[0]


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def position(rate: float, limits: Limits) -> Position:
    """Classify a branch rate against the limits (on a limit counts as within)."""
    if rate < limits.outer_low:
        return Position.ALARM_LOW
    if rate < limits.inner_low:
        return Position.ALERT_LOW
    if rate > limits.outer_high:
        return Position.ALARM_HIGH
    if rate > limits.inner_high:
        return Position.ALERT_HIGH
    return Position.WITHIN


@dataclass(frozen=True)
class Dispersion:
    """Spiegelhalter's over-dispersion estimate over the judged branches."""

    phi: float  # mean squared (winsorised) z-score; 1 = binomial noise only
    tau2: float  # additive random-effects variance (0 when phi <= 1)
    p_value: float | None  # test of phi = 1: k*phi against chi-square with k-1 df
    branches: int


def dispersion(p0: float, counts: Sequence[tuple[int, int]]) -> Dispersion:
    """Over-dispersion of ``(passed, n)`` per branch around ``p0`` (z-scores winsorised 10/90 %)."""
    judged = [(x, n) for x, n in counts if n > 0]
    k = len(judged)
    if k < 2 or p0 <= 0 or p0 >= 1:
        return Dispersion(1.0, 0.0, None, k)
    variances = [p0 * (1 - p0) / n for _, n in judged]
    z = [(x / n - p0) / math.sqrt(v) for (x, n), v in zip(judged, variances, strict=True)]
    z = _winsorise(z, 0.1)
    phi = sum(v * v for v in z) / k
    w = [1 / v for v in variances]
    denom = sum(w) - sum(wi * wi for wi in w) / sum(w)
    tau2 = max(0.0, (k * phi - (k - 1)) / denom) if denom > 0 else 0.0
    p_value = chi2_sf(k * phi, k - 1)
    return Dispersion(phi, tau2, p_value, k)


def _winsorise(values: list[float], share: float) -> list[float]:
    """Pull the lowest and highest ``share`` of values in to the 10th/90th percentile values."""
    if len(values) < 3:
        return values
    ordered = sorted(values)
    cut = math.floor(share * len(values))
    if cut == 0:
        return values
    low, high = ordered[cut], ordered[-cut - 1]
    return [min(high, max(low, v)) for v in values]


def homogeneity_p(counts: Sequence[tuple[int, int]]) -> float | None:
    """Chi-square test that all branches share one rate: p-value, or None when untestable."""
    table = [(x, n - x) for x, n in counts if n > 0]
    if len(table) < 2:
        return None
    passed = sum(x for x, _ in table)
    failed = sum(f for _, f in table)
    if passed == 0 or failed == 0:
        return 1.0  # every branch at 100 % (or at 0 %): no difference at all
    return chi2_contingency_p([[x for x, _ in table], [f for _, f in table]])
