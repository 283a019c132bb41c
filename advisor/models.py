"""The advisor's questionnaire, and the consultations it produces.

Editors write questions and options in the admin; each option changes the weight of one or more
criteria of the knowledge base, and may ask for a must-have (MustHave: frameworks whose evidence
fails it are set apart). A question may be asked only after some answers to earlier questions
(`Question.shown_when`). A visitor's answers become a Consultation: a snapshot of the answers,
the weights and the whole computed result (its shape: advisor.schema), shown at an unguessable
permalink that never changes, even when the knowledge base does.
"""

import hashlib
import json
import uuid
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from comparisons.models import Criterion

from . import schema
from .scoring import ENGINE_VERSION

CHANGE_MIN, CHANGE_MAX = -5, 5
EVIDENCE_MIN, EVIDENCE_MAX = -2, 2


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice: pick one"
        MULTIPLE = "multiple", "Multiple choice: tick any"

    text = models.CharField(
        max_length=300, help_text="The question as visitors read it, e.g. “How big is the project?”"
    )
    help_text = models.TextField(
        blank=True, help_text="Optional: a sentence under the question that helps visitors answer."
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Questions are asked in this order, lowest first."
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.SINGLE,
        help_text="Single choice: the visitor picks exactly one option. Multiple choice: the "
        "visitor ticks any number of options, and the changes of all of them add up.",
    )
    is_required = models.BooleanField(
        "required",
        default=True,
        help_text="A required question must be answered before the advice is given. Untick it "
        "for a multiple-choice question visitors may leave empty.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive questions are not asked. Old consultations keep the answers they had.",
    )
    shown_when = models.ManyToManyField(
        "Option",
        blank=True,
        related_name="reveals",
        verbose_name="asked only after",
        help_text="Ask this question only when the visitor picked one of these options of "
        "earlier questions; leave it empty to always ask it. Visitors whose browser runs scripts "
        "see the question appear when they pick one; the others see every question, with a note. "
        "Answers to a question that should not have been asked are ignored.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.text

    def comes_before(self, other):
        """Whether this question is asked before `other` (a question not saved yet comes last
        among those of its order)."""
        return (self.order, self.pk or float("inf")) < (other.order, other.pk or float("inf"))


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200, help_text="The answer as visitors read it.")
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Options are listed in this order, lowest first."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["question__order", "question_id", "order", "id"]

    def __str__(self):
        try:
            return f"{self.question.text} → {self.label}"
        except ObjectDoesNotExist:  # a historical version whose question is gone
            return self.label


