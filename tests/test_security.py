"""Fail-closed settings, escaped editor text, and the small holes of issue 11, each shut."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from advisor.models import Option, OptionWeight, Question
from config.clients import client_address
from tests.factories import make_criterion

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "stackwise.example.com",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "k3Zq8Rw1" * 6,
}


def run_django(args, **env):
    """`manage.py args` in a fresh process, with the given variables (None removes one)."""
    environment = {**os.environ, **PRODUCTION, **env}
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(expression, **env):
    result = run_django(
        ["shell", "-c", f"from django.conf import settings; print({expression})"], **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's own banner


# --- secrets --------------------------------------------------------------------------------


def test_production_without_a_secret_key_refuses_to_start():
    result = run_django(["check"], DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_secret_key_is_no_key(value):
    result = run_django(["check"], DJANGO_SECRET_KEY=value)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_old_escape_hatch_is_gone():
    result = run_django(["check"], DJANGO_SECRET_KEY=None, DJANGO_ALLOW_INSECURE_KEY="1")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_without_a_key_gets_a_random_one_never_a_constant():
    keys = {setting("settings.SECRET_KEY", DJANGO_DEBUG="1", DJANGO_SECRET_KEY=None)}
    keys.add(setting("settings.SECRET_KEY", DJANGO_DEBUG="1", DJANGO_SECRET_KEY=None))
    assert len(keys) == 2 and all(len(key) >= 50 for key in keys)


def test_old_keys_for_rotation_come_from_secret_key_fallbacks():
    fallbacks = setting("settings.SECRET_KEY_FALLBACKS", DJANGO_SECRET_KEY_FALLBACKS="old-1, old-2")
    assert fallbacks == "['old-1', 'old-2']"
    assert setting("settings.SECRET_KEY_FALLBACKS", DJANGO_SECRET_KEY_FALLBACKS=None) == "[]"


def test_make_run_keeps_a_generated_key_outside_the_repository(tmp_path):
    state = tmp_path / "state"
    result = subprocess.run(
        ["make", "-s", f"STATE_DIR={state}", f"{state}/secret_key"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    key_file = state / "secret_key"
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    again = subprocess.run(
        ["make", "-s", f"STATE_DIR={state}", f"{state}/secret_key"], cwd=ROOT, timeout=60
    )
    assert again.returncode == 0 and key_file.read_text().strip() == key  # kept, not remade


# --- other production settings ---------------------------------------------------------------


def test_hsts_preload_is_opt_in():
    assert setting("settings.SECURE_HSTS_PRELOAD") == "False"
    assert setting("settings.SECURE_HSTS_PRELOAD", DJANGO_HSTS_PRELOAD="1") == "True"


def test_deploy_check_is_clean_with_preload_chosen_too():
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], DJANGO_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_environment_variable_read_is_in_the_readme_table():
    sources = (ROOT / "config" / "settings.py").read_text() + (ROOT / "config/urls.py").read_text()
    pattern = r"""(?:environ\.get|environ\[|env_bool|env_list)\(?\s*["']([A-Z_]+)["']"""
    read = set(re.findall(pattern, sources)) | {"DATABASE_URL"}  # dj_database_url reads it
    assert {"DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FALLBACKS", "DJANGO_BEHIND_PROXY"} <= read
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)`", table, re.M)) | set(
        re.findall(r"`([A-Z_]+)`", table)
    )
    assert read - listed == set()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
def test_healthz_allows_get_and_head_only(client, method):
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200
    response = getattr(client, method)("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_a_sign_in_with_a_refused_next_lands_on_the_admin_index(client, settings, next_url):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_user("ada", password="a-long-passphrase", is_staff=True)
    response = client.post(
        "/admin/login/", {"username": "ada", "password": "a-long-passphrase", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_editor_sessions_expire_after_a_working_day(client, settings):
    user = User.objects.create_user("ada", is_staff=True)
    client.force_login(user)
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_file_parts_are_limited_and_refused_with_a_400(client, loaded):
    files = {f"f{n}": SimpleUploadedFile(f"{n}.txt", b"x") for n in range(11)}
    client.raise_request_exception = False
    assert client.post("/advisor/", files).status_code == 400


# --- the client's address -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.1", "192.0.2.1"),  # no proxy: the header is the client's
        (1, "127.0.0.1", "10.0.0.1, 192.0.2.1", "192.0.2.1"),  # the hop our proxy wrote
        (2, "127.0.0.1", "10.0.0.1, 192.0.2.1, 198.51.100.1", "192.0.2.1"),
        (1, "127.0.0.1", "", "127.0.0.1"),  # nothing forwarded: the peer
        (1, "127.0.0.1", "not-an-address", "0.0.0.0"),
        (0, "", "", "0.0.0.0"),  # a unix socket without a proxy
        (1, "", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


# --- editor text is text ---------------------------------------------------------------------

REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'


@pytest.mark.django_db
def test_editor_text_on_the_questionnaire_is_escaped(client):
    question = Question.objects.create(text="<b>Bold</b> question?", help_text=REFRESH, order=1)
    option = Option.objects.create(question=question, label="<i>Yes</i> & more", order=1)
    OptionWeight.objects.create(option=option, criterion=make_criterion(), change=1)
    optional = Question.objects.create(
        text="<u>Optional</u>?", kind=Question.Kind.MULTIPLE, is_required=False, order=2
    )
    other = Option.objects.create(question=optional, label="Other", order=1)
    OptionWeight.objects.create(option=other, criterion=make_criterion(), change=1)

    html = client.get("/advisor/").content.decode()
    assert "<meta http-equiv" not in html
    assert (
        "&lt;meta http-equiv=&quot;refresh&quot; content=&quot;0;url=https://evil.example/&quot;&gt;"
        in html
    )
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; question?" in html
    assert "<i>Yes</i>" not in html and "&lt;i&gt;Yes&lt;/i&gt; &amp; more" in html
    assert "<u>Optional</u>" not in html and "&lt;u&gt;Optional&lt;/u&gt;?" in html
    # The site's own markup around them still renders.
    assert "Required: pick one." in html and 'class="badge' in html
