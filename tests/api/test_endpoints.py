"""Every endpoint of the API: what it returns, what it keeps private, and its errors."""

import pytest

from comparisons.evidence import strength
from comparisons.knowledge import evidence_scores
from comparisons.models import Citation, Claim, Criterion, Source
from tests.api.conftest import all_pages, body, problem
from tests.factories import make_claim, make_criterion, make_framework, make_source

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def mixed(db):
    """Public claims, and everything that must stay out of the API."""
    shown = make_framework(name="Shown", slug="shown")
    hidden = make_framework(name="Hidden", slug="hidden", is_published=False)
    speed = make_criterion(name="Speed", slug="speed")
    cited = make_source(title="Cited source")
    unused = make_source(title="Uncited source")
    draft_only = make_source(title="Source of a draft only")
    public = make_claim(shown, speed, source=cited, statement="PUBLIC-CLAIM", score=2)
    contested = make_claim(
        shown, speed, statement="CONTESTED-CLAIM", editor_note="Two benchmarks disagree."
    )
    Citation.objects.create(claim=contested, source=make_source(), stance="contradicts")
    supported_note = make_claim(shown, speed, statement="NOTE-HIDDEN", editor_note="Private aside.")
    make_claim(shown, speed, source=draft_only, statement="DRAFT-CLAIM", status="draft")
    make_claim(shown, speed, statement="RETRACTED-CLAIM", status="retracted")
    make_claim(shown, speed, statement="UNCITED-CLAIM", citations=False)
    make_claim(hidden, speed, statement="HIDDEN-FRAMEWORK-CLAIM")
    return {
        "shown": shown,
        "hidden": hidden,
        "speed": speed,
        "cited": cited,
        "unused": unused,
        "draft_only": draft_only,
        "public": public,
        "contested": contested,
        "supported_note": supported_note,
    }


def test_the_root_links_every_endpoint(client, db):
    links = body(client.get(API))
    assert set(links) == {
        "frameworks",
        "criteria",
        "sources",
        "claims",
        "compare",
        "score",
        "schema",
        "docs",
    }
    assert links["claims"] == "http://testserver/api/v1/claims/"


def test_frameworks_list_only_published_ones_with_their_public_claim_counts(client, mixed):
    page = body(client.get(f"{API}frameworks/"))
    assert [f["slug"] for f in page["results"]] == ["shown"]
    (shown,) = page["results"]
    assert shown["claim_count"] == 3  # public, contested, supported with a note
    assert shown["url"] == "http://testserver/api/v1/frameworks/shown/"
    assert shown["page_url"] == "http://testserver/frameworks/shown/"
    assert shown["claims_url"] == "http://testserver/api/v1/claims/?framework=shown"
    assert page["count"] == 1 and page["count_is_exact"] is True
    assert page["next"] is None and page["previous"] is None


def test_a_framework_has_its_evidence_on_each_criterion(client, mixed):
    detail = body(client.get(f"{API}frameworks/shown/"))
    (row,) = detail["evidence"]
    expected = evidence_scores(framework_ids=[mixed["shown"].pk])[
        mixed["shown"].pk, mixed["speed"].pk
    ]
    assert row["criterion"] == "speed" and row["criterion_name"] == "Speed"
    assert row["score"] == pytest.approx(expected.score, abs=1e-4)
    assert row["strength"] == pytest.approx(expected.strength, abs=1e-4)
    assert row["claim_count"] == 3 and row["contested_count"] == 1
    assert row["strength_label"] == expected.strength_label
    assert detail["claim_count"] == 3


def test_unpublished_and_unknown_frameworks_are_404_problems(client, mixed):
    for url in (f"{API}frameworks/hidden/", f"{API}frameworks/nope/"):
        data = problem(client.get(url), 404)
        assert data["instance"] == url
        assert "There is no published framework" in data["detail"]


def test_criteria_list_in_display_order_and_a_criterion_has_each_frameworks_evidence(client, mixed):
    later = make_criterion(name="Later", slug="later", display_order=10_000)
    make_criterion(name="Earlier", slug="earlier", display_order=0)
    slugs = [c["slug"] for c in all_pages(client, f"{API}criteria/")]
    assert slugs == list(
        Criterion.objects.order_by("display_order", "name").values_list("slug", flat=True)
    )
    assert slugs[-1] == later.slug
    detail = body(client.get(f"{API}criteria/speed/"))
    assert [row["framework"] for row in detail["evidence"]] == ["shown"]
    assert detail["claim_count"] == 3
    assert body(client.get(f"{API}criteria/later/"))["evidence"] == []
    problem(client.get(f"{API}criteria/nope/"), 404)


