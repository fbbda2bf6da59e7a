"""Faults: unwritable outputs, a full disk, a log deleted mid-run, Ctrl-C.

Each ends with a clear message and a non-zero exit, leaves no report file (complete or
partial) and no temporary file behind, and prints nothing on stdout that a CI job could
take for a report.
"""

from __future__ import annotations

import errno
import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import svcaudit.audit
import svcaudit.cli
import svcaudit.runner
from tests.helpers import REPO, write, write_big_audit
from tests.invoke import assert_one_error, invoke

LOG = """\
branch,arrived_at,greeted_at
A,2025-03-01 10:00:00,2025-03-01 10:00:30
A,2025-03-01 11:00:00,2025-03-01 11:02:00
B,2025-03-01 10:00:00,2025-03-01 10:00:10
"""
RULES = """\
svcaudit: 1
name: Faults
standards:
  - id: greet-60s
    title: Greet
    measure: greeted_at - arrived_at
    at_most: 60s
"""
REPORTS = (
    *("--report", "json:out/a.json"),
    *("--report", "junit:out/b.xml"),
    *("--report", "markdown:out/c.md"),
)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "log.csv", LOG)
    write(tmp_path / "s.yaml", RULES)
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def files_in(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def test_reports_are_all_written_when_nothing_fails(here: Path) -> None:
    run = invoke("audit", "log.csv", "-s", "s.yaml", "-q", *REPORTS)
    assert run.code == 1, run.stderr  # 2 of 3 greeted within 60 s: 66.7 % < 100 %
    assert files_in(here / "out") == ["a.json", "b.xml", "c.md"]


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("json:missing/dir/d.json", "directory does not exist"),
        ("json:log.csv/d.json", "part of the path is a file"),
        ("json:out", "that is a directory"),
    ],
)
def test_an_unwritable_report_writes_no_report_at_all(here: Path, target: str, needle: str) -> None:
    run = invoke("audit", "log.csv", "-s", "s.yaml", *REPORTS, "--report", target)
    error = assert_one_error(run, "cannot write", target.split(":", 1)[1], needle)
    assert "no report file was written" in error
    assert files_in(here / "out") == []


class _FullDisk(io.StringIO):
    """A file on a disk that fills up once ``room`` characters are written."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, text: str) -> int:
        if len(text) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(text)
        return super().write(text)


def full_disk_after(files: int, error: BaseException | None = None) -> Callable[..., Any]:
    """An ``os.fdopen`` whose first ``files`` files fit and the next one does not."""
    opened: list[int] = []
    real = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened.append(fd)
        if len(opened) <= files:
            return real(fd, *args, **kwargs)
        os.close(fd)
        if error is not None:
            raise error
        return _FullDisk(room=10)

    return fdopen


def test_a_full_disk_leaves_old_reports_untouched_and_no_temporary_files(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (here / "out" / "a.json").write_text("yesterday's report")
    monkeypatch.setattr(svcaudit.cli.os, "fdopen", full_disk_after(2))
    run = invoke("audit", "log.csv", "-s", "s.yaml", "-f", "json", *REPORTS)
    assert_one_error(run, "cannot write out/c.md", "disk is full")
    assert files_in(here / "out") == ["a.json"]  # no *.tmp, no b.xml
    assert (here / "out" / "a.json").read_text() == "yesterday's report"


def test_permission_denied(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: the tests may run as root, who can write anywhere."""

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(svcaudit.outputs.tempfile, "mkstemp", denied)
    run = invoke("audit", "log.csv", "-s", "s.yaml", "-o", "out/a.json")
    assert_one_error(run, "cannot write out/a.json", "Permission denied", "cannot write there")
    assert files_in(here / "out") == []