class OptionWeight(models.Model):
    """How choosing an option changes how much one criterion counts."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="weights")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        related_name="option_weights",
        help_text="A criterion the questionnaire uses cannot be deleted.",
    )
    change = models.SmallIntegerField(
        validators=[MinValueValidator(CHANGE_MIN), MaxValueValidator(CHANGE_MAX)],
        help_text=f"{CHANGE_MIN} to +{CHANGE_MAX}: added to the criterion's default weight "
        "when a visitor picks this option. +5 makes it matter much more, -5 much less; "
        "criteria an answer does not mention keep their default weight.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["option_id", "criterion__display_order", "criterion__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(change__gte=CHANGE_MIN, change__lte=CHANGE_MAX),
                name="optionweight_change_range",
            ),
            models.UniqueConstraint(
                fields=["option", "criterion"], name="optionweight_one_per_criterion"
            ),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.change:+d}"


class MustHave(models.Model):
    """A hard requirement that picking an option asks for: frameworks whose evidence on the
    criterion is below the minimum are set apart from the ranking, with the claim that fails it.
    """

    option = models.OneToOneField(
        Option,
        on_delete=models.CASCADE,
        related_name="must_have",
        help_text="The answer that asks for it, e.g. “We cannot do without async” under a "
        "question “Is anything a must?”.",
    )
    label = models.CharField(
        max_length=100,
        help_text="The requirement as the result page names it, e.g. “Must support async”.",
    )
    criterion = models.OneToOneField(
        Criterion,
        on_delete=models.PROTECT,
        related_name="must_have",
        help_text="The criterion whose evidence decides it. One must-have per criterion: the "
        "result page's address names it by the criterion.",
    )
    minimum = models.DecimalField(
        "lowest evidence accepted",
        max_digits=2,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(EVIDENCE_MIN), MaxValueValidator(EVIDENCE_MAX)],
        help_text="From -2.0 to +2.0. A framework is excluded when its evidence on the criterion "
        "(its published claims that are not refuted, weighed as everywhere on the site) is below "
        "this: +1.0 means the evidence must say it does; 0.0 that it must not say it does not. A "
        "framework with no such evidence is never excluded: the result page says it is unknown.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "must-have"
        ordering = ["option__question__order", "option__order", "option_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum__gte=EVIDENCE_MIN, minimum__lte=EVIDENCE_MAX),
                name="musthave_minimum_range",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.criterion}: at least {self.minimum:+.1f})"


def content_hash(answers, knowledge_version, engine_version=ENGINE_VERSION):
    """What makes two consultations the same: the chosen options of each question, the knowledge
    version they were computed on, the scoring engine's version and the snapshot's shape
    (advisor.schema), as a SHA-256 hex digest.

    The answers are reduced to {question id: sorted option ids} (unanswered questions left out) and
    written as canonical JSON, so the order in which options or questions arrive does not matter.
    """
    chosen = {
        str(answer["question"]): sorted(int(option) for option in answer["options"])
        for answer in answers
        if answer["options"]
    }
    canonical = json.dumps(
        {
            "answers": chosen,
            "knowledge": int(knowledge_version),
            "engine": str(engine_version),
            "snapshot": schema.SNAPSHOT_VERSION,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ConsultationQuerySet(models.QuerySet):
    def with_hash(self, digest):
        """The stored consultation with this content hash, or None. Its snapshot is not read
        (the caller only redirects to its page): reading it is one more query."""
        return self.filter(content_hash=digest).defer("answers", "weights", "result").first()

    def older_than(self, moment):
        return self.filter(created_at__lt=moment)


class Consultation(models.Model):
    """One visitor's answers and the recommendation computed from them, frozen at that moment.

    The page is drawn from `result` alone, so it stays the same when the knowledge base changes.
    Consultations are content-addressed: the same answers on the same knowledge and engine
    versions are stored once (`content_hash`), and every visitor who gives them gets that page.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # NULL, not "": rows from before hashes existed must not collide under the unique constraint.
    content_hash = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text="SHA-256 of the answers, the knowledge version and the engine version: the "
        "same three give the same consultation. Empty for consultations saved before it existed.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    engine_version = models.CharField(max_length=20, editable=False)
    recommended = models.CharField(
        "recommendation",
        max_length=100,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Slug of the recommended framework; empty when there was no preference.",
    )
    margin = models.FloatField(
        default=0.0, editable=False, help_text="Points (out of 100) ahead of the runner-up."
    )
    deciding_criterion = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Slug of the criterion that did most to put the recommendation ahead of the "
        "runner-up; empty when there was no preference. The editors' dashboard counts these.",
    )
    answers = models.JSONField(
        default=list,
        editable=False,
        help_text="Each answered question with the chosen options' ids and labels.",
    )
    weights = models.JSONField(
        default=dict, editable=False, help_text="Criterion slug → weight used."
    )
    result = models.JSONField(
        default=dict,
        editable=False,
        help_text="Everything the result page shows (advisor.schema.Snapshot, versioned).",
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["content_hash"], name="consultation_unique_content")
        ]

    def __str__(self):
        when = timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M")
        return f"{self.recommendation_name} ({when})"

    def get_absolute_url(self):
        return reverse("advisor:result", kwargs={"pk": self.pk})

    def save_or_reuse(self):
        """Insert this new consultation, or return the one stored meanwhile with the same hash.

        Two visitors submitting the same answers at once both compute; the first insert wins
        and the second one's unique violation is answered with the winner.
        """
        try:
            with transaction.atomic():
                self.save(force_insert=True)
        except IntegrityError:
            existing = self.content_hash and Consultation.objects.with_hash(self.content_hash)
            if not existing:
                raise
            return existing
        return self

    @property
    def snapshot(self):
        """What was saved, in the current shape whatever version saved it (advisor.schema)."""
        return schema.Snapshot.of(self)

    @property
    def recommendation_name(self):
        if not self.recommended:
            return "No preference"
        return schema.framework_names(self.result).get(self.recommended, self.recommended)
