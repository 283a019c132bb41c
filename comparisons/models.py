"""The knowledge base: frameworks, criteria, claims about them, and the sources that back them.

A claim says one thing about one framework on one criterion, with a score from -2 to +2. It is
only as good as its citations: quoted excerpts from sources that support or contradict it.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q, Sum
from django.urls import reverse
from simple_history.models import HistoricalRecords

SCORE_MIN, SCORE_MAX = -2, 2
WEIGHT_MIN, WEIGHT_MAX = 1, 5
CRITERION_WEIGHT_MAX = 10

# A disputed claim still counts towards the evidence, but at this fraction of its weight.
DISPUTED_DISCOUNT = 0.5


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
    language = models.CharField(max_length=50, default="Python")
    is_published = models.BooleanField(
        default=True, help_text="Unpublished frameworks have no public page and are not ranked."
    )

    history = HistoricalRecords()
    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

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

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(default_weight__lte=CRITERION_WEIGHT_MAX),
                name="criterion_default_weight_range",
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
        ]

    def __str__(self):
        return self.title


class ClaimQuerySet(models.QuerySet):
    def published(self):
        """Claims a visitor may see: published, or disputed (shown as such, never hidden)."""
        return self.filter(status__in=Claim.PUBLIC_STATUSES, framework__is_published=True)

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

    def without_citations(self):
        return self.filter(citations__isnull=True)


class Claim(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DISPUTED = "disputed", "Disputed"
        RETRACTED = "retracted", "Retracted"

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.DISPUTED)

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
        "framework and criterion.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Draft and retracted claims are never public. Disputed claims are shown, "
        "marked as disputed, and count at half weight.",
    )
    editor_note = models.TextField(
        blank=True, help_text="Why the claim has this status; shown publicly on disputed claims."
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["criterion__display_order", "framework__name", "-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="claim_score_range",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN, weight__lte=WEIGHT_MAX),
                name="claim_weight_range",
            ),
        ]

    def __str__(self):
        try:
            return f"{self.framework} · {self.criterion}: {self.statement[:60]}"
        except ObjectDoesNotExist:  # a historical version whose framework is gone
            return self.statement[:60]

    def save(self, *args, **kwargs):
        # However a claim gets its status (form, bulk action, inline row, revert from the
        # history), its evidence has the last word: see status_backed_by_evidence().
        status = self.status_backed_by_evidence()
        if status != self.status:
            self.status = status
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "status"}
        super().save(*args, **kwargs)

    @property
    def is_public(self):
        return self.status in self.PUBLIC_STATUSES

    @property
    def is_disputed(self):
        return self.status == self.Status.DISPUTED

    def sources_disagree(self):
        return self.citations.filter(stance=Citation.Stance.CONTRADICTS).exists()

    def status_backed_by_evidence(self):
        """The status the claim's citations allow: nothing public is shown without evidence.

        A public claim without any citation goes back to draft; a published claim that one of
        its own sources contradicts is shown as disputed, never as plain fact.
        """
        if self.pk is None or not self.is_public:
            return self.status
        stances = set(self.citations.values_list("stance", flat=True))
        if not stances:
            return self.Status.DRAFT
        if self.status == self.Status.PUBLISHED and Citation.Stance.CONTRADICTS in stances:
            return self.Status.DISPUTED
        return self.status

    @classmethod
    def recheck_evidence(cls, claim_id):
        """Save the claim's status again if a change to its citations no longer backs it."""
        claim = cls.objects.filter(pk=claim_id).first()
        if claim is not None and claim.status_backed_by_evidence() != claim.status:
            claim.save(update_fields=["status", "updated_at"])


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

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_id", "stance", "id"]

    def __str__(self):
        try:
            source = self.source
        except ObjectDoesNotExist:  # a historical version whose source is gone
            source = "a deleted source"
        return f"{self.get_stance_display()}: {source} – “{self.excerpt[:50]}”"

    def save(self, *args, **kwargs):
        moved_from = None
        if self.pk is not None:
            moved_from = (
                Citation.objects.filter(pk=self.pk)
                .exclude(claim_id=self.claim_id)
                .values_list("claim_id", flat=True)
                .first()
            )
        super().save(*args, **kwargs)
        # Its claim may now be contradicted; a claim it left may have no evidence left.
        for claim_id in {self.claim_id, moved_from} - {None}:
            Claim.recheck_evidence(claim_id)


@dataclass(frozen=True)
class EvidenceScore:
    """The aggregated evidence of one framework on one criterion."""

    score: float  # weighted mean of the claims' scores, -2..+2
    claim_count: int
    disputed_count: int

    @property
    def is_disputed(self):
        return self.disputed_count > 0


def evidence_scores(framework_ids=None, criterion_ids=None):
    """Aggregate public claims into one score per (framework id, criterion id), in one query.

    The score is the weighted mean of the claims' scores, where a disputed claim counts at
    DISPUTED_DISCOUNT of its weight. Pairs without public claims are absent: unknown, not zero.
    """
    claims = Claim.objects.published()
    if framework_ids is not None:
        claims = claims.filter(framework_id__in=framework_ids)
    if criterion_ids is not None:
        claims = claims.filter(criterion_id__in=criterion_ids)
    rows = (
        claims.order_by()
        .values("framework_id", "criterion_id", "status")
        .annotate(weighted=Sum(models.F("score") * models.F("weight")), weights=Sum("weight"))
        .annotate(n=Count("id"))
    )
    totals = defaultdict(lambda: [0.0, 0.0, 0, 0])
    for row in rows:
        factor = DISPUTED_DISCOUNT if row["status"] == Claim.Status.DISPUTED else 1.0
        total = totals[(row["framework_id"], row["criterion_id"])]
        total[0] += factor * row["weighted"]
        total[1] += factor * row["weights"]
        total[2] += row["n"]
        if row["status"] == Claim.Status.DISPUTED:
            total[3] += row["n"]
    return {
        key: EvidenceScore(score=weighted / weights, claim_count=n, disputed_count=disputed)
        for key, (weighted, weights, n, disputed) in totals.items()
    }


class KnowledgeVersion(models.Model):
    """One row whose number changes whenever editors change the knowledge base.

    Cached pages and computations are keyed by it. It lives in the database, not in a cache, so
    every app process on every host sees a change at once, whatever cache backend is configured.
    """

    version = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"Knowledge base version {self.version}"
