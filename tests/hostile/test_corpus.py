"""The hostile corpus (issue 18): every case through the real CLI, bounded in time and memory,
with no file left behind. The cases are tables in ``tests/hostile/cases_*.py``; see
``tests/hostile/case.py`` for what is checked of each, and SECURITY.md for the promises they
keep.

``SVCAUDIT_CORPUS_FIGURES=path`` writes each resource case's time and peak RSS there (JSON).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_batch import Result, run_batch
from tests.hostile.case import CATEGORIES, Case, error_line, lay_out, snapshot, unlock
from tests.hostile.cases_config import CASES as CONFIG
from tests.hostile.cases_env import CASES as ENVIRONMENT
from tests.hostile.cases_logs import CASES as LOGS
from tests.hostile.cases_options import CASES as OPTIONS
from tests.hostile.cases_outputs import CASES as OUTPUTS
from tests.hostile.cases_standards import CASES as STANDARDS

ALL: list[Case] = [*STANDARDS, *LOGS, *OUTPUTS, *CONFIG, *ENVIRONMENT, *OPTIONS]
BY_NAME = {c.name: c for c in ALL}
ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    """The cases' directories, in a folder of their own (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="svcaudit-hostile-"))
    folder.chmod(0o755)
    yield folder
    unlock(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def runs(base: Path) -> dict[str, tuple[Result, set[str], set[str]]]:
    """Every case run once: (result, files before, files after)."""
    before: dict[str, set[str]] = {}
    calls = {}
    for case in ALL:
        if case.needs_root and not ROOT:
            continue
        where = base / case.name
        lay_out(case, where)
        before[case.name] = snapshot(where)
        calls[case.name] = case.call(where)
    results = run_batch(calls, jobs=2)
    out = {name: (r, before[name], snapshot(base / name)) for name, r in results.items()}
    figures = os.environ.get("SVCAUDIT_CORPUS_FIGURES")
    if figures:
        Path(figures).write_text(
            json.dumps(
                {
                    n: {"seconds": round(r.seconds, 2), "rss_mb": round(r.rss_mb), "code": r.code}
                    for n, (r, _, _) in out.items()
                },
                indent=1,
            )
        )
    return out


def test_the_corpus_is_large_and_covers_every_category() -> None:
    counts = Counter(c.category for c in ALL)
    assert len(ALL) >= 150, counts
    assert len(BY_NAME) == len(ALL), "case names are unique"
    assert set(counts) <= set(CATEGORIES) and set(CATEGORIES) - {"signals"} <= set(counts)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_hostile_case(
    name: str, runs: dict[str, tuple[Result, set[str], set[str]]], base: Path
) -> None:
    case = BY_NAME[name]
    if case.needs_root and not ROOT:
        pytest.skip(f"needs root: {case.needs_root}")
    run, before, after = runs[name]
    if run.code == 77 and run.stderr.startswith("SKIP:"):
        pytest.skip(run.stderr.strip())
    assert not run.timed_out, f"{name}: killed after {run.seconds:.1f} s"
    assert run.seconds <= case.seconds, f"{name}: {run.seconds:.1f} s > {case.seconds} s"
    assert run.rss_mb <= case.rss_mb, f"{name}: peak RSS {run.rss_mb:.0f} MB > {case.rss_mb}"
    text = run.stdout + run.stderr
    assert "Traceback" not in text and "internal error" not in text, run.stderr
    codes = case.code if isinstance(case.code, tuple) else (case.code,)
    assert run.code in codes, (run.code, run.stdout[-2000:], run.stderr)
    if run.code == 2 and case.usage:
        assert "Usage:" in run.stderr and "Error" in run.stderr, run.stderr
        for needle in case.needles:
            assert needle in run.stderr, (needle, run.stderr)
    elif run.code == 2:
        line = error_line(run, case.errors)
        assert run.stdout == "", run.stdout
        for needle in case.needles:
            assert needle in line, (needle, line)
    else:
        for needle in case.needles:
            assert needle in run.stderr, (needle, run.stderr)
    if case.stdout is not None:
        case.stdout(run.stdout)
    where = base / name
    leftovers = {p for p in after - before if p not in case.keep}
    assert not leftovers, f"{name} left {sorted(leftovers)}"
    assert not any((where / "tmp").iterdir()), f"{name} left files in TMPDIR"
    if case.after is not None:
        case.after(where)
