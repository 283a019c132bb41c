"""Public pages of the knowledge base: thin views over comparisons.knowledge and the FilterSet.

Every page runs a fixed handful of queries whatever the size of the knowledge base. Anything a
visitor types in a query string goes through a form: an invalid value is a 400 with the form's
message, an unknown page or object a 404, never a 500.
"""

from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from . import exports
from .factcheck import claim_reviews
from .filters import ClaimFilter
from .forms import CompareForm
from .fragments import claim_cards, compare_rows, drawn, kept
from .knowledge import (
    all_criteria,
    build_compare_matrix,
    criteria_with_counts,
    criterion_claim_groups,
    framework_claim_groups,
    public_claim_order,
    public_claims,
    public_claims_by_id,
    published_frameworks,
    published_frameworks_with_counts,
    strong_and_weak,
    with_verdicts,
)
from .models import Criterion, Framework
from .pagination import BoundedPaginator
from .templatetags.factcheck import shown_claims

CLAIMS_PER_PAGE = 25
EXPORT_FORMATS = {"csv": exports.csv_response, "json": exports.json_response}


# The home page shows the frameworks with the most public claims, and the first criteria; the
# framework and criterion lists have them all, a page at a time.
HOME_FRAMEWORKS = 12
HOME_CRITERIA = 30
FRAMEWORKS_PER_PAGE = 48
CRITERIA_PER_PAGE = 60


@require_safe
def home(request):
    frameworks = published_frameworks_with_counts()
    featured = sorted(frameworks, key=lambda f: -f.claim_count)[:HOME_FRAMEWORKS]
    criteria = criteria_with_counts()
    return render(
        request,
        "comparisons/home.html",
        {
            "frameworks": featured,
            "framework_count": len(frameworks),
            "compare_slugs": ",".join(f.slug for f in featured[:2]),
            "criteria": criteria[:HOME_CRITERIA],
            "criterion_count": len(criteria),
        },
    )


class FrameworkListView(ListView):
    http_method_names = ["get", "head"]
    template_name = "comparisons/framework_list.html"
    context_object_name = "frameworks"
    paginate_by = FRAMEWORKS_PER_PAGE

    def get_queryset(self):
        return published_frameworks_with_counts()


class CriterionListView(ListView):
    http_method_names = ["get", "head"]
    template_name = "comparisons/criterion_list.html"
    context_object_name = "criteria"
    paginate_by = CRITERIA_PER_PAGE

    def get_queryset(self):
        return criteria_with_counts()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_category = {}
        for criterion in context["criteria"]:
            by_category.setdefault(criterion.get_category_display(), []).append(criterion)
        context["categories"] = by_category.items()
        return context


class FrameworkDetailView(DetailView):
    http_method_names = ["get", "head"]
    template_name = "comparisons/framework_detail.html"
    context_object_name = "framework"

    def get_object(self, queryset=None):
        try:
            return Framework.objects.published().get(slug=self.kwargs["slug"])
        except Framework.DoesNotExist:
            raise Http404("There is no published framework at this address.") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        framework = self.object
        context.update(kept(f"framework-page:{framework.pk}", lambda: framework_page(framework)))
        return context


def framework_page(framework):
    """What a framework's page shows of the knowledge base: the criteria where it is strongest
    and weakest and its evidence by criterion (both drawn), and the fact-check reviews of the
    claims shown. The same for every visitor: kept per knowledge version (see fragments.kept),
    as text and plain data, so that reading it back unpickles no model."""
    groups = framework_claim_groups(framework)
    sections = with_cards(group for group in groups if group.claims)
    strongest, weakest = strong_and_weak(groups)
    return {
        "summary": render_to_string(
            "comparisons/includes/framework_summary.html",
            {"framework": framework, "strongest": strongest, "weakest": weakest},
        ),
        "evidence": drawn(
            "comparisons/framework_evidence.html",
            framework=framework,
            groups=groups,
            sections=sections,
        ),
        "reviews": claim_reviews(shown_claims(sections)),
    }


class CriterionDetailView(DetailView):
    http_method_names = ["get", "head"]
    template_name = "comparisons/criterion_detail.html"
    context_object_name = "criterion"

    def get_object(self, queryset=None):
        try:
            return Criterion.objects.get(slug=self.kwargs["slug"])
        except Criterion.DoesNotExist:
            raise Http404("There is no criterion at this address.") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        criterion = self.object
        context.update(kept(f"criterion-page:{criterion.pk}", lambda: criterion_page(criterion)))
        return context


