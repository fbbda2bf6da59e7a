"""line_layout: mixed line ends, and which line limit DuckDB reads a file with."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from svcaudit.sources.files import MAX_LINE_BYTES, SHORT_LINE_BYTES, line_layout

SHORT_LINES = b"id,note\n" + b"1,hello\n" * 2_000_000  # 16 MB of short lines


@pytest.mark.parametrize(
    ("content", "mixed", "limit"),
    [
        (SHORT_LINES, False, SHORT_LINE_BYTES),
        (SHORT_LINES.replace(b"\n", b"\r\n"), False, SHORT_LINE_BYTES),
        (b"id,note\r\n1,a\n2,b\r\n", True, SHORT_LINE_BYTES),
        (b"id,note\r1,a\r\n", True, SHORT_LINE_BYTES),
        (b"id,note\n1,a\r", True, SHORT_LINE_BYTES),  # a CR at the very end is a line end
        # one line of 9 MB: it holds a whole 4 MB chunk with no line end
        (b"id,note\n1," + b"x" * 9_000_000 + b"\n2,b\n", False, MAX_LINE_BYTES),
        # 9 MB inside one quoted field, over many short lines: DuckDB counts the record
        (b'id,note\n1,"' + b"line\n" * 1_800_000 + b'"\n2,b\n', False, MAX_LINE_BYTES),
        # quotes that open and close on every line do not look like one long field
        (b"id,note\n" + b'1,"said ""hi"""\n' * 1_000_000, False, SHORT_LINE_BYTES),
        # this 7 MB line holds no whole chunk (lines of 4-8 MB may): the short limit reads it
        (b"id,note\n1," + b"x" * 7_000_000 + b"\n", False, SHORT_LINE_BYTES),
    ],
)
def test_line_layout(tmp_path: Path, content: bytes, mixed: bool, limit: int) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(content)
    assert line_layout(path, False) == (mixed, limit)
    packed = tmp_path / "log.csv.gz"
    packed.write_bytes(gzip.compress(content, compresslevel=1))
    assert line_layout(packed, True) == (mixed, limit)
