"""The claims explorer: its filters, pagination, and the CSV/JSON export of the filtered set."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comparisons.exports import COLUMN_NAMES
from comparisons.models import Citation, Claim, Criterion, Source
from tests.factories import make_claim, make_criterion, make_framework, make_source

pytestmark = pytest.mark.django_db

CLAIMS = reverse("comparisons:claim-list")


def listed_ids(response):
    assert response.status_code == 200, response.content[:500]
    return [claim.pk for claim in response.context["page_obj"]]


def csv_rows(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def json_body(response):
    assert response.status_code == 200
    assert response.streaming, "exports are streamed"
    return json.loads(b"".join(response.streaming_content))


def test_filtering_by_learning_curve_returns_only_those_claims_and_the_exports_agree(
    client, starting_content
):
    query = "criterion=learning-curve"
    ids = listed_ids(client.get(f"{CLAIMS}?{query}"))
    expected = Claim.objects.published().filter(criterion__slug="learning-curve")
    assert sorted(ids) == sorted(expected.values_list("pk", flat=True))
    assert ids, "the starting content has learning-curve claims"
    assert len(ids) < Claim.objects.published().count()

    rows = csv_rows(client.get(f"{CLAIMS}?{query}&format=csv"))
    assert rows[0] == COLUMN_NAMES
    assert [int(row[0]) for row in rows[1:]] == ids
    assert {row[COLUMN_NAMES.index("criterion")] for row in rows[1:]} == {"Learning Curve"}

    body = json_body(client.get(f"{CLAIMS}?{query}&format=json"))
    assert body["columns"] == COLUMN_NAMES
    assert body["count"] == len(ids)
    assert [result["id"] for result in body["results"]] == ids


def test_export_columns_hold_citations_and_urls(client, starting_content):
    response = client.get(f"{CLAIMS}?criterion=learning-curve&framework=flask&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="stackwise-claims.csv"'
    rows = csv_rows(response)
    record = dict(zip(rows[0], rows[1], strict=True))
    claim = Claim.objects.get(pk=record["id"])
    assert record["framework"] == "Flask"
    assert int(record["citation_count"]) == claim.citations.count()
    first = claim.citations.order_by("-stance", "id").first()
    assert f"{first.source.title} | {first.stance} | {first.excerpt}" in record["citations"]
    assert record["citations"].count(" || ") == claim.citations.count() - 1
    assert first.source.url in record["source_urls"]
    assert record["url"] == f"http://testserver/frameworks/flask/#claim-{claim.pk}"

    response = client.get(f"{CLAIMS}?criterion=learning-curve&framework=flask&format=json")
    assert 'filename="stackwise-claims.json"' in response["Content-Disposition"]
    result = json_body(response)["results"][0]
    assert set(result) == set(COLUMN_NAMES)
    citation_keys = {"source", "source_url", "source_kind", "source_reliability", "stance"}
    assert citation_keys | {"excerpt", "location"} == set(result["citations"][0])
    assessment = Claim.objects.with_evidence().get(pk=result["id"]).assessment
    assert result["verdict"] == assessment.verdict == record["verdict"]
    assert result["effective_weight"] == pytest.approx(assessment.effective_weight, abs=1e-4)
    assert float(record["evidence_strength"]) == pytest.approx(assessment.strength, abs=1e-4)
    assert record["verdict_reason"] == assessment.reason


def test_exports_carry_refuted_claims_with_no_weight(client, explorer):
    rows = json_body(client.get(f"{CLAIMS}?verdict=refuted&format=json"))["results"]
    assert [row["id"] for row in rows] == [explorer["wrong"].pk]
    assert rows[0]["verdict"] == "refuted" and rows[0]["effective_weight"] == 0


def test_csv_cells_that_look_like_formulas_are_neutralised(client, db):
    make_claim(statement='=HYPERLINK("http://evil")', score=-2)
    rows = csv_rows(client.get(f"{CLAIMS}?format=csv"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["statement"].startswith("'=")
    assert record["score"] == "-2"


@pytest.fixture
def explorer(db):
    """Claims that each filter can tell apart."""
    flask = make_framework(name="Flask", slug="flask")
    django = make_framework(name="Django", slug="django")
    speed = make_criterion(name="Speed", slug="speed")
    orm = make_criterion(name="ORM", slug="orm")
    docs = make_source(title="The docs", kind=Source.Kind.DOCUMENTATION)
    bench = make_source(title="A benchmark", kind=Source.Kind.BENCHMARK)
    survey = make_source(title="A survey", kind=Source.Kind.SURVEY)
    article = make_source(title="An article", kind=Source.Kind.ARTICLE, reliability=1)
    licence = make_source(title="A licence", kind=Source.Kind.SOURCE_CODE, reliability=5)
    slow = make_claim(django, speed, docs, statement="Django is slower.", score=-1)
    Citation.objects.create(claim=slow, source=survey, excerpt="Not so.", stance="contradicts")
    wrong = make_claim(flask, orm, article, statement="Flask ships an admin.", score=1)
    Citation.objects.create(
        claim=wrong, source=licence, excerpt="It does not.", stance="contradicts"
    )
    return {
        "source": docs,
        "fast": make_claim(flask, speed, bench, statement="Flask is fast.", score=2),
        "orm": make_claim(django, orm, docs, statement="Django's ORM is rich.", score=2),
        "slow": slow,  # contested: sources of comparable standing disagree
        "wrong": wrong,  # refuted: a licence file against an article
        "bare": make_claim(flask, orm, statement="Flask has no ORM.", score=-2, citations=False),
        "draft": make_claim(flask, speed, docs, statement="Draft benchmark.", status="draft"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # "bare" has no citation, so it is not public: no filter ever shows it.
        ("", {"fast", "orm", "slow", "wrong"}),
        ("criterion=speed", {"fast", "slow"}),
        ("criterion=speed&criterion=orm", {"fast", "orm", "slow", "wrong"}),
        ("framework=django", {"orm", "slow"}),
        ("framework=django&criterion=speed", {"slow"}),
        ("score_min=1", {"fast", "orm", "wrong"}),
        ("score_max=-1", {"slow"}),
        ("score_min=-1&score_max=1.5", {"slow", "wrong"}),
        ("verdict=contested", {"slow"}),
        ("verdict=refuted", {"wrong"}),
        ("verdict=supported", {"fast", "orm"}),
        ("verdict=supported&verdict=refuted", {"fast", "orm", "wrong"}),
        ("source_kind=benchmark", {"fast"}),
        ("source_kind=documentation&source_kind=benchmark", {"fast", "orm", "slow"}),
        ("source_kind=source_code", {"wrong"}),
        ("has_citations=false", set()),
        ("has_citations=true", {"fast", "orm", "slow", "wrong"}),
        ("q=ORM", {"orm"}),
        ("q=quoted", {"fast", "orm", "slow", "wrong"}),  # the factories' excerpt
        ("q=slower+django", {"slow"}),
        ("q=benchmark", set()),  # only in a draft's statement
        ("unknown=1&utm_source=x", {"fast", "orm", "slow", "wrong"}),
    ],
)
def test_each_filter(client, explorer, query, expected):
    ids = listed_ids(client.get(f"{CLAIMS}?{query}"))
    assert sorted(ids) == sorted(explorer[name].pk for name in expected)
    assert len(ids) == len(set(ids)), "no duplicate rows"


def test_filter_by_source_id(client, explorer):
    source = explorer["source"]
    response = client.get(f"{CLAIMS}?source={source.pk}")
    assert sorted(listed_ids(response)) == sorted([explorer["orm"].pk, explorer["slow"].pk])
    assert "The docs" in response.content.decode()


def test_the_source_filter_is_a_number_input_not_a_list_of_every_source(client, explorer):
    html = client.get(CLAIMS).content.decode()
    assert 'type="number" name="source"' in html
    assert f'<option value="{explorer["source"].pk}"' not in html


@pytest.mark.parametrize(
    ("ordering", "key"),
    [
        ("score", lambda claim: claim.score),
        ("-score", lambda claim: claim.score),
        ("framework", lambda claim: claim.framework.name),
        ("-framework", lambda claim: claim.framework.name),
        ("criterion", lambda claim: claim.criterion.display_order),
        ("-updated", lambda claim: claim.updated_at),
    ],
)
def test_ordering(client, explorer, ordering, key):
    response = client.get(f"{CLAIMS}?ordering={ordering}")
    values = [key(claim) for claim in response.context["page_obj"]]
    assert values == sorted(values, reverse=ordering.startswith("-"))


def test_pages_keep_the_filters_and_exports_hold_the_whole_set(client, db):
    framework, criterion = make_framework(slug="flask"), make_criterion(slug="speed")
    other = make_criterion(slug="orm")
    source = make_source()
    for n in range(30):
        make_claim(framework, criterion, source, statement=f"Claim {n}")
    make_claim(framework, other, source)
    first = client.get(f"{CLAIMS}?criterion=speed&ordering=-score")
    assert len(listed_ids(first)) == 25
    html = first.content.decode()
    assert "?criterion=speed&amp;ordering=-score&amp;page=2" in html
    second = client.get(f"{CLAIMS}?criterion=speed&ordering=-score&page=2")
    assert len(listed_ids(second)) == 5
    assert not set(listed_ids(first)) & set(listed_ids(second))
    rows = csv_rows(client.get(f"{CLAIMS}?criterion=speed&ordering=-score&page=2&format=csv"))
    assert [int(r[0]) for r in rows[1:]] == listed_ids(first) + listed_ids(second)


@pytest.fixture
def eighty_claims(db):
    framework, criterion, source = make_framework(), make_criterion(), make_source()
    for n in range(80):  # four pages of 25
        make_claim(framework, criterion, source, statement=f"Claim {n}")


EVERY_SCORE = f"{CLAIMS}?score_min=-2"  # a filter that every claim passes


def test_the_count_stops_a_few_pages_past_the_page_asked_for(client, eighty_claims, monkeypatch):
    from comparisons import pagination

    monkeypatch.setattr(pagination, "LOOK_AHEAD", 1)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(EVERY_SCORE)
    html = first.content.decode()
    assert "More than <strong>50</strong> claims" in html
    assert "Page 1 of more than 2" in html
    assert any("LIMIT 51" in q["sql"] for q in queries.captured_queries)

    third = client.get(f"{EVERY_SCORE}&page=3").content.decode()  # counts to 100: all of them
    assert "<strong>80</strong> claims" in third and "Page 3 of 4" in third
    assert "More than" not in third
    last = client.get(f"{EVERY_SCORE}&page=4")
    assert len(listed_ids(last)) == 5
    beyond = client.get(f"{EVERY_SCORE}&page=5")
    assert beyond.status_code == 404
    assert "they have 4 pages" in beyond.content.decode()


@pytest.mark.parametrize("ordering", ["", "-score", "framework"])
def test_the_unfiltered_explorer_pages_through_the_order_kept_for_the_version(
    client, eighty_claims, monkeypatch, settings, ordering
):
    """Every public claim, in the order a filter gives them, counted exactly; the deepest page
    costs what the first does; an editor's change is in the next page asked for."""
    from comparisons import pagination
    from comparisons.cache import bump_version

    monkeypatch.setattr(pagination, "LOOK_AHEAD", 1)
    pages = range(1, 5)
    filtered = [
        listed_ids(client.get(f"{EVERY_SCORE}&ordering={ordering}&page={n}")) for n in pages
    ]
    unfiltered = [listed_ids(client.get(f"{CLAIMS}?ordering={ordering}&page={n}")) for n in pages]
    assert unfiltered == filtered and len(sum(unfiltered, [])) == 80
    html = client.get(f"{CLAIMS}?ordering={ordering}").content.decode()
    assert "<strong>80</strong> claims" in html and "Page 1 of 4" in html

    settings.PAGE_CACHE = False  # each page rendered afresh, the order and the cards kept
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{CLAIMS}?ordering={ordering}&page=4")
    assert len(queries) == 2  # the version, the 5 claims shown

    retracted = Claim.objects.get(pk=unfiltered[0][0])
    retracted.status = Claim.Status.DRAFT
    retracted.save()
    bump_version()
    response = client.get(f"{CLAIMS}?ordering={ordering}")
    assert "<strong>79</strong> claims" in response.content.decode()
    assert retracted.pk not in listed_ids(response)


