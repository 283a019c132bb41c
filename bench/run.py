"""The benchmark: every public page against Django's own floor, at 1x and 100x the content.

    .venv/bin/python bench/run.py [--duration 10] [--soak 60] [--connections 50]

In one run, on this machine: makes sure PostgreSQL answers, builds two databases (the starting
content, and the starting content plus `generate_demo_data --scale 100`), starts gunicorn with two
workers in production mode, and measures with wrk each page's requests/second and p50/p99 latency
next to a bare Django "hello" view served by the same gunicorn. It counts each page's SQL queries
(cold and warm cache), runs a soak of every page at once, prints a table and writes
bench/results.md. Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import platform
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
LATENCY_CONNECTIONS = 2  # one request in flight per gunicorn worker
TARGETS = {"compare": {"1x": 0.50, "100x": 0.45}, "claims": {"1x": 0.50, "100x": 0.45}}


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
        **extra,
    }


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def build_database(name, scale):
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
    manage(
        env,
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('ANALYZE')",
    )
    return env


def pages(scale):
    """What is measured at each scale: name -> request."""
    if scale:
        compare = ",".join(f"demo-framework-{i:04d}" for i in range(5))
        claims = "/claims/?criterion=demo-criterion-001&score_min=1"
        export = "/claims/?framework=demo-framework-0001&framework=demo-framework-0002&format=csv"
    else:
        compare = "flask,django"
        claims = "/claims/?criterion=learning-curve&score_min=-2"
        export = "/claims/?format=csv"
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


def measure(scale_name, scale, duration, connections):
    database = f"stackwise_bench_{scale_name}"
    log(f"building {database}")
    env = build_database(database, scale)
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
        f"Python {platform.python_version()}, PostgreSQL {pg}, gunicorn 2 sync workers, "
        "local-memory cache"
    )


def report(all_results, all_counts, soak_result, duration, connections):
    lines = [
        "# Benchmark results",
        "",
        f"{datetime.date.today().isoformat()} · {machine()}",
        "",
        f"`bench/run.py`: wrk, 2 threads, {connections} connections, {duration} s per page; "
        "throughput relative to a bare Django view (`hello`) served by the same gunicorn in the "
        "same run. Queries: SQL queries per request with a cold cache / a warm cache.",
        "",
        "| page | scale | req/s | × hello | p50 ms | p99 ms | statuses | queries cold/warm |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for scale_name, results in all_results.items():
        hello = results["hello"]["rps"]
        counts = all_counts[scale_name]
        for name in list(results) + ["admin_claims"]:
            c = counts.get(name.removesuffix("_latency"), {})
            queries = f"{c['cold']}/{c['warm']}" if c else "–"
            if name not in results:
                lines.append(f"| {name} | {scale_name} | – | – | – | – | – | {queries} |")
                continue
            r = results[name]
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
            lines.append(
                f"| {name} | {scale_name} | {r['rps']:.0f} | {r['rps'] / hello:.0%} | "
                f"{r['p50']:.1f} | {r['p99']:.1f} | {statuses} | {queries} |"
            )
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(soak_result["statuses"].items()))
    lines += [
        "",
        f"Soak at 100x: every page above in turn, {soak_result['duration']} s at {connections} "
        f"connections: {soak_result['rps']:.0f} req/s, p99 {soak_result['p99']:.1f} ms, "
        f"statuses {statuses}, socket errors: {soak_result['socket_errors']}.",
        "",
        "## Targets",
        "",
    ]

    def target(label, ok):
        lines.append(f"- {label}: {'met' if ok else 'MISSED'}")

    for name, targets in TARGETS.items():
        for scale_name, goal in targets.items():
            ratio = all_results[scale_name][name]["rps"] / all_results[scale_name]["hello"]["rps"]
            target(
                f"{name} at {scale_name}: {ratio:.0%} of hello (target ≥ {goal:.0%})", ratio >= goal
            )
    p99 = all_results["100x"]["advisor_submit_latency"]["p99"]
    target(
        f"advisor submit p99 at 100x, {LATENCY_CONNECTIONS} connections: {p99:.1f} ms "
        "(target ≤ 50 ms)",
        p99 <= 50,
    )
    public = [n for n in all_counts["100x"] if n not in ("hello", "admin_claims")]
    worst = max(max(all_counts[s][n].values()) for s in all_counts for n in public)
    target(f"public pages' queries, worst at either scale: {worst} (target ≤ 8)", worst <= 8)
    admin = all_counts["100x"]["admin_claims"]["cold"]
    target(f"admin claims changelist at 100x: {admin} queries (target ≤ 10)", admin <= 10)
    bad = {k: v for k, v in soak_result["statuses"].items() if k in ("4xx", "5xx")}
    errors = soak_result["socket_errors"]
    target(
        f"soak: statuses ≥ 400: {bad or 'none'}, socket errors: {errors}",
        not bad and errors == "none",
    )
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text(text)
    print(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--soak", type=int, default=60, help="seconds of the mixed soak at 100x")
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    ensure_tools()
    log("collectstatic")
    manage(env_for("unused"), "collectstatic", "--noinput", "-v0")
    all_results, all_counts = {}, {}
    for scale_name, scale in SCALES.items():
        requests, results, counts, body, cookie, gunicorn = measure(
            scale_name, scale, args.duration, args.connections
        )
        try:
            all_results[scale_name], all_counts[scale_name] = results, counts
            if scale:
                soak_result = soak(requests, body, cookie, args.soak, args.connections)
                soak_result["duration"] = args.soak
        finally:
            gunicorn.terminate()
            gunicorn.wait()
    report(all_results, all_counts, soak_result, args.duration, args.connections)


if __name__ == "__main__":
    main()
