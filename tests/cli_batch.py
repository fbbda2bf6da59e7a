"""Run many `python -m svcaudit` processes for the price of one import.

A real subprocess spends ~1.6 s importing svcaudit (DuckDB, SciPy, pydantic) and ~0.1 s
auditing a small fixture. `run_batch` starts ONE Python process (`python tests/cli_batch.py`)
that imports svcaudit once and then forks one child per call. Each child is a real, separate
process with its own working directory, environment, stdin (/dev/null) and stdout/stderr
(files, read back as `subprocess.run(..., text=True)` would); it runs the package's
`__main__` as `python -m svcaudit ARGS` does, so its exit status is the one a CI job would
see. Children run a few at a time; nothing is shared between them. tests/test_exit_contract.py
checks that a forked run gives the same (code, stdout, stderr) as a fresh process.

The base environment is the one `tests/test_cli.py` uses (`ENV`, PYTHONPATH, no FORCE_COLOR);
a call can add variables, or remove one by giving it the value None.

For the hostile corpus (tests/hostile/) a call may also have: a time bound (the child is
killed past it; ``Result.timed_out``), an address-space cap (``RLIMIT_AS``), standard input
from a file or from a pipe held open (``stdin="hold"``: a copy that never ends), a signal sent
after a delay, a run without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (so permission bits apply
when the tests run as root, as under ``setpriv --bounding-set=-dac_override``), a small tmpfs in a
private mount namespace (``unshare(CLONE_NEWNS)``) over a directory, optionally filled (the
child exits 77 with ``SKIP:`` on stderr where the machine does not allow it), and ``fresh``:
a new interpreter exec'd in the child, for what Python reads at start-up (LC_ALL,
PYTHONUTF8). Each result has the child's peak RSS (``os.wait4``) and wall time.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import resource
import runpy
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass(frozen=True)
class Call:
    """One `svcaudit ARGS` run: in which directory, with which extra environment."""

    args: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str | None] = field(default_factory=dict)
    timeout: float | None = None  # seconds of wall time before the child is killed
    max_memory: int | None = None  # RLIMIT_AS in bytes
    stdin: str | None = None  # a file to read, or "hold": a pipe given a header, never closed
    signal: tuple[int, float] | None = None  # (signal, seconds after the start)
    no_dac: bool = False  # without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (permission cases)
    tmpfs: tuple[str, int, int | None] | None = None  # (directory, KiB, KiB left free or None)
    fresh: bool = False  # exec a new interpreter (for the locale, PYTHONUTF8...) after forking


@dataclass(frozen=True)
class Result:
    """What the process did."""

    code: int
    stdout: str
    stderr: str
    rss_mb: float = field(default=0.0, compare=False)  # the child's peak resident set
    seconds: float = field(default=0.0, compare=False)
    timed_out: bool = False


def run_batch(calls: Mapping[str, Call], *, jobs: int | None = None) -> dict[str, Result]:
    """Run every call as its own process (forked from one warm interpreter); results by key."""
    from tests.test_cli import ENV  # noqa: PLC0415  (not needed by the batch process itself)

    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    env.pop("FORCE_COLOR", None)
    spec = {
        "jobs": jobs or max(2, min(4, os.cpu_count() or 2)),
        "calls": [
            {
                "key": key,
                "args": list(c.args),
                "cwd": str(c.cwd),
                "env": dict(c.env),
                "timeout": c.timeout,
                "max_memory": c.max_memory,
                "stdin": c.stdin,
                "signal": list(c.signal) if c.signal else None,
                "no_dac": c.no_dac,
                "tmpfs": list(c.tmpfs) if c.tmpfs else None,
                "fresh": c.fresh,
            }
            for key, c in calls.items()
        ],
    }
    p = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    if p.returncode != 0:
        raise RuntimeError(f"the batch runner failed ({p.returncode}):\n{p.stderr}")
    raw = json.loads(p.stdout)
    return {
        key: Result(r["code"], r["stdout"], r["stderr"], r["rss_mb"], r["seconds"], r["timed_out"])
        for key, r in raw.items()
    }


# ---- the batch process itself ----------------------------------------------------------------


def _exit_code(e: SystemExit) -> int:
    """What the interpreter would exit with for this SystemExit."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


_CLONE_NEWNS = 0x00020000
_MS_REC, _MS_PRIVATE = 0x4000, 1 << 18


def _private_tmpfs(target: str, kib: int, free: int | None) -> None:
    """A tmpfs of ``kib`` KiB over ``target`` in a mount namespace of this process only,
    filled but for ``free`` KiB (None: left empty)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) is not permitted")
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "cannot make / private")
    size = f"size={kib}k,mode=1777".encode()
    if libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, size) != 0:
        raise OSError(ctypes.get_errno(), "cannot mount a tmpfs")
    if free is not None:  # a little room left: Python's probe of TMPDIR passes, a copy fails
        fd = os.open(os.path.join(target, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for _ in range(max(0, kib - free) // 4 if free else 1 << 30):
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass  # full already
        finally:
            os.close(fd)


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


_CAP_V3 = 0x20080522
_DAC = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


def _drop_dac_capabilities() -> None:
    """Permission bits apply again, even to root: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    leave this process (``setpriv --inh-caps=-all --bounding-set=-dac_override`` keeps root's
    uid too). A process without them has nothing to drop."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(_CAP_V3, 0), (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    for name in ("effective", "permitted", "inheritable"):
        setattr(data[0], name, getattr(data[0], name) & ~_DAC & 0xFFFFFFFF)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _restrict(call: dict[str, object], fd_err: int) -> None:
    """The call's tmpfs, memory cap and user, before svcaudit starts."""
    tmpfs = call.get("tmpfs")
    if isinstance(tmpfs, list):
        try:
            _private_tmpfs(str(tmpfs[0]), int(tmpfs[1]), tmpfs[2])
        except OSError as e:
            os.write(fd_err, f"SKIP: no private tmpfs here: {e.strerror or e}\n".encode())
            os._exit(77)
    limit = call.get("max_memory")
    if isinstance(limit, int):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if call.get("no_dac"):
        _drop_dac_capabilities()


