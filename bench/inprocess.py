"""Print, as JSON, what each page costs in-process on a page-cache miss, against DATABASE_URL.

Run by bench/run.py (DJANGO_PAGE_CACHE=0, so every request renders its page):
    python bench/inprocess.py '{"claims": ["/claims/?page=500", ...], ...}'

For each page, the first path of each ordering is requested with every cache empty ("cold", the
slowest of them: nothing built yet for this knowledge version; the explorer keeps an order of
every public claim per ordering), then every path once ("miss": the page is rendered; what
repeats across pages, such as claim cards and those orders, is already kept). The advisor is
submitted with different answers each time, so each is scored and saved. Times in ms, SQL time
included.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from comparisons import cache  # noqa: E402


def timed(client, method, path, data=None):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 400:
        raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")
    sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    return elapsed, sql, len(body)


def advisor_answers(n, seed=11):
    """n different valid submissions of the questionnaire: a random option for each question."""
    import random

    from advisor.models import Question

    rng = random.Random(seed)
    questions = [
        (q.pk, q.kind, [o.pk for o in q.options.all()])
        for q in Question.objects.filter(is_active=True).prefetch_related("options")
    ]
    submissions = []
    for _ in range(n):
        data = {}
        for pk, kind, options in questions:
            if kind == Question.Kind.MULTIPLE:
                data[f"q{pk}"] = rng.sample(options, rng.randint(1, len(options)))
            else:
                data[f"q{pk}"] = rng.choice(options)
        submissions.append(data)
    return submissions


def one_per_ordering(paths):
    """The first of `paths` with each value of `ordering` (none counts as one)."""
    firsts = {}
    for path in paths:
        firsts.setdefault(parse_qs(urlsplit(path).query).get("ordering", [""])[0], path)
    return list(firsts.values())


def main():
    pages = json.loads(sys.argv[1])
    client = Client()
    results = {}
    # The advisor: every submission different, so each is scored and saved.
    submissions = advisor_answers(16)
    cache.clear()
    cold, _, _ = timed(client, "post", "/advisor/", submissions[0])
    runs = [timed(client, "post", "/advisor/", data) for data in submissions[1:]]
    times = [t for t, _, _ in runs]
    results["advisor_submit"] = {
        "cold": round(cold, 1),
        "median": round(statistics.median(times), 1),
        "max": round(max(times), 1),
        "sql": round(statistics.median(s for _, s, _ in runs), 1),
        "kB": 0,
    }
    for name, spec in pages.items():
        paths = spec["paths"]
        method, data = spec.get("method", "get"), spec.get("data")
        cache.clear()
        cold = max(timed(client, method, path, data)[0] for path in one_per_ordering(paths))
        runs = [timed(client, method, path, data) for path in paths]
        times = [t for t, _, _ in runs]
        results[name] = {
            "cold": round(cold, 1),
            "median": round(statistics.median(times), 1),
            "max": round(max(times), 1),
            "sql": round(statistics.median(s for _, s, _ in runs), 1),
            "kB": round(statistics.median(n for _, _, n in runs) / 1024),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
