"""Generate example vendor exports for the svcaudit profiles (standard library only).

Run from the repository root::

    python examples/vendors/generate.py

Seeded and deterministic: a second run writes byte-identical files (gzip with mtime=0).
It writes, next to this script:

``amazon-connect-ctr.jsonl.gz``
    Amazon Connect contact records (CTRs), one JSON object per line, as delivered by the
    contact-record data stream. 1,500 lines: 1,478 good contacts, 20 earlier copies of
    updated contacts (same ContactId, older LastUpdateTimestamp) and 2 malformed records.
    Queue "Support" is clearly worse (long waits, many abandons, long holds).

``asterisk-queue_log``
    An Asterisk ``queue_log`` (``epoch|callid|queuename|agent|event|data...``) for
    1,200 queued calls across 3 queues plus member/queue housekeeping lines.
    Queue "technical" is clearly worse. Includes 2 malformed lines.

``zendesk-tickets.json.gz``
    One page of a Zendesk cursor-based incremental ticket export with
    ``include=metric_sets`` (800 tickets, 800 side-loaded metric sets). Group
    "Partners" (id 360004400004) is clearly slower. Includes 2 malformed values.

The reference figures are computed independently by ``reference.py``.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

SEED_CTR = 20250303
SEED_AST = 20250310
SEED_ZD = 20250331


def iso(t: datetime) -> str:
    """Timestamp in the format both Amazon Connect and Zendesk document: yyyy-mm-ddThh:mm:ssZ."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def write_gz(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


# ---------------------------------------------------------------------------------------
# Amazon Connect contact records
# ---------------------------------------------------------------------------------------

ACCOUNT = "123456789012"  # the AWS documentation's example account id
REGION = "eu-central-1"


@dataclass
class CtrAgent:
    username: str
    arn: str
    site: tuple[str, str]  # (GroupName, ARN) level 1
    team: tuple[str, str]  # level 2
    tier: tuple[str, str]  # level 3
    routing: tuple[str, str]  # (Name, ARN)


@dataclass
class CtrQueue:
    name: str
    arn: str
    did: str  # the number customers dial (SystemEndpoint)
    wait_mean: float  # mean of the exponential time until an agent is free (s)
    patience_mean: float  # mean of the exponential customer patience (s)
    hold_p: float  # probability of at least one hold
    hold_median: float  # median length of one hold (s)


@dataclass
class Contact:
    cid: str
    channel: str
    method: str
    init: datetime
    queue: CtrQueue | None = None
    enqueue: datetime | None = None
    dequeue: datetime | None = None
    agent: CtrAgent | None = None
    connect: datetime | None = None
    talk: int = 0
    holds: list[int] = field(default_factory=list)
    acw: int = 0
    disconnect: datetime | None = None
    last_update: datetime | None = None
    disconnect_reason: str | None = None
    customer: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    initial_id: str | None = None
    previous_id: str | None = None
    next_id: str | None = None
    connected_to_system: datetime | None = None
    attempts: int = 0


def ctr_world(rng: random.Random) -> tuple[str, list[CtrQueue], list[CtrAgent]]:
    instance = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{uuid4(rng)}"
    queues = [
        CtrQueue(
            "Billing", f"{instance}/queue/{uuid4(rng)}", "+48221000100", 9.0, 150.0, 0.30, 24.0
        ),
        CtrQueue("Sales", f"{instance}/queue/{uuid4(rng)}", "+48221000200", 6.0, 160.0, 0.20, 22.0),
        CtrQueue(
            "Support", f"{instance}/queue/{uuid4(rng)}", "+48221000300", 38.0, 150.0, 0.48, 52.0
        ),
        CtrQueue(
            "Retention", f"{instance}/queue/{uuid4(rng)}", "+351211000400", 8.0, 150.0, 0.25, 25.0
        ),
    ]
    groups: dict[str, tuple[str, str]] = {}

    def group(name: str) -> tuple[str, str]:
        if name not in groups:
            groups[name] = (name, f"{instance}/agent-group/{uuid4(rng)}")
        return groups[name]

    profiles = {
        "Voice + Chat": ("Voice + Chat", f"{instance}/routing-profile/{uuid4(rng)}"),
        "Back office": ("Back office", f"{instance}/routing-profile/{uuid4(rng)}"),
    }
    people = {
        ("Warsaw", "Orzeł"): [
            "anowak",
            "pkowalski",
            "mwisniewska",
            "kwojcik",
            "tkaminski",
            "alewandowska",
        ],
        ("Warsaw", "Sokół"): [
            "jzielinski",
            "mszymanska",
            "bwozniak",
            "edabrowski",
            "hkozlowska",
            "rjankowski",
        ],
        ("Lisbon", "Tejo"): ["jsilva", "msantos", "aferreira", "cpereira", "roliveira", "icosta"],
        ("Lisbon", "Douro"): [
            "rrodrigues",
            "amartins",
            "fjesus",
            "lsousa",
            "gfernandes",
            "bgoncalves",
        ],
    }
    agents: list[CtrAgent] = []
    for (site, team), names in people.items():
        for i, username in enumerate(names):
            tier = "Tier 2" if i < 2 else "Tier 1"
            routing = profiles["Back office"] if i == 5 else profiles["Voice + Chat"]
            agents.append(
                CtrAgent(
                    username=username,
                    arn=f"{instance}/agent/{uuid4(rng)}",
                    site=group(site),
                    team=group(team),
                    tier=group(tier),
                    routing=routing,
                )
            )
    return instance, queues, agents


def phone(rng: random.Random, country: str = "+48") -> str:
    if country == "+351":
        return "+3519" + "".join(str(rng.randrange(10)) for _ in range(8))
    return "+485" + "".join(str(rng.randrange(10)) for _ in range(8))


