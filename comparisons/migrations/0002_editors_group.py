"""The Editors group: curates the knowledge base, cannot manage users or delete sources."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "framework": ("add", "change", "view"),
    "criterion": ("add", "change", "view"),
    "source": ("add", "change", "view"),
    "claim": ("add", "change", "view"),
    "citation": ("add", "change", "view", "delete"),
}


def ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, app_label, model_permissions):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    for model, actions in model_permissions.items():
        codenames = [f"{action}_{model}" for action in actions]
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def create_editors_group(apps, schema_editor):
    grant(apps, "comparisons", EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("comparisons", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, migrations.RunPython.noop)]
