"""Garbage in every query parameter of every page: a 400 or 404 with a message, never a 500."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "abc",
    "-1",
    "0",
    "99999999999999999999999999999",
    "1e999999",
    "NaN",
    "-Infinity",
    "1.5",
    "",
    " ",
    "ünïcödé-😀",
    "'; DROP TABLE comparisons_claim; --",
    "<script>alert(1)</script>",
    "%00",
    "\x00",
    "x" * 5000,
    "null",
    "true",
    "flask,,django,",
]

# Each page's own query parameters; any other parameter is ignored.
PAGE_PARAMETERS = {
    reverse("comparisons:home"): ["q", "page"],
    reverse("comparisons:framework-list"): ["page", "ordering"],
    reverse("comparisons:framework-detail", args=["flask"]): ["criterion", "page"],
    reverse("comparisons:criterion-list"): ["category", "page"],
    reverse("comparisons:criterion-detail", args=["learning-curve"]): ["framework"],
    reverse("comparisons:compare"): ["frameworks", "category"],
    reverse("comparisons:claim-list"): [
        "q",
        "criterion",
        "framework",
        "score_min",
        "score_max",
        "verdict",
        "source_kind",
        "source",
        "has_citations",
        "ordering",
        "page",
        "format",
    ],
}

# Messages a visitor sees when a parameter cannot be used.
MESSAGES = (
    "not valid",  # the explorer's filter form, and its exports
    "cannot be compared",  # the compare picker
    "There is no page",  # the explorer's pagination
    "Unknown export format",
    "not found",  # the 404 page
)


@pytest.fixture(autouse=True)
def every_test_has_the_starting_content(starting_content):
    pass


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def check(client, url, query):
    response = client.get(f"{url}?{query}")
    body = body_of(response)
    assert response.status_code < 500, f"{url}?{query[:200]}"
    assert response.status_code in (200, 400, 404), f"{url}?{query[:200]}"
    if response.status_code != 200:
        assert any(m.lower() in body.lower() for m in MESSAGES), f"no message: {query[:200]}"
    return response


@pytest.mark.parametrize("url", PAGE_PARAMETERS)
def test_bad_values_in_every_parameter_never_break_a_page(client, url):
    for name in [*PAGE_PARAMETERS[url], "unknown_parameter"]:
        for value in BAD_VALUES:
            check(client, url, urlencode({name: value}))
        check(client, url, urlencode([(name, "a"), (name, "b"), (name, "")]))


@pytest.mark.parametrize(
    "query",
    [
        "score_min=abc",
        "score_max=1e999999",
        "score_min=NaN",
        "criterion=%C3%BC",
        "criterion=learning-curve&criterion=nope",
        "framework=%00",
        "source=abc",
        "source=99999999999999999999999999999",
        "source=0",
        "verdict=unsupported",
        "has_citations=maybe",
        "ordering=id",
        "source_kind=virus",
        "q=" + "x" * 5000,
    ],
)
@pytest.mark.parametrize("export", ["", "&format=csv", "&format=json"])
def test_invalid_explorer_values_are_400_in_the_page_and_its_exports(client, query, export):
    response = check(client, reverse("comparisons:claim-list"), query + export)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=-1", "page=0", "page=9999", "page=99999999999999999999999999999"],
)
def test_pages_that_do_not_exist_are_404(client, query):
    assert check(client, reverse("comparisons:claim-list"), query).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "frameworks=flask",
        "frameworks=nope,flask",
        "frameworks=%C3%BC,flask",
        "frameworks=flask,django&category=%00",
        "frameworks=" + ",".join(["flask"] * 3000),
        "frameworks=flask,django&category=" + "x" * 5000,
    ],
)
def test_invalid_compare_selections_are_400(client, query):
    assert check(client, reverse("comparisons:compare"), query).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/frameworks/nope/",
        "/frameworks/%C3%BC/",
        "/frameworks/'%3B%20DROP/",
        "/frameworks/" + "x" * 3000 + "/",
        "/criteria/nope/",
        "/criteria/%00/",
    ],
)
def test_unknown_slugs_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "not found" in response.content.decode().lower()
