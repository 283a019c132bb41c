"""Print, as JSON, how many SQL queries each benchmarked page takes, cold and warm.

Run by bench/run.py with DATABASE_URL pointing at a benchmark database:
    python bench/querycount.py '{"home": "/", ...}'
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def count(client, method, path, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
    if response.status_code >= 400:
        raise SystemExit(f"{path} answered {response.status_code}")
    if hasattr(response, "streaming_content"):
        with CaptureQueriesContext(connection) as streamed:
            b"".join(response.streaming_content)
        return len(queries) + len(streamed)
    return len(queries)


def main():
    pages = json.loads(sys.argv[1])
    client = Client()
    results = {}
    for name, page in pages.items():
        method, path, data = page.get("method", "get"), page["path"], page.get("data")
        if page.get("admin"):
            admin, _ = User.objects.get_or_create(
                username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
            )
            client.force_login(admin)
        cache.clear()
        cold = count(client, method, path, data)
        warm = count(client, method, path, data)
        results[name] = {"cold": cold, "warm": warm}
        if page.get("admin"):
            client.logout()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
