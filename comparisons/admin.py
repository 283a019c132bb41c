"""The editors' product: curating frameworks, criteria, claims and their evidence.

Sources keep snapshots of their text; every quote is checked against its source's current one
(comparisons.verification), and the result is shown wherever a citation is: its changelist (a
column and filters), under its claim as the editor saves it, and on the drift list, where the
quotes a new snapshot no longer holds wait for an editor.

Claims carry review dates (comparisons.review): the changelist shows and filters them, and the
"Mark reviewed" action records who checked which claims. Visitors' reports of wrong claims wait
in their own queue, where an editor accepts one (then corrects the claim) or declines it with a
note. The admin's index is the editors' desk (comparisons.dashboard, config.admin): its counts
open the "Needs attention" filter below, built from the same queries.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Length
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import bulk_update_with_history

from . import cache, dashboard, quotes, review, verification
from .evidence import Verdict
from .forms import (
    CitationForm,
    CitationFormSet,
    ClaimAloneForm,
    ClaimRowsFormSet,
    SourceSnapshotForm,
    StandaloneCitationForm,
)
from .models import Citation, Claim, Criterion, Framework, ProblemReport, Source, SourceSnapshot

Verification = Citation.Verification


def short(text, words=14):
    return Truncator(text).words(words)


# --- how a quote check reads -------------------------------------------------------------------

CHECK_SYMBOLS = {
    Verification.VERIFIED: "✓",
    Verification.NORMALISED: "✓",
    Verification.NOT_FOUND: "✗",
    Verification.NO_SNAPSHOT: "–",
}


def check_label(citation):
    """One line: "✓ Verified after normalising whitespace and curly quotes"."""
    label = citation.get_verification_display()
    if citation.verification == Verification.NORMALISED and citation.normalised:
        label = f"{label} {citation.normalised_labels}"
    return f"{CHECK_SYMBOLS[citation.verification]} {label}"


def diff_html(old, new):
    """`old` to `new` word by word, deletions struck through and insertions underlined."""
    tags = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
    parts = quotes.word_diff(old, new)
    return format_html_join(" ", "{}", ((format_html(tags[kind], text),) for kind, text in parts))


def check_details(citation):
    """What an editor needs to know about a quote's check, as HTML (the citation's own fields
    and, selected with it, its snapshots without their texts)."""
    v = citation.verification
    if v == Verification.NO_SNAPSHOT:
        return format_html(
            "{} Not checked: “{}” has no snapshot yet. "
            '<a href="{}?source={}">Add one</a> to check its quotes.',
            CHECK_SYMBOLS[v],
            citation.source,
            reverse("admin:comparisons_sourcesnapshot_add"),
            citation.source_id,
        )
    snapshot = citation.checked_snapshot
    against = snapshot.label if snapshot else "its snapshot"
    parts = [format_html("<strong>{}</strong>, in {}", check_label(citation), against)]
    if citation.checked_at:
        parts.append(format_html(" (checked {}).", f"{citation.checked_at:%Y-%m-%d %H:%M}"))
    if v == Verification.NOT_FOUND:
        parts.append(
            " The quote is not in the source: it must be copied verbatim. A claim cannot be "
            "published while one of its quotes is not found."
        )
        if citation.previous_verification in (Verification.VERIFIED, Verification.NORMALISED):
            parts.append(
                format_html(
                    " It was in {}: the source has changed since.",
                    citation.previous_snapshot.label if citation.previous_snapshot else "before",
                )
            )
    if citation.nearest_passage:
        what = "The source has" if v == Verification.NORMALISED else "The closest passage"
        parts.append(
            format_html(
                '<br>{}: <span class="quote-diff">{}</span>',
                what,
                diff_html(citation.excerpt, citation.nearest_passage),
            )
        )
    if citation.is_verified:
        parts.append(
            format_html(
                "<br>In context: …{} <mark>{}</mark> {}… · "
                '<a href="{}" rel="noopener noreferrer" target="_blank">open the passage</a>',
                citation.quote_prefix,
                citation.excerpt,
                citation.quote_suffix,
                citation.passage_url,
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, minus a 500 on tampered input.

    To re-render a form it looks the submitted value up in the database; a value that is no id
    at all ("abc", or past the integer range) made that lookup fail. Such a value is already a
    form error, so it is simply shown as nothing selected.
    """

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta.get_field(self.field.remote_field.field_name)
        return super().optgroups(name, [v for v in value if self._is_possible(target, v)], attr)

    @staticmethod
    def _is_possible(target, value):
        try:
            value = target.to_python(value)
        except ValidationError:
            return False
        return not isinstance(value, int) or -(2**63) <= value < 2**63


