from django.urls import path

from . import views
from .cache import cache_public_page as cached

app_name = "comparisons"

urlpatterns = [
    path("", cached(views.home), name="home"),
    path("frameworks/", cached(views.FrameworkListView.as_view()), name="framework-list"),
    path(
        "frameworks/<slug:slug>/",
        cached(views.FrameworkDetailView.as_view()),
        name="framework-detail",
    ),
    path("criteria/", cached(views.CriterionListView.as_view()), name="criterion-list"),
    path(
        "criteria/<slug:slug>/",
        cached(views.CriterionDetailView.as_view()),
        name="criterion-detail",
    ),
    path("compare/", cached(views.compare), name="compare"),
    path("claims/", cached(views.claim_list), name="claim-list"),
]
