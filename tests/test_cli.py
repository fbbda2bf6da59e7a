"""The command line, through Typer's CliRunner and as a real `python -m svcaudit` subprocess.

Exit codes and output run both ways; the secondary commands (validate, schema, inspect,
--output) run through CliRunner only. A subprocess spends most of its time importing, so the
subprocess runs of the whole module are started together, in parallel, to keep it fast.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from svcaudit.cli import app
from tests.helpers import REPO, write

# ---- fixture files (all small; results worked out by hand) -----------------------------------

# Four calls in two branches. hold: 10 s, 20 s, 25 s, 40 s. wait: 5, 8, 12, 50 s.
LOG = """\
id,branch,channel,arrived_at,answered_at,hold_seconds
1,North,phone,2025-03-03 09:00:00,2025-03-03 09:00:05,10
2,North,phone,2025-03-03 09:00:00,2025-03-03 09:00:08,20
3,South,phone,2025-03-03 09:00:00,2025-03-03 09:00:12,25
4,South,phone,2025-03-03 09:00:00,2025-03-03 09:00:50,40
"""

HEAD = "svcaudit: 1\nname: CLI\ntime_zone: UTC\nstandards:\n"


def std(body: str, sid: str = "hold-60s") -> str:
    return f"  - id: {sid}\n    title: Standard {sid}\n" + body


# All met: every hold <= 60 s (4 of 4).
OK = HEAD + std("    measure: hold\n    at_most: 60s\n")
# Breach: hold <= 30 s is 3 of 4 = 75 % < 100 % (severity fail).
BREACH = HEAD + std("    measure: hold\n    at_most: 30s\n", "hold-30s")
# Only a warning: wait <= 10 s is 2 of 4 = 50 % < 90 % (severity warn); hold-60s met.
WARN = (
    HEAD
    + std("    measure: hold\n    at_most: 60s\n")
    + std(
        "    measure: answered_at - arrived_at\n    at_most: 10s\n    target: 90%\n"
        "    severity: warn\n",
        "wait-10s",
    )
)

FILES: dict[str, str] = {
    "log.csv": LOG,
    "nobranch.csv": LOG.replace("id,branch,", "id,site,"),
    "header.csv": LOG.splitlines()[0] + "\n",
    "empty.csv": "",
    "text.parquet": LOG,
    "ok.yaml": OK,
    "breach.yaml": BREACH,
    "warn.yaml": WARN,
    # line 2: `name: CLI: audit` -> a ': ' inside a plain scalar
    "syntax.yaml": OK.replace("name: CLI", "name: CLI: audit"),
    "unknownkey.yaml": OK.replace("at_most: 60s", "treshold: 60s"),
    "dupkey.yaml": OK.replace("name: CLI\n", "name: CLI\nname: Again\n"),
    "duration.yaml": OK.replace("at_most: 60s", "at_most: 60 secs"),
    "target.yaml": OK + "    target: 150%\n",
    "column.yaml": OK.replace("measure: hold", "measure: hodl"),
    "forbidden.yaml": OK.replace(
        "    measure: hold", "    when: __import__('os').system('x')\n    measure: hold"
    ),
    "function.yaml": OK.replace(
        "    measure: hold", "    when: read_csv('/etc/passwd') == 1\n    measure: hold"
    ),
    "scope.yaml": OK.replace("    measure: hold", '    when: channel == "fax"\n    measure: hold'),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    for name, text in FILES.items():
        write(d / name, text, dedent=False)
    # Binary garbage with a .csv name.
    (d / "garbage.csv").write_bytes(bytes(random.Random(7).randrange(256) for _ in range(4096)))
    return d


# ---- one way to describe a run, two ways to run it -------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def case_args(name: str, mode: str) -> tuple[str, ...]:
    return tuple(a.replace("{mode}", mode) for a in CASES[name].args)


CASES: dict[str, Case] = {
    # exit 0 / 1 and --fail-on
    "ok": Case(("audit", "log.csv", "-s", "ok.yaml")),
    "breach": Case(("audit", "log.csv", "-s", "breach.yaml")),
    "breach-fail-on-never": Case(("audit", "log.csv", "-s", "breach.yaml", "--fail-on", "never")),
    "warn": Case(("audit", "log.csv", "-s", "warn.yaml")),
    "warn-fail-on-warn": Case(("audit", "log.csv", "-s", "warn.yaml", "--fail-on", "warn")),
    "warn-fail-on-never": Case(("audit", "log.csv", "-s", "warn.yaml", "--fail-on", "never")),
    "json": Case(("audit", "log.csv", "-s", "breach.yaml", "--format", "json")),
    "output": Case(("audit", "log.csv", "-s", "breach.yaml", "--output", "out-{mode}.json")),
    "demo": Case(
        (
            "audit",
            str(REPO / "examples" / "hotel-chain.csv"),
            "-s",
            str(REPO / "standards" / "hospitality-five-star.yaml"),
        )
    ),
    "validate-ok": Case(("validate", "ok.yaml", "warn.yaml")),
    "validate-bad": Case(("validate", "ok.yaml", "dupkey.yaml")),
    "schema": Case(("schema",)),
    "inspect": Case(("inspect", "log.csv")),
    "bad-option": Case(("audit", "log.csv", "-s", "ok.yaml", "--fail-on", "sometimes")),
    # exit 2: the audit could not be done
    "missing-log": Case(("audit", "nope.csv", "-s", "ok.yaml")),
    "empty-log": Case(("audit", "empty.csv", "-s", "ok.yaml")),
    "header-only-log": Case(("audit", "header.csv", "-s", "ok.yaml")),
    "garbage-csv": Case(("audit", "garbage.csv", "-s", "ok.yaml")),
    "text-parquet": Case(("audit", "text.parquet", "-s", "ok.yaml")),
    "missing-standards": Case(("audit", "log.csv", "-s", "nope.yaml")),
    "yaml-syntax": Case(("audit", "log.csv", "-s", "syntax.yaml")),
    "unknown-key": Case(("audit", "log.csv", "-s", "unknownkey.yaml")),
    "duplicate-key": Case(("audit", "log.csv", "-s", "dupkey.yaml")),
    "bad-duration": Case(("audit", "log.csv", "-s", "duration.yaml")),
    "target-over-100": Case(("audit", "log.csv", "-s", "target.yaml")),
    "unknown-column": Case(("audit", "log.csv", "-s", "column.yaml")),
    "forbidden-expression": Case(("audit", "log.csv", "-s", "forbidden.yaml")),
    "unknown-function": Case(("audit", "log.csv", "-s", "function.yaml")),
    "nothing-in-scope": Case(("audit", "log.csv", "-s", "scope.yaml")),
    "missing-branch-column": Case(("audit", "nobranch.csv", "-s", "ok.yaml")),
}

# Each exit-2 case, and the file(s) its one error line may name (the one at fault).
EXIT_2: dict[str, tuple[str, ...]] = {
    "missing-log": ("nope.csv",),
    "empty-log": ("empty.csv",),
    "header-only-log": ("header.csv",),
    "garbage-csv": ("garbage.csv",),
    "text-parquet": ("text.parquet",),
    "missing-standards": ("nope.yaml",),
    "yaml-syntax": ("syntax.yaml",),
    "unknown-key": ("unknownkey.yaml",),
    "duplicate-key": ("dupkey.yaml",),
    "bad-duration": ("duration.yaml",),
    "target-over-100": ("target.yaml",),
    "unknown-column": ("column.yaml",),
    "forbidden-expression": ("forbidden.yaml",),
    "unknown-function": ("function.yaml",),
    "nothing-in-scope": ("scope.yaml", "log.csv"),
    "missing-branch-column": ("nobranch.csv", "ok.yaml"),
}


def run_subprocess(args: tuple[str, ...], cwd: Path) -> Run:
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    env.pop("FORCE_COLOR", None)
    p = subprocess.run(
        [sys.executable, "-m", "svcaudit", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    return Run(p.returncode, p.stdout, p.stderr)


# The cases that also run as a real subprocess.
BOTH_WAYS = [
    "ok",
    "breach",
    "breach-fail-on-never",
    "warn",
    "warn-fail-on-warn",
    "warn-fail-on-never",
    "json",
    "demo",
    *EXIT_2,
]


@pytest.fixture(scope="module")
def subprocess_runs(workdir: Path) -> dict[str, Run]:
    """The BOTH_WAYS cases as real subprocesses, started together."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            name: pool.submit(run_subprocess, case_args(name, "subprocess"), workdir)
            for name in BOTH_WAYS
        }
        return {name: f.result() for name, f in futures.items()}