class SafeAutocompleteMixin:
    """Use SafeAutocompleteSelect for the autocomplete fields of a ModelAdmin or an inline."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HistoryAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    """The editors' admin for a model with history: reverting is changing, and needs the right."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))  # None once it was deleted
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ClaimInline(admin.TabularInline):
    """Claims under their framework: quick edits of score, weight and status.

    New claims (which need citations) are added on the claim form, linked from each row.
    """

    model = Claim
    formset = ClaimRowsFormSet
    fields = ("criterion", "statement", "score", "weight", "status")
    readonly_fields = ("criterion",)
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("framework", "criterion")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClaimCountAdmin(HistoryAdmin):
    """A "Claims" column, counted in the changelist's own query."""

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="Claims", ordering="claim_count")
    def claims(self, obj):
        return obj.claim_count


@admin.register(Framework)
class FrameworkAdmin(ClaimCountAdmin):
    list_display = (
        "name",
        "tagline",
        "licence",
        "current_version",
        "released_on",
        "is_published",
        "claims",
    )
    list_filter = ("is_published", "language")
    search_fields = ("name", "tagline", "description")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("name", "slug"),
                    "tagline",
                    "description",
                    ("homepage", "repository"),
                    ("licence", "first_release_year"),
                    ("language", "python_requires"),
                    "is_published",
                )
            },
        ),
        (
            "Current release",
            {
                "fields": (("current_version", "released_on"),),
                "description": "Record each new release here, its version and the day it came "
                "out: every claim about the framework reviewed before that day is then due for "
                "review, and listed on the editors' desk until an editor marks it reviewed.",
            },
        ),
    )
    inlines = [ClaimInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "released_on" in form.changed_data and obj.released_on is not None:
            self._report_release(request, obj)

    def _report_release(self, request, framework):
        """Say how many of the framework's public claims the release put up for review."""
        version = (
            f"version {framework.current_version}" if framework.current_version else "a release"
        )
        if framework.released_on > timezone.localdate():
            self.message_user(
                request,
                f"{framework} {version} comes out on {framework.released_on:%Y-%m-%d}: its "
                "claims reviewed before then fall due for review that day.",
                messages.INFO,
            )
            return
        due = dashboard.ATTENTION_BY_SLUG["due"].rows(Claim.objects.for_framework(framework))
        count = due.count()
        url = dashboard.changelist("claim", attention="due", framework__id__exact=framework.pk)
        self.message_user(
            request,
            format_html(
                '{} {} of {}: <a href="{}">{} of its published claim{} {} now due for review</a>.',
                framework,
                version,
                f"{framework.released_on:%Y-%m-%d}",
                url,
                count,
                "s" if count != 1 else "",
                "are" if count != 1 else "is",
            ),
            messages.WARNING if count else messages.SUCCESS,
        )


@admin.register(Criterion)
class CriterionAdmin(ClaimCountAdmin):
    list_display = (
        "name",
        "category",
        "default_weight",
        "display_order",
        "review_every_days",
        "claims",
    )
    list_editable = ("default_weight", "display_order")
    list_filter = ("category",)
    search_fields = ("name", "definition")
    ordering = ("display_order", "name")
    prepopulated_fields = {"slug": ("name",)}


class SourceCitedFilter(admin.SimpleListFilter):
    title = "citations"
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("never", "Never cited")]

    def queryset(self, request, queryset):
        return dashboard.never_cited(queryset) if self.value() == "never" else queryset


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = (
        "title",
        "kind",
        "publisher",
        "reliability",
        "published_on",
        "citations",
        "latest_snapshot",
    )
    list_filter = ("kind", "reliability", SourceCitedFilter)
    search_fields = ("title", "publisher", "author", "url")
    ordering = ("title",)
    date_hierarchy = "published_on"
    readonly_fields = ("snapshots",)

    def get_queryset(self, request):
        latest = (
            SourceSnapshot.objects.filter(source=OuterRef("pk"))
            .order_by("-taken_on", "-id")
            .values("taken_on")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .annotate(citation_count=Count("citations"), latest_snapshot_on=Subquery(latest))
        )

    @admin.display(description="Citations", ordering="citation_count")
    def citations(self, obj):
        return obj.citation_count

    @admin.display(description="Current snapshot", ordering="latest_snapshot_on")
    def latest_snapshot(self, obj):
        return obj.latest_snapshot_on or "none"

    @admin.display(description="Snapshots of its text")
    def snapshots(self, obj):
        add = reverse("admin:comparisons_sourcesnapshot_add")
        if obj.pk is None:
            return "Add snapshots once the source is saved."
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>{}</li>',
            (
                (
                    reverse("admin:comparisons_sourcesnapshot_change", args=[snapshot.pk]),
                    snapshot.label,
                    " – current: its quotes are checked against it" if i == 0 else "",
                )
                for i, snapshot in enumerate(
                    obj.snapshots.defer("text").order_by("-taken_on", "-id")
                )
            ),
        )
        return format_html(
            '<ul class="snapshot-list">{}</ul><a class="addlink" href="{}?source={}">Add a '
            "snapshot</a> (a new copy of the source re-checks every quote of it).",
            rows or format_html("<li>{}</li>", "None yet: its quotes are not checked."),
            add,
            obj.pk,
        )

    def delete_view(self, request, object_id, extra_context=None):
        source = self.get_object(request, object_id)
        cited = source is not None and source.citations.exists()
        if cited and self.has_delete_permission(request, source):
            claim_count = source.citations.values("claim").distinct().count()
            self.message_user(
                request,
                f"“{source}” cannot be deleted: it is the evidence for {claim_count} "
                f"claim{'s' if claim_count != 1 else ''}. Remove or replace its citations first.",
                messages.ERROR,
            )
            return redirect("admin:comparisons_source_change", source.pk)
        return super().delete_view(request, object_id, extra_context)


