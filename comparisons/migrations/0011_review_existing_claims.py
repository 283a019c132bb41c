"""Review intervals for the criteria that change faster or slower than a year, existing claims
counted as reviewed on the day an editor last saved them, and editors' rights over visitors'
reports (they handle them; nobody adds one in the admin, and only administrators delete them)."""

from datetime import timedelta

from django.db import migrations

from comparisons.permissions import grant

EDITOR_PERMISSIONS = {"problemreport": ("change", "view")}
# A licence or a price changes rarely; speed, scale and a community's size often.
INTERVALS = {
    "cost": 730,
    "performance": 180,
    "scalability": 180,
    "community": 180,
    "use-cases": 180,
}


def set_review_dates(apps, schema_editor):
    Criterion = apps.get_model("comparisons", "Criterion")
    Claim = apps.get_model("comparisons", "Claim")
    for slug, days in INTERVALS.items():
        Criterion.objects.filter(slug=slug).update(review_every_days=days)
    claims = list(Claim.objects.select_related("criterion").filter(reviewed_on__isnull=True))
    for claim in claims:
        claim.reviewed_on = claim.updated_at.date()
        claim.review_due_on = claim.reviewed_on + timedelta(days=claim.criterion.review_every_days)
    Claim.objects.bulk_update(claims, ["reviewed_on", "review_due_on"], batch_size=1000)


def let_editors_handle_reports(apps, schema_editor):
    grant(apps, "comparisons", EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("comparisons", "0010_review_dates_and_problem_reports")]

    operations = [
        migrations.RunPython(set_review_dates, migrations.RunPython.noop),
        migrations.RunPython(let_editors_handle_reports, migrations.RunPython.noop),
    ]
