"""Find the log files an audit reads and tell their format."""

from __future__ import annotations

import atexit
import codecs
import contextlib
import errno
import glob
import gzip
import os
import shutil
import stat
import sys
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from svcaudit.errors import Location, SvcauditError

HEAD_BYTES = 1 << 16
#: A gzip log may expand to at most this many times its compressed size once past
#: ``GZIP_FLOOR`` bytes: exports compress 5-20 times, a gzip bomb (1 MB of blank lines
#: expanding to 1 GB) about 1,000 times; ``gunzip`` such a file to audit it anyway.
MAX_GZIP_RATIO = 200
GZIP_FLOOR = 64 << 20
MAX_LINE_BYTES = 32 << 20  # DuckDB's default (2 MB) stops on long free-text fields


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
    max_line_bytes: int = MAX_LINE_BYTES  # DuckDB's line limit: lower when none is longer


#: DuckDB's CSV reader allocates its buffers by its line limit: 32 MB (its default of 2 MB
#: stops on long free-text fields) made reading a CSV file 1.7x slower than 8 MB, so files
#: without a line that long are read with the smaller limit.
SHORT_LINE_BYTES = 8 << 20
_CHUNK = SHORT_LINE_BYTES // 2  # a line of 8 MB or more holds a whole chunk of 4 MB


def expand_inputs(
    args: list[str], *, stdin_format: LogFormat | None = None, fmt: LogFormat | None = None
) -> list[LogFile]:
    """Turn command-line log arguments (paths, globs, ``-``) into files, checking they exist.
    ``fmt`` (a profile's own format) is every file's format, whatever its name says."""
    files: list[LogFile] = []
    for arg in args:
        if arg == "-":
            files.append(_stdin(fmt or stdin_format or LogFormat.CSV))
            continue
        matches = log_paths(arg)
        if not matches:
            raise SvcauditError(
                "no file matches this pattern",
                location=Location(arg),
                hint="check the pattern; quote it so the shell does not expand it",
            )
        for match in matches:
            _literal_name(match)
            files.append(_log_file(match, fmt))
    return files


def log_paths(arg: str) -> list[str]:
    """The paths one log argument names: a pattern expanded (``exports/*.csv``), unless a
    file exists by that very name (``export[1].csv`` must never read ``export1.csv``)."""
    if glob.has_magic(arg) and not os.path.lexists(arg):
        return sorted(glob.glob(arg))
    return [arg]


def _literal_name(path: str) -> None:
    """DuckDB's readers expand ``[``, ``*`` and ``?`` in a file name, so a file named with
    them cannot be read as itself: refused, rather than another file read in its place."""
    if glob.has_magic(path):
        raise SvcauditError(
            "a file whose name holds [, * or ? cannot be read as named (the reader would take "
            "the name as a pattern)",
            location=Location(path),
            hint="rename the file, or copy it to a name without those characters",
        )


def _log_file(path: str, forced: LogFormat | None = None) -> LogFile:
    try:
        return _checked_log_file(path, forced)
    except PermissionError as e:  # the file, or a directory on its way without search (x)
        raise SvcauditError(
            "permission denied" + (f" ({e.filename})" if e.filename != path else ""),
            location=Location(path),
            hint="check the permissions of the file and of every directory above it "
            "(ls -ld each; a directory needs x to be passed through)",
        ) from None


def _checked_log_file(path: str, forced: LogFormat | None = None) -> LogFile:
    p = Path(path)
    if not p.exists():
        raise SvcauditError("log file not found", location=Location(path), hint="check the path")
    if p.is_dir():
        raise SvcauditError(
            "is a directory, not a log file",
            location=Location(path),
            hint=f"pass the files, e.g. '{path}/*.csv'",
        )
    mode = p.stat().st_mode
    if not stat.S_ISREG(mode):  # a pipe or a device has no size to call empty
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "a character device"
            if stat.S_ISCHR(mode)
            else "a block device"
            if stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise SvcauditError(
            f"is {kind}, not a log file: svcaudit reads a log more than once, so it needs a "
            "regular file",
            location=Location(path),
            hint=f"save it to a file first, or pipe it in as standard input: svcaudit audit - "
            f"... < {path}"
            if stat.S_ISFIFO(mode)
            else "pass the export file itself",
        )
    if p.stat().st_size == 0:
        raise SvcauditError(
            "log file is empty",
            location=Location(path),
            hint="the export produced no data; check the export's date range",
        )
    fmt, compressed = detect_format(p, forced)
    if fmt != LogFormat.PARQUET:
        check_text(p, compressed, fmt)
    return _laid_out(p, path, fmt, compressed)


def _laid_out(path: Path, display: str, fmt: LogFormat, compressed: bool) -> LogFile:
    """The log to read: for line-based formats with the line limit its lines need, and a
    normalised copy when line ends are mixed (JSON takes any line end)."""
    if fmt not in (LogFormat.CSV, LogFormat.TSV, LogFormat.QUEUE_LOG, LogFormat.JSONL):
        if compressed:
            _check_expansion(path)
        return LogFile(str(path), display, fmt, compressed)
    mixed, longest = line_layout(path, compressed)
    if mixed and fmt != LogFormat.JSONL:
        return LogFile(normalised_copy(path, compressed), display, fmt, False, longest)
    return LogFile(str(path), display, fmt, compressed, longest)


