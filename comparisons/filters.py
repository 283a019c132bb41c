"""The claims explorer's FilterSet: it drives the HTML list and the CSV/JSON export alike."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from .evidence import Verdict
from .forms import (
    ClaimFilterForm,
    ModelIdField,
    OrderingsField,
    SmallTableMultipleChoiceField,
    StrictNullBooleanField,
)
from .models import SCORE_MAX, SCORE_MIN, Citation, Claim, Criterion, Framework, Source

# What the checkbox lists read of each framework and criterion (their value and label), read on
# every request: not their descriptions.
LISTED = ("pk", "slug", "name")

# A search looks for at most this many words; each must appear in the statement or an excerpt.
MAX_SEARCH_WORDS = 10


def citations_of_claim():
    return Citation.objects.filter(claim=OuterRef("pk"))


class ModelIdFilter(django_filters.Filter):
    """A model chosen by id in a number input (see ModelIdField): for tables too big to list."""

    field_class = ModelIdField


class SmallTableMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows of a small table, shown as checkboxes; the table is read once per request."""

    field_class = SmallTableMultipleChoiceField


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class ClaimOrderingFilter(django_filters.OrderingFilter):
    """The chosen ordering, then the default one, so that pages never shuffle rows between them."""

    base_field_class = OrderingsField

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.order_by(*qs.query.order_by, *Claim._meta.ordering)


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        max_length=200,
        help_text="Words that appear in the claim or in a quoted excerpt.",
    )
    criterion = SmallTableMultipleChoiceFilter(
        label="Criteria",
        queryset=Criterion.objects.only(*LISTED),
        field_name="criterion__slug",
        to_field_name="slug",
        cached_as="explorer-criteria",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    framework = SmallTableMultipleChoiceFilter(
        label="Frameworks",
        queryset=Framework.objects.published().only(*LISTED),
        field_name="framework__slug",
        to_field_name="slug",
        cached_as="explorer-frameworks",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    score_min = django_filters.NumberFilter(
        label="Lowest score",
        field_name="score",
        lookup_expr="gte",
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        help_text=f"From {SCORE_MIN} to {SCORE_MAX}.",
    )
    score_max = django_filters.NumberFilter(
        label="Highest score",
        field_name="score",
        lookup_expr="lte",
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        help_text=f"From {SCORE_MIN} to {SCORE_MAX}.",
    )
    verdict = django_filters.MultipleChoiceFilter(
        label="Verdict of the evidence",
        choices=[(v.value, v.label) for v in Verdict if v != Verdict.UNSUPPORTED],
        method="filter_verdict",
        widget=forms.CheckboxSelectMultiple,
        help_text="Supported, contested (sources of comparable standing disagree) or refuted "
        "(stronger sources contradict it; counts for nothing).",
    )
    source_kind = django_filters.MultipleChoiceFilter(
        label="Cited source kind",
        choices=Source.Kind.choices,
        method="filter_source_kind",
        widget=forms.CheckboxSelectMultiple,
    )
    source = ModelIdFilter(
        label="Cited source id",
        queryset=Source.objects.all(),
        method="filter_source",
        help_text="The number of a source, as shown next to its citations.",
    )
    has_citations = StrictBooleanFilter(label="Has citations", method="filter_has_citations")
    ordering = ClaimOrderingFilter(
        label="Order by",
        empty_label="Criterion, then framework",
        fields=(
            ("score", "score"),
            ("criterion__display_order", "criterion"),
            ("framework__name", "framework"),
            ("updated_at", "updated"),
        ),
        choices=[
            ("-score", "Score, most favourable first"),
            ("score", "Score, least favourable first"),
            ("criterion", "Criterion"),
            ("-criterion", "Criterion, reversed"),
            ("framework", "Framework, A to Z"),
            ("-framework", "Framework, Z to A"),
            ("-updated", "Recently updated first"),
            ("updated", "Least recently updated first"),
        ],
    )

    class Meta:
        form = ClaimFilterForm

    def get_form_class(self):
        """The form class, built once per process: its fields do not depend on the request (the
        lists they offer are read per knowledge version), and each form copies them anyway."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def narrowing(self):
        """The names of the filters (not the ordering) that leave out some public claims."""

        def chosen(value):  # a checkbox list left blank cleans to an empty queryset
            if isinstance(value, QuerySet):
                return not value.query.is_empty()
            return value not in django_filters.constants.EMPTY_VALUES

        return {n for n, v in self.form.cleaned_data.items() if n != "ordering" and chosen(v)}

    def ordered(self, queryset):
        """`queryset` in the chosen ordering, with no filter applied."""
        return self.filters["ordering"].filter(queryset, self.form.cleaned_data.get("ordering"))

    def filter_text(self, queryset, name, value):
        for word in value.split()[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(
                Q(statement__icontains=word)
                | Q(Exists(citations_of_claim().filter(excerpt__icontains=word)))
            )
        return queryset

    def filter_verdict(self, queryset, name, value):
        return queryset.with_verdict(*value) if value else queryset

    def filter_source_kind(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(citations_of_claim().filter(source__kind__in=value)))

    def filter_source(self, queryset, name, value):
        return queryset.filter(Exists(citations_of_claim().filter(source=value)))

    def filter_has_citations(self, queryset, name, value):
        has_citations = Exists(citations_of_claim())
        return queryset.filter(has_citations if value else ~has_citations)
