"""Fixtures of the advisor's tests."""

from pathlib import Path

import pytest
from django.core.management import call_command

FRAMEWORK_FIXTURES = sorted(
    f"frameworks/{path.stem}"
    for path in (Path(__file__).resolve().parents[2] / "fixtures" / "frameworks").glob("*.json")
)


@pytest.fixture
def shipped(db):
    """Everything the site ships for the advisor: the article's frameworks and every further
    framework's fixture, the questionnaire and its must-haves (without the source snapshots)."""
    call_command(
        "loaddata",
        "starting_content",
        *FRAMEWORK_FIXTURES,
        "questionnaire",
        "must_haves",
        verbosity=0,
    )
