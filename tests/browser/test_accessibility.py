"""axe-core in headless Chromium on every public page: no critical or serious violation.

axe-core comes from npm into tests/browser/vendor/ (git-ignored; `make browser`, part of
`make test`, installs it) and is injected by WebDriver, so the pages' Content-Security-Policy is
unchanged and nothing is loaded from a CDN. All of axe's rules run, colour contrast included; the
pages are those of the starting content and the questionnaire, and one consultation's result.
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from advisor import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parent / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(results => done(JSON.stringify(results.violations)))
  .catch(error => done(JSON.stringify({error: String(error)})));
"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `make browser` to install it from npm.",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


def public_pages():
    """The starting content, the questionnaire and one consultation: every kind of public page."""
    call_command("loaddata", "starting_content", "questionnaire", verbosity=0)
    questions = services.load_questionnaire()
    answers = {f"q{q.pk}": str(q.choices[-1].pk) for q in questions}
    result = Client().post("/advisor/", answers)
    assert result.status_code == 303, result.content.decode()[:500]
    return [
        "/",
        "/frameworks/",
        "/frameworks/django/",
        "/criteria/",
        "/criteria/orm/",
        "/compare/",
        "/compare/?frameworks=django,flask",
        "/claims/",
        "/claims/?ordering=-score&page=2",
        "/advisor/",
        result["Location"],
        "/no-such-page/",
    ]


def describe(violation):
    nodes = "; ".join(
        f"{' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1].strip()}"
        for node in violation["nodes"][:5]
    )
    return f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): {nodes}"


def test_no_public_page_has_a_serious_accessibility_violation(open_browser, axe_source):
    pages = public_pages()
    browser = open_browser("accessibility")
    browser.driver.set_script_timeout(60)
    found = {}
    for path in pages:
        browser.open(path)
        browser.driver.execute_script(axe_source)
        violations = json.loads(browser.driver.execute_async_script(RUN_AXE))
        assert not isinstance(violations, dict), f"axe-core failed on {path}: {violations}"
        blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
        if blocking:
            found[path] = blocking
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.items())
