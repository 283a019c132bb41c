"""The address of the client a request comes from, the one rule every per-client limit uses.

Without a proxy it is the peer's address, REMOTE_ADDR. Behind reverse proxies that terminate the
connection (DJANGO_BEHIND_PROXY=1, DJANGO_PROXY_COUNT of them, one by default), REMOTE_ADDR is the
nearest proxy, and each proxy appends the address it was reached from to X-Forwarded-For. The
client is therefore the entry DJANGO_PROXY_COUNT places from the right: the right-most hop that
no proxy of ours vouches for. Whatever stands to its left was written by the client itself and is
ignored, so a forged header cannot choose someone else's rate-limit or lockout bucket.

Used by the quiz's rate limit (django-ratelimit's RATELIMIT_IP_META_KEY) and by the admin's
login lockout (django-axes' AXES_CLIENT_IP_CALLABLE).
"""

import ipaddress

from django.conf import settings

# Where no address can be read at all (a unix socket without a proxy in front): one shared bucket.
UNKNOWN = "0.0.0.0"


def forwarded_hops(request):
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [hop.strip() for hop in header.split(",") if hop.strip()]


def client_address(request):
    """The client's IP address as a string: always a valid address, never client-chosen."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = forwarded_hops(request)
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return UNKNOWN
