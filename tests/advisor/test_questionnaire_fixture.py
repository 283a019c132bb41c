"""The shipped questionnaire: loads with the starting content, and is wired as designed."""

import json
from pathlib import Path

from django.core.management import call_command

from advisor.models import Option, OptionWeight, Question
from tests.advisor.test_questions_for_more_frameworks import NEW_DESIGN

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "questionnaire.json"

# The design of the questionnaire, drawn from the article's "When to use Flask?", "When to use
# Django?" and "How can iTechnolabs help" sections: question -> option -> {criterion: change}.
# The fixture references criteria by primary key; this table says which slug each must be.

DESIGN = {
    "How big is the project, and how much will it grow?": {
        "A small app or a prototype that will stay small": {
            "flexibility": 3,
            "development-speed": 2,
            "scalability": -3,
            "built-in-features": -2,
        },
        "A medium-sized application that may grow a little": {"flexibility": 1, "scalability": 1},
        "A large or complex application that will keep growing": {
            "scalability": 4,
            "built-in-features": 2,
            "use-cases": 2,
        },
    },
    "How experienced is your team with Python web development?": {
        "Beginners: we are new to web frameworks": {"learning-curve": 5, "documentation": 1},
        "Some experience: we have built a web app or two": {"learning-curve": 1},
        "Experienced: we know which pieces we want": {"learning-curve": -3, "flexibility": 2},
    },
    "Do you need an admin panel for staff to manage the data?": {
        "Yes: staff will manage content or users every day": {"admin-panel": 5},
        "Maybe later, nothing elaborate": {"admin-panel": -2},
        "No": {"admin-panel": -5},
    },
    "Will users sign up and log in?": {
        "Yes: accounts, permissions and personal data": {"authentication": 5, "security": 3},
        "Only a simple log-in, for a few people": {"authentication": -1},
        "No user accounts": {"authentication": -5, "security": -1},
    },
    "How much database work will the application do?": {
        "A lot: many related tables, complex queries, schema migrations": {
            "orm": 5,
            "database-support": 3,
        },
        "Some: a handful of tables": {"orm": 1},
        "Little or none, or the data lives in another service": {
            "orm": -4,
            "database-support": -2,
        },
    },
    "How soon must a first prototype run?": {
        "Within days: speed of the first version matters most": {
            "development-speed": 4,
            "learning-curve": 2,
            "dev-server": 1,
        },
        "Within weeks: a reasonable pace is fine": {"development-speed": 1},
        "No rush: long-term maintainability matters more": {
            "development-speed": -2,
            "documentation": 1,
            "community": 1,
        },
    },
    "Do you want to choose and control every component yourself?": {
        "Yes: I want to pick and assemble my own components": {
            "flexibility": 5,
            "built-in-features": -3,
            "orm": -1,
            "forms-validation": -1,
        },
        "Partly: sensible defaults, with room to swap a few": {
            "flexibility": 1,
            "built-in-features": 1,
        },
        "No: I prefer everything included and working together": {
            "built-in-features": 3,
            "flexibility": -3,
        },
    },
    "How much traffic do you expect?": {
        "High: many thousands of users at the same time": {"scalability": 4, "performance": 3},
        "Moderate": {"scalability": 1, "performance": 1},
        "Low: an internal tool or a few users": {"scalability": -3, "performance": -2},
    },
    "What will the application mainly serve?": {
        "Web pages rendered on the server, with forms": {"templating": 2, "forms-validation": 2},
        "A JSON API for a separate front end or mobile app": {
            "templating": -4,
            "forms-validation": -3,
            "flexibility": 1,
        },
        "Both pages and an API": {"templating": 1, "forms-validation": 1, "routing": 1},
    },
    "What else matters to you?": {
        "A large community and plenty of third-party packages": {"community": 3, "use-cases": 1},
        "Thorough official documentation": {"documentation": 3},
        "Proven use at large companies": {"use-cases": 3},
        "Strong security defaults": {"security": 3},
        "No licence costs": {"cost": 3},
    },
}


def test_fixture_is_pretty_printed_for_review():
    text = FIXTURE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_every_option_weight_points_at_the_intended_criterion(loaded):
    """The fixture names criteria by pk: after loading both fixtures, each is the right slug."""
    loaded_design = {}
    weights = OptionWeight.objects.select_related("option__question", "criterion")
    for weight in weights:
        question = loaded_design.setdefault(weight.option.question.text, {})
        question.setdefault(weight.option.label, {})[weight.criterion.slug] = weight.change
    assert loaded_design == {**DESIGN, **NEW_DESIGN}


def test_questions_in_order_with_unique_labels(loaded):
    questions = list(Question.objects.all())
    assert [q.text for q in questions] == [*DESIGN, *NEW_DESIGN]
    assert len(questions) >= 8
    assert all(q.is_active for q in questions)
    assert {q.kind for q in questions} == {Question.Kind.SINGLE, Question.Kind.MULTIPLE}
    # The article's single-choice questions are required; the ones that separate the further
    # frameworks are optional, so answers saved before them stay valid.
    article = [q for q in questions if q.text in DESIGN]
    assert all(q.is_required for q in article if q.kind == Question.Kind.SINGLE)
    assert not any(q.is_required for q in questions if q.text in NEW_DESIGN)
    labels = list(Option.objects.values_list("label", flat=True))
    assert len(labels) == len(set(labels))


def test_every_object_passes_model_validation(loaded):
    for model in (Question, Option, OptionWeight):
        for obj in model.objects.all():
            obj.full_clean()


def test_loads_twice_without_duplicates(loaded):
    counts = [model.objects.count() for model in (Question, Option, OptionWeight)]
    call_command("loaddata", "questionnaire", verbosity=0)
    assert [model.objects.count() for model in (Question, Option, OptionWeight)] == counts
