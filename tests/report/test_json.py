"""The JSON report: valid JSON with the design's stable keys and hand-checked values."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pytest
from rich.console import Console

from svcaudit.report.json import JsonFormatter, dumps
from svcaudit.score import Scorecard
from tests.test_score import textbook_wilson


def render(card: Scorecard, width: int = 80) -> str:
    buffer = io.StringIO()
    JsonFormatter().render(card, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def strict_loads(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("width", [20, 80, 200])
def test_is_valid_json_at_any_console_width(features_card: Scorecard, width: int) -> None:
    data = strict_loads(render(features_card, width))
    # A long title is not wrapped into the JSON string.
    titles = [s["title"] for s in data["standards"]]
    assert "Hold at most half a minute, measured in minutes" in titles


def test_stable_keys(features_card: Scorecard) -> None:
    data = strict_loads(render(features_card))
    assert {"svcaudit_version", "verdict", "exit_code", "rows", "standards"} <= set(data)
    assert set(data["rows"]) >= {"read", "evaluated", "rejected"}
    standard_keys = {
        "id",
        "title",
        "severity",
        "target",
        "in_scope",
        "passed",
        "failed",
        "unmeasured",
        "rate",
        "ci_low",
        "ci_high",
        "met",
        "branches",
    }
    branch_keys = {"branch", "in_scope", "passed", "rate", "ci_low", "ci_high", "met"}
    for s in data["standards"]:
        assert standard_keys <= set(s), s["id"]
        for b in s["branches"]:
            assert branch_keys <= set(b), (s["id"], b)


def test_values(features_card: Scorecard) -> None:
    data = strict_loads(render(features_card))
    assert data["verdict"] == "breach"
    assert data["exit_code"] == 1
    assert data["rows"] == {"read": 12, "evaluated": 12, "rejected": 0, "merged": 0, "outside": 0}
    by_id = {s["id"]: s for s in data["standards"]}
    assert list(by_id) == [
        "greet-60s",
        "rating-4",
        "callback-offered",
        "hold-30s",
        "hold-half-minute",
        "email-1h",
        "answered",
    ]

    # greet-60s (see tests/test_audit.py): 5 in scope, 3 passed, 1 failed, 1 unmeasured.
    g = by_id["greet-60s"]
    assert (g["in_scope"], g["passed"], g["failed"], g["unmeasured"]) == (5, 3, 1, 1)
    assert g["rate"] == pytest.approx(0.6)
    assert (g["ci_low"], g["ci_high"]) == pytest.approx(textbook_wilson(3, 5))
    assert g["target"] == pytest.approx(0.75)
    assert g["severity"] == "fail"
    assert g["met"] is False
    branches = {b["branch"]: b for b in g["branches"]}
    assert (branches["N"]["in_scope"], branches["N"]["passed"]) == (4, 2)
    assert branches["N"]["rate"] == pytest.approx(0.5) and branches["N"]["met"] is False
    assert (branches["N"]["ci_low"], branches["N"]["ci_high"]) == pytest.approx(
        textbook_wilson(2, 4)
    )
    assert (branches["S"]["in_scope"], branches["S"]["passed"], branches["S"]["met"]) == (
        1,
        1,
        True,
    )

    # hold-30s: missing: skip -> rate 2/4, severity warn, met.
    h = by_id["hold-30s"]
    assert (h["in_scope"], h["passed"], h["failed"], h["unmeasured"]) == (5, 2, 2, 1)
    assert h["rate"] == pytest.approx(0.5) and h["met"] is True and h["severity"] == "warn"
    assert (h["ci_low"], h["ci_high"]) == pytest.approx(textbook_wilson(2, 4))

    # email-1h: 0 of 1 measured.
    e = by_id["email-1h"]
    assert e["rate"] == 0.0 and e["met"] is False
    assert [b["branch"] for b in e["branches"]] == ["S"]


def test_non_ascii_branch_names_survive(hotel_card: Scorecard) -> None:
    text = render(hotel_card)
    data = strict_loads(text)
    branches = {b["branch"] for s in data["standards"] for b in s["branches"]}
    assert "Gdańsk Motława" in branches and "Łódź Manufaktura" in branches
    assert data["rows"] == {
        "read": 30000,
        "evaluated": 29998,  # 2 broken records; 5 bad values are invalid values
        "rejected": 2,
        "merged": 0,
        "outside": 0,
    }
    for s in data["standards"]:
        for key in ("rate", "ci_low", "ci_high"):
            assert s[key] is None or (isinstance(s[key], float) and math.isfinite(s[key]))


def test_each_branch_on_its_own_line_whatever_its_name() -> None:
    # Branch objects are encoded a standard at a time and split one per line at the
    # boundaries between them: a name that spells such a boundary must not be split.
    tricky = ['}, {"branch": "x', "a\nb", 'say "hi"', "Łódź", "}, {"]
    branch = [{"branch": name, "rate": 0.5, "limits": {"inner_low": 0.1}} for name in tricky]
    doc = {"standards": [{"id": "a", "branches": branch}, {"id": "b", "branches": []}]}
    expected = json.loads(json.dumps(doc))
    text = dumps(doc)
    assert strict_loads(text) == expected
    lines = text.splitlines()
    start = lines.index('      "branches": [')
    assert [json.loads(line.rstrip(",")) for line in lines[start + 1 : start + 6]] == branch
    assert lines[start + 6] == "      ]"
    assert '"branches": []' in text
