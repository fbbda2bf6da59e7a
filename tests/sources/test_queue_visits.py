"""Asterisk queue_log: one interaction per queue visit (every ENTERQUEUE), each with its
outcome. The fixture is small enough to work every figure out by hand (in the comments).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.score import Scorecard
from tests.helpers import per_branch, write
from tests.invoke import invoke

# c1: times out of sales after 30 s, enters support a second later, answered there after 12 s
# c2: answered in sales after 5 s, transferred back into sales, hangs up there after 50 s
# c3: support is empty: sent out at once (EXITEMPTY, 0 s)
# c4: presses 5 to leave sales after 15 s (EXITWITHKEY)
# c5: support rings a member who does not answer; the caller hangs up after 8 s
# c6: enters sales; the log ends while the caller waits (no outcome yet)
# c7: never queued (a DID line in the IVR): not an interaction
# line 19 has no UNIX epoch: rejected
QUEUE_LOG = """\
    1000|NONE|NONE|NONE|QUEUESTART|
    1010|c1|sales|NONE|ENTERQUEUE||0123|1
    1040|c1|sales|NONE|EXITWITHTIMEOUT|1|1|30
    1041|c1|support|NONE|ENTERQUEUE||0123|1
    1053|c1|support|PJSIP/1|CONNECT|12|1051.9|2
    1100|c2|sales|NONE|ENTERQUEUE||0456|1
    1105|c2|sales|PJSIP/2|CONNECT|5|1103.1|2
    1165|c2|sales|PJSIP/2|TRANSFER|2100|from-internal|5|60|1
    1166|c2|sales|NONE|ENTERQUEUE||0456|1
    1200|c1|support|PJSIP/1|COMPLETECALLER|12|147|1
    1216|c2|sales|NONE|ABANDON|1|1|50
    1300|c3|support|NONE|ENTERQUEUE||0789|1
    1300|c3|support|NONE|EXITEMPTY|1|1|0
    1400|c4|sales|NONE|ENTERQUEUE||0111|1
    1415|c4|sales|NONE|EXITWITHKEY|5|1|1|15
    1500|c5|support|NONE|ENTERQUEUE||0222|1
    1505|c5|support|PJSIP/1|RINGNOANSWER|15000
    1508|c5|support|NONE|ABANDON|1|1|8
    2025-01-01 10:00|c8|sales|NONE|ENTERQUEUE||0999|1
    1550|c7|NONE|NONE|DID|5551234
    1600|c6|sales|NONE|ENTERQUEUE||0333|1
    """


def _standard(sid: str, check: str) -> str:
    return f"  - id: {sid}\n    title: {sid}\n    when: queued_at is not null\n    check: {check}\n"


CHECKS = {
    "sl": "answered_at is not null and wait <= 20s",
    "not-abandoned": "not abandoned",
    "answered": "answered",
    "second-visit": "visit == 2",
    "transferred": "transferred",
    "talk-over-2min": "talk > 2m",
    **{f"is-{o}": f'outcome == "{o}"' for o in ("answered", "abandoned", "timeout")},
    **{f"is-{o}": f'outcome == "{o}"' for o in ("exit-empty", "exit-key")},
}


def _files(tmp_path: Path, name: str = "queue_log", profile: str = "") -> tuple[Path, Path]:
    log = write(tmp_path / name, QUEUE_LOG)
    body = "".join(_standard(sid, check) for sid, check in CHECKS.items())
    head = f"svcaudit: 1\nname: visits\n{profile}standards:\n"
    return log, write(tmp_path / "s.yaml", head + body, dedent=False)


def _passed(card: Scorecard, sid: str) -> dict[str, tuple[int, int]]:
    """{queue: (passed, in scope)}."""
    return {b: (p, n) for b, (n, p, _f, _u) in per_branch(card, sid).items()}


# sales visits: c1 (timeout), c2 first (answered 5 s), c2 second (abandoned), c4 (exit-key),
# c6 (waiting); support visits: c1 second (answered 12 s), c3 (exit-empty), c5 (abandoned)
EXPECTED = {
    "sl": {"sales": (1, 5), "support": (1, 3)},  # c2 first; c1 second
    "not-abandoned": {"sales": (4, 5), "support": (2, 3)},  # c2's second visit; c5
    "answered": {"sales": (1, 5), "support": (1, 3)},
    "second-visit": {"sales": (1, 5), "support": (1, 3)},  # c2 back in sales; c1 in support
    "transferred": {"sales": (1, 5), "support": (0, 3)},  # c2's first visit
    "talk-over-2min": {"sales": (0, 5), "support": (1, 3)},  # c1: 147 s; c2 talked 60 s
    "is-answered": {"sales": (1, 5), "support": (1, 3)},
    "is-abandoned": {"sales": (1, 5), "support": (1, 3)},
    "is-timeout": {"sales": (1, 5), "support": (0, 3)},
    "is-exit-empty": {"sales": (0, 5), "support": (1, 3)},
    "is-exit-key": {"sales": (1, 5), "support": (0, 3)},
}


def check_visits(card: Scorecard) -> None:
    # 8 visits of 6 calls (c7 never queued, c8's only line rejected)
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (9, 8, 1)
    assert [(r.line, r.reason) for r in card.rejects] == [(19, "time is not a UNIX epoch")]
    # c1 and c2 have two visits each under one callid: visits, not repeated interactions
    assert card.rows.duplicate == 0
    for sid, expected in EXPECTED.items():
        assert _passed(card, sid) == expected, sid


def test_every_enterqueue_is_a_visit_with_its_outcome(tmp_path: Path) -> None:
    log, standards = _files(tmp_path)
    check_visits(run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)])))


def test_a_waiting_caller_has_no_outcome_and_is_neither_answered_nor_abandoned(
    tmp_path: Path,
) -> None:
    """c6: its outcome is unmeasured; answered and abandoned are false."""
    log, standards = _files(tmp_path)
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)]))
    sales = per_branch(card, "is-answered")["sales"]
    assert sales == (5, 1, 3, 1)  # (in scope, passed, failed, unmeasured): c6 unmeasured
    assert per_branch(card, "answered")["sales"][3] == 0  # a boolean for every visit
    assert per_branch(card, "not-abandoned")["sales"][3] == 0


@pytest.mark.parametrize("where", ["option", "file"])
def test_the_profile_picks_the_reader_whatever_the_file_is_called(
    tmp_path: Path, where: str
) -> None:
    profile = "profile: asterisk-queue-log\n" if where == "file" else ""
    log, standards = _files(tmp_path, "calls-2025-03.csv", profile)
    request = AuditRequest(
        logs=[str(log)],
        standards=[str(standards)],
        profile="asterisk-queue-log" if where == "option" else None,
    )
    card = run_audit(request)
    assert card.profile == "asterisk-queue-log"
    check_visits(card)


def test_without_the_profile_such_a_file_is_read_as_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named .csv and no profile asked for: a CSV (one column per line), refused as such."""
    log, standards = _files(tmp_path, "calls.csv")
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", str(log), "-s", str(standards))
    assert run.code == 2
    assert "Traceback" not in run.stderr
