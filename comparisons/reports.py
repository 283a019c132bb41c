"""Reporting a problem with a public claim: the form and its two pages.

Anyone may tell the editors that a claim is wrong, without an account: what is wrong (required),
and optionally a source (an http or https address) and a quote from it. A report is stored as an
open ProblemReport for the editors, who handle it in the admin; nothing in it is ever shown on a
public page, and it changes nothing in the knowledge base (no cached page is invalidated).

Abuse:
- At most REPORT_RATE reports per client address (config.clients.client_address), 5 an hour
  unless the CLAIM_REPORT_RATE setting says otherwise, in django-ratelimit's "count/period" form.
  Every POST counts, sent or not (invalid, or caught by the trap below); GETs never do. Past the
  limit the answer is the site's 429 page. Counts live in the default cache, like the quiz's.
- A trap field, hidden from sight and skipped by the keyboard, that people are told to leave
  empty: a form that fills it is a robot's, dropped without a word (the thank-you page is shown
  as if it were stored).
- The CSRF middleware protects the form; request bodies are bounded by the settings.
"""

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import get_usage

from config.views import too_many_requests

from .forms import MAX_ID
from .knowledge import public_claims
from .models import Claim, ProblemReport

REPORT_RATE = "5/h"
RATE_GROUP = "comparisons.report"
TRAP_FIELD = "website"


def report_rate():
    """How many reports one address may send per period ("count/period")."""
    return getattr(settings, "CLAIM_REPORT_RATE", REPORT_RATE)


class WebAddressField(forms.URLField):
    """An http or https address: nothing else may be stored (the model's constraint agrees)."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {
        "invalid": "Enter a web address that starts with http:// or https://."
    }


class ProblemReportForm(forms.ModelForm):
    source_url = WebAddressField(
        label="A source that shows it (optional)",
        required=False,
        max_length=ProblemReport._meta.get_field("source_url").max_length,
        assume_scheme="https",
        help_text="The address of a page that says otherwise, if you have one.",
    )
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = ProblemReport
        fields = ["problem", "source_url", "quote"]
        labels = {"problem": "What is wrong", "quote": "What the source says (optional)"}
        help_texts = {
            "problem": "Say what the claim gets wrong, or what it leaves out.",
            "quote": "Copy the passage that shows it, word for word.",
        }
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 5}),
            "quote": forms.Textarea(attrs={"rows": 3}),
        }

    def is_from_a_robot(self):
        """The trap field is filled in: only a program that fills every field does that."""
        return bool(str(self.data.get(self.add_prefix(TRAP_FIELD), "")).strip())


def published_claim(pk):
    """The public claim `pk`, with its framework and criterion: 404 for any other."""
    try:
        if pk > MAX_ID:  # no such row, and too large for the database to compare
            raise Claim.DoesNotExist
        return public_claims().get(pk=pk)
    except Claim.DoesNotExist:
        raise Http404("There is no public claim at this address.") from None


def back_to_claim(claim):
    """The claim among its framework's claims on its criterion, in the explorer."""
    query = f"?framework={claim.framework.slug}&criterion={claim.criterion.slug}"
    return f"{reverse('comparisons:claim-list')}{query}#claim-{claim.pk}"


@require_http_methods(["GET", "HEAD", "POST"])
def report(request, pk):
    """GET: the claim and the form. POST: store the report, then 303 to the thank-you page;
    invalid input gets the form back with its messages (200), and nothing is stored."""
    if request.method == "POST":
        usage = get_usage(
            request,
            group=RATE_GROUP,
            key="ip",
            rate=report_rate(),
            method="POST",
            increment=True,
        )
        if usage and usage["should_limit"]:
            return too_many_requests(
                request, retry_after=usage["time_left"], what="problem reports"
            )
    claim = published_claim(pk)
    if request.method != "POST":
        form = ProblemReportForm()
    else:
        form = ProblemReportForm(request.POST, instance=ProblemReport(claim=claim))
        thanks = reverse("comparisons:claim-report-thanks", args=[claim.pk])
        if form.is_from_a_robot():
            return HttpResponseRedirect(thanks, status=303)
        if form.is_valid():
            form.save()
            return HttpResponseRedirect(thanks, status=303)
    context = {"claim": claim, "form": form, "claim_url": back_to_claim(claim)}
    return render(request, "comparisons/report.html", context)


@require_safe
def thanks(request, pk):
    """What happens to a report, once it is sent."""
    claim = published_claim(pk)
    context = {"claim": claim, "claim_url": back_to_claim(claim)}
    return render(request, "comparisons/report_thanks.html", context)
