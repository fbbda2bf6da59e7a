"""The exit-code contract (README "Exit codes", docs/ci.md), row by row, as real processes.

| outcome                                   | --fail-on fail | warn | never |
|-------------------------------------------|----------------|------|-------|
| every standard met                        | 0              | 0    | 0     |
| only a warn-severity standard breached    | 0              | 1    | 0     |
| a fail-severity standard breached         | 1              | 1    | 0     |
| consistency breached, severity fail       | 1              | 1    | 0     |
| consistency warning only (severity warn)  | 0              | 1    | 0     |
| bad input (the audit could not be done)   | 2              | 2    | 2     |

Every row runs with ``--format json``, the ``--fail-on fail`` ones with the table too, each as
its own process (tests/cli_batch.py: forked from one warm interpreter; two runs are repeated
as fresh `python -m svcaudit` processes to show that the two agree).

The log: branches A, B, C with 12 calls each (36). Worked out by hand:

- hold <= 60 s: every hold is 10 s -> 36/36, met.
- ``ok`` (target 100 %, fail): false on one call of C -> 35/36, breached.
- ``fast`` (target 90 %, warn): false on 2 calls per branch -> 30/36 = 83.3 %, a warning.
  With the default ``min_interactions: 30`` no branch (12 calls) is judged for consistency.
- ``cons`` (target 50 %): A 12/12, B 12/12, C 0/12 -> 24/36 = 66.7 %, met. With
  ``min_interactions: 10`` C is below the 99.8 % funnel limit: P(R = 0 | 12, 2/3) = 3^-12.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cli_batch import Call, Result, run_batch
from tests.helpers import write
from tests.report.chain_fixture import alarm_low
from tests.test_cli import run_subprocess

HEAD = "svcaudit: 1\nname: Contract\n"
HOLD = "  - id: hold-60s\n    title: Holds\n    measure: hold\n    at_most: 60s\n"
OK_ALL = "  - id: ok-all\n    title: All ok\n    check: ok\n"
FAST = "  - id: fast-90\n    title: Fast\n    check: fast\n    target: 90%\n    severity: warn\n"
CONS = "  - id: cons-50\n    title: Consistent\n    check: cons\n    target: 50%\n"

FILES = {
    "met.yaml": HEAD + "standards:\n" + HOLD,
    "warn.yaml": HEAD + "standards:\n" + HOLD + FAST,
    "breach.yaml": HEAD + "standards:\n" + HOLD + OK_ALL,
    "cons-fail.yaml": HEAD
    + "consistency:\n  min_interactions: 10\n  severity: fail\nstandards:\n"
    + HOLD
    + CONS,
    "cons-warn.yaml": HEAD + "consistency:\n  min_interactions: 10\nstandards:\n" + HOLD + CONS,
    "badcol.yaml": HEAD + "standards:\n" + HOLD.replace("measure: hold", "measure: hodl"),
}

# (standards, --fail-on) -> expected exit code; verdict and statuses for the JSON report
ROWS: dict[tuple[str, str], int] = {
    ("met", "fail"): 0,
    ("met", "warn"): 0,
    ("met", "never"): 0,
    ("warn", "fail"): 0,
    ("warn", "warn"): 1,
    ("warn", "never"): 0,
    ("breach", "fail"): 1,
    ("breach", "warn"): 1,
    ("breach", "never"): 0,
    ("cons-fail", "fail"): 1,
    ("cons-fail", "warn"): 1,
    ("cons-fail", "never"): 0,
    ("cons-warn", "fail"): 0,
    ("cons-warn", "warn"): 1,
    ("cons-warn", "never"): 0,
}
VERDICT = {
    "met": "pass",
    "warn": "pass",
    "breach": "breach",
    "cons-fail": "breach",
    "cons-warn": "pass",
}
STATUS: dict[str, dict[str, tuple[str, str | None]]] = {  # id -> (status, consistency_status)
    "met": {"hold-60s": ("met", None)},
    "warn": {"hold-60s": ("met", None), "fast-90": ("warning", None)},
    "breach": {"hold-60s": ("met", None), "ok-all": ("breached", None)},
    "cons-fail": {"hold-60s": ("met", "met"), "cons-50": ("met", "breached")},
    "cons-warn": {"hold-60s": ("met", "met"), "cons-50": ("met", "warning")},
}
BAD = {  # bad input -> (args, the file the error names)
    "bad-standards": (("log.csv", "-s", "badcol.yaml"), "badcol.yaml"),
    "missing-log": (("nope.csv", "-s", "met.yaml"), "nope.csv"),
}
FAIL_ON = ("fail", "warn", "never")
# Every row runs with --format json; the default table runs too, with --fail-on fail (the
# exit code must not depend on the format).
RUNS = [
    (kind, fail_on, fmt)
    for kind in [*dict.fromkeys(k for k, _ in ROWS), *BAD]
    for fail_on in FAIL_ON
    for fmt in ("json", "table")
    if fmt == "json" or fail_on == "fail"
]
# repeated as fresh `python -m svcaudit` processes
FRESH = [("warn", "fail", "table"), ("bad-standards", "never", "json")]


def log() -> str:
    rows = ["id,branch,hold_seconds,ok,fast,cons"]
    i = 0
    for branch in "ABC":
        for k in range(12):
            i += 1
            ok = "false" if (branch, k) == ("C", 11) else "true"
            fast = "false" if k < 2 else "true"
            cons = "false" if branch == "C" else "true"
            rows.append(f"{i},{branch},10,{ok},{fast},{cons}")
    return "\n".join(rows) + "\n"


def args_of(kind: str, fail_on: str, fmt: str) -> tuple[str, ...]:
    files = BAD[kind][0] if kind in BAD else ("log.csv", "-s", f"{kind}.yaml")
    return ("audit", *files, "--fail-on", fail_on, "--format", fmt)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("contract")
    write(d / "log.csv", log(), dedent=False)
    for name, text in FILES.items():
        write(d / name, text, dedent=False)
    return d


Runs = dict[tuple[str, ...], Result]


@pytest.fixture(scope="module")
def runs(workdir: Path) -> Runs:
    """Every (kind, --fail-on, format) run, and the FRESH ones again under ("fresh", ...)."""
    keys = RUNS
    calls = {"/".join(key): Call(args_of(*key), workdir) for key in keys}
    with ThreadPoolExecutor(max_workers=len(FRESH)) as pool:
        fresh = {key: pool.submit(run_subprocess, args_of(*key), workdir) for key in FRESH}
        batch = run_batch(calls)
        out: Runs = {key: batch["/".join(key)] for key in keys}
        for key, future in fresh.items():
            r = future.result()
            out[("fresh", *key)] = Result(r.code, r.stdout, r.stderr)
    return out


def test_fixture_by_reference() -> None:
    assert alarm_low(0, 12, 24 / 36)  # C on cons-50
    assert log().count("\n") == 37  # header + 36 calls


@pytest.mark.parametrize(("kind", "fail_on", "fmt"), [r for r in RUNS if r[0] not in BAD])
def test_completed_audit(runs: Runs, kind: str, fail_on: str, fmt: str) -> None:
    run = runs[(kind, fail_on, fmt)]
    code = ROWS[(kind, fail_on)]
    assert run.code == code, (run.code, run.stdout[-500:], run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    assert "error:" not in run.stderr
    if fmt == "json":
        data = json.loads(run.stdout)
        assert data["exit_code"] == code
        assert data["verdict"] == VERDICT[kind]
        assert data["fail_on"] == fail_on
        got = {s["id"]: s for s in data["standards"]}
        assert set(got) == set(STATUS[kind])
        for sid, (status, consistency) in STATUS[kind].items():
            assert got[sid]["status"] == status, sid
            if consistency is not None:
                assert got[sid]["consistency_status"] == consistency, sid
    else:
        verdicts = [line for line in run.stdout.splitlines() if line.startswith(("PASS", "BREACH"))]
        assert len(verdicts) == 1, run.stdout
        assert verdicts[0].startswith(VERDICT[kind].upper())


@pytest.mark.parametrize(("kind", "fail_on", "fmt"), [r for r in RUNS if r[0] in BAD])
def test_bad_input_is_2_whatever_fail_on(runs: Runs, kind: str, fail_on: str, fmt: str) -> None:
    run = runs[(kind, fail_on, fmt)]
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stdout == ""  # nothing that could be mistaken for a report
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    assert BAD[kind][1] in errors[0]


@pytest.mark.parametrize("key", FRESH)
def test_batch_runs_match_fresh_processes(runs: Runs, key: tuple[str, str, str]) -> None:
    fresh = runs[("fresh", *key)]
    assert runs[key] == fresh
