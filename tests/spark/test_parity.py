"""The Spark engine gives DuckDB's figures: every bundled example with its standards pack.

The whole JSON report is compared: rows read/evaluated/rejected/merged, every standard and
branch (in scope, passed, failed, unmeasured, rates, intervals, consistency) and the rejected
rows with file, line and reason. Nothing here is skipped: PySpark is in the ``[test]`` extra.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

import svcaudit.compile
import svcaudit.engine
import svcaudit.spark.engine
from svcaudit.audit import AuditRequest, explain, run_audit
from svcaudit.errors import SvcauditError
from svcaudit.report.json import scorecard_dict
from svcaudit.score import FailOn
from svcaudit.standards.spc_model import PeriodUnit
from tests.expressions.test_business_horizon import horizon_case
from tests.expressions.test_calendars import overlap_case, write_case
from tests.helpers import REPO, write
from tests.invoke import assert_one_error, invoke
from tests.test_cli import run_subprocess

# (log, standards pack): the README's tour and packs table, and examples/vendors/README.md
EXAMPLES = [
    ("examples/hotel-chain.csv", "standards/hospitality-five-star.yaml"),
    ("examples/contact-centre.csv.gz", "standards/contact-centre.yaml"),
    ("examples/helpdesk-tickets.jsonl", "standards/helpdesk-sla.yaml"),
    ("examples/vendors/zendesk-tickets.json.gz", "standards/helpdesk-zendesk.yaml"),
    ("examples/vendors/amazon-connect-ctr.jsonl.gz", "standards/contact-centre.yaml"),
    ("examples/vendors/asterisk-queue_log", "standards/contact-centre.yaml"),
]
# (checklist sheet, pack): read by svcaudit itself whatever the engine
CHECKLISTS = [
    ("examples/hotel-inspections.csv", "standards/hospitality-inspection.yaml"),
    ("examples/qa-evaluations.csv", "standards/contact-centre-qa.yaml"),
]


def test_every_bundled_example_and_pack_is_covered() -> None:
    logs = {p.relative_to(REPO).as_posix() for p in (REPO / "examples").rglob("*")}
    logs = {p for p in logs if p.endswith((".csv", ".gz", ".jsonl", ".json", "queue_log"))}
    assert logs == {log for log, _ in EXAMPLES + CHECKLISTS}
    packs = {p.relative_to(REPO).as_posix() for p in (REPO / "standards").glob("*.yaml")}
    assert packs == {pack for _, pack in EXAMPLES + CHECKLISTS}


@pytest.mark.parametrize(("sheet", "pack"), CHECKLISTS, ids=[s for s, _ in CHECKLISTS])
def test_checklists_same_report_on_both_engines(
    spark: Any, sheet: str, pack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    request = AuditRequest(logs=[sheet], standards=[pack])
    assert report(replace(request, engine="spark")) == report(request)


def test_timed_standards_and_a_checklist_on_both_engines(
    spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    request = AuditRequest(
        logs=["examples/hotel-chain.csv"],
        standards=["standards/hospitality-five-star.yaml", "standards/hospitality-inspection.yaml"],
        checklists=("examples/hotel-inspections.xlsx",),
    )
    duckdb_report = report(request)
    assert len(duckdb_report["checklists"]) == 1 and len(duckdb_report["standards"]) == 86
    assert report(replace(request, engine="spark")) == duckdb_report


def report(request: AuditRequest) -> dict[str, Any]:
    return scorecard_dict(run_audit(request))


@pytest.mark.parametrize(("log", "pack"), EXAMPLES, ids=[log for log, _ in EXAMPLES])
def test_same_report_on_both_engines(
    spark: Any, log: str, pack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    request = AuditRequest(logs=[log], standards=[pack])
    duckdb_report = report(request)
    spark_report = report(replace(request, engine="spark"))
    assert spark_report["rows"] == duckdb_report["rows"]
    for d, s in zip(duckdb_report["standards"], spark_report["standards"], strict=True):
        assert s == d, d["id"]
    assert spark_report["rejects"] == duckdb_report["rejects"]
    assert spark_report == duckdb_report
    # the examples plant broken records and bad values: both engines see them
    assert duckdb_report["rows"]["rejected"] + duckdb_report["invalid_values"]["count"] > 0


@pytest.mark.parametrize(("log", "pack"), EXAMPLES, ids=[log for log, _ in EXAMPLES])
def test_histogram_strategy_on_both_engines(
    spark: Any, log: str, pack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guides of many standards are counted from a histogram folded in numpy (see
    svcaudit.histogram); forced here for the bundled packs, both engines give the report
    of the direct query."""
    monkeypatch.chdir(REPO)
    request = AuditRequest(logs=[log], standards=[pack])
    direct = report(request)
    monkeypatch.setattr(svcaudit.compile, "HISTOGRAM_ABOVE", 0)
    assert report(request) == direct
    assert report(replace(request, engine="spark")) == direct


