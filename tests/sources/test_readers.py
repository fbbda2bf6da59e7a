"""Reading logs: formats, encodings, several files, time zones, and rejected rows.

Every expected figure is worked out by hand from the rows written in each test.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from svcaudit.errors import SvcauditError
from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources import Logs
from tests.helpers import assert_accounting, audit, chain, per_branch, write

STANDARDS = """\
svcaudit: 1
name: Sources
time_zone: UTC
standards:
  - id: answer-60s
    title: Answered within 60 seconds
    measure: answered_at - arrived_at
    at_most: 60s
  - id: hold-30s
    title: Held at most 30 seconds
    measure: hold
    at_most: 30s
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return write(tmp_path / "rules.yaml", STANDARDS)


def test_csv_with_bom_crlf_and_quoting(tmp_path: Path, rules: Path) -> None:
    # `branch` is the first column: a BOM left in its name would lose the branch column.
    text = (
        "branch,id,arrived_at,answered_at,hold_seconds,note\r\n"
        'North,1,2025-03-03 09:00:00,2025-03-03 09:00:30,10,"late, but polite"\r\n'
        'North,2,2025-03-03 09:00:00,2025-03-03 09:01:30,40,"line one\r\nline two"\r\n'
        'South,3,2025-03-03 09:00:00,2025-03-03 09:01:00,30,"said ""hi"", left"\r\n'
        "South,4,2025-03-03 09:00:00,,,\r\n"
    )
    log = tmp_path / "log.csv"
    log.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    card = audit([log], [rules])
    # 4 records (the quoted line break does not start a record), none rejected.
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (4, 4, 0)
    # answer: 30 s pass, 90 s fail, 60 s pass (at_most is inclusive), row 4 unmeasured.
    assert chain(card, "answer-60s") == (4, 2, 1, 1)
    assert per_branch(card, "answer-60s") == {"North": (2, 1, 1, 0), "South": (2, 1, 0, 1)}
    # hold: 10 s pass, 40 s fail, 30 s pass, row 4 unmeasured.
    assert chain(card, "hold-30s") == (4, 2, 1, 1)
    assert per_branch(card, "hold-30s") == {"North": (2, 1, 1, 0), "South": (2, 1, 0, 1)}
    # missing: fail -> rate = passed / in scope = 2/4.
    assert card.standards[0].counts.rate == pytest.approx(0.5)
    assert_accounting(card)


