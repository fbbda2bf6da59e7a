"""Hostile outputs: over an input, devices, links, pipes, full disks, unwritable places."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.hostile.case import LOG, RULES, Case, is_mode
from tests.hostile.cases_standards import link_to

AUDIT = ("audit", "log.csv", "-s", "s.yaml", "-q")
REFUSED = "an input"


def unchanged(*names: str):  # type: ignore[no-untyped-def]
    """An ``after`` check: the case's inputs still hold what they held."""
    originals = {"log.csv": LOG, "s.yaml": RULES}

    def check(where: Path) -> None:
        for name in names:
            assert (where / name).read_text() == originals[name], name

    return check


def json_file(name: str, passed: int = 2):  # type: ignore[no-untyped-def]
    def check(where: Path) -> None:
        report = json.loads((where / name).read_text())
        assert report["standards"][0]["passed"] == passed, report

    return check


def read_only_dir(path: Path) -> None:
    path.mkdir()
    path.chmod(0o555)


def read_only_file(path: Path) -> None:
    path.write_text("keep\n")
    path.chmod(0o444)


def hard_link_to_log(path: Path) -> None:
    os.link(path.parent / "log.csv", path)


def dev_null_intact(where: Path) -> None:
    assert is_mode(Path("/dev/null"), stat.S_ISCHR)


def link_intact(where: Path) -> None:
    assert (where / "link.json").is_symlink()
    json_file("target.json")(where)


def out_dir(path: Path) -> None:
    path.mkdir()
    path.chmod(0o777)


CASES = [
    Case(
        "o-over-the-log",
        "outputs",
        (*AUDIT, "-o", "log.csv"),
        2,
        ("log.csv",),
        after=unchanged("log.csv"),
    ),
    Case(
        "violations-over-the-log",
        "outputs",
        (*AUDIT, "--violations", "log.csv"),
        2,
        ("log.csv",),
        after=unchanged("log.csv"),
    ),
    Case(
        "rejects-over-the-log-absolute",
        "outputs",
        (*AUDIT, "--rejects", "/proc/self/cwd/log.csv"),
        2,
        (),
        after=unchanged("log.csv"),
    ),
    Case(
        "o-over-the-standards",
        "outputs",
        (*AUDIT, "-o", "s.yaml"),
        2,
        ("s.yaml",),
        after=unchanged("s.yaml"),
    ),
    Case(
        "report-over-the-standards",
        "outputs",
        (*AUDIT, "--report", "json:s.yaml"),
        2,
        ("s.yaml",),
        after=unchanged("s.yaml"),
    ),
    Case(
        "o-hard-link-to-the-log",
        "outputs",
        (*AUDIT, "-o", "same.csv"),
        2,
        ("same.csv",),
        {"same.csv": hard_link_to_log},
        after=unchanged("log.csv"),
    ),
    Case(
        "o-symlink-to-the-log",
        "outputs",
        (*AUDIT, "-o", "l.json"),
        2,
        ("l.json",),
        {"l.json": link_to("log.csv")},
        after=unchanged("log.csv"),
    ),
    Case(
        "two-reports-one-path",
        "outputs",
        (*AUDIT, "--report", "json:r.txt", "--report", "markdown:r.txt"),
        2,
        ("r.txt",),
    ),
    Case(
        "o-dev-null", "outputs", (*AUDIT, "-o", "/dev/null", "-f", "json"), 1, after=dev_null_intact
    ),
    Case("o-dev-full", "outputs", (*AUDIT, "-o", "/dev/full", "-f", "json"), 2, ("/dev/full",)),
    Case("rejects-dev-full", "outputs", (*AUDIT, "--rejects", "/dev/full"), 2, ("/dev/full",)),
    Case(
        "o-through-a-symlink",
        "outputs",
        (*AUDIT, "-o", "link.json"),
        1,
        files={"link.json": link_to("target.json")},
        keep=("target.json",),
        after=link_intact,
    ),
    Case(
        "o-plain-json",
        "outputs",
        (*AUDIT, "-o", "r.json"),
        1,
        keep=("r.json",),
        after=json_file("r.json"),
    ),
    Case(
        "o-missing-directory", "outputs", (*AUDIT, "-o", "no/such/r.json"), 2, ("no/such/r.json",)
    ),
    Case("o-a-directory", "outputs", (*AUDIT, "-o", "tmp"), 2, ("tmp",)),
    Case("o-under-a-file", "outputs", (*AUDIT, "-o", "log.csv/r.json"), 2, ("log.csv",)),
    Case(
        "o-read-only-directory",
        "outputs",
        (*AUDIT, "-o", "ro/r.json"),
        2,
        ("ro/r.json",),
        {"ro": read_only_dir},
        no_dac=True,
    ),
    Case(
        "o-read-only-file",
        "outputs",
        (*AUDIT, "-o", "ro.json"),
        2,
        ("ro.json",),
        {"ro.json": read_only_file},
        no_dac=True,
        after=lambda w: _has(w / "ro.json", "keep"),
    ),
    Case(
        "o-unknown-suffix-is-a-table",
        "outputs",
        (*AUDIT, "-o", "r.xyz"),
        1,
        keep=("r.xyz",),
        after=lambda w: _has(w / "r.xyz", "hold-30s"),
    ),
    Case("report-unknown-format", "outputs", (*AUDIT, "--report", "yaml:r.yaml"), 2, ("yaml",)),
    Case("report-without-path", "outputs", (*AUDIT, "--report", "json:"), 2, ()),
    Case(
        "o-disk-full",
        "outputs",
        (*AUDIT, "-o", "out/r.json"),
        2,
        ("out/r.json",),
        {"out": out_dir},
        tmpfs=("out", 64, 0),
    ),
    Case(
        "report-disk-full-writes-no-report",
        "outputs",
        (*AUDIT, "--report", "json:out/a.json", "--report", "junit:out/b.xml"),
        2,
        ("out/",),
        {"out": out_dir},
        tmpfs=("out", 64, 0),
    ),
    Case(
        "violations-disk-full",
        "outputs",
        (*AUDIT, "--violations", "out/v.csv"),
        2,
        ("out/v.csv",),
        {"out": out_dir},
        tmpfs=("out", 64, 0),
    ),
    Case(
        "o-over-the-baseline",
        "outputs",
        (*AUDIT, "--baseline", "b.json", "-o", "b.json"),
        2,
        ("b.json",),
        {"b.json": '{"svcaudit_version": "0.1.0", "standards": []}'},
    ),
]


def _has(path: Path, text: str) -> None:
    assert text in path.read_text(), path.read_text()[:200]
