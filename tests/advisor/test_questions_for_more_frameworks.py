"""The questions that separate API, async and mature frameworks (questions 11 to 16), and the
advice they give once FastAPI, Starlette and Litestar are in the knowledge base.

The questions ask what Django and Flask rarely differ on: an API first or pages first, waiting on
other systems, typed request validation, a generated API schema, real-time updates, and how much a
slowly changing framework matters. Each option moves the criteria that answer those needs (the
criteria added for them: async support, data validation, OpenAPI, WebSockets, type hints and
maturity, and older ones where they fit, such as the admin panel for a site of pages).

They are optional: a visitor may skip them, and the answers of consultations made before they
existed stay valid for a re-run.

The personas go through the real stack: everything the site ships is loaded with
`load_starting_content` (the article's frameworks, every file under fixtures/frameworks/ and the
questionnaire), and the advisor's form is posted with the test client. The knowledge base keeps
growing (other frameworks are added in parallel), so each persona names the set of frameworks
that may come out on top and the ones that must not, rather than a single winner.
"""

import re

import pytest
from django.core.management import call_command

from advisor.models import Consultation, Option, OptionWeight, Question
from comparisons.models import Criterion, Framework
from tests.advisor.test_views import (
    ACCOUNTS,
    ADMIN_NO,
    ADMIN_YES,
    API,
    BATTERIES,
    BOTH,
    CONTROL,
    DAYS,
    DB_LITTLE,
    DB_LOT,
    EXPERIENCED,
    HIGH,
    LARGE,
    LOW,
    MEDIUM,
    MODERATE,
    NO_ACCOUNTS,
    PAGES,
    PARTLY,
    SIMPLE_LOGIN,
    SMALL,
    SOME_EXPERIENCE,
    WEEKS,
    form_data,
    section,
    submit,
)

pytestmark = pytest.mark.django_db

NEW_QUESTIONS = range(11, 17)
NEW_CRITERIA = {
    "async-support",
    "data-validation",
    "openapi",
    "websockets",
    "type-hints",
    "maturity",
}

# The answers of the new questions, by option label.
API_FIRST, PAGES_FIRST, PAGES_AND_API = (
    "Other programs: it is an API first",
    "People in a browser: pages, forms and a back office",
    "Both, about equally",
)
WAITS_A_LOT, WAITS_SOME, WAITS_LITTLE = (
    "A lot: many concurrent connections and long waits on other services",
    "Some: a few calls to other services",
    "Little: short requests, answered one after another",
)
TYPED, HAND_CHECKS, UNCHECKED = (
    "Yes: declare the types once and have every request checked and converted",
    "Some checks, written by hand where needed",
    "No: the input is simple or comes from trusted callers",
)
SCHEMA, SCHEMA_NICE, NO_SCHEMA = (
    "Yes: an OpenAPI schema and interactive docs, generated from the code",
    "It would be nice to have",
    "No: nobody outside the team calls it",
)
REAL_TIME, REAL_TIME_LATER, NO_REAL_TIME = (
    "Yes: chat, live updates or notifications over WebSockets",
    "Maybe later",
    "No: ordinary requests and responses are enough",
)
MATURE, MATURE_SOMEWHAT, FAST_MOVING_IS_FINE = (
    "A lot: it must stay stable and supported for years",
    "Somewhat",
    "Not much: we can keep up with a fast-moving framework",
)

# question -> option -> {criterion slug: change}: the design of the new questions, as the admin
# shows it to editors. test_questionnaire_fixture.DESIGN holds the design of questions 1 to 10.
NEW_DESIGN = {
    "Who mainly uses it: other programs calling an API, or people in a browser?": {
        API_FIRST: {"openapi": 3, "data-validation": 2, "type-hints": 1, "admin-panel": -1},
        PAGES_FIRST: {
            "admin-panel": 2,
            "templating": 1,
            "forms-validation": 1,
            "authentication": 1,
            "openapi": -3,
        },
        PAGES_AND_API: {"openapi": 1, "templating": 1},
    },
    "How much will requests wait on other systems, or stay open?": {
        WAITS_A_LOT: {"async-support": 5, "performance": 1, "scalability": 1},
        WAITS_SOME: {"async-support": 2},
        WAITS_LITTLE: {"async-support": -4},
    },
    "Should request data be validated against declared types?": {
        TYPED: {"data-validation": 5, "type-hints": 3},
        HAND_CHECKS: {"data-validation": 1},
        UNCHECKED: {"data-validation": -3, "type-hints": -2},
    },
    "Do you need an API schema and interactive API documentation?": {
        SCHEMA: {"openapi": 5, "documentation": 1},
        SCHEMA_NICE: {"openapi": 1},
        NO_SCHEMA: {"openapi": -3},
    },
    "Will the application push updates to users in real time?": {
        REAL_TIME: {"websockets": 5, "async-support": 2},
        REAL_TIME_LATER: {"websockets": 1},
        NO_REAL_TIME: {"websockets": -3},
    },
    "How much does a mature, slowly changing framework matter?": {
        MATURE: {"maturity": 5, "community": 1, "documentation": 1},
        MATURE_SOMEWHAT: {"maturity": 1},
        FAST_MOVING_IS_FINE: {"maturity": -3},
    },
}

