"""The benchmark: every public page against Django's own floor, at 1x and 100x the content.

    .venv/bin/python bench/run.py [--duration 10] [--soak 60] [--connections 50] [--growth]

In one run, on this machine: makes sure PostgreSQL answers, builds two databases (the starting
content, and the starting content plus `generate_demo_data --scale 100`), starts gunicorn with two
workers in production mode, and measures with wrk each page's requests/second and p50/p99 latency
next to a bare Django "hello" view served by the same gunicorn.

The headline is the cache miss: gunicorn is started again with the page cache off
(DJANGO_PAGE_CACHE=0) and every request asks for a different page (random filters, frameworks,
page numbers, read from a file of distinct paths), so each one is rendered, as a consultant's
ever-changing filters are; what repeats across pages (claim cards, per-version aggregates) is
reused, as in production: with Redis shared by the workers (the headline, as production on
several hosts), then with each worker's own local-memory cache. Then cache hits (one URL again
and again), each worker's memory, SQL queries per page (cold and warm cache), in-process timings
of a miss, and a soak of every page at once. --growth adds a 1000x database
(`generate_demo_data --scale 1000`, a few minutes) timed
in-process. Prints a table and writes bench/results.md. Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PG = "postgres://postgres@127.0.0.1:5432"
SCALES = {"1x": 0, "100x": 100}
GROWTH = {"1000x": 1000}
LATENCY_CONNECTIONS = 2  # one request in flight per gunicorn worker
MISS_PATHS = 20_000  # distinct paths per miss run: more than a run asks for
IN_PROCESS_PATHS = 15
# Cache misses at 100x, as a share of hello in the same run.
# The cache of the miss runs: Redis, which every worker shares, as on several hosts in production
# (the headline), then each worker's own local-memory cache, the default with no REDIS_URL, where
# each worker draws the parts reused across pages for itself.
BENCH_REDIS = "redis://127.0.0.1:6379/15"
MISS_CACHES = {"redis": {"REDIS_URL": BENCH_REDIS}, "local-memory": {}}
MISS_TARGETS = {"claims_miss": 0.10, "compare_miss": 0.05, "framework_miss": 0.05}
HIT_TARGET = 0.70  # every public page, cache hit, at 1x and 100x
CSV_TARGET = 0.20  # the filtered CSV export at 1x
ADVISOR_P99_MS = 25  # at 100x, 2 connections
WORKER_MB = 150
# Query budgets, as the tests pin them: a public page (tests/comparisons/test_views.py) and the
# quiz's submit, which scores and saves (tests/advisor/test_views.py).
PAGE_QUERIES, SUBMIT_QUERIES = 8, 11
UNFILTERED_EXPLORER_MS = 50  # in-process at 100x
GROWTH_PAGE_MS, GROWTH_ADVISOR_MS = 300, 200  # in-process at 1000x
PUBLIC = ("home", "framework", "compare", "claims")
VERDICTS = ["supported", "contested", "refuted"]


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def answers(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def ensure_tools():
    if not shutil.which("wrk"):
        log("installing wrk from Debian")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    if not answers(5432):
        log("starting PostgreSQL")
        if not shutil.which("pg_ctlcluster"):
            subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True)
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
        )


def ensure_redis(url):
    """A Redis server at `url` with its database empty (every run starts with nothing kept)."""
    import redis

    port = urllib.parse.urlsplit(url).port
    if not answers(port):
        log("starting Redis")
        subprocess.run(["redis-server", "--port", str(port), "--save", "", "--daemonize", "yes"])
        for _ in range(50):
            if answers(port):
                break
            time.sleep(0.1)
    redis.Redis.from_url(url).flushdb()


def env_for(database, **extra):
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "k3Y9" * 10,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_BENCH_HELLO": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The submit path is measured, not the per-client limit (tests/advisor covers that).
        "DJANGO_ADVISOR_SUBMIT_RATE": "1000000/s",
        **extra,
    }


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def build_database(name, scale, reuse=False):
    """A fresh benchmark database at `scale`; with `reuse`, one an earlier run built (it has the
    generated frameworks) is kept as it is, after migrating it."""
    if reuse and _has_demo_data(name, scale):
        env = env_for(name)
        manage(env, "migrate", "--noinput", "-v0")
        # An earlier run's consultations would answer this run's submissions from the store.
        with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn:
            conn.execute("DELETE FROM advisor_consultation")
        vacuum(name)
        log(f"reusing {name}")
        return env
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = env_for(name)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_starting_content", "-v0")
    if scale:
        started = time.monotonic()
        manage(env, "generate_demo_data", "--scale", str(scale), "-v0")
        log(f"generate_demo_data --scale {scale}: {time.monotonic() - started:.1f} s")
    vacuum(name)
    return env


def vacuum(name):
    """VACUUM ANALYZE, as autovacuum would have done in production: a server with it off (as this
    machine's is) would leave index-only scans reading every row from the table."""
    with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _has_demo_data(name, scale):
    try:
        with psycopg.connect(f"{PG}/{name}") as conn:
            (frameworks,) = conn.execute(
                "SELECT count(*) FROM comparisons_framework WHERE slug LIKE 'demo-framework-%'"
            ).fetchone()
    except psycopg.Error:
        return False
    return frameworks >= scale if scale else True


def pages(scale):
    """What is measured at each scale: name -> request."""
    if scale:
        compare = ",".join(f"demo-framework-{i:04d}" for i in range(5))
        claims = "/claims/?criterion=demo-criterion-001&score_min=1"
        export = "/claims/?framework=demo-framework-0001&criterion=demo-criterion-001&format=csv"
    else:
        compare = "flask,django"
        claims = "/claims/?criterion=learning-curve&score_min=-2"
        export = "/claims/?framework=django&criterion=learning-curve&format=csv"
    return {
        "hello": {"path": "/bench/hello"},
        "home": {"path": "/"},
        "framework": {"path": "/frameworks/django/"},
        "compare": {"path": f"/compare/?frameworks={compare}"},
        "claims": {"path": claims},
        "export_csv": {"path": export},
        "advisor_submit": {"path": "/advisor/", "method": "post"},
        "admin_claims": {"path": "/admin/comparisons/claim/", "admin": True},
    }


def slugs(database):
    """(published framework slugs, criterion slugs, explorer pages) of a benchmark database."""
    with psycopg.connect(f"{PG}/{database}") as conn:
        frameworks = conn.execute(
            "SELECT slug FROM comparisons_framework WHERE is_published ORDER BY slug"
        ).fetchall()
        criteria = conn.execute("SELECT slug FROM comparisons_criterion ORDER BY slug").fetchall()
        (published,) = conn.execute(
            "SELECT count(*) FROM comparisons_claim WHERE status = 'published'"
        ).fetchone()
    pages = max(1, published // 30)  # pages of 25 that surely exist (some have no citation)
    return [f for (f,) in frameworks], [c for (c,) in criteria], pages


def miss_paths(database, n, seed=2024):
    """{page: [n distinct paths]}: what a miss run asks for, a different query each time."""
    rng = random.Random(seed)
    frameworks, criteria, pages = slugs(database)

    def distinct(make):
        paths = set()
        for _ in range(20 * n):
            paths.add(make())
            if len(paths) == n:
                break
        return sorted(paths, key=lambda _: rng.random())

    def claims():
        two = "&".join(f"framework={f}" for f in rng.sample(frameworks, 2))
        return (
            f"/claims/?criterion={rng.choice(criteria)}&{two}&score_min={rng.randint(-2, 1)}"
            f"&ordering={rng.choice(['', '-score', 'framework', '-updated'])}"
        )

    # Pages of one verdict that surely exist: the rarest, refuted, is about 1 claim in 25.
    verdict_pages = max(1, min(20, pages // 30))

    def verdicts():  # every public claim's verdict is computed to filter on it
        chosen = "&".join(f"verdict={v}" for v in rng.sample(VERDICTS, rng.randint(1, 2)))
        ordering = rng.choice(["", "-score", "framework", "-updated"])
        return f"/claims/?{chosen}&ordering={ordering}&page={rng.randint(1, verdict_pages)}"

    def compare():
        return f"/compare/?frameworks={','.join(rng.sample(frameworks, 3))}"

    def unfiltered():
        return f"/claims/?page={rng.randint(1, min(500, pages))}"

    def export():
        return f"/claims/?framework={rng.choice(frameworks)}&criterion={rng.choice(criteria)}" + (
            f"&score_min={rng.randint(-2, 2)}&format=csv"
        )

    return {
        "claims_miss": distinct(claims),
        "claims_unfiltered_miss": distinct(unfiltered),
        "claims_verdict_miss": distinct(verdicts),
        "compare_miss": distinct(compare),
        "framework_miss": [f"/frameworks/{rng.choice(frameworks)}/" for _ in range(n)],
        "criterion_miss": [f"/criteria/{rng.choice(criteria)}/" for _ in range(n)],
        "export_csv_filtered": distinct(export),
    }


def worker_memory(master):
    """Resident memory of each gunicorn worker, in MB."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def in_process(env, database, scale):
    """{page: timings} of a page-cache miss in one process (bench/inprocess.py)."""
    paths = miss_paths(database, IN_PROCESS_PATHS, seed=7)
    specs = {name: {"paths": paths[name]} for name in paths}
    specs["home"] = {"paths": ["/"]}
    specs["frameworks_list"] = {"paths": ["/frameworks/"]}
    specs["criteria_list"] = {"paths": ["/criteria/"]}
    deepest = min(500, slugs(database)[2])
    specs[f"claims_page_{deepest}"] = {"paths": [f"/claims/?page={deepest}"]}
    command = [PY, "bench/inprocess.py", json.dumps(specs)]
    env = {**env, "DJANGO_PAGE_CACHE": "0"}
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"bench/inprocess.py failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def advisor_form():
    """A valid questionnaire submission: the first option of every question, with CSRF."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{BASE}/advisor/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    fields = {"csrfmiddlewaretoken": token}
    for name, value in re.findall(r'name="(q\d+)"[^>]*value="(\d+)"', html):
        fields.setdefault(name, value)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return urllib.parse.urlencode(fields), cookie, fields


def start_gunicorn(env):
    process = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "config.wsgi",
            "--workers=2",
            f"--bind=127.0.0.1:{PORT}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            if urllib.request.urlopen(f"{BASE}/healthz", timeout=1).status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def settle():
    """Let gunicorn drain what the previous run left queued, so it is not timed again."""
    time.sleep(2)
    for _ in range(3):
        urllib.request.urlopen(f"{BASE}/healthz", timeout=60).read()


def wrk(path, duration, connections, script_env=None):
    settle()
    env = {**os.environ, **(script_env or {})}
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout=10s"]
    command += ["--latency"]
    command += ["-s", str(ROOT / "bench" / "mix.lua"), BASE + path]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    statuses = dict(re.findall(r"(\dxx)=(\d+)", re.search(r"STATUSES (.*)", out).group(1)))
    statuses = {k: int(v) for k, v in statuses.items()}
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)),
        "statuses": statuses,
        "socket_errors": errors.group(1).strip() if errors else "none",
    }


def to_ms(text):
    """wrk's "1.23ms" in milliseconds; NaN when wrk had no answer to measure ("-nanus")."""
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        return float("nan")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def warm(requests, body, cookie):
    for _ in range(4):  # each gunicorn worker fills its own cache
        for page in requests.values():
            if page.get("method") == "post" or page.get("admin"):
                continue
            urllib.request.urlopen(BASE + page["path"], timeout=60).read()


def measure(scale_name, scale, duration, connections, reuse=False):
    database = f"stackwise_bench_{scale_name}"
    log(f"building {database}")
    env = build_database(database, scale, reuse)
    requests = pages(scale)
    counts = query_counts(env, without_posts(requests))
    gunicorn = start_gunicorn(env)
    try:
        body, cookie, fields = advisor_form()
        counts.update(query_counts(env, {"advisor_submit": advisor_page(fields)}))
        warm(requests, body, cookie)
        results = {}
        for name, page in requests.items():
            if page.get("admin"):
                continue
            log(f"{scale_name} {name}: wrk {duration}s x {connections} connections")
            script_env = {"BENCH_BODY": body, "BENCH_COOKIE": cookie}
            if page.get("method") != "post":
                script_env["BENCH_PATHS"] = f"GET {page['path']}"
            results[name] = wrk(page["path"], duration, connections, script_env)
            if page.get("method") == "post":
                # Latency at a load the two workers can serve, next to throughput at saturation.
                log(f"{scale_name} {name}: wrk {duration}s x {LATENCY_CONNECTIONS} connections")
                results[f"{name}_latency"] = wrk(
                    page["path"], duration, LATENCY_CONNECTIONS, script_env
                )
        return requests, results, counts, body, cookie, gunicorn
    except BaseException:
        gunicorn.terminate()
        raise


def measure_misses(scale_name, database, env, duration, connections, cache):
    """hello and every miss page on a gunicorn without the page cache, with `cache` (a key of
    MISS_CACHES) empty at the start; workers' memory after."""
    extra = MISS_CACHES[cache]
    if "REDIS_URL" in extra:
        ensure_redis(extra["REDIS_URL"])
    gunicorn = start_gunicorn({**env, **extra, "DJANGO_PAGE_CACHE": "0"})
    try:
        results = {}
        log(f"{scale_name} {cache} cache, hello (page cache off): wrk {duration}s x {connections}")
        results["hello"] = wrk(
            "/bench/hello", duration, connections, {"BENCH_PATHS": "GET /bench/hello"}
        )
        for name, paths in miss_paths(database, MISS_PATHS).items():
            listing = ROOT / "bench" / f".paths-{name}.txt"
            listing.write_text("\n".join(paths) + "\n")
            log(f"{scale_name} {cache} cache, {name}: wrk {duration}s x {connections} connections")
            try:
                results[name] = wrk(
                    paths[0], duration, connections, {"BENCH_PATHS_FILE": str(listing)}
                )
            finally:
                listing.unlink()
        return results, worker_memory(gunicorn)
    finally:
        gunicorn.terminate()
        gunicorn.wait()


def query_counts(env, requests):
    """{page: {"cold": n, "warm": n}}, counted by bench/querycount.py against env's database."""
    command = [PY, "bench/querycount.py", json.dumps(requests)]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def without_posts(requests):
    return {k: v for k, v in requests.items() if v.get("method") != "post"}


def advisor_page(fields):
    data = {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    return {"path": "/advisor/", "method": "post", "data": data}


def soak(requests, body, cookie, seconds, connections):
    spec = "|".join(
        f"{'POST' if page.get('method') == 'post' else 'GET'} {page['path']}"
        for page in requests.values()
        if not page.get("admin")
    )
    log(f"soak: every page, {seconds}s x {connections} connections")
    script_env = {"BENCH_BODY": body, "BENCH_COOKIE": cookie, "BENCH_PATHS": spec}
    return wrk("/", seconds, connections, script_env)


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    with psycopg.connect(f"{PG}/postgres") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.platform()}, "
        f"Python {platform.python_version()}, PostgreSQL {pg}, gunicorn 2 sync workers"
    )


