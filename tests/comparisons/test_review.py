"""The review rule (comparisons.review): the Python function and the query agree, and say why."""

import itertools
from datetime import date, timedelta

import pytest

from comparisons import cache, review
from comparisons.models import Claim
from tests.factories import make_claim, make_criterion, make_framework

TODAY = date(2026, 12, 2)
DAY = timedelta(days=1)


def test_a_claim_never_reviewed_is_due():
    assert review.is_due(None, None, None, TODAY)
    assert review.notice(None, None, None, "", TODAY) == "Not yet reviewed by an editor."


def test_a_claim_is_due_the_day_after_its_next_review():
    reviewed = date(2026, 1, 5)
    assert not review.is_due(reviewed, TODAY, None, TODAY)
    assert review.is_due(reviewed, TODAY - DAY, None, TODAY)
    assert review.notice(reviewed, TODAY - DAY, None, "", TODAY) == (
        "Not reviewed since Jan. 5, 2026; it was due for review on Dec. 1, 2026."
    )


def test_a_release_after_the_review_makes_it_due_once_it_is_out():
    reviewed = date(2026, 6, 1)
    due = date(2027, 6, 1)
    assert not review.is_due(reviewed, due, reviewed, TODAY)  # released the day it was reviewed
    assert not review.is_due(reviewed, due, TODAY + DAY, TODAY)  # announced, not out yet
    assert review.is_due(reviewed, due, TODAY, TODAY)
    assert review.notice(reviewed, due, TODAY, "3.2", TODAY) == (
        "Not reviewed since June 1, 2026: version 3.2 came out on Dec. 2, 2026."
    )


def test_no_next_review_date_means_only_a_release_makes_it_due():
    assert not review.is_due(date(2020, 1, 1), None, None, TODAY)


@pytest.mark.django_db
def test_the_query_selects_exactly_the_claims_the_function_calls_due():
    criterion = make_criterion()
    dates = [None, TODAY - 30 * DAY, TODAY - DAY, TODAY, TODAY + DAY]
    cases = {}
    for released_on, reviewed_on, review_due_on in itertools.product(dates, dates, dates):
        framework = make_framework(released_on=released_on)
        claim = make_claim(
            framework,
            criterion,
            reviewed_on=reviewed_on,
            review_due_on=review_due_on,
            citations=False,
        )
        cases[claim.pk] = review.is_due(reviewed_on, review_due_on, released_on, TODAY)
    due = set(Claim.objects.due_for_review(TODAY).values_list("pk", flat=True))
    assert due == {pk for pk, is_due in cases.items() if is_due}
    assert 0 < len(due) < len(cases)


@pytest.mark.django_db
def test_marking_reviewed_sets_the_next_review_from_the_criterion(editor):
    claim = make_claim(criterion=make_criterion(review_every_days=180))
    claim.mark_reviewed(editor, on=TODAY)
    claim.save()
    claim.refresh_from_db()
    assert (claim.reviewed_on, claim.reviewed_by, claim.review_due_on) == (
        TODAY,
        editor,
        TODAY + 180 * DAY,
    )
    assert claim.review_notice(TODAY) is None
    assert claim.review_notice(TODAY + 181 * DAY).startswith("Not reviewed since")


@pytest.mark.django_db
def test_cached_entries_are_a_days(monkeypatch):
    """A claim falls due at midnight with no edit: nothing cached the day before is read."""
    today = cache.key_prefix()
    monkeypatch.setattr(cache.timezone, "localdate", lambda: TODAY + 400 * DAY)
    assert cache.key_prefix() != today
