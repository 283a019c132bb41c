"""Editors write the questionnaire and read the consultations (which nobody can change).

They may delete options and their weight changes (consultations keep their own snapshot), but
not questions: a question is retired by making it inactive.
"""

from django.db import migrations

from comparisons.permissions import grant

EDITOR_PERMISSIONS = {
    "question": ("add", "change", "view"),
    "option": ("add", "change", "view", "delete"),
    "optionweight": ("add", "change", "view", "delete"),
    "consultation": ("view",),
}


def grant_editor_permissions(apps, schema_editor):
    grant(apps, "advisor", EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("advisor", "0001_initial"),
        ("comparisons", "0002_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_editor_permissions, migrations.RunPython.noop)]
