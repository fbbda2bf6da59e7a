"""Hostile environments (locale, TMPDIR, terminal, memory limit) and signals mid-run."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.hostile.case import LOG, Case

AUDIT = ("audit", "log.csv", "-s", "s.yaml")
POLISH = LOG.replace("North", "Łódź")
BIG = "id,branch,hold_seconds\n" + "".join(f"{i},A,{i % 60}\n" for i in range(40_000))


def utf8_json(stdout: str) -> None:
    report = json.loads(stdout)
    branches = {b["branch"] for b in report["standards"][0]["branches"]}
    assert "Łódź" in branches, branches


def glyph(stdout: str) -> None:
    assert "·" in stdout, stdout[:200]


def private(path: Path) -> None:
    path.mkdir()
    path.chmod(0o555)  # not writable: a TMPDIR no one (but root) can use


SIGNALS = [
    Case(
        f"{name}-while-reading-stdin",
        "signals",
        ("audit", "-", "-s", "s.yaml", *more),
        code,
        (),
        stdin="hold",
        signal=(sig, 2.0),
        seconds=15,
    )
    for name, sig, code, more in (
        ("sigterm", signal.SIGTERM, 143, ()),
        ("sighup", signal.SIGHUP, 129, ()),
        ("sigint", signal.SIGINT, 130, ()),
        ("sigterm-with-reports", signal.SIGTERM, 143, ("-o", "r.json", "--rejects", "x.csv")),
        ("sigterm-json", signal.SIGTERM, 143, ("-f", "json")),
        ("sighup-with-violations", signal.SIGHUP, 129, ("--violations", "v.csv")),
    )
]

CASES = [
    *SIGNALS,
    Case(
        "lc-all-c-no-utf8-table",
        "environment",
        AUDIT,
        1,
        (),
        stdout=glyph,
        env={"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": None},
        fresh=True,
    ),
    Case(
        "lc-all-c-no-utf8-json",
        "environment",
        (*AUDIT, "-f", "json"),
        1,
        (),
        {"log.csv": POLISH},
        stdout=utf8_json,
        env={"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": None},
        fresh=True,
    ),
    Case(
        "pythonioencoding-ascii",
        "environment",
        (*AUDIT, "-f", "markdown"),
        1,
        (),
        {"log.csv": POLISH},
        stdout=lambda out: None if "Łódź" in out else _fail(out),
        env={"PYTHONIOENCODING": "ascii"},
        fresh=True,
    ),
    Case(
        "pythonioencoding-latin1",
        "environment",
        AUDIT,
        1,
        (),
        {"log.csv": POLISH},
        env={"PYTHONIOENCODING": "latin-1"},
        fresh=True,
    ),
    Case(
        "lc-all-c-error-line",
        "environment",
        ("audit", "nope-ł.csv", "-s", "s.yaml"),
        2,
        ("not found",),
        env={"LC_ALL": "C", "PYTHONUTF8": "0"},
        fresh=True,
    ),
    Case(
        "tmpdir-full-stdin-copy",
        "environment",
        ("audit", "-", "-s", "s.yaml"),
        2,
        ("no space left",),
        {"big.csv": BIG},
        stdin="big.csv",
        tmpfs=("tmp", 64, 16),
    ),
    Case(
        "tmpdir-full-line-ends-copy",
        "environment",
        ("audit", "m.csv", "-s", "s.yaml"),
        2,
        ("no space left",),
        {"m.csv": BIG.replace("\n", "\r\n", 1)},
        tmpfs=("tmp", 64, 16),
    ),
    Case(
        "tmpdir-full-duckdb-spill",
        "environment",
        ("audit", "big.csv", "-s", "s.yaml", "-q"),
        (1, 2),
        (),
        {"big.csv": BIG},
        env={"SVCAUDIT_MEMORY_LIMIT": "30MB"},
        tmpfs=("tmp", 64, 16),
    ),
    Case(
        "tmpdir-missing",
        "environment",
        ("audit", "-", "-s", "s.yaml", "-f", "json"),
        1,
        (),
        {"in.csv": LOG},
        stdin="in.csv",
        env={"TMPDIR": "/nonexistent/svcaudit"},
    ),
    Case(
        "tmpdir-not-writable",
        "environment",
        ("audit", "-", "-s", "s.yaml", "-f", "json"),
        1,
        (),
        {"in.csv": LOG, "ro": private},
        stdin="in.csv",
        env={"TMPDIR": "ro"},
        no_dac=True,
    ),
    Case("columns-20", "environment", AUDIT, 1, (), env={"COLUMNS": "20"}),
    Case("columns-huge", "environment", AUDIT, 1, (), env={"COLUMNS": "100000"}),
    Case("columns-garbage", "environment", AUDIT, 1, (), env={"COLUMNS": "wide"}),
    Case("lines-zero", "environment", AUDIT, 1, (), env={"LINES": "0"}),
    Case("term-unset", "environment", AUDIT, 1, (), env={"TERM": None}),
    Case(
        "force-color-json-stays-json",
        "environment",
        (*AUDIT, "-f", "json"),
        1,
        (),
        stdout=lambda out: json.loads(out) and None,
        env={"FORCE_COLOR": "1", "NO_COLOR": None},
    ),
    Case("home-unset", "environment", AUDIT, 1, (), env={"HOME": None}),
    Case(
        "memory-limit-garbage",
        "environment",
        AUDIT,
        (1, 2),
        (),
        env={"SVCAUDIT_MEMORY_LIMIT": "lots"},
    ),
    Case(
        "memory-limit-tiny", "environment", AUDIT, (1, 2), (), env={"SVCAUDIT_MEMORY_LIMIT": "1KB"}
    ),
    Case(
        "redact-key-empty",
        "environment",
        (*AUDIT, "--redact", "branch"),
        (1, 2),
        (),
        env={"SVCAUDIT_REDACT_KEY": ""},
    ),
    Case(
        "cwd-unwritable",
        "environment",
        (*AUDIT, "-f", "json"),
        1,
        (),
        no_dac=True,
        cwd="ro",
        files={"ro": private, "ro/../log.csv": LOG},
    )
    if False
    else Case(
        "cwd-unwritable",
        "environment",
        ("audit", "../log.csv", "-s", "../s.yaml"),
        1,
        (),
        {"ro": private},
        no_dac=True,
        cwd="ro",
    ),
]


def _fail(out: str) -> None:
    raise AssertionError(out)
