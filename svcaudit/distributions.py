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
