"""Project defaults from ``svcaudit.yaml`` or ``[tool.svcaudit]``, found from the working directory.

Config files are discovered from the working directory upwards, so every run here is a real
process started in its own directory (tests/cli_batch.py: one import, one fork per run). Each
scenario gets its own directory tree, so runs that write reports never share a file.

Fixture standards are tests/test_cli.py's (4 calls): ``warn.yaml`` has only a warning (exit 0,
or 1 with ``fail_on: warn``), ``breach.yaml`` a breached standard (exit 1, 0 with ``never``),
``ok.yaml`` nothing wrong (exit 0).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli_batch import Call, Result, run_batch
from tests.helpers import write
from tests.test_cli import BREACH, LOG, OK, WARN

WIDE = {"COLUMNS": "250"}  # `svcaudit config` prints a table: keep long paths on one line

YAML = """\
# project defaults for svcaudit
standards:
  - rules/warn.yaml
fail_on: warn
report: ["json:out/audit.json"]
"""
YAML_LINES = {"fail_on": 4, "report": 5}  # standards: see test_origin_of_a_block_value

PYPROJECT = """\
[project]
name = "chain-exports"

[tool.black]
line-length = 100

[tool.svcaudit]
standards = ["rules/warn.yaml"]
fail_on = "warn"
report = ["json:out/audit.json"]
"""
PYPROJECT_LINES = {"standards": 8, "fail_on": 9, "report": 10}

RULES = {"rules/warn.yaml": WARN, "rules/ok.yaml": OK, "rules/breach.yaml": BREACH}


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (a name ending in / is a directory) under ``root``; return root."""
    for name, text in {
        **RULES,
        "data/log.csv": LOG,
        "data/deeper/": "",
        "out/": "",
        **files,
    }.items():
        if name.endswith("/"):
            (root / name).mkdir(parents=True, exist_ok=True)
        else:
            write(root / name, text, dedent=False)
    return root


SCENARIOS: dict[str, dict[str, str]] = {
    "yaml": {"svcaudit.yaml": YAML},
    "yaml-cli-fail-on": {"svcaudit.yaml": YAML},
    "yaml-cli-all": {"svcaudit.yaml": YAML},
    "pyproject": {"pyproject.toml": PYPROJECT},
    # a pyproject.toml without [tool.svcaudit] in between is skipped
    "skip-pyproject": {"svcaudit.yaml": YAML, "data/pyproject.toml": '[project]\nname = "x"\n'},
    # the nearest config wins, even a pyproject.toml over a svcaudit.yaml further up
    "nearest": {
        "svcaudit.yaml": YAML,
        "data/pyproject.toml": '[tool.svcaudit]\nstandards = ["../rules/breach.yaml"]\n'
        'fail_on = "never"\n',
    },
    "unknown-key": {"svcaudit.yaml": "standards: [rules/warn.yaml]\n# comment\nfail_onn: warn\n"},
    "unknown-key-dashes": {
        "svcaudit.yaml": "standards: [rules/warn.yaml]\n# comment\nfail-onn: warn\n"
    },
    "unknown-key-pyproject": {
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.svcaudit]\n'
        'standards = ["rules/warn.yaml"]\nfail_onn = "warn"\n'
    },
    "unknown-key-block": {"svcaudit.yaml": "standards: [rules/warn.yaml]\nreports:\n  - json:x\n"},
    "bad-value": {"svcaudit.yaml": "standards: [rules/warn.yaml]\nfail_on: sometimes\n"},
    "explicit": {
        "svcaudit.yaml": "standards: [rules/breach.yaml]\nfail_on: never\n",
        "elsewhere/custom.yaml": "standards: [../rules/warn.yaml]\nfail_on: warn\n",
    },
    "show": {"svcaudit.yaml": YAML},
    "show-dashes": {"svcaudit.yaml": "standards: [rules/warn.yaml]\nfail-on: warn\n"},
    "show-pyproject": {"pyproject.toml": PYPROJECT},
    "none": {},
}

DEEPER = "data/deeper"
AUDIT = ("audit", "../log.csv", "--format", "json")


