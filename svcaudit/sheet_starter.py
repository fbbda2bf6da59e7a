"""``svcaudit init --from-checklist SHEET``: a commented standards file from a sheet's header.

One item per column that is not visit metadata; sections from the columns' prefixes
(``ARR_01``, ``ARR_02`` -> section ``arr``; ``Room: bed made`` -> ``room``); the visit's id,
branch, date, visitor and channel columns recognised by their usual names; and the answer
words found in the item columns, checked against the defaults, so the first audit does not
meet a word it cannot read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

from svcaudit.sources.sheets import Sheet, read_sheet
from svcaudit.standards.checklist import DEFAULT_ANSWERS
from svcaudit.standards.loader import StandardsSet

# The metadata columns and the header names (lower case, spaces and _ alike) they go by.
META_NAMES: dict[str, tuple[str, ...]] = {
    "visit": ("visit", "visit id", "visit no", "evaluation", "evaluation id", "audit id", "id"),
    "branch": (
        "branch",
        "hotel",
        "property",
        "site",
        "store",
        "shop",
        "location",
        "outlet",
        "team",
        "queue",
        "restaurant",
        "clinic",
    ),
    "date": ("date", "visit date", "visited", "visited on", "evaluation date", "audit date"),
    "visitor": (
        "visitor",
        "inspector",
        "evaluator",
        "auditor",
        "shopper",
        "assessor",
        "reviewer",
    ),
    "channel": ("channel", "contact type", "medium"),
}
_SEPARATORS = re.compile(r"\s*[:_\-./]\s*|\s+")


def _plain(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip().lower())


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if slug and slug[0].isalnum() else f"item-{slug}".strip("-")


def _quote(text: str) -> str:
    """A YAML scalar that stays the text it is (JSON strings are YAML)."""
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9 _()'-]*[A-Za-z0-9)]|[A-Za-z]", text)
    if plain and text.lower() not in ("yes", "no", "true", "false", "on", "off", "null", "y", "n"):
        return text
    return json.dumps(text, ensure_ascii=False)


def metadata(header: tuple[str, ...]) -> dict[str, str]:
    """The metadata columns found in the header: role -> column."""
    found: dict[str, str] = {}
    for column in header:
        for role, names in META_NAMES.items():
            if role not in found and _plain(column) in names:
                found[role] = column
                break
    return found


def sections(columns: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(column, title)]) in sheet order: a prefix shared by two or more columns is
    a section; other columns go to ``general``."""
    split = []
    for column in columns:
        parts = _SEPARATORS.split(column.strip(), maxsplit=1)
        prefix = parts[0] if len(parts) == 2 and parts[0] else ""
        split.append((column, prefix, parts[1] if prefix else column))
    counts = Counter(prefix.lower() for _, prefix, _ in split if prefix)
    out: dict[str, list[tuple[str, str]]] = {}
    for column, prefix, rest in split:
        name = prefix.lower() if prefix and counts[prefix.lower()] >= 2 else "general"
        title = rest if name != "general" and not rest.strip().isdigit() else column
        out.setdefault(name, []).append((column, title))
    return list(out.items())


def vocabulary(sheet: Sheet, columns: list[str]) -> tuple[Counter[str], Counter[str]]:
    """The answer words of the item columns: those the defaults read, and the unknown ones."""
    known = {w for words in DEFAULT_ANSWERS.values() for w in words}
    seen: Counter[str] = Counter()
    index = [sheet.header.index(c) for c in columns]
    for row in sheet.rows:
        for i in index:
            if row[i]:
                seen[row[i]] += 1
    read = Counter({w: n for w, n in seen.items() if w.strip().lower() in known})
    unknown = Counter({w: n for w, n in seen.items() if w.strip().lower() not in known})
    return read, unknown


def starter(path: str, sheet_name: str | None = None) -> str:
    """The standards file for the sheet at ``path`` (its first sheet, or ``sheet_name``)."""
    sheet = read_sheet(path, sheet_name)
    meta = metadata(sheet.header)
    columns = [c for c in sheet.header if c and c not in meta.values()]
    read, unknown = vocabulary(sheet, columns)
    name = Path(path).stem.replace("_", " ").replace("-", " ").strip() or "Inspection"
    where = f"sheet '{sheet.name}' of {path}" if sheet.name else path
    lines = [
        "# yaml-language-server: $schema=./svcaudit.schema.json",
        "#",
        f"# Written by `svcaudit init --from-checklist` from the header row of {where}:",
        "# one item per column, sections from the columns' prefixes. Write each item's question",
        "# as its title, give weights (default 1), mark critical items, set targets, then",
        f"#   svcaudit validate THIS.yaml && svcaudit audit {path} -s THIS.yaml",
        "svcaudit: 1",
        f"name: {_quote(name.title())}",
        "checklist:",
        f"  title: {_quote(name.title())}",
        f"  branch: {_quote(meta.get('branch', 'branch'))}"
        + ("" if "branch" in meta else "  # TODO: no branch column recognised; name it here"),
    ]
    if sheet.name:
        lines.append(f"  sheet: {_quote(sheet.name)}")
    for role in ("visit", "date", "visitor", "channel"):
        if role in meta:
            lines.append(f"  {role}: {_quote(meta[role])}")
    if "visit" not in meta:
        lines.append("  # visit: no visit id column recognised; visits are named by their row")
    shown = ", ".join(f"{w} ({n})" for w, n in read.most_common(12)) or "none"
    lines.append(f"  # answers found that the default words read: {shown}")
    if unknown:
        odd = ", ".join(f"{_quote(w)} ({n})" for w, n in unknown.most_common(12))
        kinds = {
            kind.name.lower(): [_quote(w) for w in read if w.strip().lower() in words]
            for kind, words in DEFAULT_ANSWERS.items()
        }
        listed = ", ".join(f"{k}: [{', '.join(v)}]" for k, v in kinds.items() if v)
        lines += [
            f"  # answers the default words do not read (invalid until listed): {odd}",
            "  # to read them, add each to the kind it means (a kind listed replaces its",
            f"  # defaults): answers: {{{listed}}}",
        ]
    lines += [
        "  critical_fails_visit: false  # true: a failed critical item sets the visit to 0",
        "  # bands: {five: 90%, four: 80%}  # your own rating bands, if any",
        "  sections:",
    ]
    for section, items in sections(columns):
        lines += [
            f"    - id: {_slug(section)}",
            f"      title: {_quote(section.title())}",
            "      items:",
        ]
        for column, title in items:
            lines += [
                f"        - id: {_slug(column)}",
                f"          title: {_quote(title)}  # TODO: the question as the inspector reads it",
                f"          column: {_quote(column)}",
            ]
    return "\n".join(lines) + "\n"


def starter_text(sheet_path: str | None, sheet_name: str | None = None) -> str:
    """``svcaudit init``'s file: from a checklist sheet, or the packaged starter."""
    if sheet_path:
        return starter(sheet_path, sheet_name)
    return resources.files("svcaudit.data").joinpath("starter.yaml").read_text("utf-8")


def contents(loaded: StandardsSet) -> str:
    """What ``validate`` says a file holds: ``7 standards``, ``0 standards, 79 checklist items``."""
    n = len(loaded.rules)
    items = sum(len(c.checklist.items) for c in loaded.checklists)
    extra = f", {items} checklist item{'s' if items != 1 else ''}" if items else ""
    return f"{n} standard{'s' if n != 1 else ''}{extra}"
