"""The editors' desk on the admin's index: its counts, the rows their links open, the coverage
matrix, the criteria that decide results on weak evidence, and its query budget."""

import re
from datetime import timedelta
from html import unescape
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from advisor.models import Consultation
from comparisons import dashboard
from comparisons.models import Citation, Claim, ProblemReport, Source, SourceSnapshot
from tests.factories import (
    make_claim,
    make_criterion,
    make_framework,
    make_knowledge_base,
    make_source,
)

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
TODAY = timezone.localdate()
_hashes = count(1)


def reviewed(claim, days_ago=10, due_in=100):
    """Mark `claim` reviewed and not due (unless told otherwise)."""
    Claim.objects.filter(pk=claim.pk).update(
        reviewed_on=TODAY - timedelta(days=days_ago),
        review_due_on=TODAY + timedelta(days=due_in),
    )
    return claim


def consult(criterion_slug, times=1):
    for _ in range(times):
        Consultation.objects.create(
            engine_version="test",
            deciding_criterion=criterion_slug,
            content_hash=f"{next(_hashes):064d}",
        )


def cite(claim, source, stance="supports"):
    return Citation.objects.create(claim=claim, source=source, excerpt="Says so.", stance=stance)


@pytest.fixture
def desk_world(db):
    """A knowledge base with one of everything the desk counts, and a few things it must not."""
    c1, c2, c3 = (make_criterion(name=f"Crit {n}", slug=f"crit-{n}") for n in (1, 2, 3))
    fw_a = make_framework(name="Alpha")
    fw_b = make_framework(name="Bravo", released_on=TODAY - timedelta(days=2))
    hidden = make_framework(name="Hidden", is_published=False)
    rated = {n: make_source(reliability=n, title=f"Rated {n}") for n in (1, 2, 3, 5)}
    never = make_source(title="Never cited")
    claims = {
        "strong": make_claim(fw_a, c1, rated[5]),
        "weak": make_claim(fw_a, c2, rated[1]),
        "contested": make_claim(fw_b, c1, rated[3]),
        "refuted": make_claim(fw_b, c2, rated[1]),
        "draft": make_claim(fw_a, c3, rated[2], status=Claim.Status.DRAFT),
        "hidden": make_claim(hidden, c1, rated[1]),
        "uncited": make_claim(fw_a, c3, citations=False),
        "missing": make_claim(fw_a, c1, rated[5]),
        "drifted": make_claim(fw_a, c1, rated[3]),
        "overdue": make_claim(fw_a, c1, rated[5]),
    }
    cite(claims["contested"], rated[3], "contradicts")
    cite(claims["refuted"], rated[5], "contradicts")
    for claim in claims.values():
        reviewed(claim)
    # Bravo's release of two days ago came after the refuted claim's last review (ten days ago),
    # not after the contested one's.
    Claim.objects.filter(pk=claims["contested"].pk).update(reviewed_on=TODAY - timedelta(days=1))
    Claim.objects.filter(pk=claims["overdue"].pk).update(review_due_on=TODAY - timedelta(days=1))
    # A quote not found, and a drifted one (verified before, found only normalised now).
    Citation.objects.filter(claim=claims["missing"]).update(
        verification=Citation.Verification.NOT_FOUND
    )
    snapshot = SourceSnapshot.of_text(rated[3], "Says so, today.", origin="https://example.org")
    snapshot.save()
    Citation.objects.filter(claim=claims["drifted"]).update(
        verification=Citation.Verification.NORMALISED,
        previous_verification=Citation.Verification.VERIFIED,
        previous_snapshot=snapshot,
    )
    # Contested claim's citations are of the same source: not drifted, their check is kept.
    Citation.objects.filter(claim=claims["contested"]).update(
        verification=Citation.Verification.VERIFIED, previous_snapshot=None
    )
    for status, outcome in (
        ("open", ""),
        ("open", ""),
        ("accepted", "Fixed."),
        ("declined", "No."),
    ):
        ProblemReport.objects.create(
            claim=claims["strong"], problem="Wrong.", status=status, outcome=outcome
        )
    consult(c1.slug, 3)
    consult(c2.slug, 1)
    consult(c3.slug, 2)
    consult("", 2)
    consult("a-deleted-criterion", 1)
    return {
        "criteria": (c1, c2, c3),
        "frameworks": (fw_a, fw_b, hidden),
        "claims": claims,
        "never": never,
    }


