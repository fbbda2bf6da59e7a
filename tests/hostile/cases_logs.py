"""Hostile logs: width, gzip bombs, spans, repeated names, nested columns, permissions, text."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from tests.hostile.case import LOG, Case
from tests.hostile.cases_standards import json_report, link_to

BT = """\
svcaudit: 1
name: Business time
calendars:
  default:
    time_zone: UTC
    hours: {mon-fri: "08:00-17:00"}
fields:
  reply: business_time(arrived_at, greeted_at)
standards:
  - id: hold-30s
    title: Replied within 8 business hours
    measure: reply
    at_most: 8h
"""


def audit(log: str, *more: str) -> tuple[str, ...]:
    return ("audit", log, "-s", "s.yaml", *more)


def wide_csv(n: int) -> str:
    head = ["id", "branch", "hold_seconds"] + [f"c{i}" for i in range(n)]
    return ",".join(head) + "\n" + ",".join(["1", "A", "5"] + ["x"] * n) + "\n"


def wide_jsonl(n: int) -> str:
    record = {"id": 1, "branch": "A", "hold_seconds": 5, **{f"c{i}": "x" for i in range(n)}}
    return json.dumps(record) + "\n"


def bomb(prefix: bytes, filler: bytes, suffix: bytes = b""):  # type: ignore[no-untyped-def]
    """A gzip file of ``prefix``, 1 GiB of ``filler`` and ``suffix`` (about 1 MB on disk)."""

    def make(path: Path) -> None:
        with gzip.open(path, "wb", compresslevel=9) as g:
            g.write(prefix)
            chunk = filler * ((1 << 20) // len(filler))
            for _ in range(1024):
                g.write(chunk)
            g.write(suffix)

    return make


def spans() -> str:
    """381 distinct spans from the years 1-50 to 9950-9999 (22 KB): 3.65 M days each."""
    rows = ["id,branch,arrived_at,greeted_at"]
    for i in range(1, 382):
        day = 1 + i % 28
        rows.append(
            f"{i},A,{1 + i % 50:04d}-01-{day:02d} 00:00:00+00:00,"
            f"{9999 - i % 50}-12-{day:02d} 00:00:00+00:00"
        )
    return "\n".join(rows) + "\n"


def parquet(select: str):  # type: ignore[no-untyped-def]
    def make(path: Path) -> None:
        import duckdb  # noqa: PLC0415

        duckdb.sql(f"COPY ({select}) TO '{path}' (FORMAT parquet)")

    return make


def locked(path: Path) -> None:
    path.mkdir()
    (path / "log.csv").write_text(LOG)
    path.chmod(0o600)  # no x: no one without CAP_DAC_OVERRIDE passes through


def unreadable(path: Path) -> None:
    path.write_text(LOG)
    path.chmod(0)


def gz(text: str):  # type: ignore[no-untyped-def]
    def make(path: Path) -> None:
        path.write_bytes(gzip.compress(text.encode()))

    return make


TWO_OF_THREE = json_report(3, 2)
REPEATED = "names the column"

CASES = [
    # -- width (group 3) ------------------------------------------------------------------
    *(
        Case(
            f"columns-{n}-{kind}",
            "logs",
            audit(f"wide.{kind}"),
            2,
            (f"wide.{kind}", "columns", "at most 1,000"),
            {f"wide.{kind}": (wide_csv if kind == "csv" else wide_jsonl)(n)},
            seconds=10,
            resource=n == 10_000,
        )
        for n in (1_001, 10_000, 100_000)
        for kind in ("csv", "jsonl")
    ),
    Case(
        "columns-10000-tsv",
        "logs",
        audit("wide.tsv"),
        2,
        ("at most 1,000",),
        {"wide.tsv": wide_csv(10_000).replace(",", "\t")},
        seconds=10,
    ),
    Case(
        "columns-10000-inspect",
        "logs",
        ("inspect", "wide.csv"),
        2,
        ("at most 1,000",),
        {"wide.csv": wide_csv(10_000)},
        seconds=10,
    ),
    Case(
        "columns-10000-json",
        "logs",
        audit("wide.json"),
        2,
        ("at most 1,000",),
        {"wide.json": "[" + wide_jsonl(10_000).strip() + "]"},
        seconds=15,
    ),
    # -- decompression (group 3) -----------------------------------------------------------
    Case(
        "gzip-bomb-blank-lines",
        "logs",
        audit("bomb.csv.gz"),
        2,
        ("bomb.csv.gz", "gzip bomb", "gunzip -k"),
        {"bomb.csv.gz": bomb(b"id,branch,hold_seconds\n1,A,5\n", b"\n")},
        seconds=10,
        resource=True,
    ),
    Case(
        "gzip-bomb-spaces-json",
        "logs",
        audit("bomb.json.gz"),
        2,
        ("gzip bomb",),
        {"bomb.json.gz": bomb(b'[{"id":1,"branch":"A","hold_seconds":5}', b" ", b"]")},
        seconds=10,
        resource=True,
    ),
    Case(
        "gzip-bomb-jsonl",
        "logs",
        audit("bomb.jsonl.gz"),
        2,
        ("gzip bomb",),
        {"bomb.jsonl.gz": bomb(b'{"id":1,"branch":"A","hold_seconds":5}\n', b"\n")},
        seconds=10,
    ),
    Case(
        "gzip-bomb-tsv",
        "logs",
        audit("bomb.tsv.gz"),
        2,
        ("gzip bomb",),
        {"bomb.tsv.gz": bomb(b"id\tbranch\thold_seconds\n1\tA\t5\n", b"\n")},
        seconds=10,
    ),
    Case(
        "gzip-ordinary-ratio",
        "logs",
        audit("log.csv.gz", "-f", "json"),
        1,
        files={"log.csv.gz": gz(LOG)},
        stdout=TWO_OF_THREE,
    ),
    Case(
        "gzip-truncated",
        "logs",
        audit("t.csv.gz"),
        2,
        ("t.csv.gz",),
        {"t.csv.gz": gzip.compress(LOG.encode() * 50)[:-20]},
    ),
    Case("gzip-not-gzip", "logs", audit("n.csv.gz"), 2, ("n.csv.gz",), {"n.csv.gz": LOG}),
    # -- business-time span (group 3) ------------------------------------------------------
    Case(
        "business-time-years-1-to-9999",
        "logs",
        ("audit", "spans.csv", "-s", "bt.yaml", "-f", "json"),
        1,
        files={"spans.csv": spans(), "bt.yaml": BT},
        stdout=json_report(381, 0),  # every span past the 10-year horizon: unmeasured
        seconds=15,
        resource=True,
    ),
    # -- repeated names (group 4's rule) ---------------------------------------------------
    Case(
        "csv-repeated-column",
        "logs",
        audit("d.csv"),
        2,
        ("d.csv:1", REPEATED, "twice"),
        {"d.csv": "id,branch,hold_seconds,hold_seconds\n1,A,5,50\n"},
    ),
    Case(
        "csv-case-colliding-columns",
        "logs",
        audit("d.csv"),
        2,
        ("d.csv:1", "Hold_Seconds", "hold_seconds"),
        {"d.csv": "id,branch,Hold_Seconds,hold_seconds\n1,A,5,50\n"},
    ),
    Case(
        "tsv-case-colliding-columns",
        "logs",
        audit("d.tsv"),
        2,
        ("d.tsv:1", REPEATED),
        {"d.tsv": "id\tbranch\tBRANCH\thold_seconds\n1\tA\tB\t5\n"},
    ),
    Case(
        "csv-gz-repeated-column",
        "logs",
        audit("d.csv.gz"),
        2,
        ("d.csv.gz:1", REPEATED),
        {"d.csv.gz": gz("id,id,branch,hold_seconds\n1,2,A,5\n")},
    ),
    Case(
        "jsonl-repeated-key-line-3",
        "logs",
        audit("d.jsonl"),
        2,
        ("d.jsonl:3", REPEATED, "twice"),
        {
            "d.jsonl": '{"id":1,"branch":"A","hold_seconds":5}\n'
            '{"id":2,"branch":"A","hold_seconds":6}\n'
            '{"id":3,"branch":"A","hold_seconds":5,"hold_seconds":50}\n'
        },
    ),
    Case(
        "jsonl-case-colliding-keys",
        "logs",
        audit("d.jsonl"),
        2,
        ("d.jsonl:1", "Hold_Seconds"),
        {"d.jsonl": '{"id":1,"branch":"A","Hold_Seconds":5,"hold_seconds":50}\n'},
    ),
    Case(
        "json-repeated-key",
        "logs",
        audit("d.json"),
        2,
        ("d.json", REPEATED, "twice"),
        {"d.json": '[{"id":1,"branch":"A","hold_seconds":5,"hold_seconds":50}]'},
    ),
    Case(
        "json-nested-case-colliding-keys",
        "logs",
        audit("d.json"),
        2,
        ("d.json", REPEATED),
        {"d.json": '[{"id":1,"branch":"A","q":{"Wait":1,"wait":2},"hold_seconds":5}]'},
    ),
    Case(
        "csv-suffix-like-names-are-distinct",
        "logs",
        audit("d.csv", "-f", "json"),
        1,
        files={
            "d.csv": LOG.replace("hold_seconds\n", "hold_seconds,hold_seconds_1\n", 1)
            .replace(",10\n", ",10,1\n")
            .replace(",40\n", ",40,1\n")
            .replace(",20\n", ",20,1\n")
        },
        stdout=TWO_OF_THREE,
    ),
    # -- nested columns (group 5) ----------------------------------------------------------
    Case(
        "parquet-struct-in-a-comparison",
        "logs",
        ("audit", "p.parquet", "-s", "r.yaml"),
        2,
        ("r.yaml:", "nested data", "info"),
        {
            "p.parquet": parquet("SELECT 1 AS id, 'A' AS branch, {'a': 1} AS info"),
            "r.yaml": "svcaudit: 1\nname: P\nstandards:\n  - id: a\n    title: T\n"
            "    check: info > 3\n",
        },
    ),
    Case(
        "parquet-list-in-a-comparison",
        "logs",
        ("audit", "p.parquet", "-s", "r.yaml"),
        2,
        ("nested data", "tags"),
        {
            "p.parquet": parquet("SELECT 1 AS id, 'A' AS branch, ['x', 'y'] AS tags"),
            "r.yaml": "svcaudit: 1\nname: P\nstandards:\n  - id: a\n    title: T\n"
            '    check: tags == "x"\n',
        },
    ),
    Case(
        "parquet-map-in-a-comparison",
        "logs",
        ("audit", "p.parquet", "-s", "r.yaml"),
        2,
        ("nested data",),
        {
            "p.parquet": parquet("SELECT 1 AS id, 'A' AS branch, MAP {'k': 1} AS m"),
            "r.yaml": "svcaudit: 1\nname: P\nstandards:\n  - id: a\n    title: T\n"
            "    check: m is null\n",
        },
    ),
    Case(
        "parquet-struct-unused-is-fine",
        "logs",
        ("audit", "p.parquet", "-s", "s.yaml", "-f", "json"),
        0,
        files={
            "p.parquet": parquet(
                "SELECT 1 AS id, 'A' AS branch, {'a': 1} AS info, 5 AS hold_seconds"
            )
        },
        stdout=json_report(1, 1),
    ),
    # -- permissions (group 5) -------------------------------------------------------------
    Case(
        "log-behind-a-locked-directory",
        "logs",
        audit("locked/log.csv"),
        2,
        ("locked/log.csv", "permission denied"),
        {"locked": locked},
        no_dac=True,
    ),
    Case(
        "log-unreadable",
        "logs",
        audit("u.csv"),
        2,
        ("u.csv", "permission denied"),
        {"u.csv": unreadable},
        no_dac=True,
    ),
    Case(
        "log-glob-behind-a-locked-directory",
        "logs",
        audit("locked/*.csv"),
        2,
        ("locked/log.csv", "permission denied"),
        {"locked": locked},
        no_dac=True,
    ),
    # -- what a log is -----------------------------------------------------------------------
    Case("log-missing", "logs", audit("nope.csv"), 2, ("nope.csv", "not found")),
    Case("log-directory", "logs", audit("tmp"), 2, ("tmp", "directory")),
    Case("log-empty", "logs", audit("e.csv"), 2, ("e.csv", "empty"), {"e.csv": ""}),
    Case("log-dev-null", "logs", audit("/dev/null"), 2, ("/dev/null",)),
    Case(
        "log-link-to-dev-zero",
        "logs",
        audit("z.csv"),
        2,
        ("z.csv",),
        {"z.csv": link_to("/dev/zero")},
    ),
    Case(
        "log-header-only",
        "logs",
        audit("h.csv"),
        2,
        ("h.csv",),
        {"h.csv": "id,branch,hold_seconds\n"},
    ),
    Case(
        "log-binary",
        "logs",
        audit("b.csv"),
        2,
        ("b.csv", "binary"),
        {"b.csv": bytes(range(256)) * 64},
    ),
    Case("log-utf16", "logs", audit("u.csv"), 2, ("UTF-16",), {"u.csv": LOG.encode("utf-16")}),
    Case(
        "log-latin1",
        "logs",
        audit("l.csv"),
        2,
        ("l.csv:2", "not UTF-8"),
        {"l.csv": LOG.replace("North", "N\xf6rth").encode("latin-1")},
    ),
    Case(
        "log-glob-name-taken-literally",
        "logs",
        audit("e[1].csv"),
        2,
        ("e[1].csv",),
        {"e[1].csv": LOG, "e1.csv": LOG},
    ),
    Case("log-glob-no-match", "logs", audit("none-*.csv"), 2, ("no file matches",)),
    Case(
        "log-mixed-line-ends",
        "logs",
        audit("m.csv", "-f", "json"),
        1,
        files={"m.csv": LOG.replace("\n", "\r\n", 2)},
        stdout=TWO_OF_THREE,
    ),
    Case(
        "log-cr-line-ends",
        "logs",
        audit("m.csv", "-f", "json"),
        1,
        files={"m.csv": LOG.replace("\n", "\r")},
        stdout=TWO_OF_THREE,
    ),
    Case(
        "log-bom",
        "logs",
        audit("b.csv", "-f", "json"),
        1,
        files={"b.csv": b"\xef\xbb\xbf" + LOG.encode()},
        stdout=TWO_OF_THREE,
    ),
    Case(
        "log-100k-blank-lines",
        "logs",
        audit("b.csv", "-f", "json"),
        1,
        files={"b.csv": LOG + "\n" * 100_000},
        stdout=TWO_OF_THREE,
    ),
    Case(
        "log-wrong-field-count-rejected",
        "logs",
        audit("w.csv", "-f", "json"),
        1,
        files={"w.csv": LOG + "4,South,2025-03-03 09:00:00\n"},
        stdout=lambda out: _rows(out, read=4, rejected=1),
    ),
    Case(
        "log-unclosed-quote",
        "logs",
        audit("q.csv", "-f", "json"),
        (1, 2),
        files={"q.csv": LOG + '4,"South,2025-03-03 09:00:00,2025-03-03 09:00:20,5\n'},
    ),
    Case(
        "jsonl-broken-line-rejected",
        "logs",
        audit("j.jsonl", "-f", "json"),
        0,
        files={
            "j.jsonl": '{"id":1,"branch":"A","hold_seconds":5}\n{"id":2,"branch":\n'
            '{"id":3,"branch":"A","hold_seconds":6}\n'
        },
        stdout=lambda out: _rows(out, read=3, rejected=1),
    ),
    Case("json-scalar", "logs", audit("s.json"), 2, ("s.json",), {"s.json": "5\n"}),
    Case("json-empty-array", "logs", audit("a.json"), 2, ("a.json",), {"a.json": "[]\n"}),
    Case(
        "jsonl-100000-deep-first-line",
        "logs",
        audit("d.jsonl"),
        (1, 2),
        (),
        {
            "d.jsonl": "[" * 100_000
            + "]" * 100_000
            + "\n"
            + '{"id":1,"branch":"A","hold_seconds":5}\n'
        },
        seconds=15,
    ),
    Case(
        "csv-huge-field",
        "logs",
        audit("f.csv", "-f", "json"),
        1,
        files={"f.csv": LOG.replace("North,", "N" + "o" * 3_000_000 + "rth,", 1)},
        stdout=lambda out: _rows(out, read=3, rejected=0),
        seconds=15,
    ),
    Case(
        "stdin-empty",
        "logs",
        ("audit", "-", "-s", "s.yaml"),
        2,
        ("stdin", "empty"),
    ),
    Case(
        "stdin-csv",
        "logs",
        ("audit", "-", "-s", "s.yaml", "-f", "json"),
        1,
        files={"in.csv": LOG},
        stdout=TWO_OF_THREE,
        stdin="in.csv",
    ),
]


def _rows(stdout: str, *, read: int, rejected: int) -> None:
    rows = json.loads(stdout)["rows"]
    assert (rows["read"], rows["rejected"]) == (read, rejected), rows


def os_fifo(path: Path) -> None:  # a pipe no one writes: kept for the options table
    os.mkfifo(path)
