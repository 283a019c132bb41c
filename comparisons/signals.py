"""Bump the knowledge-base version whenever editors change anything cached pages are built from,
and re-check a source's quotes whenever its snapshots change."""

from django.db.models.signals import post_delete, post_save

from . import verification
from .cache import bump_version_on_commit
from .models import Citation, Claim, Criterion, Framework, Source, SourceSnapshot


def invalidate_on_change(*models):
    """Saving or deleting any of `models` invalidates every cached page and value."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                bump_version_on_commit, sender=model, dispatch_uid=f"kb-{model._meta.label}"
            )


def recheck_quotes(sender, instance, raw=False, **kwargs):
    """A snapshot added or removed changes what its source's current text is: re-check every
    citation of the source against it (the drift list comes from here). Fixtures loaded with
    their check results already (`raw`) are left as they are."""
    if not raw:
        verification.verify_source(instance.source_id)


def connect():
    invalidate_on_change(Framework, Criterion, Source, SourceSnapshot, Claim, Citation)
    post_save.connect(recheck_quotes, sender=SourceSnapshot, dispatch_uid="recheck-on-snapshot")
    post_delete.connect(recheck_quotes, sender=SourceSnapshot, dispatch_uid="recheck-on-delete")
