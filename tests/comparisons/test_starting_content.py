"""The shipped starting content: it loads, it is large enough, and every quote can be checked.

fixtures/starting_content.json turns the iTechnolabs article "Flask vs Django" into claims, read
as a sceptical editor: where the article is wrong or contradicts itself, the claim is disputed and
cites the counter-evidence. Every excerpt must occur verbatim in a saved copy of its source under
fixtures/sources/, or, for Django's licence, in the LICENSE file of the installed Django package.
"""

import importlib.metadata
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from comparisons.models import Citation, Claim, Criterion, Framework, Source

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "starting_content.json"
SOURCES_DIR = Path(settings.BASE_DIR) / "fixtures" / "sources"
ARTICLE_FILE = "flask-vs-django-itechnolabs-2024.txt"
# CI lays shared/ beside the clone; locally it is beside the project too.
SHARED_SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / ARTICLE_FILE

ARTICLE_PK = 1
DJANGO_LICENCE_PK = 2
# Source pk -> the saved verbatim text under fixtures/sources/ its excerpts are checked against.
SOURCE_FILES = {
    ARTICLE_PK: ARTICLE_FILE,
    3: "flask-LICENSE.txt",
    4: "flask-docs-design.rst",
    5: "flask-docs-server.rst",
    6: "flask-docs-templating.rst",
    7: "django-docs-topics-auth.txt",
    8: "django-docs-ref-contrib-admin.txt",
    9: "django-docs-faq-general.txt",
    10: "django-docs-topics-templates.txt",
    11: "django-docs-topics-http-urls.txt",
    12: "django-docs-ref-databases.txt",
    13: "django-docs-topics-security.txt",
    14: "django-docs-topics-cache.txt",
}

# The article's section headings, in order; text before the first one is its introduction.
ARTICLE_HEADINGS = (
    "What is Flask?",
    "Features of Flask",
    "When to Use Flask?",
    "What is Django?",
    "Why Use Django?",
    "Features of Django",
    "When to Use Django?",
    "Flask Vs Django – A Table of Differences",
    "A Detailed Comparison of Python Web Framework: Django Vs Flask",
    "Flask Vs. Django – Speed and Performance",
    "Flask Vs. Django: Admin Panel",
    "Flask Vs. Django: Development Flexibility",
    "Flask Vs. Django: Scalability",
    "Flask Vs. Django: Community Support",
    "Which is Better: Django Or Flask?",
    "How can iTechnolabs help to choose between Flask vs Django?",
    "Are You Looking to Hire Remote Python Developers?",
)
TABLE_HEADING = "Flask Vs Django – A Table of Differences"
TABLE_ROWS = (
    "Learning Curve",
    "Flexibility",
    "Built-in Features",
    "Scalability",
    "Support and Community",
    "Use Case Examples",
)

REQUIRED_CRITERIA = {
    "learning-curve",
    "flexibility",
    "built-in-features",
    "scalability",
    "community",
    "use-cases",
    "performance",
    "admin-panel",
    "orm",
    "authentication",
    "templating",
    "forms-validation",
    "routing",
    "dev-server",
    "database-support",
    "security",
    "development-speed",
    "cost",
    "documentation",
}

# Passages of the article that are wrong or contradict the article itself: every claim that
# quotes one of them in support must be disputed, and at least one such claim must exist.
KNOWN_ERRORS = (
    "Django has a more complex pricing structure",
    "Flask and Django both offer built-in admin interfaces",
    "Flask’s admin interface is minimalistic and straightforward",
    "ease of use for beginners",
    "It follows a microservices architecture",
    "Flask is a micro-framework and does not come with built-in features",
    "Flask is used by smaller companies and startups",
    "a framework that excels in performance",
    "Django takes the lead",
    "account verification",
    "customizable dashboards",
    "improving the overall performance of the application",
    "making it easier for developers to get started quickly",
    "Flask allows for more granular control",
)


def read_source(name):
    return (SOURCES_DIR / name).read_text(encoding="utf-8")


def django_licence_text():
    dist = importlib.metadata.distribution("django")
    text = dist.read_text("licenses/LICENSE") or dist.read_text("LICENSE")
    assert text, "the installed Django package ships no LICENSE file"
    return text


def source_text(source_pk):
    if source_pk == DJANGO_LICENCE_PK:
        return django_licence_text()
    assert source_pk in SOURCE_FILES, f"source {source_pk} has no saved text in SOURCE_FILES"
    return read_source(SOURCE_FILES[source_pk])