def test_a_list_of_orderings_is_served_from_the_database_and_keeps_nothing(
    client, eighty_claims, monkeypatch
):
    """Orderings can be combined (as the API documents), but only single ones are kept per
    version: a visitor cannot make the site keep an order of every claim per combination."""
    from comparisons import views

    ordering = "-framework,score"
    filtered = listed_ids(client.get(f"{EVERY_SCORE}&ordering={ordering}&page=2"))

    def kept(*args):
        raise AssertionError("an order was kept for a list of orderings")

    monkeypatch.setattr(views, "public_claim_order", kept)
    response = client.get(f"{CLAIMS}?ordering={ordering}&page=2")
    assert response.status_code == 200
    assert listed_ids(response) == filtered and len(filtered) == 25


@pytest.fixture
def claims_of_every_verdict(db):
    """60 public claims: supported, contested (comparable sources disagree), refuted (only
    contradicted) and overridden by an editor, in turns, on two frameworks."""
    frameworks, criterion = [make_framework(), make_framework()], make_criterion()
    strong, fair = make_source(reliability=5), make_source(reliability=4)
    for n in range(60):
        kind = n % 4
        claim = make_claim(
            frameworks[n % 2], criterion, strong if kind != 2 else fair, score=n % 5 - 2,
            stance="contradicts" if kind == 2 else "supports", statement=f"Claim {n}",
            verdict_override="refuted" if kind == 3 else "",
            verdict_override_reason="An editor read it again." if kind == 3 else "",
        )  # fmt: skip
        if kind == 1:
            Citation.objects.create(claim=claim, source=fair, excerpt="No.", stance="contradicts")


