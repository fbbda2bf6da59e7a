"""End to end, one feature at a time, on a small hand-checked log; then the bundled demos
against a plain-Python reference (examples/check_story.py, which does not use svcaudit)."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.errors import SvcauditError
from svcaudit.score import Scorecard, Status
from tests.helpers import REPO, assert_accounting, audit, chain, per_branch, standard, write

# Twelve interactions, two branches (N, S). Timestamps are naive, read as UTC.
# `wait` = answered_at - arrived_at.
#
#  id br channel    wait    hold_s rings callback rating
#   1 N  in-person  45 s
#   2 N  in-person  60 s
#   3 N  in-person  61 s
#   4 N  in-person  (none)
#   5 S  in-person  10 s
#   6 N  phone       5 s    0      1     false    5
#   7 N  phone       8 s    45     3     true     3
#   8 S  phone      20 s    31     4     false    4
#   9 S  phone       3 s    30     2     false    (none)
#  10 S  phone       4 s    (none) (none) (none)  2
#  11 S  email       2 h
#  12 S  email      (none)
LOG = """\
id,branch,channel,arrived_at,answered_at,hold_seconds,rings,callback_offered,rating
1,N,in-person,2025-03-03 09:00:00,2025-03-03 09:00:45,,,,
2,N,in-person,2025-03-03 09:00:00,2025-03-03 09:01:00,,,,
3,N,in-person,2025-03-03 09:00:00,2025-03-03 09:01:01,,,,
4,N,in-person,2025-03-03 09:00:00,,,,,
5,S,in-person,2025-03-03 09:00:00,2025-03-03 09:00:10,,,,
6,N,phone,2025-03-03 09:00:00,2025-03-03 09:00:05,0,1,false,5
7,N,phone,2025-03-03 09:00:00,2025-03-03 09:00:08,45,3,true,3
8,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:20,31,4,false,4
9,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:03,30,2,false,
10,S,phone,2025-03-03 09:00:00,2025-03-03 09:00:04,,,,2
11,S,email,2025-03-03 09:00:00,2025-03-03 11:00:00,,,,
12,S,email,2025-03-03 09:00:00,,,,,
"""

RULES = """\
svcaudit: 1
name: Features
time_zone: UTC
fields:
  wait: answered_at - arrived_at
standards:
  - id: greet-60s
    title: Greeted within 60 s
    when: channel == "in-person"
    measure: wait
    at_most: 60s
    target: 75%
  - id: rating-4
    title: Rated at least 4
    when: channel == "phone"
    measure: rating
    at_least: 4
  - id: callback-offered
    title: Held over 30 s, offered a call back
    when: channel == "phone" and hold > 30s
    check: callback_offered
    target: 98%
  - id: hold-30s
    title: Hold at most 30 s
    when: channel == "phone"
    measure: hold_seconds
    unit: s
    at_most: 30s
    target: 50%
    severity: warn
    missing: skip
  - id: hold-half-minute
    title: Hold at most half a minute, measured in minutes
    when: channel == "phone"
    measure: hold_seconds / 60
    unit: m
    at_most: 30s
    target: 40%
  - id: email-1h
    title: E-mails answered within an hour
    when: channel == "email"
    measure: wait
    at_most: 1h
    missing: skip
    severity: warn
  - id: answered
    title: Every interaction is answered
    check: answered_at is not null
    target: 80%