def ctr_record(c: Contact, instance: str) -> dict[str, Any]:
    """One contact record, nested as in the documented data model (keys sorted on output)."""
    agent: dict[str, Any] | None = None
    if c.agent is not None and c.connect is not None and c.disconnect is not None:
        a = c.agent
        acw_start = c.disconnect
        acw_end = acw_start + timedelta(seconds=c.acw)
        agent = {
            "ARN": a.arn,
            "AfterContactWorkDuration": c.acw,
            "AfterContactWorkEndTimestamp": iso(acw_end),
            "AfterContactWorkStartTimestamp": iso(acw_start),
            "AgentInteractionDuration": c.talk,
            "ConnectedToAgentTimestamp": iso(c.connect),
            "CustomerHoldDuration": sum(c.holds),
            "HierarchyGroups": {
                "Level1": {"ARN": a.site[1], "GroupName": a.site[0]},
                "Level2": {"ARN": a.team[1], "GroupName": a.team[0]},
                "Level3": {"ARN": a.tier[1], "GroupName": a.tier[0]},
                "Level4": None,
                "Level5": None,
            },
            "LongestHoldDuration": max(c.holds) if c.holds else 0,
            "NumberOfHolds": len(c.holds),
            "RoutingProfile": {"ARN": a.routing[1], "Name": a.routing[0]},
            "Username": a.username,
        }
    queue: dict[str, Any] | None = None
    if c.queue is not None and c.enqueue is not None and c.dequeue is not None:
        queue = {
            "ARN": c.queue.arn,
            "DequeueTimestamp": iso(c.dequeue),
            "Duration": int((c.dequeue - c.enqueue).total_seconds()),
            "EnqueueTimestamp": iso(c.enqueue),
            "Name": c.queue.name,
        }
    customer_ep: dict[str, str] | None = None
    system_ep: dict[str, str] | None = None
    media: list[dict[str, str]] = []
    if c.channel == "VOICE":
        media = [{"Type": "AUDIO"}]
        customer_ep = {"Address": c.customer or "", "Type": "TELEPHONE_NUMBER"}
        did = c.queue.did if c.queue is not None else "+48221000999"
        system_ep = {"Address": did, "Type": "TELEPHONE_NUMBER"}
    elif c.channel == "CHAT":
        media = [{"Type": "CHAT"}]
    elif c.channel == "EMAIL":
        customer_ep = {"Address": c.customer or "", "Type": "EMAIL_ADDRESS"}
        system_ep = {"Address": "support@example.com", "Type": "EMAIL_ADDRESS"}
    recording: dict[str, Any] | None = None
    recordings: list[dict[str, Any]] = []
    if c.channel == "VOICE" and agent is not None and c.connect is not None:
        loc = (
            "amazon-connect-5f1e2d3c4b5a/connect/example-cc/CallRecordings/"
            f"{c.connect:%Y/%m/%d}/{c.cid}_{c.connect:%Y%m%dT%H:%M}_UTC.wav"
        )
        recording = {
            "DeletionReason": None,
            "Location": loc,
            "Status": "AVAILABLE",
            "Type": "AUDIO",
        }
        recordings = [
            {
                "DeletionReason": None,
                "FragmentStartNumber": None,
                "FragmentStopNumber": None,
                "Location": loc,
                "MediaStreamType": "AUDIO",
                "ParticipantType": None,
                "StartTimestamp": None,
                "Status": "AVAILABLE",
                "StopTimestamp": None,
                "StorageType": "S3",
            }
        ]
    assert c.disconnect is not None and c.last_update is not None
    return {
        "AWSAccountId": ACCOUNT,
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "Agent": agent,
        "AgentConnectionAttempts": c.attempts,
        "Attributes": dict(c.attributes),
        "Channel": c.channel,
        "ConnectedToSystemTimestamp": iso(c.connected_to_system) if c.connected_to_system else None,
        "ContactId": c.cid,
        "CustomerEndpoint": customer_ep,
        "DisconnectReason": c.disconnect_reason,
        "DisconnectTimestamp": iso(c.disconnect),
        "InitialContactId": c.initial_id,
        "InitiationMethod": c.method,
        "InitiationTimestamp": iso(c.init),
        "InstanceARN": instance,
        "LastUpdateTimestamp": iso(c.last_update),
        "MediaStreams": media,
        "NextContactId": c.next_id,
        "PreviousContactId": c.previous_id,
        "Queue": queue,
        "Recording": recording,
        "Recordings": recordings,
        "References": [],
        "SystemEndpoint": system_ep,
        "TransferCompletedTimestamp": None,
        "TransferredToEndpoint": None,
    }


def dumps_ctr(rec: dict[str, Any]) -> str:
    return json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def arrival_times(
    rng: random.Random, n: int, days: list[datetime], open_h: int, close_h: int
) -> list[datetime]:
    """n arrival times spread over business hours of the given days, peaking mid-morning."""
    out: list[datetime] = []
    span = (close_h - open_h) * 3600
    for _ in range(n):
        day = rng.choice(days)
        # triangular distribution: busiest around 10:30
        s = int(rng.triangular(0, span, 2.5 * 3600))
        out.append(day + timedelta(hours=open_h, seconds=s))
    out.sort()
    return out


def queue_outcome(rng: random.Random, q: CtrQueue, wait_scale: float = 1.0) -> tuple[bool, int]:
    """(answered, seconds in queue): an agent frees up after `need` s unless patience runs out."""
    need = 1 + int(rng.expovariate(1.0 / (q.wait_mean * wait_scale)))
    patience = 3 + int(rng.expovariate(1.0 / q.patience_mean))
    if patience < need:
        return False, patience
    return True, need


def hold_list(rng: random.Random, q: CtrQueue) -> list[int]:
    if rng.random() >= q.hold_p:
        return []
    r = rng.random()
    n = 1 if r < 0.65 else (2 if r < 0.90 else 3)
    return [max(3, int(lognormal(rng, q.hold_median, 0.6))) for _ in range(n)]


