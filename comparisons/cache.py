"""Versioned caching of what is expensive to compute or render from the knowledge base.

Every key includes the knowledge-base version (a row in the database, see KnowledgeVersion).
Editors' changes bump the version once their transaction commits (signals.py), so an entry made
before the change is never read again, in any process, with any cache backend: stale entries are
simply orphaned and expire.
"""

import contextvars
import functools
import gzip
import hashlib
import json
import re
import weakref
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from psycopg import pq

from .models import KnowledgeVersion

TIMEOUT = 60 * 60
VERSION_SQL = f"SELECT version FROM {KnowledgeVersion._meta.db_table} WHERE id = 1"


# Within a request the version is read once (KnowledgeVersionMiddleware): every part of a page is
# then built for the same version, and asking again costs nothing.
_request_version = contextvars.ContextVar("knowledge_version", default=None)


def current_version():
    """The knowledge-base version: one primary-key lookup, in plain SQL since every page asks."""
    memo = _request_version.get()
    if memo:
        return memo[0]
    version = _prepared_version()
    if version is None:
        with connection.cursor() as cursor:
            cursor.execute(VERSION_SQL)
            row = cursor.fetchone()
        version = row[0] if row else 0
    if memo is not None:
        memo.append(version)
    return version


# PostgreSQL connections on which VERSION_SQL is prepared (a new connection prepares it again).
_prepared_on = weakref.WeakSet()
PREPARED_NAME = b"stackwise_knowledge_version"


def _prepared_version():
    """The version read through a statement prepared once per PostgreSQL connection, or None
    where that does not apply. Every page-cache hit asks, and through Django's cursor the round
    trip cost four times as much (150 µs against 40). Not inside a transaction, where a failure
    would abort it, nor while queries are being logged (DEBUG, query-count tests), which then
    see the query the usual way."""
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or connection.queries_logged
        or connection.connection is None
    ):
        return None
    raw = connection.connection
    pgconn = raw.pgconn
    if raw not in _prepared_on:
        if pgconn.prepare(PREPARED_NAME, VERSION_SQL.encode()).status != pq.ExecStatus.COMMAND_OK:
            return None
        _prepared_on.add(raw)
    result = pgconn.exec_prepared(PREPARED_NAME, [])
    if result.status != pq.ExecStatus.TUPLES_OK:
        _prepared_on.discard(raw)
        return None  # the usual path reports what went wrong, as Django does
    return int(result.get_value(0, 0)) if result.ntuples else 0


