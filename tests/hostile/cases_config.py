"""Hostile config files: from another user, devices, sizes, keys pointing at inputs."""

from __future__ import annotations

import os
from pathlib import Path

from tests.hostile.case import RULES, Case
from tests.hostile.cases_standards import link_to

SILENCE = "fail_on: never\nquiet: true\n"  # what a planted config would set
IN_SUB = ("audit", "../log.csv", "-s", "../s.yaml")
FOREIGN_UID = 12345


def owned_by_other(text: str):  # type: ignore[no-untyped-def]
    """A file written, then given to a user who is neither the current one nor root."""

    def make(path: Path) -> None:
        path.write_text(text)
        os.chown(path, FOREIGN_UID, FOREIGN_UID)

    return make


def sub(path: Path) -> None:
    path.mkdir()
    path.chmod(0o777)


def breach_reported(stdout: str) -> None:
    assert "BREACH" in stdout, stdout


CASES = [
    Case(
        "config-foreign-parent-ignored",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        1,
        ("svcaudit.yaml", "config file ignored", "another user", "--config"),
        {"svcaudit.yaml": owned_by_other(SILENCE)},
        stdout=breach_reported,
        needs_root="chown to another user",
    ),
    Case(
        "config-foreign-parent-of-cwd-ignored",
        "config",
        IN_SUB,
        1,
        ("config file ignored",),
        {"svcaudit.yaml": owned_by_other(SILENCE), "sub": sub},
        cwd="sub",
        needs_root="chown to another user",
    ),
    Case(
        "config-foreign-pyproject-ignored",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        1,
        ("pyproject.toml", "config file ignored"),
        {"pyproject.toml": owned_by_other('[tool.svcaudit]\nfail_on = "never"\n')},
        needs_root="chown to another user",
    ),
    Case(
        "config-foreign-named-with-config-is-used",
        "config",
        ("--config", "svcaudit.yaml", "audit", "log.csv", "-s", "s.yaml"),
        0,
        (),
        {"svcaudit.yaml": owned_by_other(SILENCE)},
        needs_root="chown to another user",
    ),
    Case(
        "config-command-shows-ignored",
        "config",
        ("config",),
        0,
        (),
        {"svcaudit.yaml": owned_by_other(SILENCE)},
        stdout=lambda out: _all_in(out, "(none found)", "ignored:", "another user"),
        env={"COLUMNS": "200"},
        needs_root="chown to another user",
    ),
    Case(
        "config-foreign-link-ignored",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        1,
        ("config file ignored",),
        {
            "mine.yaml": SILENCE,
            "svcaudit.yaml": lambda p: (p.symlink_to("mine.yaml"), os.lchown(p, FOREIGN_UID, -1)),
        },
        needs_root="chown to another user",
    ),
    Case(
        "config-own-is-used",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        0,
        (),
        {"svcaudit.yaml": SILENCE},
    ),
    Case(
        "config-unreadable",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml", "ermission denied"),
        {"svcaudit.yaml": lambda p: (p.write_text(SILENCE), p.chmod(0))},
        no_dac=True,
    ),
    Case(
        "config-link-to-dev-zero",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml", "not a regular file"),
        {"svcaudit.yaml": link_to("/dev/zero")},
        seconds=5,
        resource=True,
    ),
    Case(
        "config-dev-zero-named",
        "config",
        ("--config", "/dev/zero", "audit", "log.csv", "-s", "s.yaml"),
        2,
        ("/dev/zero", "not a regular file"),
        seconds=5,
    ),
    Case(
        "config-fifo-named",
        "config",
        ("--config", "c.yaml", "audit", "log.csv", "-s", "s.yaml"),
        2,
        ("c.yaml", "not a regular file"),
        {"c.yaml": os.mkfifo},
        seconds=5,
    ),
    Case(
        "config-2-mib",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml", "larger than 1 MiB"),
        {"svcaudit.yaml": SILENCE + "#" * (2 << 20) + "\n"},
        seconds=10,
    ),
    Case(
        "config-merge-keys",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        0,
        (),
        {"svcaudit.yaml": "<<: {fail_on: never}\nquiet: true\n"},
    ),
    Case(
        "config-duplicate-key",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml:2:", "duplicate key"),
        {"svcaudit.yaml": "fail_on: warn\nfail_on: never\n"},
    ),
    Case(
        "config-unknown-key",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml:1", "unknown config key"),
        {"svcaudit.yaml": "fail_onn: never\n"},
    ),
    Case(
        "config-rejects-over-the-log",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("log.csv",),
        {"svcaudit.yaml": "rejects: log.csv\n"},
    ),
    Case(
        "config-report-over-the-standards",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("s.yaml",),
        {"svcaudit.yaml": 'report: ["json:s.yaml"]\n'},
    ),
    Case(
        "config-output-over-itself",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml",),
        {"svcaudit.yaml": "output: svcaudit.yaml\n"},
    ),
    Case(
        "config-missing-named",
        "config",
        ("--config", "nope.yaml", "audit", "log.csv", "-s", "s.yaml"),
        2,
        ("nope.yaml",),
    ),
    Case(
        "config-bad-toml",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("pyproject.toml", "invalid TOML"),
        {"pyproject.toml": "[tool.svcaudit]\nfail_on = \n"},
    ),
    Case(
        "config-bad-toml-without-the-table-skipped",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        1,
        (),
        {"pyproject.toml": "[tool.black]\nline-length = \n"},
    ),
    Case(
        "config-yaml-tag",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml:1:", "tag"),
        {"svcaudit.yaml": "fail_on: !!python/name:os.system\n"},
    ),
    Case(
        "config-not-a-mapping",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml",),
        {"svcaudit.yaml": "- a\n- b\n"},
    ),
    Case(
        "config-utf16",
        "config",
        ("audit", "log.csv", "-s", "s.yaml"),
        2,
        ("svcaudit.yaml",),
        {"svcaudit.yaml": SILENCE.encode("utf-16")},
    ),
    Case(
        "config-standards-list-wrong-type",
        "config",
        ("audit", "log.csv"),
        2,
        ("svcaudit.yaml",),
        {"svcaudit.yaml": "standards: {a: 1}\n"},
    ),
    Case(
        "config-no-config-flag",
        "config",
        ("--no-config", "audit", "log.csv", "-s", "s.yaml"),
        1,
        (),
        {"svcaudit.yaml": SILENCE},
    ),
    Case(
        "config-standards-from-config",
        "config",
        ("audit", "log.csv"),
        1,
        (),
        {"svcaudit.yaml": "standards: [r.yaml]\n", "r.yaml": RULES},
    ),
]


def _all_in(text: str, *needles: str) -> None:
    for needle in needles:
        assert needle in text, (needle, text)
