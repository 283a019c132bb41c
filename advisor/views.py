"""The advisor's pages: the questionnaire, and the permanent page of each consultation."""

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_safe

from comparisons.cache import current_version

from . import presentation, services
from .forms import QuestionnaireForm
from .models import Consultation


@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire(request):
    """GET: all active questions. POST: validate, compute, save, then 303 to the result.

    Invalid or tampered answers get the form back with a 400 and nothing is saved.
    """
    version = current_version()
    questions = services.load_questionnaire(version)
    if request.method != "POST":
        form = QuestionnaireForm(questions=questions)
        return render(request, "advisor/questionnaire.html", {"form": form})
    form = QuestionnaireForm(request.POST, questions=questions)
    if not questions or not form.is_valid():
        return render(request, "advisor/questionnaire.html", {"form": form}, status=400)
    consultation = services.advise(form.answers(), questions, version)
    consultation.save(force_insert=True)
    return HttpResponseRedirect(consultation.get_absolute_url(), status=303)


@require_safe
def result(request, pk):
    """A consultation's permanent page, drawn from its snapshot alone: one query."""
    consultation = get_object_or_404(Consultation, pk=pk)
    return render(request, "advisor/result.html", presentation.present(consultation))
