"""What visitors are told of a claim due for review (comparisons.review), on every public card."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from comparisons import cache
from comparisons.models import Claim
from tests.factories import make_claim, make_framework

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def today():
    return timezone.localdate()


def card_pages(claim):
    """The pages that show the claim's card."""
    return {
        "framework": claim.framework.get_absolute_url(),
        "criterion": claim.criterion.get_absolute_url(),
        "explorer": reverse("comparisons:claim-list"),
    }


def card_of(client, url, claim):
    """The HTML of the claim's card on the page at `url`."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    start = html.index(f'id="claim-{claim.pk}"')
    return html[start : html.index("</article>", start)]


def test_a_claim_past_its_review_date_says_so_on_every_page_with_its_card(client):
    reviewed, due = today() - 400 * DAY, today() - 35 * DAY
    claim = make_claim(reviewed_on=reviewed, review_due_on=due)
    notice = (
        f"Not reviewed since {date_format(reviewed)}; it was due for review on {date_format(due)}."
    )
    assert claim.review_notice() == notice
    for name, url in card_pages(claim).items():
        card = card_of(client, url, claim)
        assert "review-notice" in card, name
        assert escape(notice) in card, name


def test_a_freshly_reviewed_claim_has_no_notice(client):
    claim = make_claim(reviewed_on=today(), review_due_on=today() + 365 * DAY)
    for name, url in card_pages(claim).items():
        assert "review-notice" not in card_of(client, url, claim), name


def test_a_claim_never_reviewed_says_so(client):
    claim = make_claim()
    card = card_of(client, claim.framework.get_absolute_url(), claim)
    assert "Not yet reviewed by an editor." in card


def test_a_release_recorded_after_the_review_makes_the_notice_appear(
    client, django_capture_on_commit_callbacks
):
    framework = make_framework(current_version="3.1", released_on=today() - 100 * DAY)
    claim = make_claim(framework, reviewed_on=today() - 10 * DAY, review_due_on=today() + 300 * DAY)
    for url in card_pages(claim).values():
        assert "review-notice" not in card_of(client, url, claim)  # now cached
    with django_capture_on_commit_callbacks(execute=True):  # as the admin's save commits
        framework.current_version, framework.released_on = "3.2", today() - DAY
        framework.save()
    notice = (
        f"Not reviewed since {date_format(today() - 10 * DAY)}: "
        f"version 3.2 came out on {date_format(today() - DAY)}."
    )
    for name, url in card_pages(claim).items():
        assert escape(notice) in card_of(client, url, claim), name


def test_the_notice_appears_the_day_after_the_due_date_with_a_warm_cache(client, monkeypatch):
    claim = make_claim(reviewed_on=today() - 365 * DAY, review_due_on=today())
    pages = card_pages(claim)
    for url in pages.values():
        assert "review-notice" not in card_of(client, url, claim)
    with CaptureQueriesContext(connection) as warm:
        for url in pages.values():
            assert "review-notice" not in card_of(client, url, claim)
    assert len(warm) == len(pages), "served from the page cache: one query each (the version)"

    real_localdate = timezone.localdate
    tomorrow = today() + DAY

    def localdate(value=None, timezone=None):
        return tomorrow if value is None else real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)  # midnight passes; nobody edits
    assert claim.review_notice() is not None
    for name, url in pages.items():
        card = card_of(client, url, claim)
        assert "review-notice" in card, name
        assert f"it was due for review on {date_format(claim.review_due_on)}" in card, name


def test_the_compare_table_does_not_repeat_the_notice(client):
    claims = [make_claim(reviewed_on=today() - 400 * DAY, review_due_on=today() - DAY)]
    claims.append(make_claim(criterion=claims[0].criterion, reviewed_on=None))
    slugs = ",".join(c.framework.slug for c in claims)
    html = client.get(reverse("comparisons:compare") + f"?frameworks={slugs}").content.decode()
    assert "review-notice" not in html


def test_the_notice_reads_only_what_the_page_has_loaded(
    client, settings, django_assert_num_queries
):
    """The framework is loaded with each claim: due claims cost no query of their own."""
    settings.PAGE_CACHE = False
    framework = make_framework(current_version="2.0", released_on=today() - DAY)
    make_claim(framework, reviewed_on=today() - 30 * DAY)
    url = reverse("comparisons:claim-list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        make_claim(framework, reviewed_on=today() - 30 * DAY)
    assert Claim.objects.due_for_review().count() == 21
    cache.clear()
    with django_assert_num_queries(len(few)):
        html = client.get(url).content.decode()
    assert html.count("review-notice") == 21
