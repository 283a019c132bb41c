"""The public knowledge pages: content, publication rules, accessibility and query budgets."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from comparisons import cache
from comparisons.knowledge import criterion_claim_groups, framework_claim_groups
from comparisons.models import Citation, Claim, Criterion, Framework
from tests.factories import (
    make_claim,
    make_criterion,
    make_framework,
    make_knowledge_base,
    make_source,
)

pytestmark = pytest.mark.django_db

# Every page, cold or warm cache, at any size of the knowledge base.
QUERY_BUDGET = 8


def page_urls(framework_slug, criterion_slug, compare_slugs):
    """Every public page, with the URL names base.html's navigation uses."""
    return {
        "home": reverse("comparisons:home"),
        "framework-list": reverse("comparisons:framework-list"),
        "framework-detail": reverse("comparisons:framework-detail", args=[framework_slug]),
        "criterion-list": reverse("comparisons:criterion-list"),
        "criterion-detail": reverse("comparisons:criterion-detail", args=[criterion_slug]),
        "compare-picker": reverse("comparisons:compare"),
        "compare": reverse("comparisons:compare") + "?frameworks=" + ",".join(compare_slugs),
        "claim-list": reverse("comparisons:claim-list"),
        "claim-list-filtered": reverse("comparisons:claim-list")
        + f"?criterion={criterion_slug}&framework={framework_slug}&q=on&score_min=-2"
        + "&score_max=2&verdict=supported&source_kind=article&has_citations=true&ordering=-score",
    }


STARTING_PAGES = page_urls("flask", "learning-curve", ["flask", "django"])


class PageOutline(HTMLParser):
    """Collects headings, labelled form controls and table header cells of a page."""

    def __init__(self):
        super().__init__()
        self.headings = []
        self.labels_for = set()
        self.controls = []
        self.th_scopes = []
        self.label_depth = 0
        self.inline_styles = 0
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.inline_styles += 1
        # A JSON-LD data block (comparisons.factcheck) is never executed: not a script for the CSP.
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/ld+json":
            self.inline_scripts += 1
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.labels_for.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if attrs.get("type") not in {"hidden", "submit", "button", "reset"}:
                self.controls.append((attrs, self.label_depth > 0))
        elif tag == "th":
            self.th_scopes.append(attrs.get("scope"))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1

    def unlabelled_controls(self):
        return [
            attrs
            for attrs, wrapped in self.controls
            if not wrapped
            and attrs.get("id") not in self.labels_for
            and not attrs.get("aria-label")
            and not attrs.get("aria-labelledby")
        ]


def outline(response):
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser


def assert_accessible(response):
    page = outline(response)
    assert page.headings.count(1) == 1, f"one h1, got {page.headings}"
    assert page.headings[0] == 1, f"the h1 comes first, got {page.headings}"
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading level skipped: {page.headings}"
    assert page.unlabelled_controls() == []
    assert page.inline_styles == 0, "no style attributes: the CSP forbids them"
    assert page.inline_scripts == 0, "no inline scripts: the CSP forbids them"
    return page


# Pages with the starting content


@pytest.mark.parametrize("name", STARTING_PAGES)
def test_every_page_renders_the_starting_content_accessibly(client, starting_content, name):
    response = client.get(STARTING_PAGES[name])
    assert response.status_code == 200
    assert_accessible(response)


def test_home_says_what_the_site_answers_and_links_to_compare_and_the_advisor(
    client, starting_content
):
    html = client.get(reverse("comparisons:home")).content.decode()
    assert "Which web framework fits your project?" in html
    assert "Flask" in html and "Django" in html
    assert reverse("comparisons:compare") + "?frameworks=" in html
    assert reverse("advisor:questionnaire") in html


