"""ISO text read as instants by arithmetic (``casting.local_text``) gives exactly the instant
DuckDB's own ``TRY_CAST(text AS TIMESTAMPTZ)`` gives, for any text: with and without an
offset, in and out of the spans, on DST switch days, and for text that is no time at all."""

from __future__ import annotations

import calendar
from datetime import datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from svcaudit.sources.casting import local_text, naive_reading, offset_spans

ZONES = ("Europe/Warsaw", "America/New_York", "UTC", "Australia/Lord_Howe", "Asia/Kathmandu")


@st.composite
def stamps(draw: st.DrawFn) -> str:
    """Text shaped like a timestamp, often not quite one."""
    year = draw(st.sampled_from(["2024", "2025", "2026", "2019", "2031", "0001", "99", "10000"]))
    month = draw(st.sampled_from(["01", "3", "03", "10", "12", "13", "00"]))
    day = draw(st.sampled_from(["01", "1", "26", "27", "28", "29", "30", "31", "32"]))
    text = f"{year}-{month}-{day}"
    if draw(st.booleans()):
        sep = draw(st.sampled_from([" ", "T", "  ", "t"]))
        hour = draw(st.sampled_from(["00", "1", "02", "02", "03", "12", "23", "24"]))
        minute = draw(st.sampled_from(["00", "30", "5", "59", "60"]))
        text += f"{sep}{hour}:{minute}"
        if draw(st.booleans()):
            text += ":" + draw(st.sampled_from(["00", "07", "59", "60"]))
            if draw(st.booleans()):
                text += "." + draw(st.sampled_from(["5", "123", "123456", "1234567", ""]))
    if draw(st.booleans()):
        zone = ["Z", "+02", "-05:00", "+0530", " UTC", " Europe/Warsaw", "+14", "z", "-"]
        text += draw(st.sampled_from(zone))
    pad = draw(st.sampled_from(["", " ", "\u00a0"]))
    return draw(st.sampled_from([text, pad + text, text + pad]))


def _connection(zone: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    return con


def _differences(con: duckdb.DuckDBPyConnection, texts: list[str], zone: str) -> list[object]:
    spans = offset_spans(con, datetime(2024, 1, 1), datetime(2026, 12, 31))
    assert spans, zone
    text = exp.column("t")
    value = local_text(text, exp.column("n"), spans).sql("duckdb")
    inner = f"SELECT t, {naive_reading(text.copy()).sql('duckdb')} AS n FROM v"
    con.execute("CREATE OR REPLACE TEMP TABLE v (t VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[t] for t in texts])
    query = (
        f"SELECT * FROM (SELECT t, {value} AS ours, TRY_CAST(t AS TIMESTAMPTZ) AS theirs "
        f"FROM ({inner})) WHERE ours IS DISTINCT FROM theirs"
    )
    return list(con.execute(query).fetchall())


@pytest.mark.parametrize("zone", ZONES)
@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.one_of(stamps(), st.text(max_size=12)), min_size=1, max_size=40))
def test_local_text_is_the_cast(zone: str, texts: list[str]) -> None:
    con = _connection(zone)
    assert _differences(con, texts, zone) == []


@pytest.mark.parametrize("zone", ZONES)
def test_switch_days_and_offsets(zone: str) -> None:
    """Every quarter hour of the DST switch days of 2025 in Warsaw and New York (gaps and
    repeated hours), naive and with offsets, all as the cast reads them."""
    texts = []
    for day in ("2025-03-09", "2025-03-30", "2025-10-26", "2025-11-02", "2025-04-06"):
        for minutes in range(0, 24 * 60, 15):
            clock = f"{day} {minutes // 60:02d}:{minutes % 60:02d}:00"
            texts += [clock, clock + "+01", clock + "Z", clock.replace(" ", "T")]
    texts += ["2025-07-01", "2026-12-31 23:59:59.999999", "2027-01-01 00:00:00", "2023-12-31"]
    con = _connection(zone)
    assert _differences(con, texts, zone) == []


def test_arithmetic_is_used() -> None:
    """The fast path is taken: inside a span the instant comes from the reading, not from the
    text (a reading of 11:00 beside the text 10:00 gives 11:00 Warsaw, 09:00 UTC)."""
    con = _connection("Europe/Warsaw")
    spans = offset_spans(con, datetime(2025, 1, 1), datetime(2025, 12, 31))
    assert spans
    value = local_text(exp.column("t"), exp.column("n"), spans).sql("duckdb")
    inner = "SELECT '2025-07-01 10:00:00' AS t, TIMESTAMP '2025-07-01 11:00:00' AS n"
    (seconds,) = con.execute(f"SELECT epoch({value}) FROM ({inner})").fetchall()[0]
    assert seconds == calendar.timegm((2025, 7, 1, 9, 0, 0))
