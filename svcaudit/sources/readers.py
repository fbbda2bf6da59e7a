"""The registry of readers: one class per log format."""

from __future__ import annotations

from svcaudit.sources.base import (
    FILE,
    REJECT,
    TYPE_WORDS,
    InvalidValue,
    LogReader,
    Reject,
    merge_types,
    target_type,
)
from svcaudit.sources.casting import typed_projection
from svcaudit.sources.csv_reader import CsvReader
from svcaudit.sources.files import LogFormat
from svcaudit.sources.json_reader import JsonReader
from svcaudit.sources.parquet_reader import ParquetReader
from svcaudit.sources.queue_log import QueueLogReader

READERS: dict[LogFormat, type[LogReader]] = {
    fmt: reader
    for reader in (CsvReader, JsonReader, ParquetReader, QueueLogReader)
    for fmt in reader.formats
}


__all__ = [
    "FILE",
    "READERS",
    "REJECT",
    "TYPE_WORDS",
    "CsvReader",
    "InvalidValue",
    "JsonReader",
    "LogReader",
    "ParquetReader",
    "QueueLogReader",
    "Reject",
    "merge_types",
    "target_type",
    "typed_projection",
]
