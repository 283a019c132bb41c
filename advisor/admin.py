"""The editors' side of the advisor: writing the questionnaire, reading the consultations."""

from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils.html import format_html, format_html_join

from comparisons.admin import HistoryAdmin, SafeAutocompleteMixin
from comparisons.models import Framework

from .models import Consultation, Option, OptionWeight, Question


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
            .select_related("question")
            .prefetch_related(Prefetch("weights", queryset=weights))
        )

    @admin.display(description="Effect on criteria")
    def effects(self, obj):
        return effects_summary(obj) if obj.pk else "Save, then open the option to set its effects."


def effects_summary(option):
    weights = option.weights.all()
    if not weights:
        return "None: add at least one criterion it changes."
    return ", ".join(f"{w.criterion.name} {w.change:+d}" for w in weights)


@admin.register(Question)
class QuestionAdmin(HistoryAdmin):
    ordering = ("order", "id")
    list_display = ("text", "kind", "is_required", "is_active", "order", "option_count")
    list_display_links = ("text",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "kind", "is_required")
    search_fields = ("text", "help_text", "options__label")
    fields = ("text", "help_text", ("kind", "is_required"), ("order", "is_active"))
    inlines = [OptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_total=Count("options"))

    @admin.display(description="Options", ordering="option_total")
    def option_count(self, obj):
        return obj.option_total


class OptionWeightInline(SafeAutocompleteMixin, admin.TabularInline):
    model = OptionWeight
    fields = ("criterion", "change")
    autocomplete_fields = ("criterion",)
    extra = 2
    verbose_name = "effect on a criterion"
    verbose_name_plural = "effects on criteria (criteria not listed keep their default weight)"


@admin.register(Option)
class OptionAdmin(HistoryAdmin):
    list_display = ("label", "question", "order", "effects")
    list_filter = ("question__is_active", "question")
    list_select_related = ("question",)
    search_fields = ("label", "question__text")
    autocomplete_fields = ("question",)
    fields = ("question", "label", "order")
    inlines = [OptionWeightInline]

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
                    (answer["text"], ", ".join(answer["labels"]) or "no answer")
                    for answer in obj.answers
                ),
            ),
        )

    @admin.display(description="Weights used")
    def weights_used(self, obj):
        names = {c["slug"]: c["name"] for c in obj.result.get("criteria", [])}
        return ", ".join(
            f"{names.get(slug, slug)} {weight}" for slug, weight in obj.weights.items()
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["recommendation_counts"] = recommendation_counts(
                changelist.queryset
            )
        return response
