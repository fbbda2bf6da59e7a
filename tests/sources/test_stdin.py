"""Standard input gets the same checks as a file: encodings refused with a hint, mixed line
ends read. Real processes, since the bytes arrive on a pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.helpers import REPO
from tests.test_cli import ENV

STANDARDS = """\
svcaudit: 1
name: Stdin
time_zone: UTC
standards:
  - id: hold-30s
    title: Held at most 30 seconds
    measure: hold
    at_most: 30s
"""
ROWS = ["id,branch,hold_seconds", "1,North,10", "2,North,40", "3,South,20"]


def _run(data: bytes, cwd: Path) -> tuple[int, str, str]:
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    p = subprocess.run(
        [sys.executable, "-m", "svcaudit", "audit", "-", "-s", "rules.yaml", "-f", "json"],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_stdin_encodings_and_line_ends(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(STANDARDS, encoding="utf-8")
    utf16 = ("\n".join(ROWS) + "\n").encode("utf-16")
    mixed = b"\r\n".join(r.encode() for r in ROWS[:2]) + b"\n" + b"\r".join(
        r.encode() for r in ROWS[2:]
    ) + b"\n"
    with ThreadPoolExecutor(2) as pool:
        (code16, out16, err16), (code, out, err) = pool.map(
            lambda d: _run(d, tmp_path), [utf16, mixed]
        )
    assert code16 == 2 and out16 == "" and "Traceback" not in err16
    assert err16.startswith("error: <stdin>: the file is UTF-16") and "iconv" in err16
    assert code == 1, err
    report = json.loads(out)
    # holds 10, 40, 20 -> 2 of 3, nothing rejected
    assert report["rows"]["read"] == 3 and report["rows"]["rejected"] == 0
    std = report["standards"][0]
    assert (std["in_scope"], std["passed"], std["failed"]) == (3, 2, 1)
