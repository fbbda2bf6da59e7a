"""Generate the example interaction logs used by the svcaudit demos and tests.

Run from the repository root (standard library only, Python 3.11+)::

    python examples/generate.py

The output is seeded and deterministic: running it again gives byte-identical files.
It writes, next to this script:

``hotel-chain.csv``
    26 weeks (17 March - 14 September 2025, ISO weeks 12 to 37, spanning the switch to
    summer time on 30 March) of guest interactions at a Polish five-star hotel chain with
    seven branches: arrivals (greeting), check-ins, luggage deliveries, phone calls and
    e-mails. Use it with ``standards/hospitality-five-star.yaml``. "Gdańsk Motława" is
    clearly worse than the rest. From week 28 (7 July) check-in at "Warszawa Centrum" is
    slower, and from week 24 (9 June) "Kraków Old Town" holds far fewer callers over 30 s
    (``PLANTED_CHANGES``). Call-back offers and luggage delivery are breached chain-wide.
    Timestamps are naive Europe/Warsaw local time, except "Wrocław Rynek", whose system writes explicit
    offsets (+01:00 / +02:00). The file includes missing values, malformed rows and
    quoted fields containing a comma and a newline.

``contact-centre.csv.gz``
    Four weeks of inbound calls to a bank's contact centre with five queues (the branch
    column). "Mortgages" is under-staffed: long waits and many abandoned calls. Timestamps
    are UTC with a ``Z`` suffix. Use it with ``standards/contact-centre.yaml``.

``helpdesk-tickets.jsonl``
    Four weeks of support tickets (JSON Lines) for four teams. Each team's timestamps carry
    that team's UTC offset. "APAC" is under-staffed and replies late. Normal-priority
    resolution is breached across all teams. Use it with ``standards/helpdesk-sla.yaml``.

Exactly what is planted (malformed rows, boundary cases, row counts) is listed in
``examples/README.md`` and printed when the script runs.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
WARSAW = ZoneInfo("Europe/Warsaw")

SEED_HOTEL = 20250320  # picked so that no chance run blurs the planted weeks (README)
SEED_CALLS = 20250303
SEED_TICKETS = 20250304


@dataclass
class FileStats:
    """What one generated file contains, for the printed summary and the README."""

    path: Path
    rows: int = 0  # data records (not physical lines), header excluded
    malformed: dict[str, int] = field(default_factory=dict)
    physical_lines: int = 0  # including the header, for text files
    notes: list[str] = field(default_factory=list)

    def add_malformed(self, reason: str) -> None:
        """Count one planted malformed row, by reason."""
        self.malformed[reason] = self.malformed.get(reason, 0) + 1

    @property
    def malformed_total(self) -> int:
        """All planted malformed rows."""
        return sum(self.malformed.values())


def weighted_hour(rng: random.Random, weights: Sequence[float]) -> int:
    """An hour of the day 0..23 drawn with the given 24 weights."""
    return rng.choices(range(24), weights=weights)[0]


def local_instant(day: date, hour: int, rng: random.Random, tz: tzinfo) -> datetime:
    """A UTC instant at a random minute/second of ``hour`` on ``day``, local time in ``tz``.

    Going through UTC normalises local times that do not exist (the spring-forward gap).
    """
    naive = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
    return naive.replace(tzinfo=tz).astimezone(UTC)


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """CSV text (RFC 4180 quoting, CRLF line ends) encoded as UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------
# Hotel chain
# --------------------------------------------------------------------------------------

HOTEL_HEADER = [
    "id",
    "branch",
    "channel",
    "kind",
    "agent",
    "arrived_at",
    "greeted_at",
    "completed_at",
    "rings",
    "hold_seconds",
    "callback_offered",
    "first_reply_at",
    "note",
]
HOTEL_START = date(2025, 3, 17)
HOTEL_DAYS = 182  # 26 weeks, Monday 17 March (2025-W12) to Sunday 14 September (2025-W37)
HOTEL_RANDOM_ROWS = 29_993  # + 7 planted edge cases = 30,000 rows