def article_location(excerpt):
    """The article's section heading above an excerpt, with the row for table cells."""
    article = read_source(ARTICLE_FILE)
    position = article.index(excerpt)
    heading = "Introduction"
    offset = 0
    for line in article.splitlines(keepends=True):
        if offset > position:
            break
        if line.strip() in ARTICLE_HEADINGS:
            heading = line.strip()
        offset += len(line)
    if heading == TABLE_HEADING:
        line = article[article.rfind("\n", 0, position) + 1 :].split("\n", 1)[0]
        row = next(row for row in TABLE_ROWS if line.startswith(row + " "))
        heading = f"{heading} – {row} row"
    return heading


def nearest_rst_heading(text, position):
    """The reStructuredText section title above position: a line underlined with = - ~ etc."""
    lines = text[:position].splitlines()
    for i in range(len(lines) - 2, -1, -1):
        title, underline = lines[i].rstrip(), lines[i + 1]
        is_underline = re.fullmatch(r"([=\-~`^\"'*+#])\1{2,}", underline)
        if title and is_underline and len(underline) >= len(title):
            return title.strip()
    return None


@pytest.fixture
def loaded(db):
    call_command("loaddata", "starting_content", verbosity=0)


# --- the file itself --------------------------------------------------------------------------


def test_fixture_is_pretty_printed_for_review():
    text = FIXTURE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_article_copy_is_identical_to_the_shared_seed():
    if not SHARED_SEED.exists():
        pytest.skip(f"{SHARED_SEED} is not present")
    assert read_source(ARTICLE_FILE) == SHARED_SEED.read_text(encoding="utf-8")


# --- loading ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loads_on_an_empty_database():
    assert not Claim.objects.exists() and not Source.objects.exists()

    call_command("loaddata", "starting_content", verbosity=0)

    assert Framework.objects.count() >= 2
    assert Criterion.objects.count() >= 12
    assert Claim.objects.count() >= 40
    assert Citation.objects.count() >= Claim.objects.count()


def test_every_object_passes_model_validation(loaded):
    for model in (Framework, Criterion, Source, Claim, Citation):
        for obj in model.objects.all():
            obj.full_clean()


def test_frameworks_are_flask_and_django_with_their_real_facts(loaded):
    facts = {
        fw.slug: (fw.homepage, fw.repository, fw.licence, fw.first_release_year, fw.language)
        for fw in Framework.objects.all()
    }
    assert facts["flask"] == (
        "https://flask.palletsprojects.com/",
        "https://github.com/pallets/flask",
        "BSD-3-Clause",
        2010,
        "Python",
    )
    assert facts["django"] == (
        "https://www.djangoproject.com/",
        "https://github.com/django/django",
        "BSD-3-Clause",
        2005,
        "Python",
    )
    for fw in Framework.objects.all():
        assert fw.is_published and fw.tagline and fw.description


def test_criteria_cover_the_article_table_and_the_agreed_slugs(loaded):
    criteria = list(Criterion.objects.all())
    assert len(criteria) >= 12
    assert {c.slug for c in criteria} >= REQUIRED_CRITERIA
    table_slugs = [
        "learning-curve",
        "flexibility",
        "built-in-features",
        "scalability",
        "community",
        "use-cases",
    ]
    for row, slug in zip(TABLE_ROWS, table_slugs, strict=True):
        assert Criterion.objects.get(slug=slug).name == row
    for criterion in criteria:
        assert criterion.definition.strip()
        assert criterion.category in Criterion.Category.values
        assert 0 <= criterion.default_weight <= 10
    assert len({c.display_order for c in criteria}) == len(criteria)


def test_sources_have_urls_and_the_article_is_marked_unverified(loaded):
    for source in Source.objects.all():
        assert source.url.startswith("https://"), source
        assert source.accessed_on is not None
    article = Source.objects.get(pk=ARTICLE_PK)
    assert article.url == "https://itechnolabs.ca/flask-vs-django/"
    assert article.publisher == "iTechnolabs"
    assert article.kind == Source.Kind.ARTICLE
    assert article.reliability == Source.Reliability.UNVERIFIED
    assert article.published_on is None
    licence = Source.objects.get(pk=DJANGO_LICENCE_PK)
    assert licence.url == "https://github.com/django/django/blob/main/LICENSE"
    assert licence.kind == Source.Kind.SOURCE_CODE
    assert licence.reliability == Source.Reliability.AUTHORITATIVE


