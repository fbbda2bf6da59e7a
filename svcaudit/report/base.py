"""The interface every report format implements, and what a format declares about itself.

A format is one ``Formatter`` subclass in a module of its own that says, as class attributes,
its name (the value of ``--format``), the output suffixes that imply it (``-o report.json``)
and what the audit must compute for it (``needs``); ``svcaudit.report``
registers it, and the CLI's choices, suffix inference, config schema and help follow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Flag, auto
from typing import ClassVar

from rich.console import Console

from svcaudit.score import Scorecard

#: Breaching interactions per standard, in a report that needs them (``Needs.BREACHES``)
WORST_SHOWN = 10


class Needs(Flag):
    """What a report shows beyond the scorecard's counts: the audit computes these only for
    the reports that need them (each costs queries of its own)."""

    NOTHING = 0
    #: Each standard's measure distribution (histogram, percentiles)
    DISTRIBUTIONS = auto()
    #: Each standard's worst breaching interactions (``WORST_SHOWN`` of them)
    BREACHES = auto()
    #: Both: the report's details
    DETAILS = DISTRIBUTIONS | BREACHES


class Formatter(ABC):
    """Renders a scorecard onto a Rich console (the terminal, or a file-backed console)."""

    #: The format's name: the value of ``--format`` and the FORMAT of ``--report FORMAT:PATH``
    name: ClassVar[str] = ""
    #: Output file suffixes (lower case, with the dot) that imply this format, if any
    suffixes: ClassVar[tuple[str, ...]] = ()
    #: What the audit must compute for this report
    needs: ClassVar[Needs] = Needs.NOTHING
    #: True when the output is data for machines: no colour, no wrapping (and, printed on
    #: stdout, a note on stderr tells of rejected rows, which a person would not see there).
    machine_readable: ClassVar[bool] = False
    #: True when, under GitHub Actions (``$GITHUB_STEP_SUMMARY`` set), the Markdown
    #: scorecard is also appended to the job's step summary
    step_summary: ClassVar[bool] = False

    @abstractmethod
    def render(self, card: Scorecard, console: Console) -> None:
        """Write the report for ``card`` to ``console``."""


def write_document(console: Console, text: str) -> None:
    """A machine-readable report, ending in one line break, straight to the console's file:
    it is data, not markup (``Console.out`` would scan it for control codes, and drop them:
    16 s for the HTML report of 800 standards)."""
    console.file.write(text.rstrip("\n") + "\n")
    console.file.flush()
