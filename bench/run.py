"""Time svcaudit against Polars, hand-written DuckDB queries and pandas, on the same data.

Each contender is a separate process (start-up included), timed by wall clock, with its peak
resident memory from GNU time (see ``timed``). Each cell runs
``--repeat`` times with the contenders interleaved (noise from other work on the machine hits
all of them alike); the median time and the largest peak RSS are kept. All must give the
same figures (per branch and standard: in scope, passed, unmeasured; rows per branch; the
repeated-id count where a contender checks it), or the runner stops.

    python bench/run.py --rows 10000                       # smoke test (seconds)
    python bench/run.py --rows 1000000 5000000 --repeat 3  # the table in bench/README.md
    python bench/run.py --rows 5000000 --standards 10 --period month --repeat 3
        # svcaudit with and without --period month, in pairs: the cost of the period key
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is scripts, not a package)

import standards as standards_mod  # noqa: E402

CONTENDERS = ("svcaudit", "polars", "checks", "duckdb", "pandas")
SCRIPTS = {
    "duckdb": "expert.py",  # the hand-written query alone
    "checks": "expert_checks.py",  # the fair floor: the query plus the repeated-id count
    "polars": "analyst_polars.py",
    "pandas": "analyst_pandas.py",
}
# The ratios printed and recorded: (numerator, denominator).
RATIOS = (("svcaudit", "polars"), ("svcaudit", "checks"), ("svcaudit", "duckdb"))
TIME = "/usr/bin/time"  # GNU time, for peak RSS


def command(who: str, data: Path, n: int, period: str | None = None) -> list[str]:
    """The command line of one contender (svcaudit with ``--period`` when given)."""
    yaml_path = generate.DATA / f"standards-{n}.yaml"
    json_path = generate.DATA / f"standards-{n}.json"
    if who == "svcaudit":
        return [
            sys.executable,
            "-m",
            "svcaudit",
            "audit",
            str(data),
            "-s",
            str(yaml_path),
            "--format",
            "json",
            "--fail-on",
            "never",
            *(["--period", period] if period else []),
        ]
    return [sys.executable, str(HERE / SCRIPTS[who]), str(data), str(json_path)]


def compile_svcaudit() -> None:
    """svcaudit's modules compiled to bytecode before they are timed, as any installation has
    them (pip compiles them; an editable install writes ``__pycache__`` on first import). In
    an environment with ``PYTHONDONTWRITEBYTECODE`` set, an editable install would otherwise
    compile its 60 modules again in every run (0.1-0.15 s), which the other contenders,
    whose libraries pip compiled, do not pay."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = "import pathlib, svcaudit; print(pathlib.Path(svcaudit.__file__).parent)"
    package = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True, env=env)


def timed(cmd: list[str]) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS in bytes and stdout of one run.

    Peak RSS comes from GNU time (``%M``): ``ru_maxrss`` of a child forked straight from this
    (larger) Python process would count the parent's pages it inherited before exec. Without
    GNU time it is that ``ru_maxrss`` (``wait4``), a little too high.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(mode="r") as rss,
    ):
        gnu_time = os.path.exists(TIME)
        start = time.perf_counter()
        child = subprocess.Popen(
            [TIME, "-f", "%M", "-o", rss.name, *cmd] if gnu_time else cmd, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({child.returncode}):\n{err.read().decode()}")
        peak = int(rss.read().split()[-1]) * 1024 if gnu_time else usage.ru_maxrss * 1024
        return wall, peak, out.read()


def figures(who: str, stdout: bytes) -> dict[str, Any]:
    """{"rows": {branch: n}, "figures": {standard: {branch: [in_scope, passed, unmeasured]}}}."""
    doc = json.loads(stdout)
    if who != "svcaudit":
        return {"rows": doc["rows"], "figures": doc["figures"], "duplicates": doc.get("duplicates")}
    out: dict[str, Any] = {"rows": None, "figures": {}, "duplicates": doc["duplicates"]["rows"]}
    for s in doc["standards"]:
        out["figures"][s["id"]] = {
            b["branch"]: [b["in_scope"], b["passed"], b["unmeasured"]]
            for b in s["branches"]
            if b["in_scope"]
        }
    out["total"] = doc["rows"]["evaluated"]
    return out


def check_same(results: dict[str, dict[str, Any]], label: str) -> None:
    """Stop unless every contender found the same figures."""
    ref = results["duckdb" if "duckdb" in results else "checks"]
    total = sum(ref["rows"].values())
    repeats = {who: got["duplicates"] for who, got in results.items() if got["duplicates"] is not None}
    if len(set(repeats.values())) > 1:
        raise SystemExit(f"{label}: the repeated-id counts differ: {repeats}")
    for who, got in results.items():
        if got["figures"] != ref["figures"]:
            bad = [s for s in ref["figures"] if got["figures"].get(s) != ref["figures"][s]]
            raise SystemExit(f"{label}: {who} differs from duckdb on {bad[:5]}")
        if who == "svcaudit" and got["total"] != total:
            raise SystemExit(f"{label}: svcaudit evaluated {got['total']} rows, not {total}")
        if who != "svcaudit" and got["rows"] != ref["rows"]:
            raise SystemExit(f"{label}: {who} counts rows per branch differently")


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import duckdb  # noqa: PLC0415 - only for its version

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        ),
        "?",
    )
    versions = {}
    for name in ("pandas", "polars"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "-"
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        **versions,
    }


