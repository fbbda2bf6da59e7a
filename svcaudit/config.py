"""Project defaults for ``svcaudit audit``: ``svcaudit.yaml`` or ``[tool.svcaudit]``.

The nearest of ``svcaudit.yaml``, ``svcaudit.yml`` or a ``pyproject.toml`` with a
``[tool.svcaudit]`` table, from the working directory upwards, supplies defaults for audit
options; options given on the command line win. Paths in a config file are relative to the
directory of that file. Keys are the long option names with ``_`` or ``-``::

    # svcaudit.yaml
    standards: [standards/hospitality-five-star.yaml]
    fail_on: warn
    report: ["json:out/audit.json", "junit:out/junit.xml"]
    columns:                      # as a standards file's columns:, over them per key
      arrived_at: {source: "Received DtTm", time_zone: America/Los_Angeles}

A discovered config file owned by another user (not the current user, not root) is ignored, as
git ignores a repository owned by someone else: anyone who can write a parent directory
(``/tmp``, a shared drive) could otherwise turn a breach into a quiet exit 0 with
``fail_on: never``. ``--config PATH`` uses a file whatever its owner.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from svcaudit.engines import ENGINES
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.report import FORMATTERS, one_of
from svcaudit.standards.entries import ColumnEntryAt, config_columns
from svcaudit.standards.yaml_reader import Marks, parse_yaml
from svcaudit.textfiles import MAX_CONFIG_BYTES, read_bounded

CONFIG_NAMES = ("svcaudit.yaml", "svcaudit.yml")
PATH_KEYS = ("standards", "output", "rejects", "baseline")


class Settings(BaseModel):
    """The audit options a config file may set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    standards: list[str] | None = Field(None, description="Standards files")
    branch: str | None = None
    by: str | None = None
    profile: str | None = None
    map: list[str] | None = None
    format: str | None = Field(None, description="Report format: a registered format's name")
    output: str | None = None
    report: list[str] | None = None
    fail_on: Literal["fail", "warn", "never", "special-cause"] | None = None
    fail_on_regression: str | None = None
    baseline: str | None = None
    since: str | None = None
    until: str | None = None
    period: Literal["day", "week", "month", "quarter"] | None = None
    rejects: str | None = None
    quiet: bool | None = None
    redact: list[str] | None = Field(None, description="Columns shown as keyed-hash tokens")
    engine: str | None = Field(None, description="Where the audit runs: a registered engine")
    spark_master: str | None = None
    columns: Any = Field(
        None,
        description="`columns:` entries as in a standards file (an expression, or {source, "
        "type, format, unit, null, true, false, time_zone}); over the standards file's, "
        "under --map's, per column and key",
    )

    @field_validator("format", mode="before")
    @classmethod
    def _registered_format(cls, value: object) -> object:
        """One of the output formats' names (``svcaudit.report.FORMATTERS``)."""
        return _registered(value, FORMATTERS)

    @field_validator("engine", mode="before")
    @classmethod
    def _registered_engine(cls, value: object) -> object:
        """One of the engines' names (``svcaudit.engines.ENGINES``)."""
        return _registered(value, ENGINES)


def _registered(value: object, registry: Mapping[str, object]) -> object:
    """``value`` when it names an entry of ``registry``; else the error pydantic reports."""
    if value is not None and (not isinstance(value, str) or value not in registry):
        raise PydanticCustomError(
            "literal_error",
            "Input should be {expected}",
            {"expected": one_of(registry), "hint": did_you_mean(str(value), registry)},
        )
    return value


@dataclass(frozen=True)
class Config:
    """Settings found in a file, and where each came from; ``ignored``: a discovered file
    that was not used, and why."""

    path: Path | None
    values: dict[str, Any]
    origins: dict[str, str]
    ignored: tuple[tuple[Path, str], ...] = ()
    columns: Mapping[str, ColumnEntryAt] = field(default_factory=dict)  # its `columns:`

    def warnings(self) -> list[str]:
        """What the CLI says about a discovered config file it did not use."""
        return [
            f"{path}: config file ignored: {why} (hint: pass --config to use it)"
            for path, why in self.ignored
        ]


