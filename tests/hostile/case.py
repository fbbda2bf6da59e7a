"""One hostile case: the files it starts from, the command, and what must come of it.

Every case runs as a real CLI process (tests/cli_batch.py: forked from one warm interpreter)
with a wall-time bound, an address-space cap, its peak RSS measured (``os.wait4``), its own
private TMPDIR (which must be empty afterwards) and a check that nothing but the expected
outputs appeared in its directory. Exit 2 must come with exactly one ``error:`` line holding
the needles; no case may print a traceback or an internal error.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.cli_batch import Call, Result

#: Every case's bounds unless it says otherwise: the issue's "under 2 GB, within seconds".
SECONDS = 20.0
RSS_MB = 2048.0
ADDRESS_SPACE = 6 << 30  # RLIMIT_AS: a runaway stops here, before it takes the machine down

CATEGORIES = ("standards", "logs", "outputs", "signals", "config", "environment", "options")

LOG = """\
id,branch,arrived_at,greeted_at,hold_seconds
1,North,2025-03-03 09:00:00,2025-03-03 09:00:30,10
2,North,2025-03-03 09:00:00,2025-03-03 09:01:30,40
3,South,2025-03-03 09:00:00,2025-03-03 09:00:20,20
"""
#: hold <= 30s over LOG: holds 10, 40, 20 -> 2 of 3 pass, target 100 % -> breach (exit 1)
RULES = """\
svcaudit: 1
name: Hostile
time_zone: UTC
standards:
  - id: hold-30s
    title: Held at most 30 s
    measure: hold
    at_most: 30s
"""
#: hold <= 60s over LOG: all 3 pass -> exit 0
LENIENT = RULES.replace("at_most: 30s", "at_most: 60s")

Maker = Callable[[Path], None]
Content = str | bytes | Maker


@dataclass(frozen=True)
class Case:
    """A hostile input and the outcome it must have."""

    name: str
    category: str
    args: tuple[str, ...]
    code: int | tuple[int, ...]
    needles: tuple[str, ...] = ()  # in the error line (exit 2), else anywhere on stderr
    files: Mapping[str, Content] = field(default_factory=dict)
    stdout: Callable[[str], None] | None = None  # more checks of stdout
    after: Callable[[Path], None] | None = None  # checks of the directory afterwards
    keep: tuple[str, ...] = ()  # files the run may create (its outputs)
    env: Mapping[str, str | None] = field(default_factory=dict)
    seconds: float = SECONDS
    rss_mb: float = RSS_MB
    stdin: str | None = None
    signal: tuple[int, float] | None = None
    no_dac: bool = False  # without CAP_DAC_OVERRIDE: permission bits apply, even to root
    tmpfs: tuple[str, int, int | None] | None = None  # (directory, KiB, KiB left free or None)
    needs_root: str | None = None  # why the case needs root (chown): skipped otherwise
    resource: bool = False  # one of the bounded-resource cases: figures reported
    cwd: str = ""  # where under the case's directory the command runs
    fresh: bool = False  # a new interpreter (the locale and PYTHON* variables matter)
    usage: bool = False  # a usage error: Click's "Usage: ... Error: ..." (exit 2) instead
    errors: int = 1  # error lines expected with exit 2 (validate reports every file)

    def call(self, where: Path) -> Call:
        """The process to run for this case in ``where``."""
        env = {"TMPDIR": str(where / "tmp"), **self.env}
        tmpfs = None
        if self.tmpfs is not None:
            tmpfs = (str(where / self.tmpfs[0]), self.tmpfs[1], self.tmpfs[2])
        return Call(
            self.args,
            where / self.cwd,
            env,
            timeout=self.seconds + 10,  # killed a little past the bound: the test says why
            max_memory=ADDRESS_SPACE,
            stdin=None if self.stdin is None else self.stdin,
            signal=self.signal,
            no_dac=self.no_dac,
            tmpfs=tmpfs,
            fresh=self.fresh,
        )


def lay_out(case: Case, where: Path) -> None:
    """Write the case's files under ``where`` (with a private, world-writable TMPDIR)."""
    where.mkdir(parents=True)
    where.chmod(0o777)
    (where / "tmp").mkdir()
    (where / "tmp").chmod(0o1777)
    for name, content in {"log.csv": LOG, "s.yaml": RULES, **case.files}.items():
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(where: Path) -> set[str]:
    """Every path under ``where`` (links not followed), relative to it."""
    found: set[str] = set()
    for root, dirs, files in os.walk(where):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(root, name), where))
    return found


def unlock(where: Path) -> None:
    """Give back permissions a case took away, so its directory can be removed."""
    for root, dirs, _files in os.walk(where):
        for name in dirs:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755)
    where.chmod(0o755)


def error_line(run: Result, count: int = 1) -> str:
    """The ``error:`` line(s) of a run that exits 2 (``count`` of them), joined."""
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == count, run.stderr
    assert all(len(e) < 800 for e in errors), "an error line must stay readable"
    return "\n".join(errors)


def is_mode(path: Path, test: Callable[[int], bool]) -> bool:
    """Whether ``path`` (not followed) has a mode passing ``test`` (stat.S_ISCHR...)."""
    return test(os.lstat(path).st_mode)


__all__ = [
    "CATEGORIES",
    "LENIENT",
    "LOG",
    "RULES",
    "Case",
    "error_line",
    "is_mode",
    "lay_out",
    "snapshot",
    "stat",
    "unlock",
]
