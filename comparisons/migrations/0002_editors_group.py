"""The Editors group: curates the knowledge base, cannot manage users or delete sources."""

from django.db import migrations

from comparisons.permissions import grant

EDITOR_PERMISSIONS = {
    "framework": ("add", "change", "view"),
    "criterion": ("add", "change", "view"),
    "source": ("add", "change", "view"),
    "claim": ("add", "change", "view"),
    "citation": ("add", "change", "view", "delete"),
}


def create_editors_group(apps, schema_editor):
    grant(apps, "comparisons", EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("comparisons", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, migrations.RunPython.noop)]
