"""Editors write the questionnaire in the admin and read consultations, which nobody can change."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from advisor.models import Consultation, Option, OptionWeight, Question
from tests.factories import make_criterion, make_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    question = Question.objects.create(text="Need an admin?", order=1)
    option = Option.objects.create(question=question, label="Yes", order=1)
    weight = OptionWeight.objects.create(option=option, criterion=make_criterion(), change=4)
    return {"question": question, "option": option, "weight": weight}


def make_consultations(counts):
    """counts: {framework slug or "": n}; the frameworks exist with capitalised names."""
    consultations = []
    for slug, n in counts.items():
        if slug:
            make_framework(name=slug.capitalize(), slug=slug)
        for i in range(n):
            consultations.append(
                Consultation.objects.create(
                    engine_version="1",
                    recommended=slug,
                    margin=1.5 + i,
                    answers=[{"question": 1, "text": "Size?", "options": [1], "labels": ["Small"]}],
                    weights={"admin-panel": 9},
                    result={"frameworks": {slug: slug.capitalize()} if slug else {}},
                )
            )
    return consultations


@pytest.mark.parametrize("model", ["question", "option"])
def test_editor_can_open_the_questionnaire_pages(editor_client, quiz, model):
    obj = quiz[model]
    for url in (
        reverse(f"admin:advisor_{model}_changelist"),
        reverse(f"admin:advisor_{model}_add"),
        reverse(f"admin:advisor_{model}_change", args=[obj.pk]),
        reverse(f"admin:advisor_{model}_history", args=[obj.pk]),
    ):
        assert editor_client.get(url).status_code == 200, url


def test_option_page_shows_its_effects_with_a_criterion_autocomplete(editor_client, quiz):
    html = editor_client.get(
        reverse("admin:advisor_option_change", args=[quiz["option"].pk])
    ).content.decode()
    assert "Effects on criteria" in html
    assert "admin-autocomplete" in html
    question_html = editor_client.get(
        reverse("admin:advisor_question_change", args=[quiz["question"].pk])
    ).content.decode()
    assert f"{quiz['weight'].criterion.name} +4" in question_html


def test_editor_adds_a_question_with_options(editor_client):
    response = editor_client.post(
        reverse("admin:advisor_question_add"),
        {
            "text": "Expected traffic?",
            "help_text": "",
            "kind": "single",
            "is_required": "on",
            "order": 5,
            "is_active": "on",
            "options-TOTAL_FORMS": 2,
            "options-INITIAL_FORMS": 0,
            "options-MIN_NUM_FORMS": 0,
            "options-MAX_NUM_FORMS": 1000,
            "options-0-label": "High",
            "options-0-order": 1,
            "options-1-label": "Low",
            "options-1-order": 2,
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(text="Expected traffic?")
    assert list(question.options.values_list("label", flat=True)) == ["High", "Low"]


def test_editor_wires_an_option_to_criteria(editor_client, quiz):
    criterion = make_criterion()
    option = quiz["option"]
    existing = quiz["weight"]
    response = editor_client.post(
        reverse("admin:advisor_option_change", args=[option.pk]),
        {
            "question": option.question.pk,
            "label": "Yes",
            "order": 1,
            "weights-TOTAL_FORMS": 2,
            "weights-INITIAL_FORMS": 1,
            "weights-MIN_NUM_FORMS": 0,
            "weights-MAX_NUM_FORMS": 1000,
            "weights-0-id": existing.pk,
            "weights-0-option": option.pk,
            "weights-0-criterion": existing.criterion.pk,
            "weights-0-change": 5,
            "weights-1-option": option.pk,
            "weights-1-criterion": criterion.pk,
            "weights-1-change": -9,
        },
    )
    assert response.status_code == 200  # -9 is out of range: the form comes back
    assert "Ensure this value is greater than or equal to -5." in response.content.decode()
    assert OptionWeight.objects.count() == 1


def test_editor_reads_consultations_but_cannot_add_change_or_delete(editor_client, editor):
    consultation = make_consultations({"django": 1})[0]
    assert editor.has_perm("advisor.view_consultation")
    for action in ("add", "change", "delete"):
        assert not editor.has_perm(f"advisor.{action}_consultation")
    change_url = reverse("admin:advisor_consultation_change", args=[consultation.pk])
    page = editor_client.get(change_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Size?: <strong>Small</strong>" in html and 'name="recommended"' not in html
    assert f'<a href="{consultation.get_absolute_url()}">' in html
    assert editor_client.get(reverse("admin:advisor_consultation_add")).status_code == 403
    assert editor_client.post(change_url, {}).status_code == 403
    delete_url = reverse("admin:advisor_consultation_delete", args=[consultation.pk])
    assert editor_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Consultation.objects.count() == 1


def test_not_even_a_superuser_can_change_a_consultation(admin_client):
    consultation = make_consultations({"flask": 1})[0]
    url = reverse("admin:advisor_consultation_change", args=[consultation.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"recommended": "django"}).status_code == 403
    consultation.refresh_from_db()
    assert consultation.recommended == "flask"


def test_editor_permissions_on_the_questionnaire(editor):
    for model in ("question", "option", "optionweight"):
        for action in ("add", "change", "view"):
            assert editor.has_perm(f"advisor.{action}_{model}")


def test_changelist_counts_recommendations_per_framework(editor_client):
    make_consultations({"django": 3, "flask": 2, "": 1})
    url = reverse("admin:advisor_consultation_changelist")
    html = editor_client.get(url).content.decode()
    assert "Recommendations per framework" in html
    assert '<tr><th scope="row">Django</th><td>3</td></tr>' in html
    assert '<tr><th scope="row">Flask</th><td>2</td></tr>' in html
    assert '<tr><th scope="row">No preference</th><td>1</td></tr>' in html
    assert "Django (3)" in html  # the filter counts too

    filtered = editor_client.get(url, {"recommended": "flask"}).content.decode()
    assert '<tr><th scope="row">Flask</th><td>2</td></tr>' in filtered
    assert '<th scope="row">Django</th>' not in filtered
    assert "2 consultations" in filtered
    assert "1 consultation" in editor_client.get(url, {"recommended": "-"}).content.decode()


def test_changelist_filters_by_date(editor_client):
    old, new = make_consultations({"django": 2})
    old.created_at = timezone.now() - datetime.timedelta(days=400)
    old.save()
    url = reverse("admin:advisor_consultation_changelist")
    year = timezone.now().year
    html = editor_client.get(url, {"created_at__year": year}).content.decode()
    assert "1 consultation" in html


def test_consultation_changelist_takes_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    make_consultations({"django": 5, "flask": 5})
    url = reverse("admin:advisor_consultation_changelist")
    with django_assert_max_num_queries(14) as small:
        editor_client.get(url)
    make_consultations({"bottle": 60, "pyramid": 30})
    with django_assert_max_num_queries(len(small)):
        assert editor_client.get(url).status_code == 200


def test_question_and_option_changelists_take_a_fixed_number_of_queries(
    editor_client, quiz, django_assert_max_num_queries
):
    for url in (
        reverse("admin:advisor_question_changelist"),
        reverse("admin:advisor_option_changelist"),
    ):
        with django_assert_max_num_queries(12) as small:
            editor_client.get(url)
        for n in range(20):
            question = Question.objects.create(text=f"Question {n}")
            option = Option.objects.create(question=question, label=f"Option {n}")
            OptionWeight.objects.create(option=option, criterion=make_criterion(), change=1)
        with django_assert_max_num_queries(len(small)):
            assert editor_client.get(url).status_code == 200


def test_anonymous_and_non_editor_staff_are_kept_out(client):
    url = reverse("admin:advisor_consultation_changelist")
    assert client.get(url).status_code == 302
    client.force_login(User.objects.create_user("staff", password="staff-pass-123", is_staff=True))
    assert client.get(url).status_code == 403
