"""``--baseline PREVIOUS.json`` and ``--fail-on-regression``: changes since an earlier audit.

The fixture meets every target, so any exit 1 comes from a regression. Hand-worked figures:

    hold <= 60 s (target 80 %): A 18 of 20 = 90 %, B 19 of 20 = 95 %, C 3 of 4 = 75 %
                                chain 40 of 44 = 90.909 %              -> met
    recorded (check c, 50 %):   every row true: 44 of 44 = 100 %       -> met

``consistency: min_interactions: 10`` judges A and B; C (4 rows) is not judged, so a fall in
C's rate is shown but never gates.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from tests.helpers import write
from tests.invoke import assert_one_error, invoke
from tests.report.chain_fixture import item_line
from tests.report.test_github import parse, unescape_data
from tests.report.test_junit import XSD, assert_counts_match_children

COUNTS = {"A": (20, 18), "B": (20, 19), "C": (4, 3)}  # rows, hold <= 60 s
CHAIN = 40 / 44

STANDARDS = """\
svcaudit: 1
name: Baseline
consistency:
  min_interactions: 10
standards:
  - id: hold-60s
    title: Holds under a minute
    measure: hold
    at_most: 60s
    target: 80%
  - id: recorded
    title: Every call recorded
    check: c
    target: 50%
"""


def log() -> str:
    rows = ["id,branch,hold_seconds,c"]
    i = 0
    for branch, (n, ok) in COUNTS.items():
        for k in range(n):
            i += 1
            rows.append(f"{i},{branch},{10 if k < ok else 90},true")
    return "\n".join(rows) + "\n"


def std(report: dict[str, Any], sid: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in report["standards"] if s["id"] == sid]
    assert len(found) == 1, sid
    return found[0]


def branch(s: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [b for b in s["branches"] if b["branch"] == name]
    assert len(found) == 1, name
    return found[0]


@pytest.fixture(scope="module")
def here(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture, a baseline made by a real audit, and edited copies of it."""
    d = tmp_path_factory.mktemp("baseline")
    write(d / "log.csv", log(), dedent=False)
    write(d / "std.yaml", STANDARDS, dedent=False)
    mp = pytest.MonkeyPatch()
    mp.chdir(d)
    try:
        run = invoke("audit", "log.csv", "-s", "std.yaml", "-q", "--report", "json:base.json")
    finally:
        mp.undo()
    assert run.code == 0, run.stderr
    base = json.loads((d / "base.json").read_text(encoding="utf-8"))
    hold = std(base, "hold-60s")
    assert hold["rate"] == pytest.approx(CHAIN)
    assert branch(hold, "A")["rate"] == pytest.approx(0.9)
    assert branch(hold, "C")["rate"] == pytest.approx(0.75)
    for drop in (0.08, 0.04):
        edited = json.loads(json.dumps(base))
        hold = std(edited, "hold-60s")
        hold["rate"] += drop  # the chain rate was higher last time
        branch(hold, "A")["rate"] += drop  # and so was A's (a judged branch)
        branch(hold, "C")["rate"] += drop  # and C's (too few to judge)
        name = f"drop{round(drop * 100)}.json"
        (d / name).write_text(json.dumps(edited), encoding="utf-8")
    (d / "notjson.json").write_text("{ this is not JSON", encoding="utf-8")
    (d / "notreport.json").write_text("[1, 2, 3]", encoding="utf-8")
    for bad, value in (("nan", float("nan")), ("over1", 1.5)):  # not a rate: json.dumps writes NaN
        edited = json.loads(json.dumps(base))
        branch(std(edited, "hold-60s"), "A")["rate"] = value
        (d / f"{bad}.json").write_text(json.dumps(edited), encoding="utf-8")
    return d