@pytest.mark.parametrize(("log", "pack"), EXAMPLES, ids=[log for log, _ in EXAMPLES])
def test_details_on_both_engines(
    spark: Any, log: str, pack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal's and HTML report's details: the distributions of the measures (one
    grouping-sets query) and the worst breaches (ties in the same order) come from the
    engine that read the logs, with the same figures."""
    monkeypatch.chdir(REPO)
    request = AuditRequest(logs=[log], standards=[pack], details=4)
    on_duckdb = run_audit(request)
    on_spark = run_audit(replace(request, engine="spark"))
    # queue_log records no holds: the pack's two measured standards have no data there
    assert on_duckdb.distributions or log.endswith("queue_log")
    assert on_spark.distributions == on_duckdb.distributions
    assert [w.standard_id for w in on_spark.worst] == [w.standard_id for w in on_duckdb.worst]
    for d, s in zip(on_duckdb.worst, on_spark.worst, strict=True):
        assert s.rows == d.rows, d.standard_id  # timestamps as DuckDB's text, with offsets
        assert s.files == d.files
    assert any(w.rows for w in on_duckdb.worst)


@pytest.mark.parametrize(("log", "pack"), [EXAMPLES[2], EXAMPLES[5]], ids=["jsonl", "queue_log"])
def test_files_split_across_tasks(
    spark: Any, log: str, pack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a cluster: a file read in many splits gives the same figures and line numbers."""
    monkeypatch.chdir(REPO)
    assert (REPO / log).stat().st_size > 4 * 32_768
    request = AuditRequest(logs=[log], standards=[pack])
    expected = report(request)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "32768")
    try:
        assert report(replace(request, engine="spark")) == expected
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")


