"""The questionnaire and consultation models: constraints, names, history, protection."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from advisor.models import Consultation, Option, OptionWeight, Question
from tests.factories import make_criterion

pytestmark = pytest.mark.django_db


@pytest.fixture
def option():
    question = Question.objects.create(text="Need an admin?", order=1)
    return Option.objects.create(question=question, label="Yes", order=1)


@pytest.mark.parametrize("change", [-6, 6, 100])
def test_database_refuses_out_of_range_changes(option, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        OptionWeight.objects.create(option=option, criterion=make_criterion(), change=change)


def test_an_option_changes_a_criterion_once(option):
    criterion = make_criterion()
    OptionWeight.objects.create(option=option, criterion=criterion, change=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        OptionWeight.objects.create(option=option, criterion=criterion, change=-2)


def test_a_criterion_the_questionnaire_uses_cannot_be_deleted(option):
    criterion = make_criterion()
    OptionWeight.objects.create(option=option, criterion=criterion, change=2)
    with pytest.raises(ProtectedError):
        criterion.delete()


def test_deleting_a_question_deletes_its_options_and_their_effects(option):
    OptionWeight.objects.create(option=option, criterion=make_criterion(), change=2)
    option.question.delete()
    assert not Option.objects.exists() and not OptionWeight.objects.exists()


def test_names_order_and_history(option):
    criterion = make_criterion(name="Admin panel")
    weight = OptionWeight.objects.create(option=option, criterion=criterion, change=4)
    later = Question.objects.create(text="Traffic?", order=2)
    first = Question.objects.create(text="Size?", order=0)
    assert list(Question.objects.all()) == [first, option.question, later]
    assert str(option.question) == "Need an admin?"
    assert str(option) == "Need an admin? → Yes"
    assert str(weight) == "Admin panel: +4"
    weight.change = -1
    weight.save()
    assert weight.history.count() == 2
    assert option.history.count() == 1 and option.question.history.count() == 1


def test_consultation_ids_are_random_uuids():
    ids = [Consultation.objects.create(engine_version="1").pk for _ in range(3)]
    assert all(isinstance(pk, uuid.UUID) and pk.version == 4 for pk in ids)
    assert len(set(ids)) == 3
    assert Consultation.objects.get(pk=ids[0]).get_absolute_url() == f"/advisor/r/{ids[0]}/"


def test_consultation_names_its_recommendation():
    consultation = Consultation(
        recommended="django", result={"frameworks": {"django": "Django", "flask": "Flask"}}
    )
    assert consultation.recommendation_name == "Django"
    assert Consultation(recommended="").recommendation_name == "No preference"
    assert str(Consultation(recommended="")).startswith("No preference (")
