"""The knowledge base: frameworks, criteria, claims about them, and the sources that back them.

A claim says one thing about one framework on one criterion, with a score from -2 to +2. It is
only as good as its citations: quoted excerpts from sources that support or contradict it.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import get_text_list
from simple_history.models import HistoricalRecords

from . import evidence, review
from .quotes import NORMALISATION_LABELS
from .text_fragments import link, text_directive_for_excerpt

SCORE_MIN, SCORE_MAX = -2, 2
WEIGHT_MIN, WEIGHT_MAX = 1, 5
CRITERION_WEIGHT_MAX = 10
REPORT_TEXT_MAX = 2000


def web_address(field):
    """A constraint that keeps `field` empty or an http(s) address: no javascript: links."""
    return models.CheckConstraint(
        condition=Q(**{field: ""})
        | Q(**{f"{field}__startswith": "http://"})
        | Q(**{f"{field}__startswith": "https://"}),
        name="%(class)s_" + f"{field}_http",
        violation_error_message="Enter an address that starts with http:// or https://.",
    )


class FrameworkQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Framework(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in public URLs.")
    tagline = models.CharField(max_length=200, blank=True, help_text="One line, shown in lists.")
    description = models.TextField(blank=True)
    homepage = models.URLField(blank=True)
    repository = models.URLField(blank=True)
    licence = models.CharField(max_length=100, blank=True, help_text="For example: BSD-3-Clause.")
    first_release_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    current_version = models.CharField(
        max_length=30, blank=True, help_text="The latest release, from its package index page."
    )
    python_requires = models.CharField(
        "Python versions",
        max_length=50,
        blank=True,
        help_text="The Python versions the current release supports, as its package metadata "
        "says (for example: >=3.9).",
    )
    released_on = models.DateField(
        "current version released on",
        null=True,
        blank=True,
        help_text="The day the current version was released. Recording a new release (its version "
        "and date) puts every claim about this framework reviewed before that day up for review.",
    )
    language = models.CharField(max_length=50, default="Python")
    is_published = models.BooleanField(
        default=True, help_text="Unpublished frameworks have no public page and are not ranked."
    )

    history = HistoricalRecords()
    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [web_address("homepage"), web_address("repository")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("comparisons:framework-detail", kwargs={"slug": self.slug})


class Criterion(models.Model):
    class Category(models.TextChoices):
        DEVELOPER_EXPERIENCE = "developer_experience", "Developer experience"
        CAPABILITIES = "capabilities", "Capabilities"
        OPERATIONS = "operations", "Operations"
        ECOSYSTEM = "ecosystem", "Ecosystem"
        COST = "cost", "Cost and licensing"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in public URLs.")
    definition = models.TextField(
        help_text="What this criterion measures, in a sentence or two visitors will read."
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    default_weight = models.PositiveSmallIntegerField(
        default=5,
        validators=[MaxValueValidator(CRITERION_WEIGHT_MAX)],
        help_text=f"0 to {CRITERION_WEIGHT_MAX}: how much the advisor counts this criterion "
        "before a visitor's answers change it.",
    )
    display_order = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")
    review_every_days = models.PositiveSmallIntegerField(
        "review every (days)",
        default=review.DEFAULT_INTERVAL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(review.MAX_INTERVAL_DAYS)],
        help_text="How long a claim on this criterion stays reviewed: a licence changes rarely "
        "(730 days), a performance claim often (180). Marking a claim reviewed sets its next "
        "review this many days ahead.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name_plural = "criteria"
        # The claims explorer's default ordering starts here: walking criteria in display order
        # lets the database stop after the rows of the page asked for.
        indexes = [models.Index(fields=["display_order", "name", "id"], name="criterion_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_weight__lte=CRITERION_WEIGHT_MAX),
                name="criterion_default_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    review_every_days__gte=1, review_every_days__lte=review.MAX_INTERVAL_DAYS
                ),
                name="criterion_review_interval_range",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("comparisons:criterion-detail", kwargs={"slug": self.slug})


class Source(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article or blog post"
        DOCUMENTATION = "documentation", "Official documentation"
        BENCHMARK = "benchmark", "Benchmark"
        SURVEY = "survey", "Survey"
        SOURCE_CODE = "source_code", "Source code or licence file"
        BOOK = "book", "Book"
        OTHER = "other", "Other"

    class Reliability(models.IntegerChoices):
        UNVERIFIED = 1, "1 – unverified: marketing copy or anonymous, known to contain errors"
        LOW = 2, "2 – low: opinion without evidence, not reviewed"
        MODERATE = 3, "3 – moderate: informed opinion or experience report"
        HIGH = 4, "4 – high: reviewed, reproducible, or a maintainer's own statement"
        AUTHORITATIVE = 5, "5 – authoritative: official documentation, source code, licence text"

    title = models.CharField(max_length=300)
    url = models.URLField(
        max_length=500, blank=True, help_text="Optional; two sources cannot share one URL."
    )
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True, help_text="When an editor last read it.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    reliability = models.PositiveSmallIntegerField(
        choices=Reliability.choices,
        default=Reliability.MODERATE,
        help_text="How far a claim can rest on this source alone. 1 is unverified, "
        "5 is authoritative (official documentation, source code, licence text).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=~Q(url=""), name="source_url_unique_when_given"
            ),
            models.CheckConstraint(
                condition=Q(reliability__gte=1, reliability__lte=5),
                name="source_reliability_range",
            ),
            web_address("url"),
        ]

    def __str__(self):
        return self.title


class SourceSnapshot(models.Model):
    """A stored copy of a source's text, as it was on one day: what its quotes are checked against.

    A source may have several; the current one is the latest taken (then the latest added).
    Adding one re-checks every quote of its source (comparisons.verification), and the quotes
    that it no longer holds go on the editors' drift list. A snapshot is never edited: a new copy
    of the source is a new snapshot.
    """

    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        MARKDOWN = "markdown", "Markdown"
        RESTRUCTUREDTEXT = "rst", "reStructuredText"
        HTML = "html", "HTML page (kept as the text a reader sees)"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    taken_on = models.DateField(
        "date taken",
        default=timezone.localdate,
        help_text="The day the copy was taken: the source said this on that day.",
    )
    version = models.CharField(
        max_length=200,
        blank=True,
        help_text="The release of what this is a copy of, when it has one: for example "
        "“Flask 3.1.3 documentation”.",
    )
    origin = models.CharField(
        max_length=1000,
        help_text="Where the copy came from: the address it was saved from, or the file of a "
        "release (for example “flask-3.1.3.tar.gz from PyPI, docs/design.rst”).",
    )
    format = models.CharField(
        max_length=10,
        choices=Format.choices,
        default=Format.TEXT,
        help_text="What the copy was. An HTML page is kept as its text, without its markup; "
        "reStructuredText and Markdown are kept as written.",
    )
    text = models.TextField(
        help_text="The source's text, as quotes are checked against it (line breaks as LF)."
    )
    content_hash = models.CharField(
        "SHA-256 of the text", max_length=64, editable=False, db_index=True
    )
    file_name = models.CharField(
        max_length=255, blank=True, help_text="The uploaded file's name; empty when pasted."
    )
    created_at = models.DateTimeField("added", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["source", "-taken_on", "-id"]
        get_latest_by = ["taken_on", "id"]
        indexes = [models.Index(fields=["source", "taken_on", "id"], name="snapshot_latest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="snapshot_has_text",
                violation_error_message="A snapshot needs the source's text.",
            ),
        ]

    def __str__(self):
        version = f", {self.version}" if self.version else ""
        return f"{self.source} – copy of {self.taken_on:%Y-%m-%d}{version}"

    @staticmethod
    def hash_of(text):
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def clean(self):
        """The content hash is the text's: derived here, as Django's docs derive a field."""
        self.content_hash = self.hash_of(self.text)

    @classmethod
    def of_text(cls, source, text, **fields):
        """A new (unsaved) snapshot of `source` holding `text`, with its hash."""
        return cls(source=source, text=text, content_hash=cls.hash_of(text), **fields)

    @property
    def label(self):
        """How pages name it: "the copy of 2026-11-26 (Flask 3.1.3 documentation)"."""
        version = f" ({self.version})" if self.version else ""
        return f"the copy of {self.taken_on:%Y-%m-%d}{version}"


class ClaimQuerySet(models.QuerySet):
    def published(self):
        """Claims a visitor may see: published by an editor, about a published framework, and
        backed by at least one citation (nothing public without evidence). Contested and refuted
        claims are among them: shown as such, never hidden."""
        return self.filter(
            Exists(Citation.objects.filter(claim=OuterRef("pk"))),
            status=Claim.Status.PUBLISHED,
            framework__is_published=True,
        )

    def for_criterion(self, criterion):
        return self.filter(criterion=criterion)

    def for_framework(self, framework):
        return self.filter(framework=framework)

    def with_citation_counts(self):
        return self.annotate(
            citation_count=Count("citations", distinct=True),
            supporting_count=Count(
                "citations", filter=Q(citations__stance=Citation.Stance.SUPPORTS), distinct=True
            ),
            contradicting_count=Count(
                "citations",
                filter=Q(citations__stance=Citation.Stance.CONTRADICTS),
                distinct=True,
            ),
        )

    def with_evidence(self):
        """Annotate the best supporting and contradicting reliabilities (0: none), which is all
        that `Claim.assessment` and `evidence.verdict_expression()` need. The database keeps
        them for each claim (ClaimEvidence), so this is a join, not a subquery per claim."""
        return self.annotate(
            support_reliability=Coalesce(F("evidence_summary__support_reliability"), 0),
            contradiction_reliability=Coalesce(F("evidence_summary__contradiction_reliability"), 0),
        )

    def with_verdict_annotated(self):
        """Annotate `evidence_verdict`: each claim's verdict (derived, or an editor's override)."""
        annotated = "support_reliability" in self.query.annotations
        return (self if annotated else self.with_evidence()).annotate(
            evidence_verdict=evidence.verdict_expression()
        )

    def with_verdict(self, *verdicts):
        """Claims whose verdict (derived, or an editor's override) is one of `verdicts`."""
        return self.with_verdict_annotated().filter(evidence_verdict__in=verdicts)

    def due_for_review(self, today=None):
        """Claims an editor should check again (see comparisons.review): never reviewed, past
        their next review date, or reviewed before their framework's current release."""
        return self.filter(review.due_condition(today or timezone.localdate()))

    def resting_on_weak_sources(self):
        """Claims whose best supporting source is rated 1 or 2: nothing stronger backs them."""
        annotated = "support_reliability" in self.query.annotations
        weak = [Source.Reliability.UNVERIFIED, Source.Reliability.LOW]
        return (self if annotated else self.with_evidence()).filter(support_reliability__in=weak)

    def without_citations(self):
        return self.filter(citations__isnull=True)

    def with_quote_counts(self):
        """Annotate how many of each claim's quotes are verified (exactly or after normalising),
        not found, or not checked (no snapshot), and how many supporting quotes were found."""
        verified = [Citation.Verification.VERIFIED, Citation.Verification.NORMALISED]
        return self.annotate(
            verified_quote_count=Count(
                "citations", filter=Q(citations__verification__in=verified), distinct=True
            ),
            missing_quote_count=Count(
                "citations",
                filter=Q(citations__verification=Citation.Verification.NOT_FOUND),
                distinct=True,
            ),
            unchecked_quote_count=Count(
                "citations",
                filter=Q(citations__verification=Citation.Verification.NO_SNAPSHOT),
                distinct=True,
            ),
        )

    def with_missing_quotes(self):
        """Claims with a quote that is not in its source's current snapshot."""
        return self.filter(
            Exists(
                Citation.objects.filter(
                    claim=OuterRef("pk"), verification=Citation.Verification.NOT_FOUND
                )
            )
        )

    def with_vanished_support(self):
        """Claims whose every supporting quote is gone from its source's current snapshot: what
        they rest on can no longer be shown (see Claim.support_vanished)."""
        supports = Citation.objects.filter(claim=OuterRef("pk"), stance=Citation.Stance.SUPPORTS)
        return self.filter(Exists(supports)).exclude(
            Exists(supports.exclude(verification=Citation.Verification.NOT_FOUND))
        )


class Claim(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="claims")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="claims")
    statement = models.TextField(help_text="One sentence an editor stands behind.")
    score = models.SmallIntegerField(
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)],
        help_text="How strongly this favours the framework on the criterion: "
        "-2 strongly against, 0 neutral, +2 strongly for.",
    )
    weight = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(WEIGHT_MIN), MaxValueValidator(WEIGHT_MAX)],
        help_text="1 to 5: how much this claim counts against other claims on the same "
        "framework and criterion, before the strength of its evidence is applied.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Your workflow. Draft and retracted claims are never public. A published claim "
        "is public once it has a citation; what its evidence says (supported, contested, "
        "refuted) is worked out from its citations.",
    )
    verdict_override = models.CharField(
        "verdict set by an editor",
        max_length=12,
        choices=evidence.OVERRIDE_CHOICES,
        blank=True,
        help_text="Leave empty to use the verdict the citations give. Set it only when you know "
        "better than the reliability ratings, and say why below.",
    )
    verdict_override_reason = models.TextField(
        "why the verdict is set by hand",
        blank=True,
        help_text="Required with a verdict set by an editor; kept in the claim's history.",
    )
    editor_note = models.TextField(
        blank=True,
        help_text="Shown publicly beside contested and refuted claims: say plainly why the "
        "evidence disagrees.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reviewed_on = models.DateField(
        "last reviewed",
        null=True,
        blank=True,
        editable=False,
        help_text="When an editor last checked the claim against its sources.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    review_due_on = models.DateField(
        "next review",
        null=True,
        blank=True,
        help_text="When the claim should be checked again. Marking it reviewed sets this from the "
        "criterion's review interval; change it if this claim needs checking sooner or later. "
        "A claim past its date is shown publicly as not reviewed since its last review.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["criterion__display_order", "framework__name", "-score", "id"]
        # The explorer's other orderings over public claims, read in index order (see
        # comparisons.pagination); the default one walks criteria, then each one's claims.
        indexes = [
            models.Index(
                fields=["score", "id"], condition=Q(status="published"), name="claim_public_score"
            ),
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(status="published"),
                name="claim_public_updated",
            ),
            # A filter by criterion and framework (the explorer's usual one, and its exports):
            # the public claims of those pairs alone, not every claim of the criterion (at 100x,
            # 800 rows over 600 pages, 3 ms, against 0.4 ms for the 16 it shows).
            models.Index(
                fields=["criterion", "framework"],
                condition=Q(status="published"),
                name="claim_public_pair",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="claim_score_range",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN, weight__lte=WEIGHT_MAX),
                name="claim_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(verdict_override="") | ~Q(verdict_override_reason=""),
                name="claim_verdict_override_has_reason",
                violation_error_message="Say why you set the verdict by hand.",
            ),
        ]

    def __str__(self):
        try:
            return f"{self.framework} · {self.criterion}: {self.statement[:60]}"
        except ObjectDoesNotExist:  # a historical version whose framework is gone
            return self.statement[:60]

    @cached_property
    def assessment(self):
        """The claim's verdict, strength and effective weight (see comparisons.evidence).

        Read from `with_evidence()` annotations when the query has them, otherwise from its
        citations (prefetched with their sources on the public pages).
        """
        if hasattr(self, "support_reliability"):
            support, contradiction = self.support_reliability, self.contradiction_reliability
        else:
            support = contradiction = 0
            for citation in self.citations.all():
                if citation.stance == Citation.Stance.SUPPORTS:
                    support = max(support, citation.source.reliability)
                else:
                    contradiction = max(contradiction, citation.source.reliability)
        return evidence.assess(
            self.weight,
            support,
            contradiction,
            self.verdict_override,
            self.verdict_override_reason,
        )

    @property
    def verdict(self):
        return self.assessment.verdict

    def mark_reviewed(self, user, on=None):
        """Record that `user` checked this claim on `on` (today): its next review is its
        criterion's interval ahead. The caller saves (with history)."""
        self.reviewed_on = on or timezone.localdate()
        self.reviewed_by = user
        self.review_due_on = review.next_review(self.reviewed_on, self.criterion.review_every_days)

    def review_notice(self, today=None):
        """What the public pages say of a claim due for review (None when it is not)."""
        return review.notice(
            self.reviewed_on,
            self.review_due_on,
            self.framework.released_on,
            self.framework.current_version,
            today or timezone.localdate(),
        )

    # The publishing rule for quotes, in one place: a published claim may not show a quote that
    # is not in its source's current snapshot. Every admin form that can publish a claim or change
    # its quotes calls validate_publishable() with the citations as they will be saved.

    def validate_publishable(self, citations):
        """Raise ValidationError if this claim, as published, would show a quote of `citations`
        (its citations as they will be saved) that its source does not hold."""
        if self.status != Claim.Status.PUBLISHED:
            return
        missing = [c for c in citations if c.verification == Citation.Verification.NOT_FOUND]
        if not missing:
            return
        sources = get_text_list(sorted({f"“{c.source}”" for c in missing}), "and")
        quotes = "a quote" if len(missing) == 1 else f"{len(missing)} quotes"
        raise ValidationError(
            f"This claim cannot be published: {quotes} from {sources} "
            f"{'is' if len(missing) == 1 else 'are'} not in the source's current snapshot. "
            "Copy the quote verbatim from the source, or save the claim as a draft.",
            code="quote_not_found",
        )

    @property
    def support_vanished(self):
        """Every supporting quote is gone from its source's current snapshot (from the
        citations, prefetched on the public pages): the claim is shown as under review."""
        supporting = [c for c in self.citations.all() if c.stance == Citation.Stance.SUPPORTS]
        return bool(supporting) and all(
            c.verification == Citation.Verification.NOT_FOUND for c in supporting
        )


