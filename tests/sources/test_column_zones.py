"""A column's own ``time_zone:`` (`columns:`): naive timestamps read in that zone, values with
an offset keep theirs. Figures worked out by hand in tests/fixtures/zones/ (see below).

zones.csv: Warsaw columns (arrived_waw, closed_waw) and a New York column (answered_ny), the
standards file's zone Asia/Tokyo (no DST, so it is plainly not the one used). Warsaw is CET
(+1) until 2025-03-30 02:00 and from 2025-10-26 03:00 (02:00-02:59 that night twice), CEST
(+2) between; New York is EDT (-4) from 2025-03-09 to 2025-11-02 02:00, EST (-5) after.

    id  arrived (Warsaw) -> UTC       answered (New York) -> UTC   min  closed (Warsaw)   min
    1   03-29 12:00 CET  = 11:00      03-29 07:30 EDT = 11:30       30   13:00 CET = 12:00   60
    2   03-30 01:30 CET  = 00:30      03-29 21:00 EDT = 01:00       30   03:30 CEST = 01:30  60
    3   03-30 03:30 CEST = 01:30      03-29 22:15 EDT = 02:15       45   04:00 CEST = 02:00  30
    4   10-26 01:30 CEST = 23:30 (25) 10-25 20:10 EDT = 00:10       40   03:30 CET = 02:30  180
    5   10-26 03:30 CET  = 02:30      10-25 23:50 EDT = 03:50       80   04:30 CET = 03:30   60
    6   11-02 12:00 CET  = 11:00      11-02 06:30 EST = 11:30       30   12:45 CET = 11:45   45
    7   03-30T03:30+02:00 = 01:30     03-29 21:45 EDT = 01:45       15   05:00 CEST = 03:00  90
    8   03-10 15:00 CET  = 14:00      03-10T14:20Z    = 14:20       20   16:00 CET = 15:00   60
    9   10-26 02:30 CET  = 01:30      10-25 22:00 EDT = 02:00       30   03:00 CET = 02:00   30

(row 7's +02:00 and row 8's Z are kept; row 9's 02:30 comes twice that night: the later,
CET, is read)

Each row's `expected_min` and `span_min` hold those minutes, and the standards check
``answered_at - arrived_at == expected`` and ``resolved_at - arrived_at == span``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO, assert_accounting, audit, chain, write
from tests.invoke import assert_one_error, invoke

ZONES = REPO / "tests" / "fixtures" / "zones"


def test_each_column_is_read_in_its_own_zone_across_dst_switches() -> None:
    card = audit([ZONES / "zones.csv"], [ZONES / "zones.yaml"])
    assert_accounting(card)
    assert chain(card, "answer-as-worked") == (9, 9, 0, 0)
    assert chain(card, "span-as-worked") == (9, 9, 0, 0)
    assert card.invalid_values == ()


def test_without_the_columns_zones_the_files_zone_gives_other_durations(tmp_path: Path) -> None:
    # the control: every column read in Asia/Tokyo (+9, no DST) gives the clock differences.
    # answered - arrived is then e.g. 07:30 - 12:00 = -4 h 30 (row 1): no row as worked.
    # closed - arrived, both Warsaw: the same as worked on a day without a switch (rows 1, 3,
    # 5, 6, 8, 9), not across one (2 and 4: 2 h on the clock), nor row 7 (its +02:00 kept,
    # 05:00 Tokyo = 20:00 UTC the day before).
    text = (ZONES / "zones.yaml").read_text(encoding="utf-8")
    for zone in ("Europe/Warsaw", "America/New_York"):
        text = text.replace(f", time_zone: {zone}", "")
    plain = write(tmp_path / "plain.yaml", text, dedent=False)
    card = audit([ZONES / "zones.csv"], [plain])
    assert chain(card, "answer-as-worked") == (9, 0, 9, 0)
    assert chain(card, "span-as-worked") == (9, 6, 3, 0)


def test_declared_and_detected_formats_are_read_in_the_columns_zone() -> None:
    # us.csv: arrived `3/29/25 12:00` (declared %m/%d/%y %H:%M, Warsaw), answered
    # `03/29/2025 07:30:00 AM` (detected, New York), closed `29.03.2025 13:00` (declared,
    # Warsaw): rows 1, 2 and 9 of zones.csv written so (30/60, 30/60, 30/30 minutes)
    card = audit([ZONES / "us.csv"], [ZONES / "us.yaml"])
    assert chain(card, "answer-as-worked") == (3, 3, 0, 0)
    assert chain(card, "span-as-worked") == (3, 3, 0, 0)


def dst_night_parquet(tmp_path: Path) -> Path:
    """One row of naive Parquet timestamps across Warsaw's spring switch: came 01:30,
    went 03:30 on 30 March 2025 (one hour apart in Warsaw, two on the clock)."""
    import duckdb  # noqa: PLC0415

    log = tmp_path / "v.parquet"
    duckdb.sql(
        "COPY (SELECT 1 AS id, 'A' AS branch, TIMESTAMP '2025-03-30 01:30' AS came, "
        "TIMESTAMP '2025-03-30 03:30' AS went) "
        f"TO '{log}' (FORMAT parquet)"
    )
    return log


def test_a_naive_parquet_timestamp_is_read_in_the_columns_zone(tmp_path: Path) -> None:
    log = dst_night_parquet(tmp_path)
    # both Warsaw: 00:30 UTC (CET) and 01:30 UTC (CEST): one hour, not the two on the clock
    std = write(
        tmp_path / "s.yaml",
        """\
        svcaudit: 1
        name: P
        columns:
          arrived_at: {source: came, time_zone: Europe/Warsaw}
          resolved_at: {source: went, time_zone: Europe/Warsaw}
        standards:
          - id: one-hour
            title: One hour
            check: resolved_at - arrived_at == 1h
        """,
    )
    assert chain(audit([log], [std]), "one-hour") == (1, 1, 0, 0)


BODY = """\
svcaudit: 1
name: E
columns:
{entry}
standards:
  - id: s
    title: t
    check: arrived_at is not null
