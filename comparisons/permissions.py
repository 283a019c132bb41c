"""Group permissions granted by data migrations (the Editors group)."""

from django.contrib.auth.management import create_permissions

EDITORS = "Editors"


def grant(apps, app_label, model_permissions, group_name=EDITORS):
    """Give `group_name` the permissions {model: (action, ...)} of `app_label`'s models.

    Runs inside a migration, where permissions may not exist yet: create them first.
    """
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    codenames = [
        f"{action}_{model}" for model, actions in model_permissions.items() for action in actions
    ]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )
