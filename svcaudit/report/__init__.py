"""Reports: one Formatter class per output format, chosen through one registry."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from svcaudit.report.base import Formatter
from svcaudit.report.json import JsonFormatter
from svcaudit.report.table import TableFormatter


class OutputFormat(StrEnum):
    """The values of ``--format``."""

    TABLE = "table"
    JSON = "json"

    def formatter(self) -> Formatter:
        """The formatter that renders this format."""
        match self:
            case OutputFormat.TABLE:
                return TableFormatter()
            case OutputFormat.JSON:
                return JsonFormatter()
            case _:
                assert_never(self)

    @classmethod
    def from_suffix(cls, path: str) -> OutputFormat | None:
        """The format an output file's suffix implies (``.json`` -> json), if any."""
        suffixes = {".json": cls.JSON, ".txt": cls.TABLE}
        for suffix, fmt in suffixes.items():
            if path.lower().endswith(suffix):
                return fmt
        return None


__all__ = ["Formatter", "OutputFormat"]