class CitationQuerySet(models.QuerySet):
    def not_found(self):
        return self.filter(verification=Citation.Verification.NOT_FOUND)

    def drifted(self):
        """The editors' drift list: citations whose quote was in the snapshot before their
        source's current one, and is gone from the current one or appears there only changed."""
        v = Citation.Verification
        worse = Q(previous_verification=v.VERIFIED, verification__in=[v.NORMALISED, v.NOT_FOUND])
        worse |= Q(previous_verification=v.NORMALISED, verification=v.NOT_FOUND)
        return self.filter(worse, previous_snapshot__isnull=False)


class Citation(models.Model):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="citations",
        help_text="A source that is cited cannot be deleted.",
    )
    excerpt = models.TextField(help_text="The quoted passage, copied verbatim from the source.")
    location = models.CharField(
        max_length=200, blank=True, help_text="Where in the source: section, heading or page."
    )
    stance = models.CharField(max_length=12, choices=Stance.choices, default=Stance.SUPPORTS)

    # The quote checked against its source's current snapshot (comparisons.verification). These
    # fields are worked out, never typed: saving a citation in the admin checks it, and adding a
    # snapshot re-checks every citation of its source.
    class Verification(models.TextChoices):
        VERIFIED = "verified", "Verified"
        NORMALISED = "normalised", "Verified after normalising"
        NOT_FOUND = "not_found", "Not found"
        NO_SNAPSHOT = "no_snapshot", "No snapshot"

    verification = models.CharField(
        "quote check",
        max_length=12,
        choices=Verification.choices,
        default=Verification.NO_SNAPSHOT,
        editable=False,
        db_index=True,
        help_text="Whether the quote is in its source's current snapshot: verbatim (verified), "
        "once typography is normalised, or not at all.",
    )
    normalised = models.CharField(
        "normalised for",
        max_length=100,
        blank=True,
        editable=False,
        help_text="What had to be normalised to find the quote (comma-separated).",
    )
    checked_snapshot = models.ForeignKey(
        SourceSnapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="checked_citations",
        help_text="The snapshot the quote was last checked against.",
    )
    checked_at = models.DateTimeField(
        "checked", null=True, blank=True, editable=False, help_text="When the check last changed."
    )
    quote_prefix = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="The words just before the quote in the snapshot (a TextQuoteSelector prefix).",
    )
    quote_suffix = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="The words just after the quote in the snapshot (a TextQuoteSelector suffix).",
    )
    text_fragment = models.CharField(
        max_length=2000,
        blank=True,
        editable=False,
        help_text="The URL text directive (text=…) that leads a browser to the quoted passage.",
    )
    nearest_passage = models.TextField(
        blank=True,
        editable=False,
        help_text="What the snapshot says where the quote is not found verbatim: the passage "
        "found after normalising, or the closest one.",
    )
    previous_verification = models.CharField(
        max_length=12,
        choices=Verification.choices,
        blank=True,
        editable=False,
        help_text="The check against the snapshot before the current one, when the quote is "
        "not verbatim in the current one.",
    )
    previous_snapshot = models.ForeignKey(
        SourceSnapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "stance", "id"]

    def __str__(self):
        try:
            source = self.source
        except ObjectDoesNotExist:  # a historical version whose source is gone
            source = "a deleted source"
        return f"{self.get_stance_display()}: {source} – “{self.excerpt[:50]}”"

    @property
    def is_verified(self):
        """Found in the current snapshot, verbatim or after normalising."""
        return self.verification in (self.Verification.VERIFIED, self.Verification.NORMALISED)

    @property
    def normalised_labels(self):
        """What had to be normalised, in words: "whitespace and curly quotes"."""
        kinds = [kind for kind in self.normalised.split(",") if kind]
        return get_text_list([NORMALISATION_LABELS.get(k, k) for k in kinds], "and")

    @property
    def passage_url(self):
        """The source's address, leading to the quoted passage (a URL text fragment)."""
        directive = self.text_fragment or text_directive_for_excerpt(self.excerpt)
        return link(self.source.url, directive)


