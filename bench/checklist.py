"""Checklist benchmark (issue 20): an 800-item inspection over 20,000 visits in 200 branches.

    python bench/checklist.py --visits 20000 --items 800 --branches 200 [--formats csv xlsx]
    python bench/checklist.py --readers 10000     # python-calamine against openpyxl

Contenders, each its own process, timed by wall clock with peak RSS (GNU time ``%M``):

- **svcaudit**: ``python -m svcaudit audit SHEET -s checklist-N.yaml --format json``;
- **duckdb**: an expert's hand-written query over the CSV (``EXPERT`` below): the wide sheet
  unpivoted, joined to the items' weights, each visit's weighted score (0 when a critical item
  failed), then each branch's mean visit score, visits and critical fails, and each item's met
  and assessed counts per branch. DuckDB cannot read .xlsx without an extension that this
  machine cannot download, so its time is the CSV's for both.

The runner checks that both found the same figures (every branch's mean score, visits and
critical fails; every item's met and assessed count per branch) and stops if not. Data go to
``bench/data/`` (git-ignored), made here with a seeded generator (the .xlsx with openpyxl in
write-only mode).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
WORDS = ["MEET"] * 86 + ["BELOW"] * 8 + ["N/A"] * 5 + [""]


def items(n: int) -> list[tuple[str, str, float, bool]]:
    """(section, column, weight, critical) of ``n`` items in sections of 40."""
    rng = random.Random(800)
    return [
        (f"s{k // 40:02d}", f"Q{k:04d}", rng.choice([0.5, 1.0, 1.0, 2.0]), k % 97 == 0)
        for k in range(n)
    ]


def standards(n: int) -> Path:
    """The standards file of an ``n``-item checklist."""
    path = DATA / f"checklist-{n}.yaml"
    lines = [
        "svcaudit: 1",
        f"name: Bench {n} items",
        "branch: branch",
        "checklist:",
        "  id: bench",
        "  critical_fails_visit: true",
        "  target: 80%",
        "  sections:",
    ]
    section = None
    for s, column, weight, critical in items(n):
        if s != section:
            lines += [f"    - id: {s}", f"      title: Section {s}", "      items:"]
            section = s
        crit = ", critical: true" if critical else ""
        lines.append(
            f"        - {{id: {column.lower()}, title: Item {column}, column: {column}, "
            f"weight: {weight}{crit}}}"
        )
    DATA.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sheet_csv(visits: int, n: int, branches: int) -> Path:
    """The wide sheet as CSV (seeded)."""
    path = DATA / f"checklist-{visits}x{n}x{branches}.csv"
    if path.exists():
        return path
    rng = random.Random(visits * 31 + n)
    columns = [c for _, c, _, _ in items(n)]
    DATA.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["visit", "branch", "date", *columns])
        for v in range(visits):
            branch = f"B{rng.randrange(branches):03d}"
            w.writerow([f"V{v:06d}", branch, "2025-05-01", *rng.choices(WORDS, k=n)])
    return path


def sheet_xlsx(source: Path) -> Path:
    """The same sheet as .xlsx (openpyxl, write-only)."""
    path = source.with_suffix(".xlsx")
    if path.exists():
        return path
    import openpyxl  # noqa: PLC0415

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Visits")
    with source.open(encoding="utf-8") as f:
        for row in csv.reader(f):
            ws.append([v if v != "" else None for v in row])
    book.save(path)
    return path


EXPERT = r"""
import sys, duckdb, json
sheet, weights = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
con.execute(f"CREATE TEMP TABLE w AS SELECT * FROM read_csv('{weights}', header=true)")
cols = [r[0] for r in con.execute("SELECT col FROM w").fetchall()]
q = f'''
WITH wide AS (SELECT * FROM read_csv('{sheet}', all_varchar=true, header=true)),
long AS (UNPIVOT wide ON {", ".join('"' + c + '"' for c in cols)} INTO NAME col VALUE answer),
a AS (
  SELECT visit, branch, long.col, w.weight, w.critical,
         upper(trim(answer)) = 'MEET' AS met,
         upper(trim(answer)) IN ('MEET', 'BELOW') AS assessed
  FROM long JOIN w USING (col)
),
v AS (
  SELECT visit, branch,
         sum(CASE WHEN met THEN weight ELSE 0 END) AS num,
         sum(CASE WHEN assessed THEN weight ELSE 0 END) AS den,
         bool_or(critical AND assessed AND NOT met) AS crit
  FROM a GROUP BY visit, branch
)
SELECT branch, avg(CASE WHEN crit THEN 0 ELSE num / den END) FILTER (WHERE den > 0),
       count(*), count(*) FILTER (WHERE crit)
FROM v GROUP BY branch ORDER BY branch
'''
branches = con.execute(q).fetchall()
items = con.execute(f'''
WITH wide AS (SELECT * FROM read_csv('{sheet}', all_varchar=true, header=true)),
long AS (UNPIVOT wide ON {", ".join('"' + c + '"' for c in cols)} INTO NAME col VALUE answer)
SELECT col, branch, count(*) FILTER (WHERE upper(trim(answer)) = 'MEET'),
       count(*) FILTER (WHERE upper(trim(answer)) IN ('MEET', 'BELOW'))
FROM long GROUP BY col, branch
''').fetchall()
json.dump({"branches": branches, "items": items}, sys.stdout)
"""


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) and stdout of a command run under GNU time."""
    start = time.perf_counter()
    run = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    if run.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed: {run.stderr[-2000:]}")
    rss = int(run.stderr.strip().splitlines()[-1]) // 1024
    return took, rss, run.stdout


