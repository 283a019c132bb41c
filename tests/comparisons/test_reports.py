"""Reporting a problem with a public claim (comparisons.reports): the form, its limits, and that
nothing a visitor writes is ever shown publicly."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from comparisons import cache, reports
from comparisons.models import Claim, KnowledgeVersion, ProblemReport
from tests.comparisons.test_views import assert_accessible
from tests.factories import make_claim, make_framework, make_knowledge_base

pytestmark = pytest.mark.django_db

MARKER = "zq7-visitor-marker-4b1e"
VALID = {
    "problem": "The licence is MIT, not BSD.",
    "source_url": "https://example.org/licence",
    "quote": "MIT License",
}


def report_url(claim):
    return reverse("comparisons:claim-report", args=[claim.pk])


def thanks_url(claim):
    return reverse("comparisons:claim-report-thanks", args=[claim.pk])


@pytest.fixture
def claim(db):
    return make_claim(statement="Flask is BSD-licensed.")


# --- the link and the page -------------------------------------------------------------------


def test_every_public_card_links_to_its_report_page(client):
    kb = make_knowledge_base(frameworks=2, criteria=2)
    framework, criterion = kb["frameworks"][0], kb["criteria"][0]
    for url in (
        framework.get_absolute_url(),
        criterion.get_absolute_url(),
        reverse("comparisons:claim-list"),
    ):
        html = client.get(url).content.decode()
        cards = re.findall(r'<article class="card claim-card[^"]*" id="claim-(\d+)"', html)
        assert cards, url
        for pk in cards:
            assert f'href="/claims/{pk}/report/" rel="nofollow">Report a problem' in html, url


def test_the_page_shows_the_claim_and_a_short_form(client, claim):
    response = client.get(report_url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Flask is BSD-licensed." in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<textarea name="problem"[^>]*maxlength="2000"[^>]*required', html)
    assert '<input type="url" name="source_url"' in html
    assert re.search(r'<textarea name="quote"[^>]*maxlength="2000"', html)
    assert "nothing you write here is shown on the site" in html
    assert f'href="/claims/?framework={claim.framework.slug}' in html  # back to the claim
    assert_accessible(response)


def test_the_trap_is_hidden_labelled_for_people_and_out_of_the_tab_order(client, claim):
    html = client.get(report_url(claim)).content.decode()
    trap = re.search(r'<div class="visually-hidden">(.*?)</div>\s*<button', html, re.S)[1]
    assert "Leave this field empty" in trap
    assert re.search(r'<input type="text" name="website" autocomplete="off" tabindex="-1"', trap)


@pytest.mark.parametrize(
    "status",
    [Claim.Status.DRAFT, Claim.Status.RETRACTED, "unpublished framework", "uncited", "missing"],
)
def test_a_claim_that_is_not_public_has_no_report_page(client, status):
    if status == "unpublished framework":
        target = make_claim(framework=make_framework(is_published=False))
    elif status == "uncited":
        target = make_claim(citations=False)
    elif status == "missing":
        target = Claim(pk=2**63 - 1)
    else:
        target = make_claim(status=status)
    assert client.get(report_url(target)).status_code == 404
    assert client.get(thanks_url(target)).status_code == 404
    assert client.post(report_url(target), VALID).status_code == 404  # tampered: nothing stored
    assert not ProblemReport.objects.exists()


def test_an_id_too_large_for_the_database_is_a_404(client):
    assert client.get(f"/claims/{2**64}/report/").status_code == 404
    assert client.post(f"/claims/{2**64}/report/", VALID).status_code == 404


# --- sending a report ------------------------------------------------------------------------


def test_a_valid_report_is_stored_open_and_thanked_for(client, claim):
    response = client.post(report_url(claim), VALID)
    assert response.status_code == 303
    assert response["Location"] == thanks_url(claim)
    report = ProblemReport.objects.get()
    assert (report.claim, report.status) == (claim, ProblemReport.Status.OPEN)
    assert (report.problem, report.source_url, report.quote) == tuple(VALID.values())
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert "The editors will look at it" in html
    assert "Nothing you wrote is shown publicly" in html
    assert f'href="/claims/?framework={claim.framework.slug}' in html
    assert_accessible(thanks)


def test_only_what_is_wrong_is_required_and_an_address_gets_its_scheme(client, claim):
    response = client.post(report_url(claim), {"problem": "Out of date.", "source_url": "x.org/a"})
    assert response.status_code == 303
    report = ProblemReport.objects.get()
    assert (report.source_url, report.quote) == ("https://x.org/a", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"problem": ""}, "problem", "This field is required."),
        ({"problem": " \n\t "}, "problem", "This field is required."),
        ({"problem": "x" * 2001}, "problem", "at most 2000 characters"),
        ({"problem": "x", "quote": "q" * 2001}, "quote", "at most 2000 characters"),
        (
            {"problem": "x", "source_url": "javascript:alert(1)"},
            "source_url",
            "http:// or https://",
        ),
        (
            {"problem": "x", "source_url": "ftp://example.org/f"},
            "source_url",
            "http:// or https://",
        ),
        ({"problem": "x", "source_url": "data:text/html,hi"}, "source_url", "http:// or https://"),
        ({"problem": "nul\x00"}, "problem", "Null characters are not allowed."),
        (
            {"problem": "x", "source_url": "https://example.org/" + "a" * 500},
            "source_url",
            "at most 500 characters",
        ),
    ],
)
def test_bad_input_gets_the_form_back_with_its_message_and_stores_nothing(
    client, claim, data, field, message
):
    response = client.post(report_url(claim), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The report was not sent" in html
    errors = re.search(rf'id="error_1_id_{field}"[^>]*><strong>(.*?)</strong>', html, re.S)
    assert errors and message in errors[1]
    assert not ProblemReport.objects.exists()
    assert_accessible(response)


def test_an_oversized_body_is_refused_before_anything_is_stored(client, claim):
    response = client.post(report_url(claim), {"problem": "x" * 300_000})
    assert response.status_code == 400
    assert not ProblemReport.objects.exists()


def test_a_form_that_fills_the_trap_is_dropped_as_if_accepted(client, claim):
    response = client.post(report_url(claim), {**VALID, "website": "http://spam.example"})
    assert response.status_code == 303
    assert response["Location"] == thanks_url(claim)
    assert not ProblemReport.objects.exists()
    # Even an otherwise invalid one: a robot learns nothing from the answer.
    response = client.post(report_url(claim), {"problem": "", "website": "x"})
    assert (response.status_code, response["Location"]) == (303, thanks_url(claim))
    assert not ProblemReport.objects.exists()


def test_the_form_is_protected_against_cross_site_posts(claim):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(report_url(claim), VALID).status_code == 403
    assert not ProblemReport.objects.exists()
    page = browser.get(report_url(claim)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post(report_url(claim), {**VALID, "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert ProblemReport.objects.count() == 1


def test_a_report_changes_nothing_cached(client, claim, django_capture_on_commit_callbacks):
    version = cache.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(report_url(claim), VALID).status_code == 303
    assert cache.current_version() == version
    assert KnowledgeVersion.objects.filter(version__gt=version).count() == 0


# --- the rate limit --------------------------------------------------------------------------


def test_the_documented_rate_is_the_default():
    assert reports.REPORT_RATE == "5/h"
    assert reports.report_rate() == "5/h"
    assert "5 an hour" in reports.__doc__ and "CLAIM_REPORT_RATE" in reports.__doc__


def test_a_flood_from_one_address_gets_429_after_5_posts(client, claim):
    for n in range(5):
        # Every POST counts, accepted or not.
        data = VALID if n % 2 else {"problem": ""}
        assert client.post(report_url(claim), data).status_code in (200, 303)
    response = client.post(report_url(claim), VALID)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "no-cache" in response["Cache-Control"]
    assert "Many problem reports came from your address" in response.content.decode()
    assert ProblemReport.objects.count() == 2
    # Reading is never limited, and another address has its own count.
    assert client.get(report_url(claim)).status_code == 200
    other = client.post(report_url(claim), VALID, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 303


def test_gets_never_count(client, claim):
    for _ in range(12):
        assert client.get(report_url(claim)).status_code == 200
    for _ in range(5):
        assert client.post(report_url(claim), VALID).status_code == 303
    assert ProblemReport.objects.count() == 5


def test_the_rate_follows_its_setting(client, claim, settings):
    settings.CLAIM_REPORT_RATE = "2/m"
    assert [client.post(report_url(claim), VALID).status_code for _ in range(3)] == [303, 303, 429]


def test_a_forged_forwarded_header_does_not_choose_the_bucket(client, claim, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        forged = f"203.0.113.{n}, 198.51.100.1"
        response = client.post(report_url(claim), VALID, HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 303
    forged = "203.0.113.99, 198.51.100.1"
    assert client.post(report_url(claim), VALID, HTTP_X_FORWARDED_FOR=forged).status_code == 429


# --- nothing a visitor writes is public ------------------------------------------------------


def test_nothing_a_visitor_writes_appears_on_any_public_page(client, settings):
    kb = make_knowledge_base(frameworks=2, criteria=2)
    claim = kb["claims"][0]
    data = {
        "problem": f"{MARKER} problem",
        "source_url": f"https://example.org/{MARKER}",
        "quote": f"{MARKER} quote",
    }
    response = client.post(report_url(claim), data)
    assert response.status_code == 303
    assert ProblemReport.objects.filter(problem__contains=MARKER).exists()
    explorer = reverse("comparisons:claim-list")
    pages = [
        reverse("comparisons:home"),
        reverse("comparisons:framework-list"),
        claim.framework.get_absolute_url(),
        reverse("comparisons:criterion-list"),
        claim.criterion.get_absolute_url(),
        explorer,
        f"{explorer}?q={claim.statement[:10]}",
        f"{explorer}?format=csv",
        f"{explorer}?format=json",
        reverse("comparisons:compare")
        + "?frameworks="
        + ",".join(f.slug for f in kb["frameworks"]),
        report_url(claim),
        response["Location"],
    ]
    for cold in (True, False):
        if cold:
            cache.clear()
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert MARKER.encode() not in body, url


# --- query budgets ---------------------------------------------------------------------------

GET_QUERIES = 1  # the claim, with its framework and criterion
# The claim; the source address checked against the model's constraint (Django checks it in a
# savepoint inside a transaction, as tests run: two statements more than in production); the
# report and its history row.
POST_QUERIES = 1 + 3 + 2
# Invalid: the claim, and the constraint check of the address; nothing is written.
INVALID_QUERIES = 1 + 3


@pytest.mark.parametrize("size", [1, 5])
def test_the_pages_and_a_report_hold_their_query_counts(client, django_assert_num_queries, size):
    kb = make_knowledge_base(frameworks=size, criteria=size, claims_per_pair=size)
    claim = kb["claims"][-1]
    with django_assert_num_queries(GET_QUERIES):
        assert client.get(report_url(claim)).status_code == 200
    with django_assert_num_queries(POST_QUERIES):
        assert client.post(report_url(claim), VALID).status_code == 303
    with django_assert_num_queries(GET_QUERIES):
        assert client.get(thanks_url(claim)).status_code == 200
    with django_assert_num_queries(INVALID_QUERIES):
        assert client.post(report_url(claim), {"problem": ""}).status_code == 200
    with django_assert_num_queries(GET_QUERIES):  # the trap: only the claim is read
        assert client.post(report_url(claim), {**VALID, "website": "x"}).status_code == 303
