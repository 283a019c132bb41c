"""Every quote checked against its source's current snapshot, and drift found when a source changes.

A source's *current* snapshot is its latest (by the date taken, then the order added). A citation's
excerpt is looked for in it (comparisons.quotes): *verified* when it is there verbatim, *verified
after normalising* when it is there once whitespace, quote marks, dashes or soft hyphens are
normalised (which ones is recorded), *not found*, or *no snapshot* when its source has none. The
result is kept on the citation row with what the public pages show from it: the words just
before and after the quote (a W3C TextQuoteSelector's prefix and suffix) and the URL text
directive that leads a browser to the passage (comparisons.text_fragments).

Drift: when a quote is not verbatim in the current snapshot it is also looked for in the snapshot
before it; a quote that was in that one and is gone from the current one (or appears there only
changed) is on the editors' drift list (`Citation.objects.drifted()`), with the passage the
current snapshot has instead (`nearest_passage`). A claim whose every supporting quote is gone is
flagged (`Claim.support_vanished`), never silently kept as fact.

When it runs: the admin's citation forms check the quotes they save; adding or removing a snapshot
re-checks every citation of its source (comparisons.signals); `manage.py verify_citations`
re-checks them all. Whatever changes a stored result bumps the knowledge-base version, so no page
or claim card keeps showing an old mark.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.utils import timezone

from . import quotes, text_fragments
from .cache import bump_version_on_commit
from .models import Citation, SourceSnapshot

Verification = Citation.Verification

# Formats whose every line break starts a new block of the rendered page (see text_fragments).
LINE_BLOCKS = {SourceSnapshot.Format.TEXT, SourceSnapshot.Format.HTML}
# The fields a check writes on a citation.
FIELDS = (
    "verification",
    "normalised",
    "checked_snapshot",
    "checked_at",
    "quote_prefix",
    "quote_suffix",
    "text_fragment",
    "nearest_passage",
    "previous_verification",
    "previous_snapshot",
)
BATCH = 500


# A snapshot's text never changes: what is worked out from it is kept for the next quotes
# checked against it, in this process (editors check a few sources at a time), by the text itself.
CACHED_TEXTS = 8
normalised_text = lru_cache(CACHED_TEXTS)(quotes.normalise)
folded_text = lru_cache(CACHED_TEXTS)(text_fragments.fold)
word_index = lru_cache(CACHED_TEXTS)(quotes.WordIndex.of)


class SnapshotText:
    """One snapshot's text, normalised, folded and indexed at most once for the quotes checked."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.text = snapshot.text

    @cached_property
    def normalised(self):
        return normalised_text(self.text)

    @cached_property
    def folded(self):
        return folded_text(self.text)

    def nearest(self, excerpt):
        return quotes.nearest(excerpt, self.text, word_index(self.text))

    def find(self, excerpt):
        if excerpt and self.text.find(excerpt) != -1:  # verbatim: nothing to normalise
            return quotes.find(excerpt, self.text)
        return quotes.find(excerpt, self.text, self.normalised)

    def directive(self, match):
        line_blocks = self.snapshot.format in LINE_BLOCKS
        return text_fragments.text_directive(
            self.text, match.start, match.end, line_blocks=line_blocks, folded_text=self.folded
        )


@dataclass(frozen=True)
class QuoteCheck:
    """What checking one quote found; `apply_to()` writes it on the citation."""

    verification: str
    normalised: tuple = ()
    snapshot: SourceSnapshot | None = None
    prefix: str = ""
    suffix: str = ""
    text_fragment: str = ""
    nearest_passage: str = ""
    previous_verification: str = ""
    previous_snapshot: SourceSnapshot | None = None

    def values(self):
        return {
            "verification": self.verification,
            "normalised": ",".join(self.normalised),
            "checked_snapshot_id": self.snapshot.pk if self.snapshot else None,
            "quote_prefix": self.prefix[:300],
            "quote_suffix": self.suffix[:300],
            "text_fragment": self.text_fragment[:2000],
            "nearest_passage": self.nearest_passage,
            "previous_verification": self.previous_verification,
            "previous_snapshot_id": self.previous_snapshot.pk if self.previous_snapshot else None,
        }

    def apply_to(self, citation, now=None):
        """Write this check on `citation` (not saved); True if anything changed. The check's
        date moves only when its result does."""
        changed = False
        for name, value in self.values().items():
            if getattr(citation, name) != value:
                setattr(citation, name, value)
                changed = True
        if changed or (citation.checked_at is None and self.snapshot is not None):
            citation.checked_at = now or timezone.now()
            changed = True
        return changed

    @property
    def is_drift(self):
        worse = {
            Verification.VERIFIED: {Verification.NORMALISED, Verification.NOT_FOUND},
            Verification.NORMALISED: {Verification.NOT_FOUND},
        }
        return self.verification in worse.get(self.previous_verification, ())


