"""Plain-Python reference figures for the real exports in tests/real/.

Independent of svcaudit: the csv and json modules, datetime.strptime with an explicit format
per export, and each export's standards (tests/real/<name>/standards.yaml) written out again
by hand as Python functions. No svcaudit code and no DuckDB.

    python tests/real/reference.py            # print every export's figures
    python tests/real/reference.py --write    # (re)write tests/real/<name>/expected.json

What is counted, per the design's row accounting:

- ``rows.read``: records in the file (CSV rows after the header; JSON Lines objects).
  None of these files has a broken record, so ``rows.rejected`` is 0 and, except for the
  event log, ``rows.evaluated == rows.read``.
- An event log (one row per update of an incident) is judged per incident: the rows of one
  incident are folded into its latest update (highest ``sys_mod_count``, the later row on a
  tie); the other rows are ``merged``.
- Per standard: ``usable`` (interactions whose measure could be computed, in scope or not),
  ``in_scope`` (``when`` holds), ``passed``/``failed`` (measure within / beyond the limit),
  ``unmeasured`` (in scope with no measure: a missing value, an unreadable value --
  ``invalid`` -- or an implausible duration -- ``implausible``: negative, or longer than
  max(1000 x the limit, 1 day)). Every standard here has ``missing: fail``, so
  ``rate = passed / in_scope``.
- Per branch: ``in_scope`` and ``passed``; a missing branch value is the branch ``(no branch)``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: where the samples live when they are not beside their standards: shared/ next to the clone
SHARED = HERE.parent.parent.parent / "shared" / "real-exports"
NO_BRANCH = "(no branch)"  # the label svcaudit gives a missing branch value
DAY = 86400.0


class Invalid:
    """A value that is present but cannot be read as its type (not a null marker)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"Invalid({self.raw!r})"


Row = dict[str, Any]


def parse_time(raw: Any, fmt: str, nulls: Iterable[str] = ("",)) -> datetime | Invalid | None:
    if raw is None:
        return None
    text = str(raw)
    if text in nulls:
        return None
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return Invalid(text)


def seconds_between(start: Any, end: Any) -> float | Invalid | None:
    """end - start in seconds; None when either is missing, Invalid when either is unreadable."""
    if isinstance(start, Invalid) or isinstance(end, Invalid):
        return start if isinstance(start, Invalid) else end
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


@dataclass(frozen=True)
class Standard:
    id: str
    #: the measure in seconds (duration) or a boolean (check); None when missing
    value: Callable[[Row], Any]
    when: Callable[[Row], bool] = lambda row: True
    at_most: float | None = None  # seconds; None for a check

    def judge(self, row: Row) -> str:
        """'passed', 'failed', 'missing', 'invalid' or 'implausible' for a row in scope."""
        v = self.value(row)
        if isinstance(v, Invalid):
            return "invalid"
        if v is None:
            return "missing"
        if self.at_most is None:  # a check
            return "passed" if v is True else "failed"
        if v < 0 or v > max(1000 * self.at_most, DAY):
            return "implausible"
        return "passed" if v <= self.at_most else "failed"


@dataclass(frozen=True)
class Export:
    name: str
    file: str
    read: Callable[[Path], list[Row]]
    branch: Callable[[Row], Any]
    standards: list[Standard]
    #: for an event log: the interaction key and the order of its updates
    fold: tuple[Callable[[Row], Any], Callable[[Row], Any]] | None = None

    @property
    def path(self) -> Path:
        """The sample beside its standards, else in the shared data folder (SOURCES.md)."""
        local = HERE / self.name / self.file
        if local.exists():
            return local
        return SHARED / self.name / self.file