def test_period_and_groups_on_both_engines(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """--since/--until (rows outside the period) and --by channel (other group keys)."""
    monkeypatch.chdir(REPO)
    request = AuditRequest(
        logs=["examples/hotel-chain.csv"],
        standards=["standards/hospitality-five-star.yaml"],
        by=("branch", "channel"),
        since="2025-03-20",
        until="2025-03-31",
    )
    duckdb_report = report(request)
    assert duckdb_report["rows"]["outside"] > 0
    assert report(replace(request, engine="spark")) == duckdb_report


@pytest.mark.parametrize("period", ["day", "week"])
def test_periods_on_both_engines(spark: Any, period: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """--period: the period key (local time, Wrocław's rows with explicit offsets, ISO weeks
    across the change to summer time) in the same scan, direct and histogram, with the
    control charts of every standard and branch: whole reports compared."""
    monkeypatch.chdir(REPO)
    request = AuditRequest(
        logs=["examples/hotel-chain.csv"],
        standards=["standards/hospitality-five-star.yaml"],
        period=PeriodUnit(period),
    )
    duckdb_report = report(request)
    assert all(s["periods"] for s in duckdb_report["standards"])
    assert report(replace(request, engine="spark")) == duckdb_report
    monkeypatch.setattr(svcaudit.compile, "HISTOGRAM_ABOVE", 0)
    assert report(request) == duckdb_report
    assert report(replace(request, engine="spark")) == duckdb_report


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "text"])
def test_parquet_on_both_engines(
    spark: Any, tmp_path: Path, typed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hotel chain as Parquet: typed by DuckDB's CSV sniffer (naive timestamps, integers,
    booleans), or every column text (then typed by svcaudit, rejects included)."""
    monkeypatch.chdir(REPO)
    target = tmp_path / "hotel.parquet"
    options = "ignore_errors = true" + ("" if typed else ", all_varchar = true")
    source = f"read_csv('examples/hotel-chain.csv', {options})"
    duckdb.sql(f"COPY (SELECT * FROM {source}) TO '{target}' (FORMAT parquet)")
    request = AuditRequest(logs=[str(target)], standards=["standards/hospitality-five-star.yaml"])
    duckdb_report = report(request)
    assert duckdb_report["rows"]["evaluated"] > 4900
    assert report(replace(request, engine="spark")) == duckdb_report


def test_several_files_and_formats_on_both_engines(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A glob of two CSV exports, then a CSV and a Parquet file whose columns differ (the
    Parquet lacks `note`): Spark stacks them by name as DuckDB does (Spark SQL has no UNION
    BY NAME), and both list the rejected rows file by file in the order given."""
    monkeypatch.chdir(REPO)
    (tmp_path / "a.csv").write_bytes((REPO / "examples" / "hotel-chain.csv").read_bytes())
    (tmp_path / "b.csv").write_bytes((REPO / "examples" / "hotel-chain.csv").read_bytes())
    pack = "standards/hospitality-five-star.yaml"
    request = AuditRequest(logs=[str(tmp_path / "*.csv")], standards=[pack])
    duckdb_report = report(request)
    # two copies of the demo's 30,000 rows: each has 2 broken records rejected and 5 invalid
    # values (examples/README.md)
    assert duckdb_report["rows"]["read"] == 60_000 and duckdb_report["duplicates"]["rows"]
    assert [r["file"] for r in duckdb_report["rejects"]] == [str(tmp_path / "a.csv")] * 2 + [
        str(tmp_path / "b.csv")
    ] * 2
    invalid = duckdb_report["invalid_values"]["values"]
    assert [v["file"] for v in invalid] == [str(tmp_path / "a.csv")] * 5 + [
        str(tmp_path / "b.csv")
    ] * 5
    assert report(replace(request, engine="spark")) == duckdb_report
    parquet = tmp_path / "c.parquet"
    source = "read_csv('examples/hotel-chain.csv', ignore_errors = true)"
    duckdb.sql(f"COPY (SELECT * EXCLUDE (note) FROM {source}) TO '{parquet}' (FORMAT parquet)")
    mixed = AuditRequest(logs=[str(tmp_path / "a.csv"), str(parquet)], standards=[pack])
    duckdb_report = report(mixed)
    # the Parquet copy lacks the two records with the wrong number of fields
    assert duckdb_report["rows"]["read"] == 30_000 + 29_998
    assert report(replace(mixed, engine="spark")) == duckdb_report


