"""What the OpenAPI schema says beyond what drf-spectacular reads from the views: the problem
details of every error, the validators and 304 of every GET, the examples, and the API's own
description (a postprocessing hook, so that the settings stay short)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from comparisons.pagination import MAX_PAGE

from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from .problems import MEDIA_TYPE

DESCRIPTION = f"""
The Stackwise knowledge base, read-only: Python web frameworks compared from cited evidence.
Frameworks, criteria, sources, and claims with their citations, verdicts and strengths; the
evidence matrix of a selection of frameworks; and the advisor's scoring of your own weights.

**Claims** are filtered with the same filter as the claims explorer (`/claims/`) and its CSV and
JSON exports: the same parameters give the same claims, in the same order.

**Pages.** Lists come in pages of `page_size` results ({DEFAULT_PAGE_SIZE} unless asked,
{MAX_PAGE_SIZE} at most), in a stable order; pages stop at {MAX_PAGE}. `count` is exact when
`count_is_exact` is true, and otherwise a lower bound: counting stops ten pages past the one
asked for, so that every page costs the same.

**Caching.** Every GET has an `ETag` and a `Last-Modified` from the knowledge base's version,
which changes whenever an editor changes anything. Send the ETag back in `If-None-Match` and the
answer is `304 Not Modified` until the knowledge changes.

**Errors** are problem details (RFC 9457, `application/problem+json`): `status`, a `title`, a
`detail` in words, and for a 400 the `errors` of each invalid parameter or field, by name.

**Limits.** Requests are limited per client address (a 429 says when to try again, in
`Retry-After`); the scoring POST has a lower limit of its own. Nothing needs an account, and
nothing you send is stored.
"""


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (api.problems)."""

    type = serializers.CharField(help_text='Always "about:blank": the status says it all.')
    title = serializers.CharField(help_text="The status's phrase.")
    status = serializers.IntegerField(min_value=400, max_value=499)
    detail = serializers.CharField(help_text="What went wrong, in words.")
    instance = serializers.CharField(required=False, help_text="The path asked for.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the messages of each invalid parameter or body field, by name "
        "(nested fields joined by dots; non_field_errors for the request as a whole).",
    )
    retry_after = serializers.IntegerField(
        required=False, min_value=1, help_text="429 only: seconds to wait."
    )


PROBLEM_EXAMPLES = {
    400: OpenApiExample(
        "Invalid parameters",
        value={
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": "The query parameters are not valid.",
            "instance": "/api/v1/claims/",
            "errors": {"score_min": ["Ensure this value is greater than or equal to -2."]},
        },
        response_only=True,
        status_codes=["400"],
    ),
    404: OpenApiExample(
        "Not found",
        value={
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "There is no published framework “quart”.",
            "instance": "/api/v1/frameworks/quart/",
        },
        response_only=True,
        status_codes=["404"],
    ),
    429: OpenApiExample(
        "Too many requests",
        value={
            "type": "about:blank",
            "title": "Too Many Requests",
            "status": 429,
            "detail": "Request was throttled. Expected available in 12 seconds.",
            "instance": "/api/v1/claims/",
            "retry_after": 12,
        },
        response_only=True,
        status_codes=["429"],
    ),
}

PROBLEM_DESCRIPTIONS = {
    400: "Invalid parameters or body: `errors` says which, and why.",
    404: "Nothing public at this address, or no such page of results.",
    405: "The method is not allowed here (`Allow` lists those that are).",
    406: "Only JSON is offered.",
    412: "A precondition (If-Match, If-Unmodified-Since) failed.",
    413: "The body is larger than the API accepts (256 kB).",
    415: "The body must be JSON (Content-Type: application/json).",
    429: "Too many requests from this address: wait `retry_after` seconds.",
}


def problems(*statuses):
    """Responses of problem details, by status."""
    return {
        (status, MEDIA_TYPE): OpenApiResponse(
            response=ProblemSerializer,
            description=PROBLEM_DESCRIPTIONS[status],
            examples=[PROBLEM_EXAMPLES[status]] if status in PROBLEM_EXAMPLES else [],
        )
        for status in statuses
    }


VALIDATOR_HEADERS = [
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Changes whenever the knowledge base does: send it back in If-None-Match.",
    ),
    OpenApiParameter(
        "Last-Modified",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="When the knowledge base's current version was first served (HTTP date).",
    ),
]

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag this API sent for this address: 304 if the knowledge has not changed.",
)

NOT_MODIFIED = OpenApiResponse(
    description="Not Modified: the ETag sent in If-None-Match is still current."
)


def read_operation(serializer, *, errors=(404, 406, 429), **kwargs):
    """extend_schema() arguments of a GET: its body, its 304 and its problems."""
    return {
        "responses": {200: serializer, 304: NOT_MODIFIED, **problems(*errors)},
        "parameters": [IF_NONE_MATCH, *VALIDATOR_HEADERS, *kwargs.pop("parameters", [])],
        **kwargs,
    }