API_FRAMEWORKS = {"fastapi", "litestar", "starlette"}  # FastAPI is Starlette with validation
FULL_STACK = {"django", "pyramid"}
# Small frameworks, each by its own documentation: Flask, Bottle and Falcon are WSGI
# microframeworks; Starlette calls itself lightweight, and FastAPI's benchmarks page calls it
# "an API microframework" on top of Starlette. Django and Pyramid are not on the list.
SMALL_FRAMEWORKS = {"flask", "bottle", "falcon", "starlette", "fastapi"}

PERSONAS = [
    pytest.param(
        [MEDIUM, EXPERIENCED, ADMIN_NO, NO_ACCOUNTS, DB_LITTLE, WEEKS, PARTLY, HIGH, API]
        + [API_FIRST, WAITS_A_LOT, TYPED, SCHEMA, REAL_TIME_LATER, MATURE_SOMEWHAT],
        API_FRAMEWORKS,
        {"django", "flask", "bottle", "pyramid"},
        set(),
        id="async JSON API with typed validation and a schema -> FastAPI, Litestar or Starlette",
    ),
    pytest.param(
        [LARGE, SOME_EXPERIENCE, ADMIN_YES, ACCOUNTS, DB_LOT, WEEKS, BATTERIES, MODERATE, PAGES]
        + [PAGES_FIRST, WAITS_LITTLE, HAND_CHECKS, NO_SCHEMA, NO_REAL_TIME, MATURE],
        {"django"},
        API_FRAMEWORKS | {"flask", "bottle", "falcon"},
        {"admin-panel"},
        id="admin-heavy content site of server-rendered pages -> Django",
    ),
    pytest.param(
        [SMALL, EXPERIENCED, ADMIN_NO, NO_ACCOUNTS, DB_LITTLE, DAYS, CONTROL, LOW, API]
        + [WAITS_LITTLE, UNCHECKED, NO_SCHEMA, NO_REAL_TIME, FAST_MOVING_IS_FINE],
        SMALL_FRAMEWORKS,
        FULL_STACK,
        set(),
        id="tiny synchronous service -> a small framework, not Django",
    ),
    pytest.param(
        [MEDIUM, SOME_EXPERIENCE, ADMIN_YES, SIMPLE_LOGIN, DB_LOT, WEEKS, BATTERIES, LOW, BOTH]
        + [PAGES_FIRST, WAITS_LITTLE, HAND_CHECKS, NO_SCHEMA, NO_REAL_TIME, MATURE],
        {"django"},
        API_FRAMEWORKS | {"flask", "bottle", "falcon"},
        {"orm"},
        id="data-heavy internal tool with an admin -> Django",
    ),
]


@pytest.fixture
def everything(db):
    """All the shipped content, as a new site loads it."""
    call_command("load_starting_content", verbosity=0)


# --- the questionnaire fixture ---------------------------------------------------------------


def loaded_design(questions):
    design = {}
    weights = OptionWeight.objects.filter(option__question__in=questions).select_related(
        "option__question", "criterion"
    )
    for weight in weights:
        question = design.setdefault(weight.option.question.text, {})
        question.setdefault(weight.option.label, {})[weight.criterion.slug] = weight.change
    return design


def test_the_questionnaire_loads_with_the_new_questions_after_the_old_ones(loaded):
    new = list(Question.objects.filter(pk__in=NEW_QUESTIONS))
    old = Question.objects.exclude(pk__in=NEW_QUESTIONS)
    assert [q.text for q in new] == list(NEW_DESIGN)
    assert min(q.order for q in new) > max(q.order for q in old)
    assert all(q.is_active and q.kind == Question.Kind.SINGLE for q in new)
    assert not any(q.is_required for q in new), "optional, so older answer sets stay valid"
    for model in (Question, Option, OptionWeight):
        for obj in model.objects.all():
            obj.full_clean()
    labels = list(Option.objects.values_list("label", flat=True))
    assert len(labels) == len(set(labels))


def test_every_new_option_moves_the_criteria_it_was_designed_to_move(loaded):
    assert loaded_design(NEW_QUESTIONS) == NEW_DESIGN


