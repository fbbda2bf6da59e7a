"""Side-loaded arrays of a JSON document (Zendesk's ``metric_sets``): the reader emits the
records and the side-loaded items as rows of their own, and one ``SideLoads`` step attaches
each item to the record it names. Every figure below is worked out by hand in the comments.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.errors import SvcauditError
from svcaudit.score import Scorecard
from svcaudit.sources import Logs
from svcaudit.sources.prepare import KIND, Side, SideLoads
from tests.helpers import per_branch, write

# -- the step alone, over rows as a reader gives them (every column text) ---------------------

#: (kind, id, metric_set.ticket_id, metric_set.replies, note.ticket_id, note.text)
ROWS = [
    ("tickets", "1", None, None, None, None),
    ("tickets", "2", None, None, None, None),
    ("tickets", "3", None, None, None, None),
    ("metric_sets", None, "3", "5", None, None),
    ("metric_sets", None, "1", "2", None, None),
    ("metric_sets", None, "99", "9", None, None),  # ticket 99 is not in the document
    ("notes", None, None, None, "2", "hello"),
]
COLUMNS = ("id", "metric_set.ticket_id", "metric_set.replies", "note.ticket_id", "note.text")
STEP = SideLoads(
    records="tickets",
    key="id",
    sides=(
        Side("metric_sets", "metric_set.ticket_id", ("metric_set.ticket_id", "metric_set.replies")),
        Side("notes", "note.ticket_id", ("note.ticket_id", "note.text")),
    ),
    columns=COLUMNS,
)
# ticket 1: metric set 1, no note; ticket 2: no metric set (NULL), note 2; ticket 3: metric
# set 3, no note; metric set 99 names no ticket: no row
EXPECTED = [
    ("1", "1", "2", None, None),
    ("2", None, None, "2", "hello"),
    ("3", "3", "5", None, None),
]


#: the table (or Spark view) holding ``ROWS``
TABLE = "side_rows"


def step_query() -> exp.Select:
    """The step over ``TABLE``."""
    return STEP.apply(exp.select("*").from_(exp.to_table(TABLE)))


def test_each_record_once_with_its_side_rows_or_nulls() -> None:
    con = duckdb.connect()
    names = ", ".join(f'"{c}" VARCHAR' for c in (KIND, *COLUMNS))
    con.execute(f"CREATE TABLE {TABLE} ({names})")
    con.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    query = step_query()
    assert query.named_selects == list(COLUMNS)
    assert sorted(con.sql(query.sql("duckdb")).fetchall()) == EXPECTED


def test_summary_names_each_side() -> None:
    assert STEP.summary == (
        "attaches each metric_sets item to the tickets item its metric_set.ticket_id names; "
        "attaches each notes item to the tickets item its note.ticket_id names"
    )
    assert STEP.reads == {}


# -- a whole audit of a document --------------------------------------------------------------

DOCUMENT = {
    "tickets": [
        {"id": 1, "group_id": 10, "created_at": "2025-03-01T10:00:00Z", "status": "solved"},
        {"id": 2, "group_id": 10, "created_at": "2025-03-01T11:00:00Z", "status": "open"},
        {"id": 3, "group_id": 20, "created_at": "2025-03-02T09:00:00Z", "status": "solved"},
    ],
    "metric_sets": [
        {"ticket_id": 3, "reply_time_in_minutes": {"business": 300}, "replies": 1},
        {"ticket_id": 1, "reply_time_in_minutes": {"business": 20}, "replies": 2},
        {"ticket_id": 99, "reply_time_in_minutes": {"business": 1}, "replies": 9},
    ],
    # several items per ticket: not a side-load of one item per record, left alone
    "audits": [{"ticket_id": 1, "n": 1}, {"ticket_id": 1, "n": 2}],
    "users": [{"id": 5, "name": "Ann"}],  # no ticket_id: not side-loaded either
    "next_page": None,
}

STANDARDS = """\
    svcaudit: 1
    name: side-loads
    branch: group_id
    standards:
      - id: reply-1h
        title: First reply within an hour
        measure: "`metric_set.reply_time_in_minutes.business`"
        unit: m
        at_most: 1h
      - id: replies
        title: At most two replies
        when: "`metric_set.replies` is not null"
        check: "`metric_set.replies` <= 2"
    """


def files(tmp_path: Path, document: dict[str, Any] = DOCUMENT) -> tuple[Path, Path]:
    log = tmp_path / "tickets.json"
    log.write_text(json.dumps(document), encoding="utf-8")
    return log, write(tmp_path / "s.yaml", STANDARDS)


def check_document(card: Scorecard) -> None:
    """Three tickets, each once (metric set 99 and the two audits add no row)."""
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (3, 3, 0)
    assert card.rows.merged == 0 and card.rows.duplicate == 0
    # (in scope, passed, failed, unmeasured): ticket 1 replied in 20 min, ticket 2 has no
    # metric set (unmeasured), ticket 3 took 300 min
    assert per_branch(card, "reply-1h") == {"10": (2, 1, 0, 1), "20": (1, 0, 1, 0)}
    # in scope: tickets with a metric set (1: 2 replies, 3: 1 reply); 99's 9 replies absent
    assert per_branch(card, "replies") == {"10": (1, 1, 0, 0), "20": (1, 1, 0, 0)}


def test_a_document_s_metric_sets_are_attached_to_their_tickets(tmp_path: Path) -> None:
    log, standards = files(tmp_path)
    check_document(run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)])))


def test_only_arrays_with_one_item_per_record_are_attached(tmp_path: Path) -> None:
    log, _ = files(tmp_path)
    schema = Logs.open([str(log)]).schema(duckdb.connect())
    assert list(schema) == [
        "id",
        "group_id",
        "created_at",
        "status",
        "metric_set.ticket_id",
        "metric_set.reply_time_in_minutes.business",
        "metric_set.replies",
    ]


def test_metric_sets_with_two_items_for_one_ticket_are_left_alone(tmp_path: Path) -> None:
    """As ``audits`` above: the tickets are read once each, without metric set columns, and a
    standard that needs one names the missing column."""
    twice = {**DOCUMENT, "metric_sets": [*DOCUMENT["metric_sets"], {"ticket_id": 1}]}
    log, standards = files(tmp_path, twice)
    schema = Logs.open([str(log)]).schema(duckdb.connect())
    assert not [c for c in schema if c.startswith("metric_set")]
    with pytest.raises(SvcauditError, match=r"unknown column 'metric_set\.reply_time_in_minutes"):
        run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)]))


def test_records_without_an_id_get_no_side_loads(tmp_path: Path) -> None:
    """Side-loaded items name their record by its ``id``: records without one keep theirs."""
    document = {
        "tickets": [{"ref": "a", "created_at": "2025-03-01T10:00:00Z"}],
        "metric_sets": [{"ticket_id": 1, "replies": 2}],
    }
    log, _ = files(tmp_path, document)
    assert list(Logs.open([str(log)]).schema(duckdb.connect())) == ["ref", "created_at"]
