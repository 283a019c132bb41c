"""Quiz edits invalidate what is cached with the knowledge base (the questionnaire is)."""

from django.db.models.signals import m2m_changed

from comparisons.cache import bump_version_on_commit
from comparisons.signals import invalidate_on_change


def bump_when_conditions_change(action, **kwargs):
    """A question's conditions are a many-to-many, saved apart from the question: bump once,
    after the change (not before it as well)."""
    if action.startswith("post_"):
        bump_version_on_commit()


def connect():
    from .models import MustHave, Option, OptionWeight, Question

    invalidate_on_change(Question, Option, OptionWeight, MustHave)
    m2m_changed.connect(
        bump_when_conditions_change,
        sender=Question.shown_when.through,
        dispatch_uid="kb-advisor.Question.shown_when",
    )