def test_uris_are_read_by_spark(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log given as a URI (file:// here; s3a://, gs:// alike): planned on a staged sample,
    read in full by Spark, the same figures; DuckDB refuses URIs with a hint."""
    monkeypatch.chdir(REPO)
    log, pack = "examples/contact-centre.csv.gz", "standards/contact-centre.yaml"
    uri = (REPO / log).as_uri()
    expected = report(AuditRequest(logs=[log], standards=[pack]))
    got = report(AuditRequest(logs=[uri], standards=[pack], engine="spark"))
    assert got["rows"] == expected["rows"]
    assert got["standards"] == expected["standards"]
    assert [(r["line"], r["reason"]) for r in got["rejects"]] == [
        (r["line"], r["reason"]) for r in expected["rejects"]
    ]
    assert {r["file"] for r in got["rejects"]} == {uri}
    assert_one_error(invoke("audit", uri, "-s", pack), "URI", "--engine spark")


TRICKY_CSV = (
    "\ufeffid,branch,channel,arrived_at,answered_at,hold_seconds,callback,note\r\n"
    '1,N,phone,2025-03-30 01:59:00,2025-03-30 03:00:10,"",true,"a, quoted\nline break"\r\n'
    "2,N,phone,2025-03-30T00:30:00Z,2025-03-30T00:31:00+01:00, 31 ,yes,\r\n"
    "3,S,phone,2025-03,2025-03-03 09:00:05,5.5,T,\r\n"
    "4,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:05,1_000,true,\r\n"
    "9,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:05,12,maybe,\r\n"
    "5,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:05,1.5d, true ,\r\n"
    "6,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:05,7\r\n"
    '7,S,"in-person",2025-03-03 09:00:00,,,"",x,extra\r\n'
    "\r\n"
    "8,N,email,31/03/2025 10:00,2025-03-03 09:00:05,0,false,\r\n"
)
TRICKY_RULES = """\
svcaudit: 1
name: Edge cases
time_zone: Europe/Warsaw
fields:
  wait: answered_at - arrived_at
standards:
  - id: wait-60s
    title: Answered within a minute
    measure: wait
    at_most: 60s
    target: 50%
  - id: hold-30s
    title: Hold at most 30 s
    when: channel == "phone" and weekday(arrived_at) in [6, 7] or hour(arrived_at) < 3
    measure: hold
    at_most: 30s
    missing: skip
  - id: callback
    title: Callback offered after long holds
    when: hold > 30s or hold is null
    check: callback
"""


def test_csv_edge_cases_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """BOM, CRLF, quoted empty fields and line breaks, wrong field counts, odd numbers,
    booleans and timestamps, a summer-time change: the same figures and rejects."""
    log = tmp_path / "edge.csv"
    log.write_bytes(TRICKY_CSV.encode("utf-8"))
    rules = write(tmp_path / "edge.yaml", TRICKY_RULES, dedent=False)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)])
    duckdb_report = report(request)
    assert duckdb_report["rows"]["rejected"] == 2  # ids 6 and 7: too few, too many fields
    assert duckdb_report["invalid_values"]["count"] >= 3  # 2025-03, maybe, 31/03/2025, ...
    assert report(replace(request, engine="spark")) == duckdb_report


def test_explain_finds_the_same_breaches(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    request = AuditRequest(
        logs=["examples/vendors/amazon-connect-ctr.jsonl.gz"],
        standards=["standards/contact-centre.yaml"],
    )
    (on_duckdb,) = explain(request, ["hold-total-2min"], None, 50)
    (on_spark,) = explain(replace(request, engine="spark"), ["hold-total-2min"], None, 50)
    assert on_spark.columns == on_duckdb.columns
    assert [r[:3] for r in on_spark.rows] == [r[:3] for r in on_duckdb.rows]
    assert on_duckdb.rows
    # --branch with another case of a real branch name: the same refusal on both engines
    queue = str(on_duckdb.rows[0][0])
    messages = []
    for engine in ("duckdb", "spark"):
        with pytest.raises(SvcauditError) as caught:
            list(explain(replace(request, engine=engine), ["hold-total-2min"], queue.swapcase(), 5))
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and f"did you mean '{queue}'?" in messages[0]


def test_every_breach_in_batches_on_both_engines(
    spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--violations reads every breach a batch at a time: in batches of 40 rows, both engines
    give the same parts (the same rows, worst first, with every column, files and lines) of
    every standard."""
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(svcaudit.engine, "BATCH_ROWS", 40)
    monkeypatch.setattr(svcaudit.spark.engine, "BATCH_ROWS", 40)
    log, pack = EXAMPLES[0]
    request = AuditRequest(logs=[log], standards=[pack])

    def parts(req: AuditRequest) -> list[tuple[str, list[tuple[Any, ...]], tuple[Any, ...]]]:
        return [
            (b.standard_id, list(b.rows), b.lines)
            for b in explain(req, None, None, None, lines=True)
        ]

    on_duckdb = parts(request)
    assert parts(replace(request, engine="spark")) == on_duckdb
    assert max(len(rows) for _, rows, _ in on_duckdb) == 40
    # the demo's violations: in scope - passed per standard (luggage-10min skips its
    # unmeasured), from examples/README.md's reference figures: 278 + 249 + 755 + 204 + 548
    # + 804 + 98
    assert sum(len(rows) for _, rows, _ in on_duckdb) == 2936


def test_cli_json_on_spark_keeps_stdout_clean(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    args = ["examples/helpdesk-tickets.jsonl", "-s", "standards/helpdesk-sla.yaml"]
    run = invoke("audit", *args, "--format", "json", "--engine", "spark")
    assert run.code == 1, run.stderr
    on_spark = json.loads(run.stdout)
    assert on_spark == json.loads(invoke("audit", *args, "--format", "json").stdout)


def test_subprocess_stdout_holds_only_the_report() -> None:
    """A real process: Spark's JVM writes to the same stdout and stderr as svcaudit."""
    args = ("audit", "examples/vendors/asterisk-queue_log", "-s", "standards/contact-centre.yaml")
    run = run_subprocess((*args, "--format", "json", "--engine", "spark"), REPO)
    assert run.code == 1, run.stderr
    expected = run_subprocess((*args, "--format", "json"), REPO)
    assert json.loads(run.stdout) == json.loads(expected.stdout)  # nothing else on stdout
    noise = [
        line
        for line in run.stderr.splitlines()
        if line.strip() and "incubator modules" not in line and "rejected" not in line
    ]
    assert noise == [], run.stderr  # no log lines, no progress bars


def test_business_time_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """The hand-checked business-time cases (tests/expressions/test_calendars.py): two
    calendars, summer-time changes both ways, midnight, holidays, a Saturday, backwards."""
    log, rules = write_case(tmp_path)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)], fail_on=FailOn.NEVER)
    duckdb_report = report(request)
    assert all(s["passed"] == 1 for s in duckdb_report["standards"] if s["id"] != "unanswered")
    assert report(replace(request, engine="spark")) == duckdb_report


