"""Profiles on vendor exports, against examples/vendors/reference.py (plain Python, no svcaudit).

The reference reads each export as the vendor documents it and computes the logical columns
independently; these tests recompute the contact-centre and helpdesk figures from its rows and
compare them with svcaudit's JSON report. One documented difference: the reference rejects a
record whose own timestamp is unparseable; svcaudit does the same because the profiles mark
`id` and `arrived_at` as required columns.
"""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from svcaudit.cli import app
from svcaudit.sources.profiles import PROFILES, detect_profile

REPO = Path(__file__).resolve().parents[2]
VENDORS = REPO / "examples" / "vendors"
runner = CliRunner()


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_reference", VENDORS / "reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def audit(log: str, standards: str, *extra: str) -> dict[str, Any]:
    result = runner.invoke(
        app, ["audit", str(VENDORS / log), "-s", str(REPO / standards), "-f", "json", *extra]
    )
    assert result.exit_code in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def by_branch(report: dict[str, Any], sid: str) -> dict[str, tuple[int, int]]:
    std = next(s for s in report["standards"] if s["id"] == sid)
    return {b["branch"]: (b["passed"], b["in_scope"]) for b in std["branches"]}


def tally(rows: list[dict[str, Any]], scope: Any, passes: Any) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if scope(r):
            counts[r["branch"]][1] += 1
            counts[r["branch"]][0] += bool(passes(r))
    return {k: (v[0], v[1]) for k, v in counts.items()}


def test_amazon_connect_matches_reference(reference: ModuleType) -> None:
    rows, stats = reference.ctr_rows(VENDORS / "amazon-connect-ctr.jsonl.gz")
    report = audit("amazon-connect-ctr.jsonl.gz", "standards/contact-centre.yaml")
    assert report["profile"] == "amazon-connect (detected)"
    assert report["rows"] == {
        "read": stats["lines"],
        "evaluated": stats["rows"],
        "rejected": len(stats["malformed"]),
        "merged": stats["merged"],
        "outside": 0,
    }
    offered = lambda r: r["channel"] == "phone" and r["queued_at"] is not None  # noqa: E731
    answered = lambda r: offered(r) and not r["abandoned"]  # noqa: E731
    assert by_branch(report, "service-level-80-20") == tally(
        rows, offered, lambda r: not r["abandoned"] and r["wait"] <= 20
    )
    assert by_branch(report, "abandonment-5pct") == tally(
        rows, offered, lambda r: not r["abandoned"]
    )
    assert by_branch(report, "hold-total-2min") == tally(rows, answered, lambda r: r["hold"] <= 120)
    assert by_branch(report, "hold-longest-60s") == tally(
        rows, lambda r: answered(r) and r["holds"] > 0, lambda r: r["longest_hold"] <= 60
    )
    # the planted story: Support is the worst queue on service level
    sl = by_branch(report, "service-level-80-20")
    assert min(sl, key=lambda q: sl[q][0] / sl[q][1]) == "Support"


def test_amazon_connect_keeps_the_latest_record_not_the_last_line(
    reference: ModuleType, tmp_path: Path
) -> None:
    # Six duplicate pairs have the newer copy first in the file; a last-line-wins merge would
    # leave those answered calls without after-contact work.
    rows, _ = reference.ctr_rows(VENDORS / "amazon-connect-ctr.jsonl.gz")
    std = tmp_standard(
        tmp_path,
        "after-work",
        "measure: after_work\n    at_most: 1d\n    missing: fail",
        'channel == "phone" and answered_at is not null',
    )
    report = audit("amazon-connect-ctr.jsonl.gz", str(std))
    total = sum(p for p, _ in by_branch(report, "after-work").values())
    expected = sum(
        1
        for r in rows
        if r["channel"] == "phone"
        and r["answered_at"] is not None
        and r["after_work"] is not None
        and r["after_work"] <= 86400
    )
    assert total == expected


def tmp_standard(tmp: Path, sid: str, body: str, when: str) -> Path:
    path = tmp / f"{sid}.yaml"
    path.write_text(
        f"svcaudit: 1\nname: T\nstandards:\n  - id: {sid}\n    title: T\n    when: {when}\n"
        f"    {body}\n",
        encoding="utf-8",
    )
    return path


