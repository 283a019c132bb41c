"""The shipped starting content: it loads, every quote can be checked, and the verdicts are right.

fixtures/starting_content.json turns the iTechnolabs article "Flask vs Django" into claims, read
as a sceptical editor: where the frameworks' own licences or documentation show the article wrong,
the claim is published with that counter-evidence and its verdict comes out *refuted*; where the
article only contradicts itself, *contested*; article-only claims that a reader could take as
checked fact (popularity, speed, named users) are drafts. Every excerpt quotes whole sentences
verbatim from a saved copy of its source under fixtures/sources/ (listed, with the release it was
taken at, in fixtures/sources/README.md), or, for Django's licence, from the LICENSE file of the
installed Django package.

Most checks read the fixture file itself, so that they do not depend on the models; the rest load
it into the database.
"""

import importlib.metadata
import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from comparisons.models import Citation, Claim, Criterion, Framework, Source

try:  # the one place for the verdict rule, once it exists
    from comparisons.evidence import derive_verdict as _derive_verdict
except ImportError:  # pragma: no cover - before comparisons.evidence is written
    _derive_verdict = None

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "starting_content.json"
SOURCES_DIR = Path(settings.BASE_DIR) / "fixtures" / "sources"
SOURCES_README = SOURCES_DIR / "README.md"
ARTICLE_FILE = "flask-vs-django-itechnolabs-2024.txt"
# CI lays shared/ beside the clone; locally it is beside the project too.
SHARED_SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / ARTICLE_FILE

