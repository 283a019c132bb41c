"""What the API returns, field by field (and what the schema says of it).

The read serializers turn model objects and comparisons.knowledge's plain data into JSON; none
of them queries the database (the views read everything first). Fields are named as the CSV and
JSON exports name them where both have one (comparisons.exports), except that the API names
frameworks and criteria by slug, with their names beside. Scores are -2..+2, or null where no
claim counts (unknown, not zero); strengths are 0..1; effective weights are rounded to 4 places,
as in the exports.

The scoring request is validated strictly: a weight is a JSON number (not a string, not a
boolean), an id a JSON integer, and anything else is a 400 with the field's message.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advisor.services import WEIGHT_CEILING, WEIGHT_FLOOR
from comparisons import evidence
from comparisons.knowledge import QUESTIONED_VERDICTS
from comparisons.models import Criterion, Source

STRENGTH_LABELS = ["none", "weak", "moderate", "strong"]
VERDICTS = [v.value for v in evidence.Verdict if v != evidence.Verdict.UNSUPPORTED]
PLACES = 4


def absolute(request, path):
    return request.build_absolute_uri(path)


def api_url(request, name, query="", **kwargs):
    return absolute(request, reverse(f"api:{name}", kwargs=kwargs or None) + query)


class StrengthLabelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=STRENGTH_LABELS, read_only=True, **kwargs)


class RoundedFloatField(serializers.FloatField):
    def to_representation(self, value):
        return None if value is None else round(float(value), PLACES)


# --- the evidence of one framework on one criterion ------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    """An EvidenceScore (comparisons.evidence.aggregate) of one pair."""

    score = RoundedFloatField(
        allow_null=True,
        min_value=-2,
        max_value=2,
        help_text="Mean of the public claims' scores over their effective weights, -2 to +2; "
        "null when no claim counts (unknown, not zero).",
    )
    strength = RoundedFloatField(
        min_value=0, max_value=1, help_text="Strength of the best counted claim, 0 to 1."
    )
    strength_label = StrengthLabelField()
    claim_count = serializers.IntegerField(min_value=0, help_text="Public claims, any verdict.")
    counted_count = serializers.IntegerField(
        min_value=0, help_text="Claims with an effective weight above 0."
    )
    contested_count = serializers.IntegerField(min_value=0)
    refuted_count = serializers.IntegerField(min_value=0)


class FrameworkEvidenceSerializer(EvidenceSerializer):
    criterion = serializers.CharField(help_text="The criterion's slug.")
    criterion_name = serializers.CharField()


class CriterionEvidenceSerializer(EvidenceSerializer):
    framework = serializers.CharField(help_text="The framework's slug.")
    framework_name = serializers.CharField()


# --- frameworks, criteria, sources ----------------------------------------------------------


class FrameworkSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    tagline = serializers.CharField()
    homepage = serializers.CharField(help_text="An http(s) address, or empty.")
    repository = serializers.CharField(help_text="An http(s) address, or empty.")
    licence = serializers.CharField()
    first_release_year = serializers.IntegerField(allow_null=True)
    current_version = serializers.CharField()
    python_requires = serializers.CharField(help_text="For example: >=3.9.")
    language = serializers.CharField()
    claim_count = serializers.IntegerField(min_value=0, help_text="Its public claims.")
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    claims_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, framework):
        return api_url(self.context["request"], "framework-detail", slug=framework.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, framework):
        return absolute(self.context["request"], framework.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, framework):
        return api_url(self.context["request"], "claim-list", f"?framework={framework.slug}")


class FrameworkDetailSerializer(FrameworkSerializer):
    description = serializers.CharField()
    evidence = FrameworkEvidenceSerializer(
        many=True,
        help_text="Its aggregated evidence on each criterion that has public claims about it, "
        "in the criteria's display order.",
    )


class CriterionSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    definition = serializers.CharField()
    category = serializers.ChoiceField(choices=Criterion.Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    default_weight = serializers.IntegerField(
        min_value=0, help_text="How much the advisor counts it before a visitor's answers."
    )
    display_order = serializers.IntegerField(min_value=0)
    claim_count = serializers.IntegerField(min_value=0)
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    claims_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, criterion):
        return api_url(self.context["request"], "criterion-detail", slug=criterion.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, criterion):
        return absolute(self.context["request"], criterion.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, criterion):
        return api_url(self.context["request"], "claim-list", f"?criterion={criterion.slug}")


class CriterionDetailSerializer(CriterionSerializer):
    evidence = CriterionEvidenceSerializer(
        many=True,
        help_text="The aggregated evidence of each published framework that has public claims "
        "on it, by framework name.",
    )


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    title = serializers.CharField()
    url = serializers.CharField(help_text="An http(s) address, or empty.")
    publisher = serializers.CharField()
    author = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    accessed_on = serializers.DateField(allow_null=True, help_text="When an editor last read it.")
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    reliability = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 unverified … 5 authoritative."
    )
    strength = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    claims_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "number", "minimum": 0, "maximum": 1})
    def get_strength(self, source):
        """(reliability / 5)²: how much a claim it backs counts."""
        return round(evidence.strength(source.reliability), PLACES)

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, source):
        return api_url(self.context["request"], "source-detail", pk=source.pk)

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, source):
        return api_url(self.context["request"], "claim-list", f"?source={source.pk}")


# --- claims ---------------------------------------------------------------------------------


class CitedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    title = serializers.CharField()
    url = serializers.CharField(help_text="An http(s) address, or empty.")
    publisher = serializers.CharField()
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    reliability = serializers.IntegerField(min_value=1, max_value=5)


class CitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    source = CitedSourceSerializer()
    stance = serializers.ChoiceField(choices=["supports", "contradicts"])
    excerpt = serializers.CharField(help_text="The quoted passage, verbatim.")
    location = serializers.CharField(help_text="Where in the source, or empty.")


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    framework = serializers.SlugField(source="framework.slug")
    framework_name = serializers.CharField(source="framework.name")
    criterion = serializers.SlugField(source="criterion.slug")
    criterion_name = serializers.CharField(source="criterion.name")
    statement = serializers.CharField()
    score = serializers.IntegerField(
        min_value=-2, max_value=2, help_text="-2 strongly against the framework … +2 strongly for."
    )
    weight = serializers.IntegerField(min_value=1, max_value=5)
    verdict = serializers.ChoiceField(
        choices=VERDICTS,
        source="assessment.verdict",
        help_text="What the evidence says: supported; contested (sources of comparable "
        "standing disagree; counts at half); refuted (stronger sources contradict it; counts "
        "for nothing).",
    )
    verdict_label = serializers.CharField(source="assessment.verdict_label")
    verdict_reason = serializers.CharField(source="assessment.reason")
    verdict_set_by_editor = serializers.BooleanField(source="assessment.is_overridden")
    evidence_strength = RoundedFloatField(
        source="assessment.strength",
        min_value=0,
        max_value=1,
        help_text="Of the best supporting source, 0 to 1: (reliability / 5)².",
    )
    strength_label = StrengthLabelField(source="assessment.strength_label")
    effective_weight = RoundedFloatField(
        source="assessment.effective_weight",
        min_value=0,
        help_text="weight × evidence strength × verdict factor (1, 0.5 or 0): what it counts.",
    )
    editor_note = serializers.SerializerMethodField()
    citation_count = serializers.SerializerMethodField()
    citations = CitationSerializer(many=True, source="citations.all")
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_editor_note(self, claim):
        """Why the evidence disagrees, for contested and refuted claims (empty otherwise)."""
        return claim.editor_note if claim.assessment.verdict in QUESTIONED_VERDICTS else ""

    @extend_schema_field({"type": "integer", "minimum": 1})
    def get_citation_count(self, claim):
        return len(claim.citations.all())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, claim):
        return api_url(self.context["request"], "claim-detail", pk=claim.pk)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, claim):
        page = f"{claim.framework.get_absolute_url()}#claim-{claim.pk}"
        return absolute(self.context["request"], page)


# --- the compare matrix ---------------------------------------------------------------------


class StrongestClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    statement = serializers.CharField()
    score = serializers.IntegerField(min_value=-2, max_value=2)
    verdict = serializers.ChoiceField(choices=VERDICTS)
    citation_count = serializers.IntegerField(min_value=0)


class CellSerializer(serializers.Serializer):
    framework = serializers.SlugField(source="framework_slug")
    score = RoundedFloatField(allow_null=True, min_value=-2, max_value=2)
    strength = RoundedFloatField(min_value=0, max_value=1)
    strength_label = StrengthLabelField()
    claim_count = serializers.IntegerField(min_value=0)
    contested_count = serializers.IntegerField(min_value=0)
    refuted_count = serializers.IntegerField(min_value=0)
    citation_count = serializers.IntegerField(min_value=0)
    leads = serializers.BooleanField(help_text="The one highest score of the row.")
    strongest = StrongestClaimSerializer(
        allow_null=True, help_text="The counted claim that weighs most, or null."
    )


class RowSerializer(serializers.Serializer):
    criterion = serializers.SlugField(source="criterion_slug")
    criterion_name = serializers.CharField()
    category = serializers.ChoiceField(choices=Criterion.Category.choices)
    category_label = serializers.CharField()
    cells = CellSerializer(many=True, help_text="One per framework, in the order asked for.")


class ComparedFrameworkSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    framework = serializers.SlugField(source="framework_slug")
    mean = RoundedFloatField(
        allow_null=True, help_text="Mean score over the criteria with evidence, or null."
    )
    criteria_with_evidence = serializers.IntegerField(min_value=0)
    leads = serializers.IntegerField(min_value=0, help_text="Rows this framework leads.")


class CompareMatrixSerializer(serializers.Serializer):
    frameworks = ComparedFrameworkSerializer(many=True)
    category = serializers.CharField(help_text="The category asked for, or empty for all.")
    rows = RowSerializer(many=True)
    summary = SummarySerializer(many=True)


# --- the advisor's scoring ------------------------------------------------------------------


@extend_schema_field({"type": "number", "minimum": WEIGHT_FLOOR, "maximum": WEIGHT_CEILING})
class WeightField(serializers.Field):
    """A JSON number from WEIGHT_FLOOR to WEIGHT_CEILING (no strings, no booleans)."""

    default_error_messages = {
        "invalid": "A weight is a number.",
        "range": f"A weight is from {WEIGHT_FLOOR} to {WEIGHT_CEILING}.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if not WEIGHT_FLOOR <= data <= WEIGHT_CEILING:
            self.fail("range")
        return float(data)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdField(serializers.Field):
    """A JSON integer id (no strings, no booleans, no fractions)."""

    default_error_messages = {"invalid": "An id is a whole number from 1."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data < 2**63:
            self.fail("invalid")
        return data


class AnswerSerializer(serializers.Serializer):
    question = IdField(help_text="A question's id.")
    options = serializers.ListField(
        child=IdField(), max_length=100, help_text="The ids of the options chosen."
    )


class ScoreRequestSerializer(serializers.Serializer):
    weights = serializers.DictField(
        child=WeightField(),
        required=False,
        help_text=f"How much each criterion matters, by slug, from {WEIGHT_FLOOR} (not at all) "
        f"to {WEIGHT_CEILING}. A criterion left out counts for nothing, as in the scoring "
        "engine.",
    )
    answers = serializers.ListField(
        child=AnswerSerializer(),
        required=False,
        max_length=200,
        help_text="Answers to the advisor's questionnaire (its questions and options are on "
        "/advisor/): each criterion's default weight plus the changes of the options chosen, "
        "as the quiz computes them. Every required question needs an answer.",
    )

    must_haves = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=100,
        help_text="With weights: the must-haves to apply, by key (a criterion's slug, as the "
        "questionnaire offers them): frameworks whose evidence fails one are set apart. With "
        "answers, the options chosen say which apply.",
    )

    def validate(self, data):
        if ("weights" in data) == ("answers" in data):
            raise serializers.ValidationError("Send either weights or answers (not both).")
        if "answers" in data and "must_haves" in data:
            raise serializers.ValidationError(
                {"must_haves": ["The answers say which must-haves apply: send them with weights."]}
            )
        return data


class ContributionSerializer(serializers.Serializer):
    criterion = serializers.SlugField()
    weight = serializers.FloatField(min_value=0)
    evidence = serializers.FloatField(
        allow_null=True, help_text="The pair's evidence score, or null (unknown, counted 0.5)."
    )
    points = serializers.FloatField(help_text="Its share of the framework's score, 0..100.")


class RankedFrameworkSerializer(serializers.Serializer):
    framework = serializers.SlugField()
    name = serializers.CharField()
    rank = serializers.IntegerField(min_value=1, help_text="Tied frameworks share a rank.")
    score = serializers.FloatField(min_value=0, max_value=100)
    band_low = serializers.FloatField(
        min_value=0,
        max_value=100,
        help_text="The lowest the score could be, given how weak or missing its evidence is.",
    )
    band_high = serializers.FloatField(min_value=0, max_value=100)
    coverage = serializers.FloatField(
        min_value=0, max_value=1, help_text="Share of the weight with any evidence."
    )
    strength = serializers.FloatField(min_value=0, max_value=1)
    unknown_criteria = serializers.ListField(
        child=serializers.SlugField(),
        help_text="Weighted criteria without evidence (for the best-ranked frameworks only).",
    )
    contributions = ContributionSerializer(
        many=True, help_text="Per weighted criterion (for the best-ranked frameworks only)."
    )


class FlipSerializer(serializers.Serializer):
    criterion = serializers.SlugField()
    weight_change = serializers.FloatField(
        allow_null=True,
        help_text="The smallest change of this criterion's weight that changes the winner; "
        "null when none can.",
    )
    overtaken_by = serializers.SlugField(allow_null=True)


class DecisiveSerializer(serializers.Serializer):
    criterion = serializers.SlugField()
    margin_points = serializers.FloatField(help_text="Its share of the winner's lead.")
    flip = FlipSerializer()


class SettlingSerializer(serializers.Serializer):
    criterion = serializers.SlugField()
    weight = serializers.FloatField(min_value=0)
    winner_strength = serializers.FloatField(min_value=0, max_value=1)
    runner_up_strength = serializers.FloatField(allow_null=True, min_value=0, max_value=1)


class RequirementSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The must-have's key.")
    criterion = serializers.SlugField()
    minimum = serializers.FloatField(min_value=-2, max_value=2, help_text="Lowest evidence kept.")


class ExclusionSerializer(serializers.Serializer):
    framework = serializers.SlugField()
    requirement = serializers.CharField(help_text="The key of the must-have it fails.")
    criterion = serializers.SlugField()
    evidence = serializers.FloatField(help_text="Its evidence on the criterion, -2..+2.")
    minimum = serializers.FloatField()
    score = serializers.FloatField(help_text="What it would have scored, 0..100.")


class UnknownRequirementSerializer(serializers.Serializer):
    framework = serializers.SlugField()
    requirement = serializers.CharField()
    criterion = serializers.SlugField()


class MethodRankSerializer(serializers.Serializer):
    framework = serializers.SlugField()
    value = serializers.FloatField(help_text="Closeness to the ideal, 0..1.")
    rank = serializers.IntegerField(min_value=1)


class MethodCheckSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="The second method: topsis.")
    ranking = MethodRankSerializer(many=True)
    agrees = serializers.BooleanField(help_text="Both methods put the same framework first.")


class ExplainingCitationSerializer(serializers.Serializer):
    source = serializers.CharField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    reliability = serializers.IntegerField(min_value=1, max_value=5)
    excerpt = serializers.CharField()
    location = serializers.CharField()
    stance = serializers.ChoiceField(choices=["supports", "contradicts"])
    stance_label = serializers.CharField()


class ExplainingClaimSerializer(serializers.Serializer):
    """comparisons.knowledge.claim_summary(): a claim with its verdict and citations."""

    id = serializers.IntegerField(min_value=1)
    framework = serializers.SlugField()
    criterion = serializers.SlugField()
    statement = serializers.CharField()
    score = serializers.IntegerField(min_value=-2, max_value=2)
    weight = serializers.IntegerField(min_value=1, max_value=5)
    verdict = serializers.ChoiceField(choices=VERDICTS)
    verdict_label = serializers.CharField()
    verdict_reason = serializers.CharField()
    strength = serializers.FloatField(min_value=0, max_value=1)
    effective_weight = serializers.FloatField(min_value=0)
    editor_note = serializers.CharField()
    citations = ExplainingCitationSerializer(many=True)


class ScoreSerializer(serializers.Serializer):
    engine_version = serializers.CharField(help_text="The scoring method (advisor.scoring).")
    knowledge_version = serializers.IntegerField(min_value=0)
    weights = serializers.DictField(
        child=serializers.FloatField(min_value=0),
        help_text="Every criterion's weight as scored, by slug, in display order.",
    )
    no_preference = serializers.BooleanField(
        help_text="Nothing weighs anything (or there are no frameworks): every framework "
        "scores 50 and there is no winner."
    )
    message = serializers.CharField(help_text="The result in a sentence.")
    winner = serializers.SlugField(allow_null=True)
    runner_up = serializers.SlugField(allow_null=True)
    margin = serializers.FloatField(min_value=0, help_text="Points between the first two.")
    confidence = serializers.ChoiceField(choices=["high", "medium", "low"], allow_null=True)
    too_close = serializers.BooleanField(
        help_text="The first two bands overlap: the evidence cannot tell them apart."
    )
    ranking = RankedFrameworkSerializer(many=True, help_text="Every published framework.")
    decisive = DecisiveSerializer(many=True, help_text="What the winner's lead comes from.")
    flips = FlipSerializer(many=True, help_text="What would change the winner, per criterion.")
    settling = SettlingSerializer(
        many=True, help_text="The weighted criteria whose evidence would settle it."
    )
    method = serializers.CharField(help_text="The method that ranked: weighted-sum.")
    requirements = RequirementSerializer(many=True, help_text="The must-haves applied.")
    excluded = ExclusionSerializer(
        many=True, help_text="Frameworks set apart: their evidence fails a must-have."
    )
    unknown_requirements = UnknownRequirementSerializer(
        many=True, help_text="Ranked frameworks with no evidence on a must-have's criterion."
    )
    check = MethodCheckSerializer(
        allow_null=True, help_text="The same frameworks ranked by TOPSIS, as a check."
    )
    decisive_claims = ExplainingClaimSerializer(
        many=True, help_text="The winner's claims on the decisive criteria."
    )
    questioned_claims = ExplainingClaimSerializer(
        many=True,
        help_text="Contested and refuted claims of the first two on the criteria weighted most.",
    )
