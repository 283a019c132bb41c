"""The public pages. Each cached page declares the query parameters it reads (see cache.Param):
only those make its cache key; exports (`?format=`) are never cached. Reporting a problem with a
claim (comparisons.reports) is a form, never cached."""

from django.urls import path

from . import reports, views
from .cache import ID, Param, params_of_filterset, params_of_form
from .cache import cache_public_page as cached
from .filters import ClaimFilter
from .forms import CompareForm

# The compare page: its form's fields. Frameworks come as "a,b" or repeated, and are shown in
# the order they were picked.
COMPARE_READS = params_of_form(
    CompareForm, special=[Param("frameworks", many=True, ordered=True, commas=True)]
)
# The explorer: the ClaimFilter's fields, the page number, and `format`, whose presence (an
# export) means the response is never cached.
EXPLORER_READS = params_of_filterset(
    ClaimFilter, extra=[Param("page", pattern=ID), Param("format", pattern=None)]
)

# The framework and criterion lists: their page number.
LIST_READS = [Param("page", pattern=ID)]

app_name = "comparisons"

urlpatterns = [
    path("", cached(views.home), name="home"),
    path(
        "frameworks/",
        cached(views.FrameworkListView.as_view(), reads=LIST_READS),
        name="framework-list",
    ),
    path(
        "frameworks/<slug:slug>/",
        cached(views.FrameworkDetailView.as_view()),
        name="framework-detail",
    ),
    path(
        "criteria/",
        cached(views.CriterionListView.as_view(), reads=LIST_READS),
        name="criterion-list",
    ),
    path(
        "criteria/<slug:slug>/",
        cached(views.CriterionDetailView.as_view()),
        name="criterion-detail",
    ),
    path("compare/", cached(views.compare, reads=COMPARE_READS), name="compare"),
    path("claims/", cached(views.claim_list, reads=EXPLORER_READS), name="claim-list"),
    path("claims/<int:pk>/report/", reports.report, name="claim-report"),
    path("claims/<int:pk>/report/thanks/", reports.thanks, name="claim-report-thanks"),
]
