"""Shared pieces of the API's tests: JSON and problem readers, and a high rate limit.

Every test starts with an empty cache (tests/conftest.py), so the rate-limit counts start at zero;
the limits themselves are raised here so that only the tests about them meet them.
"""

import json
from collections import Counter

import pytest

PROBLEM = "application/problem+json"
FUZZ_REPORT = pytest.StashKey[Counter]()


@pytest.fixture
def api_fuzz_report(request):
    """A Counter of the schemathesis cases run, shown in the terminal summary (as the robustness
    suite shows its own)."""
    return request.config.stash.setdefault(FUZZ_REPORT, Counter())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(FUZZ_REPORT, None)
    if not counts:
        return
    terminalreporter.section("api schemathesis fuzz")
    for name, n in sorted(counts.items()):
        terminalreporter.write_line(f"{name}: {n:,}")


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/m", "scoring": "100000/m"},
    }


def body(response, status=200):
    """The JSON body of `response`, which must have `status`."""
    assert response.status_code == status, response.content[:2000]
    expected = "application/json" if status < 400 else PROBLEM
    assert response["Content-Type"] == expected
    return json.loads(response.content)


def problem(response, status):
    """The problem details of an error response: RFC 9457's members, consistent with the status."""
    data = body(response, status)
    assert data["type"] == "about:blank"
    assert data["status"] == status
    assert data["title"] and data["detail"]
    assert set(data) <= {"type", "title", "status", "detail", "instance", "errors", "retry_after"}
    return data


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def all_pages(client, url, params=()):
    """Every result of a list endpoint, following its `next` links."""
    results = []
    response = client.get(url, list(params))
    while True:
        page = body(response)
        results.extend(page["results"])
        if not page["next"]:
            return results
        response = client.get(page["next"])
