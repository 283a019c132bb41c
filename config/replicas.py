"""Reading the public pages from a PostgreSQL read replica (DATABASE_REPLICA_URL), safely.

Public pages of a visitor (a GET or HEAD outside the admin) read the knowledge base from the
"replica" database; everything else, every write, the admin, sessions, the advisor's saved
consultations and the knowledge-base version, uses the primary ("default").

A replica lags behind its primary. A page built from lagging rows and cached under the primary's
newer version would keep showing the old content until the next change, so the first read of a
request compares the replica's version with the primary's, and reads the primary for the rest of
the request when the replica is behind: an editor's change is seen at once, and nothing stale is
cached under a new version.
"""

import contextvars

from django.db import connections

from comparisons.cache import VERSION_SQL, current_version

PRIMARY, REPLICA = "default", "replica"

# Per request: None (not eligible), or a one-item list holding whether the replica is up to
# date once the first read has found out.
_eligible = contextvars.ContextVar("replica_eligible", default=None)


def replica_version():
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


def replica_is_current():
    """Whether this request may read the replica (worked out once per request)."""
    state = _eligible.get()
    if state is None:
        return False
    if not state:
        state.append(replica_version() >= current_version())
    return state[0]


class ReplicaMiddleware:
    """Marks the requests whose knowledge-base reads may go to the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        eligible = request.method in ("GET", "HEAD") and not request.path.startswith("/admin/")
        token = _eligible.set([] if eligible else None)
        try:
            return self.get_response(request)
        finally:
            _eligible.reset(token)


class PrimaryReplicaRouter:
    """The knowledge base's models, read on an eligible request, go to the replica."""

    def db_for_read(self, model, **hints):
        meta = model._meta
        knowledge = meta.app_label == "comparisons" and meta.model_name != "knowledgeversion"
        return REPLICA if knowledge and replica_is_current() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
