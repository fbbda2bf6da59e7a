"""Property-based tests of the duration, percentage and percentage-point parsers."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from svcaudit.units import (
    MAX_DURATION_MS,
    MS_PER_UNIT,
    PERCENT_MAX_DECIMALS,
    format_duration,
    format_percent,
    parse_duration,
    parse_percent,
    parse_points,
)

FAST = settings(max_examples=300, deadline=None)
UNITS = list(MS_PER_UNIT)


@FAST
@given(st.integers(min_value=0, max_value=MAX_DURATION_MS))
def test_format_then_parse_is_the_identity(ms: int) -> None:
    assert parse_duration(format_duration(ms)) == ms


@FAST
@given(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(UNITS)), min_size=1, max_size=5))
def test_compact_durations_add_up(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{unit}" for n, unit in parts)
    total = sum(n * MS_PER_UNIT[unit] for n, unit in parts)
    if total <= MAX_DURATION_MS:
        assert parse_duration(text) == total
        assert parse_duration(f"  {text} ") == total
    else:
        with pytest.raises(ValueError, match="longer than 100 years"):
            parse_duration(text)


@FAST
@given(
    st.integers(0, 400),
    st.integers(0, 48),
    st.integers(0, 120),
    st.integers(0, 7200),
    st.booleans(),
)
def test_iso_durations(days: int, hours: int, minutes: int, seconds: int, lower: bool) -> None:
    text = f"P{days}DT{hours}H{minutes}M{seconds}S"
    expected = ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000
    assert parse_duration(text.lower() if lower else text) == expected


@FAST
@given(st.text(max_size=30))
def test_any_text_is_a_bounded_duration_or_a_value_error(text: str) -> None:
    try:
        ms = parse_duration(text)
    except ValueError as e:
        assert len(str(e)) < 120  # a readable message, however long the input
    else:
        assert isinstance(ms, int)
        assert 0 <= ms <= MAX_DURATION_MS


@FAST
@given(st.integers(0, 10**6), st.integers(0, 3))
def test_percent_text_round_trips(basis_points: int, digits: int) -> None:
    fraction = basis_points / 10**6
    text = format_percent(fraction, digits)
    parsed = parse_percent(text)
    assert 0 <= parsed <= 1
    assert parsed == pytest.approx(fraction, abs=0.5 * 10 ** -(digits + 2) + 1e-12)


def reference_percent(fraction: float, digits: int) -> str:
    """format_percent written plainly: the fewest decimals from ``digits`` up to 4 that do
    not show a rate other than 0 or 1 as 0 % or 100 %, trailing zeros dropped."""
    for places in range(digits, max(digits, PERCENT_MAX_DECIMALS) + 1):
        text = f"{fraction * 100 + 0.0:.{places}f}"
        if fraction in (0.0, 1.0) or float(text) not in (0.0, 100.0):
            return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"
    step = 10.0**-places
    return f">{100 - step:.{places}f}%" if fraction > 0.5 else f"<{step:.{places}f}%"


@FAST
@given(st.floats(min_value=0, max_value=1), st.integers(0, 3))
@example(0.001, 1)
@example(0.999, 1)
@example(0.0004, 1)
@example(0.99951, 1)
@example(0.0049, 0)
def test_percent_text_is_the_plain_reference(fraction: float, digits: int) -> None:
    assert format_percent(fraction, digits) == reference_percent(fraction, digits)


@FAST
@given(st.one_of(st.floats(allow_nan=True), st.integers(), st.text(max_size=12), st.booleans()))
def test_percent_is_a_fraction_or_a_value_error(value: object) -> None:
    try:
        fraction = parse_percent(value)
    except ValueError as e:
        assert len(str(e)) < 120
    else:
        assert 0 <= fraction <= 1
        assert not isinstance(value, bool)


@FAST
@given(st.floats(min_value=0, max_value=100, allow_nan=False), st.sampled_from(["", "pp", "%"]))
def test_points_are_fractions(points: float, suffix: str) -> None:
    text = f"{points:.3f}{suffix}"
    assert parse_points(text) == pytest.approx(float(f"{points:.3f}") / 100)


@FAST
@given(st.text(max_size=20))
def test_points_never_crash(text: str) -> None:
    try:
        value = parse_points(text)
    except ValueError:
        return
    assert 0 <= value <= 1 and math.isfinite(value)
