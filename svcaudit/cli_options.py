"""The options of ``svcaudit audit`` (and those ``explain`` shares): names, types and help.

Part of the command line (``svcaudit.cli``), kept apart so the commands read as what they do.
The ``--format`` choices come from the formats' registry (``svcaudit.report.FORMATTERS``).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from svcaudit.engines import engine_help
from svcaudit.errors import Location, SvcauditError
from svcaudit.report import DEFAULT_FORMAT, FORMATTERS, Needs, format_names
from svcaudit.score import FailOn
from svcaudit.sources.profiles import profile_help
from svcaudit.standards.spc_model import PeriodUnit
from svcaudit.units import POINTS_HINT, parse_points


def format_name(value: str) -> str:
    """A ``--format`` value: one of the registered formats (worded as for an enum option)."""
    if value not in FORMATTERS:
        raise ValueError(f"{value!r} is not one of {', '.join(map(repr, FORMATTERS))}.")
    return value


Logs = Annotated[list[str], typer.Argument(help="Log files or globs (- for standard input).")]
Standards = Annotated[
    list[str], typer.Option("--standards", "-s", help="Standards file (repeatable).")
]
Branch = Annotated[str | None, typer.Option(help="Column naming the branch (overrides `branch:`).")]
By = Annotated[
    str | None,
    typer.Option(
        help="Compare groups along other columns instead of branches: channel, "
        "or several as branch,channel."
    ),
]
Profile = Annotated[str | None, typer.Option(help=profile_help())]
Maps = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Use a source column as a logical one: LOGICAL=SOURCE, or declare how it is read: "
        "'LOGICAL={source: SOURCE, format: \"%d/%m/%Y\", time_zone: Europe/Warsaw}' "
        "(repeatable; over the config file's and the standards file's columns:, per key).",
    ),
]
FoldOption = Annotated[
    str | None,
    typer.Option(
        "--fold",
        help="An event log (one row per update): keep one row per KEY, the latest by "
        "LATEST_BY (a number or timestamp; ties: the later row in the file), as "
        "KEY:LATEST_BY (default: the standards file's `fold:`).",
    ),
]
Since = Annotated[
    str | None, typer.Option(help="Audit interactions that arrived on or after this date/time.")
]
Until = Annotated[
    str | None, typer.Option(help="... and before this time (a date includes that whole day).")
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help=f"Report format (default: from --output's suffix, else {DEFAULT_FORMAT}).",
        parser=format_name,
        metavar=f"<{'|'.join(format_names())}>",
    ),
]
Output = Annotated[
    str | None, typer.Option("--output", "-o", help="Write the report to this file.")
]
FailOnOption = Annotated[
    FailOn,
    typer.Option(
        help="Exit 1 on breached standards (fail), on warnings too (warn), never, or only on "
        "a concern signal of a control chart reaching the latest period (special-cause: "
        "needs --period)."
    ),
]
PeriodOption = Annotated[
    PeriodUnit | None,
    typer.Option(
        "--period",
        help="Also rate each standard by local day, ISO week, month or quarter, with "
        "control charts (default: the standards file's `period:`).",
    ),
]
Reports = Annotated[
    list[str] | None,
    typer.Option(
        "--report",
        help="Also write a report as FORMAT:PATH, e.g. json:out/audit.json (repeatable).",
    ),
]
Rejects = Annotated[
    str | None, typer.Option(help="Write rejected rows (file, line, reason) to this CSV.")
]
Violations = Annotated[
    str | None,
    typer.Option(help="Write every breaching interaction of every standard to this CSV."),
]
Baseline = Annotated[
    str | None,
    typer.Option(help="An earlier JSON report: show each rate's change since then."),
]
FailOnRegression = Annotated[
    str | None,
    typer.Option(
        help="Exit 1 when a rate fell by more than this since --baseline, e.g. 5pp "
        "(even if still above target)."
    ),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing on stdout; only the exit code.")
]
Redact = Annotated[
    list[str] | None,
    typer.Option(
        help="Show this column's values (e.g. agent, or the branch column) as keyed-hash "
        "tokens in every report and the violations file (repeatable; adds to `redact:`).",
    ),
]
Checklists = Annotated[
    list[str] | None,
    typer.Option(
        "--checklist",
        help="A checklist sheet (.csv or .xlsx) for the standards' `checklist:` (repeatable); "
        "a file with only a checklist takes its sheets as the logs.",
    ),
]
FromChecklist = Annotated[
    str | None,
    typer.Option(help="Write a checklist from this sheet's header row (.csv, .xlsx)."),
]
Sheet = Annotated[str | None, typer.Option(help="The workbook's sheet (default: first).")]
Engine = Annotated[str, typer.Option(help=engine_help())]
SparkMaster = Annotated[
    str | None,
    typer.Option(
        help="--engine spark: a master URL (local[4], spark://host:7077) or sc://host for "
        "Spark Connect (default: SPARK_REMOTE, else local[2])."
    ),
]


def group_columns(branch: str | None, by: str | None) -> tuple[str, ...]:
    """``--branch B`` or ``--by A,B`` as the columns results are grouped by (() : default)."""
    if branch and by:
        raise SvcauditError(
            "give --branch or --by, not both",
            location=Location("--by"),
            hint="--by branch,channel includes the branch column itself",
        )
    columns = tuple(c.strip() for c in by.split(",") if c.strip()) if by else ()
    return columns or ((branch,) if branch else ())


def parse_report(spec: str) -> tuple[str, str]:
    """``json:out/audit.json`` -> (json, out/audit.json)."""
    name, sep, path = spec.partition(":")
    choices = ", ".join(format_names())
    if not sep or not path:
        raise SvcauditError(
            f"--report '{spec}' needs FORMAT:PATH",
            location=Location("--report"),
            hint=f"e.g. json:out/audit.json; formats: {choices}",
        )
    fmt = name.strip().lower()
    if fmt not in FORMATTERS:
        raise SvcauditError(
            f"unknown report format '{name}'",
            location=Location("--report"),
            hint=f"formats: {choices}",
        )
    return fmt, path


def regression_points(text: str | None) -> float | None:
    """``--fail-on-regression 5pp`` -> 0.05."""
    if text is None:
        return None
    try:
        return parse_points(text)
    except ValueError as e:
        raise SvcauditError(
            str(e), location=Location("--fail-on-regression"), hint=POINTS_HINT
        ) from None


#: The narrowest width the scorecard is laid out in (a smaller COLUMNS is raised to it)
MIN_COLUMNS = 40


def sane_columns() -> None:
    """COLUMNS that is not a width (0, empty, text) is ignored: Rich then asks the terminal,
    or lays out at 80; a width under ``MIN_COLUMNS`` is raised to it. (COLUMNS=0 made Rich
    print an empty scorecard.)"""
    value = os.environ.get("COLUMNS")
    if value is None:
        return
    if not value.strip().isdigit() or int(value) == 0:
        del os.environ["COLUMNS"]
    elif int(value) < MIN_COLUMNS:
        os.environ["COLUMNS"] = str(MIN_COLUMNS)


def details(formats: list[str], shown: int) -> int:
    """How many worst breaches (with the distributions) the reports in ``formats`` need:
    ``shown`` when one of them shows details, else 0 (none are worked out)."""
    return shown if any(FORMATTERS[f].needs & Needs.DETAILS for f in formats) else 0