def test_csv_column_names_and_types(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes(
        b"\xef\xbb\xbfbranch,arrived_at,hold_seconds,note\r\n"
        b'A,2025-03-03 09:00:00,10,"x, y"\r\nB,2025-03-03 10:00:00,12.5,z\r\n'
    )
    con = duckdb.connect(":memory:")
    schema = Logs.open([str(log)]).schema(con)
    assert list(schema) == ["branch", "arrived_at", "hold_seconds", "note"]
    assert kind_of_sql_type(schema["arrived_at"]) == Kind.TIMESTAMP
    assert kind_of_sql_type(schema["hold_seconds"]) == Kind.NUMBER
    assert kind_of_sql_type(schema["note"]) == Kind.STRING


def test_tsv(tmp_path: Path, rules: Path) -> None:
    log = write(
        tmp_path / "log.tsv",
        "branch\tarrived_at\tanswered_at\thold_seconds\tnote\n"
        "A\t2025-03-03 09:00:00\t2025-03-03 09:00:59\t31\ta, b\n"
        "B\t2025-03-03 09:00:00\t2025-03-03 09:01:01\t0\tc\n",
        dedent=False,
    )
    card = audit([log], [rules])
    assert (card.rows.read, card.rows.rejected) == (2, 0)
    # answer: A 59 s pass, B 61 s fail. hold: A 31 s fail, B 0 s pass.
    assert per_branch(card, "answer-60s") == {"A": (1, 1, 0, 0), "B": (1, 0, 1, 0)}
    assert per_branch(card, "hold-30s") == {"A": (1, 0, 1, 0), "B": (1, 1, 0, 0)}


def test_gzip_csv(tmp_path: Path, rules: Path) -> None:
    log = tmp_path / "log.csv.gz"
    with gzip.open(log, "wt", encoding="utf-8", newline="") as f:
        f.write(
            "branch,arrived_at,answered_at,hold_seconds\r\n"
            "A,2025-03-03 09:00:00,2025-03-03 09:00:10,5\r\n"
            "A,2025-03-03 09:00:00,2025-03-03 09:05:00,50\r\n"
            "B,2025-03-03 09:00:00,2025-03-03 09:00:20,20\r\n"
        )
    card = audit([log], [rules])
    assert (card.rows.read, card.rows.rejected) == (3, 0)
    # answer: 10 s, 300 s, 20 s -> 2 of 3. hold: 5, 50, 20 -> 2 of 3.
    assert chain(card, "answer-60s") == (3, 2, 1, 0)
    assert chain(card, "hold-30s") == (3, 2, 1, 0)
    assert per_branch(card, "hold-30s") == {"A": (2, 1, 1, 0), "B": (1, 1, 0, 0)}


def test_json_lines(tmp_path: Path, rules: Path) -> None:
    records = [
        # arrived 10:00+01:00 = 09:00Z, answered 09:00:20Z: 20 s pass; hold 31 s fail
        {
            "branch": "A",
            "arrived_at": "2025-03-03T10:00:00+01:00",
            "answered_at": "2025-03-03T09:00:20Z",
            "hold_seconds": 31,
        },
        # no answer, no hold: unmeasured for both
        {
            "branch": "A",
            "arrived_at": "2025-03-03T09:00:00Z",
            "answered_at": None,
            "hold_seconds": None,
        },
        # 120 s fail; 5.5 s pass
        {
            "branch": "B",
            "arrived_at": "2025-03-03T09:00:00Z",
            "answered_at": "2025-03-03T09:02:00Z",
            "hold_seconds": 5.5,
        },
    ]
    log = write(tmp_path / "log.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    card = audit([log], [rules])
    assert (card.rows.read, card.rows.rejected) == (3, 0)
    assert chain(card, "answer-60s") == (3, 1, 1, 1)
    assert per_branch(card, "answer-60s") == {"A": (2, 1, 0, 1), "B": (1, 0, 1, 0)}
    assert chain(card, "hold-30s") == (3, 1, 1, 1)
    assert per_branch(card, "hold-30s") == {"A": (2, 0, 1, 1), "B": (1, 1, 0, 0)}


def test_json_array(tmp_path: Path, rules: Path) -> None:
    records = [
        {
            "branch": "A",
            "arrived_at": "2025-03-03T09:00:00Z",
            "answered_at": "2025-03-03T09:00:30Z",
            "hold_seconds": 30,
        },
        {
            "branch": "A",
            "arrived_at": "2025-03-03T09:00:00Z",
            "answered_at": "2025-03-03T09:01:01Z",
            "hold_seconds": 31,
        },
    ]
    log = write(tmp_path / "log.json", json.dumps(records, indent=2))
    card = audit([log], [rules])
    assert (card.rows.read, card.rows.rejected) == (2, 0)
    # 30 s pass, 61 s fail; hold 30 s pass (inclusive), 31 s fail
    assert chain(card, "answer-60s") == (2, 1, 1, 0)
    assert chain(card, "hold-30s") == (2, 1, 1, 0)


def test_parquet(tmp_path: Path, rules: Path) -> None:
    log = tmp_path / "log.parquet"
    con = duckdb.connect(":memory:")
    con.execute(
        f"""
        COPY (
          SELECT * FROM (VALUES
            ('A', TIMESTAMPTZ '2025-03-03 09:00:00+00', TIMESTAMPTZ '2025-03-03 09:00:40+00', 12),
            ('B', TIMESTAMPTZ '2025-03-03 09:00:00+00', NULL, 45),
            ('B', TIMESTAMPTZ '2025-03-03 09:00:00+00', TIMESTAMPTZ '2025-03-03 09:01:10+00', 30)
          ) v(branch, arrived_at, answered_at, hold_seconds)
        ) TO '{log}' (FORMAT parquet)
        """
    )
    con.close()
    card = audit([log], [rules])
    assert (card.rows.read, card.rows.rejected) == (3, 0)
    # answer: A 40 s pass; B unmeasured; B 70 s fail.  hold: 12 pass, 45 fail, 30 pass.
    assert chain(card, "answer-60s") == (3, 1, 1, 1)
    assert per_branch(card, "answer-60s") == {"A": (1, 1, 0, 0), "B": (2, 0, 1, 1)}
    assert chain(card, "hold-30s") == (3, 2, 1, 0)


def test_parquet_native_and_text_columns_side_by_side(tmp_path: Path, rules: Path) -> None:
    """A column the file types (arrived_at) has no invalid-value flag; a text one beside it
    (answered_at) still has: its bad value is counted as invalid, once."""
    log = tmp_path / "mixed.parquet"
    con = duckdb.connect(":memory:")
    con.execute(
        f"""
        COPY (
          SELECT * FROM (VALUES
            ('A', TIMESTAMP '2025-03-03 09:00:00', '2025-03-03 09:00:40', 12),
            ('A', TIMESTAMP '2025-03-03 09:00:00', 'soon', 12),
            ('B', NULL, '2025-03-03 09:02:00', 12)
          ) v(branch, arrived_at, answered_at, hold_seconds)
        ) TO '{log}' (FORMAT parquet)
        """
    )
    con.close()
    logs = Logs.open([str(log)])
    with duckdb.connect(":memory:") as probe:
        logs.schema(probe)
    (reader,) = logs.readers
    assert not reader.can_be_invalid("arrived_at", "TIMESTAMPTZ")
    assert reader.can_be_invalid("answered_at", "TIMESTAMPTZ")
    card = audit([log], [rules])
    # answer: A 40 s pass; A "soon" invalid (unmeasured); B no arrival (unmeasured, valid)
    assert chain(card, "answer-60s") == (3, 1, 0, 2)
    (std,) = [s for s in card.standards if s.id == "answer-60s"]
    assert std.counts.count("invalid") == 1
    assert card.rows.invalid_values == 1


def test_parquet_with_timestamps_as_text_reads_bad_values_as_invalid(
    tmp_path: Path, rules: Path
) -> None:
    log = tmp_path / "text.parquet"
    con = duckdb.connect(":memory:")
    con.execute(
        f"""
        COPY (
          SELECT * FROM (VALUES
            ('A', '2025-03-03 09:00:00+00', '2025-03-03 09:00:40+00', 12),
            ('A', '2025-03-03 09:00:00+00', 'soon', 12),
            ('B', '2025-03-03 09:00:00+00', '2025-03-03 09:02:00+00', 12)
          ) v(branch, arrived_at, answered_at, hold_seconds)
        ) TO '{log}' (FORMAT parquet)
        """
    )
    con.close()
    card = audit([log], [rules])
    # Row 2's "soon" is no timestamp: an invalid value, missing for that row (unmeasured),
    # never a rejected row; a Parquet file has no lines per record, so it is listed with its
    # number of rows.
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (3, 3, 0)
    assert chain(card, "answer-60s") == (3, 1, 1, 1)  # 40 s pass, 120 s fail, soon: none
    (std,) = [s for s in card.standards if s.id == "answer-60s"]
    assert std.counts.count("invalid") == 1
    assert [(v.line, v.column, v.value, v.rows) for v in card.invalid_values] == [
        (None, "answered_at", "soon", 1)
    ]
    assert (
        card.invalid_values[0].reason == 'column "answered_at": cannot read "soon" as a timestamp'
    )


def test_several_files_and_a_glob(tmp_path: Path, rules: Path) -> None:
    write(
        tmp_path / "logs" / "a.csv",
        "branch,arrived_at,answered_at,hold_seconds\n"
        "A,2025-03-03 09:00:00,2025-03-03 09:00:10,1\n"
        "A,2025-03-03 09:00:00,2025-03-03 09:02:00,2\n",
    )
    # Same columns in another order, and an extra one.
    write(
        tmp_path / "logs" / "b.csv",
        "hold_seconds,answered_at,branch,arrived_at,extra\n"
        "40,2025-03-03 09:00:50,B,2025-03-03 09:00:00,x\n",
    )
    tsv = write(
        tmp_path / "c.tsv",
        "branch\tarrived_at\tanswered_at\thold_seconds\n"
        "C\t2025-03-03 09:00:00\t2025-03-03 09:00:05\t3\n",
    )
    card = audit([str(tmp_path / "logs" / "*.csv"), tsv], [rules])
    assert len(card.logs) == 3 and str(tsv) in card.logs
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (4, 4, 0)
    # answer: A 10 s pass, A 120 s fail, B 50 s pass, C 5 s pass.
    assert per_branch(card, "answer-60s") == {
        "A": (2, 1, 1, 0),
        "B": (1, 1, 0, 0),
        "C": (1, 1, 0, 0),
    }
    # hold: 1, 2, 40, 3 seconds.
    assert per_branch(card, "hold-30s") == {"A": (2, 2, 0, 0), "B": (1, 0, 1, 0), "C": (1, 1, 0, 0)}


def test_csv_and_json_lines_in_one_audit(tmp_path: Path, rules: Path) -> None:
    # One CSV export with naive local times (read in the file's time zone, UTC here) and one
    # JSON Lines export with explicit offsets: both are valid timestamps, so the audit must
    # read them as one relation.
    csv_log = write(
        tmp_path / "a.csv",
        "branch,arrived_at,answered_at,hold_seconds\n"
        "A,2025-03-03 09:00:00,2025-03-03 09:00:10,1\n"
        "A,2025-03-03 09:00:00,2025-03-03 09:02:00,40\n",
    )
    jsonl = write(
        tmp_path / "c.jsonl",
        '{"branch": "C", "arrived_at": "2025-03-03T09:00:00Z", '
        '"answered_at": "2025-03-03T09:00:05Z", "hold_seconds": 3}\n',
    )
    card = audit([csv_log, jsonl], [rules])
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (3, 3, 0)
    # answer: 10 s pass, 120 s fail, 5 s pass.  hold: 1 pass, 40 fail, 3 pass.
    assert per_branch(card, "answer-60s") == {"A": (2, 1, 1, 0), "C": (1, 1, 0, 0)}
    assert per_branch(card, "hold-30s") == {"A": (2, 1, 1, 0), "C": (1, 1, 0, 0)}


def test_a_glob_matching_nothing_is_an_error(tmp_path: Path, rules: Path) -> None:
    with pytest.raises(SvcauditError) as info:
        audit([str(tmp_path / "none-*.csv")], [rules])
    assert info.value.location is not None
    assert "none-*.csv" in info.value.location.path


TZ_RULES = """\
svcaudit: 1
name: Time zones
time_zone: {zone}
standards:
  - id: le-59m59s
    title: at most 59m59s
    measure: answered_at - arrived_at
    at_most: 59m59s
  - id: le-1h
    title: at most 1h
    measure: answered_at - arrived_at
    at_most: 1h
  - id: le-2h
    title: at most 2h
    measure: answered_at - arrived_at
    at_most: 2h
  - id: ge-2h
    title: at least 2h
    measure: answered_at - arrived_at
    at_least: 2h
"""


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Warsaw: naive 10:00 in winter (CET, +01:00) is 09:00Z, so the measure to 10:00Z is 1 h;
        # naive 10:00 on 1 April (CEST, +02:00) is 08:00Z: 2 h.
        ("Europe/Warsaw", {"le-59m59s": 0, "le-1h": 1, "le-2h": 2, "ge-2h": 1}),
        # UTC: naive 10:00 is 10:00Z, both measures are 0.
        ("UTC", {"le-59m59s": 2, "le-1h": 2, "le-2h": 2, "ge-2h": 0}),
    ],
)
def test_naive_timestamps_are_in_the_standards_time_zone(
    tmp_path: Path, zone: str, expected: dict[str, int]
) -> None:
    rules = write(tmp_path / "tz.yaml", TZ_RULES.format(zone=zone))
    log = write(
        tmp_path / "tz.csv",
        "branch,arrived_at,answered_at\n"
        "W,2025-03-03 10:00:00,2025-03-03T10:00:00+00:00\n"
        "S,2025-04-01 10:00:00,2025-04-01T10:00:00+00:00\n",
    )
    card = audit([log], [rules])
    assert {s.id: s.counts.passed for s in card.standards} == expected
    assert all(s.counts.in_scope == 2 for s in card.standards)


