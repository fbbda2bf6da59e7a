"""The registry of named counts (``svcaudit.counts``) and how every layer reads it by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svcaudit.counts import COUNTS, NAMES, Counts
from tests.helpers import REPO
from tests.invoke import invoke

DEMO_LOG = str(REPO / "examples" / "hotel-chain.csv")
DEMO_RULES = str(REPO / "standards" / "hospitality-five-star.yaml")


def test_registry_names_are_unique_and_start_with_the_rate_counts() -> None:
    assert len(set(NAMES)) == len(NAMES)
    assert NAMES[:3] == ("in_scope", "passed", "unmeasured")
    assert all(c.doc for c in COUNTS)
    assert COUNTS[0].fact is None  # in_scope counts the scope itself


def test_counts_by_position_and_by_name() -> None:
    c = Counts(10, 6, 2)
    assert (c.in_scope, c.passed, c.unmeasured) == (10, 6, 2)
    assert len(c) == len(COUNTS) and all(v == 0 for v in c[3:])
    assert Counts(in_scope=10, passed=6, unmeasured=2) == c
    assert Counts(implausible=3).get("implausible") == 3
    with pytest.raises(TypeError):
        Counts(no_such_count=1)
    with pytest.raises(TypeError):
        Counts(*range(len(COUNTS) + 1))


def test_branches_combine_count_by_count() -> None:
    a, b = Counts(3, 2, 1, 1), Counts(5, 5, 0, 0)
    assert Counts.combined([a, b]) == Counts(8, 7, 1, 1)
    assert Counts.combined([]) == Counts()


@pytest.mark.parametrize("many", [False, True])
def test_every_count_is_reported_per_standard_and_branch(tmp_path: Path, many: bool) -> None:
    # both aggregate strategies (direct below 40 standards, histogram above) report every
    # count of the registry, and the branches add up to the chain for each
    rules = DEMO_RULES
    if many:  # the same pack 6 times over (42 standards): the histogram strategy
        text = Path(DEMO_RULES).read_text(encoding="utf-8")
        head, _, body = text.partition("standards:\n")
        body = body.split("\nconsistency:")[0] if "\nconsistency:" in body else body
        copies = [body.replace("- id: ", f"- id: c{k}-") for k in range(6)]
        rules = str(tmp_path / "many.yaml")
        Path(rules).write_text(head + "standards:\n" + "\n".join(copies), encoding="utf-8")
    result = invoke("audit", DEMO_LOG, "-s", rules, "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["standards"]) == (42 if many else 7)
    for std in report["standards"]:
        for name in NAMES:
            assert isinstance(std[name], int), (std["id"], name)
            assert sum(b[name] for b in std["branches"]) == std[name], (std["id"], name)
        assert std["in_scope"] == std["passed"] + std["failed"] + std["unmeasured"]
        assert std["implausible"] <= std["unmeasured"]
        assert std["invalid"] <= std["unmeasured"]
        # the demo's planted invalid values (examples/README.md): H-00446's arrived_at (an
        # arrival) and H-01237's greeted_at in greet-60s; H-03149's rings in phone-3-rings;
        # H-03815's and H-04421's hold_seconds in hold-30s (callback-offered's `when` over
        # them is not true: out of its scope)
        planted = {"greet-60s": 2, "phone-3-rings": 1, "hold-30s": 2}
        assert std["invalid"] == planted.get(std["id"].split("-", 1)[1] if many else std["id"], 0)