def test_framework_page_shows_claims_by_criterion_with_score_status_and_citations(
    client, starting_content
):
    response = client.get(reverse("comparisons:framework-detail", args=["django"]))
    html = response.content.decode()
    django = response.context["framework"]
    assert escape(django.description[:40]) in html
    assert django.licence in html
    public = Claim.objects.published().filter(framework=django)
    groups = framework_claim_groups(django)  # what the page drew, kept for the version
    shown = {claim.pk for group in groups for claim in group.claims}
    for claim in public:
        assert (f'id="claim-{claim.pk}"' in html) == (claim.pk in shown)
    assert sum(len(group.claims) + group.hidden_count for group in groups) == public.count()
    for group in groups:
        verdicts = [c.assessment.verdict for c in group.claims]
        questioned = sum(v in ("contested", "refuted") for v in verdicts)
        assert len(verdicts) - questioned <= 2 and questioned <= 1
        if group.evidence and group.evidence.contested_count + group.evidence.refuted_count:
            assert questioned == 1, "a questioned claim is shown where there is one"
        explorer = f"?framework=django&amp;criterion={group.criterion.slug}"
        assert (explorer in html) == (group.hidden_count > 0)
        if group.hidden_questioned_count:
            assert f"{group.hidden_questioned_count} of them contested or refuted" in html
    assert len(groups) == Criterion.objects.count(), "every criterion, with or without evidence"
    assert [g.criterion.display_order for g in groups] == sorted(
        g.criterion.display_order for g in groups
    )
    assert 'class="score-bar"' in html and "<title>" in html
    refuted = set(public.with_verdict("refuted").values_list("pk", flat=True))
    assert refuted, "the starting content has refuted Django claims"
    assert refuted & shown, "refuted claims are shown, as such"
    assert "Refuted: stronger sources contradict this claim" in html
    assert "counts for nothing in any score" in html
    citation = Citation.objects.filter(claim__in=public, source__url__gt="").first()
    assert f'href="{citation.source.url}"' in html
    assert "<blockquote" in html
    assert "Supports" in html and "Contradicts" in html


def test_criterion_page_shows_the_definition_and_every_framework_side_by_side(
    client, starting_content
):
    response = client.get(reverse("comparisons:criterion-detail", args=["learning-curve"]))
    html = response.content.decode()
    criterion = Criterion.objects.get(slug="learning-curve")
    assert criterion.definition in html
    groups = criterion_claim_groups(criterion)  # what the page drew, kept for the version
    assert {g.framework.slug for g in groups} == {"flask", "django"}
    for group in groups:
        assert group.evidence is not None
        assert f"framework-{group.framework.slug}-heading" in html
    public = Claim.objects.published().filter(criterion=criterion)
    shown = {claim.pk for group in groups for claim in group.claims}
    for claim in public:
        assert (escape(claim.statement) in html) == (claim.pk in shown)
    assert sum(len(group.claims) + group.hidden_count for group in groups) == public.count()
    for group in groups:
        explorer = f"?framework={group.framework.slug}&amp;criterion=learning-curve"
        assert (explorer in html) == (group.hidden_count > 0)


def test_list_pages_link_every_published_framework_and_every_criterion(client, starting_content):
    frameworks = client.get(reverse("comparisons:framework-list")).content.decode()
    for framework in Framework.objects.published():
        assert framework.get_absolute_url() in frameworks
    criteria = client.get(reverse("comparisons:criterion-list")).content.decode()
    for criterion in Criterion.objects.all():
        assert criterion.get_absolute_url() in criteria


# Publication rules


@pytest.fixture
def mixed_claims(db):
    """Public and non-public claims, and a framework that is not published."""
    framework = make_framework(name="Shown", slug="shown")
    hidden = make_framework(name="Hidden", slug="hidden", is_published=False)
    criterion = make_criterion(name="Speed", slug="speed")
    contested = make_claim(
        framework, criterion, statement="CONTESTED-CLAIM", editor_note="Two benchmarks disagree."
    )
    Citation.objects.create(claim=contested, source=make_source(), stance="contradicts")
    return {
        "framework": framework,
        "hidden": hidden,
        "criterion": criterion,
        "published": make_claim(framework, criterion, statement="PUBLISHED-CLAIM"),
        "contested": contested,
        "uncited": make_claim(framework, criterion, statement="UNCITED-CLAIM", citations=False),
        "draft": make_claim(framework, criterion, statement="DRAFT-CLAIM", status="draft"),
        "retracted": make_claim(
            framework, criterion, statement="RETRACTED-CLAIM", status="retracted"
        ),
        "of_hidden": make_claim(hidden, criterion, statement="HIDDEN-FRAMEWORK-CLAIM"),
        "other": make_framework(name="Other", slug="other"),
    }


