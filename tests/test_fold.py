"""An event log folded to one row per id (``fold:`` and ``--fold``): the latest row by a
column, ties to the later row in the file, the others counted as merged.

Every expected figure is worked out by hand from the fixture in the comments.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.report.json import scorecard_dict
from tests.helpers import chain, write
from tests.invoke import assert_one_error, invoke

# INC1: three updates, the latest (count 2) written second: resolved after 2 days, Resolved.
# INC2: two updates share count 1 (a tie): the later row (Closed, resolved after 1 hour) wins;
#       the earlier (Resolved after 8 days) would fail resolved-5d.
# INC3: one update, not resolved: unmeasured (missing: fail).
EVENTS = """\
    number,sys_mod_count,state,opened_at,resolved_at,group
    INC1,0,New,2024-01-01 08:00:00,,A
    INC1,2,Resolved,2024-01-01 08:00:00,2024-01-03 08:00:00,A
    INC1,1,Active,2024-01-01 08:00:00,,A
    INC2,0,New,2024-01-02 09:00:00,,B
    INC2,1,Resolved,2024-01-02 09:00:00,2024-01-10 09:00:00,B
    INC2,1,Closed,2024-01-02 09:00:00,2024-01-02 10:00:00,B
    INC3,0,New,2024-01-05 00:00:00,,A
    """

STANDARDS = """\
    svcaudit: 1
    name: Incidents
    branch: group
    columns:
      id: number
    {fold}
    standards:
      - id: resolved-5d
        title: Resolved within 5 days
        measure: resolved_at - opened_at
        at_most: 5d
      - id: closed
        title: The incident is closed
        check: state == "Closed"
    """

FOLD = "fold: {key: number, latest_by: sys_mod_count}"


def _files(tmp_path: Path, fold: str = FOLD) -> tuple[Path, Path]:
    log = write(tmp_path / "events.csv", EVENTS)
    standards = write(tmp_path / "s.yaml", STANDARDS.replace("{fold}", fold))
    return log, standards


def test_fold_keeps_the_latest_row_per_id_and_the_later_of_a_tie(tmp_path: Path) -> None:
    log, standards = _files(tmp_path)
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)]))
    # 7 rows = 3 incidents + 4 earlier updates merged
    assert (card.rows.read, card.rows.evaluated, card.rows.merged) == (7, 3, 4)
    assert card.rows.rejected == 0 and card.rows.duplicate == 0
    # resolved-5d: INC1 2 days (pass), INC2 1 hour (pass: the later of the tie), INC3 none
    assert chain(card, "resolved-5d") == (3, 2, 0, 1)
    # closed: INC1 Resolved (fail), INC2 Closed (pass), INC3 New (fail)
    assert chain(card, "closed") == (3, 1, 2, 0)


def test_fold_option_on_the_command_line_equals_the_file(tmp_path: Path) -> None:
    log, with_fold = _files(tmp_path)
    without = write(tmp_path / "plain.yaml", STANDARDS.replace("{fold}", ""))
    request = AuditRequest(logs=[str(log)], standards=[str(with_fold)])
    by_file = scorecard_dict(run_audit(request))
    by_option = scorecard_dict(
        run_audit(replace(request, standards=[str(without)], fold="number:sys_mod_count"))
    )
    assert by_option["rows"] == by_file["rows"]
    for a, b in zip(by_option["standards"], by_file["standards"], strict=True):
        assert {**a, "file": None} == {**b, "file": None}  # the same line of another file


def test_fold_key_may_be_the_logical_id(tmp_path: Path) -> None:
    """`key: id` with `columns: id: number` folds on number."""
    log, standards = _files(tmp_path, "fold: {key: id, latest_by: sys_mod_count}")
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)]))
    assert (card.rows.evaluated, card.rows.merged) == (3, 4)


def test_without_a_fold_every_update_counts_and_the_repeats_are_reported(
    tmp_path: Path,
) -> None:
    log, standards = _files(tmp_path, "")
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)]))
    assert (card.rows.evaluated, card.rows.merged) == (7, 0)
    # 7 rows of 3 ids: 4 rows repeat an id; INC1 and INC2 have 3 rows each
    assert card.rows.duplicate == 4
    assert dict(card.rows.duplicate_ids) == {"INC1": 3, "INC2": 3}


def test_fold_by_an_update_time(tmp_path: Path) -> None:
    """latest_by a timestamp: T1's latest update (09:00, Closed) is written first."""
    log = write(
        tmp_path / "t.csv",
        """\
        ticket,updated_at,state
        T1,2024-01-01 09:00:00,Closed
        T1,2024-01-01 08:00:00,Open
        T2,2024-01-01 08:30:00,Open
        T2,2024-01-01 10:00:00,Open
        """,
    )
    standards = write(
        tmp_path / "s.yaml",
        """\
        svcaudit: 1
        name: t
        branch: state
        standards:
          - {id: closed, title: Closed, check: state == "Closed"}
        """,
    )
    request = AuditRequest(logs=[str(log)], standards=[str(standards)], fold="ticket:updated_at")
    card = run_audit(request)
    assert (card.rows.evaluated, card.rows.merged) == (2, 2)
    assert chain(card, "closed") == (2, 1, 1, 0)  # T1 Closed, T2 Open