def criterion_page(criterion):
    """What a criterion's page shows of the knowledge base, kept per knowledge version like a
    framework page's: the evidence of each framework (drawn), the frameworks without any (name
    and address) and the fact-check reviews of the claims shown."""
    groups = criterion_claim_groups(criterion)
    sections = with_cards(group for group in groups if group.claims)
    return {
        "evidence": drawn(
            "comparisons/criterion_evidence.html",
            criterion=criterion,
            sections=sections,
            others=[g for g in groups if g.evidence and not g.claims],
        ),
        "unknown": [
            (g.framework.name, g.framework.get_absolute_url()) for g in groups if not g.evidence
        ],
        "reviews": claim_reviews(shown_claims(sections)),
    }


def with_cards(groups):
    """[(group, its claims' rendered cards)], the cards fetched from the cache all at once."""
    groups = list(groups)
    cards = iter(claim_cards(claim for group in groups for claim in group.claims))
    return [(group, [next(cards) for _ in group.claims]) for group in groups]


@require_safe
def compare(request):
    """The table of differences for 2 to MAX_COMPARED frameworks, optionally one category.

    The bare page shows the picker (200); a selection that cannot be compared shows the picker
    with its errors (400).
    """
    frameworks = published_frameworks()
    submitted = any(name in request.GET for name in CompareForm.base_fields)
    form = CompareForm(request.GET if submitted else None, frameworks=frameworks)
    context = {"form": form, "matrix": None, "enough_frameworks": len(frameworks) >= 2}
    if not submitted:
        return render(request, "comparisons/compare.html", context)
    if not form.is_valid():
        return render(request, "comparisons/compare.html", context, status=400)

    category = form.cleaned_data["category"]
    criteria = [c for c in all_criteria() if not category or c.category == category]
    chosen = form.cleaned_data["frameworks"]
    context["matrix"] = matrix = build_compare_matrix(chosen, criteria)
    context["rows"] = compare_rows(matrix)
    context["category_label"] = dict(Criterion.Category.choices).get(category, "")
    context["chosen"] = chosen
    return render(request, "comparisons/compare.html", context)


@require_safe
def claim_list(request):
    """The claims explorer; `?format=csv` or `?format=json` exports the whole filtered set."""
    export_format = request.GET.get("format", "")
    if export_format and export_format not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format “{export_format[:50]}”: use csv or json.",
            content_type="text/plain; charset=utf-8",
        )

    filterset = ClaimFilter(request.GET, queryset=public_claims(), request=request)
    if not filterset.is_valid():
        if export_format:
            return exports.errors_response(filterset.form.errors, export_format)
        context = {"filterset": filterset, "columns": exports.COLUMNS}
        return render(request, "comparisons/claim_list.html", context, status=400)

    claims = filterset.qs
    if export_format:
        ids = exports.export_ids(claims)
        if len(ids) > exports.MAX_ROWS:
            return exports.too_large_response(export_format)
        return EXPORT_FORMATS[export_format](ids, request)

    requested = request.GET.get("page") or 1
    ordering = filterset.form.cleaned_data.get("ordering")
    # Every public claim, or those of some verdicts, in one of the few orderings offered (not a
    # list of them: each ordering kept is a query over every claim): the order kept per version.
    in_order = filterset.narrowing() <= {"verdict"} and len(ordering or []) <= 1
    if in_order:
        order = public_claim_order(filterset.ordered(public_claims()), "".join(ordering or []))
        claims = with_verdicts(order, filterset.form.cleaned_data.get("verdict"))
    paginator = BoundedPaginator(claims, CLAIMS_PER_PAGE, requested)
    context = {
        "filterset": filterset,
        "paginator": paginator,
        "columns": exports.COLUMNS,
        "export_max": exports.MAX_ROWS,
    }
    try:
        context["page_obj"] = page = paginator.page(requested)
    except InvalidPage:
        context["page_error"] = paginator.error_message(request.GET["page"])
        return render(request, "comparisons/claim_list.html", context, status=404)
    if in_order:
        page.object_list = public_claims_by_id(page.object_list)
    context["cards"] = claim_cards(page, show_context=True)
    context["source"] = filterset.form.cleaned_data.get("source")
    return render(request, "comparisons/claim_list.html", context)