def test_sources_are_those_a_public_claim_cites(client, mixed):
    listed = {s["id"] for s in all_pages(client, f"{API}sources/")}
    public = Source.objects.filter(citations__claim__in=Claim.objects.published()).distinct()
    assert listed == set(public.values_list("pk", flat=True))
    assert mixed["unused"].pk not in listed and mixed["draft_only"].pk not in listed
    source = body(client.get(f"{API}sources/{mixed['cited'].pk}/"))
    assert source["title"] == "Cited source"
    assert source["strength"] == strength(source["reliability"])
    assert source["claims_url"].endswith(f"/api/v1/claims/?source={mixed['cited'].pk}")
    for pk in (mixed["unused"].pk, mixed["draft_only"].pk, 10**6, 2**63, 10**30):
        problem(client.get(f"{API}sources/{pk}/"), 404)


def test_claims_are_the_public_ones_with_verdicts_strengths_and_citations(client, mixed):
    claims = all_pages(client, f"{API}claims/")
    statements = {c["statement"] for c in claims}
    assert statements == {"PUBLIC-CLAIM", "CONTESTED-CLAIM", "NOTE-HIDDEN"}
    contested = next(c for c in claims if c["statement"] == "CONTESTED-CLAIM")
    assessment = Claim.objects.with_evidence().get(pk=contested["id"]).assessment
    assert contested["verdict"] == "contested" == assessment.verdict
    assert contested["verdict_reason"] == assessment.reason
    assert contested["evidence_strength"] == round(assessment.strength, 4)
    assert contested["effective_weight"] == round(assessment.effective_weight, 4)
    assert contested["editor_note"] == "Two benchmarks disagree."
    assert {c["stance"] for c in contested["citations"]} == {"supports", "contradicts"}
    assert contested["citation_count"] == 2
    supported = next(c for c in claims if c["statement"] == "NOTE-HIDDEN")
    assert supported["editor_note"] == "", "notes are public beside questioned claims only"
    public = body(client.get(f"{API}claims/{mixed['public'].pk}/"))
    assert public["citations"][0]["source"]["title"] == "Cited source"
    assert public["page_url"] == f"http://testserver/frameworks/shown/#claim-{mixed['public'].pk}"


def test_nothing_private_appears_anywhere(client, mixed):
    urls = [
        API,
        f"{API}frameworks/",
        f"{API}frameworks/shown/",
        f"{API}criteria/",
        f"{API}criteria/speed/",
        f"{API}sources/",
        f"{API}claims/?page_size=100",
        f"{API}compare/?frameworks=shown,other",
    ]
    make_framework(name="Other", slug="other")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in ("DRAFT-CLAIM", "RETRACTED-CLAIM", "UNCITED-CLAIM", "HIDDEN-FRAMEWORK"):
            assert secret not in text, (secret, url)
        assert "Hidden" not in text and "Private aside" not in text, url
    for claim in Claim.objects.exclude(pk__in=Claim.objects.published()):
        problem(client.get(f"{API}claims/{claim.pk}/"), 404)


def test_the_matrix_is_the_compare_pages(client, starting_content):
    data = body(client.get(f"{API}compare/?frameworks=django,flask&category=cost"))
    assert [f["slug"] for f in data["frameworks"]] == ["django", "flask"]
    page = client.get("/compare/?frameworks=django,flask&category=cost").context["matrix"]
    assert [row["criterion"] for row in data["rows"]] == [row.criterion_slug for row in page.rows]
    for row, page_row in zip(data["rows"], page.rows, strict=True):
        for cell, page_cell in zip(row["cells"], page_row.cells, strict=True):
            assert cell["framework"] == page_cell.framework_slug
            assert cell["leads"] == page_cell.leads
            if page_cell.score is None:
                assert cell["score"] is None
            else:
                assert cell["score"] == pytest.approx(page_cell.score, abs=1e-4)
            assert cell["claim_count"] == page_cell.claim_count
            strongest = page_cell.strongest
            assert (cell["strongest"] or {}).get("id") == (strongest.id if strongest else None)
    assert [s["leads"] for s in data["summary"]] == [s.leads for s in page.summary]
    everything = body(client.get(f"{API}compare/?frameworks=flask&frameworks=django"))
    assert [f["slug"] for f in everything["frameworks"]] == ["flask", "django"]
    assert len(everything["rows"]) == Criterion.objects.count()


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "frameworks"),
        ("?frameworks=flask", "frameworks"),
        ("?frameworks=flask,nope", "frameworks"),
        ("?frameworks=flask,django&category=nope", "category"),
        ("?frameworks=" + ",".join(f"f{i}" for i in range(11)), "frameworks"),
    ],
)
def test_bad_selections_are_400_problems_with_the_compare_forms_message(
    client, starting_content, query, field
):
    data = problem(client.get(f"{API}compare/{query}"), 400)
    assert data["detail"] == "The query parameters are not valid."
    assert list(data["errors"]) == [field]


