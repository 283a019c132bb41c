"""The editors' admin site: Django's, with the editors' desk (comparisons.dashboard) as its index.

Installed through `EditorsAdminConfig.default_site`, Django's supported hook for a custom site:
`admin.site` and every `@admin.register` then use it, and nothing of Django's is patched.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class EditorsAdminSite(admin.AdminSite):
    """The index shows the editors' desk above the list of models, to whoever may read claims."""

    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        # Imported here: this module is loaded with the settings, before the models are.
        from comparisons import dashboard

        context = {}
        if dashboard.may_see(request.user):
            context["desk"] = dashboard.build(request)
        return super().index(request, {**context, **(extra_context or {})})


class EditorsAdminConfig(AdminConfig):
    default_site = "config.admin.EditorsAdminSite"
