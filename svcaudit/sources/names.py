"""One rule for repeated column names, in every format: a name may appear once per record,
compared without case (DuckDB's names ignore case, so ``Hold_Seconds`` and ``hold_seconds``
are one name). A CSV or TSV header, a JSON Lines record or a JSON object that repeats a name
is refused (exit 2) at its line, naming both spellings -- as DuckDB refuses a ``.json`` record
with a repeated key. Before, a CSV used the first of two ``hold_seconds`` silently, a JSON
Lines record kept the first value, and a case pair became an invented ``hold_seconds_1``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from typing import Any

import duckdb
from sqlglot import exp

from svcaudit.errors import Location, SvcauditError
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.sql import text_lines

_HEAD = 16 << 20  # a header is looked for in this much of the file


def repeated(names: Iterable[str]) -> tuple[str, str] | None:
    """The first name that repeats an earlier one (ignoring case): (earlier, later)."""
    seen: dict[str, str] = {}
    for name in names:
        key = name.casefold()
        if key in seen:
            return seen[key], name
        seen[key] = name
    return None


def repeated_error(pair: tuple[str, str], where: Location, what: str) -> SvcauditError:
    """The error for a record that names a column twice."""
    first, second = pair
    twice = (
        f"the column '{first}' twice"
        if first == second
        else f"the columns '{first}' and '{second}', one name once case is ignored"
    )
    return SvcauditError(
        f"the {what} names {twice}",
        location=where,
        hint="rename or drop one of them in the export; svcaudit never picks one silently",
    )


def check_header(f: LogFile) -> None:
    """A CSV or TSV header that repeats a name is an error at line 1."""
    if f.format not in (LogFormat.CSV, LogFormat.TSV):
        return
    opener = gzip.open if f.compressed else open
    try:
        with opener(f.path, "rb") as stream:
            text = stream.read(_HEAD).decode("utf-8-sig", errors="replace")
        delimiter = "\t" if f.format == LogFormat.TSV else ","
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), None)
    except (OSError, EOFError, ValueError, csv.Error):
        return  # DuckDB reports what is wrong with the file
    pair = repeated(h.strip() for h in header or [])
    if pair is not None:
        raise repeated_error(pair, Location(f.display, 1), "header")


def _pairs_hook(pairs: list[tuple[str, Any]]) -> None:
    pair = repeated(k for k, _ in pairs)
    if pair is not None:
        raise _RepeatedError(pair)


class _RepeatedError(Exception):
    def __init__(self, pair: tuple[str, str]) -> None:
        super().__init__(pair)
        self.pair = pair


def check_json_document(f: LogFile) -> None:
    """A ``.json`` document with an object that repeats a key (at any depth) is an error."""
    opener = gzip.open if f.compressed else open
    try:
        with opener(f.path, "rb") as stream:
            json.load(stream, object_pairs_hook=_pairs_hook)
    except _RepeatedError as e:
        raise repeated_error(e.pair, Location(f.display), "JSON document") from None
    except (OSError, EOFError, ValueError, RecursionError):
        return  # DuckDB reports a broken document


def check_json_lines(con: duckdb.DuckDBPyConnection, f: LogFile) -> None:
    """A JSON Lines record whose top-level keys repeat a name is an error at its line."""
    line = exp.column("__json")
    keys = exp.func("json_keys", line)
    lowered = exp.Anonymous(
        this="list_transform",
        expressions=[
            keys.copy(),
            exp.Lambda(
                this=exp.func("lower", exp.column("k")), expressions=[exp.to_identifier("k")]
            ),
        ],
    )
    bad = exp.and_(
        exp.func("json_valid", line),
        exp.func("starts_with", exp.func("ltrim", line), exp.Literal.string("{")),
        exp.NEQ(
            this=exp.func("len", keys),
            expression=exp.func("len", exp.func("list_distinct", lowered)),
        ),
    )
    query = exp.select(line).from_(text_lines(f)).where(bad).limit(1)
    try:
        found = con.sql(query.sql("duckdb")).fetchall()
    except duckdb.Error:
        return  # the reader reports what is wrong with the file
    if not found:
        return
    text = str(found[0][0])
    try:
        json.loads(text, object_pairs_hook=_pairs_hook)
    except _RepeatedError as e:
        raise repeated_error(e.pair, Location(f.display, _line_of(f, text)), "record") from None
    except ValueError:
        return


def _line_of(f: LogFile, text: str) -> int | None:
    """The first line of ``f`` that is ``text`` (only looked for once an error is certain)."""
    opener = gzip.open if f.compressed else open
    try:
        with opener(f.path, "rt", encoding="utf-8-sig", newline="") as stream:
            for number, line in enumerate(stream, 1):
                if line.rstrip("\r\n") == text:
                    return number
    except (OSError, EOFError, UnicodeDecodeError):
        pass
    return None