CLAIM_EXAMPLE = {
    "id": 7,
    "framework": "flask",
    "framework_name": "Flask",
    "criterion": "cost",
    "criterion_name": "Cost and licensing",
    "statement": "Flask is free software under the BSD-3-Clause licence.",
    "score": 2,
    "weight": 4,
    "verdict": "supported",
    "verdict_label": "Supported",
    "verdict_reason": "Supported by a source of reliability 5; none disagrees.",
    "verdict_set_by_editor": False,
    "evidence_strength": 1.0,
    "strength_label": "strong",
    "effective_weight": 4.0,
    "editor_note": "",
    "citation_count": 1,
    "citations": [
        {
            "id": 12,
            "source": {
                "id": 3,
                "title": "Flask licence (LICENSE.txt)",
                "url": "https://github.com/pallets/flask/blob/3.1.3/LICENSE.txt",
                "publisher": "Pallets",
                "kind": "source_code",
                "reliability": 5,
            },
            "stance": "supports",
            "excerpt": "Redistribution and use in source and binary forms, with or without "
            "modification, are permitted provided that the following conditions are met:",
            "location": "LICENSE.txt",
        }
    ],
    "updated_at": "2026-11-20T09:30:00Z",
    "url": "https://stackwise.example.com/api/v1/claims/7/",
    "page_url": "https://stackwise.example.com/frameworks/flask/#claim-7",
}

CLAIM_LIST_EXAMPLE = OpenApiExample(
    "A page of claims",
    value=CLAIM_EXAMPLE,
    response_only=True,
    status_codes=["200"],
)

SCORE_REQUEST_EXAMPLES = [
    OpenApiExample(
        "Weights",
        description="Criteria by slug (see /api/v1/criteria/); those left out count for nothing.",
        value={"weights": {"learning-curve": 8, "performance": 5, "admin-panel": 2}},
        request_only=True,
    ),
    OpenApiExample(
        "Weights and a must-have",
        description="Frameworks whose evidence on async support fails the must-have are set "
        "apart (see the questionnaire's must-haves for the keys).",
        value={"weights": {"performance": 5, "async-support": 5}, "must_haves": ["async-support"]},
        request_only=True,
    ),
    OpenApiExample(
        "Answers to the questionnaire",
        description="Question and option ids, as the advisor's quiz asks them.",
        value={"answers": [{"question": 1, "options": [1]}, {"question": 2, "options": [5]}]},
        request_only=True,
    ),
]

SCORE_RESPONSE_EXAMPLE = OpenApiExample(
    "A recommendation",
    value={
        "engine_version": "2",
        "knowledge_version": 42,
        "weights": {"learning-curve": 8.0, "performance": 5.0, "admin-panel": 2.0},
        "no_preference": False,
        "message": "flask leads django by 6.3 points (61.2 vs 54.9 out of 100).",
        "winner": "flask",
        "runner_up": "django",
        "margin": 6.3,
        "confidence": "medium",
        "too_close": False,
        "ranking": [
            {
                "framework": "flask",
                "name": "Flask",
                "rank": 1,
                "score": 61.2,
                "band_low": 55.0,
                "band_high": 66.1,
                "coverage": 1.0,
                "strength": 0.62,
                "unknown_criteria": [],
                "contributions": [
                    {"criterion": "learning-curve", "weight": 8.0, "evidence": 1.0, "points": 35.3}
                ],
            }
        ],
        "decisive": [
            {
                "criterion": "learning-curve",
                "margin_points": 8.8,
                "flip": {
                    "criterion": "learning-curve",
                    "weight_change": -6.0,
                    "overtaken_by": "django",
                },
            }
        ],
        "flips": [{"criterion": "learning-curve", "weight_change": -6.0, "overtaken_by": "django"}],
        "settling": [
            {
                "criterion": "performance",
                "weight": 5.0,
                "winner_strength": 0.36,
                "runner_up_strength": 0.36,
            }
        ],
        "method": "weighted-sum",
        "requirements": [],
        "excluded": [],
        "unknown_requirements": [],
        "check": {
            "method": "topsis",
            "ranking": [{"framework": "flask", "value": 0.58, "rank": 1}],
            "agrees": True,
        },
        "decisive_claims": [],
        "questioned_claims": [],
    },
    response_only=True,
    status_codes=["200"],
)


# Optional parameters of the compare page's form whose empty value means "not given", as the
# form reads it (the filter and page parameters say so where they are made).
EMPTY_MEANS_ABSENT = {("/api/v1/compare/", "category")}


def describe_api(result, generator, request, public):
    """A POSTPROCESSING_HOOKS entry: the API's own description, and the parameters that an
    empty value leaves out."""
    result["info"]["description"] = DESCRIPTION.strip()
    for path, operations in result["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (path, parameter["name"]) in EMPTY_MEANS_ABSENT:
                    parameter["allowEmptyValue"] = True
    return result