def test_every_new_option_moves_at_least_one_criterion(loaded):
    options = Option.objects.filter(question__in=NEW_QUESTIONS).prefetch_related("weights")
    assert options.count() == sum(len(options) for options in NEW_DESIGN.values())
    for option in options:
        changes = [weight.change for weight in option.weights.all()]
        assert changes and all(changes), f"{option} changes nothing"


def test_each_new_question_weighs_the_criteria_that_separate_the_newer_frameworks(loaded):
    for text, options in NEW_DESIGN.items():
        moved = {slug for changes in options.values() for slug in changes}
        assert moved & NEW_CRITERIA, text
        raised = [slug for changes in options.values() for slug, d in changes.items() if d > 0]
        lowered = [slug for changes in options.values() for slug, d in changes.items() if d < 0]
        assert raised and lowered, f"{text}: its answers should pull in different directions"
    slugs = set(Criterion.objects.values_list("slug", flat=True))
    assert slugs >= NEW_CRITERIA


def test_old_answer_sets_still_submit_without_the_new_questions(client, loaded):
    labels = [SMALL, EXPERIENCED, ADMIN_NO, NO_ACCOUNTS, DB_LITTLE, WEEKS, CONTROL, LOW, API]
    data = form_data(labels)
    assert not {f"q{pk}" for pk in NEW_QUESTIONS} & set(data)
    assert client.post("/advisor/", data).status_code == 303


# --- personas, through the real stack --------------------------------------------------------


@pytest.mark.parametrize(("labels", "allowed", "forbidden", "reasons"), PERSONAS)
def test_personas_get_a_framework_of_the_kind_they_need_with_its_reasons(
    client, everything, labels, allowed, forbidden, reasons
):
    published = set(Framework.objects.published().values_list("slug", flat=True))
    assert {"django", "flask", "fastapi", "starlette", "litestar"} <= published
    assert any(Question.objects.filter(pk=pk).exists() for pk in NEW_QUESTIONS)

    response = submit(client, labels)
    consultation = Consultation.objects.get()
    recommendation = consultation.result["recommendation"]
    ranking = [score["framework"] for score in recommendation["ranking"]]
    names = dict(Criterion.objects.values_list("slug", "name"))
    decisive = [d["criterion"] for d in recommendation["decisive"]]
    explanation = (
        f"{consultation.recommended} ahead of {ranking[1]} by {consultation.margin:.1f} points; "
        f"decisive: {[names[slug] for slug in decisive]}; ranking: {ranking}"
    )
    print(explanation)

    assert consultation.recommended in allowed, explanation
    assert consultation.recommended not in forbidden, explanation
    assert consultation.margin > 0, explanation
    assert decisive, explanation
    assert reasons <= set(decisive), explanation

    html = client.get(response["Location"]).content.decode()
    winner, runner_up = (Framework.objects.get(slug=slug).name for slug in ranking[:2])
    if f"Too close to call: {winner} or {runner_up}</h1>" in html:
        # The evidence cannot separate the top two: then both must be of the kind needed.
        assert ranking[1] in allowed and ranking[1] not in forbidden, explanation
    else:
        assert f"Our recommendation: {winner}</h1>" in html, explanation
    shown = set(re.findall(r'<h3 class="h5" id="why-\d+">([^<]+):', section(html, "why")))
    assert shown == {names[slug] for slug in decisive}, explanation


def test_the_async_api_persona_ranks_the_api_frameworks_above_django_and_flask(client, everything):
    labels, *_ = PERSONAS[0].values
    submit(client, labels)
    consultation = Consultation.objects.get()
    ranking = [score["framework"] for score in consultation.result["recommendation"]["ranking"]]
    print(ranking)
    for api in ("fastapi", "litestar"):
        for other in ("django", "flask"):
            assert ranking.index(api) < ranking.index(other), ranking
    weights = consultation.weights
    defaults = dict(Criterion.objects.values_list("slug", "default_weight"))
    for slug in ("async-support", "data-validation", "openapi", "type-hints"):
        assert weights[slug] > defaults[slug], slug
    assert weights["templating"] <= defaults["templating"]


def test_the_content_site_persona_weighs_pages_and_admin_not_the_api(client, everything):
    labels, *_ = PERSONAS[1].values
    submit(client, labels)
    weights = Consultation.objects.get().weights
    defaults = dict(Criterion.objects.values_list("slug", "default_weight"))
    for slug in ("admin-panel", "templating", "forms-validation", "maturity"):
        assert weights[slug] > defaults[slug], slug
    for slug in ("openapi", "async-support", "websockets"):  # lowered, or not counted at all
        assert weights[slug] < defaults[slug] or weights[slug] == 0, slug
