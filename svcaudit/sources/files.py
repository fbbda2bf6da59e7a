"""Find the log files an audit reads and tell their format."""

from __future__ import annotations

import glob
import gzip
import shutil
import sys
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from svcaudit.errors import Location, SvcauditError


class LogFormat(StrEnum):
    """The file formats svcaudit reads (each possibly gzip-compressed, except Parquet)."""

    CSV = "csv"
    TSV = "tsv"
    JSONL = "jsonl"
    JSON = "json"
    PARQUET = "parquet"
    QUEUE_LOG = "queue_log"


_SUFFIXES = {
    ".csv": LogFormat.CSV,
    ".txt": LogFormat.CSV,
    ".tsv": LogFormat.TSV,
    ".tab": LogFormat.TSV,
    ".jsonl": LogFormat.JSONL,
    ".ndjson": LogFormat.JSONL,
    ".json": LogFormat.JSON,
    ".parquet": LogFormat.PARQUET,
    ".pq": LogFormat.PARQUET,
}


@dataclass(frozen=True)
class LogFile:
    """One input file: where it is, what it is called in messages, and its format."""

    path: str
    display: str
    format: LogFormat
    compressed: bool


def expand_inputs(args: list[str], *, stdin_format: LogFormat | None = None) -> list[LogFile]:
    """Turn command-line log arguments (paths, globs, ``-``) into files, checking they exist."""
    files: list[LogFile] = []
    for arg in args:
        if arg == "-":
            files.append(_stdin(stdin_format or LogFormat.CSV))
            continue
        matches = sorted(glob.glob(arg)) if glob.has_magic(arg) else [arg]
        if not matches:
            raise SvcauditError(
                "no file matches this pattern",
                location=Location(arg),
                hint="check the pattern; quote it so the shell does not expand it",
            )
        for match in matches:
            files.append(_log_file(match))
    return files


def _log_file(path: str) -> LogFile:
    p = Path(path)
    if not p.exists():
        raise SvcauditError("log file not found", location=Location(path), hint="check the path")
    if p.is_dir():
        raise SvcauditError(
            "is a directory, not a log file",
            location=Location(path),
            hint=f"pass the files, e.g. '{path}/*.csv'",
        )
    if p.stat().st_size == 0:
        raise SvcauditError(
            "log file is empty",
            location=Location(path),
            hint="the export produced no data; check the export's date range",
        )
    fmt, compressed = detect_format(p)
    if fmt != LogFormat.PARQUET:
        check_text(p, compressed, fmt)
    return LogFile(str(p), path, fmt, compressed)


def check_text(path: Path, compressed: bool, fmt: LogFormat) -> None:
    """Refuse binary data and UTF-16 early, with a hint, instead of a confusing parse."""
    try:
        if compressed:
            with gzip.open(path, "rb") as f:
                head = f.read(8192)
        else:
            with path.open("rb") as f:
                head = f.read(8192)
    except (OSError, EOFError) as e:
        raise SvcauditError(
            f"cannot read: {e}",
            location=Location(str(path)),
            hint="the file may be truncated or not really gzip",
        ) from None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SvcauditError(
            "the file is UTF-16 encoded",
            location=Location(str(path)),
            hint="save or export it as UTF-8 (with or without BOM)",
        )
    if b"\x00" in head:
        raise SvcauditError(
            f"binary data, not {fmt.value} text",
            location=Location(str(path)),
            hint="check that this is the export you meant, and its format",
        )


def detect_format(path: Path) -> tuple[LogFormat, bool]:
    """The format of a file from its suffix (``.csv.gz`` too), else from its first bytes."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    if compressed:
        suffixes = suffixes[:-1]
    if "queue_log" in path.name.lower():
        return LogFormat.QUEUE_LOG, compressed
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]], compressed
    with path.open("rb") as f:
        head = f.read(4)
    if head[:2] == b"\x1f\x8b":
        raise SvcauditError(
            "compressed file without a format suffix",
            location=Location(str(path)),
            hint="name it like export.csv.gz or export.jsonl.gz",
        )
    if head == b"PAR1":
        return LogFormat.PARQUET, False
    if head.lstrip()[:1] in (b"{", b"["):
        return LogFormat.JSONL, False
    return LogFormat.CSV, False


def _stdin(fmt: LogFormat) -> LogFile:
    """Copy standard input to a temporary file (DuckDB reads files), kept until exit."""
    with tempfile.NamedTemporaryFile(
        prefix="svcaudit-stdin-", suffix=f".{fmt.value}", delete=False
    ) as tmp:
        shutil.copyfileobj(sys.stdin.buffer, tmp)
    if Path(tmp.name).stat().st_size == 0:
        raise SvcauditError("standard input is empty", location=Location("<stdin>"))
    return LogFile(tmp.name, "<stdin>", fmt, False)
