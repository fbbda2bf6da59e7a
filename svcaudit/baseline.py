"""A previous audit's JSON report, to show and gate the change since then (``--baseline``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from svcaudit.errors import Location, SvcauditError
from svcaudit.textfiles import MAX_BASELINE_BYTES, read_bounded

#: a rate as a report writes it: a fraction, never NaN (which would make the new report's
#: change NaN: not JSON)
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class _Branch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    branch: str
    rate: Rate | None = None


class _Standard(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    rate: Rate | None = None
    branches: list[_Branch] = []


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore")
    svcaudit_version: str
    standards: list[_Standard]


@dataclass(frozen=True)
class Baseline:
    """Rates per standard and per (standard, branch) from an earlier audit."""

    path: str
    rates: dict[str, float | None]
    branch_rates: dict[tuple[str, str], float | None]


def load_baseline(path: str) -> Baseline:
    """Read an earlier ``svcaudit audit --format json`` report."""
    try:
        text = read_bounded(path, what="baseline", limit=MAX_BASELINE_BYTES, regular=False)
        data = json.loads(text)
        report = _Report.model_validate(data)
    except FileNotFoundError:
        raise SvcauditError(
            "baseline report not found",
            location=Location(path),
            hint="pass the JSON report of an earlier audit",
        ) from None
    except json.JSONDecodeError as e:
        raise SvcauditError(
            f"baseline is not JSON: {e.msg}", location=Location(path, e.lineno, e.colno)
        ) from None
    except RecursionError:  # json nests recursively: a runaway document is not a report
        raise SvcauditError(
            "baseline is nested too deeply to be an svcaudit JSON report",
            location=Location(path),
            hint="write one with svcaudit audit ... --report json:PATH",
        ) from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])  # standards.0.branches.3.rate
        detail = f" ({where}: {first['msg'].lower()})" if where else ""
        raise SvcauditError(
            f"baseline is not an svcaudit JSON report{detail}",
            location=Location(path),
            hint="write one with svcaudit audit ... --report json:PATH",
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SvcauditError(f"cannot read baseline: {e}", location=Location(path)) from None
    except ValueError as e:  # a number of over 4,300 digits (after its subclasses)
        raise SvcauditError(
            f"baseline is not an svcaudit JSON report: {e}".split(";")[0],
            location=Location(path),
            hint="write one with svcaudit audit ... --report json:PATH",
        ) from None
    return Baseline(
        path=path,
        rates={s.id: s.rate for s in report.standards},
        branch_rates={(s.id, b.branch): b.rate for s in report.standards for b in s.branches},
    )
