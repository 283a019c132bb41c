"""Site-wide views: health check, error pages and the benchmark's floor."""

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache

DATABASE_DOWN = (OperationalError, InterfaceError)


@never_cache
def healthz(request):
    """200 when the app can query its database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_DOWN:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """A 503 that says "try again" when the database is down, the site's 500 page otherwise.

    Django calls this inside its exception handler, so the exception is still in sys.exc_info().
    Nothing here touches the database; Django reconnects by itself on the next request.
    """
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)


def hello(request):
    """The cheapest Django response: the benchmark's floor."""
    return HttpResponse(b"hello", content_type="text/plain")