def test_overlapping_opening_hours_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """Monday "08:00-12:00, 10:00-14:00" is open 08:00-14:00 on both engines (4 h, 6 h)."""
    log, rules = overlap_case(tmp_path)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)], fail_on=FailOn.NEVER)
    duckdb_report = report(request)
    assert [s["passed"] for s in duckdb_report["standards"]] == [1, 1, 1, 1]
    assert report(replace(request, engine="spark")) == duckdb_report


def test_business_time_horizon_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """A span past business time's 10-year horizon is missing on both engines; within it,
    the exact figure (tests/expressions/test_business_horizon.py)."""
    log, rules = horizon_case(tmp_path)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)], fail_on=FailOn.NEVER)
    duckdb_report = report(request)
    got = {s["id"]: s for s in duckdb_report["standards"]}
    assert (got["exact"]["passed"], got["too-long"]["unmeasured"]) == (1, 2)
    assert report(replace(request, engine="spark")) == duckdb_report


def test_unsupported_on_spark_exits_2_with_a_hint(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What docs/spark.md lists as not supported stops with exit 2, never a wrong figure."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "log.csv", "id,branch,day\n1,A,2025-062\n")
    write(
        tmp_path / "rules.yaml",
        """\
        svcaudit: 1
        name: Day of year
        fields:
          day_parsed: parse_time(day, "%Y-%j")
        standards:
          - id: parsed
            title: The day reads
            check: day_parsed is not null
        """,
    )
    run = invoke("audit", "log.csv", "-s", "rules.yaml", "--engine", "spark")
    assert_one_error(run, "%j", "--engine duckdb")
    assert invoke("audit", "log.csv", "-s", "rules.yaml").code == 0


def test_unknown_engine_and_master_without_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    args = ["examples/helpdesk-tickets.jsonl", "-s", "standards/helpdesk-sla.yaml"]
    assert_one_error(invoke("audit", *args, "--engine", "sprak"), "unknown engine", "spark")
    assert_one_error(
        invoke("audit", *args, "--spark-master", "local[2]"), "--spark-master", "--engine spark"
    )


def test_engine_in_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "svcaudit.yaml", "engine: spark\nspark-master: local[1]\n")
    run = invoke("config")
    assert run.code == 0, run.stderr
    assert "spark" in run.stdout and "local[1]" in run.stdout
    write(tmp_path / "svcaudit.yaml", "engine: sprak\n")
    assert invoke("config").code == 2


