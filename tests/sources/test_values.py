"""Reading values right: invalid values, null markers and column declarations.

Every figure here is worked out by hand from the rows in the test (see the comments).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svcaudit.sources.values import DEFAULT_NULLS
from tests.helpers import assert_accounting, audit, chain, per_branch, standard, write
from tests.invoke import assert_one_error, invoke

GREET_AND_RATING = """\
svcaudit: 1
name: Values
time_zone: UTC
{columns}
standards:
  - id: greet-60s
    title: Greeted within 60 seconds
    measure: greeted_at - arrived_at
    at_most: 60s
  - id: rating-4
    title: Rated at least 4
    measure: rating
    at_least: 4
  - id: greet-when-rated-high
    title: Guests who rated above 3 were greeted within 60 seconds
    when: rating > 3
    measure: greeted_at - arrived_at
    at_most: 60s
"""


def rules(tmp_path: Path, columns: str = "") -> Path:
    return write(tmp_path / "rules.yaml", GREET_AND_RATING.format(columns=columns), dedent=False)


def test_a_code_in_a_numeric_column_is_invalid_not_a_broken_row(tmp_path: Path) -> None:
    # rating is numeric in 4 rows of 5 (so read as a number); "E" (line 4) cannot be read:
    # its row stays, greet-60s (not reading rating) counts it, rating-4 counts it unmeasured
    # and invalid, and greet-when-rated-high's `when` over it is not true (out of scope).
    log = write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        "1,A,2025-03-03 09:00:00,2025-03-03 09:00:30,5\n"  # greet 30 s pass; 5 pass
        "2,A,2025-03-03 09:00:00,2025-03-03 09:01:30,4\n"  # greet 90 s fail; 4 pass
        "3,B,2025-03-03 09:00:00,2025-03-03 09:00:10,E\n"  # greet 10 s pass; E invalid
        "4,B,2025-03-03 09:00:00,2025-03-03 09:00:50,3\n"  # greet 50 s pass; 3 fail
        "5,B,2025-03-03 09:00:00,2025-03-03 09:00:20,5\n",  # greet 20 s pass; 5 pass
    )
    card = audit([log], [rules(tmp_path)])
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (5, 5, 0)
    assert card.rejects == ()
    assert chain(card, "greet-60s") == (5, 4, 1, 0)
    assert chain(card, "rating-4") == (5, 3, 1, 1)
    assert standard(card, "rating-4").counts.count("invalid") == 1
    assert standard(card, "greet-60s").counts.count("invalid") == 0
    # rating > 3: rows 1, 2, 5 (row 3's rating has no value: the `when` is not true)
    assert chain(card, "greet-when-rated-high") == (3, 2, 1, 0)
    assert per_branch(card, "rating-4") == {"A": (2, 2, 0, 0), "B": (3, 1, 1, 1)}
    assert card.rows.invalid_values == 1
    (bad,) = card.invalid_values
    assert (bad.file, bad.line, bad.column, bad.value) == (str(log), 4, "rating", "E")
    assert bad.reason == 'column "rating": cannot read "E" as a number'
    assert_accounting(card)


@pytest.mark.parametrize("marker", DEFAULT_NULLS)
def test_each_default_null_marker_is_missing_not_invalid(tmp_path: Path, marker: str) -> None:
    # line 3's rating and branch are the marker: missing (unmeasured, in "(no branch)"),
    # never an invalid value and never a branch named after the marker
    field = f'"{marker}"' if marker in ("", "-") else marker
    log = write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        "1,A,2025-03-03 09:00:00,2025-03-03 09:00:30,5\n"
        f"2,{field},2025-03-03 09:00:00,2025-03-03 09:00:10,{field}\n"
        "3,A,2025-03-03 09:00:00,2025-03-03 09:00:50,3\n",
    )
    card = audit([log], [rules(tmp_path)])
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (3, 3, 0)
    assert chain(card, "rating-4") == (3, 1, 1, 1)
    assert standard(card, "rating-4").counts.count("invalid") == 0
    assert card.invalid_values == () and card.rows.invalid_values == 0
    assert per_branch(card, "rating-4") == {"A": (2, 1, 1, 0), "(no branch)": (1, 0, 0, 1)}
    assert marker not in card.branches or marker == "(no branch)"


def test_a_custom_null_marker_and_na_as_a_real_code(tmp_path: Path) -> None:
    # `rating: {null: ["unknown"]}` replaces the defaults for rating: "unknown" is missing and
    # "?" is then an invalid value; `branch: {null: [""]}` keeps NA (North America) a branch.
    columns = 'columns:\n  rating: {null: ["unknown"]}\n  branch: {null: [""]}'
    log = write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        "1,NA,2025-03-03 09:00:00,2025-03-03 09:00:30,5\n"  # 5 pass
        "2,NA,2025-03-03 09:00:00,2025-03-03 09:00:10,unknown\n"  # missing
        "3,EU,2025-03-03 09:00:00,2025-03-03 09:00:50,?\n"  # invalid
        "4,EU,2025-03-03 09:00:00,2025-03-03 09:00:50,2\n",  # 2 fail
    )
    card = audit([log], [rules(tmp_path, columns)])
    assert chain(card, "rating-4") == (4, 1, 1, 2)
    assert standard(card, "rating-4").counts.count("invalid") == 1
    assert per_branch(card, "rating-4") == {"EU": (2, 0, 1, 1), "NA": (2, 1, 0, 1)}
    assert [(v.line, v.column, v.value) for v in card.invalid_values] == [(4, "rating", "?")]


def test_true_false_words(tmp_path: Path) -> None:
    # Y/N declared as the words of `offered`: Y passes, N fails, "maybe" is an invalid value,
    # an empty field is missing.
    std = write(
        tmp_path / "rules.yaml",
        """\
        svcaudit: 1
        name: Words
        columns:
          offered: {source: Callback, true: ["Y", "yes"], false: ["N", "no"]}
        standards:
          - id: callback
            title: A callback is offered
            check: offered
        """,
    )
    log = write(
        tmp_path / "calls.csv",
        "id,branch,Callback\n1,A,Y\n2,A,N\n3,A,yes\n4,B,maybe\n5,B,\n6,B,no\n",
    )
    card = audit([log], [std])
    assert chain(card, "callback") == (6, 2, 2, 2)  # Y, yes | N, no | maybe, empty
    assert standard(card, "callback").counts.count("invalid") == 1
    assert [(v.line, v.column, v.value) for v in card.invalid_values] == [(5, "Callback", "maybe")]
    assert card.invalid_values[0].reason == 'column "Callback": cannot read "maybe" as true/false'


def test_a_format_declaration_reads_a_format_detection_does_not_know(tmp_path: Path) -> None:
    # 03.03.2025 09.00.30 (dots in the time) is in no detected format: declared, it is read;
    # waits 30 s (pass) and 2 min (fail); "soon" is an invalid value of `Seen`.
    std = write(
        tmp_path / "rules.yaml",
        """\
        svcaudit: 1
        name: Format
        columns:
          arrived_at: {source: Came, format: "%d.%m.%Y %H.%M.%S"}
          greeted_at: {source: Seen, format: "%d.%m.%Y %H.%M.%S"}
        standards:
          - id: greet-60s
            title: Greeted within 60 seconds
            measure: greeted_at - arrived_at
            at_most: 60s
        """,
    )
    log = write(
        tmp_path / "v.csv",
        "id,branch,Came,Seen\n"
        "1,A,03.03.2025 09.00.00,03.03.2025 09.00.30\n"
        "2,A,03.03.2025 09.00.00,03.03.2025 09.02.00\n"
        "3,A,03.03.2025 09.00.00,soon\n",
    )
    card = audit([log], [std])
    assert chain(card, "greet-60s") == (3, 1, 1, 1)
    assert [(v.line, v.column, v.value) for v in card.invalid_values] == [(4, "Seen", "soon")]


def test_declaration_errors_are_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "v.csv", "id,branch,Came\n1,A,03.03.2025\n")
    body = "svcaudit: 1\nname: E\ncolumns:\n{entry}\nstandards:\n  - id: s\n    title: t\n" + (
        "    check: arrived_at is not null\n"
    )
    cases = [
        # an unknown strftime directive: at the format's value (line 4, column 38)
        (
            '  arrived_at: {source: Came, format: "%d.%m.%Q"}',
            ("e.yaml:4:38:", "unknown directive %Q"),
        ),
        # a misspelt key, with a did-you-mean
        ('  arrived_at: {source: Came, formt: "%d.%m.%Y"}', ("e.yaml:4:30:", "formt", "format")),
        # YAML reads an unquoted Yes as a boolean: refused, quote it
        ("  arrived_at: {source: Came, true: [Yes]}", ("e.yaml:4:", "quote")),
        # a type that does not exist
        ("  arrived_at: {source: Came, type: nmber}", ("e.yaml:4:36:", "nmber")),
    ]
    for entry, needles in cases:
        write(tmp_path / "e.yaml", body.format(entry=entry), dedent=False)
        assert_one_error(invoke("validate", "e.yaml"), *needles)
    # a declared column the log does not have: located at the declaration, with the columns
    write(tmp_path / "e.yaml", body.format(entry="  arrived_at: {source: Cmae}"), dedent=False)
    assert_one_error(invoke("audit", "v.csv", "-s", "e.yaml"), "e.yaml:4:", "'Cmae'", "Came")


def test_json_report_lists_invalid_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        "1,A,2025-03-03 09:00:00,2025-03-03 09:00:30,5\n"
        "2,A,2025-03-03 09:00:00,later,E\n",
    )
    rules(tmp_path)
    run = invoke("audit", "visits.csv", "-s", "rules.yaml", "-f", "json", "--fail-on", "never")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"] == {"read": 2, "evaluated": 2, "rejected": 0, "merged": 0, "outside": 0}
    assert report["invalid_values"]["count"] == 2
    assert [(v["line"], v["column"], v["value"]) for v in report["invalid_values"]["values"]] == [
        (3, "greeted_at", "later"),
        (3, "rating", "E"),
    ]
    by_id = {s["id"]: (s["unmeasured"], s["invalid"]) for s in report["standards"]}
    assert by_id == {"greet-60s": (1, 1), "rating-4": (1, 1), "greet-when-rated-high": (0, 0)}


def test_scorecard_and_rejects_file_list_invalid_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        "1,A,2025-03-03 09:00:00,2025-03-03 09:00:30,5\n"
        "2,A,2025-03-03 09:00:00,2025-03-03 09:00:40,E\n"
        "3,A,2025-03-03 09:00:00,2025-03-03 09:00:40\n",  # a field short: rejected
    )
    rules(tmp_path)
    run = invoke("audit", "visits.csv", "-s", "rules.yaml", "--rejects", "r.csv")
    assert run.code == 1, run.stderr
    assert "Invalid values (1)" in run.stdout
    assert 'visits.csv:3: column "rating": cannot read "E" as a number' in run.stdout
    assert "1 invalid value(s) read as missing" in run.stdout
    rejects = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "file,line,reason"
    assert rejects[1] == 'visits.csv,4,"wrong number of fields: expected 5, found 4"'
    assert rejects[2] == (
        'visits.csv,3,"invalid value (the row is kept, the value missing): column ""rating"": '
        'cannot read ""E"" as a number"'
    )


def test_null_markers_do_not_count_against_a_columns_type(tmp_path: Path) -> None:
    # 3 of 5 ratings are "?": the column is still numbers (2 of the 2 values), so rating-4
    # reads 5 (pass) and 3 (fail), the markers unmeasured
    log = write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        + "".join(
            f"{i},A,2025-03-03 09:00:00,2025-03-03 09:00:30,{r}\n"
            for i, r in enumerate(["?", "?", "?", "5", "3"], 1)
        ),
    )
    card = audit([log], [rules(tmp_path)])
    assert chain(card, "rating-4") == (5, 1, 1, 3)
    assert standard(card, "rating-4").counts.count("invalid") == 0


PARSE_TIME_RULES = """\
svcaudit: 1
name: Raw text
columns:
  answered: parse_time(created, "%Y-%m-%d %H:%M:%S")