@pytest.fixture
def in_process(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Run]:
    """Run a named case through Typer's CliRunner, in the fixture directory."""

    def run(name: str) -> Run:
        monkeypatch.chdir(workdir)
        result = CliRunner().invoke(app, list(case_args(name, "clirunner")), env=ENV)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture(params=["clirunner", "subprocess"])
def cli(request: pytest.FixtureRequest) -> Callable[[str], Run]:
    """Run a named case one way or the other."""
    if request.param == "subprocess":
        runs: dict[str, Run] = request.getfixturevalue("subprocess_runs")
        return lambda name: runs[name]
    run: Callable[[str], Run] = request.getfixturevalue("in_process")
    return run


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stdout + run.stderr


# ---- exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ok", 0),
        ("breach", 1),
        ("breach-fail-on-never", 0),
        ("warn", 0),
        ("warn-fail-on-warn", 1),
        ("warn-fail-on-never", 0),
        ("demo", 1),
    ],
)
def test_exit_codes_after_an_audit(cli: Callable[[str], Run], name: str, code: int) -> None:
    run = cli(name)
    assert run.code == code, run.stderr
    no_traceback(run)
    assert "error:" not in run.stderr


@pytest.mark.parametrize("name", list(EXIT_2))
def test_exit_2_with_one_located_error_line(cli: Callable[[str], Run], name: str) -> None:
    run = cli(name)
    assert run.code == 2, (run.stdout, run.stderr)
    no_traceback(run)
    assert run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    assert lines[0] == errors[0], run.stderr
    assert any(f in errors[0] for f in EXIT_2[name]), errors[0]
    # At most a caret detail after it: the expression, then a line of carets.
    rest = lines[1:]
    assert len(rest) <= 2, run.stderr
    if rest:
        assert set(rest[-1].strip()) == {"^"}, run.stderr


