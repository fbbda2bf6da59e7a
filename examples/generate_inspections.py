"""Generate the example checklist sheets: hotel inspections and contact-centre QA evaluations.

Run from the repository root (needs openpyxl for the .xlsx, installed by ``pip install -e
'.[test]'``)::

    python examples/generate_inspections.py

Seeded and deterministic. It writes, next to this script:

``hotel-inspections.csv`` and ``hotel-inspections.xlsx``
    The first half of 2025 of incognito inspections at the seven hotels of
    ``hotel-chain.csv``: twelve visits per hotel per quarter (ten overnight stays and two
    telephone tests, which answer only the telephone section), one row per visit, one column
    per item of ``standards/hospitality-inspection.yaml``, answered MEET / BELOW / N/A. The
    workbook's first sheet is the log ("Inspections"), its second a note. Planted (see
    ``examples/README.md``): "Łódź Manufaktura" is weak in the restaurant section only;
    the critical item "identity checked before a key is handed over" is failed on four
    visits at "Zakopane Tatry" and one at "Gdańsk Motława"; two answer cells hold words no
    vocabulary reads ("BELLOW", "MET?"); about 1% of the cells are blank (not assessed).

``qa-evaluations.csv``
    Three months of contact-centre QA evaluations in the long layout (one row per answer:
    evaluation, team, agent, evaluator, date, channel, question, answer Yes / No / N/A) for
    ``standards/contact-centre-qa.yaml``: weighted questions and two automatic-fail items.
    Team "Mortgages" skips identity verification on some calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACK = HERE.parent / "standards" / "hospitality-inspection.yaml"
HOTELS = [
    "Gdańsk Motława",
    "Kraków Old Town",
    "Łódź Manufaktura",
    "Poznań Stary Browar",
    "Warszawa Centrum",
    "Wrocław Rynek",
    "Zakopane Tatry",
]
INSPECTORS = ["A. Nowicka", "B. Lis", "C. Marsh", "D. Okafor", "E. Sato", "F. Weber"]
QUARTERS = [
    (dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
    (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
]
HOTEL_SHIFT = {"Warszawa Centrum": 0.03, "Kraków Old Town": 0.015, "Wrocław Rynek": -0.01}
WEAK_HOTEL, WEAK_SECTION, WEAK_RATE = "Łódź Manufaktura", "DIN", 0.60
CRITICAL_FAILS = {"Zakopane Tatry": 4, "Gdańsk Motława": 1}
CRITICAL_COLUMN = "CHK_04"  # chk-identity-before-key
OFTEN_NA = {"ARR_04": 0.4, "CON_05": 0.5, "DEP_07": 0.6, "HSK_07": 0.8}
SECTION_NA = {"IRD": 0.25, "BAR": 0.3}  # the inspector did not order / did not visit
INVALID = {(3, "ROOM_07"): "BELLOW", (41, "DIN_03"): "MET?"}  # (visit number, column)


def pack_columns() -> list[str]:
    """The item columns of the pack, in order (read from its `column:` keys)."""
    return re.findall(r"column: ([A-Z]+_\d\d)", PACK.read_text(encoding="utf-8"))


def inspections() -> tuple[list[str], list[list[object]]]:
    """The header and the rows of the inspection log (dates as dates)."""
    rng = random.Random(20250101)
    columns = pack_columns()
    base = {c: rng.uniform(0.84, 0.97) for c in columns}
    header = ["visit", "hotel", "date", "inspector", "channel", *columns]
    plan = []
    for start, end in QUARTERS:
        days = (end - start).days
        for hotel in HOTELS:
            kinds = ["stay"] * 10 + ["phone"] * 2
            rng.shuffle(kinds)
            for kind in kinds:
                plan.append((start + dt.timedelta(days=rng.randrange(days + 1)), hotel, kind))
    plan.sort(key=lambda p: (p[0], p[1]))
    fails = {
        h: set(rng.sample([i for i, p in enumerate(plan) if p[1] == h and p[2] == "stay"], n))
        for h, n in CRITICAL_FAILS.items()
    }
    rows: list[list[object]] = []
    for number, (day, hotel, kind) in enumerate(plan, start=1):
        skip_section = {s for s, p in SECTION_NA.items() if rng.random() < p}
        row: list[object] = [
            f"V{number:04d}",
            hotel,
            day,
            rng.choice(INSPECTORS),
            "in-person" if kind == "stay" else "phone",
        ]
        for c in columns:
            prefix = c.split("_")[0]
            if kind == "phone" and prefix != "TEL":
                row.append("")
                continue
            if (number, c) in INVALID:
                row.append(INVALID[(number, c)])
                continue
            if c == CRITICAL_COLUMN or c in ("ROOM_01", "DIN_04", "DEP_03"):  # critical items
                failed = number - 1 in fails.get(hotel, set()) and c == CRITICAL_COLUMN
                row.append("BELOW" if failed else "MEET")
                continue
            if prefix in skip_section or rng.random() < OFTEN_NA.get(c, 0.0):
                row.append("N/A")
                continue
            if rng.random() < 0.01:
                row.append("")  # not assessed
                continue
            p = WEAK_RATE if (hotel == WEAK_HOTEL and prefix == WEAK_SECTION) else base[c]
            p = min(0.995, p + HOTEL_SHIFT.get(hotel, 0.0))
            row.append("MEET" if rng.random() < p else "BELOW")
        rows.append(row)
    return header, rows


QA_QUESTIONS = [  # (column, weight, automatic fail)
    ("greeting", 1, False),
    ("identity-verified", 2, True),
    ("listened", 2, False),
    ("accurate-answer", 3, False),
    ("no-jargon", 1, False),
    ("hold-explained", 1, False),
    ("complaint-logged", 2, False),
    ("data-protection", 2, True),
    ("next-steps", 1, False),
    ("closing", 1, False),
]
TEAMS = ["Cards", "Current accounts", "Mortgages", "Savings"]


def evaluations() -> list[list[str]]:
    """The QA evaluations in the long layout (header first)."""
    rng = random.Random(20250401)
    rows = [["evaluation", "team", "agent", "evaluator", "date", "channel", "question", "answer"]]
    day0 = dt.date(2025, 4, 1)
    for n in range(1, 241):
        team = TEAMS[n % len(TEAMS)]
        agent = f"{team[:2].upper()}-{rng.randrange(1, 9):02d}"
        day = day0 + dt.timedelta(days=rng.randrange(91))
        channel = rng.choice(["phone", "phone", "chat"])
        for question, _, _ in QA_QUESTIONS:
            if question == "hold-explained" and rng.random() < 0.6:
                answer = "N/A"  # no hold on the call
            elif question == "complaint-logged" and rng.random() < 0.7:
                answer = "N/A"
            elif question == "identity-verified" and team == "Mortgages":
                answer = "No" if rng.random() < 0.12 else "Yes"
            elif question in ("identity-verified", "data-protection"):
                answer = "No" if rng.random() < 0.01 else "Yes"
            else:
                answer = "Yes" if rng.random() < 0.9 else "No"
            rows.append(
                [
                    f"E{n:04d}",
                    team,
                    agent,
                    f"QA-{n % 3 + 1}",
                    day.isoformat(),
                    channel,
                    question,
                    answer,
                ]
            )
    return rows


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return out.getvalue()


def _xlsx(header: list[str], rows: list[list[object]], path: Path) -> None:
    import openpyxl  # noqa: PLC0415 (only for the workbook)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Inspections"
    sheet.append(header)
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    for cell in sheet["C"][1:]:
        cell.number_format = "yyyy-mm-dd"
    notes = book.create_sheet("Notes")
    notes.append(["Generated by examples/generate_inspections.py; answers MEET / BELOW / N/A."])
    fixed = dt.datetime(2025, 7, 1)
    book.properties.created = book.properties.modified = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):  # the same bytes on every run: every member dated as the workbook
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(2025, 7, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-07-01T00:00:00Z", data
                )
            target.writestr(member, data)


def main() -> None:
    header, rows = inspections()
    (HERE / "hotel-inspections.csv").write_text(_csv([header, *rows]), encoding="utf-8")
    _xlsx(header, rows, HERE / "hotel-inspections.xlsx")
    (HERE / "qa-evaluations.csv").write_text(_csv(list(evaluations())), encoding="utf-8")
    print(
        f"hotel-inspections: {len(rows)} visits x {len(header) - 5} items; "
        f"qa-evaluations: 240 evaluations x {len(QA_QUESTIONS)} questions"
    )


if __name__ == "__main__":
    main()
