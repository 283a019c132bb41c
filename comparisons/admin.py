"""The editors' product: curating frameworks, criteria, claims and their evidence."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from .evidence import Verdict
from .models import Citation, Claim, Criterion, Framework, Source


def short(text, words=14):
    return Truncator(text).words(words)


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
    list_display = ("name", "tagline", "licence", "first_release_year", "is_published", "claims")
    list_filter = ("is_published", "language")
    search_fields = ("name", "tagline", "description")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ClaimInline]


@admin.register(Criterion)
class CriterionAdmin(ClaimCountAdmin):
    list_display = ("name", "category", "default_weight", "display_order", "claims")
    list_editable = ("default_weight", "display_order")
    list_filter = ("category",)
    search_fields = ("name", "definition")
    ordering = ("display_order", "name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ("title", "kind", "publisher", "reliability", "published_on", "citations")
    list_filter = ("kind", "reliability")
    search_fields = ("title", "publisher", "author", "url")
    ordering = ("title",)
    date_hierarchy = "published_on"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="Citations", ordering="citation_count")
    def citations(self, obj):
        return obj.citation_count

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


class CitationInline(SafeAutocompleteMixin, admin.StackedInline):
    model = Citation
    fields = (("source", "stance"), "excerpt", "location")
    autocomplete_fields = ("source",)
    extra = 1


class VerdictFilter(admin.SimpleListFilter):
    title = "verdict of the evidence"
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return Verdict.choices

    def queryset(self, request, queryset):
        if self.value() in Verdict.values:
            return queryset.with_verdict(self.value())
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
        "updated_at",
    )
    list_display_links = ("summary",)
    list_filter = (
        "status",
        VerdictFilter,
        CitationPresenceFilter,
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
                    "editor_note",
                    ("verdict_override", "verdict_override_reason"),
                )
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
    actions = ("publish", "back_to_draft", "retract")
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).with_citation_counts().with_evidence()

    @admin.display(description="Statement", ordering="statement")
    def summary(self, obj):
        return short(obj.statement)

    @admin.display(description="Citations", ordering="citation_count")
    def citations(self, obj):
        return obj.citation_count

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

    def _set_status(self, request, queryset, status, verb):
        """Change status claim by claim, so that each change is in the history and revertible."""
        changed = 0
        for claim in Claim.objects.filter(pk__in=queryset.exclude(status=status).values("pk")):
            claim.status = status
            claim.updated_by = request.user
            claim.save(update_fields=["status", "updated_by", "updated_at"])
            changed += 1
        self.message_user(
            request, f"{changed} claim{'s' if changed != 1 else ''} {verb}.", messages.SUCCESS
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


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    list_display = ("quote", "claim", "source", "stance", "location")
    list_filter = ("stance", "source__kind")
    list_select_related = ("claim__framework", "claim__criterion", "source")
    search_fields = ("excerpt", "location", "source__title", "claim__statement")
    autocomplete_fields = ("claim", "source")

    @admin.display(description="Excerpt")
    def quote(self, obj):
        return f"“{short(obj.excerpt)}”"
