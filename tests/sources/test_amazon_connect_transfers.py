"""Amazon Connect transfers: each contact record is one contact in its own queue. A contact
transferred to another queue is a new record (InitiationMethod TRANSFER, PreviousContactId
naming the first), counted in the queue it was transferred to; the first contact stays in
its own queue as it ended there (answered, then transferred). Nothing is merged across
ContactIds: only copies of the same ContactId are (the latest LastUpdateTimestamp)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from svcaudit.audit import AuditRequest, run_audit
from tests.helpers import per_branch, write


def _ctr(
    contact: str,
    queue: str,
    enqueued: str,
    *,
    connected: str | None,
    dequeued: str,
    updated: str,
    method: str = "INBOUND",
    previous: str | None = None,
) -> dict[str, Any]:
    return {
        "ContactId": contact,
        "Channel": "VOICE",
        "InitiationMethod": method,
        "InitiationTimestamp": enqueued,
        "LastUpdateTimestamp": updated,
        "DisconnectTimestamp": updated,
        "PreviousContactId": previous,
        "Queue": {"Name": queue, "EnqueueTimestamp": enqueued, "DequeueTimestamp": dequeued},
        "Agent": None if connected is None else {"ConnectedToAgentTimestamp": connected},
    }


# A: Billing, answered after 10 s, then transferred by the agent to Sales -> B
# B: the transfer: queued in Sales, the caller hangs up after 40 s; delivered twice (the
#    first copy, older, says it was answered after 5 s: the latest copy wins)
# C: Billing, answered after 30 s (too slow), transferred back into Billing -> D
# D: the transfer into Billing, answered after 15 s
RECORDS = [
    _ctr("A", "Billing", "2025-03-03T08:00:00Z", connected="2025-03-03T08:00:10Z",
         dequeued="2025-03-03T08:00:10Z", updated="2025-03-03T08:05:00Z"),
    _ctr("B", "Sales", "2025-03-03T08:05:01Z", connected="2025-03-03T08:05:06Z",
         dequeued="2025-03-03T08:05:06Z", updated="2025-03-03T08:05:30Z",
         method="TRANSFER", previous="A"),
    _ctr("B", "Sales", "2025-03-03T08:05:01Z", connected=None,
         dequeued="2025-03-03T08:05:41Z", updated="2025-03-03T08:06:00Z",
         method="TRANSFER", previous="A"),
    _ctr("C", "Billing", "2025-03-03T09:00:00Z", connected="2025-03-03T09:00:30Z",
         dequeued="2025-03-03T09:00:30Z", updated="2025-03-03T09:04:00Z"),
    _ctr("D", "Billing", "2025-03-03T09:04:01Z", connected="2025-03-03T09:04:16Z",
         dequeued="2025-03-03T09:04:16Z", updated="2025-03-03T09:10:00Z",
         method="TRANSFER", previous="C"),
]  # fmt: skip

STANDARDS = """\
    svcaudit: 1
    name: transfers
    standards:
      - id: sl
        title: answered within 20 s
        when: queued_at is not null
        check: answered_at is not null and wait <= 20s
      - id: not-abandoned
        title: not abandoned
        when: queued_at is not null
        check: not abandoned
      - id: answered
        title: answered
        when: queued_at is not null
        check: answered
      - id: first-contacts
        title: first contacts, not transfers
        when: queued_at is not null and previous_contact is null
        check: not abandoned
    """


def test_a_transferred_contact_counts_once_in_each_queue(tmp_path: Path) -> None:
    log = write(tmp_path / "ctr.jsonl", "".join(json.dumps(r) + "\n" for r in RECORDS))
    standards = write(tmp_path / "s.yaml", STANDARDS)
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(standards)]))
    assert card.profile == "amazon-connect (detected)"
    # 5 records: 4 contacts (A, B, C, D), B's older copy merged
    assert (card.rows.read, card.rows.evaluated, card.rows.merged) == (5, 4, 1)
    # (in scope, passed, failed, unmeasured) per queue
    # sl: Billing A 10 s (pass), C 30 s (fail), D 15 s (pass); Sales B abandoned (fail)
    assert per_branch(card, "sl") == {"Billing": (3, 2, 1, 0), "Sales": (1, 0, 1, 0)}
    # B, in Sales, is the one abandoned contact
    assert per_branch(card, "not-abandoned") == {"Billing": (3, 3, 0, 0), "Sales": (1, 0, 1, 0)}
    # answered: A, C and D in Billing; B (its latest copy) not
    assert per_branch(card, "answered") == {"Billing": (3, 3, 0, 0), "Sales": (1, 0, 1, 0)}
    # without the transfers (PreviousContactId set): A and C in Billing
    assert per_branch(card, "first-contacts") == {"Billing": (2, 2, 0, 0)}