def check(excerpt, current, previous=None):
    """The QuoteCheck of `excerpt` against a source's current SnapshotText (None: it has no
    snapshot). `previous`: a function that gives the snapshot before it (or None), called only
    when the quote is not verbatim in the current one."""
    if current is None:
        return QuoteCheck(Verification.NO_SNAPSHOT)
    match = current.find(excerpt)
    earlier = {}
    previous = previous() if previous and (match is None or not match.verbatim) else None
    if previous is not None:
        before = previous.find(excerpt)
        earlier = {
            "previous_snapshot": previous.snapshot,
            "previous_verification": _outcome(before),
        }
        if match is None and before is not None:  # the context it had, for the drift list
            earlier["prefix"], earlier["suffix"] = quotes.context(
                previous.text, before.start, before.end
            )
    if match is None:
        nearest = current.nearest(excerpt)
        return QuoteCheck(
            Verification.NOT_FOUND,
            snapshot=current.snapshot,
            nearest_passage=current.text[slice(*nearest)] if nearest else "",
            **earlier,
        )
    prefix, suffix = quotes.context(current.text, match.start, match.end)
    return QuoteCheck(
        _outcome(match),
        normalised=match.normalised,
        snapshot=current.snapshot,
        prefix=prefix,
        suffix=suffix,
        text_fragment=current.directive(match),
        nearest_passage="" if match.verbatim else current.text[match.start : match.end],
        **earlier,
    )


def _outcome(match):
    if match is None:
        return Verification.NOT_FOUND
    return Verification.VERIFIED if match.verbatim else Verification.NORMALISED


# --- snapshots ----------------------------------------------------------------------------


class SourceTexts:
    """The current and previous snapshots of some sources: their ids in one query, the current
    ones' texts in another; a previous one's text is read only if a quote needs it."""

    def __init__(self, source_ids):
        latest = {}
        rows = (
            SourceSnapshot.objects.filter(source_id__in=source_ids)
            .order_by("source_id", "-taken_on", "-id")
            .values_list("source_id", "pk")
        )
        for source_id, pk in rows:
            kept = latest.setdefault(source_id, [])
            if len(kept) < 2:
                kept.append(pk)
        current = SourceSnapshot.objects.in_bulk([ids[0] for ids in latest.values()])
        self._current = {s.source_id: SnapshotText(s) for s in current.values()}
        self._previous_ids = {sid: ids[1] for sid, ids in latest.items() if len(ids) > 1}
        self._previous = {}

    def current(self, source_id):
        return self._current.get(source_id)

    def previous(self, source_id):
        if source_id not in self._previous:
            pk = self._previous_ids.get(source_id)
            self._previous[source_id] = (
                SnapshotText(SourceSnapshot.objects.get(pk=pk)) if pk else None
            )
        return self._previous[source_id]


def check_quote(source, excerpt):
    """The QuoteCheck of `excerpt` as a quote of `source` (an editor's form)."""
    return TextsCheck(SourceTexts([source.pk])).check(excerpt, source.pk)


class TextsCheck:
    """check() over SourceTexts, reading a previous snapshot only for a quote that needs it."""

    def __init__(self, texts):
        self.texts = texts

    def check(self, excerpt, source_id):
        return check(excerpt, self.texts.current(source_id), lambda: self.texts.previous(source_id))


# --- re-checking stored citations -------------------------------------------------------------


@dataclass
class Summary:
    """What a re-check found: counts by outcome, what was normalised, and what needs an editor."""

    counts: Counter = field(default_factory=Counter)
    normalised: Counter = field(default_factory=Counter)
    changed: int = 0
    not_found: list = field(default_factory=list)  # citation ids
    drifted: list = field(default_factory=list)  # citation ids

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def verified(self):
        return self.counts[Verification.VERIFIED] + self.counts[Verification.NORMALISED]

    @property
    def share_verified(self):
        return self.verified / self.total if self.total else 1.0

    def add(self, citation):
        self.counts[citation.verification] += 1
        for kind in filter(None, citation.normalised.split(",")):
            self.normalised[kind] += 1
        if citation.verification == Verification.NOT_FOUND:
            self.not_found.append(citation.pk)
        if (
            QuoteCheck(
                citation.verification, previous_verification=citation.previous_verification
            ).is_drift
            and citation.previous_snapshot_id
        ):
            self.drifted.append(citation.pk)


def verify(citations, now=None):
    """Re-check `citations` (a queryset) against their sources' current snapshots and store what
    changed; a Summary. Runs over the sources a batch at a time, whatever their number."""
    now = now or timezone.now()
    summary = Summary()
    source_ids = sorted(set(citations.order_by().values_list("source_id", flat=True)))
    for i in range(0, len(source_ids), BATCH):
        batch = source_ids[i : i + BATCH]
        checker = TextsCheck(SourceTexts(batch))
        changed = []
        for citation in citations.filter(source_id__in=batch).order_by("pk"):
            result = checker.check(citation.excerpt, citation.source_id)
            if result.apply_to(citation, now):
                changed.append(citation)
            summary.add(citation)
        Citation.objects.bulk_update(changed, FIELDS, batch_size=BATCH)
        summary.changed += len(changed)
    if summary.changed:
        bump_version_on_commit()
    return summary


def verify_source(source_id):
    """Re-check every citation of one source (its snapshots changed)."""
    return verify(Citation.objects.filter(source_id=source_id))
