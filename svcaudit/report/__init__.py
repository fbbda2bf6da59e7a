"""Reports: one Formatter class per output format, chosen through one registry.

Each format declares itself (``name``, ``suffixes``, ``needs``: see ``base.Formatter``);
``FORMATTERS`` lists them, and the ``--format`` choices, the format an output's suffix
implies, the ``format:`` values a config file accepts and the help texts all come from it.
A new format is one module and one entry below.
"""

from __future__ import annotations

from collections.abc import Iterable

from svcaudit.report.base import WORST_SHOWN, Formatter, Needs
from svcaudit.report.github import GithubFormatter
from svcaudit.report.html import HtmlFormatter
from svcaudit.report.json import JsonFormatter
from svcaudit.report.junit import JunitFormatter
from svcaudit.report.markdown import MarkdownFormatter
from svcaudit.report.table import TableFormatter


def registry(formats: Iterable[type[Formatter]]) -> dict[str, type[Formatter]]:
    """Formats by name, in the order given; a name or a suffix used twice is an error."""
    by_name: dict[str, type[Formatter]] = {}
    by_suffix: dict[str, str] = {}
    for cls in formats:
        if not cls.name or cls.name != cls.name.strip().lower():
            raise ValueError(f"{cls.__name__}: a format's name is lower case, e.g. 'json'")
        if cls.name in by_name:
            raise ValueError(f"format '{cls.name}' is registered twice")
        for suffix in cls.suffixes:
            if not suffix.startswith(".") or suffix != suffix.lower():
                raise ValueError(f"format '{cls.name}': suffix '{suffix}' is not like '.json'")
            if suffix in by_suffix:
                raise ValueError(
                    f"suffix '{suffix}' is claimed by '{by_suffix[suffix]}' and '{cls.name}'"
                )
            by_suffix[suffix] = cls.name
        by_name[cls.name] = cls
    return by_name


#: Every output format, by name, in the order help texts list them
FORMATTERS: dict[str, type[Formatter]] = registry(
    [
        TableFormatter,
        JsonFormatter,
        JunitFormatter,
        MarkdownFormatter,
        GithubFormatter,
        HtmlFormatter,
    ]
)
#: The format of a report printed without --format or an --output suffix that implies one
DEFAULT_FORMAT = TableFormatter.name


def format_names() -> list[str]:
    """The formats' names, in the registry's order."""
    return list(FORMATTERS)


def formatter(name: str) -> Formatter:
    """The formatter of a registered format."""
    return FORMATTERS[name]()


def format_of_path(path: str) -> str | None:
    """The format an output file's suffix implies (``.json`` -> json), if any: the longest
    registered suffix the name ends with, in any case."""
    lowered = path.lower()
    found = [(s, name) for name, cls in FORMATTERS.items() for s in cls.suffixes]
    matches = [(len(s), name) for s, name in found if lowered.endswith(s)]
    return max(matches)[1] if matches else None


def one_of(names: Iterable[str]) -> str:
    """``'table', 'json' or 'html'``."""
    quoted = [f"'{n}'" for n in names]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


__all__ = [
    "DEFAULT_FORMAT",
    "FORMATTERS",
    "WORST_SHOWN",
    "Formatter",
    "Needs",
    "format_names",
    "format_of_path",
    "formatter",
    "one_of",
    "registry",
]