def test_durations_across_the_change_to_summer_time_are_real_time(tmp_path: Path) -> None:
    # Warsaw springs forward on 30 March 2025 at 02:00: from 12:00 on the 29th to 12:00 on
    # the 30th (wall clock) is 23 hours of real time.
    rules = write(
        tmp_path / "dst.yaml",
        """\
        svcaudit: 1
        name: DST
        time_zone: Europe/Warsaw
        standards:
          - id: within-23h
            title: within 23 h
            measure: answered_at - arrived_at
            at_most: 23h
          - id: within-22h59m
            title: within 22 h 59 min
            measure: answered_at - arrived_at
            at_most: 22h59m
        """,
    )
    log = write(
        tmp_path / "dst.csv",
        "branch,arrived_at,answered_at\nK,2025-03-29 12:00:00,2025-03-30 12:00:00\n",
    )
    card = audit([log], [rules])
    assert chain(card, "within-23h") == (1, 1, 0, 0)
    assert chain(card, "within-22h59m") == (1, 0, 1, 0)


@pytest.mark.parametrize(
    ("column", "values", "passed"),
    [
        ("hold_seconds", ["30", "31"], 1),  # 30 s pass, 31 s fail against 30s
        ("hold_ms", ["30000", "30001"], 1),
        ("hold_minutes", ["0.5", "1"], 1),  # 30 s pass, 60 s fail
    ],
)
def test_unit_suffixed_number_columns_are_durations(
    tmp_path: Path, rules: Path, column: str, values: list[str], passed: int
) -> None:
    rows = "".join(f"A,2025-03-03 09:00:00,2025-03-03 09:00:01,{v}\n" for v in values)
    log = write(tmp_path / "u.csv", f"branch,arrived_at,answered_at,{column}\n{rows}")
    card = audit([log], [rules])
    assert chain(card, "hold-30s") == (2, passed, 2 - passed, 0)


