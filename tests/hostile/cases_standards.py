"""Hostile standards files: runaway size, devices, merge keys, time zones, bad text."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.hostile.case import RULES, Case

AUDIT = ("audit", "log.csv", "-s", "r.yaml")
VALIDATE = ("validate", "r.yaml")
HEAD = "svcaudit: 1\nname: Hostile\ntime_zone: UTC\n"


def one(body: str, head: str = HEAD) -> str:
    """A standards file with one standard whose keys are ``body`` (indented by the caller)."""
    return head + "standards:\n  - id: s1\n    title: T\n" + body


def check(expression: str) -> str:
    return one(f"    check: {json.dumps(expression)}\n")


def doubling(n: int) -> str:
    """fields f1: f0 + f0 ... f(n-1): each the previous one added to itself (2^n terms)."""
    lines = [HEAD + "fields:", "  f0: hold_seconds"]
    lines += [f"  f{i}: f{i - 1} + f{i - 1}" for i in range(1, n)]
    return "\n".join(lines) + f"\nstandards:\n  - id: s1\n    title: T\n    check: f{n - 1} > 0\n"


def fifo(path: Path) -> None:
    os.mkfifo(path)


def link_to(target: str):  # type: ignore[no-untyped-def]
    def make(path: Path) -> None:
        path.symlink_to(target)

    return make


def json_report(in_scope: int, passed: int, sid: str = "hold-30s"):  # type: ignore[no-untyped-def]
    """A stdout check: the JSON report's figures for one standard."""

    def check_out(stdout: str) -> None:
        got = {s["id"]: s for s in json.loads(stdout)["standards"]}[sid]
        assert (got["in_scope"], got["passed"]) == (in_scope, passed), got

    return check_out


MERGED = HEAD + (
    "standards:\n"
    "  - &base\n    id: hold-30s\n    title: Held at most 30 s\n    measure: hold\n"
    "    at_most: 30s\n"
    "  - <<: *base\n    id: hold-60s\n    at_most: 60s\n"
)
# hold-30s: 10, 40, 20 -> 2 of 3; hold-60s (merged, at_most overridden): 3 of 3
MERGED_LIST = HEAD + (
    "standards:\n"
    "  - &a\n    id: a\n    title: A\n    measure: hold\n    at_most: 30s\n"
    "  - &b\n    id: b\n    title: B\n    check: hold_seconds > 15\n    severity: warn\n"
    "  - <<: [*b, *a]\n    id: c\n"
)
# c takes b's keys first (check, severity warn) and a's measure and at_most: both a check and
# a measure -> an invalid standard (located)

LAUGHS_BY_MERGE = HEAD + "".join(
    f"x{i}: &m{i}\n" + "".join(f"  k{j}: *m{i - 1}\n" if i else f"  k{j}: v\n" for j in range(9))
    for i in range(9)
)