def period_cost(files: dict[str, Path], rows: int, n: int, period: str, repeat: int) -> None:
    """svcaudit without and with ``--period``, in pairs (each pair back to back, so load on
    the machine hits both alike): the best time of each, the ratio, and the same counts."""
    for fmt, data in files.items():
        best: dict[str, float] = {}
        found: dict[str, dict[str, Any]] = {}
        for _ in range(repeat):
            for label, unit in (("plain", None), ("period", period)):
                wall, _rss, out = timed(command("svcaudit", data, n, unit))
                best[label] = min(best.get(label, wall), wall)
                found.setdefault(label, figures("svcaudit", out))
                if unit is not None:
                    doc = json.loads(out)
                    dated = sum(p["n"] for p in doc["standards"][0]["periods"])
                    found[label]["periods"] = len(doc["standards"][0]["periods"]), dated
        if found["plain"]["figures"] != found["period"]["figures"]:
            raise SystemExit(f"{rows} rows, {fmt}: --period {period} changed the counts")
        count, dated = found["period"]["periods"]
        print(
            f"{rows:>10} {fmt:>7} {n:>4} | plain {best['plain']:.2f} s | --period {period} "
            f"{best['period']:.2f} s ({count} periods, {dated:,} rated) | "
            f"ratio {best['period'] / best['plain']:.2f}x",
            flush=True,
        )


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000])
    parser.add_argument("--standards", type=int, nargs="+", default=[10, 200, 800])
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--pandas-max-rows",
        type=int,
        default=5_000_000,
        help="skip pandas above this many rows (20 M: too slow and too big)",
    )
    parser.add_argument("--pandas-max-standards", type=int, default=800)
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS))
    parser.add_argument("--json", type=Path, help="append results (JSON lines) to this file")
    parser.add_argument(
        "--period", help="time svcaudit with and without --period UNIT instead (in pairs)"
    )
    args = parser.parse_args()
    if args.period:
        compile_svcaudit()
        print(json.dumps(machine()))
        for rows in args.rows:
            files = generate.generate(rows)
            for n in args.standards:
                standards_mod.write(n, generate.DATA)
                chosen = {f: files[f] for f in args.formats}
                period_cost(chosen, rows, n, args.period, args.repeat)
        return

    print(json.dumps(machine()))
    if "svcaudit" in args.contenders:
        compile_svcaudit()
    shown = [w for w in CONTENDERS if w in args.contenders]
    ratios = [(a, b) for a, b in RATIOS if a in shown and b in shown]
    print(
        f"{'rows':>10} {'fmt':>7} {'std':>4} | "
        + " ".join(f"{w:>8}" for w in shown)
        + " | "
        + " ".join(f"{a[:3]}/{b[:5]:<5}" for a, b in ratios)
        + " | RSS "
        + " ".join(f"{w[:6]:>6}" for w in shown)
    )
    for rows in args.rows:
        files = generate.generate(rows)
        for n in args.standards:
            standards_mod.write(n, generate.DATA)
        for fmt in args.formats:
            for n in args.standards:
                run_cell(args, files[fmt], rows, fmt, n, shown, ratios)


def run_cell(
    args: argparse.Namespace,
    data: Path,
    rows: int,
    fmt: str,
    n: int,
    shown: list[str],
    ratios: list[tuple[str, str]],
) -> None:
    """One row of the table: every contender ``--repeat`` times, interleaved."""
    who_all = [
        w
        for w in shown
        if w != "pandas" or (rows <= args.pandas_max_rows and n <= args.pandas_max_standards)
    ]
    walls: dict[str, list[float]] = {w: [] for w in who_all}
    peak: dict[str, int] = {}
    found: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for who in who_all:
            wall, rss, out = timed(command(who, data, n))
            walls[who].append(wall)
            peak[who] = max(peak.get(who, 0), rss)
            if who not in found:
                found[who] = figures(who, out)
    if "duckdb" in found or "checks" in found:
        check_same(found, f"{rows} rows, {fmt}, {n} standards")
    median = {w: statistics.median(t) for w, t in walls.items()}
    ratio = {f"{a}/{b}": median[a] / median[b] for a, b in ratios if a in median and b in median}
    print(
        f"{rows:>10} {fmt:>7} {n:>4} | "
        + " ".join(f"{median[w]:>8.2f}" if w in median else f"{'-':>8}" for w in shown)
        + " | "
        + " ".join(
            f"{ratio[f'{a}/{b}']:>8.2f}x" if f"{a}/{b}" in ratio else f"{'-':>9}" for a, b in ratios
        )
        + " | RSS "
        + " ".join(f"{peak[w] / 2**20:>5.0f}M" if w in peak else f"{'-':>6}" for w in shown),
        flush=True,
    )
    if args.json:
        with args.json.open("a", encoding="utf-8") as f:
            record = {
                "rows": rows,
                "format": fmt,
                "standards": n,
                "repeat": args.repeat,
                "median_seconds": median,
                "seconds": walls,
                "ratios": ratio,
                "peak_rss": peak,
            }
            f.write(json.dumps(record) + "\n")

if __name__ == "__main__":
    main()
