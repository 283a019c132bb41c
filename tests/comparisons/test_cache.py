from types import SimpleNamespace

import pytest
from django.db import connections

from comparisons import cache
from comparisons.cache import PageCacheMiddleware, bump_version, cached, current_version
from comparisons.models import Claim
from tests.factories import make_claim


def served(view):
    """`view` behind the page-cache middleware, which stores what the view marks as storable."""
    return PageCacheMiddleware(view)


pytestmark = pytest.mark.django_db


def test_editors_changes_bump_the_version_once_committed(django_capture_on_commit_callbacks):
    before = current_version()
    with django_capture_on_commit_callbacks(execute=True):
        claim = make_claim()
    after_create = current_version()
    assert after_create > before
    with django_capture_on_commit_callbacks(execute=True):
        Claim.objects.get(pk=claim.pk).delete()
    assert current_version() > after_create


def test_cached_values_are_rebuilt_after_a_bump():
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert cached("thing", build) == 1
    assert cached("thing", build) == 1
    bump_version()
    assert cached("thing", build) == 2


def test_a_bump_made_elsewhere_is_seen_even_with_a_process_local_cache(settings):
    """Another process bumps the version in the database; this one's local cache is bypassed."""
    cached("other", lambda: "old")
    from comparisons.models import KnowledgeVersion

    KnowledgeVersion.objects.filter(pk=1).update(version=current_version() + 1)
    assert cached("other", lambda: "new") == "new"
    cache.clear()


def test_public_pages_are_cached_per_query_until_the_knowledge_changes(rf):
    from django.http import HttpResponse

    from comparisons.cache import Param, cache_public_page

    renders = []

    @served
    @cache_public_page(reads=[Param("q")])
    def page(request):
        renders.append(request.GET.get("q"))
        return HttpResponse(f"page {len(renders)}")

    assert page(rf.get("/p/?q=a")).content == b"page 1"
    assert page(rf.get("/p/?q=a")).content == b"page 1"
    assert page(rf.get("/p/?q=b")).content == b"page 2"
    bump_version()
    assert page(rf.get("/p/?q=a")).content == b"page 3"
    signed_in = rf.get("/p/?q=a")
    signed_in.COOKIES["sessionid"] = "x"
    signed_in.user = SimpleNamespace(is_authenticated=True)
    assert page(signed_in).content == b"page 4"


def test_errors_and_pages_with_a_csrf_token_are_not_cached(rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from comparisons.cache import cache_public_page

    calls = []

    @served
    @cache_public_page
    def page(request):
        calls.append(1)
        if request.GET.get("form"):
            get_token(request)
            return HttpResponse("form")
        return HttpResponse("bad", status=400)

    page(rf.get("/p/"))
    page(rf.get("/p/"))
    page(rf.get("/p/?form=1"))
    page(rf.get("/p/?form=1"))
    assert len(calls) == 4


def redis_answers():
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_with_redis_one_process_builds_and_every_other_reads_until_a_bump(settings):
    """REDIS_URL's backend: a value built by one process is read by another (simulated by
    forgetting this process's local copies), and a bump is seen by both."""
    import uuid

    from comparisons import cache as kb_cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"stackwise-test-{uuid.uuid4().hex}",
        }
    }
    builds = []

    def build():
        builds.append(1)
        return f"built {len(builds)}"

    assert cached("shared", build) == "built 1"
    kb_cache._local.update(version=None, values={})  # another process: nothing local
    assert cached("shared", build) == "built 1"
    bump_version()
    kb_cache._local.update(version=None, values={})
    assert cached("shared", build) == "built 2"
    # No cache.clear() here: it would flush the whole Redis database. The keys expire.


def test_cached_html_pages_lose_their_template_indentation_only(rf):
    from django.http import HttpResponse

    from comparisons.cache import cache_public_page

    @served
    @cache_public_page
    def page(request):
        return HttpResponse("<ul>\n    <li>a  b</li>\n\n    <li>c</li>\n</ul>")

    @served
    @cache_public_page
    def text(request):
        return HttpResponse("a\n    b", content_type="text/plain")

    assert page(rf.get("/p/")).content == b"<ul>\n<li>a  b</li>\n<li>c</li>\n</ul>"
    assert page(rf.get("/p/")).content == b"<ul>\n<li>a  b</li>\n<li>c</li>\n</ul>"
    assert text(rf.get("/t/")).content == b"a\n    b"


