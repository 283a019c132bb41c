"""The framework and criterion lists: a page at a time, in the same queries on every page."""

import pytest
from django.urls import reverse

from comparisons import cache
from comparisons.views import CRITERIA_PER_PAGE, FRAMEWORKS_PER_PAGE
from tests.factories import make_knowledge_base

pytestmark = pytest.mark.django_db


@pytest.fixture
def many():
    return make_knowledge_base(frameworks=FRAMEWORKS_PER_PAGE + 2, criteria=CRITERIA_PER_PAGE + 3)


def names_on(client, url):
    return [obj.name for obj in client.get(url).context["page_obj"]]


@pytest.mark.parametrize(
    ("url_name", "kind", "per_page", "extra"),
    [
        ("comparisons:framework-list", "frameworks", FRAMEWORKS_PER_PAGE, 2),
        ("comparisons:criterion-list", "criteria", CRITERIA_PER_PAGE, 3),
    ],
)
def test_a_long_list_comes_a_page_at_a_time(client, many, url_name, kind, per_page, extra):
    url = reverse(url_name)
    first, second = names_on(client, url), names_on(client, f"{url}?page=2")
    assert len(first) == per_page and len(second) == extra
    assert set(first) | set(second) == {obj.name for obj in many[kind]}
    page = client.get(url).content.decode()
    assert "Page 1 of 2" in page and 'href="?page=2"' in page
    assert client.get(f"{url}?page=3").status_code == 404
    assert client.get(f"{url}?page=abc").status_code == 404


@pytest.mark.parametrize("url_name", ["comparisons:framework-list", "comparisons:criterion-list"])
def test_every_page_of_a_list_takes_the_same_queries(
    client, many, url_name, django_assert_num_queries
):
    url = reverse(url_name)
    cache.clear()
    with django_assert_num_queries(4):  # the version, the claim counts (per-version), the list
        client.get(f"{url}?page=2")
    with django_assert_num_queries(1):  # the version; the page is cached
        client.get(f"{url}?page=2")
    with django_assert_num_queries(2):  # page 1: the version, the list; its counts are cached
        response = client.get(url)
    assert response.status_code == 200