def compare(report: dict, expert: dict, columns: dict[str, str]) -> None:
    """Stop unless svcaudit's figures equal the hand-written query's."""
    (c,) = report["checklists"]
    mine = {b["branch"]: b for b in c["league"]["branches"]}
    for branch, mean, visits, crit in expert["branches"]:
        b = mine[branch]
        assert b["visits"] == visits and b["critical_failed"] == crit, branch
        assert abs((b["score"] or 0) - (mean or 0)) < 1e-9, (branch, b["score"], mean)
    counts = {
        (s["id"], br["branch"]): (br["passed"], br["in_scope"] - br["unmeasured"])
        for s in report["standards"]
        for br in s["branches"]
    }
    for col, branch, met, assessed in expert["items"]:
        if assessed:
            assert counts[(columns[col], branch)] == (met, assessed), (col, branch)


def bench(visits: int, n: int, branches: int, formats: list[str]) -> None:
    spec = standards(n)
    source = sheet_csv(visits, n, branches)
    weights = DATA / f"weights-{n}.csv"
    weights.write_text(
        "col,weight,critical\n" + "".join(f"{c},{w},{str(k).lower()}\n" for _, c, w, k in items(n)),
        encoding="utf-8",
    )
    took, rss, out = timed([sys.executable, "-c", EXPERT, str(source), str(weights)])
    expert = json.loads(out)
    print(f"duckdb   csv   {visits} x {n} x {branches}: {took:6.2f} s {rss:6d} MiB")
    columns = {c: c.lower() for _, c, _, _ in items(n)}
    for fmt in formats:
        sheet = source if fmt == "csv" else sheet_xlsx(source)
        cmd = [sys.executable, "-m", "svcaudit", "audit", str(sheet), "-s", str(spec)]
        took, rss, out = timed([*cmd, "--format", "json", "--fail-on", "never"])
        compare(json.loads(out), expert, columns)
        print(
            f"svcaudit {fmt:5s} {visits} x {n} x {branches}: {took:6.2f} s {rss:6d} MiB"
            " (same figures)"
        )


READ_CALAMINE = r"""
import sys
from python_calamine import CalamineWorkbook
sheet = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
rows = sheet.to_python(skip_empty_area=False)
print(len(rows), sum(len(r) for r in rows))
"""
READ_OPENPYXL = r"""
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
print(len(rows), sum(len(r) for r in rows))
"""


def readers(visits: int) -> None:
    """Time reading one sheet (``visits`` rows x 85 columns) with each library, 3 runs each."""
    sheet = sheet_xlsx(sheet_csv(visits, 80, 20))
    for name, code in (("python-calamine", READ_CALAMINE), ("openpyxl (read-only)", READ_OPENPYXL)):
        runs = [timed([sys.executable, "-c", code, str(sheet)]) for _ in range(3)]
        best = min(r[0] for r in runs)
        print(
            f"{name:22s} {visits} rows x 83 cols: best {best:5.2f} s, "
            f"peak {max(r[1] for r in runs)} MiB ({runs[0][2].strip()} cells)"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--visits", type=int, default=20000)
    p.add_argument("--items", type=int, default=800)
    p.add_argument("--branches", type=int, default=200)
    p.add_argument("--formats", nargs="+", default=["csv", "xlsx"])
    p.add_argument("--readers", type=int, help="compare the Excel readers on this many rows")
    args = p.parse_args()
    load = Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3]
    print(f"load average before: {load}")
    if args.readers:
        readers(args.readers)
    else:
        bench(args.visits, args.items, args.branches, args.formats)


if __name__ == "__main__":
    main()