def every_public_response(client, kb):
    urls = page_urls("shown", "speed", ["shown", "other"]).values()
    claims = reverse("comparisons:claim-list")
    exports = [f"{claims}?format=csv", f"{claims}?format=json"]
    for url in [*urls, *exports]:
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        yield url, content.decode()


def test_drafts_retracted_claims_and_unpublished_frameworks_appear_nowhere(client, mixed_claims):
    for url, body in every_public_response(client, mixed_claims):
        for secret in (
            "DRAFT-CLAIM",
            "RETRACTED-CLAIM",
            "UNCITED-CLAIM",
            "HIDDEN-FRAMEWORK-CLAIM",
            "Hidden",
        ):
            assert secret not in body, f"{secret} leaked on {url}"
    framework_page = client.get(reverse("comparisons:framework-detail", args=["shown"]))
    html = framework_page.content.decode()
    assert "PUBLISHED-CLAIM" in html and "CONTESTED-CLAIM" in html
    assert "Contested: sources of comparable standing disagree — Two benchmarks disagree." in html


def test_unpublished_and_unknown_frameworks_and_criteria_are_404(client, mixed_claims):
    for url in (
        reverse("comparisons:framework-detail", args=["hidden"]),
        reverse("comparisons:framework-detail", args=["nope"]),
        reverse("comparisons:criterion-detail", args=["nope"]),
        "/frameworks/%C3%BCnicode/",
        "/criteria/" + "x" * 3000 + "/",
    ):
        assert client.get(url).status_code == 404, url


def test_pages_answer_only_get_and_head(client, mixed_claims):
    for url in page_urls("shown", "speed", ["shown", "other"]).values():
        assert client.head(url).status_code == 200
        assert client.post(url).status_code == 405


def test_a_criterion_without_evidence_says_so_rather_than_zero(client, mixed_claims):
    make_criterion(name="Unknown ground", slug="unknown-ground")
    response = client.get(reverse("comparisons:criterion-detail", args=["unknown-ground"]))
    html = response.content.decode()
    assert "No evidence" in html
    assert "unknown, not neutral" in html


# Query budgets: constant whatever the size of the knowledge base

SIZES = {
    "10 claims": {"frameworks": 2, "criteria": 5, "claims_per_pair": 1},
    "1,000 claims": {"frameworks": 10, "criteria": 10, "claims_per_pair": 10},
}


def urls_for(kb):
    frameworks = kb["frameworks"]
    urls = page_urls(frameworks[0].slug, kb["criteria"][0].slug, [f.slug for f in frameworks[:10]])
    source = kb["sources"][0].pk
    urls["claim-list-filtered"] += f"&source={source}&page=1"
    claims = reverse("comparisons:claim-list")
    urls["claim-list-csv"] = f"{claims}?format=csv&framework={frameworks[0].slug}"
    urls["claim-list-json"] = f"{claims}?format=json&framework={frameworks[0].slug}"
    return urls


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


