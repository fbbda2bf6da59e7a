"""svcaudit/outputs.py through the real CLI: no output ever replaces an input, two outputs
never share a file, symbolic links stay links, devices and pipes are written into.

The audit: 3 guests, 2 greeted within 60 s (30 s, 10 s) and one not (120 s): 66.7 % < 100 %,
so an audit that runs exits 1; one refused before it starts exits 2 and reads nothing.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import svcaudit.cli
import svcaudit.outputs
from tests.helpers import REPO, write
from tests.invoke import assert_one_error, invoke

LOG = """\
branch,arrived_at,greeted_at
A,2025-03-01 10:00:00,2025-03-01 10:00:30
A,2025-03-01 11:00:00,2025-03-01 11:02:00
B,2025-03-01 10:00:00,2025-03-01 10:00:10
"""
RULES = """\
svcaudit: 1
name: Outputs
standards:
  - id: greet-60s
    title: Greet
    measure: greeted_at - arrived_at
    at_most: 60s
"""
AUDIT = ("audit", "log.csv", "-s", "s.yaml")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "log.csv", LOG)
    write(tmp_path / "s.yaml", RULES)
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def never_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fails the test if the audit starts reading its inputs."""
    started: list[str] = []

    def open_audit(*args: Any, **kwargs: Any) -> Any:
        started.append("open_audit")
        raise AssertionError("the audit started")

    monkeypatch.setattr(svcaudit.cli, "open_audit", open_audit)
    return started


def files_in(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def unchanged(here: Path) -> None:
    assert (here / "log.csv").read_text() == LOG
    assert (here / "s.yaml").read_text() == RULES


# ---- no output replaces an input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("-o", "log.csv"), "--output"),
        (("--report", "json:log.csv"), "--report"),
        (("--rejects", "log.csv"), "--rejects"),
        (("--violations", "log.csv"), "--violations"),
        (("--report", "junit:./out/../log.csv"), "--report"),  # another spelling of it
    ],
)
def test_an_output_on_the_log_is_refused_before_anything_is_read(
    here: Path, never_read: list[str], args: tuple[str, str], option: str
) -> None:
    run = invoke(*AUDIT, *args)
    error = assert_one_error(run, f"{option}: ", "is the log log.csv", "never replaces an input")
    assert "hint: write the output to another path" in error
    assert never_read == []
    unchanged(here)
    assert files_in(here) == ["log.csv", "out", "s.yaml"]  # no temporary file either


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("-o", "s.yaml"), "s.yaml is the standards file s.yaml"),
        (("-s", "more.yaml", "--report", "markdown:more.yaml"), "the standards file more.yaml"),
        (("--baseline", "old.json", "-o", "old.json"), "is the --baseline file old.json"),
    ],
)
def test_an_output_on_a_standards_or_baseline_file_is_refused(
    here: Path, never_read: list[str], args: tuple[str, ...], needle: str
) -> None:
    write(here / "more.yaml", RULES.replace("greet-60s", "greet-2"))
    write(here / "old.json", "{}")
    run = invoke(*AUDIT, *args)
    error = assert_one_error(run, needle)
    if "--baseline" in args:
        assert "copy it aside first and pass the copy as --baseline" in error
    assert never_read == []
    assert (here / "more.yaml").read_text() == RULES.replace("greet-60s", "greet-2")
    assert (here / "old.json").read_text() == "{}"
    unchanged(here)


def test_a_symbolic_link_to_the_log_is_the_log(here: Path, never_read: list[str]) -> None:
    (here / "out" / "link.csv").symlink_to(here / "log.csv")
    run = invoke(*AUDIT, "-o", "out/link.csv")
    assert_one_error(run, "--output: out/link.csv is the log log.csv (the same file)")
    assert (here / "out" / "link.csv").is_symlink()
    unchanged(here)


def test_a_hard_link_to_the_log_is_the_log(here: Path, never_read: list[str]) -> None:
    """Another name of the same file (same device and inode): realpath cannot tell."""
    os.link(here / "log.csv", here / "out" / "copy.csv")
    run = invoke(*AUDIT, "--report", "json:out/copy.csv")
    assert_one_error(run, "--report: out/copy.csv is the log log.csv (the same file)")
    assert (here / "out" / "copy.csv").read_text() == LOG
    unchanged(here)


def test_a_log_matched_by_a_glob_is_an_input(here: Path, never_read: list[str]) -> None:
    write(here / "logs" / "a.csv", LOG)
    write(here / "logs" / "b.csv", LOG)
    run = invoke("audit", "logs/*.csv", "-s", "s.yaml", "-o", "logs/b.csv")
    assert_one_error(run, "--output: logs/b.csv is the log logs/b.csv")
    assert (here / "logs" / "b.csv").read_text() == LOG


