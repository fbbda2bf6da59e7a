"""Plain-Python reference figures for the vendor example exports (standard library only).

Run from the repository root, after ``generate.py``::

    python examples/vendors/reference.py

It reads the three files exactly as a profile would (it does not import svcaudit), maps
them onto the logical columns with the definitions written below, prints the figures
the profiles' tests should reproduce, and exits 1 if the planted story no longer holds.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TS = "%Y-%m-%dT%H:%M:%SZ"  # the documented format of both Amazon Connect and Zendesk
PROBLEMS: list[str] = []


def ts(value: Any) -> datetime | None:
    """Parse a documented yyyy-mm-ddThh:mm:ssZ timestamp; None stays None; else ValueError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    return datetime.strptime(value, TS).replace(tzinfo=UTC)


def pct(a: int, b: int) -> str:
    return "–" if b == 0 else f"{100 * a / b:.1f}%"


def frac(a: int, b: int) -> str:
    return f"{a}/{b} ({pct(a, b)})"


def table(header: list[str], rows: Iterable[list[str]]) -> str:
    rows = list(rows)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        out.append(
            "| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) + " |"
        )
    return "\n".join(out)


def check(cond: bool, what: str) -> None:
    if not cond:
        PROBLEMS.append(what)


# ---------------------------------------------------------------------------------------
# amazon-connect
# ---------------------------------------------------------------------------------------