class KnowledgeVersionMiddleware:
    """Reads the knowledge-base version at most once per request (see current_version())."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_version.set([])
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)


def bump_version():
    """Invalidate everything cached from the knowledge base, in every process."""
    memo = _request_version.get()
    if memo:
        memo.clear()  # this request reads the new version from now on
    if not KnowledgeVersion.objects.filter(pk=1).update(version=F("version") + 1):
        KnowledgeVersion.objects.get_or_create(pk=1, defaults={"version": 2})


def bump_version_on_commit(**kwargs):
    transaction.on_commit(bump_version)


# This process's copies of values cached for one version. Sound across processes because the
# version itself is always read from the database; it spares unpickling large values.
_local = {"version": None, "values": {}}
LOCAL_ENTRIES = 256


def key_prefix(version=None):
    """What every key cached from the knowledge base starts with: its version and today's date,
    since what a page says can change at midnight without an edit (a claim falls due for review,
    see comparisons.review)."""
    version = current_version() if version is None else version
    return f"kb:{version}:{timezone.localdate():%Y%m%d}:"


def cached(name, build, version=None):
    """The value cached under `name` for the current version, built by `build()` on a miss."""
    return cached_many([name], lambda missing: {name: build()}, version)[name]


def cached_many(names, build, version=None):
    """{name: value} of each of `names` cached for the current version. `build(missing)` makes
    {name: value} for those not cached yet, all in one go (one query for several)."""
    prefix = key_prefix(version)
    if _local["version"] != prefix or len(_local["values"]) >= LOCAL_ENTRIES:
        _local.update(version=prefix, values={})
    values = _local["values"]
    found = {name: values[name] for name in names if name in values}
    missing = [name for name in names if name not in found]
    if missing:
        keys = {f"{prefix}{name}": name for name in missing}
        found.update((keys[key], value) for key, value in cache.get_many(list(keys)).items())
        unbuilt = [name for name in missing if name not in found]
        if unbuilt:
            made = build(unbuilt)
            cache.set_many({f"{prefix}{name}": made[name] for name in unbuilt}, TIMEOUT)
            found.update(made)
        values.update((name, found[name]) for name in missing)
    return found


def fragment_cache():
    """Where rendered fragments are kept: the "fragments" cache, or the default one if the
    settings have none."""
    return caches["fragments"] if "fragments" in settings.CACHES else cache


# This process's copies of the fragments it has read or made for the current version (and day):
# a page reads dozens (claim cards) or hundreds of small ones (a compare table's cells, kept as
# a few maps), and a lookup and an unpickling each cost more than drawing the rest of the page.
# Sound for the same reason as _local; bounded by the characters kept (a value that is not text,
# such as a claim's fact-check review, counts as FRAGMENT_OTHER; a map, as its values).
_fragments = {"prefix": None, "values": {}, "size": 0}
FRAGMENT_CHARACTERS, FRAGMENT_OTHER = 2_000_000, 512


def fragments(prefix, keys, build):
    """{key: value} of each of `keys` (each starting with `prefix`, from key_prefix()): this
    process's copy, else the fragment cache's; `build(missing keys)` makes {key: value} of those
    in neither, which are kept in both."""
    if _fragments["prefix"] != prefix or _fragments["size"] > FRAGMENT_CHARACTERS:
        forget_local_fragments(prefix)
    values = _fragments["values"]
    found = {key: values[key] for key in keys if key in values}
    missing = [key for key in keys if key not in found]
    if missing:
        read = fragment_cache().get_many(missing)
        _keep_locally(read)
        found.update(read)
        unbuilt = [key for key in missing if key not in read]
        if unbuilt:
            made = build(unbuilt)
            keep_fragments(made)
            found.update(made)
    return found


def fragment_maps(prefix, wanted, make):
    """{key: {name: value}} for each key of `wanted`, {key: [names]}: maps kept as fragments()
    keeps a value, each completed with the names it lacks and kept again; `make(key, names)` gives
    {name: value} of `names` for the map `key`. For many small fragments read together: a compare
    column, one map per framework that gains the rows of each category asked for, is one read
    where a read per cell cost more than drawing the table's other parts."""
    found = fragments(prefix, list(wanted), lambda keys: {k: make(k, wanted[k]) for k in keys})
    grown = {}
    for key, names in wanted.items():
        have = found[key]
        lacking = [name for name in names if name not in have]
        if lacking:
            grown[key] = {**have, **make(key, lacking)}
    if grown:
        keep_fragments(grown)
        found.update(grown)
    return found


def keep_fragments(values):
    """Keep {key: value} in the fragment cache and in this process's copy (see fragments())."""
    fragment_cache().set_many(values, TIMEOUT)
    _keep_locally(values)


def _keep_locally(values):
    _fragments["values"].update(values)
    _fragments["size"] += sum(_characters(value) for value in values.values())


def _characters(value):
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_characters(v) for v in value.values())
    return FRAGMENT_OTHER


def forget_local_fragments(prefix=None):
    """Drop this process's copies of fragments (as a process that has not read them yet)."""
    _fragments.update(prefix=prefix, values={}, size=0)


def clear():
    """Forget everything cached, shared and local (tests start from here)."""
    cache.clear()
    fragment_cache().clear()
    _local.update(version=None, values={})
    forget_local_fragments()


# Template indentation: a newline and the blanks after it (public pages have no <pre>/<textarea>).
INDENTATION = re.compile(rb"\n\s+")

# Values a cached page may be stored under, by kind of parameter; each may also be empty, as a
# submitted form sends its blank fields. A value outside its pattern (a free-text search, a number
# written as "0.50000001") is answered afresh and never stored: otherwise each variant would make
# a new entry, as junk parameters did.
CHOICE = r"[\w.,:-]{0,100}"  # slugs, choice values, orderings such as "-score,framework"
NUMBER = r"(?:-?\d{1,6})?"
ID = r"(?:[1-9]\d{0,18})?"
EMPTY = ""  # free text: only the empty search is stored


