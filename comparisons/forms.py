"""Forms for the public pages: everything that comes from a query string is validated here."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from .knowledge import MAX_COMPARED
from .models import Criterion

# Database ids are 64-bit signed integers; anything larger cannot exist.
MAX_ID = 2**63 - 1


class CommaSeparatedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose value may also come as `?name=a,b` as well as `?name=a&name=b`."""

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name) or []
        return [part.strip() for value in values for part in value.split(",") if part.strip()]


class SmallTableIterator(ModelChoiceIterator):
    """Choices from the rows the field has already read, instead of a query per iteration."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.rows()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows())


class SmallTableMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows of a small table (criteria, frameworks), chosen by `to_field_name`.

    The table is read once per form, both to validate the values and to list the choices,
    rather than once for each.
    """

    iterator = SmallTableIterator
    many_choices = True  # drawn by comparisons.templatetags.fast_forms

    def __init__(self, queryset, **kwargs):
        self._rows = None
        super().__init__(queryset, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._rows = None
        return result

    def rows(self):
        if self._rows is None:
            self._rows = list(self.queryset)
        return self._rows

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for item in value:
            self.validate_no_null_characters(item)
        by_key = {str(getattr(obj, key)): obj for obj in self.rows()}
        for item in value:
            if str(item) not in by_key:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return [by_key[str(item)] for item in value]


class StrictNullBooleanField(forms.NullBooleanField):
    """Yes, no or unset; anything else is an error rather than silently "unset"."""

    TRUE_VALUES = {"true", "yes", "1", "on"}
    FALSE_VALUES = {"false", "no", "0", "off"}

    widget = forms.Select(choices=[("", "Either"), ("true", "Yes"), ("false", "No")])
    default_error_messages = {"invalid": "Choose yes, no, or leave it empty."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        normalised = str(value).strip().lower()
        if normalised in self.TRUE_VALUES:
            return True
        if normalised in self.FALSE_VALUES:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        """Unset is always allowed (NullBooleanField's own validate is a no-op too)."""


class ModelIdField(forms.ModelChoiceField):
    """A model chosen by its id in a plain number input: no <select> of a big table.

    Anything that is not the id of an existing row is the usual "invalid choice" error.
    """

    widget = forms.NumberInput

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1, "step": 1}))
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            pk = int(str(value).strip())
        except (TypeError, ValueError):
            pk = None
        if pk is None or not 1 <= pk <= MAX_ID:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(pk)

    def prepare_value(self, value):
        return value.pk if hasattr(value, "pk") else value


class ClaimFilterForm(forms.Form):
    """The claims explorer's filter form (fields come from ClaimFilter)."""

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(
                f"The lowest score ({low}) is above the highest score ({high}).",
                code="score_range",
            )
        return cleaned


class ManyChoicesField(forms.MultipleChoiceField):
    """Checkboxes for what may be a long list (every published framework)."""

    many_choices = True  # drawn by comparisons.templatetags.fast_forms


class CompareForm(forms.Form):
    """Pick 2 to MAX_COMPARED published frameworks, and optionally one category of criteria."""

    frameworks = ManyChoicesField(
        widget=CommaSeparatedCheckboxes,
        label="Frameworks to compare",
        help_text=f"Pick 2 to {MAX_COMPARED}.",
        error_messages={
            "required": "Pick at least two frameworks to compare.",
            "invalid_choice": "“%(value)s” is not a published framework.",
        },
    )
    category = forms.ChoiceField(
        choices=[("", "All categories"), *Criterion.Category.choices],
        required=False,
        label="Criteria",
        error_messages={"invalid_choice": "“%(value)s” is not a category of criteria."},
    )

    def __init__(self, *args, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.published = {framework.slug: framework for framework in frameworks}
        self.fields["frameworks"].choices = [(f.slug, f.name) for f in frameworks]

    def clean_frameworks(self):
        slugs = list(dict.fromkeys(self.cleaned_data["frameworks"]))
        if len(slugs) < 2:
            raise ValidationError("Pick at least two frameworks to compare.", code="too_few")
        if len(slugs) > MAX_COMPARED:
            raise ValidationError(
                f"Pick at most {MAX_COMPARED} frameworks to compare.", code="too_many"
            )
        return [self.published[slug] for slug in slugs]