SPREADSHEET_TIMES = """\
id,branch,created,called
1,A,1/2/20 8:43,1/2/20 8:47
2,A,12/31/99 23:58,1/1/00 0:01
3,B,2/14/20 12:46,2/14/20 12:56
4,B,3/9/20 7:05,3/9/20 7:09
"""
US_TIMES = """\
id,branch,created,called
1,A,03/01/2011 02:27:57 PM,03/01/2011 02:31:57 PM
2,A,12/25/2013 11:59:08 PM,12/26/2013 12:09:08 AM
3,B,06/30/2014 12:00:00 PM,06/30/2014 12:03:00 PM
"""
CALLED_5M = """\
svcaudit: 1
name: Visits
time_zone: Europe/Warsaw
standards:
  - id: called-5m
    title: Called within five minutes
    measure: called - created
    at_most: 5m
"""


@pytest.mark.parametrize("text", [SPREADSHEET_TIMES, US_TIMES], ids=["two-digit-years", "us-12h"])
def test_spreadsheet_timestamps_on_both_engines(spark: Any, tmp_path: Path, text: str) -> None:
    """Two-digit years (POSIX pivot: 99 is 1999, 00 is 2000), unpadded days and months, and
    US 12-hour times with seconds: the formats DuckDB detects are read alike by Spark."""
    log = tmp_path / "visits.csv"
    log.write_text(text, encoding="utf-8")
    rules = write(tmp_path / "rules.yaml", CALLED_5M, dedent=False)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)])
    duckdb_report = report(request)
    std = duckdb_report["standards"][0]
    # hand-checked: waits of 4, 3, 10 and 4 minutes; of 4, 10 and 3 minutes
    expected = (4, 3) if text == SPREADSHEET_TIMES else (3, 2)
    assert (std["in_scope"], std["passed"]) == expected
    assert report(replace(request, engine="spark")) == duckdb_report


def test_division_by_zero_is_missing_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """0/0 and 5/0 give no value on either engine (unmeasured), never a pass."""
    log = tmp_path / "log.csv"
    log.write_text("id,site,answered,offered\n1,A,0,0\n2,A,5,0\n3,A,4,10\n4,A,9,10\n")
    rules = write(
        tmp_path / "s.yaml",
        "svcaudit: 1\nname: t\nbranch: site\nstandards:\n"
        "  - id: sl\n    title: service level\n    check: answered / offered >= 0.8\n",
        dedent=False,
    )
    request = AuditRequest(logs=[str(log)], standards=[str(rules)])
    duckdb_report = report(request)
    std = duckdb_report["standards"][0]
    assert (std["passed"], std["failed"], std["unmeasured"]) == (1, 1, 2)
    assert report(replace(request, engine="spark")) == duckdb_report


