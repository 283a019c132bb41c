from django.urls import path

from . import views

app_name = "comparisons"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/<slug:slug>/", views.framework_detail, name="framework-detail"),
    path("criteria/<slug:slug>/", views.criterion_detail, name="criterion-detail"),
]
