"""Run svcaudit on a real export and set its figures beside the reference's expected.json.

    python tests/real/compare.py [NAME...]     # every export in tests/real/ by default

Prints, per export, MATCH or every figure that differs. The same comparison is what
tests/real/test_real_exports.py asserts for the exports that match today.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

#: the figures compared, per standard and per branch
STANDARD_KEYS = ("in_scope", "passed", "failed", "unmeasured")
ROW_KEYS = ("read", "evaluated", "rejected")


def data_file(name: str, expected: dict[str, Any]) -> Path:
    """The export's sample: beside its standards, or in the shared data folder."""
    local = HERE / name / expected["file"]
    if local.exists():
        return local
    return ROOT.parent / "shared" / "real-exports" / name / expected["file"]  # reference.SHARED


def run_svcaudit(log: Path, standards: Path) -> tuple[int, dict[str, Any] | None, str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "svcaudit",
            "audit",
            str(log),
            "-s",
            str(standards),
            "--format",
            "json",
        ],
        capture_output=True,
        check=False,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    return proc.returncode, report, proc.stderr


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The part of a svcaudit JSON report that expected.json states."""
    return {
        "rows": {k: report["rows"].get(k) for k in ROW_KEYS},
        "standards": {
            s["id"]: {
                **{k: s[k] for k in STANDARD_KEYS},
                "branches": {
                    b["branch"]: {"in_scope": b["in_scope"], "passed": b["passed"]}
                    for b in s["branches"]
                },
            }
            for s in report["standards"]
        },
    }


def expected_comparable(expected: dict[str, Any]) -> dict[str, Any]:
    return {
        "rows": {k: expected["rows"][k] for k in ROW_KEYS},
        "standards": {
            s["id"]: {**{k: s[k] for k in STANDARD_KEYS}, "branches": s["branches"]}
            for s in expected["standards"]
        },
    }


def differences(want: Any, got: Any, where: str = "") -> list[str]:
    if isinstance(want, dict) and isinstance(got, dict):
        out: list[str] = []
        for k in sorted(set(want) | set(got), key=str):
            if k not in got:
                out.append(f"{where}/{k}: expected {want[k]!r}, svcaudit has none")
            elif k not in want:
                out.append(f"{where}/{k}: svcaudit has {got[k]!r}, not expected")
            else:
                out += differences(want[k], got[k], f"{where}/{k}")
        return out
    return [] if want == got else [f"{where}: expected {want!r}, svcaudit {got!r}"]


def compare(name: str) -> tuple[bool, list[str]]:
    expected = json.loads((HERE / name / "expected.json").read_text(encoding="utf-8"))
    code, report, stderr = run_svcaudit(data_file(name, expected), HERE / name / "standards.yaml")
    if report is None:
        return False, [f"exit {code}, no report: {stderr.strip()}"]
    diffs = differences(expected_comparable(expected), comparable(report))
    return not diffs, diffs


def main(argv: list[str]) -> int:
    names = argv or sorted(p.parent.name for p in HERE.glob("*/expected.json"))
    for name in names:
        ok, diffs = compare(name)
        print(f"{name}: {'MATCH' if ok else 'DIFFERS'}")
        for d in diffs[:40]:
            print("   ", d)
        if len(diffs) > 40:
            print(f"    ... {len(diffs) - 40} more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
