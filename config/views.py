"""Site-wide views: health check, error pages and the benchmark's floor."""

import sys

from django.conf import settings
from django.contrib import admin
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_ratelimit.core import get_usage

DATABASE_DOWN = (OperationalError, InterfaceError)


@require_safe
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


def too_many_requests(request, exception=None, retry_after=60, what="new questionnaires"):
    """The site's 429 page: what happened, and when to try again. Never cached."""
    retry_after = max(1, int(retry_after))
    context = {"retry_after": retry_after, "what": what}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


def admin_login(request, **kwargs):
    """The admin's sign-in, at most ADMIN_LOGIN_RATE posts per client address.

    django-axes locks a username at an address after a few wrong passwords; this bounds what one
    address can make the password hasher compute by trying many usernames.
    """
    usage = get_usage(
        request,
        group="admin.login",
        key="ip",
        rate=settings.ADMIN_LOGIN_RATE,
        method="POST",
        increment=True,
    )
    if usage and usage["should_limit"]:
        return too_many_requests(request, retry_after=usage["time_left"], what="sign-in attempts")
    return admin.site.login(request, **kwargs)


def hello(request):
    """The cheapest Django response: the benchmark's floor."""
    return HttpResponse(b"hello", content_type="text/plain")
