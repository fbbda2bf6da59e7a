"""The JSON report: stable keys other tools rely on (see the README, "JSON report")."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console

from svcaudit import __version__
from svcaudit.consistency import Position
from svcaudit.counts import NAMES
from svcaudit.report.base import Formatter, write_document
from svcaudit.report.leagues import checklists_dicts, league_dict
from svcaudit.report.spc_view import standard_periods
from svcaudit.report.summary import repeats_text
from svcaudit.score import BranchResult, ConsistencyResult, Rate, Scorecard
from svcaudit.trend import special_causes

#: A rate's fields in the report, in order: the counts of the registry, with ``failed``
#: after ``passed`` (``n`` is not reported), then the rate and its interval
_COUNT_FIELDS = (*NAMES[:2], "failed", *NAMES[2:])
_RATE_FIELDS = (*_COUNT_FIELDS, "rate", "ci_low", "ci_high")


def _rate_values(r: Rate) -> list[Any]:
    t = r.counted()
    return [*t[:2], r.failed, *t[2:], r.rate, r.ci_low, r.ci_high]


_SUMMARY = {p: p.summary for p in Position}


def _rate(r: Rate) -> dict[str, Any]:
    return dict(zip(_RATE_FIELDS, _rate_values(r), strict=True))


def _branch(b: BranchResult) -> dict[str, Any]:
    out: dict[str, Any] = {"branch": b.branch}
    out.update(zip(_RATE_FIELDS, _rate_values(b.counts), strict=True))
    out["met"] = b.met
    out["previous_rate"] = b.previous_rate
    out["change"] = b.change
    out["consistency"] = _SUMMARY[b.position]
    out["position"] = b.position.value
    out["limits"] = None if b.limits is None else b.limits._asdict()
    return out


def _consistency(c: ConsistencyResult | None) -> dict[str, Any] | None:
    if c is None:
        return None
    s = c.settings
    return {
        "spread": c.spread,
        "max_spread": s.max_spread,
        "chi2_p": c.chi2_p,
        "consistent": c.consistent,
        "severity": s.severity.value,
        "min_interactions": s.min_interactions,
        "limits": list(s.limits),
        "judged_branches": c.judged,
        "alarm_low": list(c.alarm_low),
        "alert_low": list(c.alert_low),
        "high": list(c.high),
        "overdispersion": {
            "method": s.overdispersion.value,
            "phi": c.dispersion.phi,
            "tau2": c.dispersion.tau2,
            "p_value": c.dispersion.p_value,
            "applied": c.widened,
        },
    }


def scorecard_dict(card: Scorecard) -> dict[str, Any]:
    """The scorecard as JSON-ready data."""
    periods = standard_periods(card)
    return {
        "svcaudit_version": __version__,
        "name": card.name,
        "verdict": card.verdict,
        "exit_code": int(card.exit_code),
        "fail_on": card.fail_on.value,
        "standards_files": list(card.standards_files),
        "logs": list(card.logs),
        "profile": card.profile,
        "rows": {
            "read": card.rows.read,
            "evaluated": card.rows.evaluated,
            "rejected": card.rows.rejected,
            "merged": card.rows.merged,
            "outside": card.rows.outside,
        },
        "rejects": [{"file": r.file, "line": r.line, "reason": r.reason} for r in card.rejects],
        "invalid_values": {
            "count": card.rows.invalid_values,
            "values": [
                {
                    "file": v.file,
                    "line": v.line,
                    "column": v.column,
                    "value": v.value,
                    "rows": v.rows,
                    "reason": v.reason,
                }
                for v in card.invalid_values
            ],
        },
        "duplicates": {
            "rows": card.rows.duplicate,
            "ids": [{"id": i, "rows": n} for i, n in card.rows.duplicate_ids],
        },
        "warnings": [w for w in (repeats_text(card),) if w is not None],
        "baseline": card.baseline,
        "period": card.trends[0].unit.value if card.trends else None,
        "special_causes": [t.id for t in special_causes(card.trends)],
        "regression_limit": card.regression_limit,
        "regressions": [
            {
                "standard": r.standard,
                "branch": r.branch,
                "previous": r.previous,
                "current": r.current,
            }
            for r in card.regressions
        ],
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
                "previous_rate": s.previous_rate,
                "change": s.change,
                "status": s.status.value,
                "note": s.note,
                "consistency_status": s.consistency_status.value,
                "branches": [_branch(b) for b in s.branches],
                "consistency": _consistency(s.consistency),
                "periods": periods[s.id][0] if s.id in periods else [],
                "spc": periods[s.id][1] if s.id in periods else None,
            }
            for s in card.standards
        ],
        **({"checklists": checklists_dicts(card)} if card.checklists else {}),
        **({"overall": league_dict(card.overall)} if card.overall is not None else {}),
    }


class JsonFormatter(Formatter):
    """``--format json``: the whole scorecard as one JSON document."""

    name = "json"
    suffixes = (".json",)
    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the JSON document."""
        write_document(console, dumps(scorecard_dict(card)))


_MARK = "\x00svcaudit-branches-"
_BETWEEN = '},{"branch":'
_MARKED = re.compile(r'^( *)"branches": "\\u0000svcaudit-branches-(\d+)"', re.MULTILINE)


def dumps(doc: dict[str, Any]) -> str:
    """The report indented two spaces, each branch of a standard on one line.

    With 800 standards x 200 branches the report holds 160,000 branch objects (72 MB):
    Python's encoder took 0.85 s over them, orjson 0.1 s. Each standard's branches are
    encoded in one call, then split one per line: every branch object starts with its
    ``"branch"`` key, and ``},{"branch":`` occurs nowhere else (a quote inside a string is
    escaped).
    """
    import orjson  # noqa: PLC0415 - 12 ms to import, for the reports that write JSON

    lists: list[list[Any]] = []
    for s in doc.get("standards", []):
        lists.append(s["branches"])
        s["branches"] = f"{_MARK}{len(lists) - 1}"
    text = json.dumps(doc, indent=2, ensure_ascii=False)

    def branches(m: re.Match[str]) -> str:
        indent, items = m.group(1), lists[int(m.group(2))]
        if not items:
            return f'{indent}"branches": []'
        encoded = orjson.dumps(items, option=orjson.OPT_SERIALIZE_NUMPY).decode()
        inner = encoded[1:-1].replace(_BETWEEN, "},\n" + indent + '  {"branch":')
        return f'{indent}"branches": [\n{indent}  {inner}\n{indent}]'

    return _MARKED.sub(branches, text)