def generate_ctr() -> dict[str, Any]:
    rng = random.Random(SEED_CTR)
    instance, queues, agents = ctr_world(rng)
    qmap = {q.name: q for q in queues}
    days = [datetime(2025, 3, d, tzinfo=UTC) for d in (3, 4, 5, 6, 7)]
    n_base = 1_420
    times = arrival_times(rng, n_base, days, 7, 17)
    contacts: list[Contact] = []
    intents = {
        "Billing": "invoice",
        "Sales": "new-offer",
        "Support": "fault",
        "Retention": "cancel",
    }
    for t in times:
        r = rng.random()
        if r < 0.70:
            channel = "VOICE"
        elif r < 0.87:
            channel = "CHAT"
        elif r < 0.93:
            channel = "EMAIL"
        else:
            channel = "TASK"
        c = Contact(cid=uuid4(rng), channel=channel, method="INBOUND", init=t)
        lang = rng.choice(["pl-PL", "pl-PL", "pl-PL", "pt-PT", "en-GB"])
        c.attributes = {
            "customerSegment": rng.choice(["retail", "retail", "business"]),
            "language": lang,
        }
        if channel == "VOICE":
            c.customer = phone(rng, "+351" if lang == "pt-PT" else "+48")
            kind = rng.random()
            if kind < 0.09:
                c.method = "OUTBOUND"
            elif kind < 0.14:
                c.method = "INBOUND-IVR"  # resolved or dropped in the flow, never queued
            elif kind < 0.19:
                c.method = "CALLBACK"
            c.queue = (
                None
                if c.method in ("OUTBOUND", "INBOUND-IVR")
                else rng.choices(
                    [qmap["Billing"], qmap["Sales"], qmap["Support"], qmap["Retention"]],
                    [27, 27, 38, 8],
                )[0]
            )
        elif channel == "CHAT":
            c.method = "API"
            c.queue = rng.choices([qmap["Billing"], qmap["Sales"], qmap["Support"]], [35, 25, 40])[
                0
            ]
        elif channel == "EMAIL":
            c.method = "INBOUND"
            c.customer = f"client{rng.randrange(10000, 99999)}@example.net"
            c.queue = rng.choices([qmap["Billing"], qmap["Support"]], [50, 50])[0]
        else:
            c.method = "API"
            c.queue = rng.choices([qmap["Billing"], qmap["Support"]], [40, 60])[0]
        if c.queue is not None:
            c.attributes["intent"] = intents[c.queue.name]
        contacts.append(c)

    def serve(c: Contact, answered: bool, in_queue: int) -> None:
        """Fill the agent leg and end times of a queued contact."""
        assert c.enqueue is not None
        c.dequeue = c.enqueue + timedelta(seconds=in_queue)
        if not answered:
            c.disconnect = c.dequeue
            c.disconnect_reason = "CUSTOMER_DISCONNECT"
            c.attempts = 1 if in_queue > 25 and rng.random() < 0.4 else 0
            c.last_update = c.disconnect + timedelta(seconds=rng.randint(5, 90))
            return
        c.agent = rng.choice(agents)
        c.connect = c.dequeue
        c.attempts = 1 if rng.random() < 0.93 else 2
        if c.channel == "VOICE":
            assert c.queue is not None
            c.talk = max(20, int(lognormal(rng, 210, 0.55)))
            c.holds = hold_list(rng, c.queue)
            c.acw = rng.randint(8, 110)
            c.disconnect_reason = (
                "CUSTOMER_DISCONNECT" if rng.random() < 0.7 else "AGENT_DISCONNECT"
            )
        elif c.channel == "CHAT":
            c.talk = max(60, int(lognormal(rng, 480, 0.5)))
            c.acw = rng.randint(5, 60)
            c.disconnect_reason = rng.choice(["CUSTOMER_DISCONNECT", "AGENT_DISCONNECT"])
        elif c.channel == "TASK":
            c.talk = max(60, int(lognormal(rng, 600, 0.6)))
            c.acw = rng.randint(0, 30)
            c.disconnect_reason = "AGENT_DISCONNECT"
        else:  # EMAIL
            c.talk = max(60, int(lognormal(rng, 420, 0.6)))
            c.acw = rng.randint(0, 30)
            c.disconnect_reason = None
        c.disconnect = c.connect + timedelta(seconds=c.talk + sum(c.holds))
        c.last_update = c.disconnect + timedelta(seconds=c.acw + rng.randint(20, 240))

    for c in contacts:
        if c.channel == "VOICE":
            if c.method == "OUTBOUND":
                c.agent = rng.choice(agents)
                c.connect = c.init  # the agent is on the contact from the moment they dial
                c.connected_to_system = c.init + timedelta(seconds=rng.randint(6, 28))
                c.talk = max(30, int(lognormal(rng, 180, 0.5)))
                c.holds = [] if rng.random() < 0.85 else [rng.randint(10, 60)]
                c.acw = rng.randint(8, 90)
                c.disconnect = c.connected_to_system + timedelta(seconds=c.talk + sum(c.holds))
                c.disconnect_reason = rng.choice(["CUSTOMER_DISCONNECT", "AGENT_DISCONNECT"])
                c.last_update = c.disconnect + timedelta(seconds=c.acw + rng.randint(20, 240))
                continue
            if c.method == "INBOUND-IVR":
                c.method = "INBOUND"
                c.connected_to_system = c.init
                c.disconnect = c.init + timedelta(seconds=rng.randint(25, 200))
                c.disconnect_reason = rng.choice(["CUSTOMER_DISCONNECT", "CONTACT_FLOW_DISCONNECT"])
                c.last_update = c.disconnect + timedelta(seconds=rng.randint(5, 60))
                continue
            assert c.queue is not None
            if c.method == "CALLBACK":
                # the callback contact is created, queued at once, and the customer is dialled
                # once an agent accepts it
                c.enqueue = c.init + timedelta(seconds=rng.randint(1, 3))
                need = 1 + int(rng.expovariate(1.0 / c.queue.wait_mean))
                serve(c, True, need)
                assert c.connect is not None
                c.connected_to_system = c.connect + timedelta(seconds=rng.randint(6, 20))
                continue
            c.connected_to_system = c.init
            c.enqueue = c.init + timedelta(seconds=rng.randint(8, 45))
            answered, in_queue = queue_outcome(rng, c.queue)
            serve(c, answered, in_queue)
        else:
            assert c.queue is not None
            c.connected_to_system = c.init
            c.enqueue = c.init + timedelta(
                seconds=rng.randint(2, 30) if c.channel == "CHAT" else rng.randint(1, 3)
            )
            if c.channel == "CHAT":
                answered, in_queue = queue_outcome(rng, c.queue, 1.6)
            else:
                answered, in_queue = True, rng.randint(120, 5 * 3600)
            serve(c, answered, in_queue)

    # transfers: 60 answered inbound calls are passed to another queue by the agent
    transfer_to = {
        "Billing": "Retention",
        "Sales": "Retention",
        "Support": "Billing",
        "Retention": "Billing",
    }
    sources = [
        c
        for c in contacts
        if c.channel == "VOICE" and c.method == "INBOUND" and c.connect is not None and c.queue
    ]
    transfers: list[Contact] = []
    for p in rng.sample(sources, 60):
        assert p.queue is not None and p.disconnect is not None
        p.disconnect_reason = "AGENT_DISCONNECT"
        x = Contact(cid=uuid4(rng), channel="VOICE", method="TRANSFER", init=p.disconnect)
        x.customer = p.customer
        x.attributes = dict(p.attributes)
        x.queue = qmap[transfer_to[p.queue.name]]
        x.attributes["intent"] = intents[x.queue.name]
        x.initial_id = p.initial_id or p.cid
        x.previous_id = p.cid
        p.next_id = x.cid
        x.connected_to_system = x.init
        x.enqueue = x.init + timedelta(seconds=rng.randint(1, 4))
        answered, in_queue = queue_outcome(rng, x.queue)
        serve(x, answered, in_queue)
        transfers.append(x)
    contacts.extend(transfers)
    contacts.sort(key=lambda c: (c.init, c.cid))

    # post-call survey scores, written with update-contact-attributes after the call
    for c in contacts:
        if (
            c.channel == "VOICE"
            and c.queue is not None
            and c.connect is not None
            and rng.random() < 0.35
        ):
            c.attributes["surveyScore"] = str(rng.choices([1, 2, 3, 4, 5], [4, 5, 12, 35, 44])[0])

    voice_answered = [
        c
        for c in contacts
        if c.channel == "VOICE"
        and c.queue is not None
        and c.connect is not None
        and c.method in ("INBOUND", "CALLBACK")
        and c.next_id is None
    ]

    # planted boundary cases (wait exactly 20 s passes; 21 s fails; hold 120 s / longest 60 s pass)
    planted: dict[str, list[str]] = {
        "wait_20": [],
        "wait_21": [],
        "hold_120_longest_60": [],
        "hold_121": [],
    }
    pool = [
        c
        for c in voice_answered
        if c.method == "INBOUND" and c.queue is not None and c.queue.name != "Support"
    ]
    picks = rng.sample(pool, 7)

    def set_wait(c: Contact, w: int) -> None:
        assert c.enqueue is not None and c.disconnect is not None and c.connect is not None
        shift = timedelta(seconds=w) - (c.connect - c.enqueue)
        c.dequeue = c.connect = c.enqueue + timedelta(seconds=w)
        c.disconnect += shift
        assert c.last_update is not None
        c.last_update += shift

    def set_holds(c: Contact, holds: list[int]) -> None:
        assert c.disconnect is not None and c.last_update is not None
        shift = timedelta(seconds=sum(holds) - sum(c.holds))
        c.holds = holds
        c.disconnect += shift
        c.last_update += shift

    for c in picks[:2]:
        set_wait(c, 20)
        planted["wait_20"].append(c.cid)
    set_wait(picks[2], 21)
    planted["wait_21"].append(picks[2].cid)
    set_holds(picks[3], [60, 35, 25])
    set_holds(picks[4], [60, 60])
    planted["hold_120_longest_60"] += [picks[3].cid, picks[4].cid]
    set_holds(picks[5], [61, 60])
    planted["hold_121"].append(picks[5].cid)

    # choose the malformed pair and the 20 re-delivered contacts among the rest
    rest = [c for c in voice_answered if c not in picks]
    truncated = next(
        c for c in rest if c.queue is not None and c.queue.name == "Sales" and c.method == "INBOUND"
    )
    bad_time = next(
        c
        for c in rest
        if c.queue is not None and c.queue.name == "Billing" and c.method == "INBOUND"
    )
    chats = [c for c in contacts if c.channel == "CHAT" and c.connect is not None]
    dup_pool = [c for c in rest if c not in (truncated, bad_time)]
    dups = rng.sample(dup_pool, 16) + rng.sample(chats, 4)

    lines: list[tuple[datetime, int, str]] = []  # (delivery time, tie-break, line)
    out_of_order = set(d.cid for d in dups[:6])
    dup_ids = {d.cid for d in dups}
    for i, c in enumerate(contacts):
        rec = ctr_record(c, instance)
        assert c.last_update is not None
        if c is truncated:
            full = dumps_ctr(rec)
            lines.append((c.last_update, i, full[: int(len(full) * 0.55)]))
            continue
        if c is bad_time:
            rec["InitiationTimestamp"] = "not-a-time"
        if c.cid in dup_ids:
            # the first delivery came when the call ended, before after-contact work was done
            # and before the survey score was written; the later one carries both
            early = copy.deepcopy(rec)
            assert c.disconnect is not None
            early_update = c.disconnect + timedelta(seconds=rng.randint(2, 15))
            early["LastUpdateTimestamp"] = iso(early_update)
            early["Agent"]["AfterContactWorkEndTimestamp"] = None
            early["Agent"]["AfterContactWorkDuration"] = None
            early["Attributes"].pop("surveyScore", None)
            if c.cid in out_of_order:
                # delivered out of order: the newer copy reaches the stream first
                lines.append((early_update, i, dumps_ctr(rec)))
                lines.append((early_update, i, dumps_ctr(early)))
                continue
            lines.append((early_update, i, dumps_ctr(early)))
        lines.append((c.last_update, i, dumps_ctr(rec)))
    # the stream delivers roughly in LastUpdateTimestamp order; keep pairs together (stable sort)
    lines.sort(key=lambda x: (x[0], x[1]))
    text = "".join(line + "\n" for _, _, line in lines)
    path = HERE / "amazon-connect-ctr.jsonl.gz"
    write_gz(path, text.encode("utf-8"))
    return {
        "file": path.name,
        "lines": len(lines),
        "unique_contact_ids": len(contacts),
        "duplicates": sorted(dup_ids),
        "out_of_order": sorted(out_of_order),
        "malformed": {"truncated": truncated.cid, "not_a_time": bad_time.cid},
        "planted": planted,
        "bytes": path.stat().st_size,
        "raw_bytes": len(text.encode("utf-8")),
    }


