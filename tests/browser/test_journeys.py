"""Three journeys through the real site in headless Chromium: an editor, a visitor, a consultant.

Each runs against the live server with committed transactions, so the page cache, its version
bumps on commit, the static files, the CSRF and session cookies and the Content-Security-Policy
are all exercised as in production. Every public page visited is checked for Bootstrap's styles
and for CSP violations in the browser console.
"""

import csv

import pytest
from django.core.management import call_command
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from advisor import presentation
from advisor.models import Consultation, Option
from comparisons.exports import COLUMN_NAMES
from comparisons.models import Citation, Claim, Criterion, Framework

pytestmark = [
    pytest.mark.browser,
    # The live server sees only committed data; the serialized rollback restores what the
    # migrations created (the Editors group) for the tests that run after these.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EDITOR_PASSWORD = "a-long-passphrase-for-the-browser"


def normalise(text):
    return " ".join(text.split())


def xpath_literal(text):
    assert '"' not in text, text
    return f'"{text}"'


def choose_autocomplete(browser, select_id, term, label):
    """Pick `label` in an admin autocomplete (select2) field as a user does: open, type, pick."""
    browser.clickable(f"#{select_id} + .select2 .select2-selection").click()
    browser.visible(".select2-container--open .select2-search__field").send_keys(term)
    option = (
        "//li[contains(@class, 'select2-results__option')]"
        f"[normalize-space() = {xpath_literal(label)}]"
    )

    def picked(driver):
        # select2 may draw its results again as the search's answer arrives (slower on a busy
        # machine): an option found just before is then gone, and is looked up again.
        try:
            found = EC.element_to_be_clickable((By.XPATH, option))(driver)
            if found:
                found.click()
        except StaleElementReferenceException:
            return False
        return bool(found)

    browser.wait.until(picked)
    browser.wait.until(
        lambda driver: (
            Select(driver.find_element(By.ID, select_id)).first_selected_option.text == label
        )
    )


def admin_messages(browser, level):
    """The texts of the admin's messages of one level (success, warning, error)."""
    browser.find(".messagelist")
    return [li.text for li in browser.find_all(f".messagelist li.{level}")]


def column_cell(browser, row_css, framework_name):
    """The compare table's cell of `framework_name` in the row `row_css`."""
    headers = [th.text for th in browser.find_all("table.table-compare thead th")]
    cells = browser.find_all(f"{row_css} td")
    return cells[headers.index(framework_name) - 1]


# --- 1. Editor --------------------------------------------------------------------------------

CRITERION_NAME = "Asynchronous Support"
CRITERION_SLUG = "asynchronous-support"
ARTICLE = "Flask vs Django: Which Python Framework is Right for Web Development? 2024 [Updated]"
STATEMENT = "Flask runs async views without any extra package."
EDITED_STATEMENT = "Flask runs async views once its async extra is installed."
CONTESTED_WARNING = (
    "The claim is shown as contested. Sources of comparable standing disagree "
    "(reliability 1 supports, 1 contradicts)."
)
COMPARE = "/compare/?frameworks=flask,django"


def test_editor_publishes_a_contested_claim_then_reverts_a_change(open_browser, editor):
    call_command("loaddata", "starting_content")
    editor.set_password(EDITOR_PASSWORD)
    editor.save(update_fields=["password"])
    browser = open_browser("editor")

    # A visitor has seen these pages before: they are in the page cache, which the editor's
    # changes must invalidate.
    browser.open_public("/frameworks/flask/")
    browser.open_public(COMPARE)
    assert not browser.find_all(f"#row-{CRITERION_SLUG}")

    # Log in through the admin's own form.
    browser.open("/admin/")
    browser.wait_for_path("/admin/login/")
    browser.find("#id_username").send_keys(editor.username)
    browser.find("#id_password").send_keys(EDITOR_PASSWORD)
    browser.clickable("#login-form [type=submit]").click()
    browser.wait.until(lambda driver: browser.path() == "/admin/")
    assert browser.text("#content h1") == "Knowledge base"
    browser.note_admin_console()

    # A criterion, through its add form; the slug is filled in from the name as it is typed.
    browser.clickable("tr.model-criterion a.addlink").click()
    browser.wait_for_path("/admin/comparisons/criterion/add/")
    browser.find("#id_name").send_keys(CRITERION_NAME)
    browser.wait.until(
        lambda driver: (
            driver.find_element(By.ID, "id_slug").get_attribute("value") == CRITERION_SLUG
        )
    )
    browser.find("#id_definition").send_keys(
        "Whether views can be coroutines, so that slow I/O does not hold a worker."
    )
    Select(browser.find("#id_category")).select_by_visible_text("Capabilities")
    weight = browser.find("#id_default_weight")
    weight.clear()
    weight.send_keys("7")
    browser.note_admin_console()
    browser.clickable("input[name=_save]").click()
    browser.wait_for_path("/admin/comparisons/criterion/")
    assert any("was added successfully" in text for text in admin_messages(browser, "success"))
    criterion = Criterion.objects.get(slug=CRITERION_SLUG)
    assert (criterion.name, criterion.category, criterion.default_weight) == (
        CRITERION_NAME,
        Criterion.Category.CAPABILITIES,
        7,
    )
    browser.note_admin_console()

    # A claim with two citations of the same article: one supports it, one contradicts it.
    browser.open("/admin/")
    browser.clickable("tr.model-claim a.addlink").click()
    browser.wait_for_path("/admin/comparisons/claim/add/")
    choose_autocomplete(browser, "id_framework", "Flas", "Flask")
    choose_autocomplete(browser, "id_criterion", "Asynch", CRITERION_NAME)
    browser.find("#id_statement").send_keys(STATEMENT)
    browser.find("#id_score").send_keys("1")
    Select(browser.find("#id_status")).select_by_visible_text("Published")

    choose_autocomplete(browser, "id_citations-0-source", "Flask vs Django", ARTICLE)
    Select(browser.find("#id_citations-0-stance")).select_by_visible_text("Supports")
    browser.find("#id_citations-0-excerpt").send_keys("Flask supports async views.")
    browser.clickable("#citations-group .add-row a").click()
    choose_autocomplete(browser, "id_citations-1-source", "Flask vs Django", ARTICLE)
    Select(browser.find("#id_citations-1-stance")).select_by_visible_text("Contradicts")
    browser.find("#id_citations-1-excerpt").send_keys(
        "Async views need Flask to be installed with its async extra."
    )
    browser.find("#id_citations-1-location").send_keys("Performance")
    browser.note_admin_console()
    browser.clickable("input[name=_save]").click()
    browser.wait_for_path("/admin/comparisons/claim/")
    # Published, but a source of the same standing disagrees: contested, and the admin says so.
    assert CONTESTED_WARNING in admin_messages(browser, "warning")
    browser.note_admin_console()
    claim = Claim.objects.get(criterion=criterion)
    assert (claim.framework.slug, claim.statement, claim.status, claim.verdict) == (
        "flask",
        STATEMENT,
        Claim.Status.PUBLISHED,
        "contested",
    )
    assert sorted(claim.citations.values_list("source__title", "stance")) == [
        (ARTICLE, Citation.Stance.CONTRADICTS),
        (ARTICLE, Citation.Stance.SUPPORTS),
    ]

    # On the framework's page and in the compare table, marked as contested.
    browser.open_public("/frameworks/flask/")
    card = f"#claim-{claim.pk}"
    assert browser.text(f"{card} .claim-statement") == STATEMENT
    assert "Contested" in [badge.text for badge in browser.find_all(f"{card} .badge")]
    browser.open_public(COMPARE)
    row = f"#row-{CRITERION_SLUG}"
    assert browser.text(f"{row} th").startswith(CRITERION_NAME)
    flask_cell = column_cell(browser, row, "Flask")
    assert "1 contested" in flask_cell.text and "weak evidence" in flask_cell.text
    assert "No evidence" in column_cell(browser, row, "Django").text

    # A change to the statement...
    browser.open(f"/admin/comparisons/claim/{claim.pk}/change/")
    statement = browser.find("#id_statement")
    statement.clear()
    statement.send_keys(EDITED_STATEMENT)
    browser.clickable("input[name=_save]").click()
    browser.wait_for_path("/admin/comparisons/claim/")
    assert any("was changed successfully" in text for text in admin_messages(browser, "success"))
    claim.refresh_from_db()
    assert claim.statement == EDITED_STATEMENT
    browser.note_admin_console()

    # ...reverted from the claim's history: the newest version with the original statement.
    browser.open(f"/admin/comparisons/claim/{claim.pk}/change/")
    browser.clickable("a.historylink").click()
    browser.wait_for_path(f"/admin/comparisons/claim/{claim.pk}/history/")
    versions = browser.find_all("#change-history tbody tr td:first-child a")
    assert len(versions) == 2, [version.text for version in versions]  # added, edited
    assert EDITED_STATEMENT in versions[0].text
    earlier = next(version for version in versions if STATEMENT in version.text)
    browser.note_admin_console()
    earlier.click()
    revert = browser.clickable("input[name=_save][value=Revert]")
    assert browser.text("#content h1").startswith("Revert")
    assert browser.find("#id_statement").get_attribute("value") == STATEMENT
    browser.note_admin_console()
    revert.click()
    browser.wait.until(lambda driver: browser.path() == "/admin/comparisons/claim/")
    assert any("was changed successfully" in text for text in admin_messages(browser, "success"))
    browser.note_admin_console()
    claim.refresh_from_db()
    assert (claim.statement, claim.verdict) == (STATEMENT, "contested")

    # A visitor (no session: served from the page cache) sees the reverted claim and the row.
    browser.driver.delete_all_cookies()
    browser.open_public("/frameworks/flask/")
    assert browser.text(f"{card} .claim-statement") == STATEMENT
    assert EDITED_STATEMENT not in browser.text("main#content")
    browser.open_public(COMPARE)
    flask_cell = column_cell(browser, row, "Flask")
    assert "1 contested" in flask_cell.text


# --- 2. Visitor -------------------------------------------------------------------------------

# The visitor's answers, by option label (labels are unique in the questionnaire).
ANSWERS = (
    "A large or complex application that will keep growing",
    "Beginners: we are new to web frameworks",
    "Yes: staff will manage content or users every day",
    "Yes: accounts, permissions and personal data",
    "A lot: many related tables, complex queries, schema migrations",
    "Within weeks: a reasonable pace is fine",
    "No: I prefer everything included and working together",
    "Moderate",
    "Both pages and an API",
    "Thorough official documentation",
    "Strong security defaults",
)
MAX_KEY_PRESSES = 120


def press(browser, *keys):
    ActionChains(browser.driver).send_keys(*keys).perform()
    return browser.driver.switch_to.active_element


def answer_with_keyboard(browser, wanted):
    """Answer every question with Tab, Space, arrow keys and Enter only, then send the form.

    `wanted` maps each field name (q<question id>) to the option ids to choose. A radio group
    is entered with Tab, its first option checked with Space, then the arrow keys move the
    choice down to the wanted option; each checkbox is its own Tab stop, ticked with Space.
    """
    answered = set()
    for _ in range(MAX_KEY_PRESSES):
        focused = press(browser, Keys.TAB)
        kind, name = focused.get_attribute("type"), focused.get_attribute("name")
        if kind == "radio" and name in wanted and name not in answered:
            (target,) = wanted[name]
            focused = press(browser, Keys.SPACE)
            for _ in range(MAX_KEY_PRESSES):
                if focused.get_attribute("value") == target:
                    break
                focused = press(browser, Keys.ARROW_DOWN)
            assert focused.get_attribute("value") == target and focused.is_selected()
            answered.add(name)
        elif kind == "checkbox" and name in wanted:
            if focused.get_attribute("value") in wanted[name]:
                press(browser, Keys.SPACE)
                assert focused.is_selected()
            answered.add(name)
        elif focused.tag_name == "button" and kind == "submit":
            assert answered == set(wanted), f"Reached the button with only {sorted(answered)}."
            press(browser, Keys.ENTER)
            return
    pytest.fail(f"The submit button was not reached in {MAX_KEY_PRESSES} Tab presses.")


def test_visitor_takes_the_quiz_by_keyboard_and_shares_the_permalink(open_browser):
    call_command("loaddata", "starting_content", "questionnaire")
    options = Option.objects.filter(label__in=ANSWERS)
    assert options.count() == len(ANSWERS)
    wanted = {}
    for option in options:
        wanted.setdefault(f"q{option.question_id}", set()).add(str(option.pk))

    browser = open_browser("visitor")
    browser.open_public("/advisor/")
    # The skip link is the first Tab stop; Enter on it starts the Tab order at the content.
    skip = press(browser, Keys.TAB)
    assert skip.text == "Skip to content"
    press(browser, Keys.ENTER)
    answer_with_keyboard(browser, wanted)
    browser.wait_for_path_under("/advisor/r/")
    browser.check_public_page()

    consultation = Consultation.objects.get()
    assert browser.path() == consultation.get_absolute_url()
    chosen = {
        f"q{answer['question']}": set(map(str, answer["options"]))
        for answer in consultation.answers
        if answer["options"]
    }
    assert chosen == wanted
    shown = presentation.present(consultation)
    assert not shown["no_preference"] and not shown["tied"]

    # The winner, a bar per framework in the chart, and the decisive criteria as reasons.
    assert browser.text("#result-heading") == f"Our recommendation: {shown['winner']}"
    frameworks = list(Framework.objects.published().values_list("name", flat=True))
    bars = browser.find_all("#result svg.chart rect.bar")
    assert len(bars) == len(frameworks) == 2
    labels = [text.text for text in browser.find_all("#result svg.chart g.chart-row text")]
    assert sorted(labels[0::2]) == sorted(frameworks)
    (winner_bar,) = browser.find_all("#result svg.chart rect.bar.winner")
    assert browser.style(winner_bar, "fill") == "rgb(25, 135, 84)"  # site.css applied
    reasons = [
        heading.text.split(":")[0]
        for heading in browser.find_all("section[aria-labelledby=why-heading] h3")
    ]
    assert reasons and reasons == [item["name"] for item in shown["why"]]
    assert set(reasons) <= set(Criterion.objects.values_list("name", flat=True))
    result_text = browser.driver.execute_script(
        "return document.getElementById('result').innerText;"
    )

    # The permalink, in a fresh browser (its own profile: no cookies), shows the same result.
    permalink = browser.path()
    friend = open_browser("visitor-permalink")
    friend.open_public(permalink)
    assert (
        friend.driver.execute_script("return document.getElementById('result').innerText;")
        == result_text
    )
    assert Consultation.objects.count() == 1


# --- 3. Consultant ----------------------------------------------------------------------------

FILTER_CRITERIA = {"learning-curve": "Learning Curve", "scalability": "Scalability"}
LOWEST_SCORE = 1


def test_consultant_filters_claims_and_downloads_exactly_the_rows_on_screen(open_browser):
    call_command("loaddata", "starting_content")
    browser = open_browser("consultant")
    browser.open_public("/claims/")

    for slug in FILTER_CRITERIA:
        checkbox = browser.clickable(f"input[name=criterion][value={slug}]")
        checkbox.click()
        assert checkbox.is_selected()
    lowest = browser.find("#id_score_min")
    lowest.clear()
    lowest.send_keys(str(LOWEST_SCORE))
    browser.clickable("form.claim-filter button[type=submit]").click()
    browser.wait_for_path("/claims/?")
    browser.check_public_page()

    # Everything fits on one page: the rows on screen are the whole filtered set.
    assert not browser.find_all("nav[aria-label='Pages of results']")
    cards = browser.find_all("article.claim-card")
    on_screen = [
        (
            int(card.get_attribute("id").removeprefix("claim-")),
            normalise(card.find_element(By.CSS_SELECTOR, ".claim-statement").text),
        )
        for card in cards
    ]
    assert len(on_screen) >= 2
    assert browser.text("section[aria-labelledby=results-heading] p strong") == str(len(cards))
    expected = Claim.objects.published().filter(
        criterion__slug__in=FILTER_CRITERIA, score__gte=LOWEST_SCORE
    )
    assert {pk for pk, _ in on_screen} == set(expected.values_list("pk", flat=True))

    # The page's own CSV link keeps the filters; the file holds exactly these rows, in order.
    browser.clickable("a[download][href*='format=csv']").click()
    download = browser.downloaded_file(".csv")
    with download.open(encoding="utf-8", newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header == COLUMN_NAMES
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(int(r["id"]), normalise(r["statement"])) for r in records] == on_screen
    assert {r["criterion"] for r in records} <= set(FILTER_CRITERIA.values())
    assert all(int(r["score"]) >= LOWEST_SCORE for r in records)
