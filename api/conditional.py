"""ETag and Last-Modified from the knowledge version, and 304 Not Modified for clients that have
the current representation.

A GET's representation is fixed by the knowledge version (bumped by every editor's change,
comparisons.cache), the address asked for (host, path and query) and the API's own REVISION
(bumped by hand when a representation changes shape). The ETag is made of those, so it is known
before any work is done: a request whose If-None-Match holds it gets its 304 for the one query
that reads the version. Any other precondition (If-None-Match "*", If-Modified-Since, If-Match)
is checked against the response once it is made, as RFC 9110 orders them, so that a resource
that does not exist is still a 404.

Last-Modified is when this knowledge version was first seen by the site (kept in the cache
under the version): never before the change it follows, and the same for every process that
shares the cache. HTTP dates count whole seconds, so prefer If-None-Match.
"""

import hashlib
import time

from django.http import HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_etags

from comparisons.cache import cached, current_version

from .problems import problem_response

# Bump when the body of any GET changes for the same knowledge (a new field, a new format).
REVISION = 1

CONDITIONAL_METHODS = ("GET", "HEAD")


class Validators:
    """The ETag and Last-Modified (a Unix time) of one GET."""

    def __init__(self, request):
        self.version = current_version()
        address = f"{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(address.encode()).hexdigest()[:20]
        self.etag = f'"{REVISION}-{self.version}-{digest}"'
        self.last_modified = cached("api:first-seen", lambda: int(time.time()), self.version)

    def current_etag_requested(self, request):
        """The request's If-None-Match names this ETag itself (not "*"): the client has it."""
        header = request.headers.get("If-None-Match")
        return bool(header) and self.etag.removeprefix("W/") in {
            tag.removeprefix("W/") for tag in parse_etags(header)
        }

    def add_to(self, response):
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified)
        patch_cache_control(response, public=True, no_cache=True)
        return response

    def not_modified(self):
        return self.add_to(HttpResponseNotModified())

    def apply(self, request, response):
        """A successful response with its validators, or the answer to the request's
        preconditions: a 304 Not Modified, or a 412 Precondition Failed problem."""
        self.add_to(response)
        answer = get_conditional_response(
            request, etag=self.etag, last_modified=self.last_modified, response=response
        )
        if answer is None:
            return response
        if answer.status_code == 412:
            return problem_response(
                412, "The resource does not match the request's preconditions.", request=request
            )
        return answer