def desk_links(html):
    """{element id: href} of the desk's links (its counts, its deciding criteria)."""
    return {
        ident: unescape(href)
        for ident, href in re.findall(r'<a id="([\w-]+)" href="([^"]+)"', html)
    }


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


# The desk's figures and, for each, the rows it must count: a direct query, and by hand.
CLAIM_FIGURES = {
    "claims-weak-sources": (
        lambda: Claim.objects.published().resting_on_weak_sources(),
        {"weak", "refuted"},
    ),
    "claims-contested": (
        lambda: Claim.objects.published().with_verdict("contested"),
        {"contested"},
    ),
    "claims-refuted": (lambda: Claim.objects.published().with_verdict("refuted"), {"refuted"}),
    "claims-quotes": (
        lambda: (
            Claim.objects.published()
            .filter(
                Q(citations__in=Citation.objects.not_found())
                | Q(citations__in=Citation.objects.drifted())
            )
            .distinct()
        ),
        {"missing", "drifted"},
    ),
    "claims-due": (
        lambda: Claim.objects.published().due_for_review(),
        {"refuted", "overdue"},
    ),
}


def test_every_claim_count_is_the_direct_query_and_its_link_opens_exactly_those_rows(
    editor_client, desk_world
):
    names = {claim.pk: name for name, claim in desk_world["claims"].items()}
    response = editor_client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    links = desk_links(html)
    figures = {figure.slug: figure for figure in response.context["desk"].figures}
    for slug, (direct, by_hand) in CLAIM_FIGURES.items():
        expected = pks(direct())
        assert {names[pk] for pk in expected} == by_hand, slug
        assert figures[slug].count == len(expected), slug
        assert re.search(rf'<a id="{slug}" href="[^"]+">{len(expected)}</a>', html), slug
        listed = editor_client.get(links[slug])
        assert listed.status_code == 200
        assert pks(listed.context["cl"].queryset) == expected, slug
        assert {obj.pk for obj in listed.context["cl"].result_list} == expected, slug


def test_sources_never_cited_and_open_reports_link_to_exactly_those_rows(editor_client, desk_world):
    html = editor_client.get(INDEX).content.decode()
    links = desk_links(html)
    never = pks(Source.objects.filter(citations__isnull=True))
    assert never == {desk_world["never"].pk}
    assert re.search(r'<a id="sources-never-cited" href="[^"]+">1</a>', html)
    listed = editor_client.get(links["sources-never-cited"])
    assert pks(listed.context["cl"].queryset) == never

    open_reports = pks(ProblemReport.objects.filter(status="open"))
    assert len(open_reports) == 2
    assert re.search(r'<a id="reports-open" href="[^"]+">2</a>', html)
    listed = editor_client.get(links["reports-open"])
    assert pks(listed.context["cl"].queryset) == open_reports


def test_the_filters_options_are_the_desks_counts(editor_client, desk_world):
    """Each "Needs attention" option of the claims list is one of the desk's queries."""
    assert [a.slug for a in dashboard.ATTENTION] == [
        "weak-sources",
        "contested",
        "refuted",
        "quotes",
        "due",
    ]
    changelist = editor_client.get(reverse("admin:comparisons_claim_changelist")).content.decode()
    for attention in dashboard.ATTENTION:
        assert f"?attention={attention.slug}" in changelist
        assert attention.label in changelist


