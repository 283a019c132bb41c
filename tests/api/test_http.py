"""HTTP around the API: validators and 304s, rate limits, CORS, bodies, the schema and its docs."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from comparisons.cache import bump_version
from comparisons.models import KnowledgeVersion
from tests.api.conftest import PROBLEM, post_json, problem
from tests.factories import make_knowledge_base

pytestmark = pytest.mark.django_db

API = "/api/v1/"
GETS = [
    f"{API}",
    f"{API}frameworks/",
    f"{API}criteria/",
    f"{API}sources/",
    f"{API}claims/?ordering=-score",
]


@pytest.fixture
def kb(db):
    return make_knowledge_base(frameworks=3, criteria=4, claims_per_pair=1)


def detail_urls(kb):
    claim, source = kb["claims"][0], kb["sources"][0]
    return [
        f"{API}frameworks/{kb['frameworks'][0].slug}/",
        f"{API}criteria/{kb['criteria'][0].slug}/",
        f"{API}sources/{source.pk}/",
        f"{API}claims/{claim.pk}/",
        f"{API}compare/?frameworks={kb['frameworks'][0].slug},{kb['frameworks'][1].slug}",
    ]


# --- validators ------------------------------------------------------------------------------


def test_every_get_has_validators_and_a_matching_if_none_match_is_a_304_for_one_query(client, kb):
    for url in GETS + detail_urls(kb):
        response = client.get(url)
        assert response.status_code == 200, url
        etag, modified = response["ETag"], response["Last-Modified"]
        assert etag.startswith('"1-') and modified.endswith("GMT")
        assert "no-cache" in response["Cache-Control"]
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == etag and again["Last-Modified"] == modified
        assert len(queries) == 1, "only the knowledge version is read"
        weak = client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
        assert weak.status_code == 304
        assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304


def test_etags_differ_by_address_and_change_with_the_knowledge(client, kb):
    etags = {client.get(url)["ETag"] for url in GETS}
    assert len(etags) == len(GETS)
    before = client.get(f"{API}claims/")
    bump_version()
    after = client.get(f"{API}claims/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    version = KnowledgeVersion.objects.get(pk=1).version
    assert f"-{version}-" in after["ETag"]


def test_a_stale_if_modified_since_gets_the_body(client, kb):
    response = client.get(f"{API}claims/", HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert response.status_code == 200


def test_preconditions_do_not_hide_a_404(client, kb):
    problem(client.get(f"{API}frameworks/nope/", HTTP_IF_NONE_MATCH="*"), 404)
    current = client.get(f"{API}frameworks/")["ETag"]
    assert client.get(f"{API}frameworks/", HTTP_IF_NONE_MATCH="*").status_code == 304
    problem(client.get(f"{API}frameworks/", HTTP_IF_MATCH='"not-it"'), 412)
    assert client.get(f"{API}frameworks/", HTTP_IF_MATCH=current).status_code == 200


def test_errors_carry_no_validators(client, kb):
    response = client.get(f"{API}claims/?score_min=9")
    assert response.status_code == 400
    assert "ETag" not in response and response["Cache-Control"] == "no-store"


# --- rate limits -----------------------------------------------------------------------------


def test_anonymous_clients_are_limited_per_address_with_a_problem_saying_when(client, kb, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/m", "scoring": "1/m"},
    }
    for _ in range(3):
        assert client.get(f"{API}frameworks/").status_code == 200
    response = client.get(f"{API}claims/")
    data = problem(response, 429)
    assert 1 <= data["retry_after"] <= 60
    assert response["Retry-After"] == str(data["retry_after"])
    other = client.get(f"{API}claims/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200, "another address has its own count"
    forged = client.get(f"{API}claims/", HTTP_X_FORWARDED_FOR="192.0.2.8")
    assert forged.status_code == 429, "without a trusted proxy X-Forwarded-For is ignored"


def test_the_scoring_post_has_a_lower_limit_of_its_own(client, kb, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/m", "scoring": "2/m"},
    }
    weights = {"weights": {kb["criteria"][0].slug: 3}}
    for _ in range(2):
        assert post_json(client, f"{API}score/", weights).status_code == 200
    problem(post_json(client, f"{API}score/", weights), 429)
    assert client.get(f"{API}claims/").status_code == 200


# --- CORS ------------------------------------------------------------------------------------


def test_cors_is_off_by_default(client, kb):
    response = client.get(f"{API}claims/", HTTP_ORIGIN="https://dashboard.example")
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        f"{API}score/",
        HTTP_ORIGIN="https://dashboard.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_cors_allows_the_configured_origins_on_the_api_only(client, kb, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dashboard.example"]
    origin = {"HTTP_ORIGIN": "https://dashboard.example"}
    response = client.get(f"{API}claims/", **origin)
    assert response["Access-Control-Allow-Origin"] == "https://dashboard.example"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        f"{API}score/",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
        **origin,
    )
    assert preflight.status_code == 200
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    other = client.get(f"{API}claims/", HTTP_ORIGIN="https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in other
    page = client.get("/claims/", **origin)
    assert "Access-Control-Allow-Origin" not in page, "the site's pages are not shared"


def test_the_cors_variable_sets_the_origins():
    from tests.test_security import setting

    origins = "https://a.example, https://b.example"
    assert setting("settings.CORS_ALLOWED_ORIGINS", DJANGO_API_CORS_ORIGINS=origins) == (
        "['https://a.example', 'https://b.example']"
    )
    assert setting("settings.CORS_ALLOWED_ORIGINS") == "[]"
    assert setting("settings.CORS_ALLOW_ALL_ORIGINS", DJANGO_API_CORS_ORIGINS="*") == "True"


# --- bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("{", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"weights"', "application/json", 400),
        ('{"weights": NaN}', "application/json", 400),
        ("weights=1", "application/x-www-form-urlencoded", 415),
        ("<weights/>", "application/xml", 415),
        (b"\xff\xfe", "application/json", 400),
    ],
)
def test_bodies_that_are_not_json_objects_are_problems(client, kb, data, content_type, status):
    problem(client.post(f"{API}score/", data, content_type=content_type), status)


def test_a_body_over_the_upload_limit_is_a_413_problem(client, kb, settings):
    big = json.dumps({"weights": {f"c{i}": 1 for i in range(30_000)}})
    assert len(big) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    problem(client.post(f"{API}score/", big, content_type="application/json"), 413)


# --- schema and documentation ----------------------------------------------------------------


def test_the_schema_is_valid_openapi_3(client, db):
    from drf_spectacular.validation import validate_schema

    response = client.get(f"{API}schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    validate_schema(document)
    assert document["info"]["title"] == "Stackwise API"
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {
        "root",
        "frameworks_list",
        "frameworks_retrieve",
        "criteria_list",
        "criteria_retrieve",
        "sources_list",
        "sources_retrieve",
        "claims_list",
        "claims_retrieve",
        "compare",
        "score",
    } == operations
    yaml = client.get(f"{API}schema/")
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")


def test_the_schema_has_examples_and_problem_details(client, db):
    document = json.loads(client.get(f"{API}schema/", HTTP_ACCEPT="application/json").content)
    claims = document["paths"]["/api/v1/claims/"]["get"]
    assert claims["responses"]["200"]["content"]["application/json"]["examples"]
    assert PROBLEM in claims["responses"]["400"]["content"]
    score = document["paths"]["/api/v1/score/"]["post"]
    assert len(score["requestBody"]["content"]["application/json"]["examples"]) == 3
    parameters = {p["name"] for p in claims["parameters"]}
    from comparisons.filters import ClaimFilter

    assert set(ClaimFilter.base_filters) | {"page", "page_size", "If-None-Match"} == parameters


def test_the_docs_page_is_served_from_our_static_files_within_the_csp(client, db):
    response = client.get(f"{API}docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/api/docs.js" in html
    assert 'data-schema-url="/api/v1/schema/"' in html
    assert "<style" not in html and "style=" not in html
    assert "<script>" not in html, "no inline script"
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-eval" not in policy and "script-src" not in policy


# --- no cookies, so no CSRF ------------------------------------------------------------------


def test_the_api_uses_no_cookies_so_a_signed_in_editor_is_as_anonymous_as_anyone(
    editor, kb, settings
):
    """DRF's views are exempt from Django's CSRF check; that is sound only because the API reads
    no session (nothing signs in to it), sets no cookie, and saves nothing."""
    from django.test import Client

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/m", "scoring": "2/m"},
    }
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    weights = {"weights": {kb["criteria"][0].slug: 3}}
    response = post_json(client, f"{API}score/", weights, HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 200, "no token needed: there is nothing to forge"
    assert not response.cookies
    assert not client.get(f"{API}claims/").cookies
    problem(client.get(f"{API}claims/"), 429)  # the editor is limited like everyone else


def test_bodies_are_compressed_for_clients_that_accept_it(client, kb):
    import gzip

    plain = client.get(f"{API}claims/?page_size=100")
    packed = client.get(f"{API}claims/?page_size=100", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)
    assert packed["ETag"].removeprefix("W/") == plain["ETag"]
