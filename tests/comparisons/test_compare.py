"""The compare page: the article's table of differences, generated from the evidence."""

import pytest
from django.urls import reverse

from comparisons.cache import bump_version
from comparisons.knowledge import MAX_COMPARED, build_compare_matrix
from comparisons.models import Citation, Claim, Criterion, Framework
from tests.comparisons.test_views import outline
from tests.factories import make_claim, make_criterion, make_framework, make_source

pytestmark = pytest.mark.django_db

COMPARE = reverse("comparisons:compare")

# The rows of "Flask Vs Django – A Table of Differences" in the source article.
TABLE_OF_DIFFERENCES = [
    "learning-curve",
    "flexibility",
    "built-in-features",
    "scalability",
    "community",
    "use-cases",
]


def test_flask_vs_django_shows_every_row_of_the_articles_table_of_differences(
    client, starting_content
):
    response = client.get(f"{COMPARE}?frameworks=flask,django")
    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert [slug for slug, _ in matrix.frameworks] == ["flask", "django"]
    rows = {row.criterion_slug: row for row in matrix.rows}
    html = response.content.decode()
    for slug in TABLE_OF_DIFFERENCES:
        row = rows[slug]
        for cell in row.cells:
            assert cell.has_evidence, f"{cell.framework_slug} on {slug}"
            assert -2 <= cell.score <= 2
            assert cell.citation_count > 0
            assert cell.strongest is not None and cell.strongest.citation_count > 0
        assert f'id="row-{slug}"' in html
    assert "citations)" in html or "citation)" in html
    assert "Summary" in html
    assert [row.criterion_slug for row in matrix.rows] == list(
        Criterion.objects.values_list("slug", flat=True)
    )


def test_the_table_has_column_and_row_headers_and_accessible_bars(client, starting_content):
    response = client.get(f"{COMPARE}?frameworks=flask,django")
    page = outline(response)
    rows = len(response.context["matrix"].rows)
    assert page.th_scopes.count("col") == 3  # criterion + 2 frameworks
    assert page.th_scopes.count("row") == rows + 1  # + the summary row
    assert None not in page.th_scopes
    assert 'role="img" aria-label="score' in response.content.decode()


def test_repeated_parameters_work_like_a_comma_separated_list(client, starting_content):
    response = client.get(f"{COMPARE}?frameworks=django&frameworks=flask&frameworks=django")
    assert response.status_code == 200
    assert [slug for slug, _ in response.context["matrix"].frameworks] == ["django", "flask"]


def test_rows_can_be_limited_to_a_category(client, starting_content):
    response = client.get(f"{COMPARE}?frameworks=flask,django&category=operations")
    assert response.status_code == 200
    rows = response.context["matrix"].rows
    assert rows
    assert {row.category for row in rows} == {"operations"}
    assert len(rows) == Criterion.objects.filter(category="operations").count()


def test_a_column_kept_for_one_category_gains_the_rows_of_the_others(
    client, starting_content, settings
):
    """Each framework's cells are kept as one column, filled in as categories are asked for: a
    table of every category after one of one category has every row, as if nothing was kept."""
    from comparisons import cache

    settings.PAGE_CACHE = False
    url = f"{COMPARE}?frameworks=flask,django"
    operations = Criterion.objects.filter(category="operations").count()
    assert (
        client.get(f"{url}&category=operations").content.decode().count('class="compare-cell')
        == 2 * operations
    )
    after_one = client.get(url).content.decode()
    assert after_one.count('class="compare-cell') == 2 * Criterion.objects.count() > 2 * operations
    for slug in Criterion.objects.values_list("slug", flat=True):
        assert f'id="row-{slug}"' in after_one
    cache.clear()
    assert client.get(url).content.decode() == after_one


