"""``--format junit``: JUnit XML that GitLab, Jenkins and GitHub test-report actions render.

One ``<testsuite>`` per standards file; one ``<testcase>`` per standard, and one per judged
branch for its consistency (``classname`` ends in ``.consistency``). A breached standard (or an
inconsistent branch under ``severity: fail``) is a ``<failure>`` whose message gives the rate,
the target and the worst branches. **Warnings** (severity ``warn``, a low-side funnel alert, or
no data) are ``<skipped>`` with the warning as their message, since JUnit has no warning outcome
and CI tools show skipped tests without failing the job. Row accounting and the verdict are
``<properties>`` of each suite.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import PurePath

from rich.console import Console

from svcaudit.consistency import Position
from svcaudit.report.base import Formatter, write_document
from svcaudit.report.spc_view import signal_lines
from svcaudit.report.summary import (
    Level,
    branch_problem,
    pct,
    regression_lines,
    repeats_text,
    standard_message,
    verdict_text,
)
from svcaudit.score import BranchResult, Scorecard, StandardResult, Status


def _case(suite: ET.Element, classname: str, name: str, s: StandardResult) -> ET.Element:
    attrs = {"classname": classname, "name": name, "time": "0", "file": s.path}
    if s.line is not None:
        attrs["line"] = str(s.line)
    return ET.SubElement(suite, "testcase", attrs)


def _standard_case(suite: ET.Element, classname: str, s: StandardResult) -> str:
    case = _case(suite, classname, f"{s.id}: {s.title}", s)
    message = standard_message(s)
    if s.status == Status.BREACHED:
        failure = ET.SubElement(case, "failure", {"message": message, "type": "breach"})
        failure.text = _branch_detail(s)
        return "failure"
    if s.status in (Status.WARNING, Status.NO_DATA):
        prefix = "warning: " if s.status == Status.WARNING else ""
        ET.SubElement(case, "skipped", {"message": prefix + message})
        return "skipped"
    ET.SubElement(case, "system-out").text = message
    return "pass"


def _branch_detail(s: StandardResult) -> str:
    rows = [
        f"{b.branch}: {pct(b.counts.rate)} ({b.counts.passed:,} of {b.counts.n:,})"
        for b in sorted(s.branches, key=lambda b: b.counts.rate or 0.0)
    ]
    return "\n".join(rows)


def _consistency_case(suite: ET.Element, classname: str, s: StandardResult, b: BranchResult) -> str:
    case = _case(suite, classname + ".consistency", f"{s.id} consistency: {b.branch}", s)
    line = branch_problem(s, b)
    c = s.consistency
    if line is not None and c is not None:
        if b.position == Position.ALARM_LOW and c.settings.severity.value == "fail":
            ET.SubElement(case, "failure", {"message": line.text, "type": "inconsistent"})
            return "failure"
        ET.SubElement(case, "skipped", {"message": "warning: " + line.text})
        return "skipped"
    where = {
        Position.WITHIN: "within the funnel limits",
        Position.ALERT_HIGH: "above the inner funnel limit (better than the chain)",
        Position.ALARM_HIGH: "above the outer funnel limit (better than the chain)",
    }.get(b.position, b.position.value)
    ET.SubElement(case, "system-out").text = (
        f"{b.branch}: {pct(b.counts.rate)} for {b.counts.n:,} interactions, {where} "
        f"around the chain rate {pct(c.chain_rate if c else None)}"
    )
    return "pass"


def _spc_cases(suite: ET.Element, classname: str, s: StandardResult, card: Scorecard) -> list[str]:
    """With --period: one case for the standard's control chart, failed by a concern signal
    reaching the latest period that fails the audit, skipped (a warning) by one that does not."""
    trend = next((t for t in card.trends if t.id == s.id), None)
    if trend is None:
        return []
    case = _case(suite, classname + ".spc", f"{s.id} control chart", s)
    lines = [line for line in signal_lines(card) if line.standard is s]
    failed = [line.text for line in lines if line.level == Level.ERROR]
    warned = [line.text for line in lines if line.level == Level.WARNING]
    if failed:
        ET.SubElement(case, "failure", {"message": "; ".join(failed), "type": "special-cause"})
        return ["failure"]
    if warned:
        ET.SubElement(case, "skipped", {"message": "; ".join(warned)})
        return ["skipped"]
    return ["passed"]


def junit_xml(card: Scorecard) -> str:
    """The scorecard as a JUnit XML document."""
    root = ET.Element("testsuites", {"name": "svcaudit"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for path in card.standards_files:
        classname = "svcaudit." + PurePath(path).stem
        suite = ET.SubElement(root, "testsuite", {"name": path})
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("verdict", card.verdict),
            ("verdict.text", verdict_text(card)),
            ("rows.read", card.rows.read),
            ("rows.evaluated", card.rows.evaluated),
            ("rows.rejected", card.rows.rejected),
            ("rows.merged", card.rows.merged),
            ("rows.repeating_an_id", card.rows.duplicate),
            ("logs", ", ".join(card.logs)),
        ):
            ET.SubElement(props, "property", {"name": name, "value": str(value)})
        outcomes = []
        for s in (s for s in card.standards if s.path == path):
            outcomes.append(_standard_case(suite, classname, s))
            for b in s.branches:
                if b.position != Position.TOO_FEW and b.limits is not None:
                    outcomes.append(_consistency_case(suite, classname, s, b))
            outcomes += _spc_cases(suite, classname, s, card)
            for line, reg in zip(regression_lines(card), card.regressions, strict=True):
                if line.standard is s:
                    where = reg.branch if reg.branch is not None else "chain"
                    case = _case(suite, classname + ".regression", f"{s.id} regression: {where}", s)
                    ET.SubElement(case, "failure", {"message": line.text, "type": "regression"})
                    outcomes.append("failure")
        counts = {
            "tests": len(outcomes),
            "failures": outcomes.count("failure"),
            "skipped": outcomes.count("skipped"),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        suite.set("time", "0")
        repeats = repeats_text(card)
        if repeats is not None:  # a warning, not a failure: CI test views show it
            ET.SubElement(suite, "system-err").text = "warning: " + repeats
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class JunitFormatter(Formatter):
    """``--format junit``: JUnit XML for CI test-report views."""

    name = "junit"
    suffixes = (".xml",)
    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the XML document."""
        write_document(console, junit_xml(card))