DJANGO, FLASK = 1, 2
ARTICLE_PK = 1
DJANGO_LICENCE_PK = 2
AUTHORITATIVE = 5
# Source pk -> the saved verbatim text under fixtures/sources/ its excerpts are checked against,
# as fixtures/sources/index.json lists them (load_starting_content adds each as its source's
# snapshot); Django's licence is listed there too, as a file of the installed package.
SOURCES_INDEX = SOURCES_DIR / "index.json"
SOURCES_INDEX_ENTRIES = json.loads(SOURCES_INDEX.read_text(encoding="utf-8"))
SOURCE_FILES = {
    int(pk): entry["file"] for pk, entry in SOURCES_INDEX_ENTRIES.items() if "file" in entry
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
# Each row of the article's table: its label, then the Flask cell, then the Django cell. Some
# cells end without a full stop; a quote may end where its cell ends.
TABLE_CELLS = {
    "Learning Curve": (
        "Flask is simpler and has a less steep learning curve, making it a good choice for "
        "beginners.",
        "Django has a steeper learning curve due to its extensive features, but offers more "
        "functionalities once mastered.",
    ),
    "Flexibility": (
        "Flask offers more flexibility due to its minimalist and modular design, allowing "
        "developers to use the tools they prefer.",
        "Django provides less flexibility because it is a more opinionated framework, "
        "pre-deciding many things for developers for quick and efficient development",
    ),
    "Built-in Features": (
        "Flask is a micro-framework and does not come with built-in features. It allows "
        "developers to add extensions as per their needs.",
        "Django is a batteries-included framework with many built-in features such as admin "
        "panel, database interfaces, an ORM, and authentication protocols",
    ),
    "Scalability": (
        "Flask is better suited for small to medium-sized applications. It can scale, but "
        "requires more manual efforts",
        "Django is designed for building large-scale and complex applications, and handles "
        "scalability and complexity more efficiently",
    ),
    "Support and Community": (
        "Flask has a smaller community compared to Django, but is growing steadily",
        "Django has a larger and more mature community, resulting in better support and "
        "availability of resources",
    ),
    "Use Case Examples": (
        "Flask is used by smaller companies and startups for its simplicity and flexibility. "
        "Examples include Netflix and Zillow.",
        "Django is used by large corporations and tech giants because of its robustness and "
        "scalability. Examples include Instagram and Pinterest",
    ),
}
TABLE_ROWS = tuple(TABLE_CELLS)
TABLE_CRITERIA = (
    "learning-curve",
    "flexibility",
    "built-in-features",
    "scalability",
    "community",
    "use-cases",
)

REQUIRED_CRITERIA = {
    *TABLE_CRITERIA,
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
    "async-support",
    "data-validation",
    "openapi",
    "websockets",
    "type-hints",
    "maturity",
}

REFUTED, CONTESTED, SUPPORTED, UNSUPPORTED = "refuted", "contested", "supported", "unsupported"
# Passages of the article that are wrong or contradict the article itself, with the framework and
# criterion of the claim that records them and the verdict that claim must come out with: refuted
# where the frameworks' own licence or documentation shows it wrong, contested where only the
# article disagrees with itself.
ARTICLE_ERRORS = (
    ("Django has a more complex pricing structure", DJANGO, "cost", REFUTED),
    ("Flask and Django both offer built-in admin interfaces", FLASK, "admin-panel", REFUTED),
    ("Flask’s admin interface is minimalistic and straightforward", FLASK, "admin-panel", REFUTED),
    ("It follows a microservices architecture", FLASK, "flexibility", REFUTED),
    (
        "Flask is a micro-framework and does not come with built-in features",
        FLASK,
        "built-in-features",
        REFUTED,
    ),
    ("and support for different database systems", FLASK, "database-support", REFUTED),
    ("account verification", DJANGO, "authentication", REFUTED),
    ("customizable dashboards", DJANGO, "admin-panel", REFUTED),
    ("improving the overall performance of the application", DJANGO, "performance", REFUTED),
    ("Django’s predefined structure may require more effort", DJANGO, "scalability", REFUTED),
    ("It was created in 2005", DJANGO, "community", REFUTED),
    ("ease of use for beginners", DJANGO, "learning-curve", CONTESTED),
    ("making it easier for developers to get started quickly", DJANGO, "learning-curve", CONTESTED),
    ("Flask is used by smaller companies and startups", FLASK, "use-cases", CONTESTED),
    ("a framework that excels in performance", DJANGO, "performance", CONTESTED),
    ("Django takes the lead", DJANGO, "scalability", CONTESTED),
    ("Flask allows for more granular control", FLASK, "scalability", CONTESTED),
)

# Excerpts are quotes, not whole pages: a licence clause with its conditions is the longest.
MAX_EXCERPT = 400
MAX_LICENCE_EXCERPT = 750


# --- reading the sources -----------------------------------------------------------------------


@cache
def read_source(name):
    return (SOURCES_DIR / name).read_text(encoding="utf-8")


@cache
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


# --- whole sentences ---------------------------------------------------------------------------

# A sentence ends with . ! or ? and any closing quotes, brackets or reST markup after it.
SENTENCE_END = re.compile(r"[.!?][\"'”’)*`_]*$")
LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d+\.|#\.)[ \t]+")
UNDERLINE = re.compile(r"([=\-~`^\"'*+#])\1{2,}")


def _line_from(text, start):
    end = text.find("\n", start)
    return text[start : len(text) if end == -1 else end]


def starts_a_sentence(text, start, unit_starts=()):
    """Whether a quote starting here starts a sentence, list item, heading or table cell."""
    if start == 0 or start in unit_starts:
        return True
    line_start = text.rfind("\n", 0, start) + 1
    prefix = text[line_start:start]
    if LIST_ITEM.fullmatch(prefix):
        return True
    if not prefix.strip():  # first thing on its line: a new paragraph, or after a full stop
        if line_start == 0:
            return True
        previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1].strip()
        return (
            not previous
            or bool(SENTENCE_END.search(previous))
            or bool(UNDERLINE.fullmatch(previous))
        )
    before = prefix.rstrip()  # mid-line: after a full stop and a space
    return before != prefix and bool(SENTENCE_END.search(before))


