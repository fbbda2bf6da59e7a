"""Log profiles: how a vendor's export maps onto the logical columns standards use.

A profile is data: for each logical column (``queued_at``, ``wait``, ``abandoned``...) an
expression in the standards language over the export's own columns (nested JSON fields are
dotted names in backticks). Standards packs written against logical columns then run unchanged
on every export that has a profile. ``--map logical=source`` and a standards file's ``columns:``
add or override entries the same way. Adding a profile is adding one entry to ``PROFILES``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from svcaudit.sources.prepare import LatestPerKey, Prepare


@dataclass(frozen=True)
class Profile:
    """One export format: its column mapping, and how to recognise it."""

    name: str
    summary: str
    columns: Mapping[str, str] = field(default_factory=dict)
    signature: tuple[str, ...] = ()  # source columns that identify the export
    prepare: Prepare | None = None  # run over the typed rows before counting, by every engine
    required: tuple[str, ...] = ()  # logical columns whose values must parse in every record
    unavailable: tuple[str, ...] = ()  # logical columns this export never has
    reader: str | None = None  # a log format whose reader yields this profile's columns
    # columns that, with the id, tell interactions apart (a call's queue visits share its id)
    identity: tuple[str, ...] = ()
    example: str = ""
    avoid: str = ""

    def matches(self, columns: set[str]) -> bool:
        """Whether an export with ``columns`` looks like this profile's format."""
        return bool(self.signature) and all(c in columns for c in self.signature)


def _levels() -> dict[str, str]:
    return {f"site_level{n}": f"`Agent.HierarchyGroups.Level{n}.GroupName`" for n in range(1, 6)}


AMAZON_CONNECT = Profile(
    name="amazon-connect",
    summary="Amazon Connect contact trace records (JSON or JSON Lines, nested as exported); "
    "the queue is the branch, since abandoned contacts have no agent; several records of one "
    "contact are merged, keeping the latest by LastUpdateTimestamp. A transfer is a contact "
    "of its own (InitiationMethod TRANSFER, previous_contact = PreviousContactId) counted in "
    "the queue it was transferred to; the contact it came from stays in its own queue.",
    columns={
        "id": "`ContactId`",
        "branch": "`Queue.Name`",
        "channel": 'if_else(upper(`Channel`) == "VOICE", "phone", lower(`Channel`))',
        "initiation_method": "lower(`InitiationMethod`)",
        "previous_contact": "`PreviousContactId`",  # set on a transfer: the contact before it
        "initial_contact": "`InitialContactId`",
        "agent": "`Agent.Username`",
        "arrived_at": "`InitiationTimestamp`",
        "queued_at": "`Queue.EnqueueTimestamp`",
        "answered_at": "`Agent.ConnectedToAgentTimestamp`",
        "ended_at": "`DisconnectTimestamp`",
        "abandoned": "`Queue.EnqueueTimestamp` is not null and "
        "`Agent.ConnectedToAgentTimestamp` is null",
        "answered": "`Agent.ConnectedToAgentTimestamp` is not null",
        "wait": "coalesce(`Agent.ConnectedToAgentTimestamp` - `Queue.EnqueueTimestamp`, "
        "`Queue.DequeueTimestamp` - `Queue.EnqueueTimestamp`)",
        "hold": "seconds(`Agent.CustomerHoldDuration`)",
        "longest_hold": "seconds(`Agent.LongestHoldDuration`)",
        "holds": "`Agent.NumberOfHolds`",
        "talk": "seconds(`Agent.AgentInteractionDuration`)",
        "after_work": "seconds(`Agent.AfterContactWorkDuration`)",
        **_levels(),
    },
    signature=("ContactId", "InitiationTimestamp", "Channel"),
    prepare=LatestPerKey(key="ContactId", order="LastUpdateTimestamp"),
    required=("id", "arrived_at"),
    example="svcaudit audit ctr/*.jsonl --profile amazon-connect -s standards/contact-centre.yaml",
    avoid="flattening CTRs into a spreadsheet by hand and guessing which record is current",
)


def _zendesk_metrics() -> dict[str, str]:
    metrics = {
        "first_reply": "reply_time_in_minutes",
        "first_resolution": "first_resolution_time_in_minutes",
        "resolution": "full_resolution_time_in_minutes",
        "requester_wait": "requester_wait_time_in_minutes",
        "agent_wait": "agent_wait_time_in_minutes",
        "on_hold": "on_hold_time_in_minutes",
    }
    out = {}
    for logical, metric in metrics.items():
        out[logical] = f"minutes(`metric_set.{metric}.calendar`)"
        out[f"{logical}_business"] = f"minutes(`metric_set.{metric}.business`)"
    return out


