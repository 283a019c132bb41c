"""Run by tests/test_replicas.py in a process configured with DATABASE_URL (a primary) and
DATABASE_REPLICA_URL (its streaming replica): which database each page reads, before, during
and after replication lags. Prints its observations as JSON."""

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from comparisons import cache  # noqa: E402
from comparisons.models import Framework  # noqa: E402
from config.replicas import replica_version  # noqa: E402

client = Client()


def visit(path):
    """(status, html, SQL on the primary, SQL on the replica) for a fresh render of path."""
    cache.clear()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(path)
    return {
        "status": response.status_code,
        "html": response.content.decode(),
        "primary": [q["sql"] for q in primary.captured_queries],
        "replica": [q["sql"] for q in replica.captured_queries],
    }


def replica_sql(sql):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)


def caught_up():
    for _ in range(200):
        if replica_version() >= cache.current_version():
            return True
        time.sleep(0.05)
    return False


observed = {"in_step": caught_up(), "before": visit("/frameworks/django/")}

replica_sql("SELECT pg_wal_replay_pause()")  # the replica now lags behind every change
Framework.objects.filter(slug="django").update(tagline="Changed by an editor just now")
cache.bump_version()
observed["lagging"] = visit("/frameworks/django/")

replica_sql("SELECT pg_wal_replay_resume()")
observed["caught_up"] = caught_up()
observed["after"] = visit("/frameworks/django/")
observed["submit"] = client.post("/advisor/", {}).status_code  # a write path: the primary
print(json.dumps(observed))