@dataclass(frozen=True)
class Param:
    """A query parameter that a cached page reads, and how its values are normalised.

    Single parameters count by their last value, as `QueryDict.get()` and Django's widgets read
    them. Lists (`many`, checkboxes) are deduplicated, and sorted unless their order shows on
    the page (`ordered`); `commas` splits "a,b" as the form does. Case is kept: every value is
    checked by a form whose choices are case-sensitive, so "Django" is a 400, not the "django"
    page. `pattern` None marks a parameter whose presence means "never cache" (exports).
    """

    name: str
    many: bool = False
    ordered: bool = False
    commas: bool = False
    pattern: str | None = CHOICE

    def values(self, query):
        """This parameter's normalised values in `query`, or None if they may not be stored."""
        raw = query.getlist(self.name)
        if self.pattern is None:
            return None
        if self.many:
            if self.commas:
                raw = [part.strip() for value in raw for part in value.split(",") if part.strip()]
            raw = list(dict.fromkeys(raw)) if self.ordered else sorted(set(raw))
        else:
            raw = raw[-1:]
        if not all(re.fullmatch(self.pattern, value) for value in raw):
            return None
        return raw


def param_for(name, field_class):
    """The Param of a form field, by the kind of value it takes."""
    if issubclass(field_class, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
        return Param(name, many=True)
    if issubclass(field_class, (forms.DecimalField, forms.IntegerField, forms.FloatField)):
        return Param(name, pattern=NUMBER)
    if issubclass(field_class, forms.ModelChoiceField):
        return Param(name, pattern=ID)
    if issubclass(field_class, forms.CharField):
        return Param(name, pattern=EMPTY)
    return Param(name)


def _with(derived, special, extra):
    by_name = {param.name: param for param in derived}
    by_name.update((param.name, param) for param in special)
    return (*by_name.values(), *extra)


def params_of_form(form_class, *, special=(), extra=()):
    """The Params of a form's fields, `special` ones replacing the derived ones by name."""
    derived = [param_for(name, type(field)) for name, field in form_class.base_fields.items()]
    return _with(derived, special, extra)


def params_of_filterset(filterset_class, *, special=(), extra=()):
    """The Params of a FilterSet's form fields: a new filter is read, and keyed, at once."""
    derived = [
        param_for(name, filter_.field_class)
        for name, filter_ in filterset_class.base_filters.items()
    ]
    return _with(derived, special, extra)


def page_key(request, reads):
    """The cache key of a GET for the parameters in `reads`, and whether it may be stored.

    The key holds only those parameters, normalised (see Param), so their order, repeats and any
    other parameter do not make a new key. A request with parameters the page does not read is
    answered from the entry of the ones it does, but never stored: the page would carry them in
    its links. Returns (None, False) when the request must not be cached at all.
    """
    query = request.GET
    known = {param.name for param in reads}
    parts = []
    for param in sorted(reads, key=lambda p: p.name):
        if param.name not in query:
            continue
        values = param.values(query)
        if values is None:
            return None, False
        parts.append((param.name, values))
    storable = all(name in known for name in query)
    # The host too: a page may hold absolute links (exports, fact-check markup), and the hosts a
    # page can be asked for are bounded by ALLOWED_HOSTS.
    canonical = json.dumps([request.get_host(), request.path, parts], separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{key_prefix()}page:gz:{digest}", storable  # gz: the gzip form alone is kept


def is_personal(request):
    """A signed-in user's page, or one with messages waiting, is never served from the cache.

    A `sessionid` cookie alone does not count: only a session that really signs a user in, so
    sending a made-up cookie does not skip the cache. (Messages travel in a signed cookie:
    a forged one holds no message.)
    """
    if len(get_messages(request)):
        return True
    user = getattr(request, "user", None)
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        and user is not None
        and user.is_authenticated
    )


def cache_public_page(view=None, *, reads=()):
    """Serve an anonymous GET of `view` from the cache, keyed by the parameters it `reads`.

    `reads` declares every query parameter the page reads (Params); anything else in the query
    string is ignored by the key and keeps the response out of the cache (see page_key).
    Rendering, not querying, is what costs most on these pages. PageCacheMiddleware answers most
    hits before the rest of the middleware runs, and stores what this marks as storable once the
    whole stack has made it: only complete 200 responses without a CSRF token or a cookie, so
    errors, redirects, forms and streamed exports are always computed afresh. A request with a
    session or messages cookie gets here, where a real signed-in user is told from a made-up
    cookie (is_personal), and is served from the same entries.
    """
    if view is None:
        return functools.partial(cache_public_page, reads=reads)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if is_personal(request):
            return view(request, *args, **kwargs)
        key, storable = page_key(request, reads)
        if key is None:
            return view(request, *args, **kwargs)
        stored = stored_response(request, key)
        if stored is not None:
            return stored
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        personal = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a CSRF token
        if storable and response.status_code == 200 and not response.streaming and not personal:
            response.page_cache_key = key
        return response

    wrapper.page_cache_reads = reads
    return wrapper


class PageCacheMiddleware:
    """Answers an anonymous visitor's GET of a cached public page before the middleware below it
    runs (sessions, CSRF, authentication, messages, security headers: a hit needs none of them),
    and stores the pages cache_public_page marks, with every header that middleware added.

    A request with a session or messages cookie goes on to the view's wrapper, which decides
    whether it is personal. Put it after KnowledgeVersionMiddleware and GZipMiddleware (it gzips
    what it stores itself) and before everything that reads the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stored = self.lookup(request)
        if stored is not None:
            return stored
        response = self.get_response(request)
        key = getattr(response, "page_cache_key", None)
        if key is not None and not response.cookies:
            return store(request, response, key)
        return response

    @staticmethod
    def lookup(request):
        if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return None
        personal = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)
        if any(name in request.COOKIES for name in personal):
            return None  # a session that may sign a user in, or messages waiting
        try:
            reads = getattr(resolve(request.path_info).func, "page_cache_reads", None)
            if reads is None:
                return None
            key, _ = page_key(request, reads)
        except (Resolver404, DisallowedHost):
            return None  # the full stack answers these as it should
        return stored_response(request, key) if key else None


# Headers worked out afresh for each response rather than stored.
UNSTORED_HEADERS = {"content-length", "content-encoding"}


def store(request, response, key):
    """Keep a finished page (its gzip form when that is smaller, else its content; its headers)
    and return it encoded. Only one form is kept: a hit reads a tenth of the bytes, and the
    few clients that do not accept gzip have it decompressed (0.3 ms for the compare page)."""
    content = response.content
    if response.get("Content-Type", "").startswith("text/html"):
        content = INDENTATION.sub(b"\n", content)  # ~20 % smaller
    headers = {h: v for h, v in response.items() if h.lower() not in UNSTORED_HEADERS}
    compressed = compress(content)
    cache.set(key, (compressed or content, compressed is not None, headers), TIMEOUT)
    return encoded(request, response, content, compressed)


def stored_response(request, key):
    """The page stored under `key` as a response for this request, or None."""
    stored = cache.get(key)
    if stored is None:
        return None
    body, gzipped, headers = stored
    response = HttpResponse(headers=headers)
    return encoded(request, response, None if gzipped else body, body if gzipped else None)


ACCEPTS_GZIP = re.compile(r"\bgzip\b")
MIN_COMPRESSED = 200  # bytes: below this, gzip's own overhead is not worth it


def compress(content):
    """The gzip form of a page, made once when it is stored (None when it would not help)."""
    if len(content) < MIN_COMPRESSED:
        return None
    compressed = gzip.compress(content, compresslevel=6, mtime=0)
    return compressed if len(compressed) < len(content) else None


def encoded(request, response, content, compressed):
    """`response` with a stored page's content, gzipped for clients that accept it (then
    GZipMiddleware leaves it alone); `content` None: `compressed` decompressed."""
    patch_vary_headers(response, ("Accept-Encoding",))
    if compressed and ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response.content = compressed
        response["Content-Encoding"] = "gzip"
    else:
        response.content = gzip.decompress(compressed) if content is None else content
    response["Content-Length"] = str(len(response.content))
    return response
