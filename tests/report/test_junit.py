"""``--format junit``: valid against a JUnit XML Schema, and the right cases, outcomes and counts.

The schema (tests/fixtures/junit.xsd) describes the de-facto format Jenkins, GitLab and GitHub
test-report actions read. Expected outcomes for the two-file chain fixture are worked out by
hand in tests/report/chain_fixture.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from tests.helpers import REPO
from tests.invoke import invoke
from tests.report.chain_fixture import (
    A_YAML,
    B_YAML,
    BRANCHES,
    TITLES,
    alarm_low,
    item_line,
    not_low,
    write_chain,
)
from tests.test_cli import Run

XSD = Path(__file__).resolve().parent.parent / "fixtures" / "junit.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def outcome(case: ET.Element) -> str:
    kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
    assert len(set(kinds)) <= 1, ET.tostring(case)
    return kinds[0] if kinds else "pass"


def assert_counts_match_children(root: ET.Element) -> None:
    """tests/failures/errors/skipped of every suite, and of <testsuites>, count the children."""
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root.findall("testsuite"):
        outcomes = [outcome(c) for c in suite.findall("testcase")]
        counts = {
            "tests": len(outcomes),
            "failures": outcomes.count("failure"),
            "errors": outcomes.count("error"),
            "skipped": outcomes.count("skipped"),
        }
        for key, value in counts.items():
            assert int(suite.get(key, "-1")) == value, (suite.get("name"), key)
            totals[key] += value
    for key, value in totals.items():
        assert int(root.get(key, "-1")) == value, key


# ---- the demo audit -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_xml(tmp_path_factory: pytest.TempPathFactory) -> Run:
    mp = pytest.MonkeyPatch()
    mp.chdir(tmp_path_factory.mktemp("junit-demo"))
    try:
        return invoke(
            "audit",
            str(REPO / "examples" / "hotel-chain.csv"),
            "-s",
            str(REPO / "standards" / "hospitality-five-star.yaml"),
            "--format",
            "junit",
        )
    finally:
        mp.undo()


def test_demo_junit_is_valid_against_the_schema(demo_xml: Run, schema: xmlschema.XMLSchema) -> None:
    assert demo_xml.code == 1, demo_xml.stderr  # the demo breaches two standards
    schema.validate(demo_xml.stdout)
    root = ET.fromstring(demo_xml.stdout)
    assert root.tag == "testsuites"
    assert_counts_match_children(root)
    (suite,) = root.findall("testsuite")
    assert suite.get("name", "").endswith("hospitality-five-star.yaml")
    # The README's demo: callback-offered and luggage-10min breached, hold-30s a warning.
    by_id = {
        c.get("name", "").split(":")[0]: c
        for c in suite.findall("testcase")
        if not c.get("classname", "").endswith(".consistency")
    }
    assert len(by_id) == 7
    assert {i for i, c in by_id.items() if outcome(c) == "failure"} == {
        "callback-offered",
        "luggage-10min",
    }
    assert {i for i, c in by_id.items() if outcome(c) == "skipped"} == {"hold-30s"}
    warning = by_id["hold-30s"].find("skipped")
    assert warning is not None and warning.get("message", "").startswith("warning: ")


def test_demo_stdout_is_only_xml(demo_xml: Run) -> None:
    assert demo_xml.stdout.startswith("<?xml")
    assert "rejected" in demo_xml.stderr  # the 7 rejected rows are reported on stderr instead


@pytest.mark.parametrize(
    "bad",
    [
        # a test case without a name
        '<testsuites name="x" tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testcase classname="c" time="0"/></testsuite></testsuites>',
        # a count that is not a number
        '<testsuites name="x" tests="many" failures="0" errors="0" skipped="0" time="0"/>',
        # a suite without its counts
        '<testsuites name="x" tests="0" failures="0" errors="0" skipped="0" time="0">'
        '<testsuite name="s"/></testsuites>',
        # an unknown outcome element
        '<testsuites name="x" tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testcase name="t" classname="c" time="0"><warning/></testcase></testsuite></testsuites>',
        # skipped and failed at once
        '<testsuites name="x" tests="1" failures="1" errors="0" skipped="1" time="0">'
        '<testsuite name="s" tests="1" failures="1" errors="0" skipped="1" time="0">'
        '<testcase name="t" classname="c" time="0"><skipped/><failure/></testcase>'
        "</testsuite></testsuites>",
        # a negative time
        '<testsuites name="x" tests="0" failures="0" errors="0" skipped="0" time="-1"/>',
    ],
)
def test_the_schema_rejects_what_readers_would_misread(
    schema: xmlschema.XMLSchema, bad: str
) -> None:
    assert not schema.is_valid(bad)


def test_the_schema_accepts_a_typical_third_party_report(schema: xmlschema.XMLSchema) -> None:
    doc = (
        '<testsuites name="pytest" tests="3" failures="1" errors="0" skipped="1" time="0.5">'
        '<testsuite name="t" tests="3" failures="1" errors="0" skipped="1" time="0.5" '
        'timestamp="2025-03-01T10:00:00" hostname="ci">'
        '<properties><property name="python" value="3.12"/></properties>'
        '<testcase classname="t.A" name="ok" time="0.1" file="t.py" line="3"/>'
        '<testcase classname="t.A" name="bad" time="0.2"><failure message="m" type="E">trace'
        "</failure><system-out>out</system-out><system-err>err</system-err></testcase>"
        '<testcase classname="t.A" name="skip" time="0"><skipped message="why"/></testcase>'
        "<system-out/></testsuite></testsuites>"
    )
    schema.validate(doc)


# ---- the hand-checked chain ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain_xml(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, ET.Element]:
    d = tmp_path_factory.mktemp("junit-chain")
    chain = write_chain(d)
    mp = pytest.MonkeyPatch()
    mp.chdir(d)
    try:
        run = invoke("audit", chain.log, "-s", chain.a, "-s", chain.b, "--format", "junit")
    finally:
        mp.undo()
    return run, ET.fromstring(run.stdout)


def test_chain_fixture_positions_by_reference() -> None:
    # The funnel positions the expectations below rely on, from a plain binomial.
    n, hold_e, c5_e = 25, BRANCHES["E"][1], BRANCHES["E"][3]
    assert alarm_low(hold_e, n, 54 / 80)  # a-breach: E 5 of 25 around 67.5 %
    assert alarm_low(c5_e, n, 58 / 80)  # b-inconsistent: E 3 of 25 around 72.5 %
    assert not_low(22, n, 54 / 80) and not_low(23, n, 54 / 80)  # a-breach: N, S
    assert not_low(23, n, 74 / 80)  # a-warn: N, S, E at 92 % around 92.5 %
    assert not_low(25, n, 58 / 80)  # b-inconsistent: N, S


def test_chain_junit_is_valid(
    chain_xml: tuple[Run, ET.Element], schema: xmlschema.XMLSchema
) -> None:
    run, root = chain_xml
    assert run.code == 1, run.stderr
    schema.validate(run.stdout)
    assert root.tag == "testsuites"
    assert_counts_match_children(root)


def test_one_suite_per_standards_file(chain_xml: tuple[Run, ET.Element]) -> None:
    _, root = chain_xml
    assert [s.get("name") for s in root.findall("testsuite")] == ["a.yaml", "b.yaml"]
    a, b = root.findall("testsuite")
    assert (a.get("tests"), a.get("failures"), a.get("errors"), a.get("skipped")) == (
        "12",
        "1",
        "0",
        "2",
    )
    assert (b.get("tests"), b.get("failures"), b.get("errors"), b.get("skipped")) == (
        "8",
        "1",
        "0",
        "0",
    )
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "20",
        "2",
        "0",
        "2",
    )


def test_cases_and_outcomes(chain_xml: tuple[Run, ET.Element]) -> None:
    _, root = chain_xml
    a, b = root.findall("testsuite")
    judged = ["E", "N", "S"]  # T has 5 interactions < min_interactions 10: no case

    def std(sid: str, cls: str, result: str) -> tuple[str, str, str]:
        return (cls, f"{sid}: {TITLES[sid]}", result)

    def cons(sid: str, cls: str, results: dict[str, str]) -> list[tuple[str, str, str]]:
        return [
            (f"{cls}.consistency", f"{sid} consistency: {br}", results.get(br, "pass"))
            for br in judged
        ]

    expected_a = [
        std("a-met", "svcaudit.a", "pass"),
        *cons("a-met", "svcaudit.a", {}),
        std("a-breach", "svcaudit.a", "failure"),
        *cons("a-breach", "svcaudit.a", {"E": "skipped"}),  # consistency severity warn
        std("a-warn", "svcaudit.a", "skipped"),
        *cons("a-warn", "svcaudit.a", {}),
    ]
    expected_b = [
        std("b-met", "svcaudit.b", "pass"),
        *cons("b-met", "svcaudit.b", {}),
        std("b-inconsistent", "svcaudit.b", "pass"),  # 72.5 % meets 50 %
        *cons("b-inconsistent", "svcaudit.b", {"E": "failure"}),  # consistency severity fail
    ]
    for suite, expected in ((a, expected_a), (b, expected_b)):
        got = [(c.get("classname"), c.get("name"), outcome(c)) for c in suite.findall("testcase")]
        assert sorted(got) == sorted(expected)
        assert len(set(got)) == len(got)  # every case has its own identity
        assert all(c.get("time") is not None for c in suite.findall("testcase"))


def test_cases_point_at_the_standard_in_its_file(chain_xml: tuple[Run, ET.Element]) -> None:
    _, root = chain_xml
    texts = {"a.yaml": A_YAML, "b.yaml": B_YAML}
    for suite in root.findall("testsuite"):
        for case in suite.findall("testcase"):
            sid = case.get("name", "").split(":")[0].removesuffix(" consistency")
            assert case.get("file") == suite.get("name")
            assert case.get("line") == str(item_line(texts[suite.get("name", "")], sid)), sid


def case(root: ET.Element, name: str) -> ET.Element:
    found = [c for c in root.iter("testcase") if c.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_breach_failure_message_gives_rate_target_and_worst_branches(
    chain_xml: tuple[Run, ET.Element],
) -> None:
    _, root = chain_xml
    failure = case(root, "a-breach: Holds stay under a minute").find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert failure.get("type")
    assert "67.5%" in message and "(54 of 80)" in message  # the rate
    assert "target 90%" in message
    # Worst judged branches below target, worst first: E 20 %, N 88 %; S 92 % meets, and
    # T (80 %, 4 of 5) has fewer than min_interactions 10, so it is not judged nor named.
    worst = message.split("worst:", 1)[1]
    assert [w.strip() for w in worst.split(",")] == ["E 20%", "N 88%"]


def test_inconsistent_branch_failure(chain_xml: tuple[Run, ET.Element]) -> None:
    _, root = chain_xml
    failure = case(root, "b-inconsistent consistency: E").find("failure")
    assert failure is not None and failure.get("type")
    message = failure.get("message", "")
    assert message.startswith("E: ") and "12%" in message and "72.5%" in message  # 3 of 25


def test_warnings_are_skipped_with_the_warning_as_message(
    chain_xml: tuple[Run, ET.Element],
) -> None:
    _, root = chain_xml
    skipped = case(root, "a-warn: Callers get a callback").find("skipped")
    assert skipped is not None
    message = skipped.get("message", "")
    assert message.startswith("warning: ")
    assert "92.5%" in message and "(74 of 80)" in message and "target 95%" in message
    branch = case(root, "a-breach consistency: E").find("skipped")
    assert branch is not None
    assert branch.get("message", "").startswith("warning: E: ")
    assert "20%" in branch.get("message", "") and "67.5%" in branch.get("message", "")
    # passing cases carry no failure/skipped child
    assert outcome(case(root, "a-met: Every visit is recorded")) == "pass"