@dataclass(frozen=True)
class HotelProfile:
    """Per-branch probabilities of meeting each standard (the planted story)."""

    weight: float  # share of the chain's interactions
    greet_ok: float  # greeted within 60 s
    rings_ok: float  # answered within 3 rings
    long_hold: float  # a call is held for more than 30 s
    callback: float  # a call back is offered when held more than 30 s
    checkin_ok: float  # check-in within 5 minutes
    luggage_ok: float  # luggage within 10 minutes
    email_ok: float  # e-mail answered within 24 h
    offset_timestamps: bool = False  # this branch's system writes explicit UTC offsets


# Every branch but Gdańsk Motława keeps the same service: they differ only by chance.
_SAME = (0.991, 0.989, 0.077, 0.89, 0.957, 0.845, 0.995)
HOTEL_BRANCHES: dict[str, HotelProfile] = {
    "Kraków Old Town": HotelProfile(0.18, *_SAME),
    "Warszawa Centrum": HotelProfile(0.20, *_SAME),
    "Gdańsk Motława": HotelProfile(0.11, 0.840, 0.860, 0.350, 0.45, 0.78, 0.62, 0.86),
    "Wrocław Rynek": HotelProfile(0.15, *_SAME, offset_timestamps=True),
    "Poznań Stary Browar": HotelProfile(0.13, *_SAME),
    "Łódź Manufaktura": HotelProfile(0.12, *_SAME),
    "Zakopane Tatry": HotelProfile(0.11, *_SAME),
}


@dataclass(frozen=True)
class PlantedChange:
    """From Monday ``since`` (local), ``branch`` meets one standard with another probability."""

    branch: str
    field: str  # a HotelProfile probability
    since: date
    probability: float


PLANTED_CHANGES = (
    # a deterioration: checkin-5min at Warszawa Centrum from 2025-W28 (95.7 % -> 80 %)
    PlantedChange("Warszawa Centrum", "checkin_ok", date(2025, 7, 7), 0.80),
    # an improvement: hold-30s at Kraków Old Town from 2025-W24 (calls held over 30 s:
    # 7.7 % -> 1 %)
    PlantedChange("Kraków Old Town", "long_hold", date(2025, 6, 9), 0.01),
)


def profile_on(branch: str, day: date) -> HotelProfile:
    """The branch's probabilities on ``day``, with the planted changes in force then."""
    profile = HOTEL_BRANCHES[branch]
    for change in PLANTED_CHANGES:
        if change.branch == branch and day >= change.since:
            profile = replace(profile, **{change.field: change.probability})
    return profile


HOTEL_AGENTS: dict[str, list[str]] = {
    "Kraków Old Town": [
        "Anna Nowak",
        "Piotr Kowalski",
        "Zofia Wiśniewska",
        "Jakub Wójcik",
        "Maria Kamińska",
        "Tomasz Lewandowski",
    ],
    "Warszawa Centrum": [
        "Katarzyna Zielińska",
        "Michał Szymański",
        "Agnieszka Woźniak",
        "Paweł Dąbrowski",
        "Magdalena Kozłowska",
        "Krzysztof Jankowski",
        "Ewa Mazur",
    ],
    "Gdańsk Motława": [
        "Joanna Kwiatkowska",
        "Marcin Krawczyk",
        "Aleksandra Piotrowska",
        "Łukasz Grabowski",
        "Natalia Pawłowska",
    ],
    "Wrocław Rynek": [
        "Barbara Michalska",
        "Grzegorz Nowicki",
        "Monika Adamczyk",
        "Rafał Dudek",
        "Karolina Zając",
        "Adam Wieczorek",
    ],
    "Poznań Stary Browar": [
        "Dorota Król",
        "Mateusz Wróbel",
        "Justyna Jabłońska",
        "Bartosz Majewski",
        "Iwona Olszewska",
        "Sebastian Stępień",
    ],
    "Łódź Manufaktura": [
        "Małgorzata Górska",
        "Dariusz Rutkowski",
        "Beata Sikora",
        "Wojciech Baran",
        "Sylwia Ostrowska",
    ],
    "Zakopane Tatry": [
        "Halina Gąsienica",
        "Józef Bachleda",
        "Urszula Krzeptowska",
        "Stanisław Chowaniec",
        "Wiktoria Łukaszczyk",
    ],
}

