"""`columns:` from the config file and `--map`, over the standards file's: per column and
per key, the command line over the config over the standards file (svcaudit.compile.layers).

The log is tests/fixtures/zones/zones.csv, whose durations are worked out by hand in
tests/sources/test_column_zones.py: with arrived_waw and closed_waw read in Europe/Warsaw and
answered_ny in America/New_York, every row's answer and span are as worked (9 of 9 each).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import write
from tests.invoke import assert_one_error, invoke
from tests.sources.test_column_zones import ZONES

# the standards file names the columns and nothing else: its zone (Asia/Tokyo) is no city's
RULES = """\
svcaudit: 1
name: Zones
time_zone: Asia/Tokyo
columns:
{columns}
standards:
  - id: answer-as-worked
    title: The answer came as long after arrival as worked out by hand
    check: answered_at - arrived_at == expected
  - id: span-as-worked
    title: The visit lasted as long as worked out by hand
    check: resolved_at - arrived_at == span
"""
RENAMES = "  arrived_at: {source: arrived_waw}\n  resolved_at: closed_waw"
NEW_YORK = "--map=answered_at={source: answered_ny, time_zone: America/New_York}"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(ZONES / "zones.csv", tmp_path / "zones.csv")
    return tmp_path


def rules(here: Path, columns: str = RENAMES) -> None:
    write(here / "s.yaml", RULES.format(columns=columns), dedent=False)


def counts(*args: str) -> dict[str, tuple[int, int, int]]:
    run = invoke("audit", "zones.csv", "-s", "s.yaml", "--format", "json", *args)
    assert run.code in (0, 1), run.stderr
    return {
        s["id"]: (s["in_scope"], s["passed"], s["failed"])
        for s in json.loads(run.stdout)["standards"]
    }


ALL = {"answer-as-worked": (9, 9, 0), "span-as-worked": (9, 9, 0)}


def test_config_columns_add_keys_to_the_standards_files_entries(here: Path) -> None:
    # the config adds the zones to the standards file's rename and expression (a plain
    # column name, so a rename too); --map declares answered_at with its source and zone
    rules(here)
    write(
        here / "svcaudit.yaml",
        """\
        columns:
          arrived_at: {time_zone: Europe/Warsaw}
          resolved_at: {time_zone: Europe/Warsaw}
        """,
    )
    assert counts(NEW_YORK) == ALL
    shown = invoke("config")
    assert "arrived_at, resolved_at" in shown.stdout  # the config's columns, by name


def test_pyproject_columns_tables(here: Path) -> None:
    rules(here)
    write(
        here / "pyproject.toml",
        """\
        [tool.svcaudit]
        fail_on = "never"

        [tool.svcaudit.columns]
        resolved_at = { time_zone = "Europe/Warsaw" }
        answered_at = { source = "answered_ny", time_zone = "America/New_York" }

        [tool.svcaudit.columns.arrived_at]
        time_zone = "Europe/Warsaw"
        """,
    )
    assert counts() == ALL


def test_the_command_line_wins_over_the_config_which_wins_over_the_standards_file(
    here: Path,
) -> None:
    # the standards file says New York for the Warsaw columns; the config corrects it
    warsaw = "{source: arrived_waw, time_zone: America/New_York}"
    rules(here, f"  arrived_at: {warsaw}\n  resolved_at: closed_waw")
    write(here / "svcaudit.yaml", "columns:\n  arrived_at: {time_zone: Europe/Warsaw}\n")
    zone = "--map=resolved_at={time_zone: Europe/Warsaw}"
    assert counts(NEW_YORK, zone) == ALL
    # --map over both: arrivals read in Tokyo (+9) are 7 or 8 hours earlier than in Warsaw,
    # so no row is as worked but row 7, whose arrival 03:30+02:00 keeps its offset
    tokyo = "--map=arrived_at={time_zone: Asia/Tokyo}"
    assert counts(NEW_YORK, zone, tokyo) == {
        "answer-as-worked": (9, 1, 8),
        "span-as-worked": (9, 1, 8),
    }


def test_an_expression_replaces_the_entry_whole(here: Path) -> None:
    # the config's expression for resolved_at drops the standards file's Warsaw zone: the
    # closing times are then read in Tokyo (+9), 7 or 8 hours earlier than in Warsaw, and no
    # span is as worked (row 7 neither: its arrival is 01:30 UTC, 05:00 Tokyo 20:00 UTC the
    # day before)
    rules(here, "  arrived_at: {source: arrived_waw, time_zone: Europe/Warsaw}\n"
                "  resolved_at: {source: closed_waw, time_zone: Europe/Warsaw}")  # fmt: skip
    assert counts(NEW_YORK) == ALL
    write(here / "svcaudit.yaml", "columns:\n  resolved_at: closed_waw\n")
    assert counts(NEW_YORK) == {"answer-as-worked": (9, 9, 0), "span-as-worked": (9, 0, 9)}


def test_a_merged_declaration_is_checked_again_at_the_higher_place(here: Path) -> None:
    rules(here, '  arrived_at: {source: arrived_waw, format: "%Y-%m-%d %H:%M"}\n'
                "  resolved_at: closed_waw")  # fmt: skip
    run = invoke("audit", "zones.csv", "-s", "s.yaml", "--map=arrived_at={type: text}")
    assert_one_error(run, "--map arrived_at:", "`format:` is for timestamps", "s.yaml:5:")


@pytest.mark.parametrize(
    ("option", "needles", "caret_at"),
    [
        ("answered_at={source: answered_ny, tz: UTC}", ("unknown key 'tz'", "time_zone"), 34),
        (
            "answered_at={source: answered_ny, time_zone: America/New_Yrok}",
            ("'America/New_Yrok' is not a time zone",),
            45,
        ),
        ("answered_at={source: answered_ny", ("YAML syntax error",), 32),
        ('answered_at={source: answered_ny, format: "%d.%Q"}', ("unknown directive %Q",), 42),
    ],
)
def test_map_errors_point_at_the_option(
    here: Path, option: str, needles: tuple[str, ...], caret_at: int
) -> None:
    rules(here)
    run = invoke("audit", "zones.csv", "-s", "s.yaml", "--map", option)
    assert_one_error(run, "--map answered_at:", *needles)
    lines = run.stderr.splitlines()
    shown = lines.index("    " + option)
    assert lines[shown + 1] == "    " + " " * caret_at + "^"


def test_config_column_errors_are_at_file_line_column(here: Path) -> None:
    rules(here)
    bad_zone = "fail_on: warn\ncolumns:\n  arrived_at: {time_zone: Europe/Warsww}\n"
    write(here / "svcaudit.yaml", bad_zone)
    assert_one_error(invoke("audit", "zones.csv", "-s", "s.yaml"), "svcaudit.yaml:3:27:", "Warsww")
    write(here / "svcaudit.yaml", "columns:\n  arrived_at: {formt: '%d'}\n")
    assert_one_error(invoke("audit", "zones.csv", "-s", "s.yaml"), "svcaudit.yaml:2:16:", "format")
    write(here / "svcaudit.yaml", "columns: [arrived_at]\n")
    assert_one_error(invoke("audit", "zones.csv", "-s", "s.yaml"), "svcaudit.yaml:1:", "mapping")


def test_two_names_declaring_one_column_two_ways_are_refused(here: Path) -> None:
    rules(here, "  arrived_at: {source: arrived_waw, time_zone: Europe/Warsaw}\n"
                "  resolved_at: closed_waw")  # fmt: skip
    queued = "--map=queued_at={source: arrived_waw, time_zone: UTC}"
    run = invoke("audit", "zones.csv", "-s", "s.yaml", queued)
    assert_one_error(run, "--map queued_at:", "'arrived_waw' is declared differently")
