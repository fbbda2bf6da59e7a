"""Hostile input: standards files and expressions that try to run code, reach SQL or exhaust
memory, and column and branch names made of quotes, backticks, newlines and HTML.

Every hostile standards file must end in exit 2 with one located error line and a hint (never
a traceback, never an internal error); hostile names are data and give a correct audit, in
every output format. All runs are real CLI processes (``tests/cli_batch.py``).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli_batch import Call, Result, run_batch

LOG = """\
id,branch,arrived_at,greeted_at,hold_seconds
1,North,2025-03-03 09:00:00,2025-03-03 09:00:30,10
2,North,2025-03-03 09:00:00,2025-03-03 09:01:30,40
3,South,2025-03-03 09:00:00,2025-03-03 09:00:20,20
"""
HEAD = "svcaudit: 1\nname: Hostile\ntime_zone: UTC\nstandards:\n"


def check(expression: str) -> str:
    """A standards file whose one standard checks ``expression`` (YAML-quoted)."""
    quoted = json.dumps(expression)  # a JSON string is a YAML double-quoted scalar
    return HEAD + f"  - id: s1\n    title: T\n    check: {quoted}\n"


def limit(text: str, key: str = "at_most", extra: str = "") -> str:
    return HEAD + f"  - id: s1\n    title: T\n    measure: hold\n{extra}    {key}: {text}\n"


def _laughs() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "svcaudit: 1\n" + "\n".join(lines) + "\n"


# name -> (standards file text, needles of the one error line)
STANDARDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tag-python-object": (
        "svcaudit: 1\nname: !!python/object:os.system ls\nstandards: []\n",
        ("rules.yaml:2:7", "tag", "not allowed"),
    ),
    "tag-python-apply": (
        "svcaudit: 1\nname: !!python/object/apply:os.system [ls]\nstandards: []\n",
        ("rules.yaml:2:7", "tag", "not allowed"),
    ),
    "tag-python-name": (
        "svcaudit: 1\nname: !!python/name:os.system\nstandards: []\n",
        ("rules.yaml:2:7", "tag"),
    ),
    "tag-custom": ("svcaudit: 1\nname: !env HOME\nstandards: []\n", ("rules.yaml:2:7", "tag")),
    "billion-laughs": (_laughs(), ("rules.yaml", "too large", "aliases")),
    "deep-flow-nesting": (
        "svcaudit: 1\nname: " + "[" * 5000 + "]" * 5000 + "\n",
        ("rules.yaml", "nested too deeply", "runaway brackets"),
    ),
    "deep-block-nesting": (
        "svcaudit: 1\nname:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)),
        ("rules.yaml:", "nested too deeply", "runaway brackets"),
    ),
    "huge-duration-limit": (limit("9" * 400 + "s"), ("rules.yaml:8:14", "longer than 100 years")),
    "huge-iso-duration": (limit("P" + "9" * 400 + "D"), ("rules.yaml:8:14", "100 years")),
    "huge-integer-limit": (
        limit("9" * 5000, extra="    unit: s\n"),
        ("rules.yaml:9:14", "too large"),
    ),
    "huge-float-limit": (
        limit("1.0e+400", extra="    unit: s\n"),
        ("rules.yaml:9:14", "too large"),
    ),
    "huge-target": (
        limit("30s", extra="") + "    target: " + "9" * 400 + "%\n",
        ("rules.yaml:9:13", "over 100%"),
    ),
    "huge-number-in-expression": (check("hold_seconds < " + "9" * 400), ("too large",)),
    "infinite-float-in-expression": (check("hold_seconds < 1e400"), ("too large",)),
    "huge-duration-in-expression": (check("hold < " + "9" * 30 + "d"), ("100 years",)),
    "deep-brackets": (check("(" * 3000 + "true" + ")" * 3000), ("nested more than",)),
    "deep-not": (check("not " * 3000 + "true"), ("nested more than",)),
    "deep-minus": (check("-" * 3000 + "hold_seconds > 1"), ("nested more than",)),
    "long-and-chain": (check(" and ".join(["hold_seconds > 1"] * 3000)), ("nested more than",)),
    "deep-call-nesting": (check("lower(" * 500 + "branch" + ")" * 500 + ' == "x"'), ("nested",)),
    "sql-read-csv": (
        check("read_csv('/etc/passwd') is not null"),
        ("unknown function 'read_csv'",),
    ),
    "sql-system-function": (check('getenv("HOME") == "x"'), ("unknown function 'getenv'",)),
    "sql-query-function": (check("query('SELECT 1') is null"), ("unknown function 'query'",)),
    "sql-statement-after": (check("branch == 'a'; DROP TABLE t"), ("';' is not allowed",)),
    "sql-comment": (check("branch == 'a' -- comment"), ("rules.yaml:7",)),
    "sql-quote-breakout": (check("branch == 'x'); DROP TABLE t; --"), ("rules.yaml:7",)),
    "sql-name-breakout": (check('`x"); DROP TABLE t; --` is null'), ("unknown column",)),
    "python-import": (check("__import__('os')"), ("unknown function '__import__'",)),
    "python-attribute": (check("branch.__class__"), ("'.' is not allowed",)),
    "python-lambda": (check("lambda: 1"), ("not allowed",)),
    "python-subscript": (check("branch[0] == 'a'"), ("subscripts",)),
    "python-fstring-brace": (check("{branch}"), ("not allowed",)),
}


def _hostile_names_log() -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["id", 'site "main"', "back`tick", "new\nline", "<b>wait</b>", "x'); DROP TABLE"])
    # hold (back`tick): 10, 40, 20, 20; wait: 5, 50, 5, 5; category a, b, a, c
    w.writerow([1, "Łódź", 10, "a", 5, "p"])
    w.writerow([2, "<img src=x onerror=alert(1)>", 40, "b", 50, "q"])
    w.writerow([3, "pipe | and *stars* `code`", 20, "a", 5, "p"])
    w.writerow([4, "line\nbreak ::error ::%0A", 20, "c", 5, "'; DROP TABLE t; --"])
    return buf.getvalue()


HOSTILE_NAMES_STANDARDS = """\
svcaudit: 1
name: "Hostile <names> & \\"quotes\\""
time_zone: UTC
branch: 'site "main"'
standards:
  - id: hold-30s
    title: "Held <30 s & `ok` | *yes* ::error::"
    when: "`new\\nline` in [\\"a\\", \\"b\\"]"
    measure: "`back``tick`"
    unit: s
    at_most: 30s
  - id: wait-10
    title: Wait under 10
    check: "`<b>wait</b>` <= 10 and `x'); DROP TABLE` != \\"z\\""
