"""Conditional questions (skip logic): a question asked only after some answers to earlier ones.

The shipped questionnaire, with the admin-panel question moved after "What will the application
mainly serve?" and asked only to those who serve pages ("skip the admin questions, we are
building an API").
"""

import re

import pytest
from django.urls import reverse

from advisor import services
from advisor.models import Consultation, Option, Question
from comparisons.cache import current_version
from tests.advisor.test_views import (
    ACCOUNTS,
    ADMIN_NO,
    ADMIN_YES,
    API,
    BOTH,
    DB_LOT,
    HIGH,
    LARGE,
    PAGES,
    PARTLY,
    SOME_EXPERIENCE,
    WEEKS,
    form_data,
)

URL = "/advisor/"
SERVES = "What will the application mainly serve?"
ADMIN = "Do you need an admin panel for staff to manage the data?"
BASE = [LARGE, SOME_EXPERIENCE, ACCOUNTS, DB_LOT, WEEKS, PARTLY, HIGH]


@pytest.fixture
def skip_logic(loaded):
    """The admin question, asked after the one about pages or an API, only to who serves pages."""
    admin = Question.objects.get(text=ADMIN)
    serves = Question.objects.get(text=SERVES)
    admin.order = serves.order + 5
    admin.save()
    admin.shown_when.set(Option.objects.filter(label__in=[PAGES, BOTH]))
    return admin


def post(client, labels, extra=None):
    return client.post(URL, {**form_data(labels), **(extra or {})})


def test_the_form_marks_the_conditional_question_and_says_when_to_answer_it(client, skip_logic):
    html = client.get(URL).content.decode()
    options = sorted(Option.objects.filter(label__in=[PAGES, BOTH]).values_list("pk", flat=True))
    assert f'data-question="{skip_logic.pk}" data-shown-when="{options[0]} {options[1]}"' in html
    assert "data-required-when-shown" in html
    note = f"(Only if you answered “{PAGES}” or “{BOTH}” to “{SERVES}”; otherwise leave it.)"
    assert note in html.replace("&quot;", '"')
    assert "Some questions depend on an earlier answer" in html
    # Not required by the browser: without scripts it is shown to everyone.
    admin_inputs = re.findall(rf'<input[^>]*name="q{skip_logic.pk}"[^>]*>', html)
    assert admin_inputs and not any(" required" in tag for tag in admin_inputs)
    assert '<script src="/static/js/advisor-questionnaire.js" defer></script>' in html


def test_a_questionnaire_without_conditions_says_nothing_of_them(client, loaded):
    html = client.get(URL).content.decode()
    assert "data-shown-when" not in html and "depend on an earlier answer" not in html