def test_outputs_from_the_config_file_are_checked_and_named_by_their_key(
    here: Path, never_read: list[str]
) -> None:
    write(here / "svcaudit.yaml", "standards: [s.yaml]\nfail_on: warn\noutput: log.csv\n")
    run = invoke("audit", "log.csv")
    assert_one_error(run, "output (", "svcaudit.yaml:3): log.csv is the log log.csv")
    unchanged(here)


def test_the_config_file_itself_is_an_input(here: Path, never_read: list[str]) -> None:
    config = "standards: [s.yaml]\nreport: ['json:svcaudit.yaml']\n"
    write(here / "svcaudit.yaml", config)
    run = invoke("audit", "log.csv")
    assert_one_error(run, "report (", "svcaudit.yaml is the config file")
    assert (here / "svcaudit.yaml").read_text() == config


def test_a_pyproject_config_is_an_input(here: Path, never_read: list[str]) -> None:
    config = '[tool.svcaudit]\nstandards = ["s.yaml"]\n'
    write(here / "pyproject.toml", config)
    run = invoke("audit", "log.csv", "--rejects", "pyproject.toml")
    assert_one_error(run, "--rejects: pyproject.toml is the config file")
    assert (here / "pyproject.toml").read_text() == config


@pytest.mark.parametrize(
    "args",
    [
        ("--report", "json:out/r.txt", "--report", "markdown:out/r.txt"),
        ("-o", "out/r.json", "--report", "json:./out/r.json"),
        ("--rejects", "out/r.csv", "--violations", "out/r.csv"),
    ],
)
def test_two_outputs_on_one_file_are_refused(
    here: Path, never_read: list[str], args: tuple[str, ...]
) -> None:
    run = invoke(*AUDIT, *args)
    assert_one_error(run, "is also the output of", "two outputs cannot share a file")
    assert files_in(here / "out") == []


def test_two_hard_links_are_one_output(here: Path, never_read: list[str]) -> None:
    write(here / "out" / "a.json", "old")
    os.link(here / "out" / "a.json", here / "out" / "b.json")
    run = invoke(*AUDIT, "--report", "json:out/a.json", "--report", "json:out/b.json")
    assert_one_error(run, "--report: out/b.json is also the output of --report")
    assert (here / "out" / "a.json").read_text() == "old"


def test_outputs_beside_the_inputs_are_written(here: Path) -> None:
    run = invoke(*AUDIT, "-q", "-o", "log.json", "--rejects", "out/rejects.csv")
    assert run.code == 1, run.stderr  # 2 of 3 greeted within 60 s
    assert json.loads((here / "log.json").read_text())["standards"][0]["passed"] == 2
    assert (here / "out" / "rejects.csv").read_bytes() == b"file,line,reason\r\n"
    unchanged(here)


# ---- symbolic links, devices, pipes ------------------------------------------------------


def test_a_symbolic_link_is_kept_and_its_target_replaced_atomically(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file goes beside the link's target, in another directory."""
    (here / "reports").mkdir()
    write(here / "reports" / "audit.json", "yesterday")
    (here / "out" / "latest.json").symlink_to(here / "reports" / "audit.json")
    folders: list[str] = []
    real = svcaudit.outputs.tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        folders.append(kwargs["dir"])
        return real(*args, **kwargs)

    monkeypatch.setattr(svcaudit.outputs.tempfile, "mkstemp", mkstemp)
    run = invoke(*AUDIT, "-o", "out/latest.json")
    assert run.code == 1, run.stderr
    assert (here / "out" / "latest.json").is_symlink()
    assert json.loads((here / "reports" / "audit.json").read_text())["verdict"] == "breach"
    assert folders == [str(here / "reports")]
    assert files_in(here / "reports") == ["audit.json"]
    assert files_in(here / "out") == ["latest.json"]


def test_a_dangling_symbolic_link_gets_its_target(here: Path) -> None:
    (here / "out" / "latest.md").symlink_to(here / "out" / "new.md")
    run = invoke(*AUDIT, "-o", "out/latest.md")
    assert run.code == 1, run.stderr
    assert (here / "out" / "latest.md").is_symlink()
    assert "greet-60s" in (here / "out" / "new.md").read_text()


@pytest.mark.parametrize("args", [("-o", "/dev/null"), ("--report", "json:/dev/null")])
def test_dev_null_is_written_into_and_stays_a_device(here: Path, args: tuple[str, str]) -> None:
    run = invoke(*AUDIT, "-q", *args)
    assert run.code == 1, run.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [n for n in os.listdir("/dev") if n.startswith(".null.")]


def test_dev_full_is_exit_2_and_no_other_report_is_written(here: Path) -> None:
    write(here / "out" / "a.json", "yesterday")
    run = invoke(*AUDIT, "-o", "/dev/full", "--report", "json:out/a.json")
    assert_one_error(run, "cannot write /dev/full", "No space left", "the disk is full")
    assert (here / "out" / "a.json").read_text() == "yesterday"
    assert files_in(here / "out") == ["a.json"]  # no .a.json.*.tmp
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def _reader(fifo: Path, keep: int | None) -> tuple[threading.Thread, list[bytes]]:
    """Reads the FIFO to its end (``keep`` None), or ``keep`` bytes and then closes it."""
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read() if keep is None else f.read(keep))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


