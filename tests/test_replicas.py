"""A read replica (DATABASE_REPLICA_URL) against a real one: a second local PostgreSQL cluster
streaming from a throwaway primary, both made here with initdb and pg_basebackup (as the
postgres user when run as root). Visitors' pages read the replica; the version, writes and the
admin use the primary; while the replica lags, pages read the primary, so an editor's change is
seen at once and nothing stale is cached under the new version.

Runs on the PostgreSQL pass of the suite (DATABASE_URL set), where PostgreSQL's programs are.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(settings.BASE_DIR)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the PostgreSQL pass runs it",
    ),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*command):
    """Run a PostgreSQL program, as the postgres user when we are root (it refuses root)."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def primary_and_replica():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL's programs are not in {PG_BIN} (set PG_BIN)")
    work = Path(tempfile.mkdtemp(prefix="stackwise-replica-"))
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
    primary, replica = work / "primary", work / "replica"
    ports = free_port(), free_port()
    started = []

    def start(data, port):
        options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1"
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", f"{data}.log", "-w",
                    "-o", options, "start")  # fmt: skip
        started.append(data)

    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres")
        start(primary, ports[0])
        url = f"postgres://postgres@127.0.0.1:{ports[0]}/stackwise"
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
        env.pop("DATABASE_REPLICA_URL", None)
        as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(ports[0]),
                    "-U", "postgres", "stackwise")  # fmt: skip
        for command in (("migrate", "-v0"), ("load_starting_content", "-v0")):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports[0]),
                    "-U", "postgres", "-D", str(replica), "-R", "-X", "stream",
                    "--checkpoint=fast")  # fmt: skip
        start(replica, ports[1])
        yield {
            **env,
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{ports[1]}/stackwise",
            "DJANGO_ALLOWED_HOSTS": "testserver",
        }
    finally:
        for data in reversed(started):
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def observed(primary_and_replica):
    probe = subprocess.run(
        [sys.executable, "-m", "tests.replica_probe"],
        cwd=ROOT,
        env=primary_and_replica,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(probe.stdout.strip().splitlines()[-1])


def knowledge_reads(queries):
    return [sql for sql in queries if "comparisons_claim" in sql]


def test_visitors_pages_read_the_replica_and_the_version_from_the_primary(observed):
    assert observed["in_step"]
    before = observed["before"]
    assert before["status"] == 200
    assert knowledge_reads(before["replica"]), "the claims come from the replica"
    assert not knowledge_reads(before["primary"])
    assert any("comparisons_knowledgeversion" in sql for sql in before["primary"])


def test_an_editors_change_is_seen_at_once_while_the_replica_lags(observed):
    lagging = observed["lagging"]
    assert lagging["status"] == 200
    assert "Changed by an editor just now" in lagging["html"]
    assert knowledge_reads(lagging["primary"]), "a lagging replica is not read"
    assert not knowledge_reads(lagging["replica"])


def test_the_replica_is_read_again_once_it_has_caught_up(observed):
    assert observed["caught_up"]
    after = observed["after"]
    assert "Changed by an editor just now" in after["html"]
    assert knowledge_reads(after["replica"])
    assert not knowledge_reads(after["primary"])


def test_a_write_path_still_works_on_the_primary(observed):
    assert observed["submit"] in (200, 302, 400)  # answered, not a 500 from a read-only replica
