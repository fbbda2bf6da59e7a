"""The few distribution functions scoring needs, from ``scipy.special`` (fast to import).

``import scipy.stats`` costs about a second of start-up (it loads every distribution); scoring
needs four functions, which ``scipy.stats`` itself computes with the ``scipy.special`` ufuncs
used here, so the values are the same (``tests/test_distributions.py`` checks them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.special as sc

try:  # the ufuncs behind scipy.stats.binom (Boost); private, so fall back when they move
    from scipy.special._ufuncs import _binom_cdf, _binom_ppf
except ImportError:  # pragma: no cover - depends on the scipy version
    _binom_cdf = _binom_ppf = None


def norm_ppf(q: float) -> float:
    """The standard normal quantile (``scipy.stats.norm.ppf``)."""
    return float(sc.ndtri(q))


def chi2_sf(x: float, df: float) -> float:
    """The chi-square survival function (``scipy.stats.chi2.sf``)."""
    return float(sc.chdtrc(df, x))


def binom_ppf(q: float, n: Any, p: float) -> Any:
    """Binomial quantiles at ``0 < q < 1`` for an array of ``n`` (``scipy.stats.binom.ppf``)."""
    if _binom_ppf is None:  # pragma: no cover
        from scipy.stats import binom  # noqa: PLC0415 - slow to import, only as a fallback

        return binom.ppf(q, n, p)
    return _binom_ppf(q, n, p)


def binom_cdf(k: Any, n: Any, p: float) -> Any:
    """Binomial CDF for arrays of ``k`` and ``n`` (``scipy.stats.binom.cdf``)."""
    if _binom_cdf is None:  # pragma: no cover
        from scipy.stats import binom  # noqa: PLC0415 - slow to import, only as a fallback

        return binom.cdf(k, n, p)
    k = np.floor(np.asarray(k, dtype=float))
    n = np.asarray(n, dtype=float)
    inside = _binom_cdf(np.clip(k, 0, n), n, p)
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

