"""Anonymous rate limits (DRF throttling, counted in the default cache).

Every client is anonymous: the API has no accounts. A client is its address as every other limit
of the site reads it (config.clients.client_address), so a forged X-Forwarded-For cannot pick
someone else's bucket. The rates come from the settings each time they are read (DRF's own
classes read them once, at import), so an operator's variable and a test's override both apply.
With Redis the counts are shared by every worker; with the local-memory cache each worker counts
for itself, as the quiz's limit does.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from config.clients import client_address


class AnonymousRateThrottle(SimpleRateThrottle):
    """Every request of a client, whatever the endpoint: DJANGO_API_RATE."""

    scope = "anon"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class ScoringRateThrottle(AnonymousRateThrottle):
    """The scoring POST, which computes a whole recommendation: DJANGO_API_SCORE_RATE."""

    scope = "scoring"
