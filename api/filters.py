"""The claims explorer's own FilterSet behind the API's claim list, and its query parameters as
the schema shows them.

The API filters claims with comparisons.filters.ClaimFilter, exactly as the explorer page and its
CSV and JSON exports do, over the same public claims: for the same filter the three can never
disagree. An invalid filter is a 400 problem whose `errors` are the filter form's own messages.

The schema's parameters are derived from the FilterSet's form fields (as the page cache derives
its key from them, comparisons.cache.params_of_filterset), so a new filter is documented, and
fuzzed, as soon as it exists; a field of a kind not mapped here stops the schema rather than
being described wrongly. Frameworks and criteria are named by slug, and a slug that names none is
a 400; the schema does not list them, since it would change with every editor's edit.
"""

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django_filters import OrderingFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiFilterExtension

from comparisons.forms import MAX_ID, StrictNullBooleanField

from .problems import InvalidParameters

SLUG = r"^[-a-zA-Z0-9_]+$"


def form_errors(form):
    """{field: [messages]} of a bound form, as the exports report them."""
    return {
        field: [error["message"] for error in errors]
        for field, errors in form.errors.get_json_data().items()
    }


class ClaimFilterBackend(DjangoFilterBackend):
    """The view's `filterset_class` over the query parameters; invalid filters are 400s."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise InvalidParameters(form_errors(filterset.form))
        return filterset.qs


def describe(filter_, hint):
    label, help_text = str(filter_.label or ""), str(filter_.extra.get("help_text", "") or "")
    parts = [part if part.endswith(".") else part + "." for part in (label, help_text) if part]
    return " ".join([*parts, hint] if hint else parts)


def filter_schema(name, filter_):
    """(schema, style, explode, hint) of one filter's query parameter, from its form field."""
    field = filter_.field
    if isinstance(filter_, OrderingFilter):
        choices = [value for value, _ in filter_.extra["choices"] if value]
        schema = {"type": "array", "items": {"type": "string", "enum": choices}}
        return schema, "form", False, "Several orderings are separated by commas."
    if isinstance(field, forms.ModelMultipleChoiceField):
        schema = {"type": "array", "items": {"type": "string", "pattern": SLUG}}
        return schema, "form", True, "By slug; repeat the parameter for several."
    if isinstance(field, forms.MultipleChoiceField):
        choices = [str(value) for value, _ in field.choices if value != ""]
        schema = {"type": "array", "items": {"type": "string", "enum": choices}}
        return schema, "form", True, "Repeat the parameter for several."
    if isinstance(field, forms.ModelChoiceField):
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "form", False, ""
    if isinstance(field, forms.IntegerField):  # and its subclasses DecimalField and FloatField
        integer = not isinstance(field, forms.DecimalField | forms.FloatField)
        schema = {"type": "integer" if integer else "number"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema, "form", False, ""
    if isinstance(field, StrictNullBooleanField):
        return {"type": "boolean"}, "form", False, ""
    if isinstance(field, forms.CharField):
        schema = {"type": "string"}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        return schema, "form", False, ""
    raise ImproperlyConfigured(
        f"The API's schema does not know how to describe the filter “{name}” "
        f"({type(field).__name__}): map it in api/filters.py."
    )


class ClaimFilterBackendExtension(OpenApiFilterExtension):
    target_class = "api.filters.ClaimFilterBackend"
    priority = 1  # before drf-spectacular's own django-filter extension, which reads choices

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        filterset_class = getattr(auto_schema.view, "filterset_class", None)
        if filterset_class is None:
            return []
        parameters = []
        for name, filter_ in filterset_class.base_filters.items():
            schema, style, explode, hint = filter_schema(name, filter_)
            parameter = {
                "name": name,
                "in": "query",
                "required": False,
                "description": describe(filter_, hint),
                "schema": schema,
                "style": style,
                "explode": explode,
            }
            if schema["type"] != "array" or isinstance(filter_, OrderingFilter):
                # As the explorer's form submits its blank fields: an empty value is no filter.
                # (An empty value of a list filter is a choice that does not exist: a 400.)
                parameter["allowEmptyValue"] = True
            parameters.append(parameter)
        return parameters