@pytest.mark.parametrize(
    ("name", "log"),
    [
        ("missing-log", "nope.csv"),
        ("empty-log", "empty.csv"),
        ("header-only-log", "header.csv"),  # a header and no rows: no data to audit
        ("garbage-csv", "garbage.csv"),  # binary bytes: not a CSV at all
        ("text-parquet", "text.parquet"),
    ],
)
def test_unusable_logs_are_blamed_on_the_log(
    in_process: Callable[[str], Run], name: str, log: str
) -> None:
    # The error is located at the log (`error: LOG: ...`), not at a standard whose column
    # "is missing" because the log could not be read.
    run = in_process(name)
    assert run.code == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {log}"), errors[0]
    assert "unknown column" not in errors[0]


def test_expression_errors_show_a_caret_under_the_culprit(cli: Callable[[str], Run]) -> None:
    # `hodl` is unknown: the caret line underlines exactly those 4 characters.
    run = cli("unknown-column")
    expr, carets = [line for line in run.stderr.splitlines() if line.strip()][1:3]
    start = carets.index("^")
    assert expr[start : start + 4] == "hodl"
    assert carets.strip() == "^^^^"
    assert "did you mean 'hold'" in run.stderr


def test_bad_option_is_exit_2(in_process: Callable[[str], Run]) -> None:
    run = in_process("bad-option")
    assert run.code == 2
    no_traceback(run)


# ---- output -----------------------------------------------------------------------------------