def choose_config(named: str | None, none: bool, cwd: Path) -> Config:
    """The config of a run: the file ``--config`` names (whatever its owner), none with
    ``--no-config``, else the one discovered from ``cwd``."""
    if named:
        if not os.path.lexists(named):
            raise SvcauditError("config file not found", location=Location(named))
        return load_config(Path(named))
    return Config(None, {}, {}) if none else discover_config(cwd)


def find_config(start: Path) -> Path | None:
    """The nearest config file from ``start`` upwards (pyproject.toml only with the table)."""
    for folder in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_NAMES:
            if os.path.lexists(folder / name):  # a device or a dangling link is an error
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _tool_table(pyproject) is not None:
            return pyproject
    return None


def foreign_owner(path: Path) -> str | None:
    """Why a discovered config file must not be trusted: it (or the link to it) belongs to
    another user than the current one or root. None when it is ours."""
    trusted = {os.geteuid(), 0}
    for st in (os.lstat(path), *((os.stat(path),) if path.exists() else ())):
        if st.st_uid not in trusted:
            return f"it is owned by another user (uid {st.st_uid})"
    return None


def discover_config(start: Path) -> Config:
    """The config discovered from ``start``, or none (with the reason) when it is foreign."""
    path = find_config(start)
    if path is None:
        return Config(None, {}, {})
    reason = foreign_owner(path)
    if reason is not None:
        return Config(None, {}, {}, ignored=((path, reason),))
    return load_config(path)