# ---------------------------------------------------------------------------------------
# Asterisk queue_log
# ---------------------------------------------------------------------------------------


@dataclass
class AstQueue:
    name: str
    members: list[str]
    wait_mean: float
    patience_mean: float
    timeout: int  # queue timeout (s) -> EXITWITHTIMEOUT


def follow_on_visits(
    calls: list[dict[str, Any]],
    qmap: dict[str, AstQueue],
    t_copy: int,
    emit: Any,
    events: list[tuple[int, int, int, str]],
) -> dict[str, list[str]]:
    """Calls that visit more than one queue (one queue visit per ENTERQUEUE), from an RNG of
    their own so every other line stays as it was:

    - every call that timed out of ``technical`` overflows into ``orders`` a second later,
      where it is answered, or (one in four) the caller hangs up there;
    - four ``technical`` calls that a member transferred are transferred back into
      ``technical`` (a second visit of the same queue), which the caller leaves after 25-40 s
      by pressing 1 for a call back (EXITWITHKEY).
    """
    rng = random.Random(SEED_AST + 1)
    overflowed, returned = [], []
    for c in calls:
        if c["queue"] != "technical" or c["outcome"] != "timeout":
            continue
        t1 = c["leave"] + 1
        if t1 + 400 > t_copy:
            continue
        callid = c["callid"]
        emit(t1, 1, callid, "orders", "NONE", "ENTERQUEUE", "", c["callerid"], 1)
        if rng.random() < 0.25:
            wait = rng.randint(30, 90)
            emit(t1 + wait, 4, callid, "orders", "NONE", "ABANDON", 1, 1, wait)
        else:
            wait = 1 + int(rng.expovariate(1.0 / 7.0))
            agent = rng.choice(qmap["orders"].members)
            talk = max(15, int(lognormal(rng, 200, 0.55)))
            tc = t1 + wait
            bridged = f"{tc - 2}.{990_000 + len(overflowed)}"
            emit(tc, 3, callid, "orders", agent, "CONNECT", wait, bridged, 2)
            emit(tc + talk, 4, callid, "orders", agent, "COMPLETECALLER", wait, talk, 1)
        overflowed.append(callid)
    transfers = sorted(
        (e[0], e[3].split("|")[1])
        for e in events
        if "|technical|" in e[3] and "|TRANSFER|" in e[3] and e[0] + 120 < t_copy
    )
    for t_end, callid in rng.sample(transfers, 4):
        # transferred back into the queue (the extension is the queue's): a second visit,
        # which the caller leaves by pressing 1 (a call back) after 25-40 s
        callerid = next(c["callerid"] for c in calls if c["callid"] == callid)
        pressed = rng.randint(25, 40)
        emit(t_end + 1, 1, callid, "technical", "NONE", "ENTERQUEUE", "", callerid, 1)
        emit(t_end + 1 + pressed, 4, callid, "technical", "NONE", "EXITWITHKEY", 1, 1, 1, pressed)
        returned.append(callid)
    return {"overflowed_to_orders": overflowed, "returned_to_technical": returned}