@pytest.mark.parametrize("verdicts", [["contested"], ["refuted"], ["supported", "refuted"]])
@pytest.mark.parametrize("ordering", ["", "-score", "framework"])
def test_a_verdict_alone_pages_through_the_verdicts_kept_with_the_order(
    client, claims_of_every_verdict, monkeypatch, settings, verdicts, ordering
):
    """The same pages as when the database filters on the verdict, in two queries a page; an
    editor's override is in the next page asked for."""
    from comparisons import pagination
    from comparisons.cache import bump_version

    monkeypatch.setattr(pagination, "LOOK_AHEAD", 1)
    chosen = "".join(f"&verdict={v}" for v in verdicts)
    query = f"{CLAIMS}?ordering={ordering}{chosen}"
    kept, in_sql = [], []
    for n in (1, 2, 3):
        pages = client.get(f"{query}&page={n}"), client.get(f"{query}&score_min=-2&page={n}")
        assert pages[0].status_code == pages[1].status_code
        if pages[0].status_code == 200:
            kept.append(listed_ids(pages[0]))
            in_sql.append(listed_ids(pages[1]))
    assert kept == in_sql and len(kept) >= 1
    shown = Claim.objects.filter(pk__in=sum(kept, []))
    assert {claim.assessment.verdict for claim in shown} == set(verdicts)
    assert len(shown) == Claim.objects.with_verdict(*verdicts).count()

    settings.PAGE_CACHE = False
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{query}&page={len(kept)}")
    assert len(queries) == 2  # the version, the claims shown

    changed = Claim.objects.get(pk=kept[0][0])
    changed.verdict_override = "contested" if verdicts != ["contested"] else "supported"
    changed.verdict_override_reason = "Read again."
    changed.save()
    bump_version()
    assert changed.pk not in listed_ids(client.get(query))