HOTEL_KINDS = ["arrival", "check-in", "luggage", "call", "email"]
HOTEL_KIND_WEIGHTS = [0.26, 0.22, 0.16, 0.25, 0.11]
HOTEL_CHANNEL = {
    "arrival": "in-person",
    "check-in": "in-person",
    "luggage": "in-person",
    "call": "phone",
    "email": "email",
}
# Guests arrive from mid-morning, mostly mid-afternoon (check-in time); phones ring in the
# daytime; e-mail arrives around the clock.
ARRIVAL_HOURS = [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 7, 9, 12, 14, 13, 11, 9, 7, 5, 3, 2, 1]
CALL_HOURS = [0, 0, 0, 0, 0, 0, 0, 2, 5, 8, 9, 9, 8, 7, 7, 7, 6, 6, 5, 4, 3, 2, 1, 0]
EMAIL_HOURS = [1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1]

HOTEL_NOTES = [
    "VIP guest",
    "Returning guest, prefers high floor",
    "Anniversary stay",
    "Requested late check-out, 14:00",
    "Allergy: nuts, informed kitchen",
    "Travelling with a dog",
    'Asked for "quiet room"',
    "Group booking, 4 rooms",
]
COMMA_NOTE = "Guest asked for extra pillows, a kettle and a city map"
NEWLINE_NOTE = "Bags left at the concierge.\nGuest will collect them after dinner."


@dataclass
class HotelRow:
    """One interaction before it is written; instants are UTC-aware."""

    branch: str
    kind: str
    agent: str
    arrived: datetime
    greeted: datetime | None = None
    completed: datetime | None = None
    rings: int | None = None
    hold: int | None = None
    callback: bool | None = None
    first_reply: datetime | None = None
    note: str = ""

    def fields(self, row_id: str) -> list[str]:
        """The CSV fields, timestamps written the way this branch's system writes them."""
        offset = HOTEL_BRANCHES[self.branch].offset_timestamps

        def ts(value: datetime | None) -> str:
            """Naive local time, or local time with its offset."""
            if value is None:
                return ""
            local = value.astimezone(WARSAW)
            if offset:
                return local.isoformat(timespec="seconds")
            return local.strftime("%Y-%m-%d %H:%M:%S")

        return [
            row_id,
            self.branch,
            HOTEL_CHANNEL[self.kind],
            self.kind,
            self.agent,
            ts(self.arrived),
            ts(self.greeted),
            ts(self.completed),
            "" if self.rings is None else str(self.rings),
            "" if self.hold is None else str(self.hold),
            "" if self.callback is None else ("true" if self.callback else "false"),
            ts(self.first_reply),
            self.note,
        ]