"""


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    d = tmp_path_factory.mktemp("features")
    return audit([write(d / "log.csv", LOG)], [write(d / "rules.yaml", RULES)])


def test_rows(card: Scorecard) -> None:
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (12, 12, 0)
    assert card.branches == ("N", "S")
    assert_accounting(card)


def test_measure_at_most_with_when_and_a_field(card: Scorecard) -> None:
    # In scope: the 5 in-person rows. N: 45 s pass, 60 s pass (inclusive), 61 s fail,
    # row 4 unmeasured (missing: fail counts it against). S: 10 s pass.
    assert per_branch(card, "greet-60s") == {"N": (4, 2, 1, 1), "S": (1, 1, 0, 0)}
    assert chain(card, "greet-60s") == (5, 3, 1, 1)
    s = standard(card, "greet-60s")
    assert s.counts.rate == pytest.approx(3 / 5)
    assert {b.branch: b.counts.rate for b in s.branches} == {"N": 0.5, "S": 1.0}
    assert s.met is False and s.status == Status.BREACHED  # 60 % < 75 %


def test_measure_at_least_plain_number(card: Scorecard) -> None:
    # Phone ratings: N 5 pass, 3 fail; S 4 pass (inclusive), none (unmeasured), 2 fail.
    assert per_branch(card, "rating-4") == {"N": (2, 1, 1, 0), "S": (3, 1, 1, 1)}
    assert chain(card, "rating-4") == (5, 2, 2, 1)
    s = standard(card, "rating-4")
    assert s.counts.rate == pytest.approx(2 / 5)
    assert s.target == 1.0 and s.met is False


def test_check_standard_with_a_duration_in_when(card: Scorecard) -> None:
    # hold > 30s: row 6 (0 s) no, 7 (45 s) yes, 8 (31 s) yes, 9 (30 s) no, 10 (no hold)
    # unknown -> out of scope. Row 7 offered a call back (pass), row 8 not (fail).
    assert per_branch(card, "callback-offered") == {"N": (1, 1, 0, 0), "S": (1, 0, 1, 0)}
    assert chain(card, "callback-offered") == (2, 1, 1, 0)
    assert standard(card, "callback-offered").counts.rate == pytest.approx(0.5)


def test_unit_seconds_on_a_plain_number_and_missing_skip(card: Scorecard) -> None:
    # hold_seconds <= 30: N 0 pass, 45 fail; S 31 fail, 30 pass, none unmeasured (skipped).
    assert per_branch(card, "hold-30s") == {"N": (2, 1, 1, 0), "S": (3, 1, 1, 1)}
    assert chain(card, "hold-30s") == (5, 2, 2, 1)
    s = standard(card, "hold-30s")
    # missing: skip -> rate = 2 / (5 - 1) = 50 %, which meets the 50 % target.
    assert s.counts.n == 4
    assert s.counts.rate == pytest.approx(0.5)
    assert {b.branch: b.counts.rate for b in s.branches} == {"N": 0.5, "S": 0.5}
    assert s.met is True and s.status == Status.MET


def test_unit_minutes_on_a_computed_number(card: Scorecard) -> None:
    # hold_seconds / 60 <= 0.5 (30s in minutes): 0, 0.75, 0.517, 0.5 -> rows 6 and 9 pass.
    # missing: fail -> rate = 2/5 = 40 %, meeting the 40 % target.
    assert chain(card, "hold-half-minute") == (5, 2, 2, 1)
    s = standard(card, "hold-half-minute")
    assert s.counts.rate == pytest.approx(0.4)
    assert s.met is True


def test_missing_skip_with_severity_warn(card: Scorecard) -> None:
    # E-mails: 2 h fail, one never answered (skipped). Rate 0/1, target 100 % -> warning.
    assert per_branch(card, "email-1h") == {"S": (2, 0, 1, 1)}  # no N e-mails: not listed
    s = standard(card, "email-1h")
    assert s.counts.n == 1 and s.counts.rate == 0.0
    assert s.status == Status.WARNING


def test_standard_without_when_covers_every_row(card: Scorecard) -> None:
    # Rows 4 and 12 have no answered_at: 10 of 12 pass. N: rows 1-4, 6, 7 (5 of 6);
    # S: rows 5, 8-12 (5 of 6).
    assert chain(card, "answered") == (12, 10, 2, 0)
    assert per_branch(card, "answered") == {"N": (6, 5, 1, 0), "S": (6, 5, 1, 0)}
    assert standard(card, "answered").met is True  # 83 % >= 80 %


def test_verdict(card: Scorecard) -> None:
    # Breached with severity fail: greet-60s, rating-4, callback-offered. Warning: email-1h.
    assert {s.id for s in card.breached} == {"greet-60s", "rating-4", "callback-offered"}
    assert {s.id for s in card.warnings} == {"email-1h"}
    assert card.verdict == "breach"
    assert int(card.exit_code) == 1


def test_branch_column_named_in_the_standards_file(tmp_path: Path) -> None:
    rules = write(
        tmp_path / "r.yaml",
        "svcaudit: 1\nname: T\nbranch: site\nstandards:\n"
        "  - id: a\n    title: A\n    measure: answered_at - arrived_at\n    at_most: 30s\n",
    )
    log = write(
        tmp_path / "log.csv",
        "site,arrived_at,answered_at\n"
        "Oslo,2025-03-03 09:00:00,2025-03-03 09:00:10\n"
        "Rome,2025-03-03 09:00:00,2025-03-03 09:00:40\n",
    )
    card = audit([log], [rules])
    assert per_branch(card, "a") == {"Oslo": (1, 1, 0, 0), "Rome": (1, 0, 1, 0)}


def test_time_functions_use_the_standards_time_zone(tmp_path: Path) -> None:
    rules = write(
        tmp_path / "r.yaml",
        """\
        svcaudit: 1
        name: T
        time_zone: Europe/Warsaw
        standards:
          - id: nine-on-monday
            title: A
            when: hour(arrived_at) == 9
            check: weekday(arrived_at) == 1
          - id: on-the-3rd
            title: B
            check: date(arrived_at) == "2025-03-03"
        """,
    )
    # Monday 3 March 2025 (CET, +01:00): a naive 09:30 is 09:30 in Warsaw; 08:30Z is 09:30 in
    # Warsaw; 23:30Z is 00:30 on Tuesday 4 March in Warsaw.
    log = write(
        tmp_path / "l.csv",
        "branch,arrived_at\nA,2025-03-03 09:30:00\nA,2025-03-03T08:30:00+00:00\n"
        "A,2025-03-03T23:30:00+00:00\n",
    )
    card = audit([log], [rules])
    assert chain(card, "nine-on-monday") == (2, 2, 0, 0)  # rows 1 and 2 are at hour 9
    assert chain(card, "on-the-3rd") == (3, 2, 1, 0)  # row 3 is on the 4th in Warsaw


def test_no_interaction_in_scope_is_an_error(tmp_path: Path) -> None:
    rules = write(
        tmp_path / "r.yaml",
        'svcaudit: 1\nname: T\nstandards:\n  - id: a\n    title: A\n    when: channel == "fax"\n'
        "    check: callback_offered\n",
    )
    with pytest.raises(SvcauditError):
        audit([write(tmp_path / "log.csv", LOG)], [rules])


# ---- the bundled demos against the plain-Python reference ------------------------------------


def load_reference() -> ModuleType:
    path = REPO / "examples" / "check_story.py"
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+svcaudit", source, flags=re.MULTILINE)
    spec = importlib.util.spec_from_file_location("svcaudit_check_story", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference() -> Iterator[ModuleType]:
    module = load_reference()
    yield module
    sys.modules.pop("svcaudit_check_story", None)


def readme_rows(log_name: str) -> tuple[int, int, int]:
    """(rows, well-formed, malformed) of a log, from the table in examples/README.md."""
    text = (REPO / "examples" / "README.md").read_text(encoding="utf-8")
    m = re.search(
        rf"^\| `{re.escape(log_name)}` \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|",
        text,
        flags=re.MULTILINE,
    )
    assert m, f"{log_name} not in the README table"
    rows, good, bad = (int(g.replace(",", "")) for g in m.groups())
    return rows, good, bad


DEMOS = [
    pytest.param(
        "hotel-chain.csv", "hospitality-five-star.yaml", "load_hotel", "hotel_rules", id="hotel"
    ),
    pytest.param(
        "contact-centre.csv.gz",
        "contact-centre.yaml",
        "load_calls",
        "call_rules",
        id="contact-centre",
    ),
    pytest.param(
        "helpdesk-tickets.jsonl", "helpdesk-sla.yaml", "load_tickets", "ticket_rules", id="helpdesk"
    ),
]


@pytest.mark.parametrize(("log_name", "pack", "loader", "rule_maker"), DEMOS)
def test_demo_matches_the_plain_python_reference(
    reference: ModuleType, log_name: str, pack: str, loader: str, rule_maker: str
) -> None:
    card = audit([REPO / "examples" / log_name], [REPO / "standards" / pack])
    loaded = getattr(reference, loader)()
    rules = getattr(reference, rule_maker)()
    branches = sorted({r["branch"] for r in loaded.rows})
    results = {r.rule.id: r for r in reference.evaluate(loaded.rows, rules, branches)}

    # Row accounting, as the README states it.
    rows, good, bad = readme_rows(log_name)
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (rows, good, bad)
    assert (loaded.read, loaded.read - loaded.rejected_total) == (rows, good)
    assert_accounting(card)

    assert [s.id for s in card.standards] == list(results)
    for s in card.standards:
        ref = results[s.id]
        assert (s.counts.in_scope, s.counts.passed, s.counts.unmeasured) == (
            ref.chain.in_scope,
            ref.chain.passed,
            ref.chain.unmeasured,
        ), s.id
        if ref.rate() is None:
            assert s.counts.rate is None
        else:
            assert s.counts.rate == pytest.approx(ref.rate()), s.id
        assert s.met is ref.met(), s.id
        got = {
            b.branch: (b.counts.in_scope, b.counts.passed, b.counts.unmeasured) for b in s.branches
        }
        want = {
            b: (t.in_scope, t.passed, t.unmeasured) for b, t in ref.branches.items() if t.in_scope
        }
        assert got == want, s.id
        for b in s.branches:
            assert b.met is ref.met(b.branch), (s.id, b.branch)


def test_hotel_demo_story(reference: ModuleType) -> None:
    card = audit(
        [REPO / "examples" / "hotel-chain.csv"], [REPO / "standards" / "hospitality-five-star.yaml"]
    )
    assert {s.id for s in card.breached} == {"callback-offered", "luggage-10min"}
    assert {s.id for s in card.warnings} == {"hold-30s"}
    assert card.verdict == "breach" and int(card.exit_code) == 1
    for s in card.standards:
        assert s.worst_branch is not None and s.worst_branch.branch == "Gdańsk Motława", s.id
    # The spring-forward e-mails pass `email-24h` only when measured in real time; the
    # reference counts them passed, so the chain figure above already covers them.


def test_hotel_demo_rejects_and_invalid_values_point_at_the_planted_errors() -> None:
    log = REPO / "examples" / "hotel-chain.csv"
    card = audit([log], [REPO / "standards" / "hospitality-five-star.yaml"])
    # The README names the malformed records by id; find the physical line each starts on.
    ids = ["H-00446", "H-01237", "H-01863", "H-02548", "H-03149", "H-03815", "H-04421"]
    lines = {}
    for number, line in enumerate(log.read_text(encoding="utf-8").splitlines(), start=1):
        for i in ids:
            if line.startswith(i + ","):
                lines[i] = number
    assert len(lines) == 7
    # two broken records (a field too few, one too many) are rejected; the other five hold
    # a value that cannot be typed: invalid values, at their line and naming their column
    broken = ["H-01863", "H-02548"]
    assert sorted(r.line for r in card.rejects) == sorted(lines[i] for i in broken)
    assert all(r.file == str(log) for r in card.rejects)
    invalid = {
        "H-00446": ("arrived_at", "2025-02-30 25:61:00"),
        "H-01237": ("greeted_at", "2025-03-24 15:75:02"),
        "H-03149": ("rings", "three"),
        "H-03815": ("hold_seconds", "forty"),
        "H-04421": ("hold_seconds", "long"),
    }
    assert card.rows.invalid_values == 5
    assert sorted((v.line, v.column, v.value) for v in card.invalid_values) == sorted(
        (lines[i], column, value) for i, (column, value) in invalid.items()
    )
    assert all(v.file == str(log) and v.rows == 1 for v in card.invalid_values)


def test_progress_is_told_every_step_in_order() -> None:
    """The progress bar's steps: the scan, the repeated-id check, then the report's details
    (the distributions; the breaching rows, read once; one query each over them), each
    step's fractions within 0..1, and no measure while a breach query's rows are read out.
    Breaches are numbered out of the standards detailed."""
    seen: list[tuple[str, float | None]] = []
    request = AuditRequest(
        logs=[str(REPO / "examples" / "hotel-chain.csv")],
        standards=[str(REPO / "standards" / "hospitality-five-star.yaml")],
        details=3,
    )
    card = run_audit(request, lambda label, fraction: seen.append((label, fraction)))
    labels = list(dict.fromkeys(label for label, _ in seen))  # in order, once each
    detailed = len(card.worst)
    assert detailed == 7  # the pack's seven standards (at most MAX_DETAILED), worst first
    assert labels == [
        "auditing",
        "repeated ids",  # the ids' hashes counted (no repeats: no exact count, no listing)
        "distributions",
        "reading breaches",
        *(f"breaches {i}/{detailed}" for i in range(1, detailed + 1)),
    ]
    for label, f in seen:  # None: a breach query's rows being read out (no measure)
        assert (f is None and label.startswith("breaches ")) or (f is not None and 0 <= f <= 1)
    for i in range(1, detailed + 1):  # each: its query from 0, then its rows read out
        fractions = [f for label, f in seen if label == f"breaches {i}/{detailed}"]
        assert fractions[0] == 0.0 and fractions[-1] is None


def test_rows_without_an_id_hide_no_repeated_id(tmp_path: Path) -> None:
    """Repeated ids are first bounded by counting distinct hashes of the ids: a row without
    an id must not count as one more distinct id there (DuckDB hashes NULL to a number), or
    the bound says 0 and the repeat goes unreported."""
    lines = (REPO / "examples" / "helpdesk-tickets.jsonl").read_text(encoding="utf-8")
    records = lines.splitlines()[:50]
    truncated = '{"id":"T-99999","branch":"APAC"'  # rejected: its id is NULL in the relation
    log = write(tmp_path / "t.jsonl", "\n".join([*records, records[4], truncated]) + "\n")
    card = audit([log], [REPO / "standards" / "helpdesk-sla.yaml"])
    assert card.rows.rejected == 1
    assert (card.rows.duplicate, card.rows.duplicate_ids) == (1, (("T-00005", 2),))

    # an evaluated row with no id, beside one id written twice
    csv_log = write(
        tmp_path / "v.csv",
        """\
        id,branch,arrived_at,answered_at
        1,N,2025-03-03 09:00:00,2025-03-03 09:00:45
        1,N,2025-03-03 10:00:00,2025-03-03 10:00:45
        ,S,2025-03-03 11:00:00,2025-03-03 11:00:45
        """,
    )
    rules = write(
        tmp_path / "s.yaml",
        """\
        svcaudit: 1
        name: Answer
        standards:
          - id: answer-60s
            title: Answered within a minute
            measure: answered_at - arrived_at
            at_most: 60s
        """,
    )
    card = audit([csv_log], [rules])
    assert card.rows.evaluated == 3
    assert (card.rows.duplicate, card.rows.duplicate_ids) == (1, (("1", 2),))
