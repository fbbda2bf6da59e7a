"""``--format github``: GitHub Actions workflow commands that annotate the standards file.

Each breached standard becomes an ``::error`` (a warning-severity one a ``::warning``) pointing
at the standard's own line in its standards file, so the pull-request view shows it there.
GitHub shows at most 10 annotations of each level per step and drops the rest, so beyond 9 the
10th annotation of a level sums up the others; a final plain line gives the verdict. The
Markdown scorecard for ``GITHUB_STEP_SUMMARY`` is written by the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from svcaudit.report.base import Formatter, write_document
from svcaudit.report.spc_view import signal_lines
from svcaudit.report.summary import (
    Level,
    problems,
    regression_lines,
    repeats_text,
    rows_text,
    standard_message,
    verdict_text,
)
from svcaudit.score import Scorecard, StandardResult, Status

MAX_PER_LEVEL = 10


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str) -> str:
    """A path relative to the working directory (the repository root in a workflow)."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_posix()
    return Path(os.path.normpath(path)).as_posix()


def command(
    level: str, message: str, *, standard: StandardResult | None = None, title: str = ""
) -> str:
    """One workflow command line: ``::error file=...,line=...,title=...::message``."""
    props = []
    if standard is not None:
        props.append(f"file={_prop(_relative(standard.path))}")
        if standard.line is not None:
            props.append(f"line={standard.line}")
    if title:
        props.append(f"title={_prop(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_data(message)}"


def workflow_commands(card: Scorecard) -> list[str]:
    """The workflow commands for a scorecard, capped per level, then the verdict line."""
    by_level: dict[str, list[tuple[str, StandardResult | None, str]]] = {"error": [], "warning": []}
    for s in card.standards:
        if s.status == Status.BREACHED:
            by_level["error"].append((standard_message(s), s, s.id))
        elif s.status == Status.WARNING:
            by_level["warning"].append((standard_message(s), s, s.id))
    kinds = [(line, "regression") for line in regression_lines(card)]
    kinds += [(line, "consistency") for line in problems(card)]
    kinds += [(line, "special cause") for line in signal_lines(card)]
    for line, kind in kinds:
        if line.level in (Level.ERROR, Level.WARNING) and line.standard is not None:
            level = "error" if line.level == Level.ERROR else "warning"
            by_level[level].append((line.text, line.standard, f"{line.standard.id} {kind}"))
    repeats = repeats_text(card)
    out: list[str] = []
    if repeats is not None:
        out.append(command("warning", repeats, title="repeated interaction ids"))
    for level, items in by_level.items():
        shown = items if len(items) <= MAX_PER_LEVEL else items[: MAX_PER_LEVEL - 1]
        out += [command(level, msg, standard=s, title=title) for msg, s, title in shown]
        if len(items) > len(shown):
            rest = items[len(shown) :]
            ids = ", ".join(dict.fromkeys(title for _, _, title in rest))
            out.append(
                command(
                    level, f"... and {len(rest)} more {level}(s): {ids}", title=f"{len(rest)} more"
                )
            )
    out.append(f"svcaudit: {verdict_text(card)} ({rows_text(card)})")
    return out


class GithubFormatter(Formatter):
    """``--format github``: annotations on the standards file plus one verdict line."""

    name = "github"
    step_summary = True
    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the workflow commands, one per line."""
        write_document(console, "\n".join(workflow_commands(card)))
