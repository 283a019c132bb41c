"""The queue of visitors' reports in the admin: listing, reading, accepting and declining."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from comparisons.models import ProblemReport
from tests.factories import make_claim, make_framework

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comparisons_problemreport_changelist")


def change_url(report):
    return reverse("admin:comparisons_problemreport_change", args=[report.pk])


@pytest.fixture
def claim(db):
    return make_claim(make_framework(name="Flask"), statement="Flask ships an admin panel.")


@pytest.fixture
def report(claim):
    return ProblemReport.objects.create(
        claim=claim,
        problem="It does not: <script>alert(1)</script> " + "and more words " * 20,
        source_url="https://flask.palletsprojects.com/en/latest/",
        quote="Flask has no admin <b>panel</b>.",
    )


def test_the_queue_lists_reports_with_their_claims(editor_client, report, claim):
    ProblemReport.objects.create(claim=claim, problem="Handled.", status="declined", outcome="No.")
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "and more words and…</a>" in html  # truncated to 14 words
    assert reverse("admin:comparisons_claim_change", args=[claim.pk]) in html
    assert "Open" in html and "Declined" in html
    only_open = editor_client.get(CHANGELIST, {"status__exact": "open"})
    assert [r.pk for r in only_open.context["cl"].queryset] == [report.pk]


def test_nothing_is_added_and_nothing_bulk_decided_in_the_admin(editor_client, admin_client):
    for client in (editor_client, admin_client):
        assert client.get(reverse("admin:comparisons_problemreport_add")).status_code == 403
        html = client.get(CHANGELIST).content.decode()
        assert reverse("admin:comparisons_problemreport_add") not in html
    model_admin = admin.site._registry[ProblemReport]
    assert model_admin.get_actions(_request(editor_client)) == {}


def _request(client):
    response = client.get(CHANGELIST)
    return response.wsgi_request


def test_the_report_page_shows_the_claim_and_the_visitors_words(editor_client, report, claim):
    html = editor_client.get(change_url(report)).content.decode()
    assert "Flask ships an admin panel." in html
    assert reverse("admin:comparisons_claim_change", args=[claim.pk]) in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Flask has no admin &lt;b&gt;panel&lt;/b&gt;." in html
    assert (
        '<a href="https://flask.palletsprojects.com/en/latest/" rel="noopener noreferrer '
        'nofollow">https://flask.palletsprojects.com/en/latest/</a>'
    ) in html
    # The visitor's words are read, not edited: only the editor's note is a field.
    assert 'name="problem"' not in html and 'name="quote"' not in html
    assert 'name="outcome"' in html
    assert 'name="_accept"' in html and 'name="_decline"' in html


def test_an_address_that_is_not_a_web_address_is_shown_as_text():
    model_admin = admin.site._registry[ProblemReport]
    shown = model_admin.source_link(ProblemReport(source_url="javascript:alert(1)"))
    assert shown == "javascript:alert(1)" and "<a" not in str(shown)
    assert model_admin.source_link(ProblemReport(source_url="")) == "–"


def test_accepting_records_who_and_when_then_opens_the_claim(editor_client, editor, report):
    response = editor_client.post(
        change_url(report), {"outcome": "Corrected the statement.", "_accept": "Accept"}
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:comparisons_claim_change", args=[report.claim_id])
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.ACCEPTED
    assert report.outcome == "Corrected the statement."
    assert report.handled_by == editor and report.handled_at is not None
    assert report.history.first().history_user == editor
    page = editor_client.get(response.url).content.decode()
    assert "The report is accepted. Correct the claim below" in page


def test_declining_needs_a_note(editor_client, report):
    refused = editor_client.post(change_url(report), {"outcome": "  ", "_decline": "Decline"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Say why the report is declined: a report cannot be declined without a note." in html
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.OPEN and report.handled_by is None


def test_declining_with_a_note_records_it_and_returns_to_the_open_reports(
    editor_client, editor, report
):
    response = editor_client.post(
        change_url(report), {"outcome": "The docs say otherwise.", "_decline": "Decline"}
    )
    assert response.status_code == 302
    assert response.url == f"{CHANGELIST}?status__exact=open"
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.DECLINED
    assert report.outcome == "The docs say otherwise."
    assert report.handled_by == editor and report.handled_at is not None


def test_saving_a_note_alone_leaves_the_report_open(editor_client, report):
    response = editor_client.post(change_url(report), {"outcome": "Asked the maintainers."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.OPEN and report.handled_by is None
    assert report.outcome == "Asked the maintainers."


def test_a_handled_report_is_not_decided_again(editor_client, admin_user, report):
    ProblemReport.objects.filter(pk=report.pk).update(
        status="declined", outcome="No.", handled_by=admin_user
    )
    page = editor_client.get(change_url(report)).content.decode()
    assert 'name="_accept"' not in page
    response = editor_client.post(change_url(report), {"outcome": "Yes.", "_accept": "Accept"})
    assert response.status_code == 200
    assert "This report is already declined: it cannot be decided again." in (
        response.content.decode()
    )
    # Nor may its note be emptied: a declined report says why.
    emptied = editor_client.post(change_url(report), {"outcome": ""})
    assert emptied.status_code == 200
    report.refresh_from_db()
    assert (report.status, report.outcome, report.handled_by) == ("declined", "No.", admin_user)


def test_a_reader_sees_a_report_but_cannot_decide_it(client, report):
    reader = User.objects.create_user("reader", password="reader-pass-123", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_problemreport"))
    client.force_login(reader)
    page = client.get(change_url(report))
    assert page.status_code == 200 and 'name="_accept"' not in page.content.decode()
    assert client.post(change_url(report), {"outcome": "x", "_accept": "1"}).status_code == 403
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.OPEN


def test_only_administrators_delete_reports(editor_client, admin_client, report):
    delete = reverse("admin:comparisons_problemreport_delete", args=[report.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert ProblemReport.objects.filter(pk=report.pk).exists()
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ProblemReport.objects.filter(pk=report.pk).exists()


def test_the_queue_takes_a_fixed_number_of_queries(
    editor_client, claim, django_assert_max_num_queries
):
    ProblemReport.objects.bulk_create(ProblemReport(claim=claim, problem="x") for _ in range(3))
    with django_assert_max_num_queries(10) as small:
        editor_client.get(CHANGELIST)
    other = make_claim()
    ProblemReport.objects.bulk_create(
        ProblemReport(claim=claim if n % 2 else other, problem=f"Report {n}") for n in range(300)
    )
    with django_assert_max_num_queries(10) as large:
        editor_client.get(CHANGELIST)
    assert len(small) == len(large)
