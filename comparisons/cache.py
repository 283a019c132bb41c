"""Versioned caching of what is expensive to compute or render from the knowledge base.

Every key includes the knowledge-base version (a row in the database, see KnowledgeVersion).
Editors' changes bump the version once their transaction commits (signals.py), so an entry made
before the change is never read again, in any process, with any cache backend: stale entries are
simply orphaned and expire.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from .models import KnowledgeVersion

TIMEOUT = 60 * 60


def current_version():
    """The knowledge-base version: one indexed query."""
    row = KnowledgeVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return row or 0


def bump_version():
    """Invalidate everything cached from the knowledge base, in every process."""
    if not KnowledgeVersion.objects.filter(pk=1).update(version=F("version") + 1):
        KnowledgeVersion.objects.get_or_create(pk=1, defaults={"version": 2})


def bump_version_on_commit(**kwargs):
    transaction.on_commit(bump_version)


def cached(name, build, version=None):
    """The value cached under `name` for the current version, built by `build()` on a miss."""
    key = f"kb:{current_version() if version is None else version}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value