VALUES_CSV = """\
id,branch,arrived_at,greeted_at,rating,Callback,Came
1,A,2025-03-03 09:00:00,2025-03-03 09:00:30,5,Y,03.03.2025 09.00.00
2,?,2025-03-03 09:00:00,2025-03-03 09:01:30,E,N,03.03.2025 09.00.00
3,B,2025-03-03 09:00:00,later,N/A,maybe,soon
4,NULL,2025-03-03 09:00:00,2025-03-03 09:00:50,3,,-
5,B,2025-03-03 09:00:00,2025-03-03 09:00:20,4,yes,03.03.2025 09.00.10
"""
VALUES_RULES = """\
svcaudit: 1
name: Values
time_zone: UTC
columns:
  offered: {source: Callback, true: ["Y", "yes"], false: ["N"]}
  came: {source: Came, format: "%d.%m.%Y %H.%M.%S"}
standards:
  - id: greet-60s
    title: Greeted within 60 seconds
    measure: greeted_at - arrived_at
    at_most: 60s
  - id: rating-4
    title: Rated at least 4
    when: rating > 0
    measure: rating
    at_least: 4
  - id: callback
    title: A callback is offered
    check: offered
  - id: came-early
    title: Came before 09:00:05
    check: came < arrived_at + 5s
"""


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_invalid_values_and_null_markers_on_both_engines(
    spark: Any, tmp_path: Path, fmt: str
) -> None:
    """Invalid values (E, later, maybe, soon), null markers (?, N/A, NULL, empty, -) and
    declared words and formats: the same counts, invalid values and lines on both engines."""
    if fmt == "csv":
        log = write(tmp_path / "v.csv", VALUES_CSV, dedent=False)
    else:
        lines = VALUES_CSV.splitlines()
        header = lines[0].split(",")
        records = [
            {k: int(v) if v.isdigit() else v for k, v in zip(header, line.split(","), strict=True)}
            for line in lines[1:]
        ]
        log = write(tmp_path / "v.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    rules = write(tmp_path / "v.yaml", VALUES_RULES, dedent=False)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)], fail_on=FailOn.NEVER)
    duckdb_report = report(request)
    counts = {
        s["id"]: (s["in_scope"], s["passed"], s["failed"], s["unmeasured"], s["invalid"])
        for s in duckdb_report["standards"]
    }
    # by hand: greet 30, 90, later (invalid), 50, 20 -> 3 of 5; rating 5, E (invalid: not in
    # scope of rating > 0), N/A (missing: out of scope too), 3, 4 -> 2 of 3; callback Y, N,
    # maybe (invalid), empty, yes -> 2 of 5; came 09:00:00, 09:00:00, soon (invalid),
    # - (missing), 09:00:10 -> 2 of 5
    assert counts == {
        "greet-60s": (5, 3, 1, 1, 1),
        "rating-4": (3, 2, 1, 0, 0),
        "callback": (5, 2, 1, 2, 1),
        "came-early": (5, 2, 1, 2, 1),
    }
    assert duckdb_report["invalid_values"]["count"] == 4
    invalid = duckdb_report["invalid_values"]["values"]
    listed = [(v["line"], v["column"], v["value"]) for v in invalid]
    if fmt == "jsonl":  # a record per line, the header gone
        listed = [(n + 1, c, v) for n, c, v in listed]
    assert sorted(listed) == [
        (3, "rating", "E"),
        (4, "Callback", "maybe"),
        (4, "Came", "soon"),
        (4, "greeted_at", "later"),
    ]
    branches = {b["branch"] for b in duckdb_report["standards"][0]["branches"]}
    assert branches == {"A", "B", "(no branch)"}
    assert report(replace(request, engine="spark")) == duckdb_report


def test_parse_time_over_typed_columns_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """parse_time() and trim() over columns detected as timestamps read their text on both."""
    from tests.sources.test_values import PARSE_TIME_LOG, PARSE_TIME_RULES  # noqa: PLC0415

    log = write(tmp_path / "visits.csv", PARSE_TIME_LOG, dedent=False)
    rules = write(tmp_path / "rules.yaml", PARSE_TIME_RULES, dedent=False)
    request = AuditRequest(logs=[str(log)], standards=[str(rules)], fail_on=FailOn.NEVER)
    duckdb_report = report(request)
    got = [(s["in_scope"], s["passed"]) for s in duckdb_report["standards"]]
    assert got == [(2, 2), (2, 1), (2, 1)]  # as in tests/sources/test_values.py, by hand
    assert report(replace(request, engine="spark")) == duckdb_report
