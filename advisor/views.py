"""The advisor's pages."""

from django.http import HttpResponse


def questionnaire(request):
    return HttpResponse("Advisor")
