"""The editors' product: curating frameworks, criteria, claims and their evidence."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

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


class CitationFormSet(BaseInlineFormSet):
    """A public claim must keep at least one citation: nothing is shown without evidence."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms if not self._should_delete_form(form)):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if self.instance.status in Claim.PUBLIC_STATUSES and not kept:
            raise ValidationError("A published or disputed claim needs at least one citation.")
        if self.instance.status == Claim.Status.DISPUTED and not any(
            form.cleaned_data.get("stance") == Citation.Stance.CONTRADICTS for form in kept
        ):
            raise ValidationError(
                "A disputed claim needs a citation that contradicts it: say which source disagrees."
            )


class CitationInline(SafeAutocompleteMixin, admin.StackedInline):
    model = Citation
    formset = CitationFormSet
    fields = (("source", "stance"), "excerpt", "location")
    autocomplete_fields = ("source",)
    extra = 1


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
        "citations",
        "updated_at",
    )
    list_display_links = ("summary",)
    list_filter = (
        "status",
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
    readonly_fields = ("created_by", "updated_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": (("framework", "criterion"), "statement", ("score", "weight"))}),
        ("Status", {"fields": ("status", "editor_note")}),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": (("created_by", "created_at"), ("updated_by", "updated_at")),
            },
        ),
    )
    inlines = [CitationInline]
    actions = ("publish", "mark_disputed", "retract")
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).with_citation_counts()

    @admin.display(description="Statement", ordering="statement")
    def summary(self, obj):
        return short(obj.statement)

    @admin.display(description="Citations", ordering="citation_count")
    def citations(self, obj):
        return obj.citation_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        claim = form.instance
        claim.refresh_from_db(fields=["status"])  # a contradicting citation disputes it
        chosen = form.cleaned_data.get("status")
        if chosen == Claim.Status.PUBLISHED and claim.status == Claim.Status.DISPUTED:
            self.message_user(
                request,
                "The claim is shown as disputed: one of its sources contradicts it.",
                messages.WARNING,
            )

    def _set_status(self, request, queryset, status, verb):
        """Change status claim by claim, so that each change is in the history and revertible.

        Publishing or disputing needs evidence: claims without a citation are left unchanged,
        and a claim that one of its sources contradicts is published as disputed.
        """
        queryset = queryset.exclude(status=status)
        skipped = 0
        if status in Claim.PUBLIC_STATUSES:
            skipped = queryset.filter(citation_count=0).count()
            queryset = queryset.filter(citation_count__gt=0)
        changed = 0
        for claim in Claim.objects.filter(pk__in=queryset.values("pk")):
            claim.status = status  # Claim.save() turns "published" into "disputed" if contradicted
            claim.updated_by = request.user
            claim.save(update_fields=["status", "updated_by", "updated_at"])
            changed += 1
        self.message_user(
            request, f"{changed} claim{'s' if changed != 1 else ''} {verb}.", messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request,
                f"{skipped} claim{'s were' if skipped != 1 else ' was'} left unchanged: "
                "a claim needs at least one citation before it can be shown.",
                messages.WARNING,
            )

    @admin.action(description="Publish selected claims", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.PUBLISHED, "published")

    @admin.action(description="Mark selected claims as disputed", permissions=["change"])
    def mark_disputed(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.DISPUTED, "marked as disputed")

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