def hotel_row(rng: random.Random, branch: str, kind: str) -> HotelRow:
    """A random, well-formed interaction of ``kind`` at ``branch``."""
    day = HOTEL_START + timedelta(days=rng.randrange(HOTEL_DAYS))
    p = profile_on(branch, day)
    hours = {"call": CALL_HOURS, "email": EMAIL_HOURS}.get(kind, ARRIVAL_HOURS)
    arrived = local_instant(day, weighted_hour(rng, hours), rng, WARSAW)
    row = HotelRow(
        branch=branch, kind=kind, agent=rng.choice(HOTEL_AGENTS[branch]), arrived=arrived
    )

    def seconds(ok: bool, good: tuple[int, int], bad: tuple[int, int]) -> timedelta:
        """A duration drawn from the good or the bad range."""
        low, high = good if ok else bad
        return timedelta(seconds=rng.randint(low, high))

    if kind == "arrival":
        row.greeted = arrived + seconds(rng.random() < p.greet_ok, (3, 58), (62, 420))
        if rng.random() < 0.015:  # greeting not recorded
            row.greeted = None
    elif kind == "check-in":
        row.completed = arrived + seconds(rng.random() < p.checkin_ok, (80, 295), (305, 1080))
        if rng.random() < 0.01:
            row.completed = None
    elif kind == "luggage":
        row.completed = arrived + seconds(rng.random() < p.luggage_ok, (150, 595), (605, 2100))
        if rng.random() < 0.04:  # task closed without a delivery time
            row.completed = None
    elif kind == "call":
        ok = rng.random() < p.rings_ok
        row.rings = rng.choices([1, 2, 3], weights=[5, 4, 2])[0] if ok else rng.randint(4, 9)
        draw = rng.random()
        if draw < p.long_hold:
            row.hold = rng.randint(31, 240)
            row.callback = rng.random() < p.callback
        else:
            row.hold = 0 if draw < p.long_hold + 0.55 else rng.randint(5, 29)
            row.callback = False
        talk = rng.randint(45, 540)
        row.completed = arrived + timedelta(seconds=row.rings * 5 + talk + row.hold)
        if rng.random() < 0.01:  # ring count lost by the phone system
            row.rings = None
    elif kind == "email":
        if rng.random() < p.email_ok:
            reply = timedelta(minutes=rng.randint(6, 23 * 60 + 50))
        else:
            reply = timedelta(minutes=rng.randint(24 * 60 + 5, 60 * 60))
        row.first_reply = arrived + reply
        if rng.random() < 0.01:  # never answered
            row.first_reply = None
    if rng.random() < 0.03:
        row.note = rng.choice(HOTEL_NOTES)
    return row


