"""What an anonymous visitor can make the page cache store, and what it takes to guess passwords.

Through the real stack (test client, middleware, the URLconf's declared parameters), counting the
entries of the local-memory cache, and of Redis when a server answers on 127.0.0.1:6379.
"""

import socket
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comparisons.cache import VERSION_SQL

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a-long-editor-passphrase"


def entries():
    """How many pages the local-memory cache holds (its private dict: this is a test)."""
    return sum(":page:" in key for key in cache._cache)


def served_from_cache(client, url, **extra):
    """GET `url`: (response, whether it came from the page cache: rendered no template and read
    no table of the knowledge base but its version; a page rendered afresh may read nothing
    else either, when what it shows is kept for the version).

    A streamed response is read to its end inside the count, since it queries as it streams.
    """
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
        if response.streaming:
            response.body = b"".join(response.streaming_content)
        else:
            response.body = response.content
    rendered = bool(response.templates) or any(
        "comparisons_" in q["sql"] and q["sql"] != VERSION_SQL for q in queries.captured_queries
    )
    return response, not rendered


def real_pages():
    return [
        "/",
        "/frameworks/",
        "/frameworks/django/",
        "/criteria/",
        "/criteria/orm/",
        "/compare/?frameworks=django,flask",
        "/claims/",
        "/claims/?criterion=orm&page=1",
    ]


# --- the page cache -------------------------------------------------------------------------


def test_a_thousand_junk_requests_add_no_entry_and_every_page_stays_cached(client, loaded):
    pages = real_pages()
    for url in pages:
        response, cached = served_from_cache(client, url)
        assert response.status_code == 200 and not cached, url  # rendered: the check can tell
    before = entries()
    for n in range(1000):
        url = pages[n % len(pages)]
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}x{n}={n}&utm_source={uuid.uuid4().hex}")
        assert response.status_code == 200
    assert entries() == before
    for url in pages:
        response, cached = served_from_cache(client, url)
        assert response.status_code == 200 and cached, url


def test_junk_on_a_page_not_yet_cached_is_served_but_not_stored(client, loaded):
    before = entries()
    for n in range(50):
        response, _ = served_from_cache(client, f"/frameworks/?junk={n}")
        assert response.status_code == 200
    assert entries() == before
    # The page itself is stored on its first clean visit, and then serves the junk too.
    client.get("/frameworks/")
    assert entries() == before + 1
    response, cached = served_from_cache(client, "/frameworks/?junk=after")
    assert cached and "junk" not in response.content.decode()


def test_parameter_order_and_repeats_map_to_one_entry(client, loaded):
    before = entries()
    first = client.get("/claims/?criterion=orm&criterion=admin-panel&ordering=-score")
    assert first.status_code == 200
    assert entries() == before + 1
    for url in [
        "/claims/?ordering=-score&criterion=admin-panel&criterion=orm",
        "/claims/?criterion=admin-panel&criterion=orm&criterion=orm&ordering=-score",
        "/claims/?ordering=score&ordering=-score&criterion=orm&criterion=admin-panel",
    ]:
        response, cached = served_from_cache(client, url)
        assert response.status_code == 200 and cached, url
    assert entries() == before + 1


def test_compare_keys_comma_and_repeated_frameworks_alike_but_keeps_their_order(client, loaded):
    before = entries()
    assert client.get("/compare/?frameworks=django,flask").status_code == 200
    response, cached = served_from_cache(client, "/compare/?frameworks=django&frameworks=flask")
    assert cached and response.status_code == 200
    response, cached = served_from_cache(client, "/compare/?frameworks=django, flask,django")
    assert cached
    assert entries() == before + 1
    # Reversed, the columns are reversed: another page, another entry.
    response, cached = served_from_cache(client, "/compare/?frameworks=flask,django")
    assert not cached and response.status_code == 200
    assert entries() == before + 2


def test_free_text_searches_are_served_fresh_and_never_stored(client, loaded):
    before = entries()
    for n in range(20):
        assert client.get(f"/claims/?q=word{n}").status_code == 200
    assert entries() == before


def test_exports_are_never_cached(client, loaded):
    before = entries()
    for export in ("csv", "json"):
        for _ in range(2):
            response, cached = served_from_cache(client, f"/claims/?format={export}")
            assert response.status_code == 200 and response.body and not cached
    assert entries() == before


def test_a_stray_sessionid_cookie_is_served_from_the_cache(client, loaded):
    client.get("/claims/")
    before = entries()
    stray = Client()
    stray.cookies["sessionid"] = "not-a-session-" + uuid.uuid4().hex
    response, cached = served_from_cache(stray, "/claims/")
    assert response.status_code == 200 and cached
    forged_messages = Client()
    forged_messages.cookies["messages"] = "forged:value"
    response, cached = served_from_cache(forged_messages, "/claims/")
    assert response.status_code == 200 and cached
    assert entries() == before


