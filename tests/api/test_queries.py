"""Query budgets: each endpoint's own count, cold and warm, the same at 10 and 1,000 claims.

Cold is an empty cache (a new knowledge version); warm is the same request again. The counts are
pinned exactly, as the pages' are (tests/comparisons/test_views.py): a change in either direction
is a change to look at. What the queries are, for the claims list: the knowledge version, the
bounded count, the page, its citations with their sources; each framework or criterion filter
reads that small table once, and a source filter reads the source.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisor.models import Option, OptionWeight, Question
from comparisons import cache
from comparisons.models import Claim
from tests.factories import make_claim, make_criterion, make_knowledge_base

pytestmark = pytest.mark.django_db

API = "/api/v1/"

SIZES = {
    "10 claims": {"frameworks": 2, "criteria": 5, "claims_per_pair": 1},
    "1,000 claims": {"frameworks": 10, "criteria": 10, "claims_per_pair": 10},
}

# (cold, warm) queries of each request.
BUDGETS = {
    "root": (1, 1),
    "frameworks": (5, 3),
    "framework": (4, 3),
    "criteria": (5, 3),
    "criterion": (4, 4),
    "sources": (3, 3),
    "source": (2, 2),
    "claims": (4, 4),
    "claims filtered": (7, 5),
    "claims deep page": (4, 4),
    "claim": (3, 3),
    "compare": (4, 3),
    "not modified": (1, 1),
    "score weights": (7, 3),
    "score answers": (7, 3),
}


def requests_for(kb):
    frameworks, criteria = kb["frameworks"], kb["criteria"]
    first, second = frameworks[0].slug, frameworks[1].slug
    claim = Claim.objects.published().order_by("pk").first()
    slugs = [c.slug for c in criteria]
    # A criterion that decides the scoring: the first framework best on it, with a claim to
    # show for it, whatever the size (so that the advisor's explaining claims are read).
    decider = make_criterion(slug="decider", default_weight=0)
    for n, framework in enumerate(frameworks):
        make_claim(framework, decider, score=2 if n == 0 else -2, source=kb["sources"][0])
    question = Question.objects.create(text="Which?")
    option = Option.objects.create(question=question, label="This one")
    OptionWeight.objects.create(option=option, criterion=decider, change=3)
    return {
        "root": ("get", API),
        "frameworks": ("get", f"{API}frameworks/"),
        "framework": ("get", f"{API}frameworks/{first}/"),
        "criteria": ("get", f"{API}criteria/"),
        "criterion": ("get", f"{API}criteria/{slugs[0]}/"),
        "sources": ("get", f"{API}sources/"),
        "source": ("get", f"{API}sources/{kb['sources'][0].pk}/"),
        "claims": ("get", f"{API}claims/"),
        "claims filtered": (
            "get",
            f"{API}claims/?framework={first}&framework={second}&criterion={slugs[0]}"
            f"&criterion={slugs[1]}&source={kb['sources'][0].pk}&verdict=supported&q=on"
            "&score_min=-2&score_max=2&source_kind=article&has_citations=true&ordering=-score",
        ),
        "claims deep page": ("get", f"{API}claims/?page=2&page_size=3&ordering=-updated"),
        "claim": ("get", f"{API}claims/{claim.pk}/"),
        "compare": ("get", f"{API}compare/?frameworks={first},{second}"),
        "not modified": ("get", f"{API}claims/"),
        "score weights": ("post", {"weights": {"decider": 5, slugs[0]: 1}}),
        "score answers": ("post", {"answers": [{"question": question.pk, "options": [option.pk]}]}),
    }


def count(client, method, target, etag=None):
    with CaptureQueriesContext(connection) as queries:
        if method == "post":
            response = client.post(
                f"{API}score/", json.dumps(target), content_type="application/json"
            )
        else:
            response = client.get(target, **({"HTTP_IF_NONE_MATCH": etag} if etag else {}))
    assert response.status_code in (200, 304), response.content[:1000]
    return len(queries)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", BUDGETS)
def test_each_endpoint_takes_its_own_number_of_queries_cold_and_warm(client, size, name):
    kb = make_knowledge_base(**SIZES[size])
    assert Claim.objects.count() == int(size.split()[0].replace(",", ""))
    method, target = requests_for(kb)[name]
    etag = client.get(target)["ETag"] if name == "not modified" else None
    cache.clear()
    cold = count(client, method, target, etag)
    warm = count(client, method, target, etag)
    assert (cold, warm) == BUDGETS[name]