"""
FORMATS = ("table", "json", "junit", "markdown", "github")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    calls: dict[str, Call] = {}
    for name, (text, _) in STANDARDS.items():
        where = tmp_path_factory.mktemp(name)
        (where / "rules.yaml").write_text(text, encoding="utf-8")
        (where / "log.csv").write_text(LOG, encoding="utf-8")
        calls[name] = Call(("audit", "log.csv", "-s", "rules.yaml"), where)
        calls[name + "/validate"] = Call(("validate", "rules.yaml"), where)
    where = tmp_path_factory.mktemp("names")
    (where / "log.csv").write_text(_hostile_names_log(), encoding="utf-8")
    (where / "rules.yaml").write_text(HOSTILE_NAMES_STANDARDS, encoding="utf-8")
    for fmt in FORMATS:
        calls[f"names/{fmt}"] = Call(("audit", "log.csv", "-s", "rules.yaml", "-f", fmt), where)
    branch = "<img src=x onerror=alert(1)>"
    calls["names/explain"] = Call(
        ("explain", "hold-30s", "log.csv", "-s", "rules.yaml", "--branch", branch), where
    )
    calls["names/explain-injection"] = Call(
        ("explain", "hold-30s", "log.csv", "-s", "rules.yaml", "--branch", "x'); DROP TABLE t;"),
        where,
    )
    calls["names/map"] = Call(
        ("audit", "log.csv", "-s", "rules.yaml", "-f", "json", "--map", "hold=`back``tick`"),
        where,
    )
    return run_batch(calls)


def _one_error(run: Result) -> str:
    assert "Traceback" not in run.stdout + run.stderr
    assert "internal error" not in run.stderr, run.stderr
    assert run.code == 2, (run.code, run.stderr)
    assert run.stdout == ""
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    assert len(errors[0]) < 600, "an error line must stay readable"
    return errors[0]


# Valid without a log (`validate` knows no log columns); the audit names the unknown column.
VALID_WITHOUT_LOG = {"sql-name-breakout"}


@pytest.mark.parametrize("name", list(STANDARDS))
def test_hostile_standards(name: str, runs: dict[str, Result]) -> None:
    needles = STANDARDS[name][1]
    if name in VALID_WITHOUT_LOG:
        assert runs[name + "/validate"].code == 0
    for key in (name,) if name in VALID_WITHOUT_LOG else (name, name + "/validate"):
        line = _one_error(runs[key])
        assert "rules.yaml" in line
        for needle in needles:
            assert needle in line, (needle, line)


def test_hostile_standards_count() -> None:
    assert len(STANDARDS) >= 30


def _json(runs: dict[str, Result], key: str) -> dict[str, object]:
    run = runs[key]
    assert "Traceback" not in run.stderr
    assert run.code == 1, run.stderr
    data = json.loads(run.stdout)
    assert isinstance(data, dict)
    return data


def test_hostile_names_are_data(runs: dict[str, Result]) -> None:
    report = _json(runs, "names/json")
    assert report["rows"] == {"read": 4, "evaluated": 4, "rejected": 0, "merged": 0, "outside": 0}
    standards = {s["id"]: s for s in report["standards"]}  # type: ignore[attr-defined]
    # hold-30s: category a or b -> rows 1-3 in scope; holds 10, 40, 20 -> 2 of 3.
    hold = standards["hold-30s"]
    assert (hold["in_scope"], hold["passed"], hold["failed"]) == (3, 2, 1)
    # wait-10: waits 5, 50, 5, 5 (the text column is never "z") -> 3 of 4.
    wait = standards["wait-10"]
    assert (wait["in_scope"], wait["passed"], wait["failed"]) == (4, 3, 1)
    branches = {b["branch"] for b in wait["branches"]}
    assert branches == {
        "Łódź",
        "<img src=x onerror=alert(1)>",
        "pipe | and *stars* `code`",
        "line\nbreak ::error ::%0A",
    }
    assert report == _json(runs, "names/map")  # --map of a backticked name: the same audit


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_names_in_every_format(fmt: str, runs: dict[str, Result]) -> None:
    run = runs[f"names/{fmt}"]
    assert "Traceback" not in run.stderr
    assert run.code == 1, run.stderr
    if fmt == "junit":
        ET.fromstring(run.stdout)  # well-formed XML whatever the names hold
    if fmt == "markdown":
        assert "<img" not in run.stdout and "&lt;img" in run.stdout
    if fmt == "github":
        for line in run.stdout.splitlines():  # a newline in a name cannot start a command
            assert not line.startswith("::") or line.startswith(("::error ", "::warning ")), line
        assert "::error ::%0A" not in run.stdout


def test_hostile_branch_in_explain(runs: dict[str, Result]) -> None:
    run = runs["names/explain"]
    assert "Traceback" not in run.stderr
    assert run.code in (0, 1), run.stderr
    assert "<img src=x onerror=alert(1)>" in run.stdout
    injected = runs["names/explain-injection"]
    assert "Traceback" not in injected.stderr
    assert injected.code in (0, 1, 2), injected.stderr
    assert "internal error" not in injected.stderr


def test_string_literal_with_sql_is_a_value(tmp_path: Path) -> None:
    """A string that looks like SQL is compared as a value: it matches nothing here."""
    (tmp_path / "log.csv").write_text(LOG, encoding="utf-8")
    text = HEAD + (
        "  - id: s1\n    title: T\n"
        '    when: "branch == \\"x\'); DROP TABLE t; --\\" or branch == \'North\'"\n'
        "    check: hold_seconds <= 30\n"
    )
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    run = run_batch({"k": Call(("audit", "log.csv", "-s", "rules.yaml", "-f", "json"), tmp_path)})
    report = json.loads(run["k"].stdout)
    # in scope: the two North rows; holds 10 and 40 -> 1 of 2.
    std = report["standards"][0]
    assert (std["in_scope"], std["passed"], std["failed"]) == (2, 1, 1)