CASES = [
    # -- bounded size (issue 18, group 3) ------------------------------------------------
    Case(
        "fields-doubling-40",
        "standards",
        AUDIT,
        2,
        ("r.yaml:", "field 'f", "grows to", "at most 50,000"),
        {"r.yaml": doubling(40)},
        seconds=10,
        resource=True,
    ),
    Case(
        "fields-doubling-40-validate",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:", "grows to"),
        {"r.yaml": doubling(40)},
        seconds=10,
        resource=True,
    ),
    Case(
        "fields-doubling-in-one-expression",
        "standards",
        AUDIT,
        2,
        ("r.yaml:", "grows to"),
        {
            "r.yaml": doubling(13).replace(
                "check: f12 > 0", "check: " + " + ".join(["f12"] * 12) + " > 0"
            )
        },
        seconds=10,
    ),
    Case(
        "fields-doubling-under-the-limit",
        "standards",
        ("audit", "log.csv", "-s", "r.yaml", "-f", "json"),
        0,
        (),
        {"r.yaml": doubling(10)},  # f9 = 512 x hold_seconds > 0: every row passes
        stdout=json_report(3, 3, "s1"),
    ),
    Case(
        "standards-dev-zero",
        "standards",
        ("audit", "log.csv", "-s", "/dev/zero"),
        2,
        ("/dev/zero", "not a regular file"),
        seconds=5,
        resource=True,
    ),
    Case(
        "standards-dev-urandom",
        "standards",
        ("validate", "/dev/urandom"),
        2,
        ("not a regular file",),
        seconds=5,
    ),
    Case(
        "standards-fifo-never-blocks",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "not a regular file"),
        {"r.yaml": fifo},
        seconds=5,
    ),
    Case(
        "standards-link-to-dev-zero",
        "standards",
        AUDIT,
        2,
        ("r.yaml", "not a regular file"),
        {"r.yaml": link_to("/dev/zero")},
        seconds=5,
    ),
    Case("standards-directory", "standards", ("validate", "tmp"), 2, ("tmp",)),
    Case(
        "standards-9-mib",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "larger than 8 MiB"),
        {"r.yaml": RULES + "#" * (9 << 20) + "\n"},
        seconds=10,
        resource=True,
    ),
    Case(
        "standards-missing", "standards", ("validate", "nope.yaml"), 2, ("nope.yaml", "not found")
    ),
    Case(
        "standards-dangling-link",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "not found"),
        {"r.yaml": link_to("gone.yaml")},
    ),
    Case(
        "standards-link-loop",
        "standards",
        VALIDATE,
        2,
        ("r.yaml",),
        {"r.yaml": link_to("r.yaml")},
    ),
    Case(
        "standards-unreadable",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "ermission denied"),
        {"r.yaml": lambda p: (p.write_text(RULES), p.chmod(0))},  # type: ignore[func-returns-value]
        no_dac=True,
    ),
    # -- merge keys (group 5) ------------------------------------------------------------
    Case(
        "merge-key-anchor",
        "standards",
        ("audit", "log.csv", "-s", "r.yaml", "-f", "json"),
        1,
        files={"r.yaml": MERGED},
        stdout=json_report(3, 3, "hold-60s"),
    ),
    Case(
        "merge-key-keeps-the-original",
        "standards",
        ("audit", "log.csv", "-s", "r.yaml", "-f", "json"),
        1,
        files={"r.yaml": MERGED},
        stdout=json_report(3, 2, "hold-30s"),
    ),
    Case(
        "merge-key-list-conflicting-keys",
        "standards",
        ("validate", "r.yaml"),
        2,
        ("r.yaml:",),
        {"r.yaml": MERGED_LIST},
    ),
    Case(
        "merge-key-duplicate-written-key",
        "standards",
        VALIDATE,
        2,
        ("duplicate key 'id'",),
        {"r.yaml": MERGED + "    id: again\n"},
    ),
    Case(
        "merge-key-twice",
        "standards",
        VALIDATE,
        2,
        ("duplicate merge key",),
        {"r.yaml": MERGED.replace("  - <<: *base\n", "  - <<: *base\n    <<: *base\n")},
    ),
    Case(
        "merge-key-of-a-scalar",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:5:", "takes a mapping"),
        {"r.yaml": HEAD + "standards:\n  - <<: 5\n    id: a\n"},
    ),
    Case(
        "merge-key-into-itself",
        "standards",
        VALIDATE,
        2,
        ("into itself",),
        {"r.yaml": HEAD + "standards:\n  - &d\n    id: a\n    x: &e\n      <<: *e\n"},
    ),
    Case(
        "merge-key-laughs",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "too large"),
        {"r.yaml": LAUGHS_BY_MERGE.replace("x0: &m0", "x0: &m0").replace("  k0: *m0", "  <<: *m0")},
        seconds=10,
        resource=True,
    ),
    # -- time zones (group 5) ------------------------------------------------------------
    Case(
        "time-zone-right-utc-validate",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:3:", "right/UTC"),
        {"r.yaml": RULES.replace("time_zone: UTC", "time_zone: right/UTC")},
    ),
    Case(
        "time-zone-right-utc-audit",
        "standards",
        AUDIT,
        2,
        ("r.yaml:3:", "right/UTC"),
        {"r.yaml": RULES.replace("time_zone: UTC", "time_zone: right/UTC")},
    ),
    Case(
        "time-zone-localtime",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:3:", "localtime"),
        {"r.yaml": RULES.replace("time_zone: UTC", "time_zone: localtime")},
    ),
    Case(
        "time-zone-posix-in-a-calendar",
        "standards",
        VALIDATE,
        2,
        ("posix/UTC",),
        {
            "r.yaml": HEAD
            + 'calendars:\n  c:\n    time_zone: posix/UTC\n    hours: {mon-fri: "08:00-17:00"}\n'
            + RULES.split("time_zone: UTC\n", 1)[1]
        },
    ),
    Case(
        "time-zone-path-traversal",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:3:",),
        {"r.yaml": RULES.replace("time_zone: UTC", "time_zone: ../../etc/passwd")},
    ),
    # -- expressions (group 5) -----------------------------------------------------------
    Case(
        "parse-time-column-format",
        "standards",
        AUDIT,
        2,
        ("r.yaml:7:", "format must be written out"),
        {"r.yaml": check("parse_time(branch, branch) is null")},
    ),
    Case(
        "parse-time-computed-format",
        "standards",
        VALIDATE,
        2,
        ("format must be written out",),
        {"r.yaml": check('parse_time(branch, lower("%Y")) is null')},
    ),
    Case(
        "divide-by-zero-is-unmeasured",
        "standards",
        ("audit", "log.csv", "-s", "r.yaml", "-f", "json"),
        1,
        files={"r.yaml": check("hold_seconds / 0 >= 0")},
        stdout=json_report(3, 0, "s1"),
    ),
    # -- text and structure ---------------------------------------------------------------
    Case("standards-empty", "standards", VALIDATE, 2, ("r.yaml", "empty"), {"r.yaml": ""}),
    Case(
        "standards-only-comments",
        "standards",
        VALIDATE,
        2,
        ("r.yaml",),
        {"r.yaml": "# nothing\n# here\n"},
    ),
    Case(
        "standards-utf16",
        "standards",
        VALIDATE,
        2,
        ("r.yaml",),
        {"r.yaml": RULES.encode("utf-16")},
    ),
    Case(
        "standards-latin1",
        "standards",
        VALIDATE,
        2,
        ("r.yaml",),
        {"r.yaml": RULES.replace("Hostile", "H\xf4tel").encode("latin-1")},
    ),
    Case(
        "standards-nul-byte",
        "standards",
        VALIDATE,
        2,
        ("r.yaml",),
        {"r.yaml": RULES.replace("Hostile", "Hos\x00tile")},
    ),
    Case(
        "standards-bom-is-fine",
        "standards",
        ("audit", "log.csv", "-s", "r.yaml", "-f", "json"),
        1,
        files={"r.yaml": b"\xef\xbb\xbf" + RULES.encode()},
        stdout=json_report(3, 2),
    ),
    Case(
        "standards-tab-indent",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:",),
        {"r.yaml": RULES.replace("    measure", "\tmeasure")},
    ),
    Case(
        "standards-binary-tag",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:2:", "tag"),
        {"r.yaml": "svcaudit: 1\nname: !!binary aGVsbG8=\nstandards: []\n"},
    ),
    Case(
        "standards-set-tag",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "tag"),
        {"r.yaml": "svcaudit: 1\nname: x\nstandards: !!set {a: null}\n"},
    ),
    Case(
        "standards-list-key",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:2:", "plain names"),
        {"r.yaml": "svcaudit: 1\n[a, b]: 1\n"},
    ),
    Case(
        "standards-duplicate-ids",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:",),
        {"r.yaml": RULES + RULES.split("standards:\n", 1)[1]},
    ),
    Case(
        "standards-50000-deep-flow",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "nested too deeply"),
        {"r.yaml": "svcaudit: 1\nname: " + "[" * 50_000 + "]" * 50_000 + "\n"},
        seconds=10,
    ),
    Case(
        "standards-100000-aliases",
        "standards",
        VALIDATE,
        2,
        ("r.yaml", "too large"),
        {"r.yaml": "svcaudit: 1\na: &a [1]\nb: [" + ", ".join(["*a"] * 100_001) + "]\n"},
        seconds=10,
    ),
    Case(
        "standards-version-2",
        "standards",
        VALIDATE,
        2,
        ("r.yaml:1:",),
        {"r.yaml": RULES.replace("svcaudit: 1", "svcaudit: 2")},
    ),
    Case(
        "standards-huge-string",
        "standards",
        ("audit", "log.csv", "-s", "r.yaml", "-f", "json"),
        0,
        files={"r.yaml": check('branch != "' + "x" * 200_000 + '"')},
        stdout=json_report(3, 3, "s1"),  # no branch is that string: all 3 pass
    ),
]