def test_json_output_is_only_json(cli: Callable[[str], Run]) -> None:
    run = cli("json")
    assert run.code == 1
    data = json.loads(run.stdout)
    assert data["verdict"] == "breach" and data["exit_code"] == 1
    assert data["rows"] == {"read": 4, "evaluated": 4, "rejected": 0, "merged": 0, "outside": 0}
    (s,) = data["standards"]
    # hold <= 30 s: 10, 20, 25 pass; 40 fails. North 2/2, South 1/2.
    assert (s["id"], s["in_scope"], s["passed"], s["failed"], s["unmeasured"]) == (
        "hold-30s",
        4,
        3,
        1,
        0,
    )
    assert s["rate"] == pytest.approx(0.75) and s["met"] is False
    assert 0 < s["ci_low"] < 0.75 < s["ci_high"] <= 1
    assert {b["branch"]: (b["in_scope"], b["passed"]) for b in s["branches"]} == {
        "North": (2, 2),
        "South": (2, 1),
    }


def test_output_file(in_process: Callable[[str], Run], workdir: Path) -> None:
    run = in_process("output")
    assert run.code == 1
    data = json.loads((workdir / "out-clirunner.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "breach"
    assert data["standards"][0]["id"] == "hold-30s"
    assert "hold-30s" not in run.stdout  # the report went to the file


@pytest.mark.parametrize("name", ["breach", "demo", "warn"])
def test_table_fits_80_columns_without_colour(cli: Callable[[str], Run], name: str) -> None:
    run = cli(name)
    lines = run.stdout.splitlines()
    assert lines, run.stderr
    too_long = [line for line in lines if len(line) > 80]
    assert not too_long, "\n".join(too_long)
    assert "\x1b" not in run.stdout
    verdicts = [line for line in lines if line.startswith(("PASS", "BREACH"))]
    assert len(verdicts) == 1
    assert verdicts[0].startswith("BREACH" if name != "warn" else "PASS")
    assert any(line.startswith("Rows:") for line in lines)


def test_validate(in_process: Callable[[str], Run]) -> None:
    ok = in_process("validate-ok")
    assert ok.code == 0, ok.stderr
    assert "ok.yaml" in ok.stdout and "warn.yaml" in ok.stdout
    bad = in_process("validate-bad")
    assert bad.code == 2
    no_traceback(bad)
    errors = [line for line in bad.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "dupkey.yaml" in errors[0]


def test_schema(in_process: Callable[[str], Run]) -> None:
    run = in_process("schema")
    assert run.code == 0
    schema = json.loads(run.stdout)
    assert "standards" in schema["properties"]
    assert "svcaudit" in schema["properties"]


def test_inspect_lists_columns(in_process: Callable[[str], Run]) -> None:
    run = in_process("inspect")
    assert run.code == 0, run.stderr
    for column in ("id", "branch", "channel", "arrived_at", "answered_at", "hold_seconds"):
        assert column in run.stdout
    assert "csv" in run.stdout


# ---- internal errors and interruptions (simulated in-process) ---------------------------------


def fake_audit(error: BaseException) -> Callable[..., object]:
    def run(*args: object, **kwargs: object) -> object:
        raise error

    return run


def test_internal_error_is_exit_3_with_one_line_and_a_debug_hint(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.setattr("svcaudit.cli.open_audit", fake_audit(RuntimeError("boom")))
    result = CliRunner().invoke(app, ["audit", "log.csv", "-s", "ok.yaml"], env=ENV)
    assert result.exit_code == 3
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "boom" in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_debug_shows_the_traceback_of_an_internal_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.setattr("svcaudit.cli.open_audit", fake_audit(RuntimeError("boom")))
    result = CliRunner().invoke(app, ["--debug", "audit", "log.csv", "-s", "ok.yaml"], env=ENV)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr and "RuntimeError" in result.stderr


def test_ctrl_c_is_exit_130(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.setattr("svcaudit.cli.open_audit", fake_audit(KeyboardInterrupt()))
    result = CliRunner().invoke(app, ["audit", "log.csv", "-s", "ok.yaml"], env=ENV)
    assert result.exit_code == 130
    assert "Traceback" not in result.stderr + result.stdout
