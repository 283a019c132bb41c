"""Review dates in the admin: the claims list's columns and filter, the claim form, the "Mark
reviewed" action, each criterion's interval, and a framework's release putting claims up for
review."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comparisons import cache
from comparisons.models import Claim, Criterion
from tests.factories import make_claim, make_criterion, make_framework

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comparisons_claim_changelist")
TODAY = timezone.localdate()
DAY = timedelta(days=1)


def set_review(claim, reviewed_on, review_due_on):
    Claim.objects.filter(pk=claim.pk).update(reviewed_on=reviewed_on, review_due_on=review_due_on)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def review_world(db):
    framework = make_framework(name="Released", released_on=TODAY - 3 * DAY)
    criterion = make_criterion(review_every_days=180)
    return {
        "never": make_claim(make_framework(), criterion, statement="Never reviewed"),
        "overdue": set_review(
            make_claim(make_framework(), criterion, statement="Overdue one"),
            TODAY - 400 * DAY,
            TODAY - DAY,
        ),
        "released": set_review(
            make_claim(framework, criterion, statement="Released since"),
            TODAY - 10 * DAY,
            TODAY + 100 * DAY,
        ),
        "fine": set_review(
            make_claim(framework, criterion, statement="Recently reviewed"),
            TODAY - DAY,
            TODAY + 179 * DAY,
        ),
    }


def listed(client, **params):
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return {claim.pk for claim in response.context["cl"].queryset}


def test_the_review_filter_is_due_for_review(editor_client, review_world):
    due = {review_world[name].pk for name in ("never", "overdue", "released")}
    assert set(Claim.objects.due_for_review().values_list("pk", flat=True)) == due
    assert listed(editor_client, review="due") == due
    assert listed(editor_client, review="not-due") == {review_world["fine"].pk}


def rows_by_pk(html):
    """{claim id: its row's html} of a changelist page."""
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", html, re.S):
        found = re.search(r'name="_selected_action" value="(\d+)"', row)
        if found:
            rows[int(found.group(1))] = row
    return rows


def test_the_claims_list_shows_last_and_next_review(editor_client, review_world):
    html = editor_client.get(CHANGELIST).content.decode()
    assert "Last reviewed" in html and "Next review" in html
    fine, overdue = review_world["fine"], review_world["overdue"]
    rows = rows_by_pk(html)
    fine_row, overdue_row = rows[fine.pk], rows[overdue.pk]
    assert f"{fine.review_due_on:%Y-%m-%d}" in fine_row and "<strong>due</strong>" not in fine_row
    assert f"{overdue.review_due_on:%Y-%m-%d} <strong>due</strong>" in overdue_row
    assert "<strong>due</strong>" in rows[review_world["never"].pk]
    assert "<strong>due</strong>" in rows[review_world["released"].pk]


def test_the_claim_form_shows_who_reviewed_and_lets_the_next_review_be_changed(
    editor_client, editor, review_world
):
    claim = review_world["fine"]
    Claim.objects.filter(pk=claim.pk).update(reviewed_by=editor)
    url = reverse("admin:comparisons_claim_change", args=[claim.pk])
    page = editor_client.get(url)
    html = page.content.decode()
    fields = page.context["adminform"].form.fields
    assert "review_due_on" in fields
    assert "reviewed_on" not in fields and "reviewed_by" not in fields
    assert 'name="reviewed_on"' not in html and 'name="reviewed_by"' not in html
    assert 'name="review_due_on"' in html
    assert "editor" in html.split("Last reviewed", 1)[1][:2000]
    data = {
        "framework": claim.framework_id,
        "criterion": claim.criterion_id,
        "statement": claim.statement,
        "score": claim.score,
        "weight": claim.weight,
        "status": claim.status,
        "editor_note": "",
        "verdict_override": "",
        "verdict_override_reason": "",
        "review_due_on": (TODAY + 30 * DAY).isoformat(),
        # Tampered: read-only fields posted anyway are ignored.
        "reviewed_on": "2000-01-01",
        "reviewed_by": "",
        "citations-TOTAL_FORMS": 0,
        "citations-INITIAL_FORMS": 0,
    }
    assert editor_client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.review_due_on == TODAY + 30 * DAY
    assert claim.reviewed_on == TODAY - DAY and claim.reviewed_by == editor


def mark_reviewed(client, claims, **extra):
    return client.post(
        CHANGELIST,
        {"action": "mark_reviewed", "_selected_action": [c.pk for c in claims]},
        **extra,
    )


def test_mark_reviewed_records_who_and_when_with_history(
    editor_client, editor, review_world, django_capture_on_commit_callbacks
):
    chosen = [review_world["never"], review_world["overdue"], review_world["released"]]
    versions = {claim.pk: claim.history.count() for claim in chosen}
    kb_version = cache.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = mark_reviewed(editor_client, chosen, follow=True)
    assert "3 claims marked reviewed on " + f"{TODAY:%Y-%m-%d}." in response.content.decode()
    for claim in chosen:
        claim.refresh_from_db()
        assert claim.reviewed_on == TODAY
        assert claim.reviewed_by == editor
        assert claim.review_due_on == TODAY + 180 * DAY  # the criterion's interval
        assert claim.history.count() == versions[claim.pk] + 1
        latest = claim.history.first()
        assert latest.history_user == editor
        assert latest.history_type == "~" and latest.reviewed_on == TODAY
    assert not Claim.objects.filter(pk__in=[c.pk for c in chosen]).due_for_review().exists()
    # The public pages say whether a claim is reviewed: their cache is invalidated.
    assert cache.current_version() > kb_version
    untouched = review_world["fine"]
    assert Claim.objects.get(pk=untouched.pk).reviewed_on == TODAY - DAY


def test_mark_reviewed_takes_the_same_queries_for_3_and_30_claims(editor_client):
    criterion = make_criterion()
    framework = make_framework()
    counts = []
    for n in (3, 30):
        claims = [make_claim(framework, criterion) for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            assert mark_reviewed(editor_client, claims).status_code == 302
        counts.append(len(queries))
        assert Claim.objects.filter(reviewed_on=TODAY).count() >= n
    assert counts[0] == counts[1]


def test_a_user_who_may_only_view_claims_cannot_mark_them_reviewed(client, review_world):
    reader = User.objects.create_user("reader", password="reader-pass-123", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_claim"))
    client.force_login(reader)
    mark_reviewed(client, [review_world["never"]])
    assert Claim.objects.get(pk=review_world["never"].pk).reviewed_on is None


def test_each_criterion_has_its_review_interval(editor_client):
    criterion = make_criterion(review_every_days=730)
    html = editor_client.get(reverse("admin:comparisons_criterion_changelist")).content.decode()
    assert "Review every (days)" in html and ">730<" in html
    url = reverse("admin:comparisons_criterion_change", args=[criterion.pk])
    form = editor_client.get(url).content.decode()
    assert 'name="review_every_days"' in form
    data = {
        "name": criterion.name,
        "slug": criterion.slug,
        "definition": criterion.definition,
        "category": criterion.category,
        "default_weight": criterion.default_weight,
        "display_order": criterion.display_order,
        "review_every_days": 90,
    }
    assert editor_client.post(url, data).status_code == 302
    assert Criterion.objects.get(pk=criterion.pk).review_every_days == 90
    refused = editor_client.post(url, {**data, "review_every_days": 0})
    assert refused.status_code == 200
    assert Criterion.objects.get(pk=criterion.pk).review_every_days == 90


def framework_data(framework, **changes):
    return {
        "name": framework.name,
        "slug": framework.slug,
        "language": framework.language,
        "is_published": "on",
        "current_version": framework.current_version,
        "released_on": framework.released_on.isoformat() if framework.released_on else "",
        "claims-TOTAL_FORMS": 0,
        "claims-INITIAL_FORMS": 0,
        **changes,
    }


def test_the_framework_form_groups_the_current_release(editor_client):
    framework = make_framework()
    html = editor_client.get(
        reverse("admin:comparisons_framework_change", args=[framework.pk])
    ).content.decode()
    release = html.split("Current release", 1)[1].split("</fieldset>", 1)[0]
    assert 'name="current_version"' in release and 'name="released_on"' in release
    assert "every claim about the framework reviewed before that day is then due" in release


def test_recording_a_release_says_how_many_claims_are_now_due(editor_client):
    framework = make_framework(current_version="1.0")
    criterion = make_criterion()
    reviewed = [
        set_review(make_claim(framework, criterion), TODAY - 20 * DAY, TODAY + 300 * DAY)
        for _ in range(2)
    ]
    set_review(make_claim(framework, criterion), TODAY, TODAY + 300 * DAY)  # reviewed today
    make_claim(framework, criterion, status=Claim.Status.DRAFT)  # not public: not counted
    url = reverse("admin:comparisons_framework_change", args=[framework.pk])
    release = {"current_version": "2.0", "released_on": (TODAY - 5 * DAY).isoformat()}
    response = editor_client.post(url, framework_data(framework, **release), follow=True)
    text = response.content.decode()
    assert "2 of its published claims are now due for review" in text
    due = set(Claim.objects.published().due_for_review().values_list("pk", flat=True))
    assert due == {claim.pk for claim in reviewed}
    link = re.search(r'<a href="([^"]+)">2 of its published claims', text).group(1)
    opened = editor_client.get(unescape(link))
    assert {claim.pk for claim in opened.context["cl"].queryset} == due


def test_saving_a_framework_without_a_new_release_says_nothing_of_reviews(editor_client):
    framework = make_framework(current_version="1.0", released_on=TODAY - 50 * DAY)
    make_claim(framework)
    url = reverse("admin:comparisons_framework_change", args=[framework.pk])
    response = editor_client.post(
        url, framework_data(framework, tagline="A new tagline"), follow=True
    )
    assert response.status_code == 200
    assert "now due for review" not in response.content.decode()


def test_a_release_announced_for_later_says_when_its_claims_fall_due(editor_client):
    framework = make_framework(current_version="1.0")
    make_claim(framework)
    url = reverse("admin:comparisons_framework_change", args=[framework.pk])
    later = {"current_version": "2.0", "released_on": (TODAY + 7 * DAY).isoformat()}
    text = editor_client.post(url, framework_data(framework, **later), follow=True)
    assert "fall due for review that day" in text.content.decode()