def test_pages_stop_at_the_deepest_one_shown(client, eighty_claims, monkeypatch):
    from comparisons import pagination

    monkeypatch.setattr(pagination, "LOOK_AHEAD", 0)
    monkeypatch.setattr(pagination, "MAX_PAGE", 2)
    assert len(listed_ids(client.get(f"{CLAIMS}?page=2"))) == 25
    response = client.get(f"{CLAIMS}?page=3")
    assert response.status_code == 404
    assert "Pages stop at 2: narrow the filters" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "9999", "1.5", "99999999999999999999999"])
def test_a_page_that_does_not_exist_is_a_404_with_a_message(client, explorer, page):
    response = client.get(f"{CLAIMS}?page={page}")
    assert response.status_code == 404
    assert "There is no page" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("score_min=abc", "score_min", "Enter a number."),
        ("score_min=3", "score_min", "less than or equal to 2"),
        ("score_max=-2.5", "score_max", "greater than or equal to -2"),
        ("score_min=NaN", "score_min", "Enter a number."),
        ("score_min=2&score_max=-2", "__all__", "is above the highest score"),
        ("criterion=nope", "criterion", "nope is not one of the available choices"),
        ("framework=hidden", "framework", "hidden is not one of the available choices"),
        ("verdict=draft", "verdict", "draft is not one of the available choices"),
        ("verdict=unsupported", "verdict", "unsupported is not one of the available choices"),
        ("source_kind=blog", "source_kind", "blog is not one of the available choices"),
        ("source=abc", "source", "Select a valid choice"),
        ("source=999999", "source", "Select a valid choice"),
        ("source=-3", "source", "Select a valid choice"),
        ("source=99999999999999999999999999", "source", "Select a valid choice"),
        ("has_citations=maybe", "has_citations", "Choose yes, no"),
        ("ordering=password", "ordering", "password is not one of the available choices"),
        ("q=" + "x" * 201, "q", "at most 200 characters"),
    ],
)
def test_invalid_filters_are_a_400_with_the_forms_message(client, explorer, query, field, message):
    make_framework(slug="hidden", is_published=False)
    response = client.get(f"{CLAIMS}?{query}")
    assert response.status_code == 400
    assert field in response.context["filterset"].form.errors
    assert message in response.content.decode()
    assert "Some filters are not valid" in response.content.decode()

    csv_response = client.get(f"{CLAIMS}?{query}&format=csv")
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()

    json_response = client.get(f"{CLAIMS}?{query}&format=json")
    assert json_response.status_code == 400
    assert field in json.loads(json_response.content)["errors"]


