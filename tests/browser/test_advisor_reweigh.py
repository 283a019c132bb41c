"""Re-weighing a result in headless Chromium: sliders moved by keyboard, with the page's script
(the ranking, the chart and the reasons update while they move, and the address follows) and
without any script (the GET form); both give the ranking the engine gives, with no serious
accessibility violation and no Content-Security-Policy violation.
"""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from advisor import services
from advisor.models import Consultation
from comparisons.models import Framework
from tests.advisor.conftest import FRAMEWORK_FIXTURES
from tests.advisor.test_reweigh import ASYNC_MUST
from tests.advisor.test_views import LARGE_TEAM_APP, form_data
from tests.browser.test_accessibility import AXE, BLOCKING, RUN_AXE, describe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# An API, not pages: no admin, ORM, accounts, templates or forms; typed validation and a schema.
DOWN = ["admin-panel", "orm", "authentication", "templating", "forms-validation"]
UP = ["openapi", "data-validation"]


def a_consultation():
    call_command("loaddata", "starting_content", *FRAMEWORK_FIXTURES, "questionnaire", "must_haves")
    response = Client().post("/advisor/", form_data([*LARGE_TEAM_APP, ASYNC_MUST]))
    assert response.status_code == 303, response.content.decode()[:500]
    return Consultation.objects.get()


def ranking(browser):
    rows = browser.find_all("#result svg.chart g.chart-row")
    return [row.get_attribute("data-framework") for row in rows]


def focus_by_tab(browser, element_id):
    """Tab from the element before `element_id` in the form, as a keyboard user does."""
    element = browser.find(f"#{element_id}")
    browser.driver.execute_script(
        "const all = [...document.querySelectorAll('#reweigh-form input:not([type=hidden])')];"
        "const i = all.indexOf(arguments[0]); (i ? all[i - 1] : all[0]).focus();",
        element,
    )
    if browser.driver.switch_to.active_element != element:
        browser.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.driver.switch_to.active_element == element, element_id
    return element


def press(browser, *keys):
    browser.driver.switch_to.active_element.send_keys(*keys)


def set_by_keyboard(browser):
    """Every slider of DOWN to 0 (Home), of UP to 20 (End), and the must-have unticked."""
    for slug in DOWN:
        focus_by_tab(browser, f"w-{slug}")
        press(browser, Keys.HOME)
    for slug in UP:
        focus_by_tab(browser, f"w-{slug}")
        press(browser, Keys.END)
    # Performance: from its value, three steps up with the arrow keys.
    slider = focus_by_tab(browser, "w-performance")
    start = int(slider.get_attribute("value"))
    press(browser, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    must = focus_by_tab(browser, "must-async-support")
    assert must.is_selected()
    press(browser, Keys.SPACE)
    assert not must.is_selected()
    return start + 3


def axe_violations(browser):
    browser.driver.set_script_timeout(60)
    browser.driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = json.loads(browser.driver.execute_async_script(RUN_AXE))
    assert not isinstance(violations, dict), violations
    return [describe(v) for v in violations if v["impact"] in BLOCKING]


def test_keyboard_sliders_update_the_page_as_they_move_and_rank_as_the_form_without_scripts(
    open_browser,
):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `make browser`.", pytrace=False)
    consultation = a_consultation()
    url = consultation.get_absolute_url()
    weights = dict(consultation.weights)
    before = [s.framework for s in consultation.snapshot.recommendation.ranking]

    browser = open_browser("reweigh-scripted")
    browser.open_public(url)
    assert ranking(browser) == before
    # Labelled sliders with their values in view.
    label = browser.visible("label[for=w-performance]")
    assert label.text == "Speed and Performance"
    value = browser.visible("#w-performance-value")
    assert value.text == str(weights["performance"])
    assert browser.visible("#w-performance-note").text == (
        f"as in your answers ({weights['performance']})"
    )

    performance = set_by_keyboard(browser)
    assert browser.text("#w-performance-value") == str(performance)
    assert browser.text("#w-performance-note") == f"your answers: {weights['performance']} (+3)"
    # The page follows: the form's current values are the ones applied, and the address too.
    form = browser.find("#reweigh-form")
    browser.wait.until(
        lambda d: (
            form.get_attribute("data-applied")
            == d.execute_script(
                "return new URLSearchParams(new FormData(arguments[0])).toString();", form
            )
        )
    )
    scripted = ranking(browser)
    query = dict(parse_qsl(urlsplit(browser.driver.current_url).query))
    assert query["w-performance"] == str(performance) and "must" not in query
    assert all(query[f"w-{slug}"] == "0" for slug in DOWN)

    # The engine says the same, for the same weights and no must-have...
    new_weights = {**weights, **dict.fromkeys(DOWN, 0), **dict.fromkeys(UP, 20)}
    new_weights["performance"] = performance
    expected = services.recommend(new_weights)
    assert scripted == [s.framework for s in expected.ranking] != before
    # ...and the chart, the answer and the reasons were updated.
    winner = Framework.objects.get(slug=expected.winner).name
    assert winner in browser.text("#result-heading")
    assert browser.text("#why-heading") == f"Why {winner}"
    differences = browser.text("#weight-differences")
    assert f"Speed and Performance: {performance} instead of {weights['performance']}" in (
        differences
    )
    assert "Must support async" in browser.text("#reweighed-notice")
    assert browser.find("#reweigh-status").get_attribute("textContent").startswith("Updated:")
    browser.check_public_page()
    assert axe_violations(browser) == []

    # The shared address shows the same page to someone else.
    shared = browser.path()
    friend = open_browser("reweigh-shared")
    friend.open_public(shared)
    assert ranking(friend) == scripted

    # Without any script: the same keys, then the form's button.
    plain = open_browser("reweigh-no-script")
    plain.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    plain.open(url)
    assert ranking(plain) == before
    assert set_by_keyboard(plain) == performance
    assert ranking(plain) == before, "without scripts nothing moves until the form is sent"
    button = plain.find("#reweigh-form button[type=submit]")
    button.send_keys(Keys.ENTER)
    plain.wait.until(lambda d: "reweigh=1" in d.current_url)
    plain.find("#reweighed-notice")
    assert ranking(plain) == scripted
    assert dict(parse_qsl(urlsplit(plain.driver.current_url).query)) == query
    assert plain.driver.find_elements(By.CSS_SELECTOR, "#why-heading")[0].text == f"Why {winner}"
    assert Consultation.objects.count() == 1
    consultation.refresh_from_db()
    assert consultation.weights == weights  # the saved answers' weights never change
