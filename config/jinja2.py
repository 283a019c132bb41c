"""The Jinja2 environment of the parts of pages that loop over hundreds of items.

Django's template language stays the site's language; Jinja2 compiles a template to Python and
draws a claim card about twice as fast, which is what a page that is not cached spends most of
its time on; the compare table's row headings and the framework and criterion pages' evidence
sections (templates/jinja2/) are about a fifth of those pages. The helpers are Django's own, so
the parts read as they did.
"""

from django.template.defaultfilters import date, floatformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime
from jinja2 import Environment

from comparisons.templatetags.evidence import evidence_counts, score_bar


def local_date(value, format):
    """Django's `date` filter, in the current time zone as Django's templates show dates."""
    return date(template_localtime(value), format)


def environment(**options):
    # Escaped by Django's rule, as Django's templates escape: the same entities on every page.
    env = Environment(finalize=conditional_escape, **options)
    env.globals.update(url=reverse, score_bar=score_bar, evidence_counts=evidence_counts)
    env.filters.update(date=local_date, floatformat=floatformat)
    return env
