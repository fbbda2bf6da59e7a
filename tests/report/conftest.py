"""Scorecards the report tests render: the hand-checked feature log, and the hotel demo."""

from __future__ import annotations

import pytest

from svcaudit.score import Scorecard
from tests.helpers import REPO, audit, write
from tests.test_audit import LOG, RULES


@pytest.fixture(scope="package")
def features_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    d = tmp_path_factory.mktemp("report")
    return audit([write(d / "log.csv", LOG)], [write(d / "rules.yaml", RULES)])


@pytest.fixture(scope="package")
def hotel_card() -> Scorecard:
    return audit(
        [REPO / "examples" / "hotel-chain.csv"],
        [REPO / "standards" / "hospitality-five-star.yaml"],
    )
