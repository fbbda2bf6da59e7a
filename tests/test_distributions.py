"""svcaudit.distributions gives scipy.stats' values without importing scipy.stats at start-up."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, chi2, chi2_contingency, norm

from svcaudit import distributions as d


@pytest.mark.parametrize("q", [0.001, 0.025, 0.975, 0.999])
@pytest.mark.parametrize("p0", [0.01, 0.5, 0.93, 0.999])
def test_binomial_quantiles_and_cdf_match_scipy_stats(q: float, p0: float) -> None:
    n = np.arange(1, 2000, dtype=float)
    r = binom.ppf(q, n, p0)
    assert np.array_equal(d.binom_ppf(q, n, p0), r)
    assert np.array_equal(d.binom_cdf(r, n, p0), binom.cdf(r, n, p0))
    assert np.array_equal(d.binom_cdf(r - 1, n, p0), binom.cdf(r - 1, n, p0))


def test_normal_and_chi_square_match_scipy_stats() -> None:
    assert d.norm_ppf(0.975) == norm.ppf(0.975)
    for x, df in ((3.2, 4), (0.0, 1), (100.0, 7)):
        assert d.chi2_sf(x, df) == chi2.sf(x, df)


def test_contingency_p_value_matches_scipy_stats() -> None:
    rng = np.random.default_rng(1)
    for _ in range(100):
        k = int(rng.integers(2, 30))
        table = [
            [int(v) for v in rng.integers(1, 500, size=k)],
            [int(v) for v in rng.integers(1, 50, size=k)],
        ]
        expected = chi2_contingency(table, correction=False).pvalue
        assert d.chi2_contingency_p(table) == pytest.approx(expected, rel=1e-12, abs=1e-300)