def ends_a_sentence(text, end, unit_ends=()):
    """Whether a quote ending here ends a sentence, or a list item, heading or table cell."""
    if end in unit_ends:
        return True
    head = text[:end]
    if not head or head[-1].isspace():
        return False
    if SENTENCE_END.search(head):
        return end == len(text) or text[end].isspace()
    if head.endswith((":", ",", ";", "-", "–")):  # a lead-in or a clause, never a whole sentence
        return False
    # Without a full stop, only where a paragraph, list item or heading ends.
    line_end = text.find("\n", end)
    if line_end == -1:
        return not text[end:].strip()
    if text[end:line_end].strip():
        return False
    following = _line_from(text, line_end + 1).strip()
    return (
        not following
        or bool(LIST_ITEM.match(following + " "))
        or bool(UNDERLINE.fullmatch(following))
    )


def quotes_whole_sentences(text, excerpt, unit_starts=(), unit_ends=()):
    """True when some occurrence of excerpt in text begins and ends on sentence boundaries."""
    start = text.find(excerpt)
    while start != -1:
        if starts_a_sentence(text, start, unit_starts) and ends_a_sentence(
            text, start + len(excerpt), unit_ends
        ):
            return True
        start = text.find(excerpt, start + 1)
    return False


@cache
def table_cell_bounds():
    """(starts, ends) of the article's table cells, which may end without a full stop."""
    article = read_source(ARTICLE_FILE)
    starts, ends = set(), set()
    for cells in TABLE_CELLS.values():
        for cell in cells:
            position = article.index(cell)
            starts.add(position)
            ends.add(position + len(cell))
    return frozenset(starts), frozenset(ends)


def is_whole_quote(source_pk, excerpt):
    bounds = table_cell_bounds() if source_pk == ARTICLE_PK else ((), ())
    return quotes_whole_sentences(source_text(source_pk), excerpt, *bounds)


# --- the verdict rule, over the fixture file -----------------------------------------------------


def own_verdict(support, contradiction):
    """Issue 10's rule, from the best supporting and contradicting reliabilities (0: none)."""
    if not support and not contradiction:
        return UNSUPPORTED
    if not contradiction:
        return SUPPORTED
    if not support or contradiction - support >= 2:
        return REFUTED
    if support - contradiction >= 2:
        return SUPPORTED
    return CONTESTED


def derive_verdict(support, contradiction):
    """The project's rule (comparisons.evidence) when it exists, otherwise the one above."""
    if _derive_verdict is None:
        return own_verdict(support, contradiction)
    verdict = _derive_verdict(support, contradiction)
    if isinstance(verdict, tuple):  # (verdict, reason)
        verdict = verdict[0]
    return str(verdict)


VERDICT_FACTOR = {SUPPORTED: 1.0, CONTESTED: 0.5, REFUTED: 0.0, UNSUPPORTED: 0.0}


@cache
def fixture_objects():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def objects(model):
    return {o["pk"]: o["fields"] for o in fixture_objects() if o["model"] == f"comparisons.{model}"}


@cache
def claim_evidence():
    """{claim pk: dict(fields, citations, support, contradiction, verdict, effective_weight)}."""
    sources = objects("source")
    citations = defaultdict(list)
    for citation in objects("citation").values():
        citations[citation["claim"]].append(citation)
    criteria = {pk: fields["slug"] for pk, fields in objects("criterion").items()}
    evidence = {}
    for pk, fields in objects("claim").items():
        cited = citations[pk]
        best = {
            stance: max(
                (sources[c["source"]]["reliability"] for c in cited if c["stance"] == stance),
                default=0,
            )
            for stance in ("supports", "contradicts")
        }
        verdict = fields["verdict_override"] or derive_verdict(
            best["supports"], best["contradicts"]
        )
        strength = (best["supports"] / AUTHORITATIVE) ** 2
        evidence[pk] = {
            **fields,
            "pk": pk,
            "criterion_slug": criteria[fields["criterion"]],
            "citations": cited,
            "support": best["supports"],
            "contradiction": best["contradicts"],
            "verdict": verdict,
            "effective_weight": fields["weight"] * strength * VERDICT_FACTOR[verdict],
        }
    return evidence