def generate_asterisk() -> dict[str, Any]:
    rng = random.Random(SEED_AST)
    members = [f"PJSIP/{n}" for n in range(201, 213)]
    queues = [
        AstQueue("orders", [*members[0:5], members[10]], 7.0, 140.0, 300),
        AstQueue("technical", members[4:10], 40.0, 140.0, 240),
        AstQueue("billing", [*members[9:12], members[0]], 9.0, 140.0, 300),
    ]
    qmap = {q.name: q for q in queues}
    # Europe/Warsaw business hours 08:00-17:00 = 07:00-16:00 UTC in March (CET)
    days = [datetime(2025, 3, d, tzinfo=UTC) for d in (10, 11, 12, 13, 14)]
    # the file was copied on Friday 14 March at 16:51:37 local time: later events are not in it
    t_copy = int(days[-1].timestamp()) + 15 * 3600 + 51 * 60 + 37
    events: list[tuple[int, int, int, str]] = []  # (epoch, phase, seq, line)
    seq = 0

    def emit(
        t: int, phase: int, callid: str, queue: str, agent: str, event: str, *data: object
    ) -> None:
        nonlocal seq
        seq += 1
        line = "|".join([str(t), callid, queue, agent, event, *(str(d) for d in data)])
        events.append((t, phase, seq, line))

    emit(int(days[0].timestamp()) + 6 * 3600 + 1712, 0, "NONE", "NONE", "NONE", "QUEUESTART", "")
    for d in days:
        base = int(d.timestamp())
        for q in queues:
            for m in q.members:
                emit(
                    base + 6 * 3600 + 50 * 60 + rng.randint(0, 540),
                    0,
                    "NONE",
                    q.name,
                    m,
                    "ADDMEMBER",
                    "",
                )
                emit(
                    base + 16 * 3600 + rng.randint(60, 1200),
                    0,
                    "NONE",
                    q.name,
                    m,
                    "REMOVEMEMBER",
                    "",
                )
        for m in members:
            lunch = base + 10 * 3600 + rng.randint(0, 7200)
            length = rng.randint(1500, 2700)
            for q in queues:
                if m in q.members:
                    emit(lunch, 0, "NONE", q.name, m, "PAUSE", "Lunch")
                    emit(lunch + length, 0, "NONE", q.name, m, "UNPAUSE", "")
    # configuration reloaded once mid-week
    emit(
        int(days[2].timestamp()) + 12 * 3600 + 3 * 60 + 7,
        0,
        "NONE",
        "NONE",
        "NONE",
        "CONFIGRELOAD",
        "",
    )

    calls: list[dict[str, Any]] = []
    for _ in range(1_198):
        while True:
            d = rng.choice(days)
            t0 = int(d.timestamp()) + 7 * 3600 + int(rng.triangular(0, 9 * 3600, 2.5 * 3600))
            if t0 < t_copy - 600:
                break
        q = rng.choices(queues, [35, 40, 25])[0]
        need = 1 + int(rng.expovariate(1.0 / q.wait_mean))
        patience = 2 + int(rng.expovariate(1.0 / q.patience_mean))
        # a few very patient callers hit the queue timeout (mostly in the congested queue)
        if min(need, patience) >= q.timeout or rng.random() < (
            0.035 if q.name == "technical" else 0.004
        ):
            outcome, wait = "timeout", q.timeout
        elif patience < need:
            outcome, wait = "abandon", patience
        else:
            outcome, wait = "connect", need
        calls.append({"queue": q.name, "enter": t0, "outcome": outcome, "wait": wait})
    # two calls still in progress when the file was copied: one talking, one waiting
    calls.append(
        {"queue": "orders", "enter": t_copy - 95, "outcome": "connect", "wait": 12, "talk": 640}
    )
    calls.append({"queue": "technical", "enter": t_copy - 34, "outcome": "abandon", "wait": 150})

    # Wednesday 09:30 local: every billing member is paused for a meeting, so callers are
    # sent out of the queue at once (leaveempty) -> EXITEMPTY
    meeting = int(days[2].timestamp()) + 8 * 3600 + 30 * 60
    for m in qmap["billing"].members:
        emit(meeting - 60, 0, "NONE", "billing", m, "PAUSE", "Meeting")
        emit(meeting + 1800, 0, "NONE", "billing", m, "UNPAUSE", "")
    movable = [c for c in calls if c["queue"] == "billing" and c["outcome"] != "timeout"]
    for c in rng.sample(movable, 4):
        c["enter"] = meeting + rng.randint(0, 1700)
    for c in calls:
        if c["queue"] == "billing" and meeting <= c["enter"] < meeting + 1800:
            c["outcome"], c["wait"] = "empty", rng.randint(0, 2)

    # planted boundary: exactly 20 s and 21 s in queue before CONNECT
    connected = [
        c for c in calls if c["outcome"] == "connect" and c["queue"] == "orders" and "talk" not in c
    ]
    b20, b21 = rng.sample(connected, 2)
    b20["wait"], b21["wait"] = 20, 21

    # uniqueids grow with time, like Asterisk's; the channel exists a few seconds (IVR)
    # before it enters the queue
    calls.sort(key=lambda c: c["enter"])
    uniq = 40_000
    for c in calls:
        uniq += rng.randint(2, 9)
        c["callid"] = f"{c['enter'] - rng.randint(4, 25)}.{uniq}"
        c["callerid"] = (
            "unknown"
            if rng.random() < 0.02
            else "0" + "".join(str(rng.randrange(10)) for _ in range(9))
        )
        c["leave"] = c["enter"] + c["wait"]
    # original position = callers already waiting in that queue + 1
    for q in queues:
        qcalls = [c for c in calls if c["queue"] == q.name]
        for c in qcalls:
            c["origpos"] = 1 + sum(1 for o in qcalls if o["enter"] < c["enter"] < o["leave"])

    uniq2 = 900_000
    for c in calls:
        q = qmap[c["queue"]]
        t0, callid, wait, outcome = c["enter"], c["callid"], c["wait"], c["outcome"]
        emit(t0, 1, callid, q.name, "NONE", "ENTERQUEUE", "", c["callerid"], c["origpos"])
        pos_now = rng.randint(1, c["origpos"])
        if outcome == "connect":
            # members that rang without answering (ring timeout 15 s) before someone picked up
            n_rna = 0
            if wait >= 20:
                n_rna = rng.choice([0, 1, 1, 2]) if wait >= 40 else rng.choice([0, 0, 1])
            tr = t0
            for _ in range(n_rna):
                tr += rng.randint(16, 19)
                if tr >= t0 + wait:
                    break
                emit(tr, 2, callid, q.name, rng.choice(q.members), "RINGNOANSWER", 15000)
            agent = rng.choice(q.members)
            ring = rng.randint(1, min(8, max(1, wait)))
            uniq2 += rng.randint(1, 5)
            tc = t0 + wait
            emit(tc, 3, callid, q.name, agent, "CONNECT", wait, f"{tc - ring}.{uniq2}", ring)
            talk = c.get("talk") or max(
                15, int(lognormal(rng, 200 if q.name != "technical" else 330, 0.55))
            )
            te = tc + talk
            r = rng.random()
            if r < 0.08:
                ext = rng.choice(["2100", "2200", "7001"])
                emit(
                    te,
                    4,
                    callid,
                    q.name,
                    agent,
                    "TRANSFER",
                    ext,
                    "from-internal",
                    wait,
                    talk,
                    c["origpos"],
                )
            elif r < 0.50:
                emit(te, 4, callid, q.name, agent, "COMPLETEAGENT", wait, talk, c["origpos"])
            else:
                emit(te, 4, callid, q.name, agent, "COMPLETECALLER", wait, talk, c["origpos"])
        elif outcome == "abandon":
            if wait >= 20 and rng.random() < 0.5:
                emit(t0 + 17, 2, callid, q.name, rng.choice(q.members), "RINGNOANSWER", 15000)
            emit(t0 + wait, 4, callid, q.name, "NONE", "ABANDON", pos_now, c["origpos"], wait)
        elif outcome == "timeout":
            emit(
                t0 + wait, 4, callid, q.name, "NONE", "EXITWITHTIMEOUT", pos_now, c["origpos"], wait
            )
        else:  # empty
            emit(t0 + wait, 4, callid, q.name, "NONE", "EXITEMPTY", 1, c["origpos"], wait)

    followed = follow_on_visits(calls, qmap, t_copy, emit, events)

    events = [e for e in events if e[0] <= t_copy]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    lines = [e[3] for e in events]

    # malformed 1: a line whose time field is not a UNIX epoch (converted by hand)
    i_bad = next(
        i for i, line in enumerate(lines) if line.endswith("|PAUSE|Lunch") and "|billing|" in line
    )
    t_bad, rest = lines[i_bad].split("|", 1)
    lines[i_bad] = (
        datetime.fromtimestamp(int(t_bad), UTC).strftime("%Y-%m-%d %H:%M:%S") + "|" + rest
    )
    # malformed 2: the file was copied while Asterisk was writing: the last line is cut short
    uniq += 3
    lines.append(f"{t_copy}|{t_copy - 9}.{uniq}|ord")

    text = "".join(line + "\n" for line in lines)
    path = HERE / "asterisk-queue_log"
    path.write_bytes(text.encode("ascii"))
    in_progress = [
        c["callid"] for c in calls if c["enter"] + c["wait"] + c.get("talk", 0) > t_copy - 1
    ]
    return {
        "file": path.name,
        "lines": len(lines),
        "calls_with_enterqueue": len(calls),
        "malformed": {"bad_epoch": lines[i_bad], "truncated": lines[-1]},
        "planted": {
            "wait_20": b20["callid"],
            "wait_21": b21["callid"],
            "cut_by_copy": in_progress,
            **followed,
        },
        "bytes": path.stat().st_size,
    }