class ClaimEvidence(models.Model):
    """The best reliability among a claim's supporting and its contradicting sources (0: none),
    kept by the database itself: triggers on citations and on sources' reliability (migration
    0012) refresh it whatever writes them, bulk_create and update() included. Nothing in the
    application writes it; it exists so that filtering on a verdict reads two numbers per claim
    instead of two subqueries (`ClaimQuerySet.with_evidence()`)."""

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, primary_key=True, related_name="evidence_summary"
    )
    support_reliability = models.PositiveSmallIntegerField(default=0)
    contradiction_reliability = models.PositiveSmallIntegerField(default=0)

    def __str__(self):
        return f"{self.claim_id}: {self.support_reliability}/{self.contradiction_reliability}"


class ProblemReport(models.Model):
    """A visitor's report that a public claim is wrong: for editors only, never shown publicly.

    Visitors file them without an account (comparisons.reports); editors work through them in the
    admin, accepting one (then correcting the claim) or declining it with a note.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reports")
    problem = models.TextField(
        "what is wrong", max_length=REPORT_TEXT_MAX, help_text="The visitor's words."
    )
    source_url = models.URLField(
        "source", max_length=500, blank=True, help_text="A source the visitor points to."
    )
    quote = models.TextField(
        max_length=REPORT_TEXT_MAX, blank=True, help_text="What the visitor quotes from it."
    )
    created_at = models.DateTimeField("reported", auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    outcome = models.TextField(
        blank=True,
        help_text="What you did about it, or why it is declined (required to decline). "
        "Editors only: nothing in a report is ever shown publicly.",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    handled_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            web_address("source_url"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(outcome=""),
                name="report_declined_has_outcome",
                violation_error_message="Say why the report is declined.",
            ),
        ]

    def __str__(self):
        return f"Report {self.pk} on claim {self.claim_id}: {self.problem[:60]}"


class KnowledgeVersion(models.Model):
    """One row whose number changes whenever editors change the knowledge base.

    Cached pages and computations are keyed by it. It lives in the database, not in a cache, so
    every app process on every host sees a change at once, whatever cache backend is configured.
    """

    version = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"Knowledge base version {self.version}"