def generate_hotel() -> tuple[bytes, FileStats]:
    """The bytes of hotel-chain.csv and what was planted in it."""
    rng = random.Random(SEED_HOTEL)
    stats = FileStats(HERE / "hotel-chain.csv")
    branches = list(HOTEL_BRANCHES)
    weights = [HOTEL_BRANCHES[b].weight for b in branches]
    rows = [
        hotel_row(
            rng, rng.choices(branches, weights)[0], rng.choices(HOTEL_KINDS, HOTEL_KIND_WEIGHTS)[0]
        )
        for _ in range(HOTEL_RANDOM_ROWS)
    ]

    first_special = len(rows)
    # Planted, valid rows that test edge cases (see README).
    # E-mails across the spring-forward night (29 -> 30 March): 23 h 10-50 min of real time,
    # but 24 h 10-50 min on the wall clock. A correct audit passes them.
    for minutes in (10, 30, 50):
        arrived = datetime(2025, 3, 29, 10, minutes, 0, tzinfo=WARSAW).astimezone(UTC)
        rows.append(
            HotelRow(
                "Kraków Old Town",
                "email",
                "Maria Kamińska",
                arrived,
                first_reply=arrived + timedelta(hours=23, minutes=minutes),
            )
        )
    # Exactly at the limit (at_most is inclusive): greeted after exactly 60 s, held exactly 30 s.
    for day in (18, 25):
        arrived = datetime(2025, 3, day, 15, 0, 0, tzinfo=WARSAW).astimezone(UTC)
        rows.append(
            HotelRow(
                "Poznań Stary Browar",
                "arrival",
                "Dorota Król",
                arrived,
                greeted=arrived + timedelta(seconds=60),
            )
        )
        rows.append(
            HotelRow(
                "Poznań Stary Browar",
                "call",
                "Mateusz Wróbel",
                arrived,
                completed=arrived + timedelta(seconds=200),
                rings=2,
                hold=30,
                callback=False,
            )
        )
    special = {id(row) for row in rows[first_special:]}
    stats.notes.append(
        "3 DST-spanning e-mails, 2 greetings at exactly 60 s, 2 holds of exactly 30 s"
    )

    rows.sort(key=lambda r: (r.arrived, r.branch, r.kind))
    rows[1000].note = NEWLINE_NOTE
    rows[2000].note = COMMA_NOTE
    records = [row.fields("") for row in rows]
    col = HOTEL_HEADER.index

    def find(start: int, kind: str, branch: str, column: str | None = None) -> int:
        """The first ordinary row at or after ``start`` of that kind and branch."""
        for index in range(start, len(rows)):
            row = rows[index]
            if (
                row.kind == kind
                and row.branch == branch
                and id(row) not in special
                and index not in (1000, 2000)
                and (column is None or records[index][col(column)])
            ):
                return index
        raise LookupError(f"no {kind} row for {branch} after {start}")

    # Malformed rows: well-formed rows corrupted in place, so time order is kept.
    index = find(411, "arrival", "Kraków Old Town")
    records[index][col("arrived_at")] = "2025-02-30 25:61:00"
    stats.add_malformed("unparseable timestamp in arrived_at")

    index = find(1203, "arrival", "Gdańsk Motława", "greeted_at")
    greeted = records[index][col("greeted_at")]
    records[index][col("greeted_at")] = greeted[:14] + "75" + greeted[16:]
    stats.add_malformed("unparseable timestamp in greeted_at")

    index = find(1850, "check-in", "Warszawa Centrum")
    records[index] = records[index][:-1]
    stats.add_malformed("missing field (12 of 13)")

    index = find(2544, "luggage", "Łódź Manufaktura")
    records[index] = [*records[index], "late entry"]
    stats.add_malformed("extra field (14 of 13)")

    index = find(3101, "call", "Zakopane Tatry")
    records[index][col("rings")] = "three"
    stats.add_malformed("non-number in rings")

    index = find(3777, "call", "Gdańsk Motława")
    records[index][col("hold_seconds")] = "forty"
    stats.add_malformed("non-number in hold_seconds")

    index = find(4420, "call", "Warszawa Centrum")
    records[index][col("hold_seconds")] = "long"
    records[index][col("rings")] = "5"  # a breach of phone-3-rings, if it were not rejected
    stats.add_malformed("non-number in hold_seconds")

    for number, record in enumerate(records, start=1):
        record[0] = f"H-{number:05d}"
    stats.rows = len(records)
    data = csv_bytes(HOTEL_HEADER, records)
    stats.physical_lines = data.count(b"\n")
    return data, stats


# --------------------------------------------------------------------------------------
# Contact centre
# --------------------------------------------------------------------------------------

CALL_HEADER = [
    "id",
    "branch",
    "channel",
    "agent",
    "queued_at",
    "answered_at",
    "ended_at",
    "abandoned",
    "wait_seconds",
    "hold_seconds",
    "longest_hold_seconds",
    "holds",
    "talk_seconds",
]
CALL_START = date(2025, 3, 3)
CALL_DAYS = 28
CALL_ROWS = 10_000
# Open 08:00-20:00 Warsaw time: 07-19 UTC in March (winter time).
CALL_HOURS_UTC = [0, 0, 0, 0, 0, 0, 0, 6, 10, 11, 10, 9, 8, 8, 9, 8, 7, 6, 4, 2, 0, 0, 0, 0]


@dataclass(frozen=True)
class QueueProfile:
    """Per-queue staffing and handling (the planted story)."""

    weight: float
    fast_share: float  # callers answered almost at once
    slow_mean: float  # mean extra wait (s) for the others
    hold_share: float  # answered calls put on hold at least once
    hold_mean: float  # mean single hold beyond the first 5 s
    talk_median: float
    agents: int
    code: str


