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