def test_a_fifo_is_written_into(here: Path) -> None:
    fifo = here / "out" / "report.fifo"
    os.mkfifo(fifo)
    thread, got = _reader(fifo, None)
    run = invoke(*AUDIT, "-f", "json", "-o", "out/report.fifo")
    thread.join(10)
    assert run.code == 1, run.stderr
    assert json.loads(got[0])["standards"][0]["failed"] == 1
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert files_in(here / "out") == ["report.fifo"]


def test_a_fifo_whose_reader_stops_is_exit_2(here: Path) -> None:
    """The violations of 40,000 guests (about 3 MB) cannot fit in a pipe's buffer: the
    reader takes 100 bytes and goes away, the next write fails with EPIPE."""
    rows = "".join(
        f"A,2025-03-01 10:00:00,2025-03-01 10:{i % 50 + 2:02d}:00\n" for i in range(40_000)
    )
    write(here / "log.csv", "branch,arrived_at,greeted_at\n" + rows)
    fifo = here / "out" / "v.fifo"
    os.mkfifo(fifo)
    thread, got = _reader(fifo, 100)
    run = invoke(*AUDIT, "-q", "--violations", "out/v.fifo", "--report", "json:out/a.json")
    thread.join(10)
    assert_one_error(run, "cannot write out/v.fifo", "Broken pipe", "stopped reading")
    assert got[0].startswith(b"standard,branch,interaction")
    assert files_in(here / "out") == ["v.fifo"]  # the JSON report was not renamed into place


def test_a_device_that_refuses_writing_is_exit_2(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated (the tests may run as root, who may open any device)."""
    real = os.open

    def denied(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path) == "/dev/full":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(svcaudit.outputs.os, "open", denied)
    run = invoke(*AUDIT, "-o", "/dev/full")
    assert_one_error(run, "cannot write /dev/full", "Permission denied", "cannot write there")


def test_a_socket_is_not_an_output(here: Path) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind("out/s.sock")
        run = invoke(*AUDIT, "-o", "out/s.sock")
    assert_one_error(run, "cannot write out/s.sock", "not a file, a character device or a pipe")


def _svcaudit(cwd: Path, *args: str, stdout: Any) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "svcaudit", "--no-config", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
    )


def test_dev_stdout_is_the_open_descriptor_appended_to_as_the_shell_opened_it(
    here: Path,
) -> None:
    """``svcaudit audit ... -f json -o /dev/stdout >> history.log``: the report is appended
    (opening /dev/stdout anew, or renaming over it, would lose what the log held)."""
    write(here / "history.log", "earlier\n")
    with open(here / "history.log", "ab") as log:
        run = _svcaudit(here, *AUDIT, "-f", "json", "-o", "/dev/stdout", stdout=log)
    assert run.returncode == 1, run.stderr
    text = (here / "history.log").read_text()
    assert text.startswith("earlier\n{")
    assert json.loads(text.removeprefix("earlier\n"))["verdict"] == "breach"
    assert os.path.islink("/dev/stdout")
    assert files_in(here) == ["history.log", "log.csv", "out", "s.yaml"]


def test_dev_stdout_through_a_pipe(here: Path) -> None:
    run = _svcaudit(here, *AUDIT, "--report", "junit:/dev/stdout", "-q", stdout=subprocess.PIPE)
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith(b"<?xml") and b"greet-60s" in run.stdout
    assert os.path.islink("/dev/stdout")


def test_two_reports_into_one_stream_follow_each_other(here: Path) -> None:
    """Nothing is replaced, so nothing is lost: the -o report, then each --report in turn."""
    args = ("-f", "markdown", "-o", "/dev/stdout", "--report", "junit:/dev/fd/1")
    run = _svcaudit(here, *AUDIT, *args, "--report", "json:/dev/null", stdout=subprocess.PIPE)
    assert run.returncode == 1, run.stderr
    markdown, _, junit = run.stdout.decode().partition("<?xml")
    assert "greet-60s" in markdown and "greet-60s" in junit