standards:
  - id: same
    title: parse_time over a column detected as a timestamp reads its text
    measure: answered - created
    at_most: 5m
  - id: called-5m
    title: Called within 5 minutes
    measure: parse_time(called, "%m/%d/%Y %I:%M %p") - created
    at_most: 5m
  - id: first
    title: trim() over a timestamp column reads its text
    check: trim(created) == "2025-03-01 10:00:00"
"""
PARSE_TIME_LOG = (
    "id,branch,created,called\n"
    "1,A,2025-03-01 10:00:00,03/01/2025 10:04 AM\n"  # called after 4 min
    "2,A,2025-03-02 09:00:00,03/02/2025 09:30 AM\n"  # called after 30 min
)


def test_parse_time_and_trim_read_the_text_whatever_detection_decided(tmp_path: Path) -> None:
    # `created` is detected as a timestamp and `called` as US 12-hour times; parse_time()
    # and trim() over them read the text as written: same instant (0 s, twice), 4 and 30
    # minutes, and only row 1's text equals "2025-03-01 10:00:00"
    log = write(tmp_path / "visits.csv", PARSE_TIME_LOG, dedent=False)
    std = write(tmp_path / "rules.yaml", PARSE_TIME_RULES, dedent=False)
    card = audit([log], [std])
    assert chain(card, "same") == (2, 2, 0, 0)
    assert chain(card, "called-5m") == (2, 1, 1, 0)
    assert chain(card, "first") == (2, 1, 1, 0)


def test_markdown_lists_invalid_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "visits.csv",
        "id,branch,arrived_at,greeted_at,rating\n"
        "1,A,2025-03-03 09:00:00,2025-03-03 09:00:30,E\n"
        "2,A,2025-03-03 09:00:00,2025-03-03 09:00:30,5\n",
    )
    rules(tmp_path)
    run = invoke("audit", "visits.csv", "-s", "rules.yaml", "-f", "markdown", "--fail-on", "never")
    assert run.code == 0, run.stderr
    assert "### Invalid values (1), read as missing" in run.stdout
    assert '`visits.csv:2` column "rating": cannot read "E" as a number' in run.stdout
    assert "1 invalid value(s) read as missing" in run.stdout
