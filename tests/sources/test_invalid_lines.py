"""An invalid value is listed at the line of the row that was counted, not at the first line
holding the same text (a row outside --since/--until, or an update a fold merged, may hold it
too). Lines worked out by hand from the logs below."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from svcaudit.audit import AuditRequest, run_audit
from tests.helpers import write

STANDARDS = """\
svcaudit: 1
name: Lines
time_zone: UTC
columns:
  greeted_at: {{type: timestamp}}  # too few good values for detection to type it
{fold}
standards:
  - id: greet-60s
    title: Greeted within a minute
    measure: greeted_at - arrived_at
    at_most: 60s
"""

# line 1 header; lines 2-3 one record (a quoted line break in `note`), before --since and
# holding "soon"; line 4 read; line 5 "soon" again, counted
SINCE_LOG = (
    "id,branch,note,arrived_at,greeted_at\n"
    '1,A,"two\nlines",2025-03-01 09:00:00,soon\n'
    "2,A,,2025-03-02 09:00:00,2025-03-02 09:00:30\n"
    "3,A,,2025-03-02 10:00:00,soon\n"
)

# INC1's first update (line 2) is merged by the fold; its latest (line 4) is counted
FOLD_LOG = (
    "number,sys_mod_count,branch,arrived_at,greeted_at\n"
    "INC1,0,A,2025-03-01 09:00:00,soon\n"
    "INC2,0,A,2025-03-01 09:00:00,2025-03-01 09:00:20\n"
    "INC1,1,A,2025-03-01 09:00:00,soon\n"
)


def listed(request: AuditRequest) -> list[tuple[int | None, str, str, int]]:
    card = run_audit(request)
    return [(v.line, v.column, v.value, v.rows) for v in card.invalid_values]


def since_request(tmp_path: Path) -> AuditRequest:
    log = write(tmp_path / "v.csv", SINCE_LOG, dedent=False)
    std = write(tmp_path / "s.yaml", STANDARDS.format(fold=""), dedent=False)
    return AuditRequest(logs=[str(log)], standards=[str(std)], since="2025-03-02")


def fold_request(tmp_path: Path) -> AuditRequest:
    log = write(tmp_path / "e.csv", FOLD_LOG, dedent=False)
    fold = "fold: {key: number, latest_by: sys_mod_count}"
    std = write(tmp_path / "s.yaml", STANDARDS.format(fold=fold), dedent=False)
    return AuditRequest(logs=[str(log)], standards=[str(std)])


def test_outside_since_the_counted_rows_line(tmp_path: Path) -> None:
    request = since_request(tmp_path)
    assert listed(request) == [(5, "greeted_at", "soon", 1)]
    # without --since both rows are counted, at their own lines (the first spans lines 2-3)
    assert listed(replace(request, since=None)) == [
        (2, "greeted_at", "soon", 1),
        (5, "greeted_at", "soon", 1),
    ]


def test_a_folded_update_is_not_the_line_listed(tmp_path: Path) -> None:
    assert listed(fold_request(tmp_path)) == [(4, "greeted_at", "soon", 1)]
