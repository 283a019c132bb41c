from django.urls import path

from . import views

app_name = "comparisons"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/", views.home, name="framework-list"),
    path("frameworks/<slug:slug>/", views.framework_detail, name="framework-detail"),
    path("criteria/", views.home, name="criterion-list"),
    path("criteria/<slug:slug>/", views.criterion_detail, name="criterion-detail"),
    path("compare/", views.home, name="compare"),
    path("claims/", views.home, name="claim-list"),
]
