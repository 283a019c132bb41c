"""When a claim is due for an editor's review: one rule, written once in Python and once as a query.

A claim is due for review when
- no editor has reviewed it yet;
- its next review date has passed (an editor sets it when marking the claim reviewed: the
  criterion's interval ahead, since a licence changes rarely and a performance claim often); or
- its framework has had a release since the claim was last reviewed (an editor records the
  release on the framework: its version and the day it came out).

Public pages say of such a claim "not reviewed since …"; the editors' dashboard lists them.
`is_due()` and `due_condition()` are the same rule; a test holds them together.
"""

from datetime import timedelta

from django.db.models import F, Q
from django.utils.formats import date_format

DEFAULT_INTERVAL_DAYS = 365
MAX_INTERVAL_DAYS = 3650


def next_review(reviewed_on, interval_days):
    return reviewed_on + timedelta(days=interval_days)


def released_since_review(reviewed_on, released_on, today):
    return released_on is not None and reviewed_on < released_on <= today


def is_due(reviewed_on, review_due_on, released_on, today):
    if reviewed_on is None:
        return True
    if review_due_on is not None and review_due_on < today:
        return True
    return released_since_review(reviewed_on, released_on, today)


def due_condition(today):
    """`is_due()` as a filter on claims (with their framework)."""
    return (
        Q(reviewed_on__isnull=True)
        | Q(review_due_on__lt=today)
        | Q(framework__released_on__gt=F("reviewed_on"), framework__released_on__lte=today)
    )


def notice(reviewed_on, review_due_on, released_on, version, today):
    """What a visitor is told of a claim due for review, or None when it is not due."""
    if not is_due(reviewed_on, review_due_on, released_on, today):
        return None
    if reviewed_on is None:
        return "Not yet reviewed by an editor."
    since = f"Not reviewed since {date_format(reviewed_on)}"
    if released_since_review(reviewed_on, released_on, today):
        release = f"version {version}" if version else "a new version"
        return f"{since}: {release} came out on {date_format(released_on)}."
    return f"{since}; it was due for review on {date_format(review_due_on)}."