def test_ctrl_c_while_writing_reports_leaves_nothing(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(svcaudit.cli.os, "fdopen", full_disk_after(1, KeyboardInterrupt()))
    run = invoke("audit", "log.csv", "-s", "s.yaml", "-f", "json", *REPORTS)
    assert run.code == 130
    assert run.stdout == "" and "Traceback" not in run.stderr
    assert files_in(here / "out") == []


def test_violations_that_cannot_be_written_stop_every_output(here: Path) -> None:
    run = invoke(
        "audit", "log.csv", "-s", "s.yaml", "-f", "json", *REPORTS,
        "--violations", "nowhere/v.csv",
    )  # fmt: skip
    assert_one_error(run, "cannot write nowhere/v.csv")
    assert files_in(here / "out") == []


def test_a_log_deleted_mid_run(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleted after its columns were read, before the audit's scan."""
    real = svcaudit.runner.aggregate_query

    def delete_then_compile(*args: Any, **kwargs: Any) -> Any:
        (here / "log.csv").unlink()
        return real(*args, **kwargs)

    monkeypatch.setattr(svcaudit.runner, "aggregate_query", delete_then_compile)
    run = invoke("audit", "log.csv", "-s", "s.yaml", "-f", "json", *REPORTS)
    assert_one_error(run, "log.csv")
    assert files_in(here / "out") == []


# ---- Ctrl-C in a real process ------------------------------------------------------------

BIG_ROWS = 16_000_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 M interactions in Parquet and 24 standards: an audit of several seconds."""
    d = tmp_path_factory.mktemp("big")
    write_big_audit(d, BIG_ROWS)
    return d


def start(big: Path, stderr: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm", "COLUMNS": "100"}
    for name in ("NO_COLOR", "FORCE_COLOR", "CI", "GITHUB_ACTIONS"):
        env.pop(name, None)
    args = ("audit", "big.parquet", "-s", "s.yaml", "-f", "json", "-o", "out.json", *extra)
    return subprocess.Popen(
        [sys.executable, "-m", "svcaudit", *args],
        cwd=big,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


def read_until(fd: int, needle: bytes, proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """What the process writes to the terminal until ``needle`` (or it ends, or time's up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_ctrl_c_during_the_scan_exits_130_promptly_with_a_progress_bar_before(
    big: Path,
) -> None:
    """On a terminal the progress bar appears once the audit has run a second; Ctrl-C then
    stops the query within a couple of seconds: exit 130, one line, no report file."""
    master, slave = pty.openpty()
    proc = start(big, slave)
    os.close(slave)
    try:
        seen = read_until(master, b"auditing", proc, timeout=120)
        assert b"auditing" in seen, (proc.poll(), seen[-500:])
        assert b"%" in read_until(master, b"%", proc, timeout=10)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        rest = read_until(master, b"interrupted", proc, timeout=30)
        stdout, _ = proc.communicate(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        proc.kill()
        os.close(master)
    assert proc.returncode == 130
    assert elapsed < 3.0, elapsed
    assert stdout == b""
    assert b"interrupted" in seen + rest and b"Traceback" not in seen + rest
    assert sorted(p.name for p in big.iterdir()) == ["big.parquet", "s.yaml"]


def test_ctrl_c_while_starting_is_exit_130_without_traceback(big: Path) -> None:
    """SIGINT a second in: the CLI is loading its libraries or reading the log (before
    Python has started svcaudit at all, Python's own handling applies). Stderr is not a
    terminal here: no progress bar, just the one line."""
    proc = start(big, subprocess.PIPE)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stdout == b""
    assert stderr.decode().strip() == "interrupted"
    assert sorted(p.name for p in big.iterdir()) == ["big.parquet", "s.yaml"]


def test_quiet_and_piped_audits_show_no_progress_bar(big: Path) -> None:
    master, slave = pty.openpty()
    proc = start(big, slave, "--quiet")
    os.close(slave)
    try:
        seen = read_until(master, b"auditing", proc, timeout=120)
        proc.wait(timeout=120)
    finally:
        proc.kill()
        os.close(master)
    assert proc.returncode == 1  # 16 M interactions cannot all be greeted in 10 s
    assert b"auditing" not in seen
    (big / "out.json").unlink()


def test_stdout_closed_early_ends_quietly(here: Path) -> None:
    """`svcaudit audit ... | head -1`: the reader goes away. Rich stops writing and exits 1
    (its convention for a broken pipe); no traceback, nothing on stderr."""
    many = [
        f"  - id: greet-{i}\n    title: G\n    measure: greeted_at - arrived_at\n"
        f"    at_most: {i}s\n"
        for i in range(300)
    ]
    write(
        here / "many.yaml",
        RULES.split("standards:", maxsplit=1)[0] + "standards:\n" + "".join(many),
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
    proc = subprocess.Popen(  # a JSON report of 300 standards: more than a pipe holds
        [sys.executable, "-m", "svcaudit", "audit", "log.csv", "-s", "many.yaml", "-f", "json"],
        cwd=here,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the report is printed: the write meets a closed pipe
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 1
    assert stderr == b""