QUEUES: dict[str, QueueProfile] = {
    "Billing": QueueProfile(0.30, 0.80, 28, 0.30, 14, 210, 14, "BIL"),
    "Sales": QueueProfile(0.20, 0.84, 24, 0.20, 12, 300, 10, "SAL"),
    "Tech Support": QueueProfile(0.25, 0.76, 30, 0.55, 24, 420, 12, "TEC"),
    "Cards": QueueProfile(0.15, 0.82, 26, 0.30, 14, 180, 8, "CRD"),
    "Mortgages": QueueProfile(0.10, 0.38, 85, 0.40, 16, 480, 3, "MTG"),
}
PATIENCE_MEAN = 240.0  # seconds a caller waits beyond the first 20 s, on average
SHORT_ABANDON = 0.01  # callers who hang up within 5 s whatever happens (misdials)


def call_row(rng: random.Random, queue: str) -> list[str]:
    """A random, well-formed call to ``queue`` (id left empty): answered or abandoned.

    The caller waits ``wait`` seconds for an agent and gives up if their patience runs out
    first; then ``wait`` is the time until they hung up.
    """
    p = QUEUES[queue]
    day = CALL_START + timedelta(days=rng.randrange(CALL_DAYS))
    queued = local_instant(day, weighted_hour(rng, CALL_HOURS_UTC), rng, UTC)
    if rng.random() < p.fast_share:
        wait = rng.randint(1, 14)
    else:
        wait = 10 + round(rng.expovariate(1 / p.slow_mean))
    if rng.random() < SHORT_ABANDON:
        patience = float(rng.randint(1, 5))
    else:
        patience = 20 + rng.expovariate(1 / PATIENCE_MEAN)

    def z(value: datetime) -> str:
        """UTC with a Z suffix."""
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")

    if patience < wait:
        wait = max(1, round(patience))
        ended = queued + timedelta(seconds=wait)
        return ["", queue, "phone", "", z(queued), "", z(ended), "true", str(wait), "", "", "", ""]
    answered = queued + timedelta(seconds=wait)
    holds: list[int] = []
    if rng.random() < p.hold_share:
        count = rng.choices([1, 2, 3], weights=[70, 24, 6])[0]
        holds = [5 + round(rng.expovariate(1 / p.hold_mean)) for _ in range(count)]
    talk = max(20, round(rng.lognormvariate(0, 0.6) * p.talk_median))
    ended = answered + timedelta(seconds=talk + sum(holds))
    agent = f"{p.code}-{rng.randint(1, p.agents):02d}"
    return [
        "",
        queue,
        "phone",
        agent,
        z(queued),
        z(answered),
        z(ended),
        "false",
        str(wait),
        str(sum(holds)),
        str(max(holds, default=0)),
        str(len(holds)),
        str(talk),
    ]


