"""--period end to end: the period key in local time, the counts per period and branch from
the one scan, and the special-cause gate (docs/ci.md's exit-code table) as real processes.

The log, worked out by hand: 14 ISO weeks from Monday 2025-01-06 (2025-W02). Branch A has
100 interactions a week, `ok` true on 88 and 92 in turn for the first 12 weeks (p̄ = 0.90,
s = 0.03 at n = 100, p-chart limits 0.81 .. 0.99), then the two weeks the case says. Branch B
has 10 a week, all ok (too few to judge on its own: min_interactions 30). The chain's week
therefore has n = 110 and x = A's + 10: the baseline p̄ = (1080 + 120) / 1320 = 0.909090...,
s = sqrt(p̄(1 - p̄)/110) = 0.027410, limits 0.82686 .. 0.99132.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.cli import app
from svcaudit.compile.plan import BRANCH, EVALUATED, INVALID, PERIOD, REJECTED, ROWS
from svcaudit.compile.query import MERGED, count_column
from svcaudit.counts import NAMES, Counts
from svcaudit.runner import tally_rows
from svcaudit.spc import Rule
from svcaudit.standards.spc_model import PeriodUnit
from svcaudit.trend import special_causes
from tests.helpers import REPO, write
from tests.test_cli import run_subprocess

MONDAY = date(2025, 1, 6)
STD = """svcaudit: 1
name: Weeks
time_zone: Europe/Warsaw
{top}standards:
  - id: ok
    title: OK
    check: ok
    target: {target}
{spc}"""


def log(tail: list[int]) -> str:
    a = [88, 92] * 6 + tail
    rows = ["id,branch,arrived_at,ok"]
    i = 0
    for w, x in enumerate(a):
        day = MONDAY + timedelta(days=7 * w + 2)
        for k in range(100):
            i += 1
            rows.append(f"{i},A,{day} 10:{k % 60:02d}:00,{'true' if k < x else 'false'}")
        for _ in range(10):
            i += 1
            rows.append(f"{i},B,{day} 12:00:00,true")
    return "\n".join(rows) + "\n"


def setup(d: Path, tail: list[int], *, top: str = "", spc: str = "", target: str = "80%") -> None:
    write(d / "log.csv", log(tail), dedent=False)
    write(d / "s.yaml", STD.format(top=top, spc=spc, target=target), dedent=False)


def test_weeks_counts_and_limits(tmp_path: Path) -> None:
    setup(tmp_path, [90, 60])
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(tmp_path / "log.csv"),
            "-s",
            str(tmp_path / "s.yaml"),
            "--period",
            "week",
            "--format",
            "json",
        ],
    )
    doc = json.loads(r.stdout)
    s = doc["standards"][0]
    assert doc["period"] == "week"
    periods = s["periods"]
    assert [p["period"] for p in periods] == [f"2025-W{w:02d}" for w in range(2, 16)]
    assert periods[0]["start"] == "2025-01-06"
    assert [p["n"] for p in periods] == [110] * 14
    assert [p["passed"] for p in periods] == [x + 10 for x in [88, 92] * 6 + [90, 60]]
    pbar = 1200 / 1320
    sd = math.sqrt(pbar * (1 - pbar) / 110)
    assert periods[13]["centre"] == pytest.approx(pbar)
    assert periods[13]["low"] == pytest.approx(pbar - 3 * sd)
    assert periods[13]["high"] == pytest.approx(pbar + 3 * sd)
    # 70/110 = 0.636 < 0.827: beyond the lower limit in the latest week
    assert s["spc"]["signals"] == [
        {
            "rule": "beyond-limit",
            "kind": "concern",
            "from": "2025-W15",
            "to": "2025-W15",
            "latest": True,
        }
    ]
    assert doc["special_causes"] == ["ok"]
    assert s["spc"]["chart"] == "p" and s["spc"]["baseline"] == {
        "first": "2025-W02",
        "last": "2025-W13",
    }
    branches = {b["branch"]: b for b in s["spc"]["branches"]}
    assert [p["n"] for p in branches["B"]["periods"]] == [10] * 14
    assert not any(p["judged"] for p in branches["B"]["periods"])
    assert branches["A"]["signals"][-1]["kind"] == "concern"
    # the totals are the periods' sums: the same scan
    assert s["in_scope"] == 14 * 110 and s["passed"] == sum(p["passed"] for p in periods)


def test_local_week_boundary(tmp_path: Path) -> None:
    # Sunday 23:30 UTC is Monday 00:30 in Warsaw (UTC+1 in January): the next ISO week
    write(
        tmp_path / "log.csv",
        "id,branch,arrived_at,ok\n1,A,2025-01-12T22:59:00+00:00,true\n"
        "2,A,2025-01-12T23:30:00+00:00,true\n3,A,2025-01-13 00:10:00,false\n",
        dedent=False,
    )
    write(tmp_path / "s.yaml", STD.format(top="", spc="", target="50%"), dedent=False)
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(tmp_path / "log.csv"),
            "-s",
            str(tmp_path / "s.yaml"),
            "--period",
            "week",
            "--format",
            "json",
        ],
    )
    periods = json.loads(r.stdout)["standards"][0]["periods"]
    assert [(p["period"], p["n"], p["passed"]) for p in periods] == [
        ("2025-W02", 1, 1),
        ("2025-W03", 2, 1),
    ]


def test_month_and_quarter_and_day_labels(tmp_path: Path) -> None:
    setup(tmp_path, [90, 90])
    for unit, first, count in (
        ("month", "2025-01", 4),
        ("quarter", "2025-Q1", 2),
        ("day", "2025-01-08", 14 * 7 - 6),
    ):
        r = CliRunner().invoke(
            app,
            [
                "audit",
                str(tmp_path / "log.csv"),
                "-s",
                str(tmp_path / "s.yaml"),
                "--period",
                unit,
                "--format",
                "json",
            ],
        )
        periods = json.loads(r.stdout)["standards"][0]["periods"]
        assert periods[0]["period"] == first and len(periods) == count, unit
    # days without interactions are listed, with n = 0
    assert sum(1 for p in periods if p["n"] == 0) == count - 14


# (tail weeks, top, spc, --fail-on) -> exit code, as real processes
CASES = {
    "concern in the latest week": ([90, 60], "", "", "special-cause", 1),
    "concern that recovered": ([60, 90], "", "", "special-cause", 0),
    "improvement in the latest week": ([90, 100], "", "", "special-cause", 0),
    "no signal, target missed": ([90, 90], "", "", "special-cause", 0),
    "concern, default --fail-on, spc warn": ([90, 60], "", "", "fail", 0),
    "concern, spc severity fail": ([90, 60], "", "    spc: {severity: fail}\n", "fail", 1),
    "concern, --fail-on warn": ([90, 60], "", "", "warn", 1),
    "concern, --fail-on never": ([90, 60], "", "", "never", 0),
    "period from the file": ([90, 60], "period: week\n", "", "special-cause", 1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_special_cause_exit_codes(tmp_path: Path, case: str) -> None:
    tail, top, spc, fail_on, code = CASES[case]
    target = "95%" if case == "no signal, target missed" else "80%"
    setup(tmp_path, tail, top=top, spc=spc, target=target)
    period = [] if top else ["--period", "week"]
    r = run_subprocess(
        ("audit", "log.csv", "-s", "s.yaml", *period, "--fail-on", fail_on, "-q"), tmp_path
    )
    assert r.code == code, r.stderr


def test_special_cause_needs_periods(tmp_path: Path) -> None:
    setup(tmp_path, [90, 60])
    r = run_subprocess(("audit", "log.csv", "-s", "s.yaml", "--fail-on", "special-cause"), tmp_path)
    assert r.code == 2
    assert "--fail-on special-cause needs periods" in r.stderr and "--period" in r.stderr


def test_redacted_branches_are_tokens_in_the_periods_too(tmp_path: Path) -> None:
    setup(tmp_path, [90, 60])
    write(tmp_path / "log.csv", log([90, 60]).replace(",A,", ",Alpha Hotel,"), dedent=False)
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(tmp_path / "log.csv"),
            "-s",
            str(tmp_path / "s.yaml"),
            "--period",
            "week",
            "--redact",
            "branch",
            "--format",
            "json",
        ],
    )
    assert "Alpha Hotel" not in r.stdout
    doc = json.loads(r.stdout)
    names = [b["branch"] for b in doc["standards"][0]["spc"]["branches"]]
    assert sorted(names) == sorted(b["branch"] for b in doc["standards"][0]["branches"])


def test_period_from_the_config_file(tmp_path: Path) -> None:
    setup(tmp_path, [90, 60])
    write(tmp_path / "svcaudit.yaml", "period: week\nfail_on: special-cause\n", dedent=False)
    r = run_subprocess(("audit", "log.csv", "-s", "s.yaml", "-q"), tmp_path)
    assert r.code == 1, r.stderr


def test_baseline_window_and_rebase_from_the_standards_file(tmp_path: Path) -> None:
    # baseline: weeks W04..W07 (A: 92, 88, 92, 88 -> chain 102+98+102+98 of 440 = 0.90909);
    # a rebase on 2025-03-31 (W14) starts new limits there from its own judged weeks
    spc = "spc:\n  baseline: {since: 2025-01-20, until: 2025-02-16}\n  rebase: [2025-03-31]\n"
    setup(tmp_path, [90, 60], top=spc)
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(tmp_path / "log.csv"),
            "-s",
            str(tmp_path / "s.yaml"),
            "--period",
            "week",
            "--format",
            "json",
        ],
    )
    s = json.loads(r.stdout)["standards"][0]
    assert s["spc"]["baseline"] == {"first": "2025-W04", "last": "2025-W15"}
    flagged = [p["period"] for p in s["periods"] if p["baseline"]]
    assert flagged == ["2025-W04", "2025-W05", "2025-W06", "2025-W07", "2025-W14", "2025-W15"]
    assert s["periods"][0]["centre"] == pytest.approx(400 / 440)
    # the rebased segment: W14 (100 of 110) and W15 (70 of 110) -> 170/220
    assert s["periods"][13]["centre"] == pytest.approx(170 / 220)
    assert s["spc"]["rebase"] == ["2025-03-31"]


def test_bad_spc_settings_and_a_log_without_arrival_times(tmp_path: Path) -> None:
    setup(tmp_path, [90, 60], top="spc: {chart: q}\n")
    r = run_subprocess(("validate", "s.yaml"), tmp_path)
    assert r.code == 2 and "s.yaml:4" in r.stderr and "chart" in r.stderr, r.stderr
    setup(tmp_path, [90, 60])
    write(tmp_path / "log.csv", "id,branch,ok\n1,A,true\n", dedent=False)
    r = run_subprocess(("audit", "log.csv", "-s", "s.yaml", "--period", "week"), tmp_path)
    assert r.code == 2 and "--period needs the interactions' `arrived_at`" in r.stderr, r.stderr
    r = run_subprocess(("audit", "log.csv", "-s", "s.yaml", "--period", "fortnight"), tmp_path)
    assert r.code == 2 and "fortnight" in r.stderr


def test_periods_in_the_branch_calendars_time_zone(tmp_path: Path) -> None:
    # 2025-01-13 03:00 UTC is Monday 04:00 in Warsaw (2025-W03) but Sunday 22:00 in New York
    # (2025-W02): branch NY keeps a New York calendar, branch A the file's zone.
    write(
        tmp_path / "log.csv",
        "id,branch,arrived_at,ok\n1,A,2025-01-13T03:00:00Z,true\n2,NY,2025-01-13T03:00:00Z,true\n",
        dedent=False,
    )
    cal = (
        "calendars:\n  ny:\n    time_zone: America/New_York\n"
        '    hours: {mon-fri: "09:00-17:00"}\n    branches: [NY]\n'
    )
    write(tmp_path / "s.yaml", STD.format(top=cal, spc="", target="50%"), dedent=False)
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(tmp_path / "log.csv"),
            "-s",
            str(tmp_path / "s.yaml"),
            "--period",
            "week",
            "--format",
            "json",
        ],
    )
    spc = json.loads(r.stdout)["standards"][0]["spc"]
    weeks = {b["branch"]: [p["period"] for p in b["periods"] if p["n"]] for b in spc["branches"]}
    assert weeks == {"A": ["2025-W03"], "NY": ["2025-W02"]}


def test_demo_weeks_match_the_plain_python_reference() -> None:
    """The 26-week demo by week (examples/README.md, "Over time"): every week's counts of
    every standard, chain and branch, are check_story.py's (plain Python, ISO weeks of the
    local arrival time), and the planted changes are found where it finds them: a concern
    shift from 2025-W28 (Warszawa Centrum and the chain, checkin-5min) and an improvement
    shift from 2025-W24 (Kraków Old Town, hold-30s), both reaching the latest week."""
    from tests.test_audit import load_reference  # noqa: PLC0415

    ref = load_reference()
    hotel = ref.load_hotel()
    rules = {r.id: r for r in ref.hotel_rules()}
    card = run_audit(
        AuditRequest(
            logs=[str(REPO / "examples" / "hotel-chain.csv")],
            standards=[str(REPO / "standards" / "hospitality-five-star.yaml")],
            period=PeriodUnit.WEEK,
        )
    )
    for t in card.trends:
        r = rules[t.id]
        for branch, chart in [(None, t.chart), *((b.branch, b.chart) for b in t.branches)]:
            weeks = ref.weekly(hotel.rows, r, branch)
            skip = r.skip_missing
            want = {
                w: (x.passed, x.in_scope - (x.unmeasured if skip else 0)) for w, x in weeks.items()
            }
            got = {lab: (p.passed, p.n) for lab, p in zip(t.labels, chart.points, strict=True)}
            assert {w: c for w, c in got.items() if c[1]} == want, (t.id, branch)
    by_id = {t.id: t for t in card.trends}
    for branch, sid, direction, since in ref.PLANTED:
        t = by_id[sid]
        chart = (
            t.chart if branch is None else next(b.chart for b in t.branches if b.branch == branch)
        )
        centre, first, side, length = ref.latest_run(
            ref.weekly(hotel.rows, rules[sid], branch), False
        )
        shift = next(s for s in chart.signals if s.rule == Rule.SHIFT and s.last == chart.latest)
        assert (
            (t.labels[shift.first], shift.concern)
            == (since, direction == "worse")
            == (first, side < 0)
        )
        assert chart.points[-1].centre == pytest.approx(centre)
        judged = chart.points[shift.first : shift.last + 1]
        assert sum(1 for p in judged if p.judged) == length
    assert [t.id for t in special_causes(card.trends)] == ["checkin-5min"]


def test_a_branch_counts_its_rows_without_a_period_too() -> None:
    """With --period the aggregate has a row per (branch, period); a row whose arrival is
    missing (or an invalid value) has no period. The branch's counts are all of its rows: two
    dated weeks (4 of 5 and 3 of 3 passed) and an undated row group (1 of 2) give 8 of 10,
    in whatever order the engine returns the groups; the periods hold only the dated ones."""
    leading = [BRANCH, PERIOD, REJECTED, ROWS, MERGED, INVALID]
    columns = [*leading, *(count_column(0, n) for n in NAMES)]

    def row(period: str | None, in_scope: int, passed: int) -> list[object]:
        counts = Counts(in_scope=in_scope, passed=passed)
        return ["A", period, EVALUATED, in_scope, 0, 0, *counts]

    groups = [row("2025-01-06", 5, 4), row(None, 2, 1), row("2025-01-13", 3, 3)]
    for order in (groups, groups[::-1], [groups[1], groups[0], groups[2]]):
        tally = tally_rows(order, columns, 1)
        assert (tally.branches["A"][0].in_scope, tally.branches["A"][0].passed) == (10, 8)
        assert tally.evaluated == 10
        assert sorted(p for _, p in tally.periods) == ["2025-01-06", "2025-01-13"]