@admin.register(SourceSnapshot)
class SourceSnapshotAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    """Copies of sources' texts. Added, never edited: a new copy is a new snapshot, and adding
    one re-checks every quote of its source."""

    form = SourceSnapshotForm
    list_display = ("source", "taken_on", "version", "format", "size", "short_hash", "created_by")
    list_filter = ("format", "taken_on")
    list_select_related = ("source", "created_by")
    search_fields = ("source__title", "version", "origin", "file_name")
    autocomplete_fields = ("source",)
    date_hierarchy = "taken_on"
    ordering = ("-taken_on", "-id")
    add_fieldsets = (
        (None, {"fields": ("source", ("taken_on", "version"), "origin")}),
        ("The copy", {"fields": ("upload", "pasted", "format")}),
    )
    view_fields = (
        "source",
        ("taken_on", "version"),
        "origin",
        ("format", "file_name"),
        "content_hash",
        ("created_by", "created_at"),
        "quotes_checked",
        "text",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("text").annotate(text_length=Length("text"))

    def has_change_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return [(None, {"fields": self.view_fields})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [
            name for row in self.view_fields for name in ([row] if isinstance(row, str) else row)
        ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if str(request.GET.get("source", "")).isdigit():
            initial["source"] = request.GET["source"]
        return initial

    @admin.display(description="Characters", ordering="text_length")
    def size(self, obj):
        return f"{obj.text_length:,}"

    @admin.display(description="SHA-256")
    def short_hash(self, obj):
        return obj.content_hash[:12]

    @admin.display(description="Quotes checked against it")
    def quotes_checked(self, obj):
        counts = dict(
            obj.checked_citations.order_by().values_list("verification").annotate(n=Count("pk"))
        )
        if not counts:
            return "None: a newer snapshot of the source is current, or it is not cited."
        return ", ".join(
            f"{counts[value]} {label.lower()}"
            for value, label in Verification.choices
            if value in counts
        )

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)  # re-checks the source's quotes

    def response_add(self, request, obj, post_url_continue=None):
        counts = dict(
            Citation.objects.filter(source=obj.source_id)
            .order_by()
            .values_list("verification")
            .annotate(n=Count("pk"))
        )
        drifted = Citation.objects.filter(source=obj.source_id).drifted().count()
        if counts:
            checked = ", ".join(
                f"{counts[value]} {label.lower()}"
                for value, label in Verification.choices
                if value in counts
            )
            self.message_user(request, f"The quotes of “{obj.source}” were checked: {checked}.")
        if drifted:
            self.message_user(
                request,
                format_html(
                    "{} quote{} of “{}” no longer appear{} as quoted: see the "
                    '<a href="{}?source={}">drift list</a>.',
                    drifted,
                    "s" if drifted != 1 else "",
                    obj.source,
                    "" if drifted != 1 else "s",
                    reverse("admin:comparisons_citation_drift"),
                    obj.source_id,
                ),
                messages.WARNING,
            )
        return super().response_add(request, obj, post_url_continue)


class CitationInline(SafeAutocompleteMixin, admin.StackedInline):
    """A claim's citations, each with what the check of its quote found."""

    model = Citation
    form = CitationForm
    formset = CitationFormSet
    fields = (("source", "stance"), "excerpt", "location", "quote_check")
    readonly_fields = ("quote_check",)
    autocomplete_fields = ("source",)
    extra = 1

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("source", "checked_snapshot", "previous_snapshot")
            .defer("checked_snapshot__text", "previous_snapshot__text")
        )

    @admin.display(description="Quote check")
    def quote_check(self, obj):
        if obj.pk is None:
            return "Checked against the source's current snapshot when you save."
        return check_details(obj)

    @property
    def media(self):
        """The check of each quote as the editor types it (CitationAdmin.check_quote_view)."""
        return super().media + forms.Media(js=["comparisons/admin/quote_check.js"])


class VerdictFilter(admin.SimpleListFilter):
    title = "verdict of the evidence"
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return Verdict.choices

    def queryset(self, request, queryset):
        if self.value() in Verdict.values:
            return queryset.with_verdict(self.value())
        return queryset


class QuoteCheckFilter(admin.SimpleListFilter):
    title = "quotes checked against the sources"
    parameter_name = "quotes"

    def lookups(self, request, model_admin):
        return [
            ("missing", "A quote not found in its source"),
            ("vanished", "Support vanished: no supporting quote found"),
            ("unchecked", "A quote not checked (no snapshot)"),
            ("verified", "Every quote verified"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "missing":
            return queryset.with_missing_quotes()
        if value == "vanished":
            return queryset.with_vanished_support()
        if value == "unchecked":
            return queryset.filter(unchecked_quote_count__gt=0)
        if value == "verified":
            return queryset.filter(citation_count__gt=0, verified_quote_count=F("citation_count"))
        return queryset


class CitationPresenceFilter(admin.SimpleListFilter):
    title = "citations"
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("no", "Without any citation"), ("yes", "With at least one citation")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(citation_count=0)
        if self.value() == "yes":
            return queryset.filter(citation_count__gt=0)
        return queryset


class AttentionFilter(admin.SimpleListFilter):
    """The editors' desk's counts of public claims, as rows: the same queries (ATTENTION)."""

    title = "needs attention (public claims)"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [(attention.slug, attention.label) for attention in dashboard.ATTENTION]

    def queryset(self, request, queryset):
        attention = dashboard.ATTENTION_BY_SLUG.get(self.value())
        return attention.rows(queryset) if attention else queryset


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Due for review"), ("not-due", "Not due")]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.due_for_review()
        if self.value() == "not-due":
            return queryset.exclude(pk__in=Claim.objects.due_for_review().values("pk"))
        return queryset


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    list_display = (
        "summary",
        "framework",
        "criterion",
        "score",
        "weight",
        "status",
        "verdict",
        "effective_weight",
        "citations",
        "quotes",
        "reviewed_on",
        "next_review",
        "updated_at",
    )
    list_display_links = ("summary",)
    list_filter = (
        AttentionFilter,
        ReviewFilter,
        "status",
        VerdictFilter,
        CitationPresenceFilter,
        QuoteCheckFilter,
        "framework",
        "criterion__category",
        "criterion",
        "score",
    )
    list_select_related = ("framework", "criterion")
    ordering = ("-updated_at", "-id")  # also orders the claim autocomplete, pages stay stable
    search_fields = ("statement", "editor_note", "framework__name", "criterion__name")
    autocomplete_fields = ("framework", "criterion")
    readonly_fields = (
        "evidence_verdict",
        "quote_summary",
        "reviewed_on",
        "reviewed_by",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": (("framework", "criterion"), "statement", ("score", "weight"))}),
        ("Workflow", {"fields": ("status",)}),
        (
            "What the evidence says",
            {
                "fields": (
                    "evidence_verdict",
                    "quote_summary",
                    "editor_note",
                    ("verdict_override", "verdict_override_reason"),
                )
            },
        ),
        (
            "Review",
            {
                "fields": (("reviewed_on", "reviewed_by"), "review_due_on"),
                "description": "Check the claim against its sources, then use the “Mark "
                "reviewed” action of the claims list: it records you and today, and sets the "
                "next review from the criterion's interval. A claim is due again after that "
                "date, or as soon as its framework has a new release.",
            },
        ),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": (("created_by", "created_at"), ("updated_by", "updated_at")),
            },
        ),
    )
    inlines = [CitationInline]
    actions = ("publish", "back_to_draft", "retract", "mark_reviewed")
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super().get_queryset(request).with_citation_counts().with_evidence().with_quote_counts()
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        """On simple-history's revert form the claim comes without its citations' inline: its
        form then checks the publishing rule against the saved quotes (ClaimAloneForm)."""
        match = request.resolver_match
        if match is not None and match.url_name == "comparisons_claim_simple_history":
            kwargs["form"] = ClaimAloneForm
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description="Statement", ordering="statement")
    def summary(self, obj):
        return short(obj.statement)

    @admin.display(description="Citations", ordering="citation_count")
    def citations(self, obj):
        return obj.citation_count

    @admin.display(description="Next review", ordering="review_due_on")
    def next_review(self, obj):
        """The date, and "due" in words when the claim is due (comparisons.review)."""
        today = timezone.localdate()
        due = review.is_due(obj.reviewed_on, obj.review_due_on, obj.framework.released_on, today)
        when = f"{obj.review_due_on:%Y-%m-%d}" if obj.review_due_on else "–"
        return format_html("{} <strong>due</strong>", when) if due else when

    @admin.display(description="Quotes")
    def quotes(self, obj):
        parts = []
        if obj.verified_quote_count:
            parts.append(f"{obj.verified_quote_count} verified")
        if obj.missing_quote_count:
            parts.append(f"{obj.missing_quote_count} not found")
        if obj.unchecked_quote_count:
            parts.append(f"{obj.unchecked_quote_count} not checked")
        return ", ".join(parts) or "–"

    @admin.display(description="Quotes checked against the sources")
    def quote_summary(self, obj):
        if obj.pk is None:
            return "Each quote is checked against its source's current snapshot when you save."
        citations = list(obj.citations.all())
        if not citations:
            return "No citation yet."
        counts = {value: 0 for value in Verification.values}
        for citation in citations:
            counts[citation.verification] += 1
        summary = ", ".join(
            f"{counts[value]} {label.lower()}"
            for value, label in Verification.choices
            if counts[value]
        )
        if obj.support_vanished:
            return format_html(
                "<strong>Support vanished</strong>: {}. No supporting quote is in its source any "
                "more; the claim is shown as under review until it is corrected or retracted.",
                summary,
            )
        if counts[Verification.NOT_FOUND]:
            return format_html(
                "{}. <strong>It cannot be published</strong> until every quote is in its source.",
                summary,
            )
        return summary + "."

    @admin.display(description="Verdict")
    def verdict(self, obj):
        assessment = obj.assessment
        label = assessment.verdict_label
        return f"{label} (set by an editor)" if assessment.is_overridden else label

    @admin.display(description="Counts as")
    def effective_weight(self, obj):
        return f"{obj.assessment.effective_weight:.2f} of {obj.weight}"

    @admin.display(description="Verdict of the evidence")
    def evidence_verdict(self, obj):
        if obj.pk is None:
            return "Worked out from the citations once the claim is saved."
        a = obj.assessment
        return (
            f"{a.verdict_label}. {a.reason} Strength of the best support: {a.strength:.2f} "
            f"({a.strength_label}); it counts as {a.effective_weight:.2f} of its weight "
            f"{a.weight} (weight × strength × verdict factor)."
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._report_quotes(request, form.instance)
        claim = Claim.objects.with_evidence().get(pk=form.instance.pk)
        if claim.status != Claim.Status.PUBLISHED:
            return
        verdict = claim.assessment.verdict
        if verdict == Verdict.UNSUPPORTED:
            self.message_user(
                request,
                "The claim is published but not shown: it has no citation yet.",
                messages.WARNING,
            )
        elif verdict != Verdict.SUPPORTED:
            self.message_user(
                request,
                f"The claim is shown as {verdict}. {claim.assessment.reason}",
                messages.WARNING,
            )

    def _report_quotes(self, request, claim):
        """Say which of the claim's quotes are not verbatim in their sources."""
        for citation in claim.citations.select_related("source"):
            if citation.verification == Verification.NOT_FOUND:
                self.message_user(
                    request,
                    f"The quote “{short(citation.excerpt, 10)}” is not in “{citation.source}”’s "
                    "current snapshot. Copy it verbatim from the source: the claim cannot be "
                    "published until every quote is found.",
                    messages.WARNING,
                )
            elif citation.verification == Verification.NORMALISED:
                self.message_user(
                    request,
                    f"The quote “{short(citation.excerpt, 10)}” is verified after normalising "
                    f"{citation.normalised_labels}: “{citation.source}” writes it slightly "
                    "differently.",
                    messages.INFO,
                )

    def _set_status(self, request, queryset, status, verb):
        """Change status claim by claim, so that each change is in the history and revertible.
        A claim the publishing rule for quotes keeps from being published is left as it was."""
        changed, refused = 0, []
        claims = Claim.objects.filter(pk__in=queryset.exclude(status=status).values("pk"))
        for claim in claims.prefetch_related("citations__source"):
            claim.status = status
            try:
                claim.validate_publishable(claim.citations.all())
            except ValidationError:
                refused.append(claim)
                continue
            claim.updated_by = request.user
            claim.save(update_fields=["status", "updated_by", "updated_at"])
            changed += 1
        self.message_user(
            request, f"{changed} claim{'s' if changed != 1 else ''} {verb}.", messages.SUCCESS
        )
        if refused:
            self.message_user(
                request,
                f"{len(refused)} claim{'s were' if len(refused) != 1 else ' was'} not published: "
                "a quote is not in its source's current snapshot ("
                + "; ".join(short(claim.statement, 8) for claim in refused[:5])
                + ("…" if len(refused) > 5 else "")
                + "). Correct the quotes first.",
                messages.ERROR,
            )
        if status == Claim.Status.PUBLISHED:
            uncited = queryset.filter(citation_count=0).count()
            if uncited:
                self.message_user(
                    request,
                    f"{uncited} of them {'are' if uncited != 1 else 'is'} not shown yet: a claim "
                    "needs at least one citation to be public.",
                    messages.WARNING,
                )

    @admin.action(description="Publish selected claims", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.PUBLISHED, "published")

    @admin.action(description="Send selected claims back to draft", permissions=["change"])
    def back_to_draft(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.DRAFT, "sent back to draft")

    @admin.action(description="Retract selected claims", permissions=["change"])
    def retract(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.RETRACTED, "retracted")

    @admin.action(description="Mark selected claims reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        """Record that the editor checked the claims today (Claim.mark_reviewed), each change in
        its claim's history under the editor's name: a few queries, whatever the selection."""
        today = timezone.localdate()
        claims = list(
            Claim.objects.filter(pk__in=queryset.values("pk")).select_related("criterion")
        )
        for claim in claims:
            claim.mark_reviewed(request.user, on=today)
        bulk_update_with_history(
            claims,
            Claim,
            ["reviewed_on", "reviewed_by", "review_due_on"],
            batch_size=500,
            default_user=request.user,
            default_change_reason="Marked reviewed",
        )
        cache.bump_version_on_commit()  # bulk updates send no signal; public pages show reviews
        self.message_user(
            request,
            f"{len(claims)} claim{'s' if len(claims) != 1 else ''} marked reviewed on "
            f"{today:%Y-%m-%d}.",
            messages.SUCCESS,
        )


class DriftFilter(admin.SimpleListFilter):
    title = "drift"
    parameter_name = "drift"

    def lookups(self, request, model_admin):
        return [("yes", "Gone or changed since the snapshot before")]

    def queryset(self, request, queryset):
        return queryset.drifted() if self.value() == "yes" else queryset


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    form = StandaloneCitationForm
    list_display = ("quote", "claim", "source", "stance", "quote_check_label", "location")
    list_filter = ("verification", DriftFilter, "stance", "source__kind")
    list_select_related = ("claim__framework", "claim__criterion", "source")
    search_fields = ("excerpt", "location", "source__title", "claim__statement")
    autocomplete_fields = ("claim", "source")
    fields = ("claim", ("source", "stance"), "excerpt", "location", "quote_check")
    readonly_fields = ("quote_check",)

    @admin.display(description="Excerpt")
    def quote(self, obj):
        return f"“{short(obj.excerpt)}”"

    @admin.display(description="Quote check", ordering="verification")
    def quote_check_label(self, obj):
        return check_label(obj)

    @admin.display(description="Quote check")
    def quote_check(self, obj):
        if obj.pk is None:
            return "Checked against the source's current snapshot when you save."
        return check_details(obj)

    def get_urls(self):
        drift = path(
            "drift/",
            self.admin_site.admin_view(self.drift_view),
            name="comparisons_citation_drift",
        )
        check = path(
            "check-quote/",
            self.admin_site.admin_view(self.check_quote_view),
            name="comparisons_citation_check_quote",
        )
        return [drift, check, *super().get_urls()]

    MAX_CHECKED_QUOTE = 5000

    def check_quote_view(self, request):
        """What checking a quote as typed would find: {verification, message} as JSON, for the
        claim form's live check (quote_check.js). Reads only; saving checks again."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        source_id = request.GET.get("source", "")
        excerpt = request.GET.get("excerpt", "").replace("\r\n", "\n")
        source = None
        if source_id.isdigit() and len(source_id) < 19:
            source = Source.objects.filter(pk=source_id).first()
        if source is None or not excerpt.strip() or len(excerpt) > self.MAX_CHECKED_QUOTE:
            return JsonResponse(
                {"verification": "", "message": "Pick a source and type a quote to check it."},
                status=400,
            )
        found = verification.check_quote(source, excerpt)
        citation = Citation(source=source, excerpt=excerpt)
        found.apply_to(citation)
        messages_by_outcome = {
            Verification.VERIFIED: "is in the source's current snapshot, verbatim.",
            Verification.NORMALISED: f"is in the source's current snapshot once "
            f"{citation.normalised_labels} are normalised.",
            Verification.NOT_FOUND: "is not in the source's current snapshot: copy it verbatim. "
            "A claim cannot be published with it.",
            Verification.NO_SNAPSHOT: "cannot be checked: the source has no snapshot yet.",
        }
        return JsonResponse(
            {
                "verification": found.verification,
                "message": f"{check_label(citation)}: the quote "
                f"{messages_by_outcome[found.verification]}",
            }
        )

    def drift_view(self, request):
        """The editors' review list: quotes a source's new snapshot no longer holds verbatim,
        each with the passage it has instead, and whether its claim lost all its support."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        citations = (
            Citation.objects.drifted()
            .select_related(
                "claim__framework",
                "claim__criterion",
                "source",
                "checked_snapshot",
                "previous_snapshot",
            )
            .defer("checked_snapshot__text", "previous_snapshot__text")
            .order_by("source__title", "claim_id", "pk")
        )
        source = request.GET.get("source", "")
        if source.isdigit() and len(source) < 19:
            citations = citations.filter(source_id=source)
        page = Paginator(citations, 50).get_page(request.GET.get("page"))
        claim_ids = {citation.claim_id for citation in page}
        vanished = set(
            Claim.objects.filter(pk__in=claim_ids)
            .with_vanished_support()
            .values_list("pk", flat=True)
        )
        rows = [
            {
                "citation": citation,
                "check": check_label(citation),
                "diff": diff_html(citation.excerpt, citation.nearest_passage)
                if citation.nearest_passage
                else "",
                "support_vanished": citation.claim_id in vanished,
            }
            for citation in page
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Drift: quotes the sources no longer hold as quoted",
            "page": page,
            "rows": rows,
            "source": source,
        }
        return TemplateResponse(request, "admin/comparisons/citation/drift.html", context)


# --- visitors' reports ---------------------------------------------------------------------------

ACCEPT, DECLINE = "_accept", "_decline"


def decision_of(data):
    """The decision of the button pressed on a report's form: ACCEPT, DECLINE, or None."""
    return next((d for d in (ACCEPT, DECLINE) if d in data), None)


class ProblemReportForm(forms.ModelForm):
    """The editor's note on a report, and the decision of the button pressed (ACCEPT, DECLINE or
    a plain save): declining needs a note, and only an open report can be decided."""

    class Meta:
        model = ProblemReport
        fields = ("outcome",)

    @property
    def decision(self):
        return decision_of(self.data)

    def clean(self):
        cleaned = super().clean()
        outcome = (cleaned.get("outcome") or "").strip()
        status = self.instance.status
        if self.decision and status != ProblemReport.Status.OPEN:
            raise ValidationError(
                f"This report is already {self.instance.get_status_display().lower()}: "
                "it cannot be decided again.",
                code="already_handled",
            )
        declined = self.decision == DECLINE or (
            self.decision is None and status == ProblemReport.Status.DECLINED
        )
        if declined and not outcome:
            self.add_error(
                "outcome",
                ValidationError(
                    "Say why the report is declined: a report cannot be declined without a note.",
                    code="decline_needs_outcome",
                ),
            )
        return cleaned


@admin.register(ProblemReport)
class ProblemReportAdmin(HistoryAdmin):
    """The queue of visitors' reports that a public claim is wrong. Visitors file them on the
    site; here an editor accepts one (recorded, then on to the claim to correct it) or declines
    it with a note, one report at a time (no bulk action: each decline needs its own note).
    Reports are never added here, and only administrators delete them."""

    form = ProblemReportForm
    list_display = ("report", "claim_link", "status", "created_at", "handled_by")
    list_display_links = ("report",)
    list_filter = ("status", "created_at")
    list_select_related = ("claim__framework", "claim__criterion", "handled_by")
    search_fields = ("problem", "quote", "source_url", "claim__statement")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    fieldsets = (
        ("The claim", {"fields": ("claim_statement",)}),
        ("What the visitor says", {"fields": ("problem", "source_link", "quote", "created_at")}),
        (
            "What you do about it",
            {
                "fields": ("status", ("handled_by", "handled_at"), "outcome"),
                "description": "Accept the report to correct the claim (you go on to its form "
                "next), or decline it with a note saying why. Nothing here is shown publicly.",
            },
        ),
    )
    readonly_fields = (
        "claim_statement",
        "problem",
        "source_link",
        "quote",
        "created_at",
        "status",
        "handled_by",
        "handled_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim__framework", "claim__criterion")

    def has_add_permission(self, request):
        return False

    @admin.display(description="What is wrong", ordering="problem")
    def report(self, obj):
        return short(obj.problem)

    @admin.display(description="Claim", ordering="claim")
    def claim_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:comparisons_claim_change", args=[obj.claim_id]),
            obj.claim,
        )

    @admin.display(description="Claim")
    def claim_statement(self, obj):
        claim = obj.claim
        return format_html(
            '<a href="{}">{} · {}</a> ({}): “{}”',
            reverse("admin:comparisons_claim_change", args=[claim.pk]),
            claim.framework,
            claim.criterion,
            claim.get_status_display().lower(),
            claim.statement,
        )

    @admin.display(description="Source")
    def source_link(self, obj):
        """The visitor's address, a link only when it is a web address (it is kept as typed)."""
        url = obj.source_url
        if not url:
            return "–"
        if url.startswith(("http://", "https://")):
            return format_html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', url, url)
        return url

    def save_model(self, request, obj, form, change):
        """Record the decision of the button pressed, and who took it when."""
        decision = form.decision
        if decision is not None:
            obj.status = (
                ProblemReport.Status.ACCEPTED
                if decision == ACCEPT
                else ProblemReport.Status.DECLINED
            )
            obj.handled_by = request.user
            obj.handled_at = timezone.now()
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        decision = decision_of(request.POST)
        if decision == ACCEPT:
            self.message_user(
                request,
                "The report is accepted. Correct the claim below; the report's outcome says what "
                "you did about it.",
                messages.SUCCESS,
            )
            return redirect("admin:comparisons_claim_change", obj.claim_id)
        if decision == DECLINE:
            self.message_user(request, "The report is declined, with your note.", messages.SUCCESS)
            return redirect(
                dashboard.changelist("problemreport", status__exact=ProblemReport.Status.OPEN)
            )
        return super().response_change(request, obj)
