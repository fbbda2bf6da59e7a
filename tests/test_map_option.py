"""`--map LOGICAL=SOURCE`: every option at once, and no ambiguous mapping (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import write
from tests.invoke import assert_one_error, invoke

# The export wrote its two timestamps into each other's columns: `arrived_at` holds the
# greeting and `greeted_at` the arrival. Swapped back, 1 waited 90 s (breach), 2 waited 30 s.
LOG = """\
id,branch,arrived_at,greeted_at
1,A,2025-03-01T10:01:30Z,2025-03-01T10:00:00Z
2,A,2025-03-01T11:00:30Z,2025-03-01T11:00:00Z
"""
RULES = """\
svcaudit: 1
name: Greeting
standards:
  - id: greet-60s
    title: Greeted within a minute
    measure: greeted_at - arrived_at
    at_most: 60s
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "log.csv", LOG)
    write(tmp_path / "s.yaml", RULES)
    return tmp_path


def test_a_swap_is_applied_at_once(here: Path) -> None:
    swap = ["--map", "arrived_at=greeted_at", "--map", "greeted_at=arrived_at"]
    run = invoke("audit", "log.csv", "-s", "s.yaml", *swap, "--format", "json")
    assert run.code == 1, run.stderr
    s = json.loads(run.stdout)["standards"][0]
    assert (s["in_scope"], s["passed"], s["failed"]) == (2, 1, 1)
    explained = invoke("explain", "greet-60s", "log.csv", "-s", "s.yaml", *swap)
    assert explained.code == 0, explained.stderr
    assert "1m30s" in explained.stdout  # interaction 1: 10:00:00 -> 10:01:30


def test_one_name_mapped_twice_is_refused(here: Path) -> None:
    run = invoke("audit", "log.csv", "-s", "s.yaml", "--map", "branch=id", "--map", "branch=A")
    assert_one_error(run, "--map", "maps 'branch' twice: to 'id' and to 'A'")


def test_the_same_map_twice_is_harmless(here: Path) -> None:
    run = invoke("audit", "log.csv", "-s", "s.yaml", "--map", "branch=id", "--map", "branch=id")
    assert run.code == 1, run.stderr


def test_two_timestamps_from_one_column_are_refused(here: Path) -> None:
    maps = ["--map", "arrived_at=greeted_at", "--map", "answered_at=greeted_at"]
    run = invoke("audit", "log.csv", "-s", "s.yaml", *maps)
    assert_one_error(run, "--map", "'arrived_at' and 'answered_at' from one column 'greeted_at'")
