"""The Jinja2 environment of the templates drawn hundreds of times per page (templates/jinja2/).

Django's template language stays the site's language; Jinja2 compiles a template to Python and
draws a claim card several times faster (bench/results.md), which is what a page that is not
cached spends most of its time on. The helpers are Django's own, so a card reads as it did.
"""

from django.template.defaultfilters import date, floatformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime
from jinja2 import Environment

from comparisons.templatetags.evidence import score_bar


def local_date(value, format):
    """Django's `date` filter, in the current time zone as Django's templates show dates."""
    return date(template_localtime(value), format)


def environment(**options):
    # Escaped by Django's rule, as Django's templates escape: the same entities on every page.
    env = Environment(finalize=conditional_escape, **options)
    env.globals.update(url=reverse, score_bar=score_bar)
    env.filters.update(date=local_date, floatformat=floatformat)
    return env
