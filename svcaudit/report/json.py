"""The JSON report: stable keys other tools rely on (see the README, "JSON report")."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from svcaudit import __version__
from svcaudit.report.base import Formatter
from svcaudit.score import Rate, Scorecard


def _rate(r: Rate) -> dict[str, Any]:
    return {
        "in_scope": r.in_scope,
        "passed": r.passed,
        "failed": r.failed,
        "unmeasured": r.unmeasured,
        "rate": r.rate,
        "ci_low": r.ci_low,
        "ci_high": r.ci_high,
    }


def scorecard_dict(card: Scorecard) -> dict[str, Any]:
    """The scorecard as JSON-ready data."""
    return {
        "svcaudit_version": __version__,
        "name": card.name,
        "verdict": card.verdict,
        "exit_code": int(card.exit_code),
        "fail_on": card.fail_on.value,
        "standards_files": list(card.standards_files),
        "logs": list(card.logs),
        "rows": {
            "read": card.rows.read,
            "evaluated": card.rows.evaluated,
            "rejected": card.rows.rejected,
        },
        "rejects": [{"file": r.file, "line": r.line, "reason": r.reason} for r in card.rejects],
        "standards": [
            {
                "id": s.id,
                "title": s.title,
                "severity": s.severity.value,
                "target": s.target,
                "limit": s.limit,
                "file": s.path,
                "line": s.line,
                **_rate(s.counts),
                "met": s.met,
                "status": s.status.value,
                "branches": [
                    {"branch": b.branch, **_rate(b.counts), "met": b.met} for b in s.branches
                ],
            }
            for s in card.standards
        ],
    }


class JsonFormatter(Formatter):
    """``--format json``: the whole scorecard as one JSON document."""

    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the JSON document."""
        text = json.dumps(scorecard_dict(card), indent=2, ensure_ascii=False)
        console.out(text, highlight=False)