def test_the_bare_page_shows_the_picker(client, starting_content):
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert response.context["matrix"] is None
    html = response.content.decode()
    assert 'name="frameworks" value="flask"' in html
    assert "Pick at least two frameworks" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("frameworks=flask", "Pick at least two frameworks"),
        ("frameworks=", "Pick at least two frameworks"),
        ("category=", "Pick at least two frameworks"),
        ("frameworks=flask,nope", "“nope” is not a published framework."),
        ("frameworks=flask,hidden", "“hidden” is not a published framework."),
        ("frameworks=flask,flask", "Pick at least two frameworks"),
        ("frameworks=flask,django&category=money", "“money” is not a category of criteria."),
        ("frameworks='; DROP TABLE comparisons_claim; --,flask", "is not a published framework"),
    ],
)
def test_a_selection_that_cannot_be_compared_is_a_400_with_a_message(
    client, starting_content, query, message
):
    make_framework(name="Hidden", slug="hidden", is_published=False)
    response = client.get(f"{COMPARE}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "cannot be compared" in html
    assert 'name="frameworks"' in html, "the picker is shown again"


def test_at_most_ten_frameworks(client, db):
    slugs = [make_framework(slug=f"fw-{n}").slug for n in range(MAX_COMPARED + 1)]
    assert client.get(f"{COMPARE}?frameworks={','.join(slugs[:-1])}").status_code == 200
    response = client.get(f"{COMPARE}?frameworks={','.join(slugs)}")
    assert response.status_code == 400
    assert f"at most {MAX_COMPARED}" in response.content.decode()


def test_cells_scores_strongest_claims_leads_and_the_summary(db):
    a, b, c = (make_framework(slug=s, name=s.upper()) for s in ("a", "b", "c"))
    speed, docs, cost = (make_criterion(slug=s) for s in ("speed", "docs", "cost"))
    make_claim(a, speed, score=2, weight=1, statement="a fast")
    strong = make_claim(a, speed, score=-1, weight=5, statement="a slow, strongly")
    make_claim(b, speed, score=2, weight=3)
    make_claim(a, docs, score=1, weight=3)
    make_claim(b, docs, score=1, weight=3)
    contested = make_claim(b, cost, score=-2, weight=3, editor_note="Unclear.")
    Citation.objects.create(claim=contested, source=make_source(), stance="contradicts")
    make_claim(c, cost, score=2, weight=3, status="draft")
    refuted = make_claim(a, docs, score=-2, weight=5, source=make_source(reliability=1))
    Citation.objects.create(claim=refuted, source=make_source(reliability=5), stance="contradicts")

    matrix = build_compare_matrix([a, b, c], [speed, docs, cost])
    speed_row, docs_row, cost_row = matrix.rows

    a_speed, b_speed, c_speed = speed_row.cells
    assert a_speed.score == pytest.approx((2 * 1 - 1 * 5) / 6)
    assert a_speed.strongest.id == strong.pk
    assert a_speed.strongest.citation_count == 1
    assert a_speed.citation_count == 2 and a_speed.claim_count == 2
    assert b_speed.leads and not a_speed.leads
    assert not c_speed.has_evidence and c_speed.score is None

    assert not any(cell.leads for cell in docs_row.cells), "a tie leads for no one"
    assert docs_row.cells[0].score == 1, "a refuted claim moves nothing"
    assert docs_row.cells[0].refuted_count == 1 and docs_row.cells[0].claim_count == 2
    assert docs_row.cells[0].strongest.statement != refuted.statement
    assert cost_row.cells[1].contested_count == 1
    assert cost_row.cells[1].score == -2 and cost_row.cells[1].strength == pytest.approx(0.18)
    assert not cost_row.cells[2].has_evidence, "a draft is no evidence"
    assert not any(cell.leads for cell in cost_row.cells), "one known score leads nothing"

    summary_a, summary_b, summary_c = matrix.summary
    assert summary_a.mean == pytest.approx((a_speed.score + 1) / 2)
    assert summary_a.criteria_with_evidence == 2 and summary_a.leads == 0
    assert summary_b.mean == pytest.approx((2 + 1 - 2) / 3)
    assert summary_b.leads == 1
    assert summary_c.mean is None and summary_c.criteria_with_evidence == 0


def test_the_leads_mark_is_drawn_in_the_leading_cell_of_each_selection(client, db):
    """Cells are kept per knowledge version and shared by every selection; the mark is not."""
    import re

    a, b, c = (make_framework(slug=s, name=s.upper()) for s in ("a", "b", "c"))
    speed = make_criterion(slug="speed")
    for framework, score in ((a, 1), (b, 2), (c, -1)):
        make_claim(framework, speed, score=score, weight=3)

    def marks(slugs):
        """Of each cell of the speed row, in order: whether it is marked as leading."""
        html = client.get(f"{COMPARE}?frameworks={slugs}").content.decode()
        row = re.search(r'<tr id="row-speed">(.*?)</tr>', html, re.S).group(1)
        cells = re.findall(r'<td class="compare-cell( leads)?">(.*?)</td>', row, re.S)
        for leads, inside in cells:
            assert bool(leads) == inside.startswith('<span class="badge text-bg-success mb-1">')
        return [bool(leads) for leads, _ in cells]

    assert marks("a,b,c") == [False, True, False]
    assert marks("c,a") == [False, True]
    assert marks("b,a") == [True, False]


def test_a_cell_without_evidence_says_so(client, db):
    a = make_framework(slug="a")
    make_framework(slug="b")
    criterion = make_criterion()
    make_claim(a, criterion)
    html = client.get(f"{COMPARE}?frameworks=a,b").content.decode()
    assert "No evidence" in html


def test_editors_changes_show_once_the_version_is_bumped(client, db):
    a, b = make_framework(slug="a"), make_framework(slug="b")
    criterion = make_criterion()
    make_claim(a, criterion, score=1)
    make_claim(b, criterion, score=1)
    url = f"{COMPARE}?frameworks=a,b"
    first = client.get(url)
    assert first.context["matrix"].rows[0].cells[0].score == 1
    Claim.objects.filter(framework=a).update(score=-2)
    cached = client.get(url)
    assert cached.context is None, "served from the page cache, not rendered"
    assert cached.content == first.content
    bump_version()
    assert client.get(url).context["matrix"].rows[0].cells[0].score == -2


def test_unpublishing_a_framework_removes_it_from_the_picker(client, starting_content):
    Framework.objects.filter(slug="flask").update(is_published=False)
    html = client.get(COMPARE).content.decode()
    assert 'value="flask"' not in html
    assert client.get(f"{COMPARE}?frameworks=flask,django").status_code == 400


def test_a_compare_page_rendered_again_reads_only_the_version(client, db, settings):
    """The frameworks picked from, the criteria and the columns are read once per knowledge
    version: a page the page cache cannot answer costs one query once they are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    criterion = make_criterion(category=Criterion.Category.CAPABILITIES)
    make_claim(make_framework(slug="a"), criterion)
    make_framework(slug="b")
    settings.PAGE_CACHE = False
    client.get(f"{COMPARE}?frameworks=a,b")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{COMPARE}?frameworks=b,a&category=capabilities")
    assert response.status_code == 200
    assert len(queries) == 1  # the version
