"""Property-based fuzz of the whole API from its own schema (schemathesis), in-process.

The schema is read from /api/v1/schema/ through the WSGI application (config.wsgi), and every
operation in it is called with cases generated from it: schema-valid ones (positive) and
schema-invalid ones (negative: wrong types, values out of range, missing parameters), over the
shipped knowledge base and questionnaire. Every response must pass schemathesis' checks: no 5xx,
a documented status and content type, documented headers, a body valid against the schema, and
a 4xx for every invalid case.

One check is left out: positive_data_acceptance, which wants a 2xx for every schema-valid case.
The schema cannot say that a framework slug must name a published framework, or that score_min
may not exceed score_max; those are 400s, as on the explorer, and documented as such.

CASES_PER_OPERATION cases per operation and mode, at least MINIMUM_CASES in all, in about a minute
on the 2-core CI machine; STACKWISE_API_FUZZ_SCALE=0.1 runs a tenth of them, for a quick try.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from advisor import services
from advisor.models import Question
from comparisons.models import Claim, Criterion, Framework, Source

pytestmark = pytest.mark.django_db

SCALE = float(os.environ.get("STACKWISE_API_FUZZ_SCALE", "1"))
CASES_PER_OPERATION = {GenerationMode.POSITIVE: 130, GenerationMode.NEGATIVE: 110}
MINIMUM_CASES = 2000
# schemathesis' WSGI transport does not decompress: ask for bodies as they are (GZipMiddleware's
# compression is Django's, and tests/api/test_http.py reads a compressed one).
PLAIN = {"Accept-Encoding": "identity"}
# Operations whose every input is valid (the root takes only If-None-Match, any string): they
# have no negative cases.
NOTHING_TO_NEGATE = {"GET /api/v1/"}


@pytest.fixture
def wsgi_in_test_transaction():
    """The WSGI application, as config/wsgi.py makes it, with the test's settings (its middleware
    reads them when it is made). Django closes a connection at the end of each request when it
    is not in autocommit, as a test's transaction is not; the test client stops that, and so does
    this, for raw WSGI."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(loaded, wsgi_in_test_transaction):
    call_command("loaddata", "must_haves", verbosity=0)
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_in_test_transaction)


def fuzz_settings(mode):
    return settings(
        max_examples=max(1, round(CASES_PER_OPERATION[mode] * SCALE)),
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


def known_inputs():
    """{operation: strategy of as_strategy() arguments} naming what exists: the schema cannot
    list slugs and ids, and cases made from it alone mostly find nothing. Half the positive
    cases of these operations take them (drafts, unpublished frameworks and uncited sources
    among them), the other half come from the schema alone."""
    frameworks = list(Framework.objects.values_list("slug", flat=True))
    published = list(Framework.objects.published().values_list("slug", flat=True))
    criteria = list(Criterion.objects.values_list("slug", flat=True))
    sources = list(Source.objects.values_list("pk", flat=True))
    claims = list(Claim.objects.values_list("pk", flat=True))
    questions = services.load_questionnaire()
    must_haves = [must.key for must in services.must_haves_offered(questions)]

    def answer(question):
        options = [option.pk for option in question.choices]
        if question.kind == Question.Kind.SINGLE:
            chosen = st.lists(st.sampled_from(options), min_size=1, max_size=1)
        else:
            chosen = st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True)
        return chosen.map(lambda ids: {"question": question.pk, "options": ids})

    weights = st.dictionaries(
        st.sampled_from(criteria), st.integers(0, 20) | st.floats(0, 20), max_size=8
    )
    slugs = st.lists(st.sampled_from(frameworks), max_size=2)
    return {
        "GET /api/v1/frameworks/{slug}/": st.sampled_from(frameworks).map(
            lambda slug: {"path_parameters": {"slug": slug}}
        ),
        "GET /api/v1/criteria/{slug}/": st.sampled_from(criteria).map(
            lambda slug: {"path_parameters": {"slug": slug}}
        ),
        "GET /api/v1/sources/{id}/": st.sampled_from(sources).map(
            lambda pk: {"path_parameters": {"id": pk}}
        ),
        "GET /api/v1/claims/{id}/": st.sampled_from(claims).map(
            lambda pk: {"path_parameters": {"id": pk}}
        ),
        "GET /api/v1/claims/": st.fixed_dictionaries(
            {"framework": slugs, "criterion": st.lists(st.sampled_from(criteria), max_size=2)},
            optional={"source": st.sampled_from(sources)},
        ).map(lambda query: {"query": query}),
        "GET /api/v1/compare/": st.lists(
            st.sampled_from(published), min_size=2, max_size=2, unique=True
        ).map(lambda chosen: {"query": {"frameworks": chosen}}),
        "POST /api/v1/score/": st.one_of(
            weights.map(lambda w: {"weights": w}),
            st.tuples(weights, st.lists(st.sampled_from(must_haves), max_size=2)).map(
                lambda pair: {"weights": pair[0], "must_haves": pair[1]}
            ),
            st.tuples(*[answer(q) for q in questions]).map(lambda a: {"answers": list(a)}),
        ).map(lambda body: {"body": body}),
    }


def fuzz(operation, mode, cases, statuses, known=None):
    """Run `operation` with cases of `mode`, counting them and their statuses."""
    strategy = operation.as_strategy(generation_mode=mode)
    if known is not None and mode.is_positive:
        named = known.flatmap(lambda kwargs: operation.as_strategy(generation_mode=mode, **kwargs))
        strategy = st.one_of(strategy, named)

    @fuzz_settings(mode)
    @given(case=strategy)
    def run(case):
        response = case.call_and_validate(headers=PLAIN, excluded_checks=[positive_data_acceptance])
        cases[operation.label, mode.value] += 1
        statuses[response.status_code] += 1

    run()


def test_every_operation_answers_as_its_schema_says(api_schema, api_fuzz_report):
    cases, statuses = Counter(), Counter()
    known = known_inputs()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in CASES_PER_OPERATION:
            if mode.is_positive or operation.label not in NOTHING_TO_NEGATE:
                fuzz(operation, mode, cases, statuses, known.get(operation.label))
    total = sum(cases.values())
    api_fuzz_report.update({f"cases: {label} ({mode})": n for (label, mode), n in cases.items()})
    api_fuzz_report["cases, total"] += total
    api_fuzz_report.update({f"responses: {status}": n for status, n in statuses.items()})
    assert {label for label, _ in cases} == {
        op.ok().label for op in api_schema.get_all_operations()
    }, "every operation was called"
    assert not any(status >= 500 for status in statuses)
    if SCALE >= 1:
        assert total >= MINIMUM_CASES, cases