ICONV_HINT = "convert it to UTF-8 first, e.g. iconv -f {enc} -t UTF-8 {name} > {stem}-utf8{suffix}"


def _iconv_hint(path: Path, encoding: str) -> str:
    if str(path) == "<stdin>":
        return f"pipe it through iconv -f {encoding} -t UTF-8 first"
    suffix = "".join(path.suffixes) or ".csv"
    stem = path.name[: len(path.name) - len(suffix)] if path.suffixes else path.name
    return ICONV_HINT.format(enc=encoding, name=path.name, stem=stem, suffix=suffix)


def _utf16_without_bom(head: bytes) -> str | None:
    """'UTF-16LE'/'UTF-16BE' when text looks like UTF-16 without a byte-order mark."""
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even = sum(1 for b in head[0 : 2 * pairs : 2] if b == 0)
    odd = sum(1 for b in head[1 : 2 * pairs : 2] if b == 0)
    if odd >= 0.6 * pairs and even <= 0.05 * pairs:
        return "UTF-16LE"
    if even >= 0.6 * pairs and odd <= 0.05 * pairs:
        return "UTF-16BE"
    return None


def _not_utf8_at(head: bytes, complete: bool) -> int | None:
    """The offset of the first byte that is not UTF-8 (None when the head decodes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=complete)
    except UnicodeDecodeError as e:
        return e.start
    return None


def check_text(path: Path, compressed: bool, fmt: LogFormat, display: str | None = None) -> None:
    """Refuse binary data, UTF-16 and other non-UTF-8 text early, with a hint.

    Only the first 64 KiB are checked here; a row further on that is not UTF-8 is rejected
    with its line number when the file is read. ``display`` names the file in messages.
    """
    name = display or str(path)
    try:
        if compressed:
            with gzip.open(path, "rb") as f:
                head = f.read(HEAD_BYTES)
                complete = len(head) < HEAD_BYTES
        else:
            with path.open("rb") as f:
                head = f.read(HEAD_BYTES)
                complete = len(head) < HEAD_BYTES
    except PermissionError:
        raise SvcauditError(
            "permission denied: the log cannot be read",
            location=Location(name),
            hint="check the file's permissions (ls -l); it must be readable by this user",
        ) from None
    except (OSError, EOFError, zlib.error) as e:
        raise SvcauditError(
            f"cannot read: {e}",
            location=Location(name),
            hint="the file may be truncated or not really gzip",
        ) from None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or _utf16_without_bom(head):
        encoding = _utf16_without_bom(head) or "UTF-16"
        raise SvcauditError(
            f"the file is {encoding} encoded; svcaudit reads UTF-8",
            location=Location(name),
            hint=_iconv_hint(Path(name), "UTF-16") + " (or export it again as UTF-8)",
        )
    if b"\x00" in head:
        raise SvcauditError(
            f"binary data, not {fmt.value} text",
            location=Location(name),
            hint="check that this is the export you meant, and its format",
        )
    bad = _not_utf8_at(head, complete)
    if bad is not None:
        line = head.count(b"\n", 0, bad) + 1
        raise SvcauditError(
            f"the file is not UTF-8: byte 0x{head[bad]:02X} cannot be read as UTF-8 "
            "(probably Latin-1 or Windows-1252)",
            location=Location(name, line),
            hint=_iconv_hint(Path(name), "WINDOWS-1252"),
        )


def _ratio_guard(stream: gzip.GzipFile, out: int, path: Path) -> None:
    """Refuse a gzip stream that expands more than ``MAX_GZIP_RATIO`` times (past the floor)."""
    if out <= GZIP_FLOOR:
        return
    raw = stream.fileobj
    tell = getattr(raw, "tell", None)
    consumed = max(1, int(tell()) if callable(tell) else 1)
    if out > MAX_GZIP_RATIO * consumed:
        raise SvcauditError(
            f"the gzip file expands more than {MAX_GZIP_RATIO} times its size "
            f"({consumed:,} bytes gave over {out:,}): refused as a likely gzip bomb",
            location=Location(str(path)),
            hint=f"if it is a real export, decompress it first (gunzip -k {path.name}) "
            "and audit the plain file",
        )


def _check_expansion(path: Path) -> None:
    """One pass over a gzip file that is not line-based (JSON), guarding its expansion."""
    out = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                out += len(chunk)
                _ratio_guard(stream, out, path)
    except (OSError, EOFError, zlib.error):
        return  # reported with its reason when the file is read


def line_layout(path: Path, compressed: bool) -> tuple[bool, int]:
    """Whether lines end in more than one way (CRLF, LF alone, CR alone), and the line limit
    to read the file with: ``SHORT_LINE_BYTES`` unless a 4 MB chunk holds no line end or lies
    inside one quoted field (DuckDB's limit is on records, which may span lines).

    One streaming pass, stopping once both are known; a chunk without CR (``memchr``) needs
    no counting, so this reads about as fast as the disk.
    """
    kinds: set[str] = set()
    limit = SHORT_LINE_BYTES
    quoted = False  # whether a chunk starts inside a quoted field
    carry = b""
    opener = gzip.open if compressed else open
    out = 0
    try:
        with opener(path, "rb") as stream:
            while len(kinds) < 2 or limit == SHORT_LINE_BYTES or compressed:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                if isinstance(stream, gzip.GzipFile):
                    out += len(chunk)
                    _ratio_guard(stream, out, path)
                quotes = chunk.count(b'"')
                if len(chunk) == _CHUNK and (
                    (b"\n" not in chunk and b"\r" not in chunk) or (quoted and not quotes)
                ):  # one long line, or the middle of a quoted field with many lines
                    limit = MAX_LINE_BYTES
                quoted ^= quotes % 2 == 1  # "" (an escaped quote) keeps the parity
                chunk = carry + chunk
                carry = b""
                if chunk.endswith(b"\r"):  # its LF may start the next chunk
                    carry, chunk = b"\r", chunk[:-1]
                if b"\r" not in chunk:
                    if b"\n" in chunk:
                        kinds.add("LF")
                    continue
                n_crlf = chunk.count(b"\r\n")
                for kind, n in (
                    ("CRLF", n_crlf),
                    ("LF", chunk.count(b"\n") - n_crlf),
                    ("CR", chunk.count(b"\r") - n_crlf),
                ):
                    if n:
                        kinds.add(kind)
    except (OSError, EOFError, zlib.error) as e:
        raise SvcauditError(
            f"cannot read: {e}",
            location=Location(str(path)),
            hint="the file may be truncated or not really gzip",
        ) from None
    if carry:
        kinds.add("CR")
    return len(kinds) > 1, limit


def first_long_line(path: Path, compressed: bool, limit: int) -> int | None:
    """The 1-based number of the first physical line longer than ``limit`` bytes (its end
    not counted), or None: DuckDB names the line its sniffer was on (often 1), not this one.
    One streaming pass, stopping at that line."""
    line, length = 1, 0
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                start = 0
                while (end := chunk.find(b"\n", start)) != -1:
                    length += end - start
                    if length - (chunk[end - 1 : end] == b"\r") > limit:
                        return line
                    line, length, start = line + 1, 0, end + 1
                length += len(chunk) - start
                if length > limit:
                    return line
    except (OSError, EOFError, zlib.error):
        return None
    return None


def normalised_copy(path: Path, compressed: bool) -> str:
    """A temporary copy with every line ending in LF (removed when the process exits).

    DuckDB's CSV reader stops on a file that mixes CRLF, LF and CR line ends (common in
    concatenated exports). Line numbers are unchanged, so rejects still point at the original.
    """
    opener = gzip.open if compressed else open
    with _temporary_space():
        fd, tmp = tempfile.mkstemp(prefix="svcaudit-lines-", suffix=".csv")
        atexit.register(_remove, tmp)
        _normalise(path, opener, fd)
    return tmp


def _normalise(path: Path, opener: Any, fd: int) -> None:
    with opener(path, "rb") as src, os.fdopen(fd, "wb") as dst:
        carry = b""
        while True:
            chunk = src.read(1 << 22)
            if not chunk:
                dst.write(carry.replace(b"\r", b"\n"))
                break
            chunk = carry + chunk
            carry = b""
            if chunk.endswith(b"\r"):
                carry, chunk = b"\r", chunk[:-1]
            dst.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))


@contextlib.contextmanager
def _temporary_space() -> Iterator[None]:
    """A temporary copy that does not fit is exit 2 naming the directory, never a crash."""
    try:
        yield
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise SvcauditError(
            "no space left for a temporary copy of the log",
            location=Location(tempfile.gettempdir()),
            hint="free some space there, or point TMPDIR at a larger disk",
        ) from None


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def detect_format(path: Path, forced: LogFormat | None = None) -> tuple[LogFormat, bool]:
    """The format of a file from its suffix (``.csv.gz`` too), else from its first bytes;
    ``forced`` (a profile's format) whatever the name says (``.gz`` still decompresses)."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    if compressed:
        suffixes = suffixes[:-1]
    if forced is not None:
        return forced, compressed
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
    with (
        _temporary_space(),
        tempfile.NamedTemporaryFile(
            prefix="svcaudit-stdin-", suffix=f".{fmt.value}", delete=False
        ) as tmp,
    ):
        atexit.register(_remove, tmp.name)  # before the copy, which a signal may cut short
        shutil.copyfileobj(sys.stdin.buffer, tmp)
    if Path(tmp.name).stat().st_size == 0:
        raise SvcauditError("standard input is empty", location=Location("<stdin>"))
    if fmt != LogFormat.PARQUET:
        check_text(Path(tmp.name), False, fmt, "<stdin>")
    return _laid_out(Path(tmp.name), "<stdin>", fmt, False)
