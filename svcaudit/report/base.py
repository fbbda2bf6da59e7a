"""The interface every report format implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rich.console import Console

from svcaudit.score import Scorecard


class Formatter(ABC):
    """Renders a scorecard onto a Rich console (the terminal, or a file-backed console)."""

    #: True when the output is data for machines: no colour, no wrapping.
    machine_readable: bool = False

    @abstractmethod
    def render(self, card: Scorecard, console: Console) -> None:
        """Write the report for ``card`` to ``console``."""


def write_document(console: Console, text: str) -> None:
    """A machine-readable report, ending in one line break, straight to the console's file:
    it is data, not markup (``Console.out`` would scan it for control codes, and drop them:
    16 s for the HTML report of 800 standards)."""
    console.file.write(text.rstrip("\n") + "\n")
    console.file.flush()