def test_pages_are_bounded_and_stable(client, db):
    framework, criterion, source = make_framework(), make_criterion(), make_source()
    Claim.objects.bulk_create(
        Claim(
            framework=framework,
            criterion=criterion,
            statement=f"S{i}",
            score=i % 5 - 2,
            status="published",
        )
        for i in range(60)
    )
    Citation.objects.bulk_create(
        Citation(claim=claim, source=source, excerpt="Q.") for claim in Claim.objects.all()
    )
    first = body(client.get(f"{API}claims/?page_size=7"))
    assert len(first["results"]) == 7 and first["count"] == 60 and first["pages"] == 9
    assert first["next"] == "http://testserver/api/v1/claims/?page=2&page_size=7"
    again = body(client.get(f"{API}claims/?page_size=7"))
    assert [c["id"] for c in again["results"]] == [c["id"] for c in first["results"]]
    last = body(client.get(f"{API}claims/?page_size=7&page=9"))
    assert len(last["results"]) == 4 and last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/claims/?page=8&page_size=7"
    every = all_pages(client, f"{API}claims/?page_size=7")
    assert len({c["id"] for c in every}) == 60
    problem(client.get(f"{API}claims/?page=10&page_size=7"), 404)


def test_counts_stop_ten_pages_ahead(client, db):
    framework, criterion, source = make_framework(), make_criterion(), make_source()
    claims = Claim.objects.bulk_create(
        Claim(
            framework=framework, criterion=criterion, statement=f"S{i}", score=0, status="published"
        )
        for i in range(30)
    )
    Citation.objects.bulk_create(Citation(claim=c, source=source, excerpt="Q.") for c in claims)
    page = body(client.get(f"{API}claims/?page_size=2"))
    assert page["count"] == 22 and page["count_is_exact"] is False and page["pages"] == 11
    deep = body(client.get(f"{API}claims/?page_size=2&page=11"))
    assert deep["count"] == 30 and deep["count_is_exact"] is True


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=1001", "page"),
        ("page=99999999999999999999999", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=1e2", "page_size"),
    ],
)
def test_bad_page_parameters_are_400_problems(client, db, query, field):
    for url in (f"{API}claims/", f"{API}frameworks/", f"{API}criteria/", f"{API}sources/"):
        data = problem(client.get(f"{url}?{query}"), 400)
        assert list(data["errors"]) == [field]


def test_unknown_addresses_and_methods_are_problems_never_html(client, db):
    for url in ("/api/", "/api/v2/", f"{API}nope/", f"{API}claims/abc/", f"{API}claims"):
        data = problem(client.get(url), 404)
        assert data["instance"] == url
    assert "end with a slash" in problem(client.get(f"{API}claims"), 404)["detail"]
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(client, method)(f"{API}claims/")
        problem(response, 405)
        assert response["Allow"] == "GET, HEAD"
    response = client.get(f"{API}score/")
    problem(response, 405)
    assert response["Allow"] == "POST"


def test_only_json_is_offered(client, db):
    problem(client.get(f"{API}frameworks/", HTTP_ACCEPT="text/html"), 406)
    assert client.get(f"{API}frameworks/", HTTP_ACCEPT="application/json").status_code == 200
    assert client.head(f"{API}frameworks/").status_code == 200


def test_head_answers_like_get_without_a_body(client, mixed):
    response = client.head(f"{API}claims/")
    assert response.status_code == 200 and response.content == b""
    assert response["ETag"] == client.get(f"{API}claims/")["ETag"]
