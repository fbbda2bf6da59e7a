"""A log that changes while it is read (an export still being written, a file rotated).

svcaudit reads a file several times: to detect its layout and types, to check it has rows, and
once for the audit. The file is changed here between the detection and the audit (by wrapping
the engine). A change that breaks the read is exit 2 with one error line naming the file; a
change that keeps the layout gives an audit of what was read, whose accounting adds up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from svcaudit import runner
from tests.invoke import assert_one_error, invoke

HEADER = "id,branch,arrived_at,greeted_at,hold_seconds\n"
ROWS = (
    "1,North,2025-03-03 09:00:00,2025-03-03 09:00:30,10\n"
    "2,North,2025-03-03 09:00:00,2025-03-03 09:01:30,40\n"
    "3,South,2025-03-03 09:00:00,2025-03-03 09:00:20,20\n"
)
STANDARDS = """\
svcaudit: 1
name: Changing
time_zone: UTC
standards:
  - id: greet-60s
    title: Greeted within 60 seconds
    measure: greeted_at - arrived_at
    at_most: 60s
  - id: hold-30s
    title: Held at most 30 seconds
    measure: hold
    at_most: 30s
"""


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(STANDARDS, encoding="utf-8")
    path = tmp_path / "log.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def _change_before_audit(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]
) -> None:
    original = runner.run

    def run(*args: object, **kwargs: object) -> runner.RawResult:
        change()
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "run", run)


def test_columns_change(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _change_before_audit(
        monkeypatch, lambda: log.write_text("id,site,when\n1,North,today\n", encoding="utf-8")
    )
    assert_one_error(invoke("audit", "log.csv", "-s", "rules.yaml"), "log.csv")


def test_file_removed(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _change_before_audit(monkeypatch, log.unlink)
    assert_one_error(invoke("audit", "log.csv", "-s", "rules.yaml"), "log.csv")


def test_cut_to_the_header(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _change_before_audit(monkeypatch, lambda: log.write_text(HEADER, encoding="utf-8"))
    assert_one_error(invoke("audit", "log.csv", "-s", "rules.yaml"), "log.csv")


def test_binary_garbage_written_over(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _change_before_audit(monkeypatch, lambda: log.write_bytes(b"\x00\xff" * 5000))
    run = invoke("audit", "log.csv", "-s", "rules.yaml")
    assert_one_error(run, "log.csv")


def test_rows_appended_same_layout(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An export still growing: the audit is of the rows there when the audit read it."""
    extra = (
        "4,South,2025-03-03 09:00:00,2025-03-03 09:02:00,50\n"
        "5,South,not a time,2025-03-03 09:00:10,5\n"
    )

    def append() -> None:
        with log.open("a", encoding="utf-8") as f:
            f.write(extra)

    _change_before_audit(monkeypatch, append)
    run = invoke("audit", "log.csv", "-s", "rules.yaml", "-f", "json")
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    # 5 rows: line 6 rejected; greet 30, 90, 20, 120 -> 2 of 4; hold 10, 40, 20, 50 -> 2 of 4.
    assert report["rows"]["read"] == 5
    assert (report["rows"]["evaluated"], report["rows"]["rejected"]) == (4, 1)
    assert [(r["line"], r["reason"]) for r in report["rejects"]] == [
        (6, 'column "arrived_at": cannot read "not a time" as a timestamp')
    ]
    counts = {s["id"]: (s["in_scope"], s["passed"], s["failed"]) for s in report["standards"]}
    assert counts == {"greet-60s": (4, 2, 2), "hold-30s": (4, 2, 2)}