def generate_calls() -> tuple[bytes, FileStats]:
    """The bytes of contact-centre.csv.gz and what was planted in it."""
    rng = random.Random(SEED_CALLS)
    stats = FileStats(HERE / "contact-centre.csv.gz")
    queues = list(QUEUES)
    weights = [QUEUES[q].weight for q in queues]
    records = [call_row(rng, rng.choices(queues, weights)[0]) for _ in range(CALL_ROWS)]
    records.sort(key=lambda r: (r[4], r[1]))
    col = CALL_HEADER.index

    def answered_from(start: int) -> int:
        """The first answered call at or after ``start``."""
        return next(
            i for i in range(start, len(records)) if records[i][col("abandoned")] == "false"
        )

    # Malformed rows: well-formed calls corrupted in place, so time order is kept. Every bad
    # value is in a column the contact-centre pack reads, so an audit rejects these rows
    # whether it checks every column or only the ones its standards use.
    index = answered_from(777)
    records[index][col("wait_seconds")] = "twelve"
    stats.add_malformed("non-number in wait_seconds")
    index = answered_from(2222)
    records[index][col("hold_seconds")] = "#VALUE!"
    stats.add_malformed("non-number in hold_seconds")
    index = answered_from(4040)
    records[index] = records[index][:-1]
    stats.add_malformed("missing field (12 of 13)")
    index = answered_from(5555)
    records[index] = [*records[index], "transferred"]
    stats.add_malformed("extra field (14 of 13)")
    index = answered_from(7070)
    records[index][col("holds")] = "two"
    stats.add_malformed("non-number in holds")
    index = answered_from(9191)
    records[index][col("abandoned")] = "maybe"
    stats.add_malformed("non-boolean in abandoned")

    for number, record in enumerate(records, start=1):
        record[0] = f"C-{number:05d}"
    stats.rows = len(records)
    text = csv_bytes(CALL_HEADER, records)
    stats.physical_lines = text.count(b"\n")
    # mtime=0 and no file name in the header keep the archive byte-identical across runs.
    return gzip.compress(text, compresslevel=9, mtime=0), stats


# --------------------------------------------------------------------------------------
# Helpdesk
# --------------------------------------------------------------------------------------

TICKET_START = date(2025, 3, 3)
TICKET_DAYS = 28
TICKET_ROWS = 3_000


@dataclass(frozen=True)
class TeamProfile:
    """Per-team time zone and speed (the planted story)."""

    weight: float
    tz: ZoneInfo
    reply_factor: float  # mean first reply as a share of the priority's target
    resolve_factor: float  # mean extra time to resolve as a share of the target
    agents: list[str]


TEAMS: dict[str, TeamProfile] = {
    "EMEA": TeamProfile(
        0.34,
        ZoneInfo("Europe/Berlin"),
        0.20,
        0.26,
        ["Lena Fischer", "Omar Haddad", "Sophie Martin", "Jan Novák", "Ines Costa"],
    ),
    "Americas": TeamProfile(
        0.32,
        ZoneInfo("America/New_York"),
        0.21,
        0.27,
        ["Carlos Rivera", "Emily Johnson", "Marcus Brown", "Ana Souza", "Liam Walsh"],
    ),
    "APAC": TeamProfile(
        0.18, ZoneInfo("Asia/Singapore"), 0.45, 0.34, ["Wei Chen", "Priya Nair", "Kenji Sato"]
    ),
    "Enterprise": TeamProfile(
        0.16, ZoneInfo("UTC"), 0.16, 0.22, ["Grace Kim", "Tomás Ortega", "Nadia Petrova"]
    ),
}
PRIORITIES = ["urgent", "high", "normal", "low"]
PRIORITY_WEIGHTS = [0.05, 0.20, 0.55, 0.20]
REPLY_TARGET = {"urgent": 15 * 60, "high": 3600, "normal": 4 * 3600, "low": 8 * 3600}
RESOLVE_TARGET = {"urgent": 4 * 3600, "high": 8 * 3600, "normal": 24 * 3600, "low": 72 * 3600}
# Normal-priority tickets are routinely parked "waiting on a third party": resolution is
# breached across every team (the chain-wide breach of this file).
NORMAL_RESOLVE_PENALTY = 1.9
TICKET_HOURS = [2, 2, 2, 2, 2, 3, 4, 6, 8, 9, 9, 9, 8, 8, 9, 9, 8, 7, 5, 4, 3, 3, 2, 2]