def _tool_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:  # broken: a config only if it names the table
        return {} if "[tool.svcaudit]" in _raw_text(path) else None
    except (OSError, UnicodeDecodeError):
        return None
    tool = data.get("tool")
    table = tool.get("svcaudit") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file (None: no config)."""
    if path is None:
        return Config(None, {}, {})
    name = str(path)
    if path.name == "pyproject.toml":
        data, lines, marks = _read_pyproject(path)
    else:
        data, lines, marks = _read_yaml_config(path)
    data = {str(k).replace("-", "_"): v for k, v in data.items()}
    for key in ("standards", "report", "map"):
        if isinstance(data.get(key), str):
            data[key] = [data[key]]
    settings = _settings(data, name, lines)
    values = settings.model_dump(exclude_none=True)
    base = path.parent
    for key in PATH_KEYS:
        if key in values:
            values[key] = _rebase(values[key], base)
    if "report" in values:
        values["report"] = [_rebase_report(r, base) for r in values["report"]]
    origins = {key: f"{name}:{lines[key]}" if lines.get(key) else name for key in values}
    columns = {}
    if "columns" in values:
        columns = config_columns(values.pop("columns"), name, marks, name)
        values["columns"] = ", ".join(columns)  # shown by `svcaudit config`
    return Config(path, values, origins, columns=columns)


def _read_pyproject(path: Path) -> tuple[dict[Any, Any], dict[str, int | None], Marks]:
    """The [tool.svcaudit] table of a pyproject.toml, the line of each of its keys, and where
    its ``columns`` entries are."""
    try:
        text = _read(path)
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SvcauditError(f"invalid TOML: {e}", location=Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise SvcauditError(f"cannot read config: {reason}", location=Location(str(path))) from None
    data = raw.get("tool", {}).get("svcaudit", {})
    return data, _toml_lines(text), _toml_column_marks(text, str(path))


def _read_yaml_config(path: Path) -> tuple[dict[Any, Any], dict[str, int | None], Marks]:
    """A svcaudit.yaml's mapping and the line of each of its top-level keys."""
    name = str(path)
    try:
        text = _read(path, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise SvcauditError(f"cannot read config: {reason}", location=Location(name)) from None
    data, marks = parse_yaml(text, name) if text.strip() else ({}, {})
    if not isinstance(data, dict):
        raise SvcauditError(
            "a config file must be a mapping of option: value", location=Location(name, 1, 1)
        )
    lines = {
        str(k[0]).replace("-", "_"): (v[1] or v[0]).line for k, v in marks.items() if len(k) == 1
    }
    return data, lines, marks


def _raw_text(path: Path) -> str:
    try:
        return _read(path)
    except (OSError, UnicodeDecodeError, SvcauditError):
        return ""


def _read(path: Path, encoding: str = "utf-8") -> str:
    """A config file's text: a regular file of at most ``MAX_CONFIG_BYTES``."""
    return read_bounded(path, what="config file", limit=MAX_CONFIG_BYTES, encoding=encoding)


def _settings(data: dict[str, Any], name: str, lines: dict[str, int | None]) -> Settings:
    """The validated settings; the first problem is an error at its key's line."""
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        loc = Location(name, lines.get(key))
        if first["type"] == "extra_forbidden":
            hint = did_you_mean(key, Settings.model_fields) or "keys: " + ", ".join(
                Settings.model_fields
            )
            raise SvcauditError(f"unknown config key '{key}'", location=loc, hint=hint) from None
        raise SvcauditError(
            f"config key '{key}': {first['input']!r} is not allowed: {first['msg']}",
            location=loc,
            hint=first.get("ctx", {}).get("hint")
            or "the same values as the command-line option; see svcaudit audit --help",
        ) from None


def _toml_lines(text: str) -> dict[str, int | None]:
    """Line numbers of the keys of the [tool.svcaudit] table (tomllib keeps no positions)."""
    out: dict[str, int | None] = {}
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.replace(" ", "") == "[tool.svcaudit]"
            continue
        if inside and "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].strip().strip('"').strip("'")
            out.setdefault(key.replace("-", "_"), number)
    return out


_TABLE = re.compile(r"\[\s*tool\.svcaudit\.columns(?:\.([A-Za-z0-9_]+))?\s*\]")
_KEY = re.compile(r"([A-Za-z0-9_\-]+)\s*=")


def _toml_column_marks(text: str, path: str) -> Marks:
    """Where the ``columns`` entries of [tool.svcaudit] are (tomllib keeps no positions):
    ``[tool.svcaudit.columns]`` and its ``NAME = ...`` lines, ``[tool.svcaudit.columns.NAME]``
    and its keys, or ``columns = ...`` in [tool.svcaudit]; shaped as the YAML reader's marks."""
    marks: Marks = {}
    table: tuple[str, ...] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        col = len(line) - len(line.lstrip()) + 1
        at = Location(path, number, col)
        if stripped.startswith("["):
            found = _TABLE.fullmatch(stripped)
            table = ("columns", found.group(1)) if found and found.group(1) else None
            table = ("columns",) if found and not found.group(1) else table
            if stripped.replace(" ", "") == "[tool.svcaudit]":
                table = ()
            if table:
                marks[table] = (at, at, None)
            continue
        key = _KEY.match(stripped)
        if table is None or key is None or stripped.startswith("#"):
            continue
        if table == () and key.group(1) != "columns":
            continue
        marks[(*table, key.group(1)) if table else ("columns",)] = (at, at, None)
    return marks


def _rebase(value: Any, base: Path) -> Any:
    if isinstance(value, list):
        return [_rebase(v, base) for v in value]
    p = Path(str(value))
    return str(p if p.is_absolute() else _relative_to_cwd(Path(os.path.normpath(base / p))))


def _rebase_report(spec: str, base: Path) -> str:
    fmt, sep, path = spec.partition(":")
    return f"{fmt}:{_rebase(path, base)}" if sep else spec


def _relative_to_cwd(p: Path) -> Path:
    try:
        return p.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return p