def public_claims():
    return [c for c in claim_evidence().values() if c["status"] == "published" and c["citations"]]


def aggregate(framework, criterion_slug):
    """(score or None, counted claims) over effective weights, as issue 10 defines them."""
    counted = [
        c
        for c in public_claims()
        if c["framework"] == framework
        and c["criterion_slug"] == criterion_slug
        and c["effective_weight"] > 0
    ]
    weights = sum(c["effective_weight"] for c in counted)
    if not weights:
        return None, counted
    return sum(c["score"] * c["effective_weight"] for c in counted) / weights, counted


@pytest.fixture
def loaded(db):
    call_command("loaddata", "starting_content", verbosity=0)


# --- the file and its saved sources ------------------------------------------------------------


def test_fixture_is_pretty_printed_for_review():
    text = FIXTURE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_article_copy_is_identical_to_the_shared_seed():
    if not SHARED_SEED.exists():
        pytest.skip(f"{SHARED_SEED} is not present")
    assert read_source(ARTICLE_FILE) == SHARED_SEED.read_text(encoding="utf-8")


def test_article_table_rows_are_the_cells_the_checks_expect():
    lines = read_source(ARTICLE_FILE).splitlines()
    for row, (flask_cell, django_cell) in TABLE_CELLS.items():
        pattern = rf"{re.escape(row)} {re.escape(flask_cell)}\s+{re.escape(django_cell)}\s*"
        assert [line for line in lines if re.fullmatch(pattern, line)], row


def test_every_saved_source_is_described_in_the_readme_with_its_version():
    readme = SOURCES_README.read_text(encoding="utf-8")
    # Files only: the folders beside them hold the further frameworks' sources, each listed in
    # its own index.json (tests/comparisons/test_framework_content.py checks those).
    saved = {path.name for path in SOURCES_DIR.iterdir() if path.is_file()}
    saved -= {"README.md", "index.json"}
    assert saved == set(SOURCE_FILES.values()), "index.json and fixtures/sources/ disagree"
    sources = objects("source")
    for pk, name in SOURCE_FILES.items():
        row = next((line for line in readme.splitlines() if f"`{name}`" in line), None)
        assert row, f"{name} is not listed in fixtures/sources/README.md"
        if pk == ARTICLE_PK:
            continue
        version = re.search(r"\((\d+\.\d+\.\d+)\)|(\d+\.\d+\.\d+)$", sources[pk]["title"])
        assert version, f"source {pk}'s title names no release: {sources[pk]['title']}"
        assert (version[1] or version[2]) in row, (name, version.group())


def test_the_index_lists_every_source_with_its_format_version_and_origin():
    assert set(map(int, SOURCES_INDEX_ENTRIES)) == set(objects("source"))
    formats = {"text", "markdown", "rst", "html"}
    sources = objects("source")
    for pk, entry in SOURCES_INDEX_ENTRIES.items():
        assert entry["format"] in formats and entry["origin"].strip(), pk
        if int(pk) == DJANGO_LICENCE_PK:
            assert (entry["package"], entry["package_file"]) == ("django", "LICENSE")
        elif int(pk) != ARTICLE_PK:
            release = re.search(r"\d+\.\d+\.\d+", entry["version"])
            assert release and release.group() in sources[int(pk)]["title"], pk
        # Django's documentation is reStructuredText in .txt files.
        if entry.get("file", "").endswith(".rst") or entry.get("file", "").startswith("django-"):
            assert entry["format"] == "rst", pk


def test_documentation_sources_name_their_release_and_are_authoritative():
    for source in objects("source").values():
        if source["kind"] in ("documentation", "source_code"):
            assert re.search(r"\d+\.\d+\.\d+", source["title"]), source["title"]
            assert source["reliability"] == AUTHORITATIVE, source["title"]
            assert source["publisher"], source["title"]


