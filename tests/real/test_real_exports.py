"""Real public exports audited through the real CLI (`svcaudit audit ... --format json`),
their figures compared with the plain-Python reference (tests/real/reference.py, written to
tests/real/<name>/expected.json).

Only the exports whose figures svcaudit gets right today are listed here; the others, and
exactly what goes wrong with each, are in tests/real/FINDINGS.md. Where each sample comes
from, its licence and what its columns mean: tests/real/SOURCES.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent


def _load(name: str) -> ModuleType:
    """tests/real/<name>.py under a name of its own (examples/vendors has a reference.py too)."""
    spec = importlib.util.spec_from_file_location(f"real_exports_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


compare = _load("compare")  # the CLI run and the comparison
reference = _load("reference")  # the plain-Python figures

#: exports whose svcaudit figures equal the reference's today (see FINDINGS.md)
MATCHING = [
    "bugzilla-bugs",
    "cfpb-complaints",
    "github-issues-webcompat",
    "la-311-2017",  # US 12-hour timestamps with seconds
    "la-311-2020",  # two-digit years, with a parse_time() for the one ambiguous column
    "nyc-311-2011",
    "nyc-311-2013",
    "nyc-311-2025-animals",
    "servicenow-incident-events",  # a fold: per incident; ? is a null marker
    "sf-fire-calls",  # Priority (3, 2, E) declared `{type: text}` in its standards
]


def _expected(name: str) -> dict:
    return json.loads((HERE / name / "expected.json").read_text(encoding="utf-8"))


def _sample(name: str) -> Path:
    expected = _expected(name)
    path = compare.data_file(name, expected)
    if not path.exists():
        pytest.skip(f"the sample {expected['file']} is not in tests/real/{name}/ nor {path.parent}")
    return path


@pytest.mark.parametrize("name", MATCHING)
def test_sample_is_the_one_the_figures_were_worked_out_on(name: str) -> None:
    path = _sample(name)
    expected = _expected(name)
    assert path.stat().st_size == expected["bytes"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == expected["sha256"]


@pytest.mark.parametrize("name", MATCHING)
def test_reference_still_gives_expected_json(name: str) -> None:
    _sample(name)
    (export,) = [e for e in reference.EXPORTS if e.name == name]
    assert reference.figures(export) == _expected(name)


@pytest.mark.parametrize("name", MATCHING)
def test_svcaudit_figures_equal_the_reference(name: str) -> None:
    log = _sample(name)
    expected = _expected(name)
    code, report, stderr = compare.run_svcaudit(log, HERE / name / "standards.yaml")
    assert report is not None, f"exit {code}: {stderr}"
    assert code in (0, 1), stderr
    assert compare.comparable(report) == compare.expected_comparable(expected)
    # the row accounting adds up in svcaudit's own report too
    rows = report["rows"]
    assert rows["read"] == rows["evaluated"] + rows["rejected"] + rows["merged"] + rows["outside"]
    for s in report["standards"]:
        assert s["in_scope"] == s["passed"] + s["failed"] + s["unmeasured"]


def test_servicenow_question_marks_are_missing_not_rejected() -> None:
    """The event log's `?` (1,168 cells) is a null marker: no row rejected, no invalid value,
    no branch called `?`; INC0000093 (resolved_at `?`) is unmeasured (expected.json)."""
    name = "servicenow-incident-events"
    log = _sample(name)
    code, report, stderr = compare.run_svcaudit(log, HERE / name / "standards.yaml")
    assert report is not None, f"exit {code}: {stderr}"
    assert report["rows"]["rejected"] == 0 and report["invalid_values"]["count"] == 0
    assert "?" not in {b["branch"] for s in report["standards"] for b in s["branches"]}
