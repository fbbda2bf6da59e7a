"""Validation errors from pydantic, mapped back to positions in the standards file, with a hint."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.standards.model import Consistency, Fold, Standard, StandardsFile
from svcaudit.standards.yaml_reader import Marks, YamlPath

# Words people reach for, and the key they mean.
_SYNONYMS = {
    "threshold": "at_most",
    "treshold": "at_most",
    "limit": "at_most",
    "max": "at_most",
    "maximum": "at_most",
    "within": "at_most",
    "under": "at_most",
    "below": "at_most",
    "min": "at_least",
    "minimum": "at_least",
    "over": "at_least",
    "above": "at_least",
    "filter": "when",
    "where": "when",
    "scope": "when",
    "if": "when",
    "applies_to": "when",
    "condition": "check",
    "expect": "check",
    "assert": "check",
    "rule": "check",
    "metric": "measure",
    "value": "measure",
    "goal": "target",
    "sla": "target",
    "level": "severity",
    "name": "title",
    "timezone": "time_zone",
    "tz": "time_zone",
    "version": "svcaudit",
    "rules": "standards",
    "checks": "standards",
}


def validation_error(
    error: ValidationError,
    path: str,
    marks: Marks,
    data: dict[str, Any],
) -> SvcauditError:
    """The file's first validation problem (by line), located, with a count of the others."""
    details = error.errors()
    # A list whose items failed also reports "too short"; the item errors are the real news.
    specific = [d for d in details if d["type"] != "too_short"]
    details = sorted(specific or details, key=lambda d: _line_of(d, marks))
    first = _one_error(details[0], path, marks, data)
    if len(details) > 1:
        first.message += f" (and {len(details) - 1} more problem(s) in this file)"
    return first


def _line_of(detail: ErrorDetails, marks: Marks) -> int:
    loc = _nearest(tuple(detail["loc"]), marks)
    return loc.line or 0 if loc else 0


def _nearest(at: YamlPath, marks: Marks) -> Location | None:
    while at not in marks and at:
        at = at[:-1]
    return marks[at][0] if at in marks else None


def _one_error(
    detail: ErrorDetails,
    path: str,
    marks: Marks,
    data: dict[str, Any],
) -> SvcauditError:
    at: YamlPath = tuple(detail["loc"])
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    where = _describe(at, data)
    if kind == "extra_forbidden":
        key = str(at[-1])
        parent = at[:-1]
        key_loc = marks.get(at, (None, None, None))[1] or _nearest(at, marks)
        allowed = _allowed_keys(parent)
        hint = did_you_mean(key, allowed)
        if key.lower() in _SYNONYMS and _SYNONYMS[key.lower()] in allowed:
            hint = f"did you mean '{_SYNONYMS[key.lower()]}'?"
        if hint is None:
            hint = "allowed keys: " + ", ".join(allowed)
        message = f"unknown key '{key}'{where.replace(' of ', ' in ', 1)}"
        return SvcauditError(message, location=key_loc, hint=hint)
    if kind == "missing":
        key = str(at[-1])
        return SvcauditError(
            f"missing required key '{key}'{_describe(at[:-1], data).replace(' of ', ' in ', 1)}",
            location=_nearest(at[:-1], marks) or Location(path, 1, 1),
            hint=_missing_hint(key),
        )
    if "key" in ctx:
        at = (*at, str(ctx["key"]))
    loc = _nearest(at, marks) or Location(path)
    message = detail["msg"].removeprefix("Value error, ")
    hint = ctx.get("hint")
    if kind == "literal_error" and at == ("svcaudit",):
        message = f"unsupported format version {detail['input']!r}"
        hint = "this svcaudit reads `svcaudit: 1`"
    elif kind == "string_pattern_mismatch" and at[-1] == "id":
        message = f"standard id {detail['input']!r} is not allowed"
        hint = "use lower-case letters, digits and '-', e.g. greet-60s"
    elif kind == "enum":
        message = f"{detail['input']!r} is not allowed for `{at[-1]}`"
        hint = f"use one of: {ctx.get('expected', '')}"
    elif kind not in {
        "duration",
        "percent",
        "rule",
        "threshold",
        "time_zone",
        "field_name",
        "limits",
        "calendar",
    }:
        message = f"`{at[-1]}`{where}: {message}"
    return SvcauditError(message, location=loc, hint=str(hint) if hint else None)


def _describe(at: YamlPath, data: dict[str, Any]) -> str:
    if len(at) >= 2 and at[0] == "standards" and isinstance(at[1], int):
        items = data.get("standards")
        item = items[at[1]] if isinstance(items, list) and at[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return f" of standard '{item['id']}'"
        return f" of standard #{at[1] + 1}"
    return ""


def _allowed_keys(parent: YamlPath) -> list[str]:
    if not parent:
        return list(StandardsFile.model_fields)
    if parent[0] == "standards" and len(parent) == 2:
        return list(Standard.model_fields)
    if parent == ("fold",):
        return list(Fold.model_fields)
    return list(Consistency.model_fields)


def _missing_hint(key: str) -> str:
    hints = {
        "svcaudit": "start the file with `svcaudit: 1` (the format version)",
        "standards": "add a `standards:` list",
        "id": "give the standard an id such as greet-60s",
        "title": "give the standard a one-line title a person can read",
    }
    return hints.get(key, f"add `{key}:`")
