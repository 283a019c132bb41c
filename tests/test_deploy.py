"""deploy/nginx.conf, run for real: Debian's nginx on loopback ports in front of an upstream.

The file is used as it is; only its addresses, certificate and static paths are replaced (each
replacement must match exactly once, so a change to the file that this test no longer covers
fails here). The upstream is a small server that answers with what it received, to see exactly
what nginx forwards, or the live Django app. nginx comes from `make nginx` (part of `make test`);
without it these tests fail and say so, unless STACKWISE_SKIP_NGINX=1 asks to skip them.
"""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from config.clients import client_address

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.nginx


@pytest.fixture(scope="module")
def nginx_binary():
    if os.environ.get("STACKWISE_SKIP_NGINX") == "1":
        pytest.skip("STACKWISE_SKIP_NGINX=1: the nginx configuration tests are skipped.")
    if not os.access(NGINX, os.X_OK) or not shutil.which("openssl"):
        pytest.fail(
            "The nginx configuration tests need Debian's nginx and openssl: run `make nginx` "
            "(as root), or set STACKWISE_SKIP_NGINX=1 to skip them on purpose.",
            pytrace=False,
        )
    return NGINX


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Echo(BaseHTTPRequestHandler):
    """Answers every request with the headers and body length it received, as JSON."""

    received = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = {"method": self.command, "path": self.path, "headers": dict(self.headers)}
        seen["body_length"] = len(body)
        Echo.received.append(seen)
        payload = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo_upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def replace_once(text, old, new):
    assert text.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}"
    return text.replace(old, new)


def run_nginx(binary, folder, upstream_port):
    """Start nginx with deploy/nginx.conf in `folder`; returns (process, http port, https port)."""
    folder.chmod(0o755)
    static = folder / "static"
    static.mkdir()
    (static / "site.css").write_text("body { color: #212529; }\n")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(folder / "key.pem"),
         "-out", str(folder / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    http_port, https_port = free_port(), free_port()
    site = CONFIG.read_text()
    site = replace_once(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = replace_once(site, "listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = replace_once(site, "/etc/ssl/certs/stackwise.pem", str(folder / "cert.pem"))
    site = replace_once(site, "/etc/ssl/private/stackwise.key", str(folder / "key.pem"))
    site = replace_once(site, "/srv/stackwise/staticfiles/", f"{static}/")
    (folder / "stackwise.conf").write_text(site)
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    main = f"""
{"user root root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {folder}/stackwise.conf;
}}
"""
    (folder / "nginx.conf").write_text(main)
    test = subprocess.run(
        [binary, "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
        capture_output=True,
        text=True,
    )
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen(
        [binary, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", https_port)) == 0:
                return process, http_port, https_port
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.05)
    process.kill()
    pytest.fail("nginx did not start listening within 10 s")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def nginx(nginx_binary, echo_upstream, tmp_path_factory):
    process, http_port, https_port = run_nginx(
        nginx_binary, tmp_path_factory.mktemp("nginx"), echo_upstream
    )
    yield http_port, https_port
    stop(process)


def https(port, method, path, body=None, headers=None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_proxy_overwrites_forwarded_proto_and_appends_the_client_address(nginx):
    _, https_port = nginx
    forged = {
        "X-Forwarded-Proto": "http",
        "X-Forwarded-For": "203.0.113.66",
        "X-Forwarded-Host": "evil.example",
        "Host": "stackwise.example.com",
    }
    status, _, body = https(https_port, "GET", "/claims/", headers=forged)
    assert status == 200
    seen = json.loads(body)["headers"]
    assert seen["X-Forwarded-Proto"] == "https"
    assert seen["X-Forwarded-For"] == "203.0.113.66, 127.0.0.1"
    assert seen.get("X-Forwarded-Host", "") == ""
    assert seen["Host"] == "stackwise.example.com"
    # What the app makes of it, behind one proxy: the address nginx saw, not the forged one.
    forwarded = seen["X-Forwarded-For"]
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_address(request) == "127.0.0.1"


def test_a_big_body_is_refused_with_413_before_the_app(nginx):
    _, https_port = nginx
    before = len(Echo.received)
    status, _, _ = https(https_port, "POST", "/advisor/", body=b"x" * (2 * 1024 * 1024))
    assert status == 413
    assert len(Echo.received) == before


def test_a_body_within_the_limit_reaches_the_app_whole(nginx):
    _, https_port = nginx
    status, _, body = https(https_port, "POST", "/advisor/", body=b"q1=1&" + b"x" * 200_000)
    assert status == 200
    assert json.loads(body)["body_length"] == 200_005


def test_plain_http_is_redirected_to_https_and_never_proxied(nginx):
    http_port, _ = nginx
    before = len(Echo.received)
    connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    connection.request("GET", "/advisor/?a=1", headers={"Host": "stackwise.example.com"})
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://stackwise.example.com/advisor/?a=1"
    connection.close()
    assert len(Echo.received) == before


def test_static_files_are_served_by_nginx_with_a_long_expiry(nginx):
    _, https_port = nginx
    before = len(Echo.received)
    status, headers, body = https(https_port, "GET", "/static/site.css")
    assert status == 200 and b"color" in body
    assert "immutable" in headers["Cache-Control"]
    assert len(Echo.received) == before


def test_a_client_trickling_its_headers_is_cut_off_without_reaching_the_app(nginx):
    _, https_port = nginx
    before = len(Echo.received)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    started = time.monotonic()
    raw = socket.create_connection(("127.0.0.1", https_port), timeout=30)
    with context.wrap_socket(raw) as tls:
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        reply = tls.recv(1024)  # nothing until nginx gives up on the headers
    waited = time.monotonic() - started
    assert 9 <= waited < 20, waited
    assert reply == b"" or b"408" in reply
    assert len(Echo.received) == before


# The live server sees only committed data; the serialized rollback restores what the migrations
# made (the Editors group) for the tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_app_behind_the_proxy_answers_and_sees_https(
    nginx_binary, live_server, tmp_path, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    port = int(live_server.url.rsplit(":", 1)[1])
    process, _, https_port = run_nginx(nginx_binary, tmp_path, port)
    try:
        status, _, body = https(https_port, "GET", "/healthz", headers={"Host": "localhost"})
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, _, _ = https(https_port, "TRACE", "/healthz", headers={"Host": "localhost"})
        assert status in (405, 501)  # nginx itself refuses TRACE; the app would say 405
        status, headers, body = https(https_port, "GET", "/", headers={"Host": "localhost"})
        assert status == 200 and b"Stackwise" in body
        # Django knows the request came over HTTPS (X-Forwarded-Proto from nginx): HSTS is sent.
        assert "max-age=" in headers["Strict-Transport-Security"]
    finally:
        stop(process)
