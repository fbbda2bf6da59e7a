"""``--format github``: workflow-command annotations on the standards file, and the step summary.

Workflow commands are ``::LEVEL key=value,key=value::message`` on one line. GitHub's escaping:
in the message ``%`` -> ``%25``, CR -> ``%0D``, LF -> ``%0A``; in property values additionally
``:`` -> ``%3A`` and ``,`` -> ``%2C``. GitHub shows at most 10 annotations per level per step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from svcaudit.report.github import command
from tests.helpers import write
from tests.invoke import invoke
from tests.report.chain_fixture import A_YAML, B_YAML, item_line, write_chain
from tests.test_cli import Run

COMMAND = re.compile(r"^::(?P<level>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


@dataclass(frozen=True)
class Annotation:
    level: str
    props: dict[str, str]  # still escaped
    message: str  # still escaped


def unescape_data(text: str) -> str:
    return re.sub(
        "%(25|0D|0A|3A|2C)",
        lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m.group(1)],
        text,
    )


def parse(stdout: str) -> tuple[list[Annotation], list[str]]:
    """Annotations, and the other (plain) lines."""
    annotations, plain = [], []
    for line in stdout.splitlines():
        m = COMMAND.match(line)
        if not m:
            assert not line.startswith("::"), line
            plain.append(line)
            continue
        props: dict[str, str] = {}
        for part in (m.group("props") or "").split(","):
            if part:
                key, sep, value = part.partition("=")
                assert sep and key in ("file", "line", "title", "col", "endLine"), line
                assert key not in props, line
                props[key] = value
        annotations.append(Annotation(m.group("level"), props, m.group("message")))
    return annotations, plain


def assert_escaped(a: Annotation) -> None:
    """No raw '%' (other than an escape), CR or LF; no raw ',' or ':' inside property values."""
    escape = re.compile(r"%(?!25|0D|0A|3A|2C)")
    assert not escape.search(a.message), a.message
    for value in a.props.values():
        assert not escape.search(value), value
        assert "," not in value and ":" not in value, value


# ---- 15 breached standards, 2 warnings ----------------------------------------------------------

# One branch, holds 10, 40, 50, 60 s: at most 30 s is met by 1 of 4 = 25 % (target 100 %).
MANY_LOG = "id,branch,hold_seconds\n1,HQ,10\n2,HQ,40\n3,HQ,50\n4,HQ,60\n"


def many_yaml() -> str:
    out = ["svcaudit: 1", "name: Many", "# fifteen breached, two warnings, one met", "standards:"]
    for i in range(1, 16):
        sid = f"s{i:02d}"
        if i % 4 == 0:  # some items begin with the title, not the id
            out += [f"  - title: Standard {sid}", f"    id: {sid}"]
        else:
            out += [f"  - id: {sid}", f"    title: Standard {sid}"]
        out += ["    measure: hold", "    at_most: 30s"]
        if i % 5 == 0:
            out += ["", "  # a comment between items"]
    for sid in ("w1", "w2"):
        out += [f"  - id: {sid}", f"    title: Warning {sid}", "    measure: hold"]
        out += ["    at_most: 45s", "    target: 90%", "    severity: warn"]  # 2 of 4 = 50 %
    out += ["  - id: ok", "    title: Met", "    measure: hold", "    at_most: 60s"]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Run:
    d = tmp_path_factory.mktemp("github-many")
    write(d / "log.csv", MANY_LOG, dedent=False)
    write(d / "many.yaml", many_yaml(), dedent=False)
    mp = pytest.MonkeyPatch()
    mp.chdir(d)
    try:
        return invoke("audit", "log.csv", "-s", "many.yaml", "--format", "github")
    finally:
        mp.undo()


def test_at_most_ten_errors_the_tenth_sums_up_the_rest(many: Run) -> None:
    assert many.code == 1, many.stderr
    annotations, plain = parse(many.stdout)
    errors = [a for a in annotations if a.level == "error"]
    assert len(errors) == 10
    text = many_yaml()
    for i, a in enumerate(errors[:9], start=1):
        sid = f"s{i:02d}"
        assert a.props == {"file": "many.yaml", "line": str(item_line(text, sid)), "title": sid}
        message = unescape_data(a.message)
        assert message.startswith(f"{sid}: ") and "25%" in message and "100%" in message
    more = unescape_data(errors[9].message)
    assert more.startswith("... and 6 more"), more
    assert re.findall(r"s\d\d", more) == ["s10", "s11", "s12", "s13", "s14", "s15"]
    for a in annotations:
        assert_escaped(a)
    assert len(plain) == 1 and plain[0].startswith("svcaudit: BREACH")


def test_warnings_are_their_own_level(many: Run) -> None:
    annotations, _ = parse(many.stdout)
    warnings = [a for a in annotations if a.level == "warning"]
    text = many_yaml()
    assert [a.props for a in warnings] == [
        {"file": "many.yaml", "line": str(item_line(text, sid)), "title": sid}
        for sid in ("w1", "w2")
    ]
    assert all("50%" in unescape_data(a.message) for a in warnings)  # 2 of 4
    assert not any(a.props.get("title") == "ok" for a in annotations)  # met: no annotation


def test_line_of_a_bare_dash_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A list item may start with a bare "-" (or "- # comment") and have its keys below it:
    # the item, and so the standard, starts on the dash line.
    text = (
        "svcaudit: 1\nname: Dashes\nstandards:\n"
        "  - id: first\n    title: First\n    measure: hold\n    at_most: 30s\n"
        "  -\n    id: bare\n    title: Bare dash\n    measure: hold\n    at_most: 30s\n"
        "  - # the next one\n    id: commented\n    title: Commented\n"
        "    measure: hold\n    at_most: 30s\n"
    )
    write(tmp_path / "log.csv", MANY_LOG, dedent=False)
    write(tmp_path / "dash.yaml", text, dedent=False)
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", "log.csv", "-s", "dash.yaml", "--format", "github")
    annotations, _ = parse(run.stdout)
    lines = {a.props["title"]: a.props["line"] for a in annotations if a.level == "error"}
    expected = {sid: str(item_line(text, sid)) for sid in ("first", "bare", "commented")}
    assert expected == {"first": "4", "bare": "8", "commented": "13"}  # the scanner, by hand
    assert lines == expected


# ---- escaping -----------------------------------------------------------------------------------


def test_command_escaping_rules() -> None:
    assert command("warning", "a\rb%c\nd:e,f", title="x,y:z%") == (
        "::warning title=x%2Cy%3Az%25::a%0Db%25c%0Ad:e,f"
    )


def test_paths_and_branch_names_are_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = "odd,dir:100%"
    write(
        tmp_path / odd / "esc.yaml",
        "svcaudit: 1\nname: Escapes\nstandards:\n"
        "  - id: hold-30s\n    title: Holds\n    measure: hold\n    at_most: 30s\n"
        "    target: 90%\nconsistency:\n  min_interactions: 2\n",
        dedent=False,
    )
    # Three branches, each 1 of 2 within 30 s (50 %); their names need escaping. (Judged at
    # two interactions: only a judged branch is named among the worst.)
    branches = ['"Line\nBreak"', '"50% off"', '"A,B: C"']
    rows = ["id,branch,hold_seconds"]
    for i, b in enumerate(branches):
        rows += [f"{2 * i + 1},{b},10", f"{2 * i + 2},{b},99"]
    write(tmp_path / "log.csv", "\n".join(rows) + "\n", dedent=False)
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", "log.csv", "-s", f"{odd}/esc.yaml", "--format", "github")
    assert run.code == 1, run.stderr
    annotations, plain = parse(run.stdout)
    assert len(plain) == 1  # every annotation stayed on its own line
    (a,) = annotations
    assert_escaped(a)
    assert a.props["file"] == "odd%2Cdir%3A100%25/esc.yaml"
    assert a.props["line"] == "4" and a.props["title"] == "hold-30s"
    message = unescape_data(a.message)
    assert "rate 50% (3 of 6)" in message
    for name in ("Line\nBreak 50%", "50% off 50%", "A,B: C 50%"):
        assert name in message, (name, message)


# ---- consistency annotations --------------------------------------------------------------------


def test_consistency_annotations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = write_chain(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", chain.log, "-s", chain.a, "-s", chain.b, "--format", "github")
    assert run.code == 1
    annotations, plain = parse(run.stdout)
    got = {(a.level, a.props["file"], a.props["line"], a.props["title"]) for a in annotations}
    a11, a17 = str(item_line(A_YAML, "a-breach")), str(item_line(A_YAML, "a-warn"))
    b11 = str(item_line(B_YAML, "b-inconsistent"))
    assert got == {
        ("error", "a.yaml", a11, "a-breach"),  # breached standard
        ("error", "b.yaml", b11, "b-inconsistent consistency"),  # consistency severity fail
        ("warning", "a.yaml", a17, "a-warn"),  # warn-severity breach
        ("warning", "a.yaml", a11, "a-breach consistency"),  # consistency severity warn
    }
    messages = {a.props["title"]: unescape_data(a.message) for a in annotations}
    assert messages["b-inconsistent consistency"].startswith("E: ")
    assert "12%" in messages["b-inconsistent consistency"]
    assert messages["a-breach consistency"].startswith("E: ")
    assert len(plain) == 1 and plain[0].startswith("svcaudit: BREACH")


# ---- GITHUB_STEP_SUMMARY ------------------------------------------------------------------------


def test_step_summary_is_appended_on_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "log.csv", MANY_LOG, dedent=False)
    write(tmp_path / "many.yaml", many_yaml(), dedent=False)
    summary = tmp_path / "summary.md"
    earlier = "# An earlier step\n\nwrote this.\n"
    summary.write_text(earlier, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    args = ("audit", "log.csv", "-s", "many.yaml", "--format", "github")
    first = invoke(*args, env=env)
    after_one = summary.read_text(encoding="utf-8")
    second = invoke(*args, env=env)
    after_two = summary.read_text(encoding="utf-8")
    assert first.code == second.code == 1
    assert after_one.startswith(earlier)
    added = after_one[len(earlier) :]
    assert added.strip(), "nothing was appended"
    assert after_two == earlier + added + added  # appended again, not overwritten
    # The scorecard in Markdown: a heading and the standards table with its separator row.
    lines = added.splitlines()
    assert any(line.startswith("#") and "svcaudit" in line for line in lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("| Standard"))
    assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[header + 1])
    assert sum(line.startswith("| `s") for line in lines) == 15  # one row per breached s01-s15
    # and none of it on stdout, which carries only workflow commands and the verdict
    assert "| Standard" not in first.stdout


def test_no_summary_without_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "log.csv", MANY_LOG, dedent=False)
    write(tmp_path / "many.yaml", many_yaml(), dedent=False)
    monkeypatch.chdir(tmp_path)
    run = invoke(
        "audit",
        "log.csv",
        "-s",
        "many.yaml",
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": None},
    )
    assert run.code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "many.yaml"]
