"""How wide a log may be: at most ``MAX_COLUMNS`` columns, checked before DuckDB reads it.

Every column is typed from a sample, and DuckDB's CSV sniffer ran out of memory on a header of
10,000 columns (60 KB of file); JSON with 100,000 keys took 40 s to describe. The first record
of a CSV, TSV or JSON Lines file is counted in Python first (its header, or its keys), and the
detected columns again after DuckDB's description (``LogReader.schema``).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
from typing import Any

from svcaudit.errors import Location, SvcauditError
from svcaudit.sources.files import LogFile, LogFormat

#: 1,000 columns take about 10 s to type; a vendor export has a few hundred.
MAX_COLUMNS = 1_000
_FIRST_BYTES = 16 << 20  # the first record is looked for in this much of the file


def too_wide(count: int, where: str) -> SvcauditError:
    """The error for a log of ``count`` columns."""
    return SvcauditError(
        f"the log has {count:,} columns; svcaudit reads at most {MAX_COLUMNS:,}",
        location=Location(where),
        hint='keep the columns the standards use (e.g. duckdb -c "COPY (SELECT ...) '
        "TO 'narrow.csv'\") and audit that",
    )


def _leaves(value: Any) -> int:
    """Flattened keys of a JSON object (a nested object's keys count one each)."""
    if not isinstance(value, dict):
        return 1
    return sum(_leaves(v) for v in value.values()) or 1


def first_record_width(f: LogFile) -> int | None:
    """Columns of the first record of a CSV, TSV or JSON Lines file; None when it cannot be
    told cheaply (another format, no complete record in the first 16 MB, unreadable text):
    DuckDB's own description is checked in any case."""
    if f.format not in (LogFormat.CSV, LogFormat.TSV, LogFormat.JSONL):
        return None
    opener = gzip.open if f.compressed else open
    try:
        with opener(f.path, "rb") as stream:
            head = stream.read(_FIRST_BYTES)
        text = head.decode("utf-8-sig", errors="replace")
        if f.format == LogFormat.JSONL:
            line = next((x for x in text.splitlines() if x.strip()), "")
            return _leaves(json.loads(line)) if line else None
        rows = csv.reader(io.StringIO(text), delimiter="\t" if f.format == LogFormat.TSV else ",")
        first = next(itertools.islice(rows, 1), None)
        return len(first) if first else None
    except (OSError, EOFError, ValueError, RecursionError, csv.Error):
        return None
