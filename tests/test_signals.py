"""SIGTERM and SIGHUP (svcaudit/signals.py and cli.main): a real ``python -m svcaudit`` is
stopped while it runs; it exits 128 + the signal's number with one line on stderr, and leaves
nothing behind: no copy of standard input and no DuckDB spill directory in its TMPDIR (a
fresh directory for each run), no temporary file beside its outputs.

Each run is signalled once it is seen doing the thing under test (its spill directory made:
the scan has begun; its copy of stdin started; a report's temporary file made), so the tests
do not depend on how fast the machine is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from svcaudit import signals
from tests.helpers import REPO, write, write_big_audit

ROWS = 16_000_000
CODES = {signal.SIGTERM: 143, signal.SIGHUP: 129}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 M interactions in Parquet and 24 standards: a scan of several seconds."""
    d = tmp_path_factory.mktemp("signals")
    write_big_audit(d, ROWS)
    # three branches of 50, greeted within 10 s: about 860,000 breaches to write out
    write(
        d / "few.yaml",
        "svcaudit: 1\nname: Few\nstandards:\n  - id: greet-10s\n    title: Greet\n"
        "    measure: greet\n    at_most: 10s\n"
        "    when: branch in ['B1', 'B2', 'B3']\n",
    )
    return d


def start(
    cwd: Path, tmp: Path, *args: str, stdin: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp)}
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "CI"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "svcaudit", "--no-config", "audit", *args],
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(seen: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not seen():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.01)


def names(d: Path, prefix: str = "") -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.startswith(prefix))


def stopped(proc: subprocess.Popen[bytes], signum: int) -> str:
    """Send ``signum``; the process ends within seconds: 128 + signum, one line, no report."""
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == CODES[signum], stderr
    assert stdout == b""
    text = stderr.decode()
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_scan_leaves_no_spill_directory(
    big: Path, tmp_path: Path, signum: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = start(big, tmp_path / "tmp", "big.parquet", "-s", "s.yaml", "-o", str(out / "a.json"))
    try:
        wait_for(lambda: bool(names(tmp_path / "tmp", "svcaudit-spill-")), proc, 120)
        text = stopped(proc, signum)
    finally:
        proc.kill()
    assert text.strip() == f"terminated ({signal.Signals(signum).name})"
    assert names(tmp_path / "tmp") == []
    assert names(out) == []


def test_sigterm_while_copying_standard_input_leaves_no_copy(big: Path, tmp_path: Path) -> None:
    """``export | svcaudit audit -``: the signal comes while the copy waits for more input."""
    proc = start(big, tmp_path / "tmp", "-", "-s", "s.yaml", stdin=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        proc.stdin.write(b"branch,arrived_at,greet_seconds,hold_seconds\nB1,2025-01-01,5,5\n")
        proc.stdin.flush()  # and left open: the copy waits for the rest

        # the copy exists: it is being filled (reads of 64 KiB wait for more)
        wait_for(lambda: bool(names(tmp_path / "tmp", "svcaudit-stdin-")), proc, 60)
        stopped(proc, signal.SIGTERM)
    finally:
        proc.kill()
    assert names(tmp_path / "tmp") == []


def test_sigterm_while_writing_reports_leaves_no_temporary_file(big: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    write(out / "a.json", "yesterday")
    args = ("big.parquet", "-s", "few.yaml", "-q", "--report", f"json:{out / 'a.json'}")
    proc = start(big, tmp_path / "tmp", *args, "--violations", str(out / "v.csv"))
    try:
        wait_for(lambda: bool(names(out, ".v.csv.")), proc, 120)
        stopped(proc, signal.SIGTERM)
    finally:
        proc.kill()
    assert names(out) == ["a.json"]
    assert (out / "a.json").read_text() == "yesterday"
    assert names(tmp_path / "tmp") == []


# ---- the handlers themselves, in this process --------------------------------------------


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's handlers and the module's record put back after the test."""
    monkeypatch.setattr(signals, "_received", [])
    previous = {signum: signal.getsignal(signum) for signum in signals.STOPPING}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def test_the_first_signal_raises_later_ones_are_noted(restored: None) -> None:
    with pytest.raises(signals.Terminated) as caught, signals.stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # (the handler runs at once: never reached)
        finally:
            os.kill(os.getpid(), signal.SIGHUP)  # while unwinding: noted, not raised
    assert caught.value.exit_code == 143 and caught.value.name == "SIGTERM"
    os.kill(os.getpid(), signal.SIGTERM)  # afterwards: noted, the process goes on
    assert signals._received == [signal.SIGTERM, signal.SIGHUP, signal.SIGTERM]
    assert (received := signals.received()) is not None and received.exit_code == 143


def test_a_signal_ignored_at_start_stays_ignored(restored: None) -> None:
    """``nohup svcaudit ...``: SIGHUP was ignored before svcaudit started."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    with signals.stop_on_signals():
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGHUP)
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    assert signals.received() is None


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="charts are drawn in-process")
def test_sigterm_while_chart_workers_draw_ends_them_too(big: Path, tmp_path: Path) -> None:
    """48 charts (24 standards): drawn by worker processes, which end with the run."""
    out = tmp_path / "out"
    out.mkdir()
    proc = start(big, tmp_path / "tmp", "big.parquet", "-s", "s.yaml", "-o", str(out / "r.html"))
    try:
        wait_for(lambda: bool(_children(proc.pid)), proc, 180)  # as they start
        workers = _children(proc.pid)
        stopped(proc, signal.SIGTERM)
    finally:
        proc.kill()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)]
    assert names(out) == []
    assert names(tmp_path / "tmp") == []
