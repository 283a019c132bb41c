"""Editors may add source snapshots and view them; nobody changes one (a new copy is a new
snapshot), and only administrators delete them."""

from django.db import migrations

from comparisons.permissions import grant

EDITOR_PERMISSIONS = {"sourcesnapshot": ("add", "view")}


def let_editors_take_snapshots(apps, schema_editor):
    grant(apps, "comparisons", EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("comparisons", "0008_source_snapshots_and_quote_checks")]

    operations = [migrations.RunPython(let_editors_take_snapshots, migrations.RunPython.noop)]