# --- loading -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loads_on_an_empty_database():
    assert not Claim.objects.exists() and not Source.objects.exists()

    call_command("loaddata", "starting_content", verbosity=0)

    assert Framework.objects.count() == 2
    assert Criterion.objects.count() == 25
    assert Source.objects.count() == len(SOURCE_FILES) + 1  # and Django's licence
    assert Claim.objects.count() >= 60
    assert Citation.objects.count() >= Claim.objects.count()


def test_every_object_passes_model_validation(loaded):
    for model in (Framework, Criterion, Source, Claim, Citation):
        for obj in model.objects.all():
            obj.full_clean()


def test_frameworks_are_flask_and_django_with_their_real_facts(loaded):
    facts = {
        fw.slug: (fw.pk, fw.homepage, fw.repository, fw.licence, fw.first_release_year, fw.language)
        for fw in Framework.objects.all()
    }
    assert facts["flask"] == (
        FLASK,
        "https://flask.palletsprojects.com/",
        "https://github.com/pallets/flask",
        "BSD-3-Clause",
        2010,
        "Python",
    )
    assert facts["django"] == (
        DJANGO,
        "https://www.djangoproject.com/",
        "https://github.com/django/django",
        "BSD-3-Clause",
        2005,
        "Python",
    )
    for fw in Framework.objects.all():
        assert fw.is_published and fw.tagline and fw.description
    # The releases the saved sources were taken at, and their PKG-INFO's Requires-Python.
    releases = {fw.slug: (fw.current_version, fw.python_requires) for fw in Framework.objects.all()}
    assert releases == {"django": ("5.2.19", ">=3.10"), "flask": ("3.1.3", ">=3.9")}


def test_criteria_cover_the_article_table_and_the_agreed_slugs(loaded):
    criteria = list(Criterion.objects.all())
    assert len(criteria) == 25
    assert {c.slug for c in criteria} == REQUIRED_CRITERIA
    for row, slug in zip(TABLE_ROWS, TABLE_CRITERIA, strict=True):
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
    assert licence.url.startswith("https://github.com/django/django/blob/")
    assert licence.url.endswith("/LICENSE")
    assert licence.kind == Source.Kind.SOURCE_CODE
    assert licence.reliability == Source.Reliability.AUTHORITATIVE


# --- claims: workflow and verdicts -------------------------------------------------------------


def test_there_are_enough_claims_for_both_frameworks():
    claims = claim_evidence().values()
    for framework in (DJANGO, FLASK):
        assert sum(c["framework"] == framework for c in claims) >= 25
    assert sum(c["status"] == "published" for c in claims) >= 50


def test_statuses_are_the_editors_workflow_only():
    """There is no "disputed" status: what the evidence says is the verdict's job."""
    for claim in claim_evidence().values():
        assert claim["status"] in ("draft", "published", "retracted"), claim["pk"]


def test_verdicts_are_derived_not_overridden():
    for claim in claim_evidence().values():
        assert claim["verdict_override"] == "", claim["pk"]
        assert claim["verdict_override_reason"] == "", claim["pk"]


def test_every_public_claim_has_a_citation():
    for claim in claim_evidence().values():
        if claim["status"] == "published":
            assert claim["citations"], claim["pk"]
            assert claim["verdict"] != UNSUPPORTED, claim["pk"]


def test_every_public_claim_has_a_citation_once_loaded(loaded):
    assert Claim.objects.filter(status=Claim.Status.PUBLISHED).exists()
    assert not Claim.objects.filter(status=Claim.Status.PUBLISHED).without_citations().exists()


def test_every_claim_has_a_supporting_citation():
    for claim in claim_evidence().values():
        assert claim["support"] > 0, claim["pk"]