def cells_of(html):
    """{(framework name, column index): cell html} of the coverage matrix."""
    table = html.split('<table id="coverage-matrix">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S)
    return {
        (name, i): cell
        for name, cells in rows
        for i, cell in enumerate(re.findall(r"<td.*?</td>", cells, re.S))
    }


def test_the_coverage_matrix_marks_gaps_and_weak_cells_and_links_each(editor_client, desk_world):
    (c1, _, c3), (fw_a, fw_b, _) = desk_world["criteria"], desk_world["frameworks"]
    html = editor_client.get(INDEX).content.decode()
    cells = cells_of(html)
    assert {name for name, _ in cells} == {"Alpha", "Bravo"}, "published frameworks only"
    # Alpha on Crit 1: four public claims, the best counting one on a source rated 5.
    assert ">4&nbsp;strong</a>" in cells[("Alpha", 0)]
    # Alpha on Crit 2: rests on a source rated 1; Bravo on Crit 2: refuted, nothing counts.
    for key in (("Alpha", 1), ("Bravo", 1)):
        assert 'class="weak"' in cells[key] and "<mark>" in cells[key]
        assert ">1&nbsp;weak" in cells[key]
    assert ">1&nbsp;weak</a>" in cells[("Alpha", 1)]
    assert ">1&nbsp;weak: none counts</a>" in cells[("Bravo", 1)]
    # Bravo on Crit 1: contested between two sources rated 3: it counts, moderate, not weak.
    assert '>1&nbsp;<abbr title="moderate">mod.</abbr></a>' in cells[("Bravo", 0)]
    # Crit 3: a draft and an uncited claim are not public: gaps, each linking to the add form.
    add = reverse("admin:comparisons_claim_add")
    for framework, key in ((fw_a, ("Alpha", 2)), (fw_b, ("Bravo", 2))):
        assert 'class="gap"' in cells[key] and ">gap</a>" in cells[key]
        assert f'href="{add}?framework={framework.pk}&amp;criterion={c3.pk}"' in cells[key]
    # A cell's number opens the pair's claims.
    url = unescape(re.search(r'href="([^"]+)"', cells[("Alpha", 0)]).group(1))
    listed = editor_client.get(url)
    assert pks(listed.context["cl"].queryset) == pks(
        Claim.objects.filter(framework=fw_a, criterion=c1)
    )
    # The gap's link opens the add form with the pair chosen.
    form = editor_client.get(f"{add}?framework={fw_a.pk}&criterion={c3.pk}")
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["framework"] == str(fw_a.pk)
    assert form.context["adminform"].form.initial["criterion"] == str(c3.pk)
    page = form.content.decode()
    assert re.search(rf'<option value="{fw_a.pk}" selected>Alpha</option>', page)


def test_the_matrix_is_paginated_by_frameworks_and_criteria(editor_client):
    per_row, per_column = dashboard.FRAMEWORKS_PER_PAGE, dashboard.CRITERIA_PER_PAGE
    for n in range(per_row + 5):
        make_framework(name=f"Fw {n:03d}")
    criteria = 2 * per_column + 3
    for n in range(criteria):
        make_criterion(name=f"Crit {n:03d}")
    first = editor_client.get(INDEX)
    desk = first.context["desk"]
    assert len(desk.rows) == per_row
    assert all(len(row.cells) == per_column for row in desk.rows)
    html = first.content.decode()
    assert (
        f"Frameworks 1–{per_row} of {per_row + 5}; criteria 1–{per_column} of {criteria}." in html
    )
    assert "?frameworks=2&amp;criteria=1" in html and "?frameworks=1&amp;criteria=2" in html
    last = editor_client.get(INDEX, {"frameworks": 2, "criteria": 3})
    rows = last.context["desk"].rows
    assert [row.framework.name for row in rows] == [
        f"Fw {n:03d}" for n in range(per_row, per_row + 5)
    ]
    assert len(rows[0].cells) == 3
    assert (
        f"Frameworks {per_row + 1}–{per_row + 5} of {per_row + 5}; "
        f"criteria {2 * per_column + 1}–{criteria} of {criteria}."
    ) in last.content.decode()
    # A page number out of range or no number at all shows a page, never an error.
    assert editor_client.get(INDEX, {"frameworks": "x", "criteria": 99}).status_code == 200


def test_the_criteria_that_decide_results_on_weak_evidence(editor_client, desk_world):
    c1, c2, c3 = desk_world["criteria"]
    response = editor_client.get(INDEX)
    deciding = response.context["desk"].deciding
    # Crit 3 decided 2 results and is a gap for both published frameworks (2 × 2/2); Crit 2
    # decided 1 and is weak for both (1 × 2/2); Crit 1 decided 3 but is solid for both (3 × 0).
    assert [(d.criterion, d.decided, d.weak_frameworks, d.frameworks) for d in deciding] == [
        (c3, 2, 2, 2),
        (c2, 1, 2, 2),
    ]
    assert response.context["desk"].consultations_decided == 7
    html = response.content.decode()
    assert re.search(
        rf'<a id="deciding-{c3.slug}" href="[^"]+">Crit 3</a>: decided 2 results; a gap or weak '
        r"for 2 of 2 published frameworks\.",
        html,
    )
    listed = editor_client.get(desk_links(html)[f"deciding-{c3.slug}"])
    assert pks(listed.context["cl"].queryset) == pks(Claim.objects.filter(criterion=c3))


def test_a_recorded_release_puts_its_claims_on_the_desk(editor_client):
    framework = make_framework(name="Falcon", current_version="3.0", released_on=None)
    claims = [reviewed(make_claim(framework), days_ago=30) for _ in range(3)]
    other = reviewed(make_claim(make_framework()), days_ago=30)
    before = editor_client.get(INDEX).context["desk"]
    assert {f.slug: f.count for f in before.figures}["claims-due"] == 0
    url = reverse("admin:comparisons_framework_change", args=[framework.pk])
    data = {
        "name": framework.name,
        "slug": framework.slug,
        "language": "Python",
        "is_published": "on",
        "current_version": "4.0",
        "released_on": (TODAY - timedelta(days=1)).isoformat(),
        "claims-TOTAL_FORMS": 0,
        "claims-INITIAL_FORMS": 0,
    }
    response = editor_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "3 of its published claims are now due for review" in response.content.decode()
    html = editor_client.get(INDEX).content.decode()
    assert re.search(r'<a id="claims-due" href="[^"]+">3</a>', html)
    listed = editor_client.get(desk_links(html)["claims-due"])
    assert pks(listed.context["cl"].queryset) == {claim.pk for claim in claims}
    assert other.pk not in pks(listed.context["cl"].queryset)


def test_who_cannot_read_claims_gets_the_plain_index(client, db):
    staff = User.objects.create_user("staff", password="staff-pass-123", is_staff=True)
    client.force_login(staff)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert "desk" not in response.context
    assert "Needs attention" not in response.content.decode()


def test_the_desk_keeps_the_list_of_models(editor_client, desk_world):
    html = editor_client.get(INDEX).content.decode()
    assert "Needs attention" in html and 'id="coverage-matrix"' in html
    assert reverse("admin:comparisons_problemreport_changelist") in html
    assert 'class="app-comparisons module' in html


def grow(frameworks, criteria, claims_per_pair):
    """A knowledge base, with one of each kind the desk counts: every query has rows to find."""
    kb = make_knowledge_base(frameworks, criteria, claims_per_pair)
    weak = make_claim(kb["frameworks"][0], kb["criteria"][0], make_source(reliability=1))
    ProblemReport.objects.create(claim=weak, problem="Wrong.")
    make_source()
    for criterion in kb["criteria"][:3]:
        consult(criterion.slug, 2)


DESK_QUERIES = 20  # session, user, permissions (4); the desk (15); recent actions (1)


def test_the_desk_takes_the_same_number_of_queries_at_10_and_1000_claims(
    editor_client, django_assert_num_queries
):
    grow(frameworks=2, criteria=5, claims_per_pair=1)  # 10 claims, and one weakly sourced
    assert Claim.objects.count() == 11
    with django_assert_num_queries(DESK_QUERIES):
        small = editor_client.get(INDEX)
    grow(frameworks=10, criteria=10, claims_per_pair=10)  # +1,000 claims, and one more
    assert Claim.objects.count() == 1012
    with django_assert_num_queries(DESK_QUERIES):
        large = editor_client.get(INDEX)
    assert small.status_code == large.status_code == 200
    assert len(large.context["desk"].rows) == 12