def test_broken_records_rejected_bad_values_invalid_with_file_line_and_column(
    tmp_path: Path, rules: Path
) -> None:
    log = write(
        tmp_path / "bad.csv",
        "branch,arrived_at,answered_at,hold_seconds\n"  # line 1
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,10\n"  # 2: ok
        "A,not a time,2025-03-03 09:00:30,10\n"  # 3: bad timestamp in a needed column
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30\n"  # 4: 3 fields instead of 4
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,ten\n"  # 5: not a number
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,1,extra\n"  # 6: 5 fields instead of 4
        "B,2025-03-03 09:00:00,2025-03-03 09:02:00,45\n"  # 7: ok
        "B,2025-03-03 09:00:00,2025-03-03 09:00:05,5\n"  # 8: ok
        "B,2025-03-03 09:00:00,2025-03-03 09:00:06,6\n",  # 9: ok
    )
    card = audit([log], [rules])
    # Only the broken records (lines 4 and 6) are rejected; "not a time" and "ten" are
    # invalid values: missing for their rows, which stay in the standard not reading them.
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (8, 6, 2)
    assert_accounting(card)
    rejects = sorted(card.rejects, key=lambda r: r.line or 0)
    assert [r.file for r in rejects] == [str(log)] * 2
    assert [r.line for r in rejects] == [4, 6]
    assert all("fields" in r.reason for r in rejects)
    assert [(v.file, v.line, v.column, v.value) for v in card.invalid_values] == [
        (str(log), 3, "arrived_at", "not a time"),
        (str(log), 5, "hold_seconds", "ten"),
    ]
    assert card.invalid_values[0].reason == (
        'column "arrived_at": cannot read "not a time" as a timestamp'
    )
    assert card.invalid_values[1].reason == 'column "hold_seconds": cannot read "ten" as a number'
    assert card.rows.invalid_values == 2
    # answer: 30 s, (line 3: none), 30 s, 120 s, 5 s, 6 s -> 4 of 6, 1 unmeasured (invalid).
    assert chain(card, "answer-60s") == (6, 4, 1, 1)
    # hold: 10, 10, (line 5: none), 45, 5, 6 -> 4 of 6, 1 unmeasured (invalid).
    assert chain(card, "hold-30s") == (6, 4, 1, 1)
    for s in card.standards:
        assert s.counts.count("invalid") == 1


