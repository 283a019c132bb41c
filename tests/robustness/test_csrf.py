"""CSRF protection on every state-changing request, with the test client enforcing it.

Every URL of the site (the admin's enumerated from admin.site.get_urls(), the public pages from
the URLconf) refuses POST, PUT, PATCH and DELETE without a valid token, whoever sends them, with
the site's "form could not be checked" page and without changing a row; the same form posted with
the token from its page gets past the check. A token from another browser, or a post over HTTPS
from another origin, is refused too.
"""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from advisor.models import Consultation, Question
from comparisons.models import Claim, Framework, Source
from tests.robustness.conftest import admin_routes, as_post, form_data, page_urls, snapshot

pytestmark = pytest.mark.django_db

UNSAFE_METHODS = ("post", "put", "patch", "delete")
CSRF_PAGE = "The form could not be checked"  # templates/403_csrf.html
TOKEN = "csrfmiddlewaretoken"
PASSWORDS = {"superuser": "boss-pass-123", "editor": "editor-pass-123"}


def public_urls(world):
    """A URL for every pattern of the URLconf outside the admin, its arguments filled in."""
    # Any value the pattern accepts will do: the check comes before the view.
    values = {
        "SlugConverter": world["objects"][Framework].slug,
        "UUIDConverter": world["objects"][Consultation].pk,
        "IntConverter": world["objects"][Claim].pk,  # a claim's report page
    }
    urls = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name in ("admin", "api"):  # the API: see the exemption test below
                continue
            for pattern in entry.url_patterns:
                assert not isinstance(pattern, URLResolver), "nested includes: walk them too"
                converters = pattern.pattern.converters
                unknown = {type(c).__name__ for c in converters.values()} - set(values)
                assert not unknown, f"say what to put in a {unknown} of {pattern.name}"
                kwargs = {name: values[type(c).__name__] for name, c in converters.items()}
                urls.append(reverse(f"{entry.namespace}:{pattern.name}", kwargs=kwargs))
        else:
            urls.append(reverse(entry.name))
    return urls


def site_urls(world):
    urls = [url for route in admin_routes() for url, _ in page_urls(route, world)]
    return list(dict.fromkeys(urls + public_urls(world)))


def enforcing_client(world, role):
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def body_without_token(client, url, role):
    """The page's own form (a real submission, were it not for the token), without the token.

    The GET also gives the client its CSRF cookie, as a browser would have.
    """
    response = client.get(url)
    data = [(name, value) for name, value in form_data(response) if name != TOKEN]
    if url == reverse("admin:login"):
        data = [("username", "boss"), ("password", PASSWORDS["superuser"])]
    return as_post(data)


@pytest.mark.parametrize("role", ["anonymous", "editor", "superuser"])
def test_no_unsafe_request_gets_through_without_a_token(world, role, robustness_report):
    """Each URL: its form posted without the token, and bare PUT, PATCH and DELETE."""
    client = enforcing_client(world, role)
    before = snapshot()
    consultations = Consultation.objects.count()
    problems = []
    for url in site_urls(world):
        body = body_without_token(client, url, role)
        for method in UNSAFE_METHODS:
            response = (
                getattr(client, method)(url, body)
                if method == "post"
                else (getattr(client, method)(url))
            )
            if response.status_code != 403 or CSRF_PAGE not in response.content.decode():
                problems.append(f"{method.upper()} {url}: {response.status_code}")
        robustness_report["URL × role pairs: CSRF refusals (POST, PUT, PATCH, DELETE)"] += 1
    assert not problems, "\n".join(problems)
    assert snapshot() == before
    assert Consultation.objects.count() == consultations


@pytest.mark.parametrize("route", admin_routes(), ids=lambda route: f"{route.id}:{route.pattern}")
def test_every_admin_form_gets_past_the_check_with_the_token_from_its_page(
    world, route, robustness_report
):
    """Whether the post then succeeds is for the other tests: here, that the check lets it in."""
    client = enforcing_client(world, "superuser")
    for url, _ in page_urls(route, world):
        response = client.get(url)
        data = form_data(response) if response.status_code == 200 else []
        if any(name == TOKEN for name, _ in data):  # the page has a form
            response = client.post(url, as_post(data))
            # (A read-only consultation is a 403 too, but the permission's, not the CSRF page.)
            assert CSRF_PAGE not in response.content.decode(), url
            robustness_report["URL × role pairs: CSRF, admin forms posted with their token"] += 1


def test_the_questionnaire_works_with_the_token_from_its_page(world):
    client = Client(enforce_csrf_checks=True)
    data = form_data(client.get("/advisor/"))
    question = Question.objects.get()
    data.append((f"q{question.pk}", str(question.options.get().pk)))
    response = client.post("/advisor/", as_post(data))
    assert response.status_code == 303
    assert Consultation.objects.count() == 2


def test_an_editor_signs_in_and_adds_a_source_with_the_tokens_from_the_pages(world):
    client = Client(enforce_csrf_checks=True)
    login = reverse("admin:login")
    data = dict(form_data(client.get(login)))
    data.update(username="editor", password=PASSWORDS["editor"])
    assert client.post(login, data).status_code == 302
    add = reverse("admin:comparisons_source_add")
    data = dict(form_data(client.get(add)))  # a new token: signing in rotates it
    data.update(title="Signed-in source", url="https://example.org/new")
    assert client.post(add, data).status_code == 302
    assert Source.objects.filter(title="Signed-in source").exists()


def test_a_token_from_another_browser_is_refused(world):
    theirs, mine = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    their_form = dict(form_data(theirs.get("/advisor/")))
    mine.get("/advisor/")  # my own cookie, with their token in the form
    question = Question.objects.get()
    their_form[f"q{question.pk}"] = str(question.options.get().pk)
    response = mine.post("/advisor/", their_form)
    assert response.status_code == 403
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 403),  # over HTTPS, a post says where it comes from
        ({"HTTP_ORIGIN": "https://evil.example"}, 403),
        ({"HTTP_REFERER": "https://evil.example/advisor/"}, 403),
        ({"HTTP_ORIGIN": "http://testserver"}, 403),  # same host, but not over HTTPS
        ({"HTTP_ORIGIN": "https://testserver"}, 303),
        ({"HTTP_REFERER": "https://testserver/advisor/"}, 303),
    ],
)
def test_over_https_a_post_from_another_origin_is_refused(world, headers, status):
    client = Client(enforce_csrf_checks=True)
    data = dict(form_data(client.get("/advisor/", secure=True)))
    question = Question.objects.get()
    data[f"q{question.pk}"] = str(question.options.get().pk)
    response = client.post("/advisor/", data, secure=True, **headers)
    assert response.status_code == status
    assert Consultation.objects.count() == (2 if status == 303 else 1)


def test_no_view_of_the_site_is_exempt_from_the_check():
    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                # The read-only API reads no cookie or session and saves nothing, so DRF's CSRF
                # exemption is safe there (tests/api checks a signed-in editor is anonymous).
                if entry.app_name != "api":
                    yield from walk(entry.url_patterns)
            else:
                yield entry

    exempt = [
        str(pattern.pattern)
        for pattern in walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "csrf_exempt", False)
    ]
    assert exempt == []