PAGE_NAMES = [*STARTING_PAGES, "claim-list-csv", "claim-list-json"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_each_page_holds_the_query_budget_cold_and_warm(
    client, django_assert_max_num_queries, size, name
):
    kb = make_knowledge_base(**SIZES[size])
    assert Claim.objects.count() == int(size.split()[0].replace(",", ""))
    url = urls_for(kb)[name]
    cache.clear()
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_query_counts_do_not_grow_with_the_knowledge_base(client, name):
    """Same page, same objects, 10 then 1,000 claims: the same number of queries."""
    kb = make_knowledge_base(frameworks=10, criteria=10, claims_per_pair=0)
    source = make_source()
    pairs = [(f, c) for f in kb["frameworks"] for c in kb["criteria"]]

    def add_claims(n):
        claims = Claim.objects.bulk_create(
            Claim(
                framework=f,
                criterion=c,
                statement=f"Statement {i} on it",
                score=i % 5 - 2,
                status="published",
            )
            for i, (f, c) in enumerate(pairs[j % len(pairs)] for j in range(n))
        )
        Citation.objects.bulk_create(
            Citation(claim=claim, source=source, excerpt="Q.") for claim in claims
        )

    kb["sources"][0] = source
    url = urls_for(kb)[name]
    add_claims(10)
    cache.clear()
    small_cold, small_warm = count_queries(client, url), count_queries(client, url)
    add_claims(990)
    cache.clear()
    large_cold, large_warm = count_queries(client, url), count_queries(client, url)
    assert (large_cold, large_warm) == (small_cold, small_warm)
    assert large_cold <= QUERY_BUDGET


def test_lists_keep_the_editors_order(client, starting_content):
    expected = list(Criterion.objects.order_by("display_order", "name"))
    home = client.get(reverse("comparisons:home"))
    assert list(home.context["criteria"]) == expected
    listing = client.get(reverse("comparisons:criterion-list"))
    assert [c for _, group in listing.context["categories"] for c in group] == sorted(
        expected, key=lambda c: [x.category for x in expected].index(c.category)
    )
    frameworks = client.get(reverse("comparisons:framework-list")).context["frameworks"]
    assert [f.name for f in frameworks] == sorted(f.name for f in frameworks)


def test_big_pages_show_claims_for_their_first_groups_and_link_the_rest(
    client, starting_content, monkeypatch
):
    from comparisons import knowledge

    monkeypatch.setattr(knowledge, "FRAMEWORK_PAGE_CRITERIA", 1)
    monkeypatch.setattr(knowledge, "CRITERION_PAGE_FRAMEWORKS", 1)
    response = client.get(reverse("comparisons:framework-detail", args=["django"]))
    groups = framework_claim_groups(Framework.objects.get(slug="django"))
    with_claims = [g for g in groups if g.claims]
    html = response.content.decode()
    assert len(with_claims) == 1 and html.count('class="criterion-group') == 1
    for group in groups:
        if group.evidence and not group.claims:
            assert f"?framework=django&amp;criterion={group.criterion.slug}" in html

    response = client.get(reverse("comparisons:criterion-detail", args=["learning-curve"]))
    groups = criterion_claim_groups(Criterion.objects.get(slug="learning-curve"))
    scores = [g.evidence.score for g in groups if g.evidence and g.evidence.has_score]
    assert scores == sorted(scores, reverse=True), "the best scored framework first"
    assert [bool(g.claims) for g in groups][:1] == [True]
    others = [g for g in groups if g.evidence and not g.claims]
    assert others and not any(g.claims for g in others)
    html = response.content.decode()
    assert "More frameworks with evidence" in html
    for group in others:
        assert f"?framework={group.framework.slug}&amp;criterion=learning-curve" in html


def test_a_pair_whose_claims_all_count_for_nothing_says_so(client, db):
    """A pair whose only claim is refuted has evidence but no score: "none counts"."""
    framework, criterion = make_framework(name="Solo"), make_criterion(name="Speed")
    weak, strong = make_source(reliability=1), make_source(reliability=5)
    claim = make_claim(framework, criterion, source=weak, statement="Fastest of all.")
    Citation.objects.create(claim=claim, source=strong, stance="contradicts", excerpt="It is not.")
    assert Claim.objects.published().with_verdict("refuted").filter(pk=claim.pk).exists()
    counts = "<span>none evidence · 1 claim, 1 refuted: none counts</span>"
    for page in (framework.get_absolute_url(), criterion.get_absolute_url()):
        assert counts in client.get(page).content.decode()


@pytest.mark.parametrize("page", ["framework-detail", "criterion-detail"])
def test_a_pages_evidence_is_drawn_once_per_knowledge_version(client, db, settings, page):
    """Rendered afresh (a junk parameter defeats the page cache), a framework's or criterion's
    page reads only the version and its object; an editor's change is on the next page."""
    from comparisons.cache import bump_version

    framework, criterion = make_framework(slug="solo"), make_criterion(slug="speed")
    make_framework(slug="silent")  # no evidence on the criterion: listed as unknown
    make_claim(framework, criterion, statement="First statement.", score=-2)
    settings.PAGE_CACHE = False
    url = reverse(f"comparisons:{page}", args=["solo" if page == "framework-detail" else "speed"])
    cache.clear()
    cold = count_queries(client, url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"{url}?junk=1").content.decode()
    assert len(queries) == 2 < cold  # the version, the framework or criterion
    assert "First statement." in html
    assert ("Where it is weak" if page == "framework-detail" else "/frameworks/silent/") in html

    make_claim(framework, criterion, statement="Second statement.", score=2)
    bump_version()
    html = client.get(url).content.decode()
    assert "First statement." in html and "Second statement." in html
