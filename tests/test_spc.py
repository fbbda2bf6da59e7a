"""Control charts (svcaudit/spc.py) against figures worked out by hand and by a plain-Python
reference written from the definitions (qcc's p chart, Laney 2002, Making Data Count's rules as
NHSRplotthedots applies them), not from svcaudit's code."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcaudit.spc import Chart, ControlChart, Rule, Signal, control_chart

N = 100


def chart(xs: list[int], n: int = N, **kw: object) -> ControlChart:
    counts = [(x, n if x >= 0 else 0) for x in xs]
    counts = [(max(x, 0), m) for x, m in counts]
    return control_chart([f"p{i}" for i in range(len(xs))], counts, **kw)  # type: ignore[arg-type]


# 12 baseline periods alternating 88 and 92 of 100: p̄ = 0.90, s = sqrt(0.9*0.1/100) = 0.03,
# 3-sigma limits 0.81 .. 0.99, 2-sigma lines 0.84 .. 0.96; no signal inside the baseline.
BASE = [88, 92] * 6


def rules(c: ControlChart) -> list[tuple[Rule, bool, int, int]]:
    return [(s.rule, s.concern, s.first, s.last) for s in c.signals]


def test_centre_and_p_limits_by_hand() -> None:
    c = chart([*BASE, 90], chart=Chart.P)
    p = c.points[12]
    assert p.centre == pytest.approx(0.90)
    assert (p.low, p.high) == (pytest.approx(0.81), pytest.approx(0.99))
    assert (p.low2, p.high2) == (pytest.approx(0.84), pytest.approx(0.96))
    assert c.chart == Chart.P and c.sigma_z == 1.0
    assert [q.baseline for q in c.points] == [True] * 12 + [False]
    assert c.signals == ()
    # the first period has the same centre line and limits (one baseline for all)
    assert c.points[0].centre == pytest.approx(0.90) and c.points[0].low == pytest.approx(0.81)


def test_limits_follow_each_periods_n() -> None:
    c = control_chart(["a", "b"], [(90, 100), (360, 400)], chart=Chart.P)
    # p̄ = 450/500 = 0.9; at n=400 s = sqrt(0.09/400) = 0.015
    assert c.points[1].low == pytest.approx(0.9 - 0.045)
    assert c.points[0].low == pytest.approx(0.9 - 0.09)


def test_shift_of_exactly_seven_points_signals_and_six_do_not() -> None:
    seven = chart([*BASE, *[87] * 7], chart=Chart.P)
    assert rules(seven) == [(Rule.SHIFT, True, 12, 18)]
    assert seven.latest_concerns() == (Signal(Rule.SHIFT, True, 12, 18),)
    six = chart([*BASE, *[87] * 6], chart=Chart.P)
    assert six.signals == ()


def test_a_point_on_the_centre_line_breaks_a_shift() -> None:
    c = chart([*BASE, 87, 87, 87, 90, 87, 87, 87, 87], chart=Chart.P)
    assert c.signals == ()


def test_period_with_no_interactions_is_shown_not_judged_and_skipped_by_runs() -> None:
    # -1: a period with n = 0, in the middle of the run: the 7 judged points still run on
    c = chart([*BASE, 87, 87, 87, -1, 87, 87, 87, 87], chart=Chart.P)
    gap = c.points[15]
    assert (gap.n, gap.rate, gap.judged, gap.low) == (0, None, False, None)
    assert rules(c) == [(Rule.SHIFT, True, 12, 19)]


def test_too_few_interactions_shown_not_judged() -> None:
    counts = [(x, N) for x in BASE] + [(5, 10)]  # 50 % of 10: far below, but n < 30
    c = control_chart([str(i) for i in range(13)], counts, min_interactions=30, chart=Chart.P)
    assert c.points[12].rate == 0.5 and not c.points[12].judged
    assert c.signals == () and c.latest == 11


def test_beyond_a_limit_and_two_of_three() -> None:
    # 0.80 < 0.81: beyond; then 0.83, 0.89, 0.83: two of three below 0.84, all below 0.90
    c = chart([*BASE, 80, 90, 83, 89, 83], chart=Chart.P)
    assert rules(c) == [
        (Rule.BEYOND_LIMIT, True, 12, 12),
        (Rule.TWO_OF_THREE, True, 14, 16),
    ]
    # two near the line but one point on the other side of the centre: no signal
    assert chart([*BASE, 83, 91, 83], chart=Chart.P).signals == ()
    # improvement side: above 0.96 twice in three
    assert rules(chart([*BASE, 97, 93, 97], chart=Chart.P)) == [(Rule.TWO_OF_THREE, False, 12, 14)]


def test_trend_of_exactly_seven_points() -> None:
    up = chart([*BASE, 84, 85, 86, 87, 88, 89, 90], chart=Chart.P)
    trend = [s for s in up.signals if s.rule == Rule.TREND]
    assert trend == [Signal(Rule.TREND, False, 12, 18)]
    six = chart([*BASE, 85, 86, 87, 88, 89, 90], chart=Chart.P)
    assert [s for s in six.signals if s.rule == Rule.TREND] == []
    tie = chart([*BASE, 84, 85, 86, 86, 87, 88, 89], chart=Chart.P)
    assert [s for s in tie.signals if s.rule == Rule.TREND] == []


def test_signal_at_the_first_period_with_a_fixed_baseline() -> None:
    # baseline = periods 1..12; period 0 (70 %) lies beyond the lower limit
    c = chart([70, *BASE], chart=Chart.P, baseline=(1, 12))
    assert c.points[0].centre == pytest.approx(0.90) and not c.points[0].baseline
    assert rules(c) == [(Rule.BEYOND_LIMIT, True, 0, 0)]
    assert c.latest_concerns() == ()  # it does not reach the latest period


def test_laney_p_prime_by_hand() -> None:
    # n = 1000, x alternating 900 and 940: p̄ = 0.92, s_i = sqrt(0.92*0.08/1000) = 0.0085790;
    # z = ±0.02/0.0085790 = ±2.33126, every moving range 4.66252, sigma_z = 4.66252/1.128 = 4.13344;
    # p' limits 0.92 ± 3 * 0.0085790 * 4.13344 = 0.92 ± 0.106383
    xs = [900, 940] * 6
    c = control_chart([str(i) for i in range(12)], [(x, 1000) for x in xs], chart=Chart.AUTO)
    assert c.chart == Chart.P_PRIME  # phi = 2.33126² = 5.43 with p ≈ 0: over-dispersed
    assert c.sigma_z == pytest.approx(4.13344, rel=1e-5)
    assert c.points[0].low == pytest.approx(0.92 - 0.106383, abs=1e-6)
    assert c.points[0].high == 1.0  # 1.026 clipped
    p_chart = control_chart([str(i) for i in range(12)], [(x, 1000) for x in xs], chart=Chart.P)
    assert p_chart.points[0].low == pytest.approx(0.92 - 3 * 0.0085790, abs=1e-6)
    assert p_chart.signals == ()  # 0.8943 .. 0.9457: 0.90 and 0.94 both inside
    # binomial-looking baseline: auto keeps the p chart
    assert chart(BASE, chart=Chart.AUTO).chart == Chart.P


def test_rebase_starts_new_limits() -> None:
    c = chart([*BASE, *[78, 82] * 6], chart=Chart.P, rebase=[12])
    assert c.points[12].centre == pytest.approx(0.80)
    assert c.points[11].centre == pytest.approx(0.90)
    assert c.signals == ()  # without the rebase the second half is a long shift below
    assert rules(chart([*BASE, *[78, 82] * 6], chart=Chart.P))[0][0] in (
        Rule.BEYOND_LIMIT,
        Rule.SHIFT,
    )


def test_assurance() -> None:
    c = chart(BASE, chart=Chart.P)
    assert c.assurance(0.95) == "inside"
    assert c.assurance(0.995) == "above"  # the process will not meet it without a change
    assert c.assurance(0.80) == "below"


# ---------------------------------------------------------------------------------------
# A plain-Python reference from the definitions, compared on random series.


def reference(
    counts: list[tuple[int, int]], kind: Chart, min_n: int
) -> tuple[list[tuple[float, float] | None], dict[str, set[tuple[bool, int, int]]], set[int]]:
    judged = [i for i, (_, n) in enumerate(counts) if n >= min_n and n > 0]
    base = judged[:12]
    pbar = sum(counts[i][0] for i in base) / sum(counts[i][1] for i in base)
    sz = 1.0
    if kind == Chart.P_PRIME and 0 < pbar < 1 and len(base) > 1:
        z = [
            (counts[i][0] / counts[i][1] - pbar) / math.sqrt(pbar * (1 - pbar) / counts[i][1])
            for i in base
        ]
        sz = sum(abs(z[k + 1] - z[k]) for k in range(len(z) - 1)) / (len(z) - 1) / 1.128
    lims: list[tuple[float, float] | None] = []
    two: list[tuple[float, float] | None] = []
    for _x, n in counts:
        if n == 0:
            lims.append(None)
            two.append(None)
            continue
        s = math.sqrt(pbar * (1 - pbar) / n) * sz
        lims.append((max(0, pbar - 3 * s), min(1, pbar + 3 * s)))
        two.append((max(0, pbar - 2 * s), min(1, pbar + 2 * s)))
    r = {i: counts[i][0] / counts[i][1] for i in judged}
    found: dict[str, set[tuple[bool, int, int]]] = {k: set() for k in ("beyond", "shift", "trend")}
    for i in judged:
        lo, hi = lims[i]  # type: ignore[misc]
        if r[i] < lo or r[i] > hi:
            found["beyond"].add((r[i] < lo, i, i))
    side = {i: (r[i] > pbar) - (r[i] < pbar) for i in judged}
    # shifts: maximal groups of judged points with one non-zero side, 7 or more long
    k = 0
    while k < len(judged):
        m = k
        while m + 1 < len(judged) and side[judged[m + 1]] == side[judged[k]]:
            m += 1
        if side[judged[k]] != 0 and m - k + 1 >= 7:
            found["shift"].add((side[judged[k]] < 0, judged[k], judged[m]))
        k = m + 1
    # trends: maximal groups of equal non-zero steps between judged points, 6 or more steps
    steps = [(r[b] > r[a]) - (r[b] < r[a]) for a, b in itertools.pairwise(judged)]
    k = 0
    while k < len(steps):
        m = k
        while m + 1 < len(steps) and steps[m + 1] == steps[k]:
            m += 1
        if steps[k] != 0 and m - k + 1 >= 6:
            found["trend"].add((steps[k] < 0, judged[k], judged[m + 1]))
        k = m + 1
    near: set[int] = set()
    for w in range(len(judged) - 2):
        win = judged[w : w + 3]
        sides = {side[i] for i in win}
        if len(sides) != 1 or 0 in sides:
            continue
        s0 = sides.pop()
        close = [i for i in win if (r[i] > two[i][1] if s0 > 0 else r[i] < two[i][0])]  # type: ignore[index]
        if len(close) >= 2:
            near |= set(close)
    return lims, found, near


series = st.lists(
    st.tuples(st.integers(0, 60), st.sampled_from([0, 20, 40, 60, 60, 60])),
    min_size=14,
    max_size=40,
).map(lambda xs: [(min(x, n), n) for x, n in xs])


@settings(max_examples=300, deadline=None)
@given(series, st.sampled_from([Chart.P, Chart.P_PRIME]))
def test_against_the_reference(counts: list[tuple[int, int]], kind: Chart) -> None:
    judged = [i for i, (_, n) in enumerate(counts) if n >= 30]
    base = judged[:12]
    total = sum(counts[i][1] for i in base)
    if not base or total == 0:
        return
    c = control_chart([str(i) for i in range(len(counts))], counts, min_interactions=30, chart=kind)
    lims, found, near = reference(counts, kind, 30)
    for p, lim in zip(c.points, lims, strict=True):
        if lim is None:
            assert p.low is None
        else:
            assert (p.low, p.high) == (pytest.approx(lim[0]), pytest.approx(lim[1]))
    got = {
        name: {(s.concern, s.first, s.last) for s in c.signals if s.rule == rule}
        for name, rule in (
            ("beyond", Rule.BEYOND_LIMIT),
            ("shift", Rule.SHIFT),
            ("trend", Rule.TREND),
        )
    }
    assert got == found
    flagged = set()
    for s in c.signals:
        if s.rule != Rule.TWO_OF_THREE:
            continue
        for i in range(s.first, s.last + 1):
            p = c.points[i]
            if (
                p.judged
                and p.rate is not None
                and (p.rate < p.low2 if s.concern else p.rate > p.high2)
            ):  # type: ignore[operator]
                flagged.add(i)
    assert flagged == near