def read_csv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_json_lines(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def text(raw: Any, nulls: Iterable[str] = ("",)) -> str | None:
    if raw is None:
        return None
    s = str(raw)
    return None if s in nulls else s


# --- the exports --------------------------------------------------------------------------

US_AMPM = "%m/%d/%Y %I:%M:%S %p"  # 03/01/2011 02:27:57 PM
US_SHORT = "%m/%d/%y %H:%M"  # 1/1/20 0:05 (a spreadsheet's re-save: two-digit years)
US_24H = "%m/%d/%Y %H:%M"  # 3/14/2025 1:20 (a spreadsheet's re-save: 24-hour clock)
ISO_Z = "%Y-%m-%dT%H:%M:%SZ"  # 2017-08-10T06:22:54Z
ISO_DATE = "%Y-%m-%d"  # 2016-10-03
DMY = "%d/%m/%Y %H:%M"  # 29/2/2016 01:16
SN_NULLS = ("", "?")  # the UCI incident log writes ? for a missing value


def closed_within(start: str, end: str, fmt: str) -> Callable[[Row], Any]:
    return lambda r: seconds_between(parse_time(r[start], fmt), parse_time(r[end], fmt))


def closed_by_due(r: Row) -> bool | Invalid | None:
    closed = parse_time(r["Closed Date"], US_AMPM)
    due = parse_time(r["Due Date"], US_AMPM)
    for v in (closed, due):
        if isinstance(v, Invalid):
            return v
    if closed is None or due is None:
        return None
    return closed <= due


def present(raw: Any, fmt: str) -> bool:
    """`x is not null` on a timestamp column: a value that can be read (an unreadable one is
    missing too)."""
    value = parse_time(raw, fmt)
    return value is not None and not isinstance(value, Invalid)


def due_date_present(r: Row) -> bool:
    return present(r["Due Date"], US_AMPM)


def sn_bool(raw: str) -> bool | Invalid | None:
    if raw in SN_NULLS:
        return None
    if raw in ("true", "false"):
        return raw == "true"
    return Invalid(raw)


def sn_version(r: Row) -> int:
    return int(r["sys_mod_count"])


def milestone(r: Row) -> Any:
    m = r.get("milestone")
    return m.get("title") if isinstance(m, dict) else None


EXPORTS: list[Export] = [
    Export(
        "nyc-311-2011",
        "311_nyc_sample.csv",
        read_csv,
        lambda r: text(r["Borough"]),
        [
            Standard(
                "closed-7d", closed_within("Created Date", "Closed Date", US_AMPM), at_most=7 * DAY
            ),
            Standard("closed-by-due-date", closed_by_due, when=due_date_present),
        ],
    ),
    Export(
        "nyc-311-2013",
        "311-service-requests.sample.csv",
        read_csv,
        lambda r: text(r["Borough"]),
        [
            Standard(
                "nypd-action-8h",
                closed_within("Created Date", "Resolution Action Updated Date", US_AMPM),
                when=lambda r: r["Agency"] == "NYPD",
                at_most=8 * 3600.0,
            ),
            Standard(
                "closed-7d", closed_within("Created Date", "Closed Date", US_AMPM), at_most=7 * DAY
            ),
        ],
    ),
    Export(
        "nyc-311-2025-animals",
        "311_Animals_short.csv",
        read_csv,
        lambda r: text(r["Borough"]),
        [
            Standard(
                "animal-abuse-action-8h",
                closed_within("Created Date", "Resolution Action Updated Date", US_24H),
                when=lambda r: r["Complaint Type"] == "Animal-Abuse",
                at_most=8 * 3600.0,
            ),
            Standard(
                "dead-animal-closed-3d",
                closed_within("Created Date", "Closed Date", US_24H),
                when=lambda r: r["Complaint Type"] == "Dead Animal",
                at_most=3 * DAY,
            ),
        ],
    ),
    Export(
        "la-311-2017",
        "MyLA311_Service_Request_Data_2017_Subset.csv",
        read_csv,
        lambda r: text(r["APC"]),
        [
            Standard(
                "bulky-items-5d",
                closed_within("CreatedDate", "ClosedDate", US_AMPM),
                when=lambda r: r["RequestType"] == "Bulky Items",
                at_most=5 * DAY,
            ),
            Standard(
                "graffiti-2d",
                closed_within("CreatedDate", "ClosedDate", US_AMPM),
                when=lambda r: r["RequestType"] == "Graffiti Removal",
                at_most=2 * DAY,
            ),
        ],
    ),
    Export(
        "la-311-2020",
        "requests.csv",
        read_csv,
        lambda r: text(r["apc"]),
        [
            Standard(
                "bulky-items-5d",
                closed_within("createddate", "closeddate", US_SHORT),
                when=lambda r: r["requesttype"] == "Bulky Items",
                at_most=5 * DAY,
            ),
            Standard(
                "graffiti-2d",
                closed_within("createddate", "closeddate", US_SHORT),
                when=lambda r: r["requesttype"] == "Graffiti Removal",
                at_most=2 * DAY,
            ),
        ],
    ),
    Export(
        "sf-fire-calls",
        "Fire_Department_Calls_for_Service_min.csv",
        read_csv,
        lambda r: text(r["Battalion"]),
        [
            Standard(
                "turnout-90s",
                closed_within("Dispatch DtTm", "Response DtTm", US_AMPM),
                when=lambda r: r["Priority"] == "3" and present(r["Response DtTm"], US_AMPM),
                at_most=90.0,
            ),
            Standard(
                "on-scene-10min",
                closed_within("Received DtTm", "On Scene DtTm", US_AMPM),
                when=lambda r: r["Priority"] == "3" and present(r["On Scene DtTm"], US_AMPM),
                at_most=600.0,
            ),
        ],
    ),
    Export(
        "cfpb-complaints",
        "complaints-subset.csv",
        read_csv,
        lambda r: text(r["state"]),
        [
            Standard(
                "sent-within-1d",
                closed_within("date_received", "date_sent_to_company", ISO_DATE),
                at_most=DAY,
            ),
            Standard(
                "debt-collection-sent-3d",
                closed_within("date_received", "date_sent_to_company", ISO_DATE),
                when=lambda r: r["product"] == "Debt collection",
                at_most=3 * DAY,
            ),
        ],
    ),
    Export(
        "servicenow-incident-events",
        "incident_event_log.csv",
        read_csv,
        lambda r: text(r["assignment_group"], SN_NULLS),
        [
            Standard(
                "resolved-5d",
                lambda r: seconds_between(
                    parse_time(r["opened_at"], DMY, SN_NULLS),
                    parse_time(r["resolved_at"], DMY, SN_NULLS),
                ),
                at_most=5 * DAY,
            ),
            Standard("sla-made", lambda r: sn_bool(r["made_sla"])),
        ],
        fold=(lambda r: r["number"], sn_version),
    ),
    Export(
        "bugzilla-bugs",
        "bugs.json",
        read_json_lines,
        lambda r: text(r.get("product")),
        [
            Standard(
                "resolved-30d",
                lambda r: seconds_between(
                    parse_time(r.get("creation_time"), ISO_Z),
                    parse_time(r.get("cf_last_resolved"), ISO_Z),
                ),
                at_most=30 * DAY,
            ),
            Standard(
                "p1-resolved-14d",
                lambda r: seconds_between(
                    parse_time(r.get("creation_time"), ISO_Z),
                    parse_time(r.get("cf_last_resolved"), ISO_Z),
                ),
                when=lambda r: r.get("priority") == "P1",
                at_most=14 * DAY,
            ),
        ],
    ),
    Export(
        "github-issues-webcompat",
        "github_webcompat_web-bugs_issues.json",
        read_json_lines,
        lambda r: text(milestone(r)),
        [
            Standard(
                "closed-7d",
                lambda r: seconds_between(
                    parse_time(r.get("created_at"), ISO_Z), parse_time(r.get("closed_at"), ISO_Z)
                ),
                at_most=7 * DAY,
            ),
            Standard(
                "closed-1d",
                lambda r: seconds_between(
                    parse_time(r.get("created_at"), ISO_Z), parse_time(r.get("closed_at"), ISO_Z)
                ),
                at_most=DAY,
            ),
        ],
    ),
]


def fold_events(
    rows: list[Row], key: Callable[[Row], Any], order: Callable[[Row], Any]
) -> list[Row]:
    """The latest update of each interaction, in order of first appearance."""
    latest: dict[Any, tuple[Any, int, Row]] = {}
    for i, row in enumerate(rows):
        k = key(row)
        rank = (order(row), i)
        if k not in latest or rank >= latest[k][:2]:
            latest[k] = (rank[0], rank[1], row)
    return [entry[2] for entry in latest.values()]


def figures(export: Export) -> dict[str, Any]:
    rows = export.read(export.path)
    interactions = fold_events(rows, *export.fold) if export.fold else rows
    result: dict[str, Any] = {
        "export": export.name,
        "file": export.file,
        "bytes": export.path.stat().st_size,
        "sha256": hashlib.sha256(export.path.read_bytes()).hexdigest(),
        "rows": {
            "read": len(rows),
            "evaluated": len(interactions),
            "rejected": 0,
            "merged": len(rows) - len(interactions),
        },
        "standards": [],
    }
    for std in export.standards:
        counts = dict.fromkeys(
            ("usable", "in_scope", "passed", "failed", "unmeasured", "invalid", "implausible"), 0
        )
        branches: dict[str, dict[str, int]] = {}
        for row in interactions:
            v = std.value(row)
            if v is not None and not isinstance(v, Invalid):
                counts["usable"] += 1
            if not std.when(row):
                continue
            verdict = std.judge(row)
            counts["in_scope"] += 1
            b = branches.setdefault(export.branch(row) or NO_BRANCH, {"in_scope": 0, "passed": 0})
            b["in_scope"] += 1
            if verdict == "passed":
                counts["passed"] += 1
                b["passed"] += 1
            elif verdict == "failed":
                counts["failed"] += 1
            else:
                counts["unmeasured"] += 1
                if verdict in ("invalid", "implausible"):
                    counts[verdict] += 1
        result["standards"].append(
            {"id": std.id, **counts, "branches": dict(sorted(branches.items()))}
        )
    return result


def main(argv: list[str]) -> int:
    for export in EXPORTS:
        if not export.path.exists():
            print(f"{export.name}: {export.path} is not here", file=sys.stderr)
            continue
        fig = figures(export)
        if "--write" in argv:
            out = HERE / export.name / "expected.json"
            out.write_text(json.dumps(fig, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps({"export": fig["export"], "rows": fig["rows"]}))
        for s in fig["standards"]:
            print("   ", {k: v for k, v in s.items() if k != "branches"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