def calls(root: Path) -> dict[str, Call]:
    d = {name: root / name for name in SCENARIOS}
    return {
        "yaml": Call(AUDIT, d["yaml"] / DEEPER),
        "yaml-cli-fail-on": Call((*AUDIT, "--fail-on", "fail"), d["yaml-cli-fail-on"] / DEEPER),
        "yaml-cli-all": Call(
            (
                *AUDIT,
                "--fail-on",
                "fail",
                "-s",
                "../../rules/breach.yaml",
                "--report",
                "json:mine.json",
            ),
            d["yaml-cli-all"] / DEEPER,
        ),
        "pyproject": Call(AUDIT, d["pyproject"] / DEEPER),
        "skip-pyproject": Call(AUDIT, d["skip-pyproject"] / DEEPER),
        "skip-pyproject-show": Call(("config",), d["skip-pyproject"] / DEEPER, WIDE),
        "nearest": Call(AUDIT, d["nearest"] / DEEPER),
        "nearest-show": Call(("config",), d["nearest"] / DEEPER, WIDE),
        "unknown-key": Call(AUDIT, d["unknown-key"] / DEEPER),
        "unknown-key-dashes": Call(AUDIT, d["unknown-key-dashes"] / DEEPER),
        "unknown-key-pyproject": Call(AUDIT, d["unknown-key-pyproject"] / DEEPER),
        "unknown-key-block": Call(AUDIT, d["unknown-key-block"] / DEEPER),
        "bad-value": Call(AUDIT, d["bad-value"] / DEEPER),
        "discovered": Call(("audit", "log.csv", "--format", "json"), d["explicit"] / "data"),
        "explicit": Call(
            ("--config", "../elsewhere/custom.yaml", "audit", "log.csv", "--format", "json"),
            d["explicit"] / "data",
        ),
        "explicit-missing": Call(
            ("--config", "nope.yaml", "audit", "log.csv", "--format", "json"),
            d["explicit"] / "data",
        ),
        "no-config": Call(
            ("--no-config", "audit", "log.csv", "-s", "../rules/breach.yaml", "--format", "json"),
            d["explicit"] / "data",
        ),
        "no-config-show": Call(("--no-config", "config"), d["explicit"] / "data", WIDE),
        "show": Call(("config",), d["show"] / DEEPER, WIDE),
        "show-dashes": Call(("config",), d["show-dashes"] / DEEPER, WIDE),
        "show-pyproject": Call(("config",), d["show-pyproject"] / DEEPER, WIDE),
        "show-none": Call(("config",), d["none"] / DEEPER, WIDE),
    }


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = tmp_path_factory.mktemp("config").resolve()
    for name, files in SCENARIOS.items():
        tree(r / name, files)
    return r


@pytest.fixture(scope="module")
def runs(root: Path) -> dict[str, Result]:
    return run_batch(calls(root))


