"""Errors as RFC 9457 problem details: every 4xx of the API is an `application/problem+json` body.

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "The query parameters are not valid.", "instance": "/api/v1/claims/",
     "errors": {"score_min": ["Ensure this value is greater than or equal to -2."]}}

Every problem has the type "about:blank": its status says what kind of problem it is (RFC 9457,
section 4.2.1), so `title` is the status's phrase and `detail` says what went wrong with this
request. Two extension members say what a client can act on: `errors` (a 400's messages, by the
name of each invalid query parameter or body field, nested fields joined by dots) and
`retry_after` (a 429's wait, in seconds, as its Retry-After header says too).

The problem is written here as a plain Django response, not through DRF's renderers, so that it
is JSON whatever the request's Accept header asked for (a 406 says that nothing else is offered).
"""

import json
import math
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

MEDIA_TYPE = "application/problem+json"
NON_FIELD = "non_field_errors"


class InvalidParameters(exceptions.ValidationError):
    """Query parameters that the API cannot run (its 400s for GET requests)."""

    summary = "The query parameters are not valid."


class InvalidBody(exceptions.ValidationError):
    """A request body that the API cannot run (its 400s for POST requests)."""

    summary = "The request body is not valid."


class ContentTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API accepts."
    default_code = "too_large"


def title(status_code):
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def problem(status_code, detail, *, instance=None, **extensions):
    """A problem-details object (a dict) for `status_code`."""
    body = {"type": "about:blank", "title": title(status_code), "status": status_code}
    body["detail"] = str(detail)
    if instance is not None:
        body["instance"] = instance
    body.update(extensions)
    return body


def problem_response(status_code, detail, *, request=None, headers=None, **extensions):
    """A problem as an `application/problem+json` response."""
    instance = escape_uri_path(request.path) if request is not None else None
    body = problem(status_code, detail, instance=instance, **extensions)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status_code,
        content_type=MEDIA_TYPE,
        headers=headers,
    )
    response["Cache-Control"] = "no-store"
    return response


def flat_errors(detail):
    """{"field.subfield": [messages]} from DRF's nested error details (dicts, lists, strings).

    Errors about no single field (a form's clean(), Django's "__all__") are under
    "non_field_errors", or under the path of the object they are about.
    """
    errors = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                name = str(key)
                if name in ("__all__", NON_FIELD):
                    walk(item, path)
                else:
                    walk(item, f"{path}.{name}" if path else name)
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}" if path else str(index))
        else:
            messages = value if isinstance(value, list) else [value]
            errors.setdefault(path or NON_FIELD, []).extend(str(m) for m in messages)

    walk(detail, "")
    return errors


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error a view raises, as problem details.

    Django's own 4xx exceptions raised inside the API (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    too many fields) become problems too; anything else is left to Django (a 500 is a bug).
    """
    request = context.get("request")
    if isinstance(exc, RequestDataTooBig):
        exc = ContentTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(str(exc) or "The request could not be read.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {name: value for name, value in response.items() if name != "Content-Type"}
    extensions = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = getattr(exc, "summary", InvalidBody.summary)
        extensions["errors"] = flat_errors(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, list | dict):
            detail = " ".join(m for ms in flat_errors(detail).values() for m in ms)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extensions["retry_after"] = wait = max(1, math.ceil(exc.wait))
        headers["Retry-After"] = str(wait)
    return problem_response(
        response.status_code, detail, request=request, headers=headers, **extensions
    )
