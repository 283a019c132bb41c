"""The scoring POST: the advisor's ranking, bands and reasons for the same weights, never saved."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisor import scoring, services
from advisor.models import Consultation, Question
from comparisons import knowledge
from tests.api.conftest import body, post_json, problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/score/"


@pytest.fixture
def advisor_loaded(loaded):
    """The starting content, the questionnaire and its must-haves."""
    call_command("loaddata", "must_haves", verbosity=0)


def answers_of(questions, pick):
    """One answer per question: the option at index `pick` (or the last one), as the API takes
    them, and as the advisor's services take them."""
    api, advisor = [], []
    for question in questions:
        option = question.choices[min(pick, len(question.choices) - 1)]
        api.append({"question": question.pk, "options": [option.pk]})
        advisor.append(
            {"question": question.pk, "text": question.text, "options": [option.pk], "labels": []}
        )
    return api, advisor


def assert_same_recommendation(result, expected):
    """The API's result holds the advisor's recommendation, field for field."""
    for key, value in expected.items():
        if key == "ranking":
            for ranked, advised in zip(result["ranking"], value, strict=True):
                assert {k: ranked[k] for k in advised} == advised
        else:
            assert result[key] == value, key


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_answers_give_the_advisors_result_and_nothing_is_saved(client, advisor_loaded, pick):
    questions = services.load_questionnaire()
    api_answers, advisor_answers = answers_of(questions, pick)
    consultation = services.advise(advisor_answers)
    with CaptureQueriesContext(connection) as queries:
        result = body(post_json(client, URL, {"answers": api_answers}))
    assert not [q for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert Consultation.objects.count() == 0
    expected = consultation.result["recommendation"]
    assert_same_recommendation(result, expected)
    assert result["weights"] == {slug: float(w) for slug, w in consultation.weights.items()}
    assert [c["id"] for c in result["decisive_claims"]] == [
        c["id"] for c in consultation.result["decisive_claims"]
    ]
    assert [c["id"] for c in result["questioned_claims"]] == [
        c["id"] for c in consultation.result["questioned_claims"]
    ]
    names = consultation.result["frameworks"]
    assert [r["name"] for r in result["ranking"]] == [
        names[r["framework"]] for r in expected["ranking"]
    ]


def test_a_quiz_submission_and_its_weights_give_the_same_ranking(client, advisor_loaded):
    """The advisor's page for some answers, then its weights and must-haves sent to the API."""
    questions = services.load_questionnaire()
    data = {}
    for question in questions:
        data.setdefault(f"q{question.pk}", str(question.choices[-1].pk))
    response = client.post("/advisor/", data)
    assert response.status_code == 303
    consultation = Consultation.objects.get()
    advised = consultation.result["recommendation"]
    must_haves = [r["key"] for r in advised["requirements"]]
    assert must_haves, "the last option of the must-have question asks for one"
    data = {"weights": consultation.weights, "must_haves": must_haves}
    result = body(post_json(client, URL, data))
    assert_same_recommendation(result, advised)
    assert Consultation.objects.count() == 1


WEIGHTS = [
    {"learning-curve": 10},
    {"admin-panel": 5, "performance": 5, "async-support": 2.5},
    {"cost": 0, "security": 20, "orm": 1},
    {},
    {"documentation": 0},
]


@pytest.mark.parametrize("weights", WEIGHTS)
def test_weights_rank_as_the_scoring_engine_does_with_the_advisors_knowledge(
    client, advisor_loaded, weights
):
    criteria, frameworks, evidence = knowledge.advisor_knowledge()
    counted = {key: score for key, score in evidence.items() if score.has_score}
    expected = scoring.recommend(
        weights,
        {key: score.score for key, score in counted.items()},
        [f["slug"] for f in frameworks],
        decisive_count=services.DECISIVE_COUNT,
        detail_count=services.TABLE_FRAMEWORKS,
        strengths={key: score.strength for key, score in counted.items()},
    ).as_dict()
    result = body(post_json(client, URL, {"weights": weights}))
    assert_same_recommendation(result, expected)
    assert_same_recommendation(result, services.recommend(weights).as_dict())
    assert [r["framework"] for r in result["ranking"]] == [
        r["framework"] for r in expected["ranking"]
    ]
    assert set(result["weights"]) == {c["slug"] for c in criteria}
    assert result["no_preference"] == (not any(weights.values()))
    assert result["knowledge_version"] >= 0


@pytest.mark.parametrize("weights", WEIGHTS[:3])
def test_must_haves_set_frameworks_apart_as_the_advisor_does(client, advisor_loaded, weights):
    offered = [must.key for must in services.must_haves_offered()]
    assert offered, "the shipped questionnaire offers must-haves"
    for key in offered:
        expected = services.recommend(weights, [key]).as_dict()
        result = body(post_json(client, URL, {"weights": weights, "must_haves": [key]}))
        assert_same_recommendation(result, expected)
        assert [r["key"] for r in result["requirements"]] == [key]
    data = problem(post_json(client, URL, {"weights": weights, "must_haves": ["nope"]}), 400)
    assert list(data["errors"]) == ["must_haves"] and offered[0] in data["errors"]["must_haves"][0]


def test_a_recommendation_explains_itself(client, advisor_loaded):
    result = body(post_json(client, URL, {"weights": {"admin-panel": 10, "learning-curve": 3}}))
    assert result["winner"] == "django"
    top = result["ranking"][0]
    assert top["band_low"] <= top["score"] <= top["band_high"]
    assert result["decisive"] and result["decisive"][0]["criterion"] == "admin-panel"
    assert result["message"]
    assert all(c["framework"] == "django" for c in result["decisive_claims"])
    assert result["decisive_claims"][0]["citations"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "non_field_errors"),
        ({"weights": {"cost": 1}, "answers": []}, "non_field_errors"),
        ({"weights": {"nope": 1}}, "weights"),
        ({"weights": {"cost": -1}}, "weights.cost"),
        ({"weights": {"cost": 21}}, "weights.cost"),
        ({"weights": {"cost": "5"}}, "weights.cost"),
        ({"weights": {"cost": True}}, "weights.cost"),
        ({"weights": {"cost": None}}, "weights.cost"),
        ({"weights": {"cost": 10**400}}, "weights.cost"),
        ({"weights": ["cost"]}, "weights"),
        ({"weights": "cost=1"}, "weights"),
        ({"answers": {"1": [1]}}, "answers"),
        ({"answers": [{"question": 1}]}, "answers.0.options"),
        ({"answers": [{"question": "1", "options": [1]}]}, "answers.0.question"),
        ({"answers": [{"question": 1, "options": [1.0]}]}, "answers.0.options.0"),
        ({"answers": [{"question": 10**30, "options": [1]}]}, "answers.0.question"),
        ({"answers": [{"question": 99999, "options": [1]}]}, "answers"),
        (
            {"answers": [{"question": 1, "options": [1]}, {"question": 1, "options": [1]}]},
            "answers",
        ),
        ({"answers": []}, "answers"),
        ({"answers": [{"question": 1, "options": [1]}], "must_haves": []}, "must_haves"),
        ({"weights": {}, "must_haves": "async-support"}, "must_haves"),
    ],
)
def test_bad_bodies_are_400_problems_and_save_nothing(client, advisor_loaded, data, field):
    response = post_json(client, URL, data)
    problem_data = problem(response, 400)
    assert problem_data["detail"] == "The request body is not valid."
    assert field in problem_data["errors"], problem_data["errors"]
    assert Consultation.objects.count() == 0


def test_answers_the_quiz_refuses_say_which_question(client, advisor_loaded):
    questions = services.load_questionnaire()
    single = next(q for q in questions if q.kind == Question.Kind.SINGLE and len(q.choices) > 1)
    other = next(q for q in questions if q.pk != single.pk)
    answers = [
        {"question": single.pk, "options": [o.pk for o in single.choices[:2]]},
        {"question": other.pk, "options": [single.choices[0].pk]},
    ]
    errors = problem(post_json(client, URL, {"answers": answers}), 400)["errors"]["answers"]
    assert any(f"Question {single.pk} " in message for message in errors)
    assert any(f"Question {other.pk} " in message for message in errors)
    required = [q for q in questions if q.is_required and q.pk not in (single.pk, other.pk)]
    assert any(f"Question {required[0].pk} " in message for message in errors)


def test_without_frameworks_or_weights_there_is_no_winner(client, db):
    result = body(post_json(client, URL, {"weights": {}}))
    assert result["no_preference"] is True and result["winner"] is None
    assert result["ranking"] == [] and result["decisive_claims"] == []
