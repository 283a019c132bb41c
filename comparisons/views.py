"""Public pages of the knowledge base."""

from django.http import HttpResponse


def home(request):
    return HttpResponse("Stackwise")


def framework_detail(request, slug):
    return HttpResponse(slug)


def criterion_detail(request, slug):
    return HttpResponse(slug)