@pytest.fixture
def cwd(here: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(here)
    return here


def audit_json(*args: str) -> tuple[int, dict[str, Any]]:
    run = invoke("audit", "log.csv", "-s", "std.yaml", "--format", "json", *args)
    assert "Traceback" not in run.stderr
    assert run.code in (0, 1), run.stderr
    return run.code, json.loads(run.stdout)


def test_regression_beyond_the_limit_fails_with_every_target_met(cwd: Path) -> None:
    code, report = audit_json("--baseline", "drop8.json", "--fail-on-regression", "5pp")
    assert code == 1 and report["exit_code"] == 1 and report["verdict"] == "breach"
    assert [s["status"] for s in report["standards"]] == ["met", "met"]
    assert report["baseline"] == "drop8.json"
    assert report["regression_limit"] == pytest.approx(0.05)
    hold = std(report, "hold-60s")
    assert hold["rate"] == pytest.approx(CHAIN)
    assert hold["previous_rate"] == pytest.approx(CHAIN + 0.08)
    assert hold["change"] == pytest.approx(-0.08)
    a, b, c = (branch(hold, n) for n in "ABC")
    assert (a["previous_rate"], a["change"]) == (pytest.approx(0.98), pytest.approx(-0.08))
    assert (b["previous_rate"], b["change"]) == (pytest.approx(0.95), pytest.approx(0.0))
    assert (c["previous_rate"], c["change"]) == (pytest.approx(0.83), pytest.approx(-0.08))
    recorded = std(report, "recorded")
    assert (recorded["previous_rate"], recorded["change"]) == (1.0, pytest.approx(0.0))
    got = sorted(
        (r["standard"], r["branch"] or "", r["previous"], r["current"])
        for r in report["regressions"]
    )
    assert got == [
        ("hold-60s", "", pytest.approx(CHAIN + 0.08), pytest.approx(CHAIN)),  # the chain rate
        ("hold-60s", "A", pytest.approx(0.98), pytest.approx(0.9)),  # not C: not judged
    ]


def test_drop_within_the_limit_passes(cwd: Path) -> None:
    code, report = audit_json("--baseline", "drop4.json", "--fail-on-regression", "5pp")
    assert code == 0 and report["verdict"] == "pass"
    assert report["regressions"] == []
    hold = std(report, "hold-60s")
    assert hold["change"] == pytest.approx(-0.04)
    assert branch(hold, "A")["change"] == pytest.approx(-0.04)


@pytest.mark.parametrize("limit", ["7.9pp", "7.9 pp", "7.9%"])
def test_limit_spellings(cwd: Path, limit: str) -> None:
    # 8 points down is beyond 7.9 points, however the limit is written.
    code, report = audit_json("--baseline", "drop8.json", "--fail-on-regression", limit)
    assert code == 1 and report["regression_limit"] == pytest.approx(0.079)
    assert len(report["regressions"]) == 2


def test_baseline_without_a_limit_shows_changes_only(cwd: Path) -> None:
    code, report = audit_json("--baseline", "drop8.json")
    assert code == 0 and report["regressions"] == []
    assert std(report, "hold-60s")["change"] == pytest.approx(-0.08)


def test_fail_on_never_still_exits_0(cwd: Path) -> None:
    code, report = audit_json(
        "--baseline", "drop8.json", "--fail-on-regression", "5pp", "--fail-on", "never"
    )
    assert code == 0 and report["exit_code"] == 0
    assert len(report["regressions"]) == 2


def test_a_baseline_made_now_shows_no_change(cwd: Path) -> None:
    code, report = audit_json("--baseline", "base.json", "--fail-on-regression", "0pp")
    assert code == 0 and report["regressions"] == []
    for s in report["standards"]:
        assert s["change"] == pytest.approx(0.0)
        assert all(b["change"] == pytest.approx(0.0) for b in s["branches"])


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("--fail-on-regression", "5pp"), ("--baseline",)),
        (("--baseline", "missing.json"), ("missing.json",)),
        (("--baseline", "missing.json", "--fail-on-regression", "5pp"), ("missing.json",)),
        (("--baseline", "notjson.json"), ("notjson.json",)),
        (("--baseline", "notreport.json"), ("notreport.json",)),
        (("--baseline", "nan.json"), ("nan.json", "not an svcaudit JSON report")),
        (("--baseline", "over1.json"), ("over1.json", "not an svcaudit JSON report")),
        (("--baseline", "drop8.json", "--fail-on-regression", "5 points"), ("5 points",)),
        (("--baseline", "drop8.json", "--fail-on-regression", "-5pp"), ("-5pp",)),
    ],
)
def test_unusable_baseline_options_are_exit_2(
    cwd: Path, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    run = invoke("audit", "log.csv", "-s", "std.yaml", "--format", "json", *args)
    assert_one_error(run, *needles)


# ---- regressions in the CI formats --------------------------------------------------------------


def test_junit_has_one_distinct_failing_case_per_regression(cwd: Path) -> None:
    run = invoke(
        "audit",
        "log.csv",
        "-s",
        "std.yaml",
        "--format",
        "junit",
        "--baseline",
        "drop8.json",
        "--fail-on-regression",
        "5pp",
    )
    assert run.code == 1, run.stderr
    xmlschema.XMLSchema(str(XSD)).validate(run.stdout)
    root = ET.fromstring(run.stdout)
    assert_counts_match_children(root)
    cases = list(root.iter("testcase"))
    regressions = [c for c in cases if c.get("classname", "").endswith(".regression")]
    assert len(regressions) == 2  # the chain rate of hold-60s, and branch A's
    assert all(c.find("failure") is not None for c in regressions)
    messages = sorted(c.find("failure").get("message", "") for c in regressions)  # type: ignore[union-attr]
    assert messages[0].startswith("A: hold-60s") and messages[1].startswith("hold-60s")
    # A CI view identifies a test case by class name and name: two cases with the same
    # identity are merged or reported as duplicates, so each regression needs its own.
    identities = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(identities) == len(set(identities)), identities


def test_github_regression_annotations(cwd: Path) -> None:
    run = invoke(
        "audit",
        "log.csv",
        "-s",
        "std.yaml",
        "--format",
        "github",
        "--baseline",
        "drop8.json",
        "--fail-on-regression",
        "5pp",
    )
    assert run.code == 1, run.stderr
    annotations, plain = parse(run.stdout)
    assert [a.level for a in annotations] == ["error", "error"]
    line = str(item_line(STANDARDS, "hold-60s"))
    for a in annotations:
        assert a.props["file"] == "std.yaml" and a.props["line"] == line
        assert "fell" in unescape_data(a.message)
        # a regression is not a consistency problem: the title must not say it is one
        assert "consistency" not in a.props["title"], a.props["title"]
    assert len(plain) == 1 and plain[0].startswith("svcaudit: BREACH")