def test_asterisk_matches_reference(reference: ModuleType) -> None:
    rows, stats = reference.asterisk_rows(VENDORS / "asterisk-queue_log")
    report = audit("asterisk-queue_log", "standards/contact-centre.yaml")
    assert report["profile"] == "asterisk-queue-log (detected)"
    # one row per queue visit: 1,200 calls, 17 of them overflow into a second queue and 4 come
    # back to the queue they left
    assert report["rows"]["evaluated"] == len(rows) == 1221
    assert stats["calls"] == 1200
    assert report["rows"]["rejected"] == len(stats["malformed"]) == 2
    assert [r["line"] for r in report["rejects"]] == [288, 4038]
    every = lambda r: True  # noqa: E731
    assert by_branch(report, "service-level-80-20") == tally(
        rows, every, lambda r: r["answered"] and r["wait"] <= 20
    )
    assert by_branch(report, "abandonment-5pct") == tally(rows, every, lambda r: not r["abandoned"])
    holds = next(s for s in report["standards"] if s["id"] == "hold-total-2min")
    assert holds["status"] == "no data" and holds["note"] == "the export has no 'hold'"


@pytest.mark.parametrize("outcome", ["answered", "abandoned", "timeout", "exit-empty", "exit-key"])
def test_asterisk_outcomes_match_reference(
    reference: ModuleType, tmp_path: Path, outcome: str
) -> None:
    rows, _ = reference.asterisk_rows(VENDORS / "asterisk-queue_log")
    std = tmp_standard(tmp_path, "o", f'check: outcome == "{outcome}"', "queued_at is not null")
    report = audit("asterisk-queue_log", str(std))
    expected = tally(rows, lambda r: True, lambda r: r["outcome"] == outcome)
    assert by_branch(report, "o") == expected
    assert sum(p for p, _ in expected.values()) > 0  # every outcome occurs in the example


def test_zendesk_matches_reference(reference: ModuleType) -> None:
    rows, stats = reference.zendesk_rows(VENDORS / "zendesk-tickets.json.gz")
    report = audit("zendesk-tickets.json.gz", "standards/helpdesk-zendesk.yaml")
    assert report["profile"] == "zendesk"  # named in the standards file
    assert report["rows"]["read"] == stats["tickets"]
    assert report["rows"]["rejected"] == len(stats["rejected"]) == 2
    limits = {"urgent": 60, "high": 240, "normal": 1440, "low": 4320}  # business minutes
    expected = tally(
        rows,
        lambda r: r["priority"] in limits,
        lambda r: (
            r["first_reply_business"] is not None
            and r["first_reply_business"] <= limits[r["priority"]]
        ),
    )
    assert by_branch(report, "first-reply-sla") == expected
    assert (
        sum(p for p, _ in expected.values()) == 638 and sum(n for _, n in expected.values()) == 751
    )


def test_detection_and_unknown_profile() -> None:
    assert (
        detect_profile({"ContactId", "InitiationTimestamp", "Channel", "Queue.Name"})
        is PROFILES["amazon-connect"]
    )
    assert detect_profile({"id", "branch", "arrived_at"}) is None
    result = runner.invoke(
        app,
        [
            "audit",
            str(REPO / "examples/hotel-chain.csv"),
            "-s",
            str(REPO / "standards/hospitality-five-star.yaml"),
            "--profile",
            "amazon-conect",
        ],
    )
    assert result.exit_code == 2 and "did you mean 'amazon-connect'" in result.stderr


def test_map_renames_a_column(tmp_path: Path) -> None:
    log = tmp_path / "visits.csv"
    log.write_text(
        "ticket,site,created,called\n"
        "1,A,2025-03-01 10:00:00,2025-03-01 10:04:00\n"  # 4 min: within 5 min
        "2,A,2025-03-01 10:00:00,2025-03-01 10:07:00\n"  # 7 min: late
        "3,B,2025-03-01 10:00:00,2025-03-01 10:01:00\n",  # 1 min
        encoding="utf-8",
    )
    std = tmp_path / "std.yaml"
    std.write_text(
        "svcaudit: 1\nname: Q\ncolumns:\n  called_at: called\nstandards:\n"
        "  - id: called-5m\n    title: Called within 5 minutes\n"
        "    measure: called_at - arrived_at\n    at_most: 5m\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "audit",
            str(log),
            "-s",
            str(std),
            "--map",
            "arrived_at=created",
            "--map",
            "branch=site",
            "-f",
            "json",
        ],
    )
    data = json.loads(result.stdout)
    assert {
        b["branch"]: (b["passed"], b["in_scope"]) for b in data["standards"][0]["branches"]
    } == {
        "A": (1, 2),
        "B": (1, 1),
    }
    bad = runner.invoke(app, ["audit", str(log), "-s", str(std), "--map", "arrived_at"])
    assert bad.exit_code == 2 and "LOGICAL=SOURCE" in bad.stderr