def ctr_rows(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    malformed: list[str] = []
    latest: dict[str, tuple[datetime, int, dict[str, Any]]] = {}
    merged = 0
    for n, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or not isinstance(rec.get("ContactId"), str):
                raise ValueError("no ContactId")
            q = rec.get("Queue") or {}
            a = rec.get("Agent") or {}
            parsed = {
                "initiated": ts(rec.get("InitiationTimestamp")),
                "updated": ts(rec.get("LastUpdateTimestamp")),
                "disconnected": ts(rec.get("DisconnectTimestamp")),
                "queued_at": ts(q.get("EnqueueTimestamp")),
                "dequeued_at": ts(q.get("DequeueTimestamp")),
                "answered_at": ts(a.get("ConnectedToAgentTimestamp")),
            }
        except (ValueError, TypeError) as e:  # json.JSONDecodeError is a ValueError
            malformed.append(f"line {n}: {type(e).__name__}: {str(e)[:60]}")
            continue
        cid = rec["ContactId"]
        upd = parsed["updated"]
        assert upd is not None
        if cid in latest:
            merged += 1
            if upd <= latest[cid][0]:
                continue
        latest[cid] = (upd, n, {**rec, "_p": parsed})
    rows = []
    for _upd, _n, rec in sorted(latest.values(), key=lambda x: x[1]):
        p = rec["_p"]
        q = rec.get("Queue") or {}
        a = rec.get("Agent")
        hier = (a or {}).get("HierarchyGroups") or {}
        channel = rec["Channel"].lower()
        channel = "phone" if channel == "voice" else channel
        queued_at, answered_at = p["queued_at"], p["answered_at"]
        abandoned = queued_at is not None and answered_at is None
        wait = None
        if queued_at is not None:
            if answered_at is not None:
                wait = (answered_at - queued_at).total_seconds()
            elif p["dequeued_at"] is not None:
                wait = (p["dequeued_at"] - queued_at).total_seconds()
        row = {
            "id": rec["ContactId"],
            "branch": q.get("Name"),
            "channel": channel,
            "queued_at": queued_at,
            "answered_at": answered_at,
            "abandoned": abandoned,
            "wait": wait,
            "hold": (a or {}).get("CustomerHoldDuration"),
            "longest_hold": (a or {}).get("LongestHoldDuration"),
            "holds": (a or {}).get("NumberOfHolds"),
            "talk": (a or {}).get("AgentInteractionDuration"),
            "after_work": (a or {}).get("AfterContactWorkDuration"),
        }
        for lvl in range(1, 6):
            g = hier.get(f"Level{lvl}")
            row[f"site_level{lvl}"] = g.get("GroupName") if g else None
        rows.append(row)
    stats = {"lines": len(lines), "malformed": malformed, "merged": merged, "rows": len(rows)}
    return rows, stats


def report_ctr() -> dict[str, dict[str, float]]:
    rows, st = ctr_rows(HERE / "amazon-connect-ctr.jsonl.gz")
    print("## amazon-connect (amazon-connect-ctr.jsonl.gz)\n")
    print(
        f"Lines read: {st['lines']:,}; malformed (rejected): {len(st['malformed'])}; "
        f"duplicate ContactIds merged away: {st['merged']}; rows after merge: {st['rows']:,}"
    )
    for m in st["malformed"]:
        print(f"  rejected {m}")
    ch = Counter(r["channel"] for r in rows)
    noq = sum(1 for r in rows if r["branch"] is None)
    print(
        "Rows by channel: "
        + ", ".join(f"{k} {v}" for k, v in sorted(ch.items()))
        + f"; rows without Queue (branch null): {noq}"
    )
    ans = [r for r in rows if r["answered_at"] is not None]
    print(
        f"Check that the newest copy was kept: answered rows with after_work null = "
        f"{sum(1 for r in ans if r['after_work'] is None)} (must be 0)\n"
    )
    voice = [r for r in rows if r["channel"] == "phone" and r["queued_at"] is not None]
    header = [
        "queue",
        "offered",
        "answered ≤ 20 s",
        "abandoned",
        "hold ≤ 120 s (answered)",
        "longest hold ≤ 60 s (answered, ≥1 hold)",
    ]
    out_rows = []
    rates: dict[str, dict[str, float]] = {}
    for name in ["Billing", "Retention", "Sales", "Support", None]:
        sel = voice if name is None else [r for r in voice if r["branch"] == name]
        answered = [r for r in sel if not r["abandoned"]]
        sl = sum(1 for r in answered if r["wait"] is not None and r["wait"] <= 20)
        ab = sum(1 for r in sel if r["abandoned"])
        h = sum(1 for r in answered if r["hold"] is not None and r["hold"] <= 120)
        held = [r for r in answered if (r["holds"] or 0) >= 1]
        lh = sum(1 for r in held if r["longest_hold"] is not None and r["longest_hold"] <= 60)
        label = name or "all"
        out_rows.append(
            [
                label,
                str(len(sel)),
                frac(sl, len(sel)),
                frac(ab, len(sel)),
                frac(h, len(answered)),
                frac(lh, len(held)),
            ]
        )
        rates[label] = {
            "sl": sl / len(sel),
            "ab": ab / len(sel),
            "hold": h / len(answered),
            "longest": lh / len(held),
            "n": len(sel),
        }
    print("VOICE contacts that were queued (channel = phone, queued_at not null):\n")
    print(table(header, out_rows))
    print()
    # story
    check(st["lines"] == 1500, "CTR: 1,500 lines")
    check(len(st["malformed"]) == 2, "CTR: 2 malformed records")
    check(st["merged"] == 20, "CTR: 20 duplicate copies merged")
    check(all(r["after_work"] is not None for r in ans), "CTR: newest copies kept")
    others = [rates[q] for q in ("Billing", "Retention", "Sales")]
    s = rates["Support"]
    check(
        all(s["sl"] < o["sl"] - 0.25 for o in others),
        "CTR: Support clearly worst on answered ≤ 20 s",
    )
    check(all(s["ab"] > o["ab"] + 0.08 for o in others), "CTR: Support clearly worst on abandoned")
    check(all(s["hold"] < o["hold"] - 0.05 for o in others), "CTR: Support worst on total hold")
    check(
        all(s["longest"] < o["longest"] - 0.15 for o in others),
        "CTR: Support worst on longest hold",
    )
    return rates


# ---------------------------------------------------------------------------------------
# asterisk-queue-log
# ---------------------------------------------------------------------------------------


OUTCOME_OF = {
    "CONNECT": "answered",
    "ABANDON": "abandoned",
    "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "exit-empty",
    "EXITWITHKEY": "exit-key",
}


def asterisk_rows(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per queue visit: each ENTERQUEUE of a call opens a visit of its queue, and
    the call's following lines in that queue belong to it (until its next ENTERQUEUE there)."""
    lines = path.read_text(encoding="ascii").splitlines()
    malformed: list[str] = []
    visits: list[dict[str, Any]] = []
    open_visit: dict[tuple[str, str], dict[str, Any]] = {}
    non_call: Counter[str] = Counter()
    calls: set[str] = set()
    for n, line in enumerate(lines, 1):
        f = line.split("|")
        if len(f) < 5 or not f[0].isdigit() or not f[4]:
            malformed.append(f"line {n}: {line[:60]!r}")
            continue
        epoch, callid, queue, agent, event, data = int(f[0]), f[1], f[2], f[3], f[4], f[5:]
        if callid in ("NONE", "REALTIME", "MANAGER"):
            non_call[event] += 1
            continue
        calls.add(callid)
        if event == "ENTERQUEUE":
            v = {"id": callid, "branch": queue, "queued_at": epoch, "events": []}
            visits.append(v)
            open_visit[(callid, queue)] = v
        v = open_visit.get((callid, queue))
        if v is not None:
            v["events"].append((epoch, agent, event, data))
    rows = []
    nth: Counter[str] = Counter()
    for v in visits:
        evs = v.pop("events")
        end = next((e for e in evs if e[2] in OUTCOME_OF), None)
        outcome = OUTCOME_OF[end[2]] if end else None
        conn = next((e for e in evs if e[2] == "CONNECT"), None)
        done = next((e for e in evs if e[2] in ("COMPLETEAGENT", "COMPLETECALLER")), None)
        xfer = next((e for e in evs if e[2] == "TRANSFER"), None)
        wait = None
        if end is not None:
            # CONNECT(holdtime|...); ABANDON/EXITWITHTIMEOUT/EXITEMPTY(pos|origpos|waittime);
            # EXITWITHKEY(key|pos|origpos|waittime)
            wait = int(end[3][{"CONNECT": 0, "EXITWITHKEY": 3}.get(end[2], 2)])
        talk = None
        if done is not None:
            talk = int(done[3][1])
        elif xfer is not None:
            talk = int(xfer[3][3])
        nth[v["id"]] += 1
        rows.append(
            {
                **v,
                "visit": nth[v["id"]],
                "answered_at": conn[0] if conn else None,
                "agent": conn[1] if conn else None,
                "wait": wait,
                "outcome": outcome,
                "answered": outcome == "answered",
                "abandoned": outcome == "abandoned",
                "talk": talk,
                "transferred": xfer is not None,
            }
        )
    rows.sort(key=lambda r: (r["queued_at"], r["id"]))
    return rows, {
        "lines": len(lines),
        "malformed": malformed,
        "non_call": non_call,
        "call_ids": len(calls),
        "calls": len({r["id"] for r in rows}),
    }


def report_asterisk() -> None:
    rows, st = asterisk_rows(HERE / "asterisk-queue_log")
    print("## asterisk-queue-log (asterisk-queue_log)\n")
    multi = Counter(r["id"] for r in rows)
    print(
        f"Lines read: {st['lines']:,}; malformed (rejected): {len(st['malformed'])}; "
        f"queue visits (one per ENTERQUEUE): {len(rows):,} of {st['calls']:,} calls "
        f"({sum(1 for n in multi.values() if n > 1)} calls visited a queue more than once); "
        f"non-call lines: {sum(st['non_call'].values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(st['non_call'].items()))})"
    )
    for m in st["malformed"]:
        print(f"  rejected {m}")
    open_calls = [r for r in rows if r["outcome"] is None]
    talking = [r for r in rows if r["answered_at"] is not None and r["talk"] is None]
    print(
        f"Visits still open when the file was copied: {len(open_calls)} waiting (outcome "
        f"null, not answered, not abandoned: {', '.join(r['id'] for r in open_calls)}), "
        f"{len(talking)} connected without an end event "
        f"(talk null: {', '.join(r['id'] for r in talking)})\n"
    )
    header = [
        "queue",
        "offered (visits)",
        "answered",
        "answered ≤ 20 s",
        "abandoned",
        "timeout / exit-empty / exit-key",
        "transferred",
    ]
    out = []
    rates = {}
    for name in ["billing", "orders", "technical", None]:
        sel = rows if name is None else [r for r in rows if r["branch"] == name]
        answered = [r for r in sel if r["answered"]]
        sl = sum(1 for r in answered if r["wait"] <= 20)
        ab = [r for r in sel if r["abandoned"]]
        kinds = Counter(r["outcome"] for r in sel)
        out.append(
            [
                name or "all",
                str(len(sel)),
                str(len(answered)),
                frac(sl, len(sel)),
                frac(len(ab), len(sel)),
                f"{kinds['timeout']} / {kinds['exit-empty']} / {kinds['exit-key']}",
                str(sum(1 for r in sel if r["transferred"])),
            ]
        )
        rates[name or "all"] = (sl / len(sel), len(ab) / len(sel))
    print(table(header, out))
    print()
    check(st["lines"] > 3000, "asterisk: line count")
    check(len(st["malformed"]) == 2, "asterisk: 2 malformed lines")
    check(st["calls"] == 1200, "asterisk: 1,200 calls")
    check(len(rows) == 1221, "asterisk: 1,221 queue visits (17 overflows, 4 returns)")
    check(len(open_calls) >= 1 and len(talking) >= 1, "asterisk: calls cut by the copy")
    check(
        all(k in Counter(r["outcome"] for r in rows) for k in OUTCOME_OF.values()),
        "asterisk: every outcome occurs",
    )
    t = rates["technical"]
    for o in ("billing", "orders"):
        check(
            t[0] < rates[o][0] - 0.25,
            f"asterisk: technical clearly worse than {o} on answered ≤ 20 s",
        )
        check(t[1] > rates[o][1] + 0.08, f"asterisk: technical clearly worse than {o} on abandoned")


# ---------------------------------------------------------------------------------------
# zendesk
# ---------------------------------------------------------------------------------------

GROUP_NAMES = {  # display only; the export carries group ids, not names
    "360004400001": "Payments",
    "360004400002": "Accounts",
    "360004400003": "Technical",
    "360004400004": "Partners",
}
TARGETS = {"urgent": 60, "high": 240, "normal": 1440, "low": 4320}  # business minutes


def minutes(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"not a number of minutes: {v!r}")
    return v


def zendesk_rows(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        page = json.load(f)
    msets = {m["ticket_id"]: m for m in page["metric_sets"]}
    rows, rejected = [], []
    for t in page["tickets"]:
        m = msets.get(t["id"]) or {}
        try:
            rt = m.get("reply_time_in_minutes") or {}
            fr = m.get("full_resolution_time_in_minutes") or {}
            row = {
                "id": str(t["id"]),
                "branch": None if t.get("group_id") is None else str(t["group_id"]),
                "priority": t.get("priority"),
                "channel": (t.get("via") or {}).get("channel"),
                "arrived_at": ts(t.get("created_at")),
                "first_reply": minutes(rt.get("calendar")),
                "first_reply_business": minutes(rt.get("business")),
                "resolution": minutes(fr.get("calendar")),
                "resolution_business": minutes(fr.get("business")),
                "resolved_at": ts(m.get("solved_at")),
                "status": t.get("status"),
            }
        except (ValueError, TypeError) as e:
            rejected.append(f"ticket {t['id']}: {e}")
            continue
        rows.append(row)
    return rows, {
        "tickets": len(page["tickets"]),
        "metric_sets": len(msets),
        "rejected": rejected,
        "end_of_stream": page.get("end_of_stream"),
    }


def report_zendesk() -> None:
    rows, st = zendesk_rows(HERE / "zendesk-tickets.json.gz")
    print("## zendesk (zendesk-tickets.json.gz)\n")
    print(
        f"Tickets read: {st['tickets']}; side-loaded metric sets: {st['metric_sets']}; "
        f"rejected (malformed value): {len(st['rejected'])}; rows evaluated: {len(rows)}; "
        f"end_of_stream: {str(st['end_of_stream']).lower()}"
    )
    for r in st["rejected"]:
        print(f"  rejected {r}")
    unsolved = sum(1 for r in rows if r["resolution"] is None)
    no_reply = sum(1 for r in rows if r["first_reply_business"] is None)
    nopri = sum(1 for r in rows if r["priority"] is None)
    print(
        f"Unsolved (resolution null): {unsolved}; no first reply yet: {no_reply}; "
        f"priority null (in no first-reply standard): {nopri}\n"
    )
    print(
        "First reply within target on BUSINESS minutes (urgent 1 h, high 4 h, normal 24 h, "
        "low 72 h); a missing first reply counts as a failure:\n"
    )
    header = [
        "group_id (name)",
        "urgent ≤ 60",
        "high ≤ 240",
        "normal ≤ 1440",
        "low ≤ 4320",
        "all with a priority",
    ]
    out = []
    rates: dict[str, dict[str, float]] = {}
    for g in [*sorted(GROUP_NAMES), None]:
        sel = rows if g is None else [r for r in rows if r["branch"] == g]
        cells = []
        tot_p = tot_n = 0
        rates[g or "all"] = {}
        for p, lim in TARGETS.items():
            s = [r for r in sel if r["priority"] == p]
            ok = sum(
                1
                for r in s
                if r["first_reply_business"] is not None and r["first_reply_business"] <= lim
            )
            cells.append(frac(ok, len(s)))
            tot_p += ok
            tot_n += len(s)
            rates[g or "all"][p] = ok / len(s)
        cells.append(frac(tot_p, tot_n))
        label = "all" if g is None else f"{g} ({GROUP_NAMES[g]})"
        out.append([label, *cells])
    print(table(header, out))
    print()
    check(st["tickets"] == 800 and len(st["rejected"]) == 2, "zendesk: 800 tickets, 2 rejected")
    slow = rates["360004400004"]
    for g in ("360004400001", "360004400002", "360004400003"):
        for p in TARGETS:
            check(
                slow[p] < rates[g][p] - 0.10,
                f"zendesk: Partners slower than {GROUP_NAMES[g]} on {p}",
            )


def main() -> int:
    report_ctr()
    report_asterisk()
    report_zendesk()
    if PROBLEMS:
        print("STORY DRIFTED:\n  " + "\n  ".join(PROBLEMS))
        return 1
    print("Story holds.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
