"""A plain-Python reference for the demo inspection: each hotel's mean visit score."""

from __future__ import annotations

import csv

import yaml

from tests.helpers import REPO


def reference_scores() -> dict[str, float]:
    """Mean visit score per hotel, in plain Python, from the CSV and the pack."""
    pack = yaml.safe_load((REPO / "standards" / "hospitality-inspection.yaml").read_text("utf-8"))
    items = [i for s in pack["checklist"]["sections"] for i in s["items"]]
    scores: dict[str, list[float]] = {}
    with (REPO / "examples" / "hotel-inspections.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            met = assessed = 0.0
            critical_failed = False
            for item in items:
                answer, weight = row[item["column"]], float(item.get("weight", 1))
                if answer == "MEET":
                    met, assessed = met + weight, assessed + weight
                elif answer == "BELOW":
                    assessed += weight
                    critical_failed = critical_failed or bool(item.get("critical"))
            if assessed:
                scores.setdefault(row["hotel"], []).append(
                    0.0 if critical_failed else met / assessed
                )
    return {h: sum(v) / len(v) for h, v in scores.items()}
