"""A fast path for long lists of checkboxes in crispy forms (the explorer's criteria and
frameworks: hundreds at scale).

crispy-bootstrap5 renders each option through two templates; this builds the same markup in
Python, for fields that ask for it with `many_choices = True` (see templates/bootstrap5/layout/
radio_checkbox_select.html, which falls back to crispy's loop for every other field).
"""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

OPTION = (
    '<div class="form-check{}"><input type="checkbox" class="form-check-input" name="{}" '
    'value="{}" id="{}"{}>\n<label for="{}" class="form-check-label">{}</label></div>\n'
)

CHECKED = mark_safe(" checked")


@register.simple_tag
def checkbox_options(field, inline_class=""):
    """The checkboxes of a bound multiple-choice field, checked where the form's value says."""
    chosen = {str(value) for value in field.value() or ()}
    inline = " form-check-inline" if inline_class else ""
    base_id = field.auto_id
    return format_html_join(
        "",
        OPTION,
        (
            (
                inline,
                field.html_name,
                str(value),
                f"{base_id}_{index}",
                CHECKED if str(value) in chosen else "",
                f"{base_id}_{index}",
                label,
            )
            for index, (value, label) in enumerate(field.field.choices)
        ),
    )