def test_conditions_keep_the_questionnaires_query_budget(
    client, skip_logic, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the knowledge version, the questionnaire
        assert client.get(URL).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(URL).status_code == 200


def test_an_answer_to_a_question_that_was_not_asked_changes_nothing(client, skip_logic):
    skipped = post(client, [*BASE, API])
    answered = post(client, [*BASE, API, ADMIN_YES])  # posted anyway, e.g. without scripts
    assert skipped.status_code == answered.status_code == 303
    assert skipped["Location"] == answered["Location"]  # the same consultation
    consultation = Consultation.objects.get()
    (admin,) = [a for a in consultation.answers if a["question"] == skip_logic.pk]
    assert admin == {
        "question": skip_logic.pk,
        "text": ADMIN,
        "options": [],
        "labels": [],
        "skipped": True,
    }
    html = client.get(answered["Location"]).content.decode()
    assert "Not asked (it depends on an earlier answer)" in html


def test_an_asked_conditional_question_counts_and_is_required(client, skip_logic):
    missing = post(client, [*BASE, PAGES])
    assert missing.status_code == 400
    html = missing.content.decode()
    assert re.search(rf'id="id_q{skip_logic.pk}_error".*?Please answer this question', html, re.S)
    with_admin = post(client, [*BASE, PAGES, ADMIN_YES])
    without = post(client, [*BASE, PAGES, ADMIN_NO])
    assert with_admin.status_code == without.status_code == 303
    a, b = (
        Consultation.objects.get(pk=r["Location"].split("/")[-2]) for r in (with_admin, without)
    )
    assert a.weights["admin-panel"] > b.weights["admin-panel"]


def test_answers_to_a_skipped_question_cannot_ask_the_next(client, skip_logic):
    """A chain: the database question is asked only after "yes" to the admin question."""
    database = Question.objects.get(text="How much database work will the application do?")
    database.order = skip_logic.order + 1
    database.save()
    database.shown_when.set([Option.objects.get(label=ADMIN_YES)])
    base = [b for b in BASE if b != DB_LOT]
    plain = post(client, [*base, API])
    forced = post(client, [*base, API, ADMIN_YES, DB_LOT])  # both skipped: both ignored
    assert plain["Location"] == forced["Location"]
    asked = post(client, [*base, BOTH, ADMIN_YES, DB_LOT])
    assert asked["Location"] != plain["Location"]
    consultation = Consultation.objects.get(pk=asked["Location"].split("/")[-2])
    chosen = {a["question"]: a["options"] for a in consultation.answers}
    assert chosen[database.pk] == [Option.objects.get(label=DB_LOT).pk]


def test_an_invalid_answer_to_a_skipped_question_is_still_refused(client, skip_logic):
    response = post(client, [*BASE, API], {f"q{skip_logic.pk}": "not-an-option"})
    assert response.status_code == 400
    assert not Consultation.objects.exists()


def test_advise_ignores_the_answers_of_questions_not_asked_whoever_calls_it(skip_logic):
    questions = services.load_questionnaire()
    options = {o.label: o for q in questions for o in q.choices}
    answers = [
        {
            "question": options[label].question_id,
            "text": "",
            "options": [options[label].pk],
            "labels": [label],
        }
        for label in [*BASE, API, ADMIN_YES]
    ]
    without = [a for a in answers if a["question"] != skip_logic.pk]
    assert services.advise(answers).weights == services.advise(without).weights
    assert services.asked_questions(questions, {}) == {
        q.pk for q in questions if q.pk != skip_logic.pk
    }


# --- the admin -----------------------------------------------------------------------------


def question_data(question, **changes):
    data = {
        "text": question.text,
        "help_text": question.help_text,
        "kind": question.kind,
        "is_required": "on" if question.is_required else "",
        "order": question.order,
        "is_active": "on",
        "shown_when": [str(o.pk) for o in question.shown_when.all()],
        "options-TOTAL_FORMS": 0,
        "options-INITIAL_FORMS": 0,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_editors_make_a_question_conditional_on_earlier_answers_only(editor_client, loaded):
    serves = Question.objects.get(text=SERVES)
    traffic = Question.objects.get(text="How much traffic do you expect?")
    url = reverse("admin:advisor_question_change", args=[serves.pk])
    page = editor_client.get(url).content.decode()
    assert 'name="shown_when"' in page and "asked only after" in page.lower()
    # Traffic (order 80) comes before "serves" (order 90): its answers may decide.
    high = Option.objects.get(label=HIGH)
    response = editor_client.post(url, question_data(serves, shown_when=[str(high.pk)]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(serves.shown_when.all()) == [high]
    # Its own options, or a later question's, cannot.
    later = Question.objects.get(text="What else matters to you?").options.first()
    for option in (later, serves.options.first()):
        response = editor_client.post(url, question_data(serves, shown_when=[str(option.pk)]))
        assert response.status_code == 200
        assert "Only answers to earlier questions can decide" in response.content.decode()
    assert list(serves.shown_when.all()) == [high]
    listing = editor_client.get(reverse("admin:advisor_question_changelist")).content.decode()
    assert f"after “{HIGH}”" in listing
    # Moving the question before its condition is flagged in the list.
    Question.objects.filter(pk=serves.pk).update(order=1)
    listing = editor_client.get(reverse("admin:advisor_question_changelist")).content.decode()
    assert "not all of them asked before it" in listing
    assert traffic.order == 80


def test_changing_conditions_invalidates_the_cached_questionnaire(
    loaded, django_capture_on_commit_callbacks
):
    question = Question.objects.get(text=SERVES)
    before = current_version()
    with django_capture_on_commit_callbacks(execute=True):
        question.shown_when.add(Option.objects.get(label=HIGH))
    assert current_version() == before + 1
    (served,) = [q for q in services.load_questionnaire() if q.pk == question.pk]
    assert served.shown_when_ids == {Option.objects.get(label=HIGH).pk}
