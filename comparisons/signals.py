"""Bump the knowledge-base version whenever editors change anything public pages are built from."""

from django.db.models.signals import post_delete, post_save

from .cache import bump_version_on_commit
from .models import Citation, Claim, Criterion, Framework, Source

KNOWLEDGE_MODELS = (Framework, Criterion, Source, Claim, Citation)


def connect():
    for model in KNOWLEDGE_MODELS:
        for signal in (post_save, post_delete):
            signal.connect(
                bump_version_on_commit, sender=model, dispatch_uid=f"kb-{model.__name__}"
            )
