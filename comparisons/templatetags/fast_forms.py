"""Fast paths for the public filter forms, which are drawn on every cache miss.

crispy-bootstrap5 renders each field through half a dozen templates and each checkbox through two
more: about 7 ms for the claims explorer's form, close to half of a page that is not cached. The
two tags here build the same markup in Python:

- `valid_form_fields form`: every field of a form without errors (the common case: a consultant's
  filters), or None for a form it does not know how to draw, which the template then hands to
  crispy. A form with errors always goes to crispy, which knows how to show them.
- `checkbox_options field`: the checkboxes of one long list (the explorer's criteria and
  frameworks, hundreds at scale), for fields that ask for it with `many_choices = True` (see
  templates/bootstrap5/layout/radio_checkbox_select.html, which falls back to crispy's loop for
  every other field).

tests/comparisons/test_fast_forms.py checks that each gives the same HTML as crispy.
"""

from html import escape

from django import forms, template
from django.forms.renderers import Jinja2
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The widgets drawn here, and crispy's class for each kind (crispy_forms_field.py, field.html).
INPUTS = (forms.TextInput, forms.NumberInput)  # also covers EmailInput, URLInput...
SELECTS = (forms.Select,)  # not SelectMultiple: not used by the public forms


def _escaped(value):
    """conditional_escape() without its lazy-string wrapper, for the hundreds of options below."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


@register.simple_tag
def checkbox_options(field, inline_class=""):
    """The checkboxes of a bound multiple-choice field, checked where the form's value says.

    Plain string formatting with each value escaped once: format_html() per option cost 2 ms for
    the explorer's hundred frameworks, a tenth of a page that is not cached.
    """
    chosen = {str(value) for value in field.value() or ()}
    inline = " form-check-inline" if inline_class else ""
    name, base_id = _escaped(field.html_name), _escaped(field.auto_id)
    options = []
    for index, (value, label) in enumerate(field.field.choices):
        value = str(value)
        option_id = f"{base_id}_{index}"
        checked = " checked" if value in chosen else ""
        options.append(
            f'<div class="form-check{inline}"><input type="checkbox" class="form-check-input" '
            f'name="{name}" value="{_escaped(value)}" id="{option_id}"{checked}>\n'
            f'<label for="{option_id}" class="form-check-label">{_escaped(label)}</label></div>\n'
        )
    return mark_safe("".join(options))


def _help(field):
    if not field.help_text:
        return ""
    # As crispy and Django do: help texts are written by developers, and may hold markup.
    return format_html(
        '<div id="{}_helptext" class="form-text">{}</div>',
        field.auto_id,
        mark_safe(field.help_text),
    )


def _label(field):
    """The label's extra class and its text, with crispy's asterisk when the field is required."""
    if field.field.required:
        return " requiredField", format_html('{}<span class="asteriskField">*</span>', field.label)
    return "", field.label


def _checkboxes(field):
    options = checkbox_options(field)
    described = (
        format_html(' aria-describedby="{}"', f"{field.auto_id}_helptext")
        if field.help_text
        else ""
    )
    return format_html(
        '<div id="div_{}" class="mb-3"><fieldset{}><legend class="form-label{} fs-6">{}</legend>'
        "<div>{}</div>{}</fieldset></div>\n",
        field.auto_id,
        described,
        *_label(field),
        options,
        _help(field),
    )


# Django's own widget templates in Jinja2 (django/forms/jinja2/): the markup its Django templates
# draw, in less than half the time (0.4 ms against 0.9 for the explorer's six inputs and selects).
WIDGETS = Jinja2()


def _widget(field, attrs):
    """`field.as_widget(attrs=attrs)`, drawn by WIDGETS."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return widget.render(name=field.html_name, value=field.value(), attrs=attrs, renderer=WIDGETS)


def _single(field, css_class):
    widget = field.field.widget
    attrs = {"class": f"{type(widget).__name__.lower()} {css_class}"}
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}</label>{}{}</div>\n',
        field.auto_id,
        field.id_for_label,
        *_label(field),
        _widget(field, attrs),
        _help(field),
    )


def _field(field):
    widget = field.field.widget
    if field.is_hidden or not field.label:
        return None  # hidden inputs and fields without a label: not needed here
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return _checkboxes(field)
    if isinstance(widget, INPUTS):
        return _single(field, "form-control")
    if isinstance(widget, SELECTS) and not isinstance(widget, forms.SelectMultiple):
        return _single(field, "form-select")
    return None


@register.simple_tag
def valid_form_fields(form):
    """Every field of `form` drawn as crispy-bootstrap5 draws it, or None when the form has errors
    or a field this does not draw (the template then uses crispy)."""
    if form.is_bound and form.errors:
        return None
    drawn = []
    for field in form:
        html = _field(field)
        if html is None:
            return None
        drawn.append(html)
    return mark_safe("".join(drawn))
