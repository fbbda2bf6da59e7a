"""One local SparkSession for every Spark test (starting Spark takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from svcaudit.spark.session import spark_session


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The session the Spark engine itself uses (``getOrCreate`` shares it)."""
    session = spark_session()
    yield session
    session.stop()