def test_reject_lines_are_physical_lines_after_a_quoted_line_break(
    tmp_path: Path, rules: Path
) -> None:
    # The record on lines 2-3 holds a line break inside quotes; the bad records start on
    # physical lines 4 and 6, which is where an editor shows them.
    log = write(
        tmp_path / "multi.csv",
        "branch,arrived_at,answered_at,hold_seconds,note\n"  # 1
        'A,2025-03-03 09:00:00,2025-03-03 09:00:30,10,"two\n'  # 2
        'lines"\n'  # 3
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,ten,\n"  # 4: not a number
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,12,\n"  # 5: ok
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,\n"  # 6: 4 fields instead of 5
        "B,2025-03-03 09:00:00,2025-03-03 09:00:40,13,\n",  # 7: ok
    )
    card = audit([log], [rules])
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (5, 4, 1)
    assert [r.line for r in card.rejects] == [6]
    assert [(v.line, v.column, v.value) for v in card.invalid_values] == [
        (4, "hold_seconds", "ten")
    ]


def test_json_lines_broken_records_rejected_bad_values_invalid(tmp_path: Path, rules: Path) -> None:
    good = (
        '{"branch": "A", "arrived_at": "2025-03-03T09:00:00Z", '
        '"answered_at": "2025-03-03T09:00:30Z", "hold_seconds": 3}\n'
    )
    log = write(
        tmp_path / "bad.jsonl",
        good  # 1
        + '{"branch": "A", "arrived_at": "not a date", '
        '"answered_at": "2025-03-03T09:00:30Z", "hold_seconds": 3}\n'  # 2: bad timestamp
         + '{"branch": "A", "arrived_at": "2025-03-03T09:00:00Z", '
        '"answered_at": "2025-03-03T09:00:30Z", "hold_seconds": "ten"}\n'  # 3: not a number
        + '{"branch": "A", "arrived_at": "2025-03-03T09:\n'  # 4: cut off mid-record
        + good.replace('"A"', '"B"'),  # 5
        dedent=False,
    )
    card = audit([log], [rules])
    # the cut-off record (line 4) is rejected; lines 2 and 3 hold invalid values
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (5, 4, 1)
    assert [(r.file, r.line) for r in card.rejects] == [(str(log), 4)]
    assert "json" in card.rejects[0].reason.lower()
    assert [(v.line, v.column, v.value) for v in card.invalid_values] == [
        (2, "arrived_at", "not a date"),
        (3, "hold_seconds", "ten"),
    ]
    # answer: 30 s, (line 2: none), 30 s, 30 s -> 3 of 4, 1 unmeasured
    assert chain(card, "answer-60s") == (4, 3, 0, 1)
    # hold: 3, 3, (line 3: none), 3 -> 3 of 4, 1 unmeasured
    assert chain(card, "hold-30s") == (4, 3, 0, 1)


