"""Hostile options: baselines, dates, names, formats, limits, typos."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.hostile.case import Case

AUDIT = ("audit", "log.csv", "-s", "s.yaml")
BASELINE = {
    "svcaudit_version": "0.1.0",
    "standards": [{"id": "hold-30s", "rate": 0.5, "branches": []}],
}


def fifo_with(text: bytes):  # type: ignore[no-untyped-def]
    def make(path: Path) -> None:
        os.mkfifo(path)

    return make


CASES = [
    Case(
        "baseline-100000-deep",
        "options",
        (*AUDIT, "--baseline", "b.json"),
        2,
        ("b.json", "nested too deeply"),
        {"b.json": "[" * 100_000 + "]" * 100_000},
        resource=True,
    ),
    Case(
        "baseline-deep-object",
        "options",
        (*AUDIT, "--baseline", "b.json"),
        2,
        ("b.json",),
        {"b.json": '{"a":' * 50_000 + "1" + "}" * 50_000},
    ),
    Case(
        "baseline-dev-zero",
        "options",
        (*AUDIT, "--baseline", "/dev/zero"),
        2,
        ("/dev/zero", "larger than 64 MiB"),
        seconds=10,
        resource=True,
    ),
    Case(
        "baseline-not-json",
        "options",
        (*AUDIT, "--baseline", "b.json"),
        2,
        ("b.json:1:", "not JSON"),
        {"b.json": "nope"},
    ),
    Case(
        "baseline-missing", "options", (*AUDIT, "--baseline", "b.json"), 2, ("b.json", "not found")
    ),
    Case(
        "baseline-wrong-shape",
        "options",
        (*AUDIT, "--baseline", "b.json"),
        2,
        ("b.json", "not an svcaudit JSON report"),
        {"b.json": '{"standards": 5}'},
    ),
    Case(
        "baseline-huge-number",
        "options",
        (*AUDIT, "--baseline", "b.json"),
        2,
        ("b.json",),
        {
            "b.json": '{"svcaudit_version": "0.1.0", "standards": [{"id": "x", "rate": '
            + "9" * 5000
            + "}]}"
        },
    ),
    Case("baseline-directory", "options", (*AUDIT, "--baseline", "tmp"), 2, ("tmp",)),
    Case(
        "baseline-ok",
        "options",
        (*AUDIT, "--baseline", "b.json", "-f", "json"),
        1,
        (),
        {"b.json": json.dumps(BASELINE)},
    ),
    Case("since-garbage", "options", (*AUDIT, "--since", "yesterday-ish"), 2, ("--since",)),
    Case(
        "until-before-since",
        "options",
        (*AUDIT, "--since", "2025-03-05", "--until", "2025-03-01"),
        2,
        (),
    ),
    Case("since-year-99999", "options", (*AUDIT, "--since", "99999-01-01"), 2, ("--since",)),
    Case(
        "explain-huge-limit",
        "options",
        ("explain", "hold-30s", "log.csv", "-s", "s.yaml", "--limit", "9" * 20),
        2,
        ("--limit",),
        usage=True,
    ),
    Case(
        "explain-unknown-standard",
        "options",
        ("explain", "hold-3Os", "log.csv", "-s", "s.yaml"),
        2,
        ("hold-3Os",),
    ),
    Case("redact-typo", "options", (*AUDIT, "--redact", "brnach"), 2, ("brnach", "did you mean")),
    Case("format-unknown", "options", (*AUDIT, "--format", "yaml"), 2, ("'--format'",), usage=True),
    Case(
        "fail-on-unknown",
        "options",
        (*AUDIT, "--fail-on", "sometimes"),
        2,
        ("--fail-on",),
        usage=True,
    ),
    Case("fail-on-regression-garbage", "options", (*AUDIT, "--fail-on-regression", "lots"), 2, ()),
    Case("profile-unknown", "options", (*AUDIT, "--profile", "genesys"), 2, ("genesys",)),
    Case("engine-unknown", "options", (*AUDIT, "--engine", "oracle"), 2, ()),
    Case("branch-unknown-column", "options", (*AUDIT, "--branch", "brnach"), 2, ("brnach",)),
    Case("by-unknown-column", "options", (*AUDIT, "--by", "chanel"), 2, ("chanel",)),
    Case("branch-100-kb", "options", (*AUDIT, "--branch", "b" * 100_000), 2, ()),
    Case(
        "map-unknown-source",
        "options",
        (*AUDIT, "--map", "hold=nothing_here"),
        2,
        ("nothing_here",),
    ),
    Case("map-without-equals", "options", (*AUDIT, "--map", "hold"), 2, ("hold",)),
    Case("no-standards", "options", ("audit", "log.csv"), 2, ("-s",), usage=True),
    Case("no-logs", "options", ("audit", "-s", "s.yaml"), 2, ("Missing argument",), usage=True),
    Case("unknown-option", "options", (*AUDIT, "--frobnicate"), 2, ("--frobnicate",), usage=True),
    Case(
        "validate-many-missing",
        "options",
        ("validate", *(f"n{i}.yaml" for i in range(500))),
        2,
        ("not found",),
        errors=500,
    ),
    Case("inspect-missing", "options", ("inspect", "nope.csv"), 2, ("nope.csv",)),
    Case("schema-ok", "options", ("schema",), 0, (), stdout=lambda out: json.loads(out) and None),
    Case("init-over-the-standards", "options", ("init", "s.yaml"), 2, ("s.yaml",)),
    Case(
        "quiet-json-breach",
        "options",
        (*AUDIT, "-q", "-f", "json"),
        1,
        (),
        stdout=lambda out: None if out == "" else _fail(out),
    ),
]


def _fail(out: str) -> None:
    raise AssertionError(out[:300])
