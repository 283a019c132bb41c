"""The API: version 1 under /api/v1/, and a problem-details 404 for anything else under /api/."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("sources", views.SourceViewSet, basename="source")
router.register("claims", views.ClaimViewSet, basename="claim")

v1 = [
    path("", views.RootView.as_view(), name="root"),
    *router.urls,
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("score/", views.ScoreView.as_view(), name="score"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # Any character, newlines too: a path with %0A in it is an address like any other.
    re_path(r"^(?P<path>[\s\S]*)\Z", views.not_found, name="not-found"),
]
