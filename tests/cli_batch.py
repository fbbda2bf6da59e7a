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
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import tempfile
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


@dataclass(frozen=True)
class Result:
    """What the process did."""

    code: int
    stdout: str
    stderr: str


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
    return {key: Result(r["code"], r["stdout"], r["stderr"]) for key, r in raw.items()}


# ---- the batch process itself ----------------------------------------------------------------


def _exit_code(e: SystemExit) -> int:
    """What the interpreter would exit with for this SystemExit."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def _child(call: dict[str, object], out: str, err: str) -> None:
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
        fd_in = os.open(os.devnull, os.O_RDONLY)
        fd_out = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        fd_err = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd_in, 0)
        os.dup2(fd_out, 1)
        os.dup2(fd_err, 2)
        args = call["args"]
        assert isinstance(args, list)
        sys.argv = [str(Path(sys.modules["svcaudit"].__file__ or "").parent / "__main__.py"), *args]
        sys.path[0] = os.getcwd()  # as `python -m` has it
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
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _serve() -> None:
    spec = json.load(sys.stdin)
    import svcaudit.cli  # noqa: F401, PLC0415  (the expensive part, once, before forking)

    jobs = int(spec["jobs"])
    pending = list(enumerate(spec["calls"]))
    running: dict[int, tuple[dict[str, object], str, str]] = {}
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="svcaudit-batch-") as tmp:
        while pending or running:
            while pending and len(running) < jobs:
                i, call = pending.pop(0)
                out, err = os.path.join(tmp, f"{i}.out"), os.path.join(tmp, f"{i}.err")
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(call, out, err)
                running[pid] = (call, out, err)
            pid, status = os.wait()
            call, out, err = running.pop(pid)
            with open(out, encoding="utf-8", errors="replace") as f_out:
                stdout = f_out.read()
            with open(err, encoding="utf-8", errors="replace") as f_err:
                stderr = f_err.read()
            results[str(call["key"])] = {
                "code": os.waitstatus_to_exitcode(status),
                "stdout": stdout,
                "stderr": stderr,
            }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    _serve()
