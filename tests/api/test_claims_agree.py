"""The API's claims for a filter are the explorer's and its exports', in the same order.

One FilterSet (comparisons.filters.ClaimFilter) drives all three; these tests hold them to it
over the shipped knowledge base, for each filter alone and for combinations, and for a filter
each of them refuses.
"""

import csv
import io
import json

import pytest
from django.urls import reverse

from comparisons.models import Source
from tests.api.conftest import all_pages, problem

pytestmark = pytest.mark.django_db

API = "/api/v1/claims/"
EXPLORER = reverse("comparisons:claim-list")


def explorer_ids(client, params):
    ids, page = [], 1
    while True:
        response = client.get(EXPLORER, [*params, ("page", page)])
        assert response.status_code == 200, response.content[:500]
        ids += [claim.pk for claim in response.context["page_obj"]]
        if not response.context["page_obj"].has_next():
            return ids
        page += 1


def csv_ids(client, params):
    response = client.get(EXPLORER, [*params, ("format", "csv")])
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return [int(row[0]) for row in rows[1:]]


def json_export(client, params):
    response = client.get(EXPLORER, [*params, ("format", "json")])
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))["results"]


def api_claims(client, params):
    return all_pages(client, API, [*params, ("page_size", 100)])


FILTERS = {
    "nothing": [],
    "criterion": [("criterion", "learning-curve")],
    "two criteria": [("criterion", "learning-curve"), ("criterion", "cost")],
    "framework": [("framework", "flask")],
    "search": [("q", "licence")],
    "two words": [("q", "Django admin")],
    "score range": [("score_min", "1"), ("score_max", "2")],
    "fractional score": [("score_min", "-0.5")],
    "contested or refuted": [("verdict", "contested"), ("verdict", "refuted")],
    "source kind": [("source_kind", "documentation")],
    "with citations": [("has_citations", "true")],
    "without citations": [("has_citations", "no")],
    "by score": [("ordering", "-score")],
    "by framework then updated": [("ordering", "-framework,updated")],
    "everything": [
        ("framework", "django"),
        ("criterion", "security"),
        ("criterion", "orm"),
        ("verdict", "supported"),
        ("score_min", "-2"),
        ("ordering", "score"),
    ],
}


@pytest.mark.parametrize("name", FILTERS)
def test_the_api_lists_the_explorers_claims_in_its_order_and_the_exports_agree(
    client, starting_content, name
):
    params = FILTERS[name]
    api = api_claims(client, params)
    ids = [claim["id"] for claim in api]
    assert ids == explorer_ids(client, params)
    assert ids == csv_ids(client, params)
    exported = json_export(client, params)
    assert ids == [row["id"] for row in exported]
    for claim, row in zip(api, exported, strict=True):
        assert claim["verdict"] == row["verdict"]
        assert claim["verdict_reason"] == row["verdict_reason"]
        assert claim["evidence_strength"] == row["evidence_strength"]
        assert claim["effective_weight"] == row["effective_weight"]
        assert claim["citation_count"] == row["citation_count"]
        assert [c["excerpt"] for c in claim["citations"]] == [
            c["excerpt"] for c in row["citations"]
        ]
        assert claim["page_url"] == row["url"]


def test_a_source_filter_agrees_too(client, starting_content):
    source = Source.objects.filter(citations__isnull=False).order_by("pk").first()
    params = [("source", source.pk)]
    ids = [claim["id"] for claim in api_claims(client, params)]
    assert ids and ids == explorer_ids(client, params) == csv_ids(client, params)


@pytest.mark.parametrize(
    "params, field",
    [
        ([("criterion", "nope")], "criterion"),
        ([("framework", "Flask")], "framework"),
        ([("score_min", "3")], "score_min"),
        ([("score_max", "abc")], "score_max"),
        ([("score_min", "2"), ("score_max", "-2")], "non_field_errors"),
        ([("verdict", "unsupported")], "verdict"),
        ([("source_kind", "blog")], "source_kind"),
        ([("source", "0")], "source"),
        ([("source", "99999999999999999999")], "source"),
        ([("has_citations", "maybe")], "has_citations"),
        ([("ordering", "statement")], "ordering"),
        ([("ordering", "-score,")], "ordering"),
        ([("ordering", ",")], "ordering"),
        ([("q", "x" * 201)], "q"),
        ([("q", "nul\x00byte")], "q"),
    ],
)
def test_a_filter_the_explorer_refuses_is_a_400_problem_with_its_message(
    client, starting_content, params, field
):
    data = problem(client.get(API, params), 400)
    assert list(data["errors"]) == [field]
    explorer = client.get(EXPLORER, params)
    assert explorer.status_code == 400
    messages = explorer.context["filterset"].form.errors.get(
        "__all__" if field == "non_field_errors" else field
    )
    assert data["errors"][field] == list(messages)
