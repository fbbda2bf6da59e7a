"""Durations and percentages: parsing, formatting, and round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcaudit.units import format_duration, format_percent, parse_duration, parse_percent

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("500ms", 500),
        ("30s", 30 * SECOND),
        ("2m", 2 * MINUTE),
        ("1h30m", HOUR + 30 * MINUTE),
        ("2d", 2 * DAY),
        ("1.5h", HOUR + 30 * MINUTE),
        ("1w", 7 * DAY),
        ("1m30s", 90 * SECOND),
        ("2h0m5s", 2 * HOUR + 5 * SECOND),
        ("PT30S", 30 * SECOND),
        ("P1DT2H", DAY + 2 * HOUR),
        ("PT1H30M", HOUR + 30 * MINUTE),
        ("P2D", 2 * DAY),
        ("PT0.5S", 500),
    ],
)
def test_parse_duration_accepts(text: str, ms: int) -> None:
    assert parse_duration(text) == ms
    assert isinstance(parse_duration(text), int)


@pytest.mark.parametrize(
    "text",
    [
        "60 secs",
        "",
        "PT",
        "P",
        "30",
        "30 s",
        "thirty seconds",
        "s30",
        "1h 30m",
        "-5s",
        "P1DT",
        "5x",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "fraction"),
    [
        ("95%", 0.95),
        ("99.8%", 0.998),
        ("100%", 1.0),
        ("0%", 0.0),
        (0.95, 0.95),
        (1, 1.0),
        (0, 0.0),
        (0.5, 0.5),
    ],
)
def test_parse_percent_accepts(value: object, fraction: float) -> None:
    assert parse_percent(value) == pytest.approx(fraction, abs=1e-12)


@pytest.mark.parametrize(
    "value", ["150%", "100.1%", 95, 1.5, -1, -0.1, True, False, None, "95", "abc%", "-5%", ""]
)
def test_parse_percent_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_percent(value)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0ms"),
        (750, "750ms"),
        (45 * SECOND, "45s"),
        (90 * SECOND, "1m30s"),
        (2 * HOUR, "2h"),
        (DAY + 2 * HOUR, "1d2h"),
        (SECOND + 500, "1s500ms"),
        (-30 * SECOND, "-30s"),
    ],
)
def test_format_duration(ms: int, text: str) -> None:
    assert format_duration(ms) == text


@pytest.mark.parametrize(
    ("fraction", "digits", "text"),
    [
        (0.953, 1, "95.3%"),
        (0.95, 1, "95%"),
        (1.0, 1, "100%"),
        (0.0, 1, "0%"),
        (0.99812, 2, "99.81%"),
        (None, 1, "—"),
        # Never rounded to 100 % or 0 % unless exactly that: 2,066 of 2,067 is 99.9516 %.
        (2066 / 2067, 1, "99.95%"),
        (1 / 2067, 1, "0.05%"),  # 0.0484 %
        (0.9995, 1, "99.95%"),  # a 99.95 % target
        (0.99996, 0, "99.996%"),  # digits=0 would say 100 %
        (0.9999996, 1, ">99.9999%"),  # past four decimals
        (0.0000004, 1, "<0.0001%"),
        (-0.0, 1, "0%"),
    ],
)
def test_format_percent(fraction: float | None, digits: int, text: str) -> None:
    assert format_percent(fraction, digits) == text


@given(st.integers(min_value=0, max_value=400 * DAY))
def test_format_then_parse_duration_round_trips(ms: int) -> None:
    assert parse_duration(format_duration(ms)) == ms


@given(st.integers(min_value=0, max_value=100))
def test_parse_percent_of_whole_percentages(x: int) -> None:
    assert parse_percent(f"{x}%") == pytest.approx(x / 100, abs=1e-12)


@given(st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False))
def test_parse_percent_of_decimal_percentages(x: Decimal) -> None:
    # Written in plain positional notation, as people write percentages (95.125%).
    assert parse_percent(f"{x:f}%") == pytest.approx(float(x) / 100, abs=1e-12)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_parse_percent_of_fractions_is_identity(x: float) -> None:
    assert parse_percent(x) == x
