"""A corpus of bad logs: each gives a correct audit with its bad rows rejected and listed, or
exit 2 with one clear error naming the file -- never a traceback.

Small cases are files in ``tests/corpus/``; cases that are binary, large or byte-exact (line
ends, encodings, gzip) are made here. Every case runs the real CLI as its own process (through
``tests/cli_batch.py``) with ``--format json``. Expected figures are worked out by hand from the
rows, in the comment of each case.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli_batch import Call, Result, run_batch

CORPUS = Path(__file__).resolve().parent / "corpus"
HEADER = "id,branch,arrived_at,greeted_at,hold_seconds"


def row(i: int, branch: str = "North", greet_s: int = 30, hold_s: int = 10) -> str:
    """One log line: arrived 09:00:00, greeted ``greet_s`` seconds later, held ``hold_s``."""
    greeted = f"2025-03-03 09:{greet_s // 60:02d}:{greet_s % 60:02d}"
    return f"{i},{branch},2025-03-03 09:00:00,{greeted},{hold_s}"


Counts = tuple[int, int, int, int]  # in scope, passed, failed, unmeasured


@dataclass(frozen=True)
class Case:
    """One bad log and what svcaudit must make of it."""

    name: str
    log: str  # file name (a file in tests/corpus/ unless `make` writes it)
    make: Callable[[Path], None] | None = None
    standards: str = "standards.yaml"
    error: tuple[str, ...] = ()  # exit 2: needles of the one error line
    rows: tuple[int, int, int] | None = None  # read, evaluated, rejected
    counts: dict[str, Counts] = field(default_factory=dict)
    rejects: tuple[tuple[int, str], ...] = ()  # (line, part of the reason)
    branches: dict[str, dict[str, Counts]] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()
    implausible: dict[str, int] = field(default_factory=dict)  # of the unmeasured
    duplicate_ids: tuple[tuple[str, int], ...] = ()  # (id, rows), most repeated first


def _bytes(data: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(data)

    return make


def _text(lines: list[str], end: str = "\n", encoding: str = "utf-8") -> bytes:
    return "".join(line + end for line in lines).encode(encoding)


GOOD3 = [HEADER, row(1), row(2, greet_s=90, hold_s=40), row(3, "South", 20, 20)]


def _truncated_gz(path: Path) -> None:
    data = gzip.compress(_text([HEADER] + [row(i) for i in range(2000)]))
    path.write_bytes(data[: len(data) // 2])


def _latin1_after(rows: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        good = [row(i) for i in range(1, rows + 1)]
        bad = f"{rows + 1},Málaga,2025-03-03 09:00:00,2025-03-03 09:00:30,10"
        path.write_bytes(_text([HEADER, *good]) + (bad + "\n").encode("latin-1"))

    return make


def _mixed_line_ends(path: Path) -> None:
    path.write_bytes(
        (HEADER + "\n").encode()
        + (row(1) + "\r\n").encode()
        + (row(2) + "\n").encode()
        + (row(3, "South") + "\r").encode()
        + b"4,South,soon,2025-03-03 09:00:30,10\r\n"
        + (row(5, "South", hold_s=40) + "\n").encode()
    )


def _long_quoted_lines(path: Path) -> None:
    note = '"' + "a long letter, line after line\n" * 300_000 + '"'  # 9.6 MB over 300,000 lines
    path.write_bytes(
        _text([HEADER + ",note", row(1) + ",short", row(2) + "," + note, row(3) + ",short"])
    )


def _long_line(path: Path) -> None:
    note = "x" * 10_000_000
    path.write_bytes(
        _text(
            [
                HEADER + ",note",
                row(1) + ",short",
                row(2) + "," + note,
                row(3, "South", hold_s=40) + ",short",
            ]
        )
    )


def _unicode_branches(path: Path) -> None:
    lines = [
        HEADER,
        row(1, "Łódź"),
        row(2, "Łódź", greet_s=61),
        row(3, "תל אביב"),
        row(4, '"O\'Brien ""Pub"""'),
        row(5, "<script>alert(1)</script>"),
        row(6, "back`tick"),
        row(7, '"new\nline"', hold_s=31),
    ]
    path.write_bytes(_text(lines))