# --- claims and their evidence ----------------------------------------------------------------


def test_there_are_enough_claims_for_both_frameworks(loaded):
    assert Claim.objects.count() >= 40
    for slug in ("flask", "django"):
        assert Claim.objects.filter(framework__slug=slug).count() >= 15
    assert Claim.objects.filter(status=Claim.Status.PUBLISHED).count() >= 30


def test_every_claim_has_a_supporting_citation(loaded):
    unsupported = Claim.objects.exclude(citations__stance=Citation.Stance.SUPPORTS)
    assert not unsupported.exists(), list(unsupported)


def test_every_public_claim_has_a_citation(loaded):
    public = Claim.objects.filter(status__in=Claim.PUBLIC_STATUSES)
    assert public.exists()
    assert not public.without_citations().exists()


def test_every_disputed_claim_has_counter_evidence_and_a_note(loaded):
    disputed = Claim.objects.filter(status=Claim.Status.DISPUTED)
    assert disputed.count() >= 10
    for claim in disputed:
        assert claim.sources_disagree(), claim
        assert claim.editor_note.strip(), claim


def test_claims_were_not_written_by_a_user(loaded):
    assert not Claim.objects.filter(created_by__isnull=False).exists()
    assert not Claim.objects.filter(updated_by__isnull=False).exists()


def test_article_excerpts_are_verbatim_and_located_by_their_section(loaded):
    article = read_source(ARTICLE_FILE)
    citations = Citation.objects.filter(source_id=ARTICLE_PK)
    assert citations.count() >= 40
    for citation in citations:
        assert citation.excerpt in article, citation.excerpt
        assert citation.location == article_location(citation.excerpt), citation.excerpt


def test_other_excerpts_are_verbatim_in_the_saved_source_texts(loaded):
    citations = Citation.objects.exclude(source_id=ARTICLE_PK)
    assert citations.exists()
    assert citations.filter(source_id=DJANGO_LICENCE_PK).exists()
    for citation in citations:
        assert citation.excerpt in source_text(citation.source_id), (
            citation.source_id,
            citation.excerpt,
        )


def test_every_source_has_a_saved_text(loaded):
    for source in Source.objects.all():
        assert source_text(source.pk).strip(), source


def test_documentation_citations_name_the_section_they_quote(loaded):
    for citation in Citation.objects.filter(source__kind=Source.Kind.DOCUMENTATION):
        text = source_text(citation.source_id)
        heading = nearest_rst_heading(text, text.index(citation.excerpt))
        assert citation.location == heading, (citation.source_id, citation.excerpt)


def test_excerpts_are_quotes_not_whole_paragraphs(loaded):
    for citation in Citation.objects.all():
        assert 0 < len(citation.excerpt) <= 300, citation.excerpt


@pytest.mark.parametrize("passage", KNOWN_ERRORS)
def test_known_errors_in_the_article_are_disputed(loaded, passage):
    claims = Claim.objects.filter(
        citations__source_id=ARTICLE_PK,
        citations__stance=Citation.Stance.SUPPORTS,
        citations__excerpt__contains=passage,
    ).distinct()
    assert claims.exists(), f"no claim records {passage!r}"
    assert set(claims.values_list("status", flat=True)) == {Claim.Status.DISPUTED}


def test_django_pricing_error_is_corrected_by_the_licence(loaded):
    wrong = Claim.objects.get(
        framework__slug="django", criterion__slug="cost", status=Claim.Status.DISPUTED
    )
    assert wrong.citations.filter(
        stance=Citation.Stance.CONTRADICTS, source_id=DJANGO_LICENCE_PK
    ).exists()
    correct = Claim.objects.get(
        framework__slug="django", criterion__slug="cost", status=Claim.Status.PUBLISHED
    )
    assert correct.score == 2
    assert correct.citations.filter(
        stance=Citation.Stance.SUPPORTS, source_id=DJANGO_LICENCE_PK
    ).exists()


def test_flask_admin_is_published_as_absent(loaded):
    published = Claim.objects.filter(
        framework__slug="flask", criterion__slug="admin-panel", status=Claim.Status.PUBLISHED
    )
    assert published.exists()
    assert all(claim.score < 0 for claim in published)
    assert all(
        claim.citations.filter(source__reliability=Source.Reliability.AUTHORITATIVE).exists()
        for claim in published
    )
