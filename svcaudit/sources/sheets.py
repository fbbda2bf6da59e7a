"""Checklist sheets: CSV files and Excel workbooks read as rows of text cells.

An inspection log or evaluation export is a spreadsheet: a header row, then one row per visit
(or per answer). Cells come back as text exactly as written ("" for an empty cell), with the
row number a person sees in the file, so every answer that cannot be read can be shown with
its sheet, row and column. Excel workbooks are read with python-calamine (a Rust reader; see
``bench/README.md`` for the measurement against openpyxl).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from sys import intern  # a sheet repeats a few words millions of times: one object each

from svcaudit.errors import Location, SvcauditError, did_you_mean

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class BrokenRow:
    """A record of a CSV sheet that could not be read as a row (wrong number of cells)."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class Sheet:
    """A sheet's header and rows of text cells, with each row's number in the file."""

    path: str
    name: str | None  # the Excel sheet's name; None for CSV
    header: tuple[str, ...]
    rows: list[list[str]]
    lines: list[int]  # each row's number in the file (as a spreadsheet numbers it)
    broken: tuple[BrokenRow, ...] = ()
    first_column: int = 0  # a workbook's first used column (0: A): cells are named from it

    @property
    def excel(self) -> bool:
        """Read from a workbook (cells are named by column letter)."""
        return self.name is not None

    def where(self, row: int, column: int) -> str:
        """A cell as a person finds it: ``visits.xlsx[Sheet1]!D14`` or ``visits.csv:14 (col)``."""
        if self.name is not None:
            letter = column_letter(self.first_column + column)
            return f"{self.path}[{self.name}]!{letter}{self.lines[row]}"
        return f"{self.path}:{self.lines[row]}, column {column + 1} ({self.header[column]})"

    def row_place(self, row: int) -> str:
        """A row as a person finds it: ``visits.xlsx[Sheet1]:14`` or ``visits.csv:14``."""
        name = f"[{self.name}]" if self.name is not None else ""
        return f"{self.path}{name}:{self.lines[row]}"

    def location(self, row: int | None = None, column: int | None = None) -> Location:
        """The cell (or the sheet) as an error location."""
        line = None if row is None else self.lines[row]
        return Location(self.path, line, None if column is None else column + 1)


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_sheet(path: str, sheet: str | None = None) -> Sheet:
    """Read a CSV file or a workbook's sheet (``sheet``, or the first) as text cells."""
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        return _read_excel(path, sheet)
    return _read_csv(path)


def _read_csv(path: str) -> Sheet:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SvcauditError(
            f"cannot read the sheet: {e.strerror}", location=Location(path)
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise SvcauditError(
            "the sheet is not UTF-8 text",
            location=Location(path, line),
            hint="save it as CSV UTF-8, or as .xlsx",
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    broken: list[BrokenRow] = []
    start = 1
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                start = reader.line_num + 1
                continue
            if header is None:
                header = [cell.strip() for cell in record]
            elif len(record) != len(header):
                broken.append(
                    BrokenRow(path, start, f"{len(record)} cells, the header has {len(header)}")
                )
            else:
                rows.append([intern(cell.strip()) for cell in record])
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as e:
        raise SvcauditError(
            f"the sheet cannot be read as CSV: {e}", location=Location(path, reader.line_num)
        ) from None
    if header is None:
        raise SvcauditError("the sheet is empty", location=Location(path))
    return Sheet(path, None, tuple(header), rows, lines, tuple(broken))


def _read_excel(path: str, sheet: str | None) -> Sheet:
    from python_calamine import CalamineError, CalamineWorkbook  # noqa: PLC0415 (workbooks only)

    try:
        book = CalamineWorkbook.from_path(path)
    except FileNotFoundError:
        raise SvcauditError(
            "sheet not found", location=Location(path), hint="check the path"
        ) from None
    except (CalamineError, OSError, ValueError) as e:
        raise SvcauditError(
            f"cannot read the workbook: {e}", location=Location(path), hint="is it an .xlsx file?"
        ) from None
    names = list(book.sheet_names)
    if not names:
        raise SvcauditError("the workbook has no sheets", location=Location(path))
    name = sheet if sheet is not None else names[0]
    if name not in names:
        raise SvcauditError(
            f"the workbook has no sheet '{name}'",
            location=Location(path),
            hint=did_you_mean(name, names) or "its sheets: " + ", ".join(names),
        )
    found = book.get_sheet_by_name(name)
    first_column = found.start[1] if found.start else 0
    cells = found.iter_rows()  # from the first used column; a row at a time, interned
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, record in enumerate(cells, start=1):
        values = [intern(_text(v)) for v in record]
        if not any(values):
            continue
        if header is None:
            header = values
            while header and not header[-1]:
                header.pop()
            continue
        width = len(header)
        rows.append((values + [""] * width)[:width])
        lines.append(number)
    if header is None:
        raise SvcauditError(f"the sheet '{name}' is empty", location=Location(path))
    return Sheet(path, name, tuple(header), rows, lines, (), first_column)


def _text(value: object) -> str:
    """A cell's value as the text a person sees: 1.0 -> "1", TRUE -> "true"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()
