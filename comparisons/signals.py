"""Bump the knowledge-base version whenever editors change anything cached pages are built from."""

from django.db.models.signals import post_delete, post_save

from .cache import bump_version_on_commit
from .models import Citation, Claim, Criterion, Framework, Source


def invalidate_on_change(*models):
    """Saving or deleting any of `models` invalidates every cached page and value."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                bump_version_on_commit, sender=model, dispatch_uid=f"kb-{model._meta.label}"
            )


def connect():
    invalidate_on_change(Framework, Criterion, Source, Claim, Citation)
