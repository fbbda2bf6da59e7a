"""Reports: one Formatter class per output format, chosen through one registry."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from svcaudit.report.base import Formatter
from svcaudit.report.github import GithubFormatter
from svcaudit.report.html import HtmlFormatter
from svcaudit.report.json import JsonFormatter
from svcaudit.report.junit import JunitFormatter
from svcaudit.report.markdown import MarkdownFormatter
from svcaudit.report.table import TableFormatter


class OutputFormat(StrEnum):
    """The values of ``--format``."""

    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    GITHUB = "github"
    HTML = "html"

    @property
    def needs_details(self) -> bool:
        """The report shows measure distributions and the worst breaching interactions."""
        return self == OutputFormat.HTML

    def formatter(self) -> Formatter:
        """The formatter that renders this format."""
        match self:
            case OutputFormat.TABLE:
                return TableFormatter()
            case OutputFormat.JSON:
                return JsonFormatter()
            case OutputFormat.JUNIT:
                return JunitFormatter()
            case OutputFormat.MARKDOWN:
                return MarkdownFormatter()
            case OutputFormat.GITHUB:
                return GithubFormatter()
            case OutputFormat.HTML:
                return HtmlFormatter()
            case _:
                assert_never(self)

    @classmethod
    def from_suffix(cls, path: str) -> OutputFormat | None:
        """The format an output file's suffix implies (``.json`` -> json), if any."""
        suffixes = {
            ".json": cls.JSON,
            ".xml": cls.JUNIT,
            ".md": cls.MARKDOWN,
            ".markdown": cls.MARKDOWN,
            ".txt": cls.TABLE,
            ".html": cls.HTML,
            ".htm": cls.HTML,
        }
        for suffix, fmt in suffixes.items():
            if path.lower().endswith(suffix):
                return fmt
        return None


__all__ = ["Formatter", "OutputFormat"]