def completed(run: Result, code: int) -> dict[str, Any]:
    assert run.code == code, (run.code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr and "error:" not in run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    assert data["exit_code"] == code
    return data


def one_error(run: Result) -> str:
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[0] == errors[0], run.stderr
    return errors[0]


def resolved(cwd: Path, path: str) -> Path:
    return (cwd / path).resolve()


def settings(run: Result) -> tuple[str, dict[str, tuple[str, str]]]:
    """`svcaudit config`: the config file line, and {setting: (value, from)}."""
    assert run.code == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    head = lines[0]
    assert head.startswith("config file: "), head
    rows: dict[str, tuple[str, str]] = {}
    for line in lines[1:]:
        parts = re.split(r"\s{2,}", line.strip())
        if parts[0] == "setting":
            continue
        assert len(parts) == 3, line
        rows[parts[0]] = (parts[1], parts[2])
    return head.removeprefix("config file: "), rows


# ---- discovery, and paths relative to the config file -------------------------------------------


@pytest.mark.parametrize("scenario", ["yaml", "pyproject", "skip-pyproject"])
def test_config_in_a_parent_directory(runs: dict[str, Result], root: Path, scenario: str) -> None:
    cwd = root / scenario / DEEPER
    data = completed(runs[scenario], 1)  # warn.yaml's warning fails under fail_on: warn
    assert data["fail_on"] == "warn"
    (standards,) = data["standards_files"]
    assert resolved(cwd, standards) == root / scenario / "rules" / "warn.yaml"
    # the report path is relative to the config file, not to the working directory
    report = json.loads((root / scenario / "out" / "audit.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass" and report["exit_code"] == 1
    assert not (cwd / "out").exists()


def test_a_pyproject_without_the_table_is_skipped(runs: dict[str, Result], root: Path) -> None:
    path, _ = settings(runs["skip-pyproject-show"])
    assert Path(path) == root / "skip-pyproject" / "svcaudit.yaml"


def test_the_nearest_config_wins(runs: dict[str, Result], root: Path) -> None:
    path, _ = settings(runs["nearest-show"])
    assert Path(path) == root / "nearest" / "data" / "pyproject.toml"
    data = completed(runs["nearest"], 0)  # breach.yaml, but fail_on: never
    assert data["verdict"] == "breach" and data["fail_on"] == "never"


# ---- the command line wins ----------------------------------------------------------------------


def test_command_line_option_wins(runs: dict[str, Result], root: Path) -> None:
    data = completed(runs["yaml-cli-fail-on"], 0)  # --fail-on fail over fail_on: warn
    assert data["fail_on"] == "fail"
    assert (root / "yaml-cli-fail-on" / "out" / "audit.json").is_file()  # report still from config


def test_command_line_standards_and_reports_win(runs: dict[str, Result], root: Path) -> None:
    scenario = root / "yaml-cli-all"
    data = completed(runs["yaml-cli-all"], 1)  # breach.yaml instead of warn.yaml
    assert data["standards_files"] == ["../../rules/breach.yaml"]
    assert (scenario / DEEPER / "mine.json").is_file()
    assert not (scenario / "out" / "audit.json").exists()  # --report replaced the config's


# ---- --config and --no-config -------------------------------------------------------------------


def test_discovered_config_in_the_working_directory_tree(runs: dict[str, Result]) -> None:
    data = completed(runs["discovered"], 0)  # breach.yaml under fail_on: never
    assert data["verdict"] == "breach"


def test_explicit_config_file(runs: dict[str, Result], root: Path) -> None:
    cwd = root / "explicit" / "data"
    data = completed(runs["explicit"], 1)  # custom.yaml: warn.yaml under fail_on: warn
    (standards,) = data["standards_files"]
    assert resolved(cwd, standards) == root / "explicit" / "rules" / "warn.yaml"


def test_explicit_config_file_missing(runs: dict[str, Result]) -> None:
    assert "nope.yaml" in one_error(runs["explicit-missing"])


def test_no_config(runs: dict[str, Result]) -> None:
    data = completed(runs["no-config"], 1)  # the discovered fail_on: never is ignored
    assert data["fail_on"] == "fail"
    path, rows = settings(runs["no-config-show"])
    assert path == "(none found)"
    assert all(origin == "default" for _, origin in rows.values())


# ---- errors in a config file --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "name", "line"),
    [
        ("unknown-key", "svcaudit.yaml", 3),
        ("unknown-key-dashes", "svcaudit.yaml", 3),  # keys may be written with - or _
        ("unknown-key-pyproject", "pyproject.toml", 6),
    ],
)
def test_unknown_key_is_located_with_a_hint(
    runs: dict[str, Result], root: Path, scenario: str, name: str, line: int
) -> None:
    error = one_error(runs[scenario])
    path = root / scenario / name
    assert error.startswith(f"error: {path}:{line}:"), error
    assert "fail" in error and "onn" in error
    assert "did you mean 'fail_on'" in error


def test_unknown_key_with_a_block_value_is_located_at_the_key(
    runs: dict[str, Result], root: Path
) -> None:
    # line 2 `reports:`, line 3 `  - json:x`: the unknown key is on line 2.
    error = one_error(runs["unknown-key-block"])
    assert error.startswith(f"error: {root / 'unknown-key-block' / 'svcaudit.yaml'}:2:"), error
    assert "did you mean 'report'" in error


def test_bad_value_is_located_in_the_config_file(runs: dict[str, Result], root: Path) -> None:
    # `fail_on: sometimes` was never typed on the command line: the error must say where it is.
    error = one_error(runs["bad-value"])
    assert error.startswith(f"error: {root / 'bad-value' / 'svcaudit.yaml'}:2"), error
    assert "sometimes" in error


# ---- svcaudit config ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "name", "lines"),
    [
        ("show", "svcaudit.yaml", YAML_LINES),
        ("show-dashes", "svcaudit.yaml", {"standards": 1, "fail_on": 2}),
        ("show-pyproject", "pyproject.toml", PYPROJECT_LINES),
    ],
)
def test_config_command_shows_each_setting_and_where_it_came_from(
    runs: dict[str, Result], root: Path, scenario: str, name: str, lines: dict[str, int]
) -> None:
    cwd = root / scenario / DEEPER
    path, rows = settings(runs[scenario])
    config = root / scenario / name
    assert Path(path) == config
    for key, line in lines.items():
        _, origin = rows[key]
        assert re.match(rf"{re.escape(str(config))}:{line}\b", origin), (key, origin)
    assert rows["fail_on"][0] == "warn"
    (standards,) = re.findall(r"'([^']+)'", rows["standards"][0])
    assert resolved(cwd, standards) == root / scenario / "rules" / "warn.yaml"
    if "report" in lines:
        (report,) = re.findall(r"'json:([^']+)'", rows["report"][0])
        assert resolved(cwd, report) == root / scenario / "out" / "audit.json"
    for key in ("branch", "by", "baseline", "quiet"):
        assert rows[key][1] == "default"


def test_origin_of_a_block_value_is_its_key_line(runs: dict[str, Result], root: Path) -> None:
    # `standards:` is on line 2 of YAML; its list starts on line 3. The setting comes from the
    # key's line, as for every other setting.
    _, rows = settings(runs["show"])
    assert rows["standards"][1] == f"{root / 'show' / 'svcaudit.yaml'}:2"


def test_config_command_without_a_config(runs: dict[str, Result]) -> None:
    path, rows = settings(runs["show-none"])
    assert path == "(none found)"
    assert {"standards", "fail_on", "report"} <= set(rows)
    assert all(origin == "default" for _, origin in rows.values())


def test_the_engine_in_the_config_file_is_one_of_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the config's `engine:` is checked against ENGINES (svcaudit.engines), with a hint
    from svcaudit.config import Settings  # noqa: PLC0415
    from tests.invoke import invoke  # noqa: PLC0415

    assert Settings.model_validate({"engine": "spark"}).engine == "spark"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svcaudit.yaml").write_text("engine: sprak\n")
    run = invoke("audit", "log.csv", "-s", "s.yaml")
    assert run.code == 2
    assert run.stderr.strip().endswith(
        "svcaudit.yaml:1: config key 'engine': 'sprak' is not allowed: Input should be 'duckdb' "
        "or 'spark' (hint: did you mean 'spark'?)"
    )