def table(rows, hello):
    lines = [
        "| page | scale | req/s | × hello | p50 ms | p99 ms | statuses | queries cold/warm |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, scale_name, r, queries in rows:
        if r is None:
            lines.append(f"| {name} | {scale_name} | – | – | – | – | – | {queries} |")
            continue
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        lines.append(
            f"| {name} | {scale_name} | {r['rps']:.0f} | {r['rps'] / hello[scale_name]:.1%} | "
            f"{r['p50']:.1f} | {r['p99']:.1f} | {statuses} | {queries} |"
        )
    return lines


def report(runs, duration, connections):
    hits, misses, counts = runs["hits"], runs["misses"], runs["counts"]
    memory, inproc, soak_result = runs["memory"], runs["in_process"], runs["soak"]
    lines = [
        "# Benchmark results",
        "",
        f"{datetime.date.today().isoformat()} · {machine()}",
        "",
        f"`bench/run.py`: wrk, 2 threads, {connections} connections, {duration} s per page; "
        "throughput relative to a bare Django view (`hello`) served by the same gunicorn in the "
        "same run. Every request accepts gzip, as browsers do.",
        "",
        "## Cache misses (the headline)",
        "",
        "gunicorn restarted with the page cache off (`DJANGO_PAGE_CACHE=0`); every request asks "
        "for a different page: the explorer with a random criterion, two random frameworks, a "
        "lowest score and an ordering; the unfiltered explorer on a random page from 1 to 500; "
        "the explorer filtered by one or two verdicts alone (every public claim's verdict is "
        "computed), on a random page from 1 to 20 (1 at 1x); "
        "compare for 3 random frameworks; a random framework's or criterion's page; the CSV export "
        "of a random framework and criterion. Claim cards and per-version aggregates are reused, "
        "as in production. `hello` is measured on the same gunicorn. Each page is measured "
        "twice, from an empty cache: with Redis, which both workers share, as on several hosts "
        'in production (README, "Production"), which the targets are read from; then with '
        "each worker's own local-memory cache (the default without `REDIS_URL`), where each "
        "draws for itself what is reused across pages.",
        "",
    ]
    miss_hello = {}
    for cache, by_scale in misses.items():
        miss_hello[cache] = {s: r["hello"]["rps"] for s, r in by_scale.items()}
        rows = [
            (name, scale_name, r, "–")
            for scale_name, results in by_scale.items()
            for name, r in results.items()
        ]
        lines += [f"### {cache} cache", ""]
        lines += table(rows, miss_hello[cache])
        lines += [
            "",
            "Memory of each gunicorn worker after its scale's miss runs: "
            + "; ".join(
                f"{scale_name} {', '.join(f'{mb:.0f} MB' for mb in sizes)}"
                for scale_name, sizes in memory[cache].items()
            )
            + ".",
            "",
        ]
    headline = next(iter(misses))
    misses, miss_hello = misses[headline], miss_hello[headline]
    lines += [
        "## Cache hits",
        "",
        "The same URL again and again (page cache on, each worker's local-memory cache). "
        "Queries: SQL queries per request with a cold cache / a warm cache.",
        "",
    ]
    hit_hello = {s: r["hello"]["rps"] for s, r in hits.items()}
    rows = []
    for scale_name, results in hits.items():
        for name in [*results, "admin_claims"]:
            c = counts[scale_name].get(name.removesuffix("_latency"), {})
            queries = f"{c['cold']}/{c['warm']}" if c else "–"
            rows.append((name, scale_name, results.get(name), queries))
    lines += table(rows, hit_hello)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(soak_result["statuses"].items()))
    lines += [
        "",
        f"Soak at 100x: every page above in turn, {soak_result['duration']} s at {connections} "
        f"connections: {soak_result['rps']:.0f} req/s, p99 {soak_result['p99']:.1f} ms, "
        f"statuses {statuses}, socket errors: {soak_result['socket_errors']}.",
        "",
        "## In-process, one request at a time (page cache off)",
        "",
        f"Each page asked for with {IN_PROCESS_PATHS} different queries: `cold` is the slowest "
        "first request of an ordering with every cache empty (the explorer's order of every "
        "public claim is kept per ordering and knowledge version); `median` and `max` over all "
        "of them once those are kept (claim cards and aggregates reused); SQL is the median's "
        "share.",
        "",
        "| page | scale | cold ms | median ms | max ms | SQL ms | kB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale_name, results in inproc.items():
        for name, r in results.items():
            lines.append(
                f"| {name} | {scale_name} | {r['cold']:.0f} | {r['median']:.0f} | {r['max']:.0f} "
                f"| {r['sql']:.0f} | {r['kB']} |"
            )
    lines += ["", "## Targets", ""]

    def target(label, ok):
        lines.append(f"- {label}: {'met' if ok else 'MISSED'}")

    for name, goal in MISS_TARGETS.items():
        ratio = misses["100x"][name]["rps"] / miss_hello["100x"]
        target(f"{name} at 100x ({headline}): {ratio:.1%} of hello (target ≥ {goal:.0%})",
               ratio >= goal)  # fmt: skip
    unfiltered = inproc["100x"]["claims_unfiltered_miss"]["max"]
    target(
        f"unfiltered explorer at 100x, in-process, slowest of {IN_PROCESS_PATHS} pages: "
        f"{unfiltered:.0f} ms (target ≤ {UNFILTERED_EXPLORER_MS} ms)",
        unfiltered <= UNFILTERED_EXPLORER_MS,
    )
    for scale_name in hits:
        worst = min(PUBLIC, key=lambda n: hits[scale_name][n]["rps"])
        ratio = hits[scale_name][worst]["rps"] / hit_hello[scale_name]
        target(
            f"cache hits at {scale_name}, slowest public page ({worst}): {ratio:.0%} of hello "
            f"(target ≥ {HIT_TARGET:.0%})",
            ratio >= HIT_TARGET,
        )
    ratio = misses["1x"]["export_csv_filtered"]["rps"] / miss_hello["1x"]
    target(f"filtered CSV export at 1x ({headline}): {ratio:.1%} of hello (target ≥ "
           f"{CSV_TARGET:.0%})",
           ratio >= CSV_TARGET)  # fmt: skip
    p99 = hits["100x"]["advisor_submit_latency"]["p99"]
    target(
        f"advisor submit p99 at 100x, {LATENCY_CONNECTIONS} connections: {p99:.1f} ms "
        f"(target ≤ {ADVISOR_P99_MS} ms)",
        p99 <= ADVISOR_P99_MS,
    )
    biggest = max(mb for by_scale in memory.values() for sizes in by_scale.values() for mb in sizes)
    target(f"largest worker after the runs, either cache: {biggest:.0f} MB (target ≤ "
           f"{WORKER_MB} MB)",
           biggest <= WORKER_MB)  # fmt: skip
    public = [n for n in counts["100x"] if n not in ("hello", "admin_claims", "advisor_submit")]
    worst = max(max(counts[s][n].values()) for s in counts for n in public)
    target(f"public pages' queries, worst at either scale: {worst} (target ≤ {PAGE_QUERIES})",
           worst <= PAGE_QUERIES)  # fmt: skip
    worst = max(max(counts[s]["advisor_submit"].values()) for s in counts)
    target(f"advisor submit's queries, worst at either scale: {worst} (target ≤ "
           f"{SUBMIT_QUERIES})", worst <= SUBMIT_QUERIES)  # fmt: skip
    admin = counts["100x"]["admin_claims"]["cold"]
    target(f"admin claims changelist at 100x: {admin} queries (target ≤ 10)", admin <= 10)
    bad = {k: v for k, v in soak_result["statuses"].items() if k in ("4xx", "5xx")}
    errors = soak_result["socket_errors"]
    target(
        f"soak: statuses ≥ 400: {bad or 'none'}, socket errors: {errors}",
        not bad and errors == "none",
    )
    if "1000x" in inproc:
        pages_ms = {n: r["max"] for n, r in inproc["1000x"].items() if n != "advisor_submit"}
        worst = max(pages_ms, key=pages_ms.get)
        target(
            f"1000x, in-process, slowest page miss ({worst}): {pages_ms[worst]:.0f} ms "
            f"(target ≤ {GROWTH_PAGE_MS} ms)",
            pages_ms[worst] <= GROWTH_PAGE_MS,
        )
        if "advisor_submit" in inproc["1000x"]:
            submit = inproc["1000x"]["advisor_submit"]["max"]
            target(f"1000x advisor submit: {submit:.0f} ms (target ≤ {GROWTH_ADVISOR_MS} ms)",
                   submit <= GROWTH_ADVISOR_MS)  # fmt: skip
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text(text)
    print(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--soak", type=int, default=60, help="seconds of the mixed soak at 100x")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--growth", action="store_true", help="also time 1000x in-process")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the benchmark databases an earlier run built instead of building them again",
    )
    args = parser.parse_args()
    ensure_tools()
    log("collectstatic")
    manage(env_for("unused"), "collectstatic", "--noinput", "-v0")
    runs = {k: {} for k in ("hits", "misses", "counts", "memory", "in_process")}
    for scale_name, scale in SCALES.items():
        database = f"stackwise_bench_{scale_name}"
        requests, results, counts, body, cookie, gunicorn = measure(
            scale_name, scale, args.duration, args.connections, args.reuse
        )
        try:
            runs["hits"][scale_name], runs["counts"][scale_name] = results, counts
            if scale:
                runs["soak"] = soak(requests, body, cookie, args.soak, args.connections)
                runs["soak"]["duration"] = args.soak
        finally:
            gunicorn.terminate()
            gunicorn.wait()
        env = env_for(database)
        for cache in MISS_CACHES:
            runs["misses"].setdefault(cache, {})[scale_name], memory = measure_misses(
                scale_name, database, env, args.duration, args.connections, cache
            )
            runs["memory"].setdefault(cache, {})[scale_name] = memory
        log(f"{scale_name}: in-process timings")
        runs["in_process"][scale_name] = in_process(env, database, scale)
    if args.growth:
        for scale_name, scale in GROWTH.items():
            database = f"stackwise_bench_{scale_name}"
            log(f"building {database}")
            env = build_database(database, scale, args.reuse)
            log(f"{scale_name}: in-process timings")
            runs["in_process"][scale_name] = in_process(env, database, scale)
    report(runs, args.duration, args.connections)


if __name__ == "__main__":
    main()
