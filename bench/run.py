"""Time svcaudit against the hand-written DuckDB query and a pandas script, on the same data.

Each contender is a separate process (start-up included), timed by wall clock, with its peak
resident memory from GNU time (see ``timed``). Each cell runs
``--repeat`` times with the contenders interleaved (noise from other work on the machine hits
all three alike); the best time and the largest peak RSS are kept. All three must give the
same figures (per branch and standard: in scope, passed, unmeasured; rows per branch), or the
runner stops.

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

CONTENDERS = ("svcaudit", "duckdb", "pandas")
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
    script = "expert.py" if who == "duckdb" else "analyst_pandas.py"
    return [sys.executable, str(HERE / script), str(data), str(json_path)]


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
        return {"rows": doc["rows"], "figures": doc["figures"]}
    out: dict[str, Any] = {"rows": None, "figures": {}}
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
    ref = results["duckdb"]
    total = sum(ref["rows"].values())
    for who, got in results.items():
        if got["figures"] != ref["figures"]:
            bad = [s for s in ref["figures"] if got["figures"].get(s) != ref["figures"][s]]
            raise SystemExit(f"{label}: {who} differs from duckdb on {bad[:5]}")
        if who == "svcaudit" and got["total"] != total:
            raise SystemExit(f"{label}: svcaudit evaluated {got['total']} rows, not {total}")
        if who == "pandas" and got["rows"] != ref["rows"]:
            raise SystemExit(f"{label}: pandas counts rows per branch differently")


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
    try:
        import pandas  # noqa: PLC0415 - optional

        pandas_version = pandas.__version__
    except ImportError:
        pandas_version = "-"
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas_version,
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
    header = (
        f"{'rows':>10} {'fmt':>7} {'std':>4} | {'svcaudit':>9} {'duckdb':>8} {'pandas':>8}"
        f" | {'svc/duck':>8} {'pd/svc':>7} | {'RSS svc':>8} {'duck':>7} {'pandas':>7}"
    )
    print(header)
    for rows in args.rows:
        files = generate.generate(rows)
        for n in args.standards:
            standards_mod.write(n, generate.DATA)
        for fmt in args.formats:
            for n in args.standards:
                who_all = [
                    w
                    for w in args.contenders
                    if w != "pandas"
                    or (rows <= args.pandas_max_rows and n <= args.pandas_max_standards)
                ]
                best: dict[str, float] = {}
                peak: dict[str, int] = {}
                found: dict[str, dict[str, Any]] = {}
                for _ in range(args.repeat):
                    for who in who_all:
                        wall, rss, out = timed(command(who, files[fmt], n))
                        best[who] = min(best.get(who, wall), wall)
                        peak[who] = max(peak.get(who, 0), rss)
                        if who not in found:
                            found[who] = figures(who, out)
                if "duckdb" in found:
                    check_same(found, f"{rows} rows, {fmt}, {n} standards")

                def sec(who: str, best: dict[str, float] = best) -> str:
                    return f"{best[who]:.2f}" if who in best else "-"

                def mb(who: str, peak: dict[str, int] = peak) -> str:
                    return f"{peak[who] / 2**20:.0f}M" if who in peak else "-"

                ratio = (
                    f"{best['svcaudit'] / best['duckdb']:.2f}x"
                    if "svcaudit" in best and "duckdb" in best
                    else "-"
                )
                speedup = (
                    f"{best['pandas'] / best['svcaudit']:.1f}x"
                    if "svcaudit" in best and "pandas" in best
                    else "-"
                )
                print(
                    f"{rows:>10} {fmt:>7} {n:>4} | {sec('svcaudit'):>9} {sec('duckdb'):>8} "
                    f"{sec('pandas'):>8} | {ratio:>8} {speedup:>7} | {mb('svcaudit'):>8} "
                    f"{mb('duckdb'):>7} {mb('pandas'):>7}",
                    flush=True,
                )
                if args.json:
                    with args.json.open("a", encoding="utf-8") as f:
                        f.write(
                            json.dumps(
                                {
                                    "rows": rows,
                                    "format": fmt,
                                    "standards": n,
                                    "repeat": args.repeat,
                                    "seconds": best,
                                    "peak_rss": peak,
                                }
                            )
                            + "\n"
                        )


if __name__ == "__main__":
    main()
