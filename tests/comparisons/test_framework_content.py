"""The content for each further framework: fixtures/frameworks/<slug>.json.

Each file holds one framework with its sources, claims and citations. Its sources' saved texts
are under fixtures/sources/<slug>/, listed in fixtures/sources/<slug>/index.json: for every
source pk, the saved file, the release it was taken at and where it came from. Every excerpt is
checked verbatim, as whole sentences, against that text; every claim has a citation; and each
framework has strong evidence (a source rated 4 or 5 supporting a public claim) on most criteria.
"""

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from comparisons import evidence
from comparisons.models import Citation, Claim, Criterion, Framework, Source
from tests.comparisons.test_starting_content import quotes_whole_sentences

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FRAMEWORK_FILES = sorted((FIXTURES / "frameworks").glob("*.json"))
STRONG = 4
STRONG_COVERAGE = 0.6
FACTS = (
    "name",
    "slug",
    "tagline",
    "description",
    "homepage",
    "repository",
    "licence",
    "first_release_year",
    "current_version",
    "python_requires",
)

pytestmark = pytest.mark.skipif(not FRAMEWORK_FILES, reason="no further frameworks yet")


@cache
def content(path):
    objects = defaultdict(dict)
    for obj in json.loads(path.read_text(encoding="utf-8")):
        objects[obj["model"].removeprefix("comparisons.")][obj["pk"]] = obj["fields"]
    return objects


@cache
def snapshots(slug):
    return json.loads((FIXTURES / "sources" / slug / "index.json").read_text(encoding="utf-8"))


@cache
def snapshot_text(slug, source_pk):
    entry = snapshots(slug)[str(source_pk)]
    return (FIXTURES / "sources" / slug / entry["file"]).read_text(encoding="utf-8")


def criteria_count():
    starting = json.loads((FIXTURES / "starting_content.json").read_text(encoding="utf-8"))
    return sum(obj["model"] == "comparisons.criterion" for obj in starting)


def framework_of(path):
    (framework,) = content(path)["framework"].values()
    return framework


by_file = pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda path: path.stem)


@by_file
def test_each_file_is_one_framework_pretty_printed_for_review(path):
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    framework = framework_of(path)
    assert framework["slug"] == path.stem
    assert framework["is_published"]
    for fact in FACTS:
        assert framework.get(fact), f"{path.stem} has no {fact}"
    assert set(content(path)) <= {"framework", "source", "claim", "citation"}


@by_file
def test_every_source_has_a_saved_text_at_a_named_release(path):
    slug = path.stem
    for pk, source in content(path)["source"].items():
        entry = snapshots(slug).get(str(pk))
        assert entry, f"source {pk} is not in fixtures/sources/{slug}/index.json"
        assert entry["release"] and entry["origin"], entry
        assert entry["release"] in source["title"], (pk, source["title"], entry["release"])
        assert snapshot_text(slug, pk).strip()
        assert source["url"].startswith("https://"), source["url"]


@by_file
def test_every_excerpt_is_verbatim_whole_sentences_of_its_saved_source(path):
    slug = path.stem
    objects = content(path)
    for citation in objects["citation"].values():
        assert citation["source"] in objects["source"], "cite this file's own sources"
        text = snapshot_text(slug, citation["source"])
        excerpt = citation["excerpt"]
        assert excerpt in text, (citation["source"], excerpt)
        assert quotes_whole_sentences(text, excerpt), ("cut mid-sentence", excerpt)
        assert citation["location"].strip(), excerpt


@by_file
def test_every_claim_is_about_this_framework_and_has_supporting_evidence(path):
    objects = content(path)
    (framework_pk,) = objects["framework"]
    stances = defaultdict(set)
    for citation in objects["citation"].values():
        stances[citation["claim"]].add(citation["stance"])
    for pk, claim in objects["claim"].items():
        assert claim["framework"] == framework_pk
        assert Citation.Stance.SUPPORTS in stances[pk], f"claim {pk} has no supporting citation"
        assert not claim.get("verdict_override"), "let the citations give the verdict"
        assert claim["created_by"] is None and claim["updated_by"] is None


@by_file
def test_strong_evidence_on_most_criteria(path):
    objects = content(path)
    strong = set()
    for citation in objects["citation"].values():
        claim = objects["claim"][citation["claim"]]
        reliability = objects["source"][citation["source"]]["reliability"]
        if (
            claim["status"] == Claim.Status.PUBLISHED
            and citation["stance"] == Citation.Stance.SUPPORTS
            and reliability >= STRONG
        ):
            strong.add(claim["criterion"])
    assert len(strong) >= STRONG_COVERAGE * criteria_count(), (path.stem, sorted(strong))


@pytest.mark.django_db
def test_everything_loads_together_on_an_empty_database():
    call_command("load_starting_content", verbosity=0)

    published = Framework.objects.published()
    assert published.count() >= 2 + len(FRAMEWORK_FILES)
    for model in (Framework, Criterion, Source, Claim, Citation):
        for obj in model.objects.all():
            obj.full_clean()
    for path in FRAMEWORK_FILES:
        framework = published.get(slug=path.stem)
        public = Claim.objects.published().for_framework(framework).with_evidence()
        assert public.exists()
        for claim in public:
            assert claim.assessment.verdict != evidence.Verdict.UNSUPPORTED
