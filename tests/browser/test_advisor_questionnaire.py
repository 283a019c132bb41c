"""Skip logic in headless Chromium: a conditional question appears and disappears as the visitor
answers (with the page's script), or is shown to everyone with a note (without scripts); its
answers count only when it is asked. No serious accessibility or CSP violation either way.
"""

import json

import pytest
from django.core.management import call_command
from selenium.webdriver.common.keys import Keys

from advisor.models import Consultation, Option, Question
from tests.advisor.test_conditional_questions import ADMIN, BASE, SERVES
from tests.advisor.test_views import ADMIN_YES, API, PAGES
from tests.browser.test_accessibility import AXE, BLOCKING, RUN_AXE, describe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def conditional_questionnaire():
    call_command("loaddata", "starting_content", "questionnaire")
    admin = Question.objects.get(text=ADMIN)
    serves = Question.objects.get(text=SERVES)
    admin.order = serves.order + 5
    admin.save()
    admin.shown_when.set(Option.objects.filter(label__in=[PAGES, "Both pages and an API"]))
    return admin


def pick(browser, label):
    """Tick an option by keyboard: focus it, then Space."""
    option = Option.objects.get(label=label)
    element = browser.find(f"input[name=q{option.question_id}][value='{option.pk}']")
    browser.driver.execute_script("arguments[0].focus();", element)
    browser.driver.switch_to.active_element.send_keys(Keys.SPACE)
    assert element.is_selected(), label


def shown(browser, question):
    return browser.find(f"[data-question='{question.pk}']").is_displayed()


def test_a_conditional_question_appears_only_after_the_answers_it_depends_on(open_browser):
    admin = conditional_questionnaire()
    browser = open_browser("skip-logic")
    browser.open_public("/advisor/")
    assert not shown(browser, admin)
    for label in BASE:
        pick(browser, label)
    pick(browser, API)
    assert not shown(browser, admin)
    pick(browser, PAGES)
    assert shown(browser, admin)
    pick(browser, ADMIN_YES)
    pick(browser, API)  # changed our mind: an API after all
    assert not shown(browser, admin)
    inputs = browser.find_all(f"input[name=q{admin.pk}]")
    assert all(not i.is_enabled() for i in inputs), "hidden answers are not sent"

    browser.driver.set_script_timeout(60)
    browser.driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = json.loads(browser.driver.execute_async_script(RUN_AXE))
    assert [describe(v) for v in violations if v["impact"] in BLOCKING] == []

    browser.find("#questionnaire button[type=submit]").send_keys(Keys.ENTER)
    browser.wait_for_path_under("/advisor/r/")
    browser.check_public_page()
    (answer,) = [a for a in Consultation.objects.get().answers if a["question"] == admin.pk]
    assert answer["skipped"] and answer["options"] == []


def test_without_scripts_every_question_is_shown_with_a_note(open_browser):
    admin = conditional_questionnaire()
    browser = open_browser("skip-logic-no-script")
    browser.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.open("/advisor/")
    assert shown(browser, admin)
    note = browser.find(f"[data-question='{admin.pk}']").text
    assert f"Only if you answered “{PAGES}”" in note
    for label in [*BASE, API, ADMIN_YES]:  # answered, though it should not have been asked
        pick(browser, label)
    browser.find("#questionnaire button[type=submit]").send_keys(Keys.ENTER)
    browser.wait_for_path_under("/advisor/r/")
    consultation = Consultation.objects.get()
    (answer,) = [a for a in consultation.answers if a["question"] == admin.pk]
    assert answer["skipped"] and answer["options"] == []
    assert "Not asked" in browser.driver.page_source
