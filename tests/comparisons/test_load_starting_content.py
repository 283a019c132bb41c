import pytest
from django.conf import settings
from django.core.management import call_command

from advisor.models import Question
from comparisons.models import Claim, Framework

pytestmark = pytest.mark.django_db


def test_loads_content_and_questionnaire_with_history_once():
    call_command("load_starting_content", verbosity=0)
    further = list((settings.BASE_DIR / "fixtures" / "frameworks").glob("*.json"))
    assert Framework.objects.count() == 2 + len(further)  # the article's two, then one per file
    assert Question.objects.count() >= 8
    claim = Claim.objects.first()
    assert claim.history.count() == 1

    Claim.objects.filter(pk=claim.pk).update(statement="Edited by an editor.")
    call_command("load_starting_content", verbosity=0)
    claim.refresh_from_db()
    assert claim.statement == "Edited by an editor.", "an edited knowledge base is left alone"