CASES: list[Case] = [
    # ---- exit 2: the audit cannot be done ---------------------------------------------------
    Case("empty-file", "empty.csv", _bytes(b""), error=("empty.csv", "empty")),
    Case("only-a-bom", "bom-only.csv", _bytes(b"\xef\xbb\xbf"), error=("bom-only.csv", "no rows")),
    Case("header-only", "header-only.csv", error=("header-only.csv", "only a header")),
    Case(
        "single-10mb-line",
        "one-line.csv",
        _bytes(b"a" * 10_000_000),
        error=("one-line.csv", "no rows"),
    ),
    Case("truncated-gz", "cut.csv.gz", _truncated_gz, error=("cut.csv.gz", "truncated")),
    Case("not-really-gz", "plain.csv.gz", _bytes(_text(GOOD3)), error=("plain.csv.gz", "gzip")),
    Case(
        "binary-garbage",
        "garbage.csv",
        _bytes(random.Random(9).randbytes(4096)),
        error=("garbage.csv", "binary data"),
    ),
    Case(
        "high-bytes-garbage",
        "high.csv",
        _bytes(bytes(random.Random(9).randrange(0x80, 0x100) for _ in range(4096))),
        error=("high.csv", "not UTF-8", "iconv"),
    ),
    Case(
        "utf16-bom",
        "u16.csv",
        _bytes(_text(GOOD3, encoding="utf-16")),
        error=("u16.csv", "UTF-16", "iconv"),
    ),
    Case(
        "utf16le-no-bom",
        "u16le.csv",
        _bytes(_text(GOOD3, encoding="utf-16-le")),
        error=("u16le.csv", "UTF-16LE", "iconv"),
    ),
    Case(
        "utf16be-no-bom",
        "u16be.csv",
        _bytes(_text(GOOD3, encoding="utf-16-be")),
        error=("u16be.csv", "UTF-16BE", "iconv"),
    ),
    Case(
        "latin1-in-the-first-lines",
        "latin1.csv",
        _bytes(_text([HEADER, row(1, "Málaga")], encoding="latin-1")),
        error=("latin1.csv:2:", "not UTF-8", "0xE1", "iconv"),
    ),
    # past the 64 KiB checked up front, but within DuckDB's sample: stops at line 2002
    Case(
        "latin1-after-64k",
        "latin1-2k.csv",
        _latin1_after(2000),
        error=("latin1-2k.csv:2002:", "not UTF-8", "iconv"),
    ),
    Case(
        "wrong-delimiter",
        "wrong-delimiter.csv",
        error=("wrong-delimiter.csv:1:", "semicolons"),
    ),
    Case("commas-in-a-tsv", "commas-in-tsv.tsv", error=("commas-in-tsv.tsv:1:", "commas")),
    Case("truncated-json", "truncated.json", error=("truncated.json",)),
    Case(
        "header-and-blank-lines",
        "header-and-blank-lines.csv",
        error=("header-and-blank-lines.csv", "no rows"),
    ),
    # nobody was greeted: the column has no values at all, so its type cannot be told
    Case("empty-column", "empty-column.csv", error=("greeted_at", "empty in every row")),
    # ---- a completed audit, bad rows rejected and listed -------------------------------------
    # 3 rows: greet 30 s pass, 90 s fail, 20 s pass; hold 10 pass, 40 fail, 20 pass.
    Case(
        "utf8-bom-crlf",
        "bom.csv",
        _bytes(b"\xef\xbb\xbf" + _text(GOOD3, end="\r\n")),
        rows=(3, 3, 0),
        counts={"greet-60s": (3, 2, 1, 0), "hold-30s": (3, 2, 1, 0)},
        branches={"greet-60s": {"North": (2, 1, 1, 0), "South": (1, 1, 0, 0)}},
    ),
    # header, 1 CRLF, 2 LF, 3 CR, 4 (bad timestamp) CRLF, 5 LF: line 5 rejected; greet all
    # 30 s; hold 10, 10, 10, 40 -> 3 of 4.
    Case(
        "mixed-line-ends",
        "mixed.csv",
        _mixed_line_ends,
        rows=(5, 4, 1),
        counts={"greet-60s": (4, 4, 0, 0), "hold-30s": (4, 3, 1, 0)},
        rejects=((5, 'column "arrived_at": cannot read "soon" as a timestamp'),),
    ),
    # a 10 MB free-text field in row 2 is just a long note; hold 10, 10, 40.
    Case(
        "10mb-field",
        "long.csv",
        _long_line,
        rows=(3, 3, 0),
        counts={"greet-60s": (3, 3, 0, 0), "hold-30s": (3, 2, 1, 0)},
    ),
    # ... and a 9.6 MB quoted note over 300,000 lines is one field of one record.
    Case(
        "10mb-field-of-many-lines",
        "letter.csv",
        _long_quoted_lines,
        rows=(3, 3, 0),
        counts={"greet-60s": (3, 3, 0, 0), "hold-30s": (3, 3, 0, 0)},
    ),
    # 25,000 good rows (all pass), then line 25002 in Latin-1, past the rows DuckDB samples
    # to detect the layout: that row is rejected with an iconv hint.
    Case(
        "latin1-after-the-sample",
        "latin1-deep.csv",
        _latin1_after(25_000),
        rows=(25_001, 25_000, 1),
        counts={"greet-60s": (25_000, 25_000, 0, 0), "hold-30s": (25_000, 25_000, 0, 0)},
        rejects=((25_002, "not UTF-8"),),
    ),
    # lines 2-4 rows 1-3, line 5 the header again, lines 6-7 rows 4-5.
    # greet: 30 pass, 90 fail, 20 pass, 60 pass (inclusive), 61 fail -> 3 of 5.
    # hold: 10 pass, 40 fail, 20 pass, 30 pass, 31 fail -> 3 of 5.
    Case(
        "repeated-header-rows",
        "repeated-header.csv",
        rows=(6, 5, 1),
        counts={"greet-60s": (5, 3, 2, 0), "hold-30s": (5, 3, 2, 0)},
        rejects=((5, "repeated header row"),),
    ),
    # only text columns are read, so no type check would catch the repeated headers:
    # lines 4 and 6 rejected; channels phone, desk, fax, phone -> 3 of 4 known.
    Case(
        "repeated-header-rows-text-only",
        "repeated-header-text.csv",
        standards="text-only.yaml",
        rows=(6, 4, 2),
        counts={"known-channel": (4, 3, 1, 0)},
        rejects=((4, "repeated header row"), (6, "repeated header row")),
        branches={"known-channel": {"North": (2, 2, 0, 0), "South": (2, 1, 1, 0)}},
    ),
    # records: lines 2-3 (greet 30, hold 10), 4-6 (120 s, 45), 7 "yesterday" (rejected at its
    # physical line 7), 8-9 (59 s, 5).
    Case(
        "quoted-newlines",
        "quoted-newlines.csv",
        rows=(4, 3, 1),
        counts={"greet-60s": (3, 2, 1, 0), "hold-30s": (3, 2, 1, 0)},
        rejects=((7, 'column "arrived_at": cannot read "yesterday" as a timestamp'),),
    ),
    # arrived_at: 4 ISO 8601 forms (naive, +01:00, Z, .000Z) make the column a timestamp; the
    # local-format and epoch values on lines 6 and 7 are rejected. greet: 30, 45 (10:00+01:00 is
    # 09:00Z), 70, 5 -> 3 of 4.
    Case(
        "timestamps-in-several-formats",
        "timestamps-mixed.csv",
        rows=(6, 4, 2),
        counts={"greet-60s": (4, 3, 1, 0), "hold-30s": (4, 4, 0, 0)},
        rejects=(
            (6, 'cannot read "03/03/2025 09:00" as a timestamp'),
            (7, 'cannot read "1740992400" as a timestamp'),
        ),
    ),
    # line 3 has 6 fields, line 4 has 4: both rejected. Rows 1 and 4: hold 10, 31.
    Case(
        "wrong-field-counts",
        "wrong-field-count.csv",
        rows=(4, 2, 2),
        counts={"greet-60s": (2, 2, 0, 0), "hold-30s": (2, 1, 1, 0)},
        rejects=((3, "expected 5, found 6"), (4, "expected 5, found 4")),
    ),
    # blank lines are not records: greet 30, 90; hold 10, 40.
    Case(
        "blank-lines",
        "blank-lines.csv",
        rows=(2, 2, 0),
        counts={"greet-60s": (2, 1, 1, 0), "hold-30s": (2, 1, 1, 0)},
    ),
    # a quote that never closes is read as a literal character (branch `"North`), not as a
    # field swallowing the rest of the file.
    Case(
        "unclosed-quote",
        "unclosed-quote.csv",
        rows=(2, 2, 0),
        counts={"greet-60s": (2, 2, 0, 0), "hold-30s": (2, 1, 1, 0)},
        branches={"hold-30s": {'"North': (1, 1, 0, 0), "North": (1, 0, 1, 0)}},
    ),
    # line 2 is cut short: rejected; rows 1 and 3: greet 30, 90; hold 10, 40.
    Case(
        "jsonl-broken-line",
        "bad-line.jsonl",
        rows=(3, 2, 1),
        counts={"greet-60s": (2, 1, 1, 0), "hold-30s": (2, 1, 1, 0)},
        rejects=((2, "malformed JSON"),),
    ),
    # greet (limit 60 s: implausible when < 0 or > 1 day): -5 s, 40 days, 20 s, 0 s, exactly
    # 1 day, 1 day + 1 s -> implausible 3 (unmeasured), passed 2 (20 s, 0 s), failed 1 (1 day).
    # hold (30 s, same 1-day bound): -5, 3456000 (40 days), 20, 0, 86400, 86401 -> the same.
    Case(
        "negative-and-absurd-durations",
        "implausible-durations.csv",
        rows=(6, 6, 0),
        counts={"greet-60s": (6, 2, 1, 3), "hold-30s": (6, 2, 1, 3)},
        implausible={"greet-60s": 3, "hold-30s": 3},
    ),
    # Unix time, seconds and milliseconds mixed (1740992400 is 2025-03-03 09:00:00 UTC):
    # greet s->s 30 s, ms->ms 90 s, s->ms 0.5 s, ms->s 60 s -> 3 of 4; hold 10, 10, 40, 20.
    Case(
        "epoch-seconds-and-milliseconds",
        "epoch-seconds-and-milliseconds.csv",
        rows=(4, 4, 0),
        counts={"greet-60s": (4, 3, 1, 0), "hold-30s": (4, 3, 1, 0)},
    ),
    # ids 1 (twice, identical) and 3 (three times): every row kept and counted, 3 rows repeat
    # an id and are listed. greet 30, 90, 30, 20, 70, 20 -> 4 of 6; hold 10, 40, 10, 20,
    # 20, 20 -> 5 of 6.
    Case(
        "duplicate-interaction-ids",
        "duplicate-ids.csv",
        rows=(6, 6, 0),
        counts={"greet-60s": (6, 4, 2, 0), "hold-30s": (6, 5, 1, 0)},
        duplicate_ids=(("3", 3), ("1", 2)),
    ),
    # branch names are data: kept exactly, whatever characters they hold.
    # greet: row 2 is 61 s (fail); hold: row 7 is 31 s (fail).
    Case(
        "unicode-and-hostile-branch-names",
        "branches.csv",
        _unicode_branches,
        rows=(7, 7, 0),
        counts={"greet-60s": (7, 6, 1, 0), "hold-30s": (7, 6, 1, 0)},
        branches={
            "greet-60s": {
                "Łódź": (2, 1, 1, 0),
                "תל אביב": (1, 1, 0, 0),
                "O'Brien \"Pub\"": (1, 1, 0, 0),
                "<script>alert(1)</script>": (1, 1, 0, 0),
                "back`tick": (1, 1, 0, 0),
                "new\nline": (1, 1, 0, 0),
            }
        },
    ),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    calls: dict[str, Call] = {}
    for case in CASES:
        where = tmp_path_factory.mktemp(case.name)
        for name in ("standards.yaml", "text-only.yaml"):
            shutil.copy(CORPUS / name, where / name)
        if case.make is not None:
            case.make(where / case.log)
        else:
            shutil.copy(CORPUS / case.log, where / case.log)
        args = ("audit", case.log, "-s", case.standards, "--format", "json", *case.extra_args)
        calls[case.name] = Call(args, where)
    return run_batch(calls)


def test_corpus_size() -> None:
    """Keep the corpus growing: every static file is used by a case, and no case is lost."""
    used = {c.log for c in CASES if c.make is None} | {c.standards for c in CASES}
    static = {p.name for p in CORPUS.iterdir() if p.is_file()}
    assert static - used - {"standards.yaml"} == set()
    assert len({c.name for c in CASES}) == len(CASES) >= 34


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case: Case, results: dict[str, Result]) -> None:
    run = results[case.name]
    assert "Traceback" not in run.stderr + run.stdout
    assert "internal error" not in run.stderr
    if case.error:
        assert run.code == 2, (run.code, run.stderr)
        assert run.stdout == ""
        errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, run.stderr
        assert "(hint: " in errors[0], errors[0]
        for needle in case.error:
            assert needle in errors[0], (needle, errors[0])
        return
    assert run.code in (0, 1), (run.code, run.stderr)
    report = json.loads(run.stdout)
    rows = report["rows"]
    assert rows["read"] == rows["evaluated"] + rows["rejected"] + rows["merged"] + rows["outside"]
    assert (rows["read"], rows["evaluated"], rows["rejected"]) == case.rows
    assert len(report["rejects"]) == rows["rejected"]
    listed = [(r["line"], r["reason"]) for r in report["rejects"]]
    for line, needle in case.rejects:
        assert any(n == line and needle in reason for n, reason in listed), (line, needle, listed)
    assert len(listed) == len(case.rejects)
    for std in report["standards"]:
        got = (std["in_scope"], std["passed"], std["failed"], std["unmeasured"])
        assert got[0] == got[1] + got[2] + got[3]
        if std["id"] in case.counts:
            assert got == case.counts[std["id"]], std["id"]
        if std["id"] in case.branches:
            by_branch = {
                b["branch"]: (b["in_scope"], b["passed"], b["failed"], b["unmeasured"])
                for b in std["branches"]
            }
            assert by_branch == case.branches[std["id"]]
        assert std["implausible"] == case.implausible.get(std["id"], 0), std["id"]
    repeated = tuple((d["id"], d["rows"]) for d in report["duplicates"]["ids"])
    assert repeated == case.duplicate_ids
    assert report["duplicates"]["rows"] == sum(n - 1 for _, n in case.duplicate_ids)
    breached = any(s["status"] == "breached" for s in report["standards"])
    assert run.code == (1 if breached else 0)