def test_an_unknown_export_format_is_a_400(client, explorer):
    response = client.get(f"{CLAIMS}?format=xml")
    assert response.status_code == 400
    assert "Unknown export format" in response.content.decode()


def test_the_page_documents_the_export_columns(client, explorer):
    html = client.get(CLAIMS).content.decode()
    for name in COLUMN_NAMES:
        assert f"<code>{name}</code>" in html


def test_drafts_never_reach_an_export_even_when_asked_for(client, explorer):
    for query in ("format=csv", "format=csv&status=draft", "format=json&q=Draft"):
        response = client.get(f"{CLAIMS}?{query}")
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert "Draft benchmark" not in body


def test_a_criterion_filter_lists_every_criterion_as_a_labelled_checkbox(client, explorer):
    html = client.get(CLAIMS).content.decode()
    for criterion in Criterion.objects.all():
        assert f'value="{criterion.slug}"' in html


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_an_export_larger_than_its_bound_is_refused_with_a_message(
    client, explorer, settings, monkeypatch, export_format
):
    from comparisons import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    response = client.get(f"{CLAIMS}?format={export_format}")
    assert response.status_code == 400
    assert "matches more than 3 claims; an export holds at most 3" in response.content.decode()
    narrowed = client.get(f"{CLAIMS}?format={export_format}&framework=django")
    assert narrowed.status_code == 200 and narrowed.streaming


def test_exports_are_never_stored_whole_and_follow_the_editors_changes(
    client, explorer, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    first = json_body(client.get(f"{CLAIMS}?format=json"))
    assert not [key for key in cache._cache if ":page:" in str(key)]
    claim = explorer["fast"]
    with django_capture_on_commit_callbacks(execute=True):  # as an editor's save commits
        claim.statement = "Flask is fast, an editor says."
        claim.save()
    again = json_body(client.get(f"{CLAIMS}?format=json"))
    statements = {row["id"]: row["statement"] for row in again["results"]}
    assert statements[claim.pk] == "Flask is fast, an editor says."
    assert len(again["results"]) == len(first["results"])
    with django_capture_on_commit_callbacks(execute=True):
        claim.status = Claim.Status.DRAFT
        claim.save()
    rows = csv_rows(client.get(f"{CLAIMS}?format=csv"))
    assert claim.pk not in {int(row[0]) for row in rows[1:]}
    assert len(rows) - 1 == len(first["results"]) - 1


def test_exported_records_are_kept_per_claim_and_read_two_queries_per_chunk(
    client, explorer, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comparisons import cache, exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    cache.clear()
    client.get(CLAIMS)  # the filter's lists kept for the version (and cards, not records)
    counts, bodies = [], []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            bodies.append(csv_rows(client.get(f"{CLAIMS}?format=csv")))
        counts.append(len(queries))
    chunks = -(-(len(bodies[0]) - 1) // 2)
    assert chunks == 2
    # The version (read once, though the rows are streamed after the request has ended) and the
    # filtered ids; the first time, each chunk's claims and citations too.
    assert counts == [2 + 2 * chunks, 2]
    assert bodies[0] == bodies[1]


def test_the_filter_lists_follow_the_editors_changes(
    client, explorer, django_capture_on_commit_callbacks
):
    """The lists of frameworks and criteria are kept per knowledge version: an editor's new
    framework is offered, and filters, at once (a fresh query string, so not a cached page)."""
    client.get(CLAIMS)
    with django_capture_on_commit_callbacks(execute=True):
        framework = make_framework(name="Newcomer", slug="newcomer")
        make_claim(framework, explorer["fast"].criterion, statement="Newcomer's claim.")
    response = client.get(f"{CLAIMS}?framework=newcomer")
    assert response.status_code == 200
    assert 'value="newcomer"' in response.content.decode()
    assert [claim.statement for claim in response.context["page_obj"]] == ["Newcomer's claim."]
