"""The public forms' fast path (comparisons.templatetags.fast_forms) draws what crispy draws."""

import pytest
from django.http import QueryDict
from django.template import engines
from django.test.html import parse_html

from comparisons.filters import ClaimFilter
from comparisons.forms import CompareForm
from comparisons.models import Claim, Framework

pytestmark = pytest.mark.django_db

CRISPY = engines["django"].from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
FAST = engines["django"].from_string("{% load fast_forms %}{% valid_form_fields form %}")


def drawn(form):
    return CRISPY.render({"form": form}), FAST.render({"form": form})


def claim_filter_form(query):
    return ClaimFilter(QueryDict(query), queryset=Claim.objects.all()).form


def compare_form(query):
    return CompareForm(
        QueryDict(query) if query is not None else None,
        frameworks=list(Framework.objects.published().order_by("name")),
    )


EXPLORER_QUERIES = [
    "",
    "q=routing+<b>&score_min=-1&score_max=2&ordering=-score",
    "criterion=learning-curve&criterion=performance&framework=django&verdict=contested"
    "&verdict=refuted&source_kind=documentation&has_citations=true",
    "has_citations=false&source=3&ordering=framework",
]


@pytest.mark.parametrize("query", EXPLORER_QUERIES)
def test_the_explorers_filters_are_drawn_as_crispy_draws_them(starting_content, query):
    form = claim_filter_form(query)
    assert form.is_valid(), form.errors
    crispy, fast = drawn(form)
    assert parse_html(fast) == parse_html(crispy)
    assert 'id="id_q"' in fast and "checkbox" in fast


def test_option_labels_are_escaped_as_crispy_escapes_them(starting_content):
    Framework.objects.filter(slug="flask").update(name='Flask <b>& "friends"</b>')
    form = claim_filter_form("framework=flask")
    assert form.is_valid(), form.errors
    crispy, fast = drawn(form)
    assert parse_html(fast) == parse_html(crispy)
    assert "Flask &lt;b&gt;&amp; &quot;friends&quot;&lt;/b&gt;" in fast


@pytest.mark.parametrize("query", [None, "frameworks=django,flask&category=capabilities"])
def test_the_compare_picker_is_drawn_as_crispy_draws_it(starting_content, query):
    form = compare_form(query)
    crispy, fast = drawn(form)
    assert parse_html(fast) == parse_html(crispy)
    assert 'class="asteriskField"' in fast  # the frameworks are required


@pytest.mark.parametrize(
    "form",
    [
        lambda: claim_filter_form("score_min=3"),
        lambda: claim_filter_form("score_min=2&score_max=-2"),
        lambda: compare_form("frameworks=django"),
    ],
)
def test_a_form_with_errors_is_left_to_crispy(starting_content, form):
    form = form()
    assert not form.is_valid()
    assert FAST.render({"form": form}) == "None"


def test_the_explorer_page_shows_the_fast_form_and_crispy_shows_errors(client, starting_content):
    good = client.get("/claims/?criterion=learning-curve&score_min=1")
    assert good.status_code == 200
    assert parse_html(valid_fields_of(good)) == parse_html(
        CRISPY.render({"form": good.context["filterset"].form})
    )
    bad = client.get("/claims/?score_min=9")
    assert bad.status_code == 400
    assert 'class="numberinput form-control is-invalid"' in bad.content.decode()


def valid_fields_of(response):
    html = response.content.decode()
    start = html.index('<div id="div_id_q"')
    end = html.index('<button type="submit" class="btn btn-primary">Apply filters</button>')
    return html[start:end]
