"""The standards file format (version 1) as immutable pydantic models.

The JSON Schema that ``svcaudit schema`` prints is generated from these models. Durations and
percentages are parsed here, so a model that validated holds only clean values: thresholds in
milliseconds or plain numbers, targets as fractions.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from svcaudit.expressions.calendars import CalendarSpec
from svcaudit.standards.checklist import Checklist
from svcaudit.standards.declarations import ColumnDeclaration
from svcaudit.standards.hours import HOURS_HINT, HoursError, parse_hours
from svcaudit.standards.spc_model import PeriodUnit, Spc
from svcaudit.standards.zones import valid_zone
from svcaudit.units import (
    DURATION_HINT,
    PERCENT_HINT,
    Unit,
    format_duration,
    parse_duration,
    parse_percent,
)

FORMAT_VERSION = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
DURATION_PATTERN = r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$|^P"


@dataclass(frozen=True)
class Threshold:
    """A limit: a duration (``value`` in milliseconds) or a plain number."""

    value: float
    is_duration: bool
    text: str

    def __str__(self) -> str:
        return format_duration(self.value) if self.is_duration else f"{self.value:g}"


MAX_LIMIT = 10**15  # a plain-number limit; beyond this a typo, and beyond exact doubles


def _threshold(value: object) -> Threshold:
    if isinstance(value, Threshold):
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("threshold", "{value!r} is not a limit", {"value": value})
    if isinstance(value, int | float):
        number = float(value) if abs(value) < MAX_LIMIT else math.inf
        if not math.isfinite(number):
            raise PydanticCustomError(
                "threshold",
                "the limit {value} is too large",
                {"value": f"{value:.3g}", "hint": "limits are at most 1e15"},
            )
        return Threshold(number, False, str(value))
    if isinstance(value, str):
        try:
            return Threshold(float(parse_duration(value)), True, value)
        except ValueError as e:
            too_long = "longer than" in str(e)
    else:
        too_long = False
    shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
    raise PydanticCustomError(
        "duration",
        "'{value}' is longer than 100 years" if too_long else "'{value}' is not a duration",
        {"value": shown, "hint": DURATION_HINT + ", or a plain number for plain-number measures"},
    )


def _percent(value: object) -> float:
    try:
        return parse_percent(value)
    except ValueError as e:
        raise PydanticCustomError("percent", str(e), {"hint": PERCENT_HINT}) from None


LIMIT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": DURATION_PATTERN, "examples": ["60s", "1h30m"]},
        {"type": "number"},
    ],
    "description": "A duration (500ms 30s 2m 1h30m 2d, or ISO 8601 PT30S), or a plain "
    "number when the measure is a plain number",
}


def _limit_spec(value: object) -> Threshold | dict[str, Threshold]:
    if isinstance(value, dict):
        if not value:
            raise PydanticCustomError("threshold", "empty mapping of limits", {})
        return {str(k): _threshold(v) for k, v in value.items()}
    return _threshold(value)


LimitSpec = Annotated[
    Threshold | dict[str, Threshold],
    PlainValidator(_limit_spec),
    PlainSerializer(
        lambda t: t.text if isinstance(t, Threshold) else {k: v.text for k, v in t.items()}
    ),
    WithJsonSchema(
        {
            "anyOf": [
                LIMIT_SCHEMA,
                {
                    "type": "object",
                    "additionalProperties": LIMIT_SCHEMA,
                    "description": "A limit per category of the `by:` column "
                    '(e.g. {urgent: 1h, high: 4h}); "*" is the limit for other categories',
                },
            ]
        }
    ),
]
Percent = Annotated[
    float,
    PlainValidator(_percent),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d+(\.\d+)?%$", "examples": ["95%", "99.8%"]},
                {"type": "number", "minimum": 0, "maximum": 1},
            ],
            "description": "A share: a percentage up to 100% or a fraction between 0 and 1",
        }
    ),
]
Expression = Annotated[
    str,
    Field(min_length=1, description="An expression in the svcaudit expression language"),
]


#: a `columns:` entry: an expression, or a declaration of how a column is read (the tags
#: name the two in validation errors' paths, where ``validation`` leaves them out)
ColumnEntry = Annotated[
    Annotated[Expression, Tag("expression")] | Annotated[ColumnDeclaration, Tag("declaration")],
    Discriminator(
        lambda v: "declaration" if isinstance(v, dict | ColumnDeclaration) else "expression"
    ),
]


class Severity(StrEnum):
    """What breaching the standard means for the exit code."""

    FAIL = "fail"
    WARN = "warn"


class Missing(StrEnum):
    """How an in-scope interaction without a measured value counts."""

    FAIL = "fail"
    SKIP = "skip"


_valid_zone = valid_zone


class Overdispersion(StrEnum):
    """How funnel limits allow for between-branch variation beyond binomial noise."""

    NONE = "none"
    MULTIPLICATIVE = "multiplicative"
    ADDITIVE = "additive"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Consistency(_Model):
    """Branch consistency: which branches differ from the chain beyond chance.

    A block at the top of a file sets defaults for all its standards; a block in a standard
    overrides only the keys it sets.
    """

    min_interactions: int = Field(30, ge=1, description="Branches with fewer are not judged")
    max_spread: Percent | None = Field(
        None, description="Largest allowed best-minus-worst branch rate, in percentage points"
    )
    limits: tuple[Percent, Percent] = Field(
        (0.95, 0.998), description="Funnel-plot limits: outside the first alerts, the second alarms"
    )
    overdispersion: Overdispersion = Field(
        Overdispersion.NONE,
        description="Widen limits when branches vary beyond chance: none (default), "
        "multiplicative or additive (random effects)",
    )
    severity: Severity = Field(
        Severity.WARN, description="fail: an inconsistent branch fails the audit; warn: reported"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Consistency:
        inner, outer = self.limits
        if not 0 < inner < outer < 1:
            raise PydanticCustomError(
                "limits",
                "funnel limits must be two shares between 0% and 100%, inner first",
                {"hint": "e.g. limits: [95%, 99.8%]", "key": "limits"},
            )
        return self

    def merged(self, override: Consistency | None) -> Consistency:
        """These settings with the keys ``override`` sets replaced."""
        if override is None:
            return self
        return self.model_copy(update={k: getattr(override, k) for k in override.model_fields_set})


class Calendar(_Model):
    """Business hours: a time zone, weekly opening hours, holidays, and its branches."""

    time_zone: str | None = Field(None, description="IANA zone; default: the file's time_zone")
    hours: dict[str, str] = Field(
        min_length=1, description='Weekly opening hours, e.g. {mon-fri: "08:00-17:00"}'
    )
    holidays: tuple[str, ...] = Field((), description="Closed dates, YYYY-MM-DD")
    branches: tuple[str, ...] = Field(
        (), description="Branches that keep these hours (business_time picks by branch)"
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _valid_zone(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            parse_hours(value)
        except HoursError as e:
            context = {"hint": HOURS_HINT, "key": e.key}
            raise PydanticCustomError("calendar", str(e).replace("{", "{{"), context) from None
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for day in value:
            try:
                date.fromisoformat(str(day))
            except ValueError:
                raise PydanticCustomError(
                    "calendar", "'{day}' is not a date", {"day": day, "hint": "write 2025-12-25"}
                ) from None
        return value

    def spec(self, name: str, default_zone: str) -> CalendarSpec:
        """The calendar in the form the SQL builder uses."""
        return CalendarSpec(
            name=name,
            time_zone=self.time_zone or default_zone,
            hours=parse_hours(self.hours),
            holidays=tuple(date.fromisoformat(str(d)) for d in self.holidays),
            branches=tuple(self.branches),
        )


class Standard(_Model):
    """One service standard: which interactions, what is measured, the limit and the target."""

    id: str = Field(pattern=ID_PATTERN, description="Unique id: lower-case letters, digits, -")
    title: str = Field(min_length=1)
    description: str | None = None
    when: Expression | None = Field(None, description="Which interactions it applies to")
    measure: Expression | None = Field(None, description="A duration or plain-number expression")
    check: Expression | None = Field(None, description="A true/false expression to hold")
    at_most: LimitSpec | None = None
    at_least: LimitSpec | None = None
    by: Expression | None = Field(
        None, description="The category column whose value picks the limit (e.g. priority)"
    )
    unit: Unit | None = Field(None, description="Unit of a plain-number measure")
    target: Percent = Field(1.0, description="Share of in-scope interactions that must comply")
    severity: Severity = Severity.FAIL
    missing: Missing = Field(Missing.FAIL, description="How in-scope rows without a value count")
    consistency: Consistency | None = None
    spc: Spc | None = Field(None, description="Control chart settings for this standard")
    weight: float | None = Field(
        None, gt=0, description="Its weight in the branches' overall score and league table"
    )

    @model_validator(mode="after")
    def _one_rule(self) -> Standard:
        if self.measure is None and self.check is None:
            raise PydanticCustomError(
                "rule",
                "standard '{id}' has neither `measure:` nor `check:`",
                {"id": self.id, "hint": "add `measure:` with `at_most:`/`at_least:`, or `check:`"},
            )
        if self.measure is not None and self.check is not None:
            raise PydanticCustomError(
                "rule",
                "standard '{id}' has both `measure:` and `check:`",
                {"id": self.id, "hint": "split it into two standards", "key": "check"},
            )
        limits = [k for k in ("at_most", "at_least") if getattr(self, k) is not None]
        if self.measure is not None and len(limits) != 1:
            message = "has both `at_most:` and `at_least:`" if limits else "has no limit"
            raise PydanticCustomError(
                "rule",
                "`measure:` of '{id}' " + message,
                {
                    "id": self.id,
                    "hint": "give exactly one of `at_most:` or `at_least:`",
                    "key": "measure",
                },
            )
        spec = self.at_most if self.at_most is not None else self.at_least
        if isinstance(spec, dict) and self.by is None:
            raise PydanticCustomError(
                "rule",
                "limits per category of '{id}' need `by:` naming the category column",
                {
                    "id": self.id,
                    "hint": "e.g. by: priority",
                    "key": "at_most" if self.at_most is not None else "at_least",
                },
            )
        if self.by is not None and not isinstance(spec, dict):
            raise PydanticCustomError(
                "rule",
                "`by:` of '{id}' needs a limit per category",
                {
                    "id": self.id,
                    "hint": "write at_most: {urgent: 1h, high: 4h, normal: 24h}",
                    "key": "by",
                },
            )
        if self.check is not None:
            for key in (*limits, "unit", "by"):
                if getattr(self, key) is not None:
                    raise PydanticCustomError(
                        "rule",
                        "`{key}:` does not go with `check:`",
                        {
                            "key": key,
                            "hint": "a check is true or false; use `measure:` for a limit",
                        },
                    )
        return self

    @property
    def limit(self) -> Threshold | None:
        """The single limit of a measure standard (None for checks and limits by category)."""
        spec = self.at_most if self.at_most is not None else self.at_least
        return spec if isinstance(spec, Threshold) else None

    @property
    def limits_by(self) -> dict[str, Threshold] | None:
        """The limits per category (with ``by:``), else None."""
        spec = self.at_most if self.at_most is not None else self.at_least
        return spec if isinstance(spec, dict) else None


class Fold(_Model):
    """An event log (a row per update) folded to one row per key: the latest by ``latest_by``
    (a tie: the later row in the file); the others are counted as merged."""

    key: str = Field(min_length=1, description="The column naming the interaction (number)")
    latest_by: str = Field(
        min_length=1,
        description="The number or timestamp column whose highest value is the latest row "
        "(e.g. sys_mod_count, updated_at)",
    )


class StandardsFile(_Model):
    """A standards file: metadata, shared fields and the list of standards."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "title": "svcaudit standards file (format version 1)",
            "anyOf": [{"required": ["standards"]}, {"required": ["checklist"]}],
        },
    )

    svcaudit: Literal[1] = Field(description="Format version of this file")
    name: str = Field(min_length=1)
    description: str | None = None
    branch: str = Field("branch", min_length=1, description="Column naming the branch")
    time_zone: str = Field("UTC", description="IANA time zone of timestamps without an offset")
    profile: str | None = Field(
        None, description="The export format of the logs (e.g. amazon-connect); default: detected"
    )
    columns: dict[str, ColumnEntry] = Field(
        default_factory=dict,
        description="Logical columns defined over the log's own (e.g. arrived_at: `Created On`), "
        "or how a column is read ({source, type, format, unit, null, true, false})",
    )
    fold: Fold | None = Field(
        None, description="An event log's fold: one row per key, the latest by a column"
    )
    fields: dict[str, Expression] = Field(
        default_factory=dict, description="Named derived measures usable in expressions"
    )
    calendars: dict[str, Calendar] = Field(
        default_factory=dict, description="Business calendars for business_time(start, end)"
    )
    standards: tuple[Standard, ...] = Field((), min_length=1)  # or a checklist alone
    checklist: Checklist | None = Field(None, description="Inspection items read from a sheet")
    consistency: Consistency | None = None
    period: PeriodUnit | None = Field(None, description="Rates by day, week, month or quarter")
    spc: Spc | None = Field(None, description="Control charts by period, for every standard")
    redact: tuple[str, ...] = Field(
        (),
        description="Columns holding personal data (agent, customer): hashed in every report "
        "and violations file so they can be shared",
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _valid_zone(value)

    @model_validator(mode="after")
    def _something(self) -> StandardsFile:
        if not self.standards and self.checklist is None:
            raise PydanticCustomError(
                "no_rules",
                "a standards file needs `standards:` or a `checklist:`",
                {"hint": "run `svcaudit init` for a starter file", "key": "standards"},
            )
        return self

    @field_validator("fields", "columns")
    @classmethod
    def _field_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        return plain_names(value, "field")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of standards files, generated from the models."""
    schema = StandardsFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text() -> str:
    """The JSON Schema as the text shipped in the package and the repository."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def plain_names(value: dict[str, Any], what: str, *, at_key: bool = False) -> dict[str, Any]:
    """``value``, whose keys must be plain names (``what`` names them in the error; with
    ``at_key`` the error points at the offending key)."""
    for name in value:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            context = {"name": name, "hint": "use letters, digits and _ only"}
            if at_key:
                context["key"] = name
            raise PydanticCustomError(
                "field_name", what + " name '{name}' is not a plain name", context
            )
    return value
