"""`svcaudit inspect`: one line per column whatever their number, each timestamp column's
format (read the same way by the audit), and a branch suggestion that is never a map point,
a sentence or an id (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from svcaudit import engine
from svcaudit.sources import Logs
from svcaudit.sources.sampling import column_traits, unsuitable_branches
from tests.helpers import write
from tests.invoke import invoke


def inspect(path: Path, *args: str, width: int = 80) -> list[str]:
    run = invoke("inspect", str(path), *args, env={"COLUMNS": str(width)})
    assert run.code == 0, run.stderr
    return run.stdout.splitlines()


def test_sixty_columns_are_sixty_lines_within_the_width(tmp_path: Path) -> None:
    names = [f"column_number_{i:02d}_with_a_long_name" for i in range(60)]
    rows = [",".join(names)] + [",".join(f"value {r}-{i} of a wide export" for i in range(60))
                                for r in range(5)]
    log = write(tmp_path / "wide.csv", "\n".join(rows) + "\n", dedent=False)
    lines = inspect(log, width=80)
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    for name in names:  # the name (cut to the field's width) starts exactly one line
        assert sum(line.startswith(name[:29]) for line in lines) == 1, name
    assert "Columns (60)" in lines
    # the sample rows would not fit as a table: they are on each column's line instead
    line = next(x for x in lines if x.startswith(names[7][:29]))  # its first value (cut)
    assert "value 0-7 of a wide" in line
    assert not any("┃" in x or "│" in x for x in lines)  # no table wrapped into slivers


def test_a_narrow_log_still_gets_its_rows_table(tmp_path: Path) -> None:
    log = write(tmp_path / "narrow.csv", "a,b\n1,north\n2,south\n", dedent=False)
    lines = inspect(log, width=80)
    assert any(x.startswith("Sample rows") for x in lines), lines
    assert any("│ 1 " in x for x in lines)


BRANCHES = """\
site,location,branch,office,opened
{rows}
"""


def test_the_branch_suggestion_skips_coordinates_text_and_ids(tmp_path: Path) -> None:
    # site: free text (6+ words); location: "(lat, lon)" text; branch: 30 values in 30
    # rows (near-unique); office: two offices. By name alone `branch` would be chosen.
    rows = [
        f'Came in about the leaking roof number {i},"({40 + i / 100:.4f}, -73.9{i:02d})",'
        f"B-{i:03d},{'North' if i % 2 else 'South'},2025-03-01 10:{i:02d}:00"
        for i in range(30)
    ]
    log = write(tmp_path / "b.csv", "site,location,branch,office,opened\n" + "\n".join(rows)
                + "\n", dedent=False)
    text = "\n".join(inspect(log, width=200))
    assert "--map branch=office" in text
    assert (
        "not suggested as the branch: branch (near-unique: 30 values in 30 rows), "
        "site (free text), location (coordinates)"
    ) in text


@pytest.mark.parametrize(
    ("values", "why"),
    [
        (["POINT (-73.98 40.75)", "point(-73.90 40.70)"], "coordinates"),
        (["40.7, -73.9", "(40.71; -73.95)"], "coordinates"),
        (["we waited for a very long time", "nobody came to the desk at all"], "free text"),
    ],
)
def test_what_cannot_be_a_branch(tmp_path: Path, values: list[str], why: str) -> None:
    rows = "\n".join(f'"{v}",{i}' for i, v in enumerate(values * 3))
    log = write(tmp_path / "l.csv", f"location,n\n{rows}\n", dedent=False)
    text = "\n".join(inspect(log))
    assert "--map branch=location" not in text
    assert f"not suggested as the branch: location ({why})" in text


def test_a_latitude_number_column_is_not_a_branch(tmp_path: Path) -> None:
    log = write(tmp_path / "l.csv", "site_lat,n\n40.71,1\n40.72,2\n40.71,3\n", dedent=False)
    logs = Logs.open([str(log)])
    con = engine.connect("UTC", [str(log)])
    schema = logs.schema(con)
    found = unsuitable_branches(column_traits(con, logs.relation({}), schema), schema)
    con.close()
    assert found == {"site_lat": "coordinates"}


# Each format, as inspect must name it, with values and the instants they are (UTC), worked
# out by hand.
FORMATS = [
    ("%m/%d/%Y %I:%M:%S %p", ["12/25/2013 11:59:08 PM", "01/11/2002 01:51:44 AM"],
     [datetime(2013, 12, 25, 23, 59, 8, tzinfo=UTC), datetime(2002, 1, 11, 1, 51, 44, tzinfo=UTC)]),
    ("%d/%m/%Y %H:%M", ["31/03/2025 10:00", "01/04/2025 09:05"],
     [datetime(2025, 3, 31, 10, 0, tzinfo=UTC), datetime(2025, 4, 1, 9, 5, tzinfo=UTC)]),
    ("%m/%d/%y %H:%M", ["2/14/20 8:43", "1/2/20 0:05"],
     [datetime(2020, 2, 14, 8, 43, tzinfo=UTC), datetime(2020, 1, 2, 0, 5, tzinfo=UTC)]),
    ("ISO 8601", ["2025-03-01T10:00:00Z", "2025-03-01 11:30:15+01:00"],
     [datetime(2025, 3, 1, 10, 0, tzinfo=UTC), datetime(2025, 3, 1, 10, 30, 15, tzinfo=UTC)]),
]  # fmt: skip


@pytest.mark.parametrize(("fmt", "values", "instants"), FORMATS)
def test_inspect_shows_the_format_the_audit_reads_with(
    tmp_path: Path, fmt: str, values: list[str], instants: list[datetime]
) -> None:
    log = write(tmp_path / "t.csv", "id,opened_at\n" + "".join(
        f"{i},{v}\n" for i, v in enumerate(values)), dedent=False)
    line = next(x for x in inspect(log, width=120) if x.startswith("opened_at "))
    assert fmt in line, line
    # the audit's reading of the column: the relation the standards query, as a timestamp
    logs = Logs.open([str(log)])
    con = engine.connect("UTC", [str(log)])
    try:
        logs.schema(con)
        assert logs.timestamp_formats() == {"opened_at": fmt}
        rel = logs.relation({"id": "VARCHAR", "opened_at": "TIMESTAMPTZ"})
        query = f'SELECT * FROM ({rel.sql("duckdb")}) WHERE __reject IS NULL ORDER BY id'
        read = [r[1:2] for r in con.sql(query).fetchall()]
    finally:
        con.close()
    assert [r[0] for r in read] == instants
    if fmt != "ISO 8601":  # and Python reads the shown format to the same instants
        assert [datetime.strptime(v, fmt).replace(tzinfo=UTC) for v in values] == instants


def test_epoch_seconds_are_named(tmp_path: Path) -> None:
    # 1740823200 s = 2025-03-01 10:00:00 UTC; 1740823200000 ms the same instant.
    log = write(tmp_path / "e.csv", "id,opened_at\n1,1740823200\n2,1740823200000\n", dedent=False)
    line = next(x for x in inspect(log, width=120) if x.startswith("opened_at "))
    assert "Unix epoch" in line