def test_own_rule_agrees_with_the_projects_rule():
    for support in range(6):
        for contradiction in range(6):
            assert derive_verdict(support, contradiction) == own_verdict(support, contradiction)


def test_claims_that_authoritative_sources_contradict_are_refuted():
    strongly_contradicted = [
        c
        for c in public_claims()
        if c["contradiction"] == AUTHORITATIVE and c["contradiction"] - c["support"] >= 2
    ]
    assert len(strongly_contradicted) >= 10
    for claim in strongly_contradicted:
        assert claim["verdict"] == REFUTED, claim["pk"]
        assert claim["effective_weight"] == 0, claim["pk"]


def test_contested_and_refuted_claims_say_why():
    disagreed = [c for c in public_claims() if c["verdict"] in (CONTESTED, REFUTED)]
    assert {c["verdict"] for c in disagreed} == {CONTESTED, REFUTED}
    for claim in disagreed:
        assert claim["editor_note"].strip(), claim["pk"]


def test_drafts_say_why_they_are_not_published():
    for claim in claim_evidence().values():
        if claim["status"] == "draft":
            assert claim["editor_note"].strip(), claim["pk"]


def test_claims_were_not_written_by_a_user():
    for claim in claim_evidence().values():
        assert claim["created_by"] is None and claim["updated_by"] is None, claim["pk"]


def test_loaded_claims_get_the_same_verdicts(loaded):
    claims = Claim.objects.prefetch_related("citations__source")
    if not hasattr(Claim, "assessment"):
        pytest.skip("Claim has no assessment yet")
    expected = claim_evidence()
    for claim in claims:
        assert claim.assessment.verdict == expected[claim.pk]["verdict"], claim.pk


@pytest.mark.parametrize(("passage", "framework", "criterion", "verdict"), ARTICLE_ERRORS)
def test_errors_in_the_article_are_recorded_with_the_right_verdict(
    passage, framework, criterion, verdict
):
    claims = [
        c
        for c in public_claims()
        if c["framework"] == framework
        and c["criterion_slug"] == criterion
        and any(
            cit["source"] == ARTICLE_PK
            and cit["stance"] == "supports"
            and passage in cit["excerpt"]
            for cit in c["citations"]
        )
    ]
    assert claims, f"no published claim records {passage!r}"
    for claim in claims:
        assert claim["verdict"] == verdict, (claim["pk"], claim["statement"])
        if verdict == REFUTED:
            assert claim["contradiction"] == AUTHORITATIVE, claim["pk"]


def test_django_pricing_error_is_refuted_by_the_licence():
    cost = [c for c in claim_evidence().values() if c["criterion_slug"] == "cost"]
    (wrong,) = [c for c in cost if c["framework"] == DJANGO and c["verdict"] == REFUTED]
    assert any(
        cit["source"] == DJANGO_LICENCE_PK and cit["stance"] == "contradicts"
        for cit in wrong["citations"]
    )
    (correct,) = [c for c in cost if c["framework"] == DJANGO and c["verdict"] == SUPPORTED]
    assert correct["status"] == "published" and correct["score"] == 2
    assert any(
        cit["source"] == DJANGO_LICENCE_PK and cit["stance"] == "supports"
        for cit in correct["citations"]
    )


def test_djangos_cost_score_is_not_below_flasks():
    django_score, _ = aggregate(DJANGO, "cost")
    flask_score, _ = aggregate(FLASK, "cost")
    assert django_score is not None and flask_score is not None
    assert django_score >= flask_score


def test_flask_admin_is_published_as_absent():
    counted = aggregate(FLASK, "admin-panel")[1]
    assert counted
    for claim in counted:
        assert claim["score"] < 0, claim["pk"]
        assert claim["verdict"] == SUPPORTED and claim["support"] == AUTHORITATIVE