def _child(call: dict[str, object], out: str, err: str, stdin_fd: int | None = None) -> None:
    """In the forked child: become `python -m svcaudit ARGS` and exit with its status."""
    code = 0
    try:
        os.chdir(str(call["cwd"]))
        env = call["env"]
        assert isinstance(env, dict)
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        tempfile.tempdir = None  # the parent's cached choice: TMPDIR is read again, as at start
        source = call.get("stdin")
        if stdin_fd is not None:
            fd_in = stdin_fd
        else:
            fd_in = os.open(str(source) if source else os.devnull, os.O_RDONLY)
        fd_out = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        fd_err = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        _restrict(call, fd_err)
        # as a terminal starts it: Ctrl-C and hang-up not ignored, whatever this runner
        # inherited (a background job ignores SIGINT; nohup ignores SIGHUP)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        os.dup2(fd_in, 0)
        os.dup2(fd_out, 1)
        os.dup2(fd_err, 2)
        args = call["args"]
        assert isinstance(args, list)
        if call.get("fresh"):  # a new interpreter: the locale and PYTHON* variables count
            os.execve(sys.executable, [sys.executable, "-m", "svcaudit", *args], dict(os.environ))
        sys.argv = [str(Path(sys.modules["svcaudit"].__file__ or "").parent / "__main__.py"), *args]
        sys.path[0] = os.getcwd()  # as `python -m` has it
        atexit._clear()  # the parent's exit handlers are not this process's
        try:
            runpy.run_module("svcaudit", run_name="__main__", alter_sys=True)
        except SystemExit as e:
            code = _exit_code(e)
        except BaseException:
            traceback.print_exc()  # what the interpreter prints for an uncaught exception
            code = 1
    except BaseException:  # the runner itself failed: make it visible
        traceback.print_exc()
        code = 99
    finally:
        try:
            atexit._run_exitfuncs()  # as the interpreter does at exit (temporary files go)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _start(call: dict[str, object], out: str, err: str) -> tuple[int, int | None]:
    """Fork one child; with ``stdin="hold"`` its input is a pipe this process keeps open."""
    held: tuple[int, int] | None = os.pipe() if call.get("stdin") == "hold" else None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        if held is not None:
            os.close(held[1])
        _child(call, out, err, held[0] if held else None)
    if held is None:
        return pid, None
    os.close(held[0])
    os.write(held[1], b"id,branch,hold_seconds\n1,A,5\n")  # a copy under way, never ending
    return pid, held[1]


def _serve() -> None:
    spec = json.load(sys.stdin)
    import svcaudit.cli  # noqa: F401, PLC0415  (the expensive part, once, before forking)

    jobs = int(spec["jobs"])
    pending = list(enumerate(spec["calls"]))
    running: dict[int, dict[str, object]] = {}
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="svcaudit-batch-") as tmp:
        while pending or running:
            while pending and len(running) < jobs:
                i, call = pending.pop(0)
                out, err = os.path.join(tmp, f"{i}.out"), os.path.join(tmp, f"{i}.err")
                pid, held = _start(call, out, err)
                running[pid] = {
                    "call": call,
                    "out": out,
                    "err": err,
                    "held": held,
                    "start": time.monotonic(),
                    "killed": False,
                    "signalled": False,
                }
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                _police(running)
                time.sleep(0.01)
                continue
            run = running.pop(pid)
            if isinstance(run["held"], int):
                os.close(run["held"])
            call = run["call"]
            assert isinstance(call, dict)
            with open(str(run["out"]), encoding="utf-8", errors="replace") as f_out:
                stdout = f_out.read()
            with open(str(run["err"]), encoding="utf-8", errors="replace") as f_err:
                stderr = f_err.read()
            start = run["start"]
            assert isinstance(start, float)
            results[str(call["key"])] = {
                "code": os.waitstatus_to_exitcode(status),
                "stdout": stdout,
                "stderr": stderr,
                "rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
                "seconds": time.monotonic() - start,
                "timed_out": bool(run["killed"]),
            }
    json.dump(results, sys.stdout)


def _police(running: dict[int, dict[str, object]]) -> None:
    """Send each due signal; kill a child past its time bound."""
    now = time.monotonic()
    for pid, run in running.items():
        call, start = run["call"], run["start"]
        assert isinstance(call, dict) and isinstance(start, float)
        sig = call.get("signal")
        if isinstance(sig, list) and not run["signalled"] and now - start >= float(sig[1]):
            run["signalled"] = True
            os.kill(pid, int(sig[0]))
        timeout = call.get("timeout")
        if isinstance(timeout, int | float) and not run["killed"] and now - start > timeout:
            run["killed"] = True
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    _serve()
