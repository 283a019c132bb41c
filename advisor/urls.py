from django.urls import path

from . import views

app_name = "advisor"

urlpatterns = [
    path("", views.questionnaire, name="questionnaire"),
    path("r/<uuid:pk>/", views.result, name="result"),
]