# ---------------------------------------------------------------------------------------
# Zendesk incremental ticket export with side-loaded metric_sets
# ---------------------------------------------------------------------------------------

OPEN_H, CLOSE_H = 8, 17  # business hours schedule (UTC), Monday-Friday


def _business_day(t: datetime) -> bool:
    return t.weekday() < 5


def business_minutes_between(a: datetime, b: datetime) -> int:
    """Whole minutes of [a, b) that fall in the schedule Mon-Fri 08:00-17:00 UTC."""
    if b <= a:
        return 0
    total = 0.0
    day = a.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < b:
        if _business_day(day):
            s = max(a, day + timedelta(hours=OPEN_H))
            e = min(b, day + timedelta(hours=CLOSE_H))
            if e > s:
                total += (e - s).total_seconds()
        day += timedelta(days=1)
    return int(total // 60)


def add_business_minutes(a: datetime, minutes: int) -> datetime:
    """The moment `minutes` business minutes after `a` (lands inside business hours)."""
    t = a
    left = float(minutes * 60)
    while True:
        day = t.replace(hour=0, minute=0, second=0, microsecond=0)
        open_t, close_t = day + timedelta(hours=OPEN_H), day + timedelta(hours=CLOSE_H)
        if not _business_day(day) or t >= close_t:
            t = day + timedelta(days=1, hours=OPEN_H)
            continue
        t = max(t, open_t)
        room = (close_t - t).total_seconds()
        if left <= room:
            return t + timedelta(seconds=left)
        left -= room
        t = day + timedelta(days=1, hours=OPEN_H)


GROUPS = {
    360004400001: "Payments",
    360004400002: "Accounts",
    360004400003: "Technical",
    360004400004: "Partners",
}
SLOW_GROUP = 360004400004
TARGET_MIN = {"urgent": 60, "high": 240, "normal": 1440, "low": 4320}


def generate_zendesk() -> dict[str, Any]:
    rng = random.Random(SEED_ZD)
    sub = "https://example.zendesk.com/api/v2"
    export_time = datetime(2025, 3, 31, 6, 0, 0, tzinfo=UTC)
    agents = {g: [366000000000 + g % 10 * 1000 + k for k in range(1, 6)] for g in GROUPS}
    subjects = {
        360004400001: [
            "Card payment declined",
            "Refund not received",
            "Double charge on invoice",
            "Direct debit failed",
        ],
        360004400002: [
            "Cannot log in",
            "Change of address",
            "Close my account",
            "Update company details",
        ],
        360004400003: [
            "API returns 500",
            "Webhook not delivered",
            "Export is empty",
            "App crashes on start",
        ],
        360004400004: [
            "Partner onboarding",
            "Commission statement wrong",
            "Reseller discount",
            "Partner portal access",
        ],
    }
    n = 800
    created: list[datetime] = []
    start = datetime(2025, 3, 3, tzinfo=UTC)
    for _ in range(n):
        day = start + timedelta(days=rng.randrange(26))  # 3-28 March
        if day.weekday() >= 5 and rng.random() < 0.6:
            day -= timedelta(days=day.weekday() - 4)  # fewer weekend tickets
        if rng.random() < 0.82:
            sec = int(rng.triangular(7 * 3600, 19 * 3600, 10 * 3600))
        else:
            sec = rng.randrange(86400)
        created.append(day + timedelta(seconds=sec))
    created.sort()

    tickets: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    planted: dict[str, Any] = {}
    for k, c_at in enumerate(created):
        tid = 10_001 + k
        gid = rng.choices(list(GROUPS), [30, 25, 28, 17])[0]
        pri = rng.choices(["urgent", "high", "normal", "low", None], [8, 22, 55, 10, 5])[0]
        chan = rng.choices(["email", "web", "chat", "api"], [45, 30, 15, 10])[0]
        requester = 380000000000 + rng.randrange(1, 90000)
        age_h = (export_time - c_at).total_seconds() / 3600
        # status: most older tickets are solved or closed
        if age_h < 72:
            status = rng.choices(["new", "open", "pending", "hold", "solved"], [12, 30, 15, 3, 40])[
                0
            ]
        else:
            status = rng.choices(["open", "pending", "hold", "solved"], [3, 4, 1, 92])[0]
        replied = status != "new" and not (status == "open" and rng.random() < 0.12)
        slow = gid == SLOW_GROUP
        target = TARGET_MIN.get(pri or "normal", 1440)
        reply_b: int | None = None
        if replied:
            # share of target used; the slow group needs ~2.5x longer
            scale = target * (0.30 if not slow else 1.0)
            reply_b = max(1, int(lognormal(rng, scale, 0.75)))
            if chan == "chat":
                reply_b = max(1, reply_b // 4)
        reply_at = add_business_minutes(c_at, reply_b) if reply_b is not None else None
        if reply_at is not None and reply_at > export_time - timedelta(minutes=5):
            reply_b, reply_at, replied = None, None, False
            if status in ("solved", "pending", "hold"):
                status = "open"
        assignee = None if status == "new" else rng.choice(agents[gid])
        solved_at = None
        full_b = first_b = None
        reopens = 0
        if status == "solved" and reply_b is not None and reply_at is not None:
            extra = int(lognormal(rng, 300 if not slow else 700, 0.9))
            full_b = reply_b + extra
            solved_at = add_business_minutes(c_at, full_b)
            if solved_at > export_time - timedelta(minutes=5):
                solved_at, full_b = None, None
                status = "open"
            else:
                reopens = 1 if rng.random() < 0.08 else 0
                first_b = full_b - rng.randint(60, max(61, extra // 2)) if reopens else full_b
                if first_b is not None and first_b < reply_b:
                    first_b = full_b
                if (export_time - solved_at).days >= 4:
                    status = "closed"
        hold_b = 0
        if status == "hold" or (solved_at is not None and rng.random() < 0.05):
            hold_b = rng.randint(30, 600)
        pending_b = 0
        if solved_at is not None and full_b is not None and rng.random() < 0.3:
            pending_b = rng.randint(10, max(11, (full_b - (reply_b or 0)) // 2))

        def cal(b_min: int | None, c_at: datetime = c_at) -> int | None:
            if b_min is None:
                return None
            return int((add_business_minutes(c_at, b_min) - c_at).total_seconds() // 60)

        reply_cal = cal(reply_b)
        full_cal = cal(full_b)
        first_cal = cal(first_b)
        events = [c_at]
        for t in (reply_at, solved_at):
            if t is not None:
                events.append(t)
        closed_at = solved_at + timedelta(days=4) if (status == "closed" and solved_at) else None
        if closed_at is not None:
            events.append(closed_at)
        updated = max(events)
        if status in ("open", "pending", "hold") and reply_at is not None:
            updated = max(
                updated,
                min(
                    export_time - timedelta(minutes=30),
                    reply_at + timedelta(hours=rng.randint(1, 30)),
                ),
            )
        subj = rng.choice(subjects[gid])
        via: dict[str, Any] = {"channel": chan, "source": {"from": {}, "to": {}, "rel": None}}
        if chan == "email":
            via["source"] = {
                "from": {
                    "address": f"customer{requester % 100000}@example.net",
                    "name": f"Customer {requester % 1000}",
                },
                "to": {"address": "support@example.com", "name": "Example Support"},
                "rel": None,
            }
        ticket = {
            "url": f"{sub}/tickets/{tid}.json",
            "id": tid,
            "external_id": None,
            "via": via,
            "created_at": iso(c_at),
            "updated_at": iso(updated),
            "type": rng.choice(["question", "incident", "problem", "task", None]),
            "subject": subj,
            "raw_subject": subj,
            "description": f"{subj}. Please help.",
            "priority": pri,
            "status": status,
            "recipient": "support@example.com" if chan == "email" else None,
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": assignee,
            "organization_id": 370000000000 + requester % 400,
            "group_id": gid,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": True,
            "due_at": None,
            "tags": [GROUPS[gid].lower()] + ([pri] if pri else []),
            "custom_fields": [],
            "satisfaction_rating": None,
            "sharing_agreement_ids": [],
            "custom_status_id": 360012000000
            + ["new", "open", "pending", "hold", "solved", "closed"].index(status),
            "fields": [],
            "followup_ids": [],
            "brand_id": 360000900001,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
            "generated_timestamp": int(updated.timestamp()),
        }
        agent_wait_b = pending_b if solved_at is not None else None
        # calendar parts of the waits: business minutes x this ticket's calendar/business ratio
        ratio = full_cal / full_b if (full_cal is not None and full_b) else 1.6
        agent_wait_cal = None if agent_wait_b is None else int(agent_wait_b * ratio)
        hold_cal = int(hold_b * ratio)
        req_wait_b = None if full_b is None else max(0, full_b - (agent_wait_b or 0) - hold_b)
        req_wait_cal = (
            None
            if full_cal is None
            else max(req_wait_b or 0, full_cal - (agent_wait_cal or 0) - hold_cal)
        )
        metric = {
            "url": f"{sub}/ticket_metrics/{27000000000000 + tid * 7}.json",
            "id": 27000000000000 + tid * 7,
            "ticket_id": tid,
            "created_at": iso(c_at),
            "updated_at": iso(updated),
            "group_stations": 1 if rng.random() < 0.9 else 2,
            "assignee_stations": 0 if assignee is None else (1 if rng.random() < 0.85 else 2),
            "reopens": reopens,
            "replies": 0 if reply_b is None else rng.randint(1, 4),
            "assignee_updated_at": iso(reply_at) if reply_at else None,
            "requester_updated_at": iso(c_at),
            "status_updated_at": iso(updated),
            "initially_assigned_at": iso(c_at + timedelta(minutes=rng.randint(1, 30)))
            if assignee
            else None,
            "assigned_at": iso(c_at + timedelta(minutes=rng.randint(1, 30))) if assignee else None,
            "solved_at": iso(solved_at) if solved_at else None,
            "latest_comment_added_at": iso(
                max(t for t in (c_at, reply_at, solved_at) if t is not None)
            ),
            "custom_status_updated_at": iso(updated),
            "reply_time_in_minutes": {"calendar": reply_cal, "business": reply_b},
            "first_resolution_time_in_minutes": {"calendar": first_cal, "business": first_b},
            "full_resolution_time_in_minutes": {"calendar": full_cal, "business": full_b},
            "agent_wait_time_in_minutes": {"calendar": agent_wait_cal, "business": agent_wait_b},
            "requester_wait_time_in_minutes": {"calendar": req_wait_cal, "business": req_wait_b},
            "on_hold_time_in_minutes": {"calendar": hold_cal, "business": hold_b},
        }
        tickets.append(ticket)
        metrics.append(metric)

    # planted boundary: an urgent ticket answered after exactly 60 business minutes passes
    urgent = [
        (tk, m)
        for tk, m in zip(tickets, metrics, strict=True)
        if tk["priority"] == "urgent"
        and m["reply_time_in_minutes"]["business"] is not None
        and tk["group_id"] != SLOW_GROUP
        and tk["status"] == "closed"
    ]
    (t60, m60), (t61, m61) = rng.sample(urgent, 2)
    for tk, m, b in ((t60, m60, 60), (t61, m61, 61)):
        c_at = datetime.strptime(tk["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        m["reply_time_in_minutes"] = {
            "business": b,
            "calendar": int((add_business_minutes(c_at, b) - c_at).total_seconds() // 60),
        }
        m["assignee_updated_at"] = iso(add_business_minutes(c_at, b))
    planted["urgent_reply_60"] = t60["id"]
    planted["urgent_reply_61"] = t61["id"]

    # malformed values (2)
    pool = [t for t in tickets if t["status"] == "closed" and t["id"] not in (t60["id"], t61["id"])]
    bad_created, bad_reply = rng.sample(pool, 2)
    bad_created["created_at"] = (
        bad_created["created_at"][:11] + "25" + bad_created["created_at"][13:]
    )
    bad_metric = next(m for m in metrics if m["ticket_id"] == bad_reply["id"])
    bad_metric["reply_time_in_minutes"]["business"] = "ninety"
    planted["malformed"] = {
        "created_at": {"ticket_id": bad_created["id"], "value": bad_created["created_at"]},
        "reply_business": {"ticket_id": bad_reply["id"], "value": "ninety"},
    }

    order = sorted(range(n), key=lambda i: (tickets[i]["generated_timestamp"], tickets[i]["id"]))
    tickets = [tickets[i] for i in order]
    metrics = [metrics[i] for i in order]
    last = tickets[-1]["generated_timestamp"]
    cursor = base64.b64encode(f"{last}.0||{tickets[-1]['id']}|".encode()).decode()
    page = {
        "tickets": tickets,
        "metric_sets": metrics,
        "after_url": f"{sub}/incremental/tickets/cursor.json?cursor={cursor}&include=metric_sets",
        "after_cursor": cursor,
        "before_url": None,
        "before_cursor": None,
        "end_of_stream": True,
    }
    text = json.dumps(page, ensure_ascii=False, separators=(",", ":"))
    path = HERE / "zendesk-tickets.json.gz"
    write_gz(path, text.encode("utf-8"))
    return {
        "file": path.name,
        "tickets": len(tickets),
        "metric_sets": len(metrics),
        "planted": planted,
        "bytes": path.stat().st_size,
        "raw_bytes": len(text.encode("utf-8")),
    }


def main() -> None:
    summary = {
        "amazon-connect": generate_ctr(),
        "asterisk": generate_asterisk(),
        "zendesk": generate_zendesk(),
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