ZENDESK = Profile(
    name="zendesk",
    summary="Zendesk incremental ticket exports with metric sets (include=metric_sets, side-"
    "loaded or per ticket): one row per ticket, the group as the branch; each SLA metric in "
    "calendar time (first_reply, resolution, ...) and business time (first_reply_business, ...).",
    columns={
        "id": "`id`",
        "branch": "`group_id`",
        "channel": "`via.channel`",
        "priority": "`priority`",
        "status": "`status`",
        "agent": "`assignee_id`",
        "arrived_at": "`created_at`",
        "resolved_at": "`metric_set.solved_at`",
        "replies": "`metric_set.replies`",
        "reopens": "`metric_set.reopens`",
        **_zendesk_metrics(),
    },
    signature=("id", "via.channel", "priority", "metric_set.reply_time_in_minutes.calendar"),
    required=("id", "arrived_at"),
    example="svcaudit audit tickets.json.gz --profile zendesk -s standards/helpdesk-zendesk.yaml",
    avoid="re-keying Zendesk's SLA report into a spreadsheet",
)

ASTERISK = Profile(
    name="asterisk-queue-log",
    summary="Asterisk queue_log event files (epoch|callid|queue|agent|event|data...), read "
    "whatever the files are called: one row per queue visit (every ENTERQUEUE; a call that "
    "overflows or comes back is one visit per queue): queued_at, answered_at, ended_at, wait, "
    "talk, outcome (answered, abandoned, timeout, exit-empty, exit-key), answered, abandoned "
    "(hung up in the queue), transferred, visit; the queue is the branch.",
    signature=("exit_event", "transferred", "queued_at", "wait_seconds"),
    unavailable=("hold", "longest_hold", "holds", "after_work"),
    reader="queue_log",
    identity=("visit",),
    example="svcaudit audit /var/log/asterisk/queue_log -s standards/contact-centre.yaml",
    avoid="one row per callid: a call that times out of one queue and is answered in the "
    "next counts as answered in the first, and its timeout vanishes",
)

GENERIC = Profile(
    name="generic",
    summary="Columns used as they are; map others with --map logical=source or `columns:`.",
    example="svcaudit audit visits.csv --map arrived_at=ticket_created -s standards/x.yaml",
    avoid="renaming columns in the export by hand before every audit",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (GENERIC, AMAZON_CONNECT, ZENDESK, ASTERISK)}


def detect_profile(columns: set[str], log_format: str | None = None) -> Profile | None:
    """The profile whose signature the export's columns carry (or whose reader read a file
    of ``log_format``), if any."""
    for profile in PROFILES.values():
        if profile.matches(columns) or (log_format and profile.reader == log_format):
            return profile
    return None


def profile_help() -> str:
    """The --profile option's help, from the registry."""
    names = ", ".join([*(p for p in PROFILES if p != "generic"), "generic"])
    return (
        f"The logs' export format: {names} "
        "(default: the standards file's `profile:`, else detected)."
    )


# Words exports use for the logical columns, for `svcaudit inspect` to suggest a mapping.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "ticket", "ticket_id", "call_id", "contact_id", "interaction_id", "visit_id"),
    "branch": ("branch", "site", "location", "store", "shop", "hotel", "office", "queue", "team",
               "group", "department"),
    "channel": ("channel", "medium", "via", "source"),
    "agent": ("agent", "agent_name", "staff", "employee", "served_by", "assignee"),
    "priority": ("priority", "severity", "urgency"),
    "arrived_at": ("arrived_at", "arrived", "arrival", "created", "created_at", "created_on",
                   "ticket_created", "start", "started_at", "initiated", "received", "opened"),
    "queued_at": ("queued_at", "queued", "enqueued", "entered_queue"),
    "answered_at": ("answered_at", "answered", "connected", "called", "called_at", "greeted",
                    "greeted_at", "served_at", "picked_up"),
    "ended_at": ("ended_at", "ended", "end", "finished", "completed", "completed_at", "closed"),
    "first_reply_at": ("first_reply_at", "first_reply", "first_response", "first_response_at",
                       "responded_at"),
    "resolved_at": ("resolved_at", "resolved", "solved_at", "solved", "closed_at"),
    "abandoned": ("abandoned", "is_abandoned", "hung_up", "abandon"),
}  # fmt: skip


def _norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def named_like(logical: str, columns: list[str]) -> list[str]:
    """The columns whose names are words exports use for ``logical``, in ``_SYNONYMS`` order."""
    by_norm = {_norm(c): c for c in columns}
    found = (by_norm.get(_norm(word)) for word in _SYNONYMS.get(logical, ()))
    return list(dict.fromkeys(c for c in found if c is not None))


def suggest_mapping(
    columns: list[str], avoid: Mapping[str, Collection[str]] | None = None
) -> dict[str, str]:
    """Logical column -> the export's column that most likely holds it (exact words only);
    ``avoid``: logical column -> columns that cannot hold it (a branch that is a map point)."""
    by_norm = {_norm(c): c for c in columns}
    out: dict[str, str] = {}
    for logical, words in _SYNONYMS.items():
        skip = (avoid or {}).get(logical, ())
        for word in words:
            found = by_norm.get(_norm(word))
            if found is not None and found not in out.values() and found not in skip:
                if found != logical:
                    out[logical] = found
                break
    return out
