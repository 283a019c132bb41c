"""The advisor's pages: the questionnaire, and the permanent page of each consultation."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import get_usage

from comparisons.cache import current_version
from config.views import too_many_requests

from . import presentation, services
from .forms import QuestionnaireForm, ReweighForm
from .models import Consultation, content_hash


@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire(request):
    """GET: all active questions. POST: validate, then 303 to the result.

    Answers already given on this knowledge version lead to their stored consultation; new ones
    are computed and saved, at most ADVISOR_SUBMIT_RATE of them per client address (then a 429).
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
    answers = form.answers()
    digest = content_hash(answers, version)
    consultation = Consultation.objects.with_hash(digest)
    if consultation is None:
        usage = get_usage(
            request,
            group="advisor.submit",
            key="ip",
            rate=settings.ADVISOR_SUBMIT_RATE,
            increment=True,
        )
        if usage and usage["should_limit"]:
            return too_many_requests(request, retry_after=usage["time_left"])
        consultation = services.advise(answers, questions, version)
        consultation.content_hash = digest
        consultation = consultation.save_or_reuse()
    return HttpResponseRedirect(consultation.get_absolute_url(), status=303)


@require_safe
def result(request, pk):
    """A consultation's permanent page, drawn from its snapshot alone: one query.

    With weights or must-haves in the address (the re-weigh form is a GET form), the page is
    that re-weighing, computed from the snapshot too: its address is its own permalink, and the
    saved consultation keeps its answers. Invalid values get the saved result with the form's
    errors and a 400; weights of criteria the result does not have are ignored, and the page
    says so. Nothing of it is cached: the address cannot fill a cache.
    """
    consultation = get_object_or_404(Consultation, pk=pk)
    if not ReweighForm.asks(request.GET):
        return render(request, "advisor/result.html", presentation.present(consultation))
    snapshot = consultation.snapshot
    form = ReweighForm(request.GET, snapshot=snapshot)
    if not snapshot.reweighable:
        context = presentation.present(consultation, snapshot=snapshot)
        return render(request, "advisor/result.html", {**context, "reweigh_unavailable": True})
    if not form.is_valid():
        context = presentation.present(consultation, snapshot=snapshot)
        return render(request, "advisor/result.html", {**context, "form": form}, status=400)
    context = presentation.present(
        consultation, form.weights(), form.must_haves(), snapshot=snapshot
    )
    ignored = form.ignored()
    return render(
        request,
        "advisor/result.html",
        {
            **context,
            "form": form,
            "ignored": ignored[: presentation.NAMES_SHOWN],
            "more_ignored": max(0, len(ignored) - presentation.NAMES_SHOWN),
        },
    )
