from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Read-only API"

    def ready(self):
        # drf-spectacular finds schema extensions by importing them.
        from . import filters  # noqa: F401
