"""Versioned caching of what is expensive to compute or render from the knowledge base.

Every key includes the knowledge-base version (a row in the database, see KnowledgeVersion).
Editors' changes bump the version once their transaction commits (signals.py), so an entry made
before the change is never read again, in any process, with any cache backend: stale entries are
simply orphaned and expire.
"""

import functools
import hashlib
import re

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse

from .models import KnowledgeVersion

TIMEOUT = 60 * 60
VERSION_SQL = f"SELECT version FROM {KnowledgeVersion._meta.db_table} WHERE id = 1"


def current_version():
    """The knowledge-base version: one primary-key lookup, in plain SQL since every page asks."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_version():
    """Invalidate everything cached from the knowledge base, in every process."""
    if not KnowledgeVersion.objects.filter(pk=1).update(version=F("version") + 1):
        KnowledgeVersion.objects.get_or_create(pk=1, defaults={"version": 2})


def bump_version_on_commit(**kwargs):
    transaction.on_commit(bump_version)


# This process's copies of values cached for one version. Sound across processes because the
# version itself is always read from the database; it spares unpickling large values.
_local = {"version": None, "values": {}}
LOCAL_ENTRIES = 256


def cached(name, build, version=None):
    """The value cached under `name` for the current version, built by `build()` on a miss."""
    version = current_version() if version is None else version
    if _local["version"] != version or len(_local["values"]) >= LOCAL_ENTRIES:
        _local.update(version=version, values={})
    values = _local["values"]
    if name in values:
        return values[name]
    key = f"kb:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    values[name] = value
    return value


def clear():
    """Forget everything cached, shared and local (tests start from here)."""
    cache.clear()
    _local.update(version=None, values={})


# Cookies that make a response personal (a signed-in editor, pending messages): never cached.
PERSONAL_COOKIES = ("sessionid", "messages")
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
# Template indentation: a newline and the blanks after it (public pages have no <pre>/<textarea>).
INDENTATION = re.compile(rb"\n\s+")


def cache_public_page(view):
    """Serve an anonymous GET of `view` from the cache, keyed by path, query and version.

    Rendering, not querying, is what costs most on these pages; a hit costs one query (the
    version) and a cache read. Only complete 200 responses without a CSRF token are kept, so
    errors, redirects, forms and streamed exports are always computed afresh.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or any(
            name in request.COOKIES for name in PERSONAL_COOKIES
        ):
            return view(request, *args, **kwargs)
        query = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"kb:{current_version()}:page:{query}"
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            return HttpResponse(content, headers=headers)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        personal = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a CSRF token
        if response.status_code == 200 and not response.streaming and not personal:
            if response.get("Content-Type", "").startswith("text/html"):
                response.content = INDENTATION.sub(b"\n", response.content)  # ~20 % smaller
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            cache.set(key, (response.content, headers), TIMEOUT)
        return response

    return wrapper
