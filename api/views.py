"""The API's endpoints: thin views over comparisons.knowledge, the explorer's ClaimFilter, the
compare page's form and the advisor's scoring.

Every GET runs a fixed handful of queries whatever the size of the knowledge base (pinned in
tests/api/test_queries.py), carries the knowledge version's ETag and Last-Modified, and answers a
matching If-None-Match with a 304 for one query (api.conditional). Public means what it means on
the pages: published frameworks, and published claims about them with at least one citation;
sources only as far as a public claim cites them.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons.cache import current_version
from comparisons.filters import ClaimFilter
from comparisons.forms import MAX_ID, CompareForm
from comparisons.knowledge import (
    build_compare_matrix,
    citations_with_sources,
    evidence_scores,
    framework_columns,
    public_claim_counts,
    public_claims,
)
from comparisons.models import Citation, Claim, Criterion, Framework, Source

from . import advice, schema, serializers
from .conditional import CONDITIONAL_METHODS, Validators
from .filters import ClaimFilterBackend, form_errors
from .problems import InvalidBody, InvalidParameters, problem_response
from .throttling import AnonymousRateThrottle, ScoringRateThrottle

SLUG_PATH = "[-a-zA-Z0-9_]+"
ID_PATH = "[0-9]+"


def path_parameter(name, description):
    if name == "slug":
        kind = {"type": "string", "pattern": f"^{SLUG_PATH}$", "maxLength": 100}
    else:
        kind = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


class _NotModified(Exception):
    """The client's If-None-Match names the current ETag: answer 304 without doing the work."""


class KnowledgeReadMixin:
    """GET and HEAD only, with the knowledge version's validators (api.conditional)."""

    http_method_names = ["get", "head"]
    validators = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # content negotiation, then the rate limits
        if request.method in CONDITIONAL_METHODS:
            self.validators = Validators(request)
            if self.validators.current_etag_requested(request):
                raise _NotModified

    def handle_exception(self, exc):
        if isinstance(exc, _NotModified):
            return self.validators.not_modified()
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.validators is not None and 200 <= response.status_code < 300:
            response = self.validators.apply(request, response)
        return response


def evidence_row(score, **names):
    """An EvidenceScore as the API shows it, with the names of its pair."""
    return {
        **names,
        "score": score.score,
        "strength": score.strength,
        "strength_label": score.strength_label,
        "claim_count": score.claim_count,
        "counted_count": score.counted_count,
        "contested_count": score.contested_count,
        "refuted_count": score.refuted_count,
    }


