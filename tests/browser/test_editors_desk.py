"""The editors' desk in headless Chromium: a visitor reports a problem with a claim, an editor sees
the report on the admin's index, accepts it, corrects the claim, and the public page changes."""

import pytest
from django.core.management import call_command

from comparisons.models import Claim, ProblemReport
from comparisons.reports import back_to_claim

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EDITOR_PASSWORD = "a-long-passphrase-for-the-desk"
PROBLEM = "The quoted page says the opposite since the last release (desk journey)."
OUTCOME = "Right: the statement overstated the source."
CORRECTED = "Flask leaves most design choices to the developer; Django decides more of them."


def test_a_visitors_report_reaches_the_desk_and_corrects_the_claim(open_browser, editor):
    call_command("loaddata", "starting_content")
    claim = Claim.objects.published().select_related("framework", "criterion").first()
    public_page = back_to_claim(claim).split("#")[0]
    card = f"#claim-{claim.pk}"

    # A visitor, with no account, reports a problem from the claim's card.
    visitor = open_browser("visitor")
    visitor.open_public(public_page)
    assert visitor.text(f"{card} .claim-statement") == claim.statement
    visitor.clickable(f"{card} a.claim-report").click()
    visitor.wait_for_path(f"/claims/{claim.pk}/report/")
    visitor.check_public_page()
    visitor.find("#id_problem").send_keys(PROBLEM)
    visitor.clickable("form.claim-report-form [type=submit]").click()
    visitor.wait_for_path(f"/claims/{claim.pk}/report/thanks/")
    assert visitor.text("h1") == "Thank you for your report"
    report = ProblemReport.objects.get()
    assert (report.claim, report.problem, report.status) == (claim, PROBLEM, "open")

    # An editor signs in: the desk counts the open report, and its number opens the queue.
    editor.set_password(EDITOR_PASSWORD)
    editor.save(update_fields=["password"])
    desk = open_browser("editor")
    desk.open("/admin/")
    desk.wait_for_path("/admin/login/")
    desk.find("#id_username").send_keys(editor.username)
    desk.find("#id_password").send_keys(EDITOR_PASSWORD)
    desk.clickable("#login-form [type=submit]").click()
    desk.wait.until(lambda driver: desk.path() == "/admin/")
    assert desk.text("#reports-open") == "1"
    desk.clickable("#reports-open").click()
    desk.wait_for_path("/admin/comparisons/problemreport/")
    desk.clickable("#result_list tbody tr th a").click()
    desk.wait_for_path(f"/admin/comparisons/problemreport/{report.pk}/change/")
    assert PROBLEM in desk.text("#content")

    # Accepting it records the decision and opens the claim for editing.
    desk.find("#id_outcome").send_keys(OUTCOME)
    desk.clickable("#report-decision input[name=_accept]").click()
    desk.wait_for_path(f"/admin/comparisons/claim/{claim.pk}/change/")
    report.refresh_from_db()
    assert (report.status, report.outcome, report.handled_by) == ("accepted", OUTCOME, editor)
    statement = desk.find("#id_statement")
    statement.clear()
    statement.send_keys(CORRECTED)
    desk.clickable("input[name=_save]").click()
    desk.wait_for_path("/admin/comparisons/claim/")
    desk.note_admin_console()

    # The desk no longer counts it, and the public page shows the corrected claim, never the
    # visitor's words.
    desk.open("/admin/")
    assert desk.text("#reports-open") == "0"
    visitor.open_public(public_page)
    assert visitor.text(f"{card} .claim-statement") == CORRECTED
    assert PROBLEM not in visitor.driver.page_source