def test_a_tie_across_files_goes_to_the_later_file(tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", "number,n,state\nX,1,Open\nY,5,Open\n")
    second = write(tmp_path / "b.csv", "number,n,state\nX,1,Closed\nY,4,Closed\n")
    standards = write(
        tmp_path / "s.yaml",
        """\
        svcaudit: 1
        name: t
        branch: state
        fold: {key: number, latest_by: n}
        standards:
          - {id: closed, title: Closed, check: state == "Closed"}
        """,
    )
    card = run_audit(AuditRequest(logs=[str(first), str(second)], standards=[str(standards)]))
    # X: a tie at 1, b.csv's row (Closed) wins; Y: 5 beats 4 (Open), whatever the file order
    assert (card.rows.evaluated, card.rows.merged) == (2, 2)
    assert chain(card, "closed") == (2, 1, 1, 0)


@pytest.mark.parametrize(
    ("spec", "needles"),
    [
        ("number", ["--fold", "KEY:LATEST_BY"]),
        ("numbr:sys_mod_count", ["--fold", "'numbr' is not in the log", "number"]),
        ("number:state", ["--fold", "'state' is read as text"]),
    ],
)
def test_bad_fold_options_are_one_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, needles: list[str]
) -> None:
    log, standards = _files(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", str(log), "-s", str(standards), "--fold", spec)
    assert_one_error(run, *needles)


def test_bad_fold_in_the_file_points_at_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log, standards = _files(tmp_path, "fold: {key: number, latest_by: sys_mod}")
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", str(log), "-s", str(standards))
    assert_one_error(run, "s.yaml:6:", "'sys_mod' is not in the log", "sys_mod_count")


def test_a_fold_and_a_profile_that_merges_records_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, standards = _files(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    run = invoke(
        "audit", str(log), "-s", str(standards), "--profile", "amazon-connect",
        "--fold", "number:sys_mod_count",
    )  # fmt: skip
    assert_one_error(run, "--fold", "amazon-connect profile already keeps the latest record")


def test_fold_keys_are_validated_where_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = write(tmp_path / "m.yaml", STANDARDS.replace("{fold}", "fold: {key: number}"))
    run = invoke("validate", str(missing))
    assert_one_error(run, "m.yaml:6:", "missing required key 'latest_by'")
    extra = write(
        tmp_path / "x.yaml",
        STANDARDS.replace("{fold}", "fold: {key: number, latest_by: n, order: desc}"),
    )
    assert_one_error(
        invoke("validate", str(extra)), "x.yaml:6:", "unknown key 'order'", "key, latest_by"
    )
