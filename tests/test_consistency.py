"""Funnel limits, over-dispersion and homogeneity, against hand-worked values and scipy."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binom, chi2

from svcaudit.consistency import (
    Limits,
    Position,
    binomial_limit,
    dispersion,
    funnel_limits,
    homogeneity_p,
    position,
)
from svcaudit.standards.model import Overdispersion


def reference_limit(p: float, n: int, p0: float) -> float:
    """Spiegelhalter (2005) appendix A.1.1, by a plain search over r (no ppf)."""
    r = 0
    while binom.cdf(r, n, p0) < p:
        r += 1
    upper = binom.cdf(r, n, p0)
    lower = binom.cdf(r - 1, n, p0) if r > 0 else 0.0
    a = (upper - p) / (upper - lower)
    # With r = 0 the interpolation can go below zero; a rate cannot, so limits are clipped.
    return min(1.0, max(0.0, (r - a) / n))


def test_limit_hand_worked_n10_p05() -> None:
    # Bin(10, 0.5): P(R<=1) = 11/1024, P(R<=2) = 56/1024, so r_0.025 = 2 and
    # a = (56/1024 - 0.025) / (45/1024) = 0.675556, limit = (2 - a) / 10 = 0.1324444.
    assert binomial_limit(0.025, 10, 0.5) == pytest.approx(0.1324444, abs=1e-6)
    # P(R<=7) = 968/1024, P(R<=8) = 1013/1024: r = 8, a = (1013/1024 - .975)/(45/1024)
    assert binomial_limit(0.975, 10, 0.5) == pytest.approx(0.7675556, abs=1e-6)


@pytest.mark.parametrize("n", [1, 2, 7, 30, 152, 1044])
@pytest.mark.parametrize("p0", [0.05, 0.5, 0.816, 0.962, 0.999])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.975, 0.999])
def test_limit_matches_reference_search(n: int, p0: float, p: float) -> None:
    assert binomial_limit(p, n, p0) == pytest.approx(reference_limit(p, n, p0), abs=1e-9)


def test_limits_degenerate_chain_rates() -> None:
    assert binomial_limit(0.001, 50, 1.0) == 1.0  # every interaction passed
    assert binomial_limit(0.999, 50, 0.0) == 0.0  # none passed
    with pytest.raises(ValueError):
        binomial_limit(0.025, 0, 0.5)


def test_limits_are_nested_and_narrow_with_n() -> None:
    small, large = funnel_limits(30, 0.9), funnel_limits(3000, 0.9)
    for lim in (small, large):
        assert lim.outer_low <= lim.inner_low <= 0.9 <= lim.inner_high <= lim.outer_high
    assert large.inner_high - large.inner_low < small.inner_high - small.inner_low


def test_position_boundaries() -> None:
    lim = Limits(inner_low=0.8, inner_high=0.95, outer_low=0.7, outer_high=0.99)
    assert position(0.8, lim) == Position.WITHIN  # exactly on a limit counts as within
    assert position(0.7999, lim) == Position.ALERT_LOW
    assert position(0.7, lim) == Position.ALERT_LOW
    assert position(0.6999, lim) == Position.ALARM_LOW
    assert position(0.96, lim) == Position.ALERT_HIGH
    assert position(0.995, lim) == Position.ALARM_HIGH
    assert Position.ALARM_LOW.summary == "alarm" and Position.TOO_FEW.summary == "too-few"
    assert Position.ALERT_LOW.is_low and not Position.ALERT_HIGH.is_low


def test_dispersion_two_branches_hand_worked() -> None:
    # p0 = 0.5, n = 100: s = sqrt(0.25/100) = 0.05; z = +2 and -2; phi = (4 + 4) / 2 = 4.
    # w = 1/s^2 = 400 each: denominator = 800 - 320000/800 = 400; tau2 = (2*4 - 1)/400.
    d = dispersion(0.5, [(60, 100), (40, 100)])
    assert d.phi == pytest.approx(4.0)
    assert d.tau2 == pytest.approx(7 / 400)
    assert d.p_value == pytest.approx(float(chi2.sf(8.0, 1)))


def test_dispersion_without_variation() -> None:
    d = dispersion(0.5, [(50, 100), (50, 100), (25, 50)])
    assert d.phi == pytest.approx(0.0) and d.tau2 == 0.0
    assert dispersion(0.5, [(50, 100)]).p_value is None  # one branch: nothing to compare


def test_overdispersed_limits_widen() -> None:
    exact = funnel_limits(400, 0.8)
    mult = funnel_limits(400, 0.8, method=Overdispersion.MULTIPLICATIVE, phi=4.0)
    add = funnel_limits(400, 0.8, method=Overdispersion.ADDITIVE, tau2=0.0025)
    # multiplicative: 0.8 - 1.959964 * sqrt(4 * 0.16 / 400) = 0.8 - 1.959964 * 0.04
    assert mult.inner_low == pytest.approx(0.8 - 1.959964 * 0.04, abs=1e-6)
    # additive: sd = sqrt(0.16/400 + 0.0025) = sqrt(0.0029)
    assert add.outer_low == pytest.approx(0.8 - 3.090232 * math.sqrt(0.0029), abs=1e-6)
    assert mult.inner_low < exact.inner_low and add.inner_low < exact.inner_low


def test_homogeneity_hand_worked() -> None:
    # passed [8, 2], failed [2, 8]: every expected count is 5, chi2 = 4 * 9/5 = 7.2, 1 df.
    assert homogeneity_p([(8, 10), (2, 10)]) == pytest.approx(float(chi2.sf(7.2, 1)))
    assert homogeneity_p([(10, 10), (5, 5)]) == 1.0  # all passed: no difference
    assert homogeneity_p([(3, 10)]) is None


def test_a_side_no_result_can_cross_has_no_limit() -> None:
    # 41 of 41 against a 99.95 % chain: P(R = 41) = 0.9995^41 = exp(41 ln 0.9995) = 0.9797,
    # the most likely result, not "better beyond chance". Spiegelhalter's interpolated upper
    # limit is (41 - a)/41 with a = (1 - 0.975)/(1 - 0.0203) = 0.0255, i.e. 99.94 %, which
    # 100 % crossed; no result at n = 41 is in either upper tail, so both limits are 100 %.
    lim = funnel_limits(41, 0.9995)
    assert lim.inner_high == 1.0 and lim.outer_high == 1.0
    assert position(1.0, lim) == Position.WITHIN
    # p0 = 0.9: 0.9^41 = exp(41 ln 0.9) = 0.0133, below 0.025 but not below 0.001: 41 of 41
    # is beyond the inner (95 %) limit, and no result can cross the outer (99.8 %) one.
    lim = funnel_limits(41, 0.9)
    assert lim.inner_high < 1.0 and lim.outer_high == 1.0
    assert position(1.0, lim) == Position.ALERT_HIGH
    # The low side: 0.95^41 = 0.1221 >= 0.025, so 0 of 41 against a 5 % chain is within.
    lim = funnel_limits(41, 0.05)
    assert lim.inner_low == 0.0 and lim.outer_low == 0.0
    assert position(0.0, lim) == Position.WITHIN
    # Widened limits follow the same rule (widening never makes a side crossable).
    lim = funnel_limits(41, 0.9995, method=Overdispersion.MULTIPLICATIVE, phi=4.0)
    assert lim.inner_high == 1.0 and lim.outer_high == 1.0
