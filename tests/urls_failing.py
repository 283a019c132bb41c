"""A URLconf for tests whose views fail the way production can."""

from django.db import OperationalError
from django.urls import include, path


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("database-down/", database_down),
    path("broken/", broken),
    path("", include("config.urls")),
]

handler500 = "config.views.server_error"