def test_a_hit_is_answered_before_the_session_and_csrf_middleware_with_the_misss_headers(
    loaded, monkeypatch
):
    """PageCacheMiddleware serves an anonymous hit without running the middleware below it, and
    with every header that middleware gave the page when it was made."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.middleware.csrf import CsrfViewMiddleware

    url = "/compare/?frameworks=django,flask"
    made = Client().get(url)

    def skipped(*args, **kwargs):
        raise AssertionError("a hit ran the middleware below the page cache")

    monkeypatch.setattr(SessionMiddleware, "process_request", skipped)
    monkeypatch.setattr(CsrfViewMiddleware, "process_view", skipped)
    with CaptureQueriesContext(connection) as queries:
        hit = Client().get(url)
    assert [q["sql"] for q in queries.captured_queries] == [VERSION_SQL]
    assert hit.status_code == 200 and hit.content == made.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "Vary"):
        assert hit[header] == made[header], header
    assert int(hit["Content-Length"]) == len(hit.content)


def test_a_signed_in_editor_gets_a_fresh_page(editor_client, loaded):
    Client().get("/claims/")
    response, cached = served_from_cache(editor_client, "/claims/")
    assert response.status_code == 200 and not cached


def redis_answers():
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture
def redis_cache(settings):
    """The REDIS_URL backend with a key prefix of its own, and a way to count its keys."""
    import redis

    prefix = f"stackwise-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
            "TIMEOUT": 60,
        }
    }
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")

    def keys():
        return len(server.keys(f"{prefix}:*:page:*"))

    yield keys
    found = server.keys(f"{prefix}:*")
    if found:
        server.delete(*found)


@pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_with_redis_junk_parameters_add_no_key(client, loaded, redis_cache):
    pages = real_pages()
    for url in pages:
        assert client.get(url).status_code == 200
    before = redis_cache()
    assert before >= len(pages)
    for n in range(1000):
        assert client.get(f"/claims/?criterion=orm&page=1&x={n}").status_code == 200
    assert redis_cache() == before
    response, cached = served_from_cache(client, "/claims/?page=1&criterion=orm")
    assert cached


@pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_with_redis_the_submit_rate_is_counted_in_redis(client, loaded, redis_cache, settings):
    """django-ratelimit with Django's own RedisCache: counts shared through Redis."""
    from tests.advisor.test_submit_limits import answer_sets

    settings.ADVISOR_SUBMIT_RATE = "3/h"
    sets = answer_sets(5)
    statuses = [client.post("/advisor/", data).status_code for data in sets]
    assert statuses == [303, 303, 303, 429, 429]
    # A second process (another client; the count is in Redis, not in this one's memory).
    assert Client().post("/advisor/", sets[4]).status_code == 429


# --- admin sign-in throttling ---------------------------------------------------------------


@pytest.fixture
def editor_account(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_user("ada", password=PASSWORD, is_staff=True)


def sign_in(client, password, username="ada"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_admin_locks_after_the_documented_failures_even_the_right_password(
    client, editor_account, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    response = sign_in(client, PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert not signed_in(client)
    assert "Sign-in locked for a while" in html
    assert "locked for 15 minutes, even with the right password" in html
    assert "“ada”" in html


def test_the_lockout_is_per_username_and_address(client, editor_account, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429
    # The same user from another address, and another user from this one, are not locked.
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(elsewhere, PASSWORD).status_code == 302 and signed_in(elsewhere)
    User.objects.create_user("grace", password=PASSWORD, is_staff=True)
    colleague = Client()
    assert sign_in(colleague, PASSWORD, username="grace").status_code == 302


def test_forged_forwarded_for_does_not_escape_the_lockout(editor_account, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 192.0.2.9")
        sign_in(attacker, "wrong")
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1, 192.0.2.9")
    assert sign_in(attacker, PASSWORD).status_code == 429


def test_axes_reset_unlocks(client, editor_account, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert sign_in(client, PASSWORD).status_code == 302 and signed_in(client)


def test_a_successful_sign_in_resets_the_count(client, editor_account, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200


def test_sign_in_posts_are_rate_limited_per_address_whatever_the_usernames(
    client, editor_account, settings
):
    """Axes locks one username; trying many usernames from one address meets this limit."""
    settings.ADMIN_LOGIN_RATE = "8/h"
    statuses = [sign_in(client, "wrong", username=f"user{n}").status_code for n in range(10)]
    assert statuses == [200] * 8 + [429] * 2
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert "Many sign-in attempts came from your address" in response.content.decode()
    assert client.get(LOGIN).status_code == 200  # the form itself is still shown
    assert sign_in(Client(REMOTE_ADDR="198.51.100.30"), PASSWORD).status_code == 302
