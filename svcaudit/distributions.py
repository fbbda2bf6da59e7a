"""The few distribution functions scoring needs, from ``scipy.special`` (fast to import).

``import scipy.stats`` costs about a second of start-up (it loads every distribution); scoring
needs four functions, which ``scipy.stats`` itself computes with the ``scipy.special`` ufuncs
used here, so the values are the same (``tests/test_distributions.py`` checks them).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np


@functools.cache
def _special() -> ModuleType:
    # about half a second of start-up: imported on first use, or by preload() while the
    # engine runs the query
    import scipy.special  # noqa: PLC0415

    special: ModuleType = scipy.special
    return special


@functools.cache
def _binom_ufuncs() -> tuple[Any, Any] | None:
    """The ufuncs behind scipy.stats.binom (Boost); private, so None when they move."""
    _special()
    try:
        from scipy.special._ufuncs import _binom_cdf, _binom_ppf  # noqa: PLC0415
    except ImportError:  # pragma: no cover - depends on the scipy version
        return None
    return _binom_cdf, _binom_ppf


def preload() -> threading.Thread:
    """Import scipy.special in the background (call it before a long query)."""
    thread = threading.Thread(target=_binom_ufuncs, daemon=True)
    thread.start()
    return thread


def norm_ppf(q: float) -> float:
    """The standard normal quantile (``scipy.stats.norm.ppf``)."""
    return float(_special().ndtri(q))


def chi2_sf(x: float, df: float) -> float:
    """The chi-square survival function (``scipy.stats.chi2.sf``)."""
    return float(_special().chdtrc(df, x))


def binom_ppf(q: float, n: Any, p: float) -> Any:
    """Binomial quantiles at ``0 < q < 1`` for an array of ``n`` (``scipy.stats.binom.ppf``)."""
    ufuncs = _binom_ufuncs()
    if ufuncs is None:  # pragma: no cover
        from scipy.stats import binom  # noqa: PLC0415 - slow to import, only as a fallback

        return binom.ppf(q, n, p)
    return ufuncs[1](q, n, p)


def binom_cdf(k: Any, n: Any, p: float) -> Any:
    """Binomial CDF for arrays of ``k`` and ``n`` (``scipy.stats.binom.cdf``)."""
    ufuncs = _binom_ufuncs()
    if ufuncs is None:  # pragma: no cover
        from scipy.stats import binom  # noqa: PLC0415 - slow to import, only as a fallback

        return binom.cdf(k, n, p)
    k = np.floor(np.asarray(k, dtype=float))
    n = np.asarray(n, dtype=float)
    inside = ufuncs[0](np.clip(k, 0, n), n, p)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside))


def chi2_contingency_p(table: Sequence[Sequence[int]]) -> float:
    """p-value of Pearson's chi-square test of independence, no continuity correction.

    ``scipy.stats.chi2_contingency(table, correction=False).pvalue`` for tables whose
    expected counts are all positive.
    """
    observed = np.asarray(table, dtype=float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    stat = float(((observed - expected) ** 2 / expected).sum())
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return chi2_sf(stat, dof)


#: the confidence of every interval and limit unless a standard says otherwise
CONFIDENCE = 0.95


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (Wilson 1927), in closed form.

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with z the normal quantile; the
    same values as scipy's ``binomtest(...).proportion_ci(method="wilson")``, without the
    exact test it also runs (which made scoring slow with many branches).
    """
    low, high = wilson_many(np.asarray([successes], float), np.asarray([n], float), confidence)
    return float(low[0]), float(high[0])


def wilson_many(
    successes: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """``wilson`` for arrays (NaN where n is 0)."""
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / n
        centre = p + z * z / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        denominator = 1 + z * z / n
        low, high = (centre - spread) / denominator, (centre + spread) / denominator
    # the interval always holds p (exactly 0 or 1 at the ends); keep rounding from saying not
    return np.maximum(0.0, np.minimum(low, p)), np.minimum(1.0, np.maximum(high, p))


@functools.cache
def _z(confidence: float) -> float:
    return norm_ppf(1 - (1 - confidence) / 2)
