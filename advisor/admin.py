"""The editors' side of the advisor: writing the questionnaire, reading the consultations."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils.html import format_html, format_html_join

from comparisons.admin import HistoryAdmin, SafeAutocompleteMixin
from comparisons.models import Framework

from . import schema
from .models import Consultation, MustHave, Option, OptionWeight, Question


class OptionInline(admin.TabularInline):
    """Options under their question; their effects on criteria are edited on each option."""

    model = Option
    fields = ("label", "order", "effects")
    readonly_fields = ("effects",)
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        weights = OptionWeight.objects.select_related("criterion")
        return (
            super()
            .get_queryset(request)
            .select_related("question", "must_have")
            .prefetch_related(Prefetch("weights", queryset=weights))
        )

    @admin.display(description="Effect on criteria")
    def effects(self, obj):
        return effects_summary(obj) if obj.pk else "Save, then open the option to set its effects."


def effects_summary(option):
    weights = option.weights.all()
    must = getattr(option, "must_have", None)
    if not weights and must is None:
        return "None: add at least one criterion it changes."
    effects = [f"{w.criterion.name} {w.change:+d}" for w in weights]
    if must is not None:
        effects.append(f"must-have: {must.label}")
    return ", ".join(effects)


class QuestionForm(forms.ModelForm):
    """The question, with the earlier answers it may depend on (skip logic)."""

    class Meta:
        model = Question
        fields = ("text", "help_text", "kind", "is_required", "order", "is_active", "shown_when")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Option names say their question: read them in the same query.
        self.fields["shown_when"].queryset = Option.objects.select_related("question").order_by(
            "question__order", "question_id", "order", "id"
        )
        self.fields["shown_when"].widget.attrs["size"] = 12

    def clean(self):
        cleaned_data = super().clean()
        options = cleaned_data.get("shown_when") or []
        question = Question(pk=self.instance.pk, order=cleaned_data.get("order") or 0)
        later = [o for o in options if not o.question.comes_before(question)]
        if later:
            self.add_error(
                "shown_when",
                "Only answers to earlier questions can decide whether this one is asked, and "
                + ", ".join(f"“{o}”" for o in later)
                + (" is not one." if len(later) == 1 else " are not."),
            )
        return cleaned_data


@admin.register(Question)
class QuestionAdmin(HistoryAdmin):
    ordering = ("order", "id")
    form = QuestionForm
    list_display = (
        "text",
        "kind",
        "is_required",
        "is_active",
        "order",
        "option_count",
        "asked_when",
    )
    list_display_links = ("text",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "kind", "is_required")
    search_fields = ("text", "help_text", "options__label")
    fields = ("text", "help_text", ("kind", "is_required"), ("order", "is_active"), "shown_when")
    inlines = [OptionInline]

    def get_queryset(self, request):
        conditions = Option.objects.select_related("question")
        return (
            super()
            .get_queryset(request)
            .annotate(option_total=Count("options"))
            .prefetch_related(Prefetch("shown_when", queryset=conditions))
        )

    @admin.display(description="Options", ordering="option_total")
    def option_count(self, obj):
        return obj.option_total

    @admin.display(description="Asked")
    def asked_when(self, obj):
        conditions = obj.shown_when.all()
        if not conditions:
            return "always"
        later = [o for o in conditions if not o.question.comes_before(obj)]
        text = "after " + " or ".join(f"“{o.label}”" for o in conditions)
        if later:
            text += " (⚠ not all of them asked before it: move this question later)"
        return text


class OptionWeightInline(SafeAutocompleteMixin, admin.TabularInline):
    model = OptionWeight
    fields = ("criterion", "change")
    autocomplete_fields = ("criterion",)
    extra = 2
    verbose_name = "effect on a criterion"
    verbose_name_plural = "effects on criteria (criteria not listed keep their default weight)"


class MustHaveInline(SafeAutocompleteMixin, admin.StackedInline):
    """The must-have an option asks for. It is part of the option: whoever may change options
    may set, change or remove it."""

    model = MustHave
    fields = ("label", "criterion", "minimum")
    autocomplete_fields = ("criterion",)
    extra = 1
    max_num = 1
    verbose_name = "must-have this answer asks for"
    verbose_name_plural = (
        "must-have this answer asks for (optional: frameworks whose evidence fails it are set "
        "apart from the ranking)"
    )

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("advisor.view_option") or self._may_change(request)

    def has_add_permission(self, request, obj=None):
        return self._may_change(request)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_change(request)

    @staticmethod
    def _may_change(request):
        return request.user.has_perm("advisor.change_option")


@admin.register(Option)
class OptionAdmin(HistoryAdmin):
    list_display = ("label", "question", "order", "effects")
    list_filter = ("question__is_active", "question")
    list_select_related = ("question", "must_have")
    search_fields = ("label", "question__text")
    autocomplete_fields = ("question",)
    fields = ("question", "label", "order")
    inlines = [OptionWeightInline, MustHaveInline]

    def get_queryset(self, request):
        weights = OptionWeight.objects.select_related("criterion")
        return super().get_queryset(request).prefetch_related(Prefetch("weights", queryset=weights))

    @admin.display(description="Effect on criteria")
    def effects(self, obj):
        return effects_summary(obj)


class RecommendationFilter(admin.SimpleListFilter):
    """Filter by recommended framework, named as today, with the count of each."""

    title = "recommendation"
    parameter_name = "recommended"

    def lookups(self, request, model_admin):
        counts = recommendation_counts(Consultation.objects.all())
        return [(slug or "-", f"{name} ({count})") for slug, name, count in counts]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(recommended="" if value == "-" else value)


def recommendation_counts(queryset):
    """[(slug, name, count)], most recommended first: two queries."""
    rows = list(
        queryset.order_by()
        .values_list("recommended")
        .annotate(count=Count("pk"))
        .order_by("-count", "recommended")
    )
    names = dict(
        Framework.objects.filter(slug__in=[slug for slug, _ in rows]).values_list("slug", "name")
    )
    return [
        (slug, names.get(slug, slug) if slug else "No preference", count) for slug, count in rows
    ]


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    """Read-only for everyone: a consultation is a record of what a visitor was told."""

    list_display = ("created_at", "recommendation", "margin_points", "engine_version", "short_id")
    list_filter = (RecommendationFilter, "created_at", "engine_version")
    date_hierarchy = "created_at"
    search_fields = ("=id",)
    fields = (
        "public_page",
        "created_at",
        "recommendation",
        "margin_points",
        "engine_version",
        "content_hash",
        "answers_given",
        "weights_used",
        "must_haves_and_methods",
    )
    readonly_fields = fields
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Recommendation", ordering="recommended")
    def recommendation(self, obj):
        return obj.recommendation_name

    @admin.display(description="Margin (points)", ordering="margin")
    def margin_points(self, obj):
        return f"{obj.margin:.1f}"

    @admin.display(description="Id")
    def short_id(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description="Public page")
    def public_page(self, obj):
        url = obj.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="Answers")
    def answers_given(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: <strong>{}</strong></li>",
                (
                    (
                        answer["text"],
                        "not asked"
                        if answer.get("skipped")
                        else ", ".join(answer["labels"]) or "no answer",
                    )
                    for answer in obj.answers
                ),
            ),
        )

    @admin.display(description="Weights used")
    def weights_used(self, obj):
        names = schema.criterion_names(obj.result)
        return ", ".join(
            f"{names.get(slug, slug)} {weight}" for slug, weight in obj.weights.items()
        )

    @admin.display(description="Must-haves and methods")
    def must_haves_and_methods(self, obj):
        if not schema.has_result(obj.result):
            return "-"
        snapshot = obj.snapshot
        rec = snapshot.recommendation
        labels = {m.key: m.label for m in snapshot.must_haves}
        asked = ", ".join(labels.get(r.key, r.key) for r in rec.requirements) or "none"
        excluded = ", ".join(sorted({snapshot.name(e.framework) for e in rec.excluded})) or "none"
        if rec.check is None:
            methods = "Ranked by the weighted sum alone (saved before the second method)"
        elif rec.check.agrees:
            methods = "Ranked by the weighted sum; TOPSIS agrees on the winner"
        else:
            other = snapshot.name(rec.check.winner)
            methods = f"Ranked by the weighted sum; TOPSIS puts {other} first"
        upgraded = " (upgraded when read)" if snapshot.version < schema.SNAPSHOT_VERSION else ""
        return (
            f"Must-haves: {asked}. Excluded: {excluded}. {methods}. "
            f"Snapshot version {snapshot.version}{upgraded}."
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["recommendation_counts"] = recommendation_counts(
                changelist.queryset
            )
        return response