def id_or_404(value):
    """A path's id as an int, or a 404 for one no database row can have."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise Http404("There is nothing public with this id.")
    return number


class PublicListMixin:
    """A list whose rows each get their public claim count, then a page of them."""

    count_kind = None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        counts = public_claim_counts()[self.count_kind]
        for obj in page:
            obj.claim_count = counts.get(obj.pk, 0)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="Published frameworks",
        description="By name, each with how many public claims it has.",
        **schema.read_operation(
            serializers.FrameworkSerializer(many=True), errors=(400, 404, 406, 429)
        ),
    ),
    retrieve=extend_schema(
        summary="A published framework, with its evidence on every criterion",
        description="Its aggregated evidence on each criterion with public claims about it "
        "(score, strength, and how many claims are counted, contested and refuted).",
        **schema.read_operation(
            serializers.FrameworkDetailSerializer,
            parameters=[path_parameter("slug", "The framework's slug.")],
        ),
    ),
)
class FrameworkViewSet(
    KnowledgeReadMixin, PublicListMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATH
    count_kind = "framework"
    serializer_class = serializers.FrameworkSerializer

    def get_queryset(self):
        return Framework.objects.published().order_by("name", "pk")

    def retrieve(self, request, slug):
        try:
            framework = self.get_queryset().get(slug=slug)
        except Framework.DoesNotExist:
            raise Http404(f"There is no published framework “{slug[:100]}”.") from None
        (column,) = framework_columns([framework])
        criteria = Criterion.objects.filter(pk__in=list(column)).order_by("display_order", "name")
        framework.evidence = [
            evidence_row(column[c.pk][0], criterion=c.slug, criterion_name=c.name) for c in criteria
        ]
        framework.claim_count = sum(row["claim_count"] for row in framework.evidence)
        return Response(
            serializers.FrameworkDetailSerializer(
                framework, context=self.get_serializer_context()
            ).data
        )


@extend_schema_view(
    list=extend_schema(
        summary="Criteria",
        description="In the editors' display order, each with how many public claims are about it.",
        **schema.read_operation(
            serializers.CriterionSerializer(many=True), errors=(400, 404, 406, 429)
        ),
    ),
    retrieve=extend_schema(
        summary="A criterion, with the evidence of every framework on it",
        description="The aggregated evidence of each published framework with public claims on it.",
        **schema.read_operation(
            serializers.CriterionDetailSerializer,
            parameters=[path_parameter("slug", "The criterion's slug.")],
        ),
    ),
)
class CriterionViewSet(
    KnowledgeReadMixin, PublicListMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATH
    count_kind = "criterion"
    serializer_class = serializers.CriterionSerializer

    def get_queryset(self):
        return Criterion.objects.order_by("display_order", "name", "pk")

    def retrieve(self, request, slug):
        try:
            criterion = self.get_queryset().get(slug=slug)
        except Criterion.DoesNotExist:
            raise Http404(f"There is no criterion “{slug[:100]}”.") from None
        scores = evidence_scores(criterion_ids=[criterion.pk])
        frameworks = Framework.objects.published().filter(
            pk__in=[framework_id for framework_id, _ in scores]
        )
        criterion.evidence = [
            evidence_row(scores[f.pk, criterion.pk], framework=f.slug, framework_name=f.name)
            for f in frameworks.order_by("name", "pk")
        ]
        criterion.claim_count = sum(row["claim_count"] for row in criterion.evidence)
        return Response(
            serializers.CriterionDetailSerializer(
                criterion, context=self.get_serializer_context()
            ).data
        )


def publicly_cited_sources():
    """Sources that at least one public claim cites, by id."""
    public = Citation.objects.filter(
        source=OuterRef("pk"),
        claim__status=Claim.Status.PUBLISHED,
        claim__framework__is_published=True,
    )
    return Source.objects.filter(Exists(public)).order_by("pk")


@extend_schema_view(
    list=extend_schema(
        summary="Cited sources",
        description="Every source that a public claim cites, by id.",
        **schema.read_operation(
            serializers.SourceSerializer(many=True), errors=(400, 404, 406, 429)
        ),
    ),
    retrieve=extend_schema(
        summary="A cited source",
        description="Its kind and reliability; `claims_url` lists the claims citing it.",
        **schema.read_operation(
            serializers.SourceSerializer,
            parameters=[path_parameter("id", "The source's id, as its citations give it.")],
        ),
    ),
)
class SourceViewSet(KnowledgeReadMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATH
    serializer_class = serializers.SourceSerializer

    def get_queryset(self):
        return publicly_cited_sources()

    def get_object(self):
        try:
            return self.get_queryset().get(pk=id_or_404(self.kwargs["pk"]))
        except Source.DoesNotExist:
            raise Http404("No public claim cites a source with this id.") from None


@extend_schema_view(
    list=extend_schema(
        summary="Public claims, filtered as the claims explorer filters them",
        description="The parameters are the claims explorer's (`/claims/`), checked by the "
        "same filter: the same parameters give the same claims in the same order as the "
        "explorer and its CSV and JSON exports. Repeat a parameter for several values "
        "(`framework=flask&framework=django`); `ordering` takes values separated by commas.",
        examples=[schema.CLAIM_LIST_EXAMPLE],
        **schema.read_operation(
            serializers.ClaimSerializer(many=True), errors=(400, 404, 406, 429)
        ),
    ),
    retrieve=extend_schema(
        summary="A public claim with its citations",
        description="Its verdict (with the reason), evidence strength and effective weight, "
        "and every citation with its source.",
        **schema.read_operation(
            serializers.ClaimSerializer,
            parameters=[path_parameter("id", "The claim's id.")],
        ),
    ),
)
class ClaimViewSet(KnowledgeReadMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATH
    serializer_class = serializers.ClaimSerializer
    filter_backends = [ClaimFilterBackend]
    filterset_class = ClaimFilter

    def get_queryset(self):
        return public_claims().prefetch_related(citations_with_sources())

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_object(self):
        try:
            return self.get_queryset().get(pk=id_or_404(self.kwargs["pk"]))
        except Claim.DoesNotExist:
            raise Http404("There is no public claim with this id.") from None


class CompareView(KnowledgeReadMixin, APIView):
    @extend_schema(
        summary="The evidence matrix of 2 to 10 frameworks",
        description="As the compare page (`/compare/`) draws it, with the same parameters: "
        "one row per criterion (of one category, if asked), one cell per framework, in the "
        "order asked for, and each framework's summary.",
        operation_id="compare",
        **schema.read_operation(
            serializers.CompareMatrixSerializer,
            errors=(400, 406, 429),
            parameters=[
                OpenApiParameter(
                    "frameworks",
                    {"type": "array", "items": {"type": "string", "pattern": f"^{SLUG_PATH}$"}},
                    OpenApiParameter.QUERY,
                    required=True,
                    style="form",
                    explode=False,
                    description="2 to 10 published frameworks' slugs, separated by commas.",
                ),
                OpenApiParameter(
                    "category",
                    str,
                    OpenApiParameter.QUERY,
                    enum=[value for value, _ in Criterion.Category.choices],
                    description="Only the criteria of this category.",
                ),
            ],
        ),
    )
    def get(self, request):
        form = CompareForm(request.query_params, frameworks=list(Framework.objects.published()))
        if not form.is_valid():
            raise InvalidParameters(form_errors(form))
        category = form.cleaned_data["category"]
        criteria = Criterion.objects.order_by("display_order", "name")
        if category:
            criteria = criteria.filter(category=category)
        matrix = build_compare_matrix(form.cleaned_data["frameworks"], list(criteria))
        data = {
            "frameworks": [{"slug": slug, "name": name} for slug, name in matrix.frameworks],
            "category": category,
            "rows": matrix.rows,
            "summary": matrix.summary,
        }
        return Response(serializers.CompareMatrixSerializer(data).data)


class ScoreView(APIView):
    http_method_names = ["post"]
    throttle_classes = [AnonymousRateThrottle, ScoringRateThrottle]

    @extend_schema(
        summary="The advisor's recommendation for your weights or answers",
        description="Ranks every published framework as the advisor does (advisor.scoring), "
        "from criterion weights or from answers to the advisor's questionnaire, and returns "
        "the ranking with each framework's band, and the reasons: what decides it, what would "
        "change it, what evidence would settle it, and the claims behind it; with must-haves, "
        "the frameworks set apart and why. Nothing is saved.",
        operation_id="score",
        request=serializers.ScoreRequestSerializer,
        examples=[*schema.SCORE_REQUEST_EXAMPLES, schema.SCORE_RESPONSE_EXAMPLE],
        responses={
            200: serializers.ScoreSerializer,
            **schema.problems(400, 406, 413, 415, 429),
        },
    )
    def post(self, request):
        request.body  # noqa: B018 -- read first, so that DATA_UPLOAD_MAX_MEMORY_SIZE applies
        body = serializers.ScoreRequestSerializer(data=request.data)
        if not body.is_valid():
            raise InvalidBody(body.errors)
        version = current_version()
        data = body.validated_data
        if "answers" in data:
            weights, must_haves, errors = advice.from_answers(data["answers"], version)
            if errors:
                raise InvalidBody({"answers": errors})
        else:
            weights, must_haves = data["weights"], data.get("must_haves", [])
            criteria, _, _ = advice.knowledge(version)
            errors = {}
            unknown = advice.unknown_criteria(weights, criteria)
            if unknown:
                errors["weights"] = [f"There is no criterion “{slug[:100]}”." for slug in unknown]
            offered = advice.offered_must_haves(version)
            if any(key not in offered for key in must_haves):
                keys = ", ".join(sorted(offered)) or "none"
                errors["must_haves"] = [f"The must-haves offered are: {keys}."]
            if errors:
                raise InvalidBody(errors)
        # The engine's own result as it makes it (documented by ScoreSerializer): what a newer
        # engine adds is passed on rather than cut.
        response = Response(advice.recommend(weights, must_haves, version))
        response["Cache-Control"] = "no-store"
        return response


class RootView(KnowledgeReadMixin, APIView):
    @extend_schema(
        summary="Where everything is",
        tags=["index"],
        description="The address of each endpoint, the schema and its documentation.",
        operation_id="root",
        **schema.read_operation(
            {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}},
            errors=(406, 429),
        ),
    )
    def get(self, request):
        names = {
            "frameworks": "framework-list",
            "criteria": "criterion-list",
            "sources": "source-list",
            "claims": "claim-list",
            "compare": "compare",
            "score": "score",
            "schema": "schema",
            "docs": "docs",
        }
        return Response(
            {key: request.build_absolute_uri(reverse(f"api:{name}")) for key, name in names.items()}
        )


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, generated once per process (it depends on the code alone)."""

    _generated = {}

    def _get_schema_response(self, request):
        if "schema" not in self._generated:
            generator = self.generator_class(urlconf=self.urlconf, api_version=self.api_version)
            self._generated["schema"] = generator.get_schema(request=None, public=True)
        filename = self._get_filename(request, self.api_version)
        return Response(
            self._generated["schema"],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


def docs(request):
    """Swagger UI over the schema, from the project's own static files (no CDN)."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:schema")})


def not_found(request, path=""):
    """Anything under /api/ that is not an endpoint: a 404 problem, never an HTML page."""
    hint = ""
    if not request.path.endswith("/"):
        hint = " Addresses of this API end with a slash."
    return problem_response(
        404, f"There is no API endpoint at this address.{hint}", request=request
    )