"""


@pytest.mark.parametrize(
    ("entry", "needles"),
    [
        # not a zone: at the value (line 4, column 41), as the file's own time_zone
        (
            "  arrived_at: {source: Came, time_zone: Europe/Warsw}",
            ("e.yaml:4:41:", "'Europe/Warsw' is not a time zone"),
        ),
        # a format that reads the offset: the zone could never apply
        (
            '  arrived_at: {source: Came, format: "%Y-%m-%d %H:%M %z", time_zone: UTC}',
            ("e.yaml:4:", "would never apply"),
        ),
        # a column declared as something else than timestamps
        (
            "  arrived_at: {source: Came, type: number, time_zone: UTC}",
            ("e.yaml:4:", "`time_zone:` is for timestamps", "number"),
        ),
    ],
)
def test_zone_declaration_errors_are_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, needles: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "e.yaml", BODY.format(entry=entry), dedent=False)
    assert_one_error(invoke("validate", "e.yaml"), *needles)


@pytest.mark.parametrize(
    ("values", "why"),
    [
        (["A", "B"], "read as text"),
        (["1742980000", "1742990000"], "Unix times"),  # detected epochs
    ],
)
def test_a_zone_on_a_column_that_is_not_written_timestamps_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, values: list[str], why: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "v.csv", "id,branch,created_at\n" + "".join(
        f"{i},A,{v}\n" for i, v in enumerate(values)
    ))
    entry = "  arrived_at: {source: created_at, time_zone: Europe/Warsaw}"
    write(tmp_path / "e.yaml", BODY.format(entry=entry), dedent=False)
    # at the declaration's time_zone (line 4, column 47)
    assert_one_error(invoke("audit", "v.csv", "-s", "e.yaml"), "e.yaml:4:47:", why)