def ticket(rng: random.Random, team: str) -> dict[str, str | None]:
    """A random, well-formed ticket for ``team`` (id left empty), in the team's offset."""
    p = TEAMS[team]
    priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
    channel = rng.choices(["email", "web", "chat"], [0.50, 0.35, 0.15])[0]
    day = TICKET_START + timedelta(days=rng.randrange(TICKET_DAYS))
    arrived = local_instant(day, weighted_hour(rng, TICKET_HOURS), rng, p.tz)
    reply_mean = REPLY_TARGET[priority] * p.reply_factor * (0.4 if channel == "chat" else 1.0)
    reply = arrived + timedelta(seconds=30 + round(rng.expovariate(1 / reply_mean)))
    penalty = NORMAL_RESOLVE_PENALTY if priority == "normal" else 1.0
    resolve_mean = RESOLVE_TARGET[priority] * p.resolve_factor * penalty
    resolved = reply + timedelta(seconds=120 + round(rng.expovariate(1 / resolve_mean)))

    def ts(value: datetime | None) -> str | None:
        """ISO 8601 in the team's offset."""
        return None if value is None else value.astimezone(p.tz).isoformat(timespec="seconds")

    draw = rng.random()
    first_reply: datetime | None = reply
    resolved_at: datetime | None = resolved
    if draw < 0.006:  # never answered, still open
        first_reply = resolved_at = None
    elif draw < 0.035:  # answered, still open
        resolved_at = None
    return {
        "id": "",
        "branch": team,
        "channel": channel,
        "priority": priority,
        "agent": rng.choice(p.agents),
        "arrived_at": ts(arrived),
        "first_reply_at": ts(first_reply),
        "resolved_at": ts(resolved_at),
    }


def generate_tickets() -> tuple[bytes, FileStats]:
    """The bytes of helpdesk-tickets.jsonl and what was planted in it."""
    rng = random.Random(SEED_TICKETS)
    stats = FileStats(HERE / "helpdesk-tickets.jsonl")
    teams = list(TEAMS)
    weights = [TEAMS[t].weight for t in teams]
    tickets = [ticket(rng, rng.choices(teams, weights)[0]) for _ in range(TICKET_ROWS)]
    tickets.sort(key=lambda t: (datetime.fromisoformat(str(t["arrived_at"])), str(t["branch"])))

    # Malformed tickets: well-formed tickets corrupted in place, so time order is kept.
    def resolved_from(start: int) -> dict[str, str | None]:
        """The first resolved ticket at or after ``start``."""
        return next(t for t in tickets[start:] if t["resolved_at"] is not None)

    resolved_from(250)["first_reply_at"] = "not a date"
    stats.add_malformed("unparseable timestamp in first_reply_at")
    resolved_from(1900)["first_reply_at"] = "not a date"
    stats.add_malformed("unparseable timestamp in first_reply_at")
    bad_day = resolved_from(1300)
    bad_day["arrived_at"] = "2025-03-32" + str(bad_day["arrived_at"])[10:]
    stats.add_malformed("unparseable timestamp in arrived_at")
    resolved_from(2600)["resolved_at"] = "yesterday"
    stats.add_malformed("unparseable timestamp in resolved_at")

    lines: list[str] = []
    for number, record in enumerate(tickets, start=1):
        record["id"] = f"T-{number:05d}"
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    # A line cut off mid-record (an interrupted export): not valid JSON.
    truncated_at = 2100
    lines[truncated_at] = lines[truncated_at][: len(lines[truncated_at]) // 2]
    stats.add_malformed("truncated line (invalid JSON)")

    stats.rows = len(lines)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    stats.physical_lines = len(lines)
    return data, stats


# --------------------------------------------------------------------------------------


def main() -> None:
    """Write the three files next to this script and print what they contain."""
    for generate in (generate_hotel, generate_calls, generate_tickets):
        data, stats = generate()
        stats.path.write_bytes(data)
        print(
            f"{stats.path.name}: {stats.rows} rows ({stats.rows - stats.malformed_total} "
            f"well-formed, {stats.malformed_total} malformed), "
            f"{stats.physical_lines} physical lines, {len(data):,} bytes"
        )
        for reason, count in sorted(stats.malformed.items()):
            print(f"    {count} x {reason}")
        for note in stats.notes:
            print(f"    planted: {note}")


if __name__ == "__main__":
    main()