def test_every_pair_has_strong_evidence_or_none():
    """Each framework × criterion has a supported claim resting on a source rated 4 or 5, or no
    claim that counts (the page then says "No evidence"): never the article alone."""
    for criterion in REQUIRED_CRITERIA:
        for framework in (DJANGO, FLASK):
            _, counted = aggregate(framework, criterion)
            if counted:
                assert any(c["verdict"] == SUPPORTED and c["support"] >= 4 for c in counted), (
                    framework,
                    criterion,
                )


def test_the_article_table_criteria_have_public_claims_for_both_frameworks():
    for criterion in TABLE_CRITERIA:
        for framework in (DJANGO, FLASK):
            score, _ = aggregate(framework, criterion)
            assert score is not None, (framework, criterion)


def test_the_gaps_named_in_issue_10_are_filled_from_the_documentation():
    gaps = {(FLASK, "security"): 15, (DJANGO, "dev-server"): 19}
    for (framework, criterion), source_pk in gaps.items():
        _, counted = aggregate(framework, criterion)
        assert any(
            c["verdict"] == SUPPORTED
            and any(
                cit["source"] == source_pk and cit["stance"] == "supports" for cit in c["citations"]
            )
            for c in counted
        ), (framework, criterion)


# --- excerpts ------------------------------------------------------------------------------------


def test_article_excerpts_are_verbatim_and_located_by_their_section():
    article = read_source(ARTICLE_FILE)
    citations = [c for c in objects("citation").values() if c["source"] == ARTICLE_PK]
    assert len(citations) >= 40
    for citation in citations:
        assert citation["excerpt"] in article, citation["excerpt"]
        assert citation["location"] == article_location(citation["excerpt"]), citation["excerpt"]


def test_other_excerpts_are_verbatim_in_the_saved_source_texts():
    citations = [c for c in objects("citation").values() if c["source"] != ARTICLE_PK]
    assert any(c["source"] == DJANGO_LICENCE_PK for c in citations)
    for citation in citations:
        assert citation["excerpt"] in source_text(citation["source"]), (
            citation["source"],
            citation["excerpt"],
        )


def test_every_source_has_a_saved_text():
    for pk in objects("source"):
        assert source_text(pk).strip(), pk


def test_documentation_citations_name_the_section_they_quote():
    sources = objects("source")
    for citation in objects("citation").values():
        if sources[citation["source"]]["kind"] == "documentation":
            text = source_text(citation["source"])
            heading = nearest_rst_heading(text, text.index(citation["excerpt"]))
            assert citation["location"] == heading, (citation["source"], citation["excerpt"])


def test_excerpts_quote_whole_sentences():
    """A quote cut mid-sentence can reverse its meaning: each starts and ends on a boundary."""
    for pk, citation in objects("citation").items():
        assert is_whole_quote(citation["source"], citation["excerpt"]), (pk, citation["excerpt"])


@pytest.mark.parametrize(
    ("source_pk", "excerpt"),
    [
        # Cut before the end of the sentence.
        (8, "The admin has many hooks for customization, but beware of trying to use those"),
        (ARTICLE_PK, "While Flask is free and open-source"),
        # Started mid-sentence.
        (9, "is an open source license granting broad permissions to modify and redistribute"),
        (
            ARTICLE_PK,
            "Django’s advanced features and robust framework make it the preferred choice",
        ),
        # A lead-in without what it leads to.
        (12, "Django officially supports the following databases:"),
        # Part of a table cell.
        (ARTICLE_PK, "Flask is a micro-framework and does not come with built-in"),
    ],
)
def test_the_whole_sentence_check_rejects_truncated_quotes(source_pk, excerpt):
    assert excerpt in source_text(source_pk)
    assert not is_whole_quote(source_pk, excerpt)


def test_excerpts_are_quotes_not_whole_pages():
    sources = objects("source")
    for citation in objects("citation").values():
        limit = (
            MAX_LICENCE_EXCERPT
            if sources[citation["source"]]["kind"] == "source_code"
            else MAX_EXCERPT
        )
        assert 0 < len(citation["excerpt"]) <= limit, citation["excerpt"]