def test_every_row_rejected_is_an_error_not_an_empty_pass(tmp_path: Path, rules: Path) -> None:
    log = write(
        tmp_path / "allbad.csv",
        "branch,arrived_at,answered_at,hold_seconds\n"
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30,1,2\n"
        "A,2025-03-03 09:00:00,2025-03-03 09:00:30\n",
    )
    with pytest.raises(SvcauditError):
        audit([log], [rules])


def test_a_file_named_like_a_pattern_is_never_read_as_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 'export[1].csv' as a pattern matches export1.csv; a file of that very name exists, so
    # it is what the user means. DuckDB's readers would expand the name again, so it cannot
    # be read as itself: refused (exit 2, with the fix), never export1.csv read in its place.
    # A real pattern still expands (export?.csv: export1.csv, 2 interactions).
    from tests.invoke import invoke  # noqa: PLC0415

    monkeypatch.chdir(tmp_path)
    header = "id,branch,arrived_at,greeted_at\n"
    row = "{i},A,2025-03-01 10:00:00,2025-03-01 10:00:30\n"
    (tmp_path / "export[1].csv").write_text(header + row.format(i=1))
    (tmp_path / "export1.csv").write_text(header + row.format(i=1) + row.format(i=2))
    (tmp_path / "s.yaml").write_text(
        "svcaudit: 1\nname: t\nstandards:\n  - id: g\n    title: g\n"
        "    measure: greeted_at - arrived_at\n    at_most: 60s\n"
    )
    named = invoke("audit", "export[1].csv", "-s", "s.yaml", "--format", "json")
    assert named.code == 2 and named.stdout == ""
    assert "export[1].csv" in named.stderr and "cannot be read as named" in named.stderr
    pattern = invoke("audit", "export?.csv", "-s", "s.yaml", "--format", "json")
    assert json.loads(pattern.stdout)["rows"]["read"] == 2, pattern.stderr