def test_cached_pages_are_gzipped_once_for_clients_that_accept_it(rf, monkeypatch):
    import gzip

    from django.http import HttpResponse

    from comparisons.cache import cache_public_page

    compressions = []
    real_compress = cache.compress
    monkeypatch.setattr(cache, "compress", lambda c: compressions.append(1) or real_compress(c))
    body = "<p>" + "evidence " * 200 + "</p>"

    @served
    @cache_public_page
    def page(request):
        return HttpResponse(body)

    for _ in range(3):
        response = page(rf.get("/g/", headers={"accept-encoding": "gzip, deflate, br"}))
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert gzip.decompress(response.content).decode() == body
    plain = page(rf.get("/g/"))
    assert plain.content.decode() == body and not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in plain["Vary"]
    assert compressions == [1], "compressed when stored, not per request"


def test_uncached_pages_are_gzipped_by_the_middleware_at_level_1(client, db):
    import gzip

    plain = client.get("/claims/?q=flask")  # a search: never stored
    assert plain.status_code == 200 and not plain.has_header("Content-Encoding")
    name_lengths = set()
    for _ in range(8):
        response = client.get("/claims/?q=flask", headers={"accept-encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content)
        assert gzip.decompress(response.content) == plain.content
        assert response.content[3] & gzip.FNAME  # a file name of random length, against BREACH
        name_lengths.add(response.content.index(b"\x00", 10) - 10)
    assert len(name_lengths) > 1
    # The deflated body (after the header and the name) is level 1's, not level 6's.
    body = len(response.content) - (response.content.index(b"\x00", 10) + 1)
    level_1, level_6 = (
        len(gzip.compress(plain.content, compresslevel=level, mtime=0)) - 10 for level in (1, 6)
    )
    assert body == level_1 != level_6


# Skipped before the database is set up, and restored after its flush: a transactional test
# that flushes without restoring leaves the content types renumbered for the tests after it.
@pytest.mark.skipif(
    connections["default"].vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_postgresql_reads_the_version_through_a_prepared_statement():
    """What every page-cache hit asks, prepared once per connection; prepared again on a new
    connection, or when the server has dropped it; counted as a query wherever queries are."""
    from django.test.utils import CaptureQueriesContext

    connection = connections["default"]
    connection.ensure_connection()
    first = current_version()
    assert connection.connection in cache._prepared_on
    bump_version()
    assert current_version() == first + 1  # the prepared statement reads the row afresh

    with connection.cursor() as cursor:  # the server forgets it (a pooler, a DISCARD ALL)
        cursor.execute(f"DEALLOCATE {cache.PREPARED_NAME.decode()}")
    assert current_version() == first + 1
    assert connection.connection not in cache._prepared_on
    assert current_version() == first + 1
    assert connection.connection in cache._prepared_on

    connection.close()
    connection.ensure_connection()
    assert current_version() == first + 1
    assert connection.connection in cache._prepared_on

    with CaptureQueriesContext(connection) as queries:
        assert current_version() == first + 1
    assert [q["sql"] for q in queries.captured_queries] == [cache.VERSION_SQL]


def test_a_process_reads_each_fragment_from_the_cache_once_per_version(
    client, monkeypatch, settings
):
    """The compare table's columns of cells and its headings are read from the fragment cache
    the first time only; the copies kept are bounded, and a new version is read afresh."""
    from tests.factories import make_criterion, make_framework

    criterion = make_criterion()
    for slug in ("a", "b"):
        make_claim(make_framework(slug=slug), criterion)
    shared, reads = cache.fragment_cache(), []
    real = shared.get_many
    monkeypatch.setattr(shared, "get_many", lambda keys: reads.append(len(keys)) or real(keys))
    settings.PAGE_CACHE = False
    url = "/compare/?frameworks=a,b"
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert reads == [3]  # two columns and the headings, once

    monkeypatch.setattr(cache, "FRAGMENT_CHARACTERS", 0)  # over the bound: the copies go
    client.get(url)
    client.get(url)
    assert reads == [3, 3, 3]
    monkeypatch.setattr(cache, "FRAGMENT_CHARACTERS", 10_000)
    client.get(url)
    bump_version()
    client.get(url)
    assert reads == [3, 3, 3, 3]  # the new version's fragments are new keys, made afresh
