"""Property-based fuzz of every public page and every form: never a 5xx, nothing saved if invalid.

Six targets, over the starting content and the questionnaire:

- every public URL of comparisons.urls and advisor.urls (enumerated, so a new page is fuzzed too),
  with fuzzed path arguments and query strings: always 200, 400 or 404;
- the advisor's questionnaire (POST): validity is computed independently of the form, and a valid
  submission is a 303 to a saved consultation, an invalid one a 400 with nothing saved;
- the compare picker (GET): 200 or 400 exactly as an independent reading of the rules says;
- the claims filter (GET, HTML and exports): a filter made only of known-good values returns
  exactly the claims a plain-Python filter finds; any other returns only public claims, or a 400;
- the admin's add-claim form with its citation inline, as an editor, over sources with snapshots:
  a redirect saves exactly one claim that keeps the evidence rules (never published with a quote
  its source does not hold, and every quote's stored check is what checking it again finds);
  anything else saves nothing;
- the admin's add-snapshot form, with uploads of any bytes, names and encodings and pasted text:
  a redirect saves exactly one readable snapshot and re-checks its source's quotes against it;
  anything else (a binary, huge or undecodable file among them) saves nothing and says why.

Values mix known-good ones with garbage: unicode, NUL bytes, huge and negative numbers, floats,
empty strings, repeated keys and unknown keys. Cases run are counted in the terminal summary.
"""

import csv
import io
import json
import os
import re
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import advisor.urls
import comparisons.urls
from advisor import services
from advisor.models import Consultation, Question
from comparisons import source_text, verification
from comparisons.filters import MAX_SEARCH_WORDS, ClaimFilter
from comparisons.forms import MAX_ID, CompareForm
from comparisons.knowledge import MAX_COMPARED
from comparisons.management.commands.load_starting_content import add_snapshots
from comparisons.models import Citation, Claim, Criterion, Framework, Source, SourceSnapshot
from tests.factories import make_framework
from tests.robustness import report
from tests.robustness.conftest import as_post, form_data

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Cases per target, 10,250 in all, weighted towards the cheaper targets so that the whole fuzz
# stays near 3 minutes per database on a 2-core machine (a case costs from about 8 ms, a public
# page, to 50 ms on SQLite and 90 ms on PostgreSQL, the admin form re-rendered with its errors).
# STACKWISE_FUZZ_SCALE=0.1 runs a tenth of them, for a quick try.
SCALE = float(os.environ.get("STACKWISE_FUZZ_SCALE", "1"))
CASES = {
    "public GET": 5250,
    "advisor POST": 2000,
    "compare picker": 1000,
    "claims filter": 1250,
    "admin add-claim": 750,
    "admin add-snapshot": 300,
}
MINIMUM_TOTAL = 10_000


def fuzz(target):
    return settings(
        max_examples=max(1, round(CASES[target] * SCALE)),
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


def count(report, target):
    report[f"fuzz cases: {target}"] += 1


# --- values ---------------------------------------------------------------------------------

SPECIAL_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "NaN",
    "nan",
    "-Infinity",
    "inf",
    "1e999999",
    "-1e-999",
    "-0",
    "0",
    "-1",
    "1.5",
    "1,5",
    "１２",  # full-width digits: int() accepts them
    "٣",  # an Arabic-Indic digit
    str(MAX_ID),
    str(MAX_ID + 1),
    str(-(2**63)),
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "0x1F",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u202e\u0000\ufeff",
    "😀",
    "\r\n",
    ",",
    ",,",
    "django,,flask,",
]

garbage = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.text(max_size=40),
    st.text(alphabet="\x00 ,-.%&=+;:'\"<>\\/0123456789eE", max_size=20),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(str),
    # Longer than Python's int() accepts (4,300 digits), and longer than any field.
    st.integers(min_value=200, max_value=6000).map(lambda n: "9" * n),
)
# Field names a multipart body can carry as they are (no quotes, line breaks or NUL).
random_keys = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters='"\\\r\n\x00'), max_size=15),
    st.sampled_from(["csrfmiddlewaretoken", "_", "q[]", "q0", "q999", "Q1"]),
)


# A raw query string, not url-encoded: stray "%", "&", "=" and ";" as a careless client sends them.
raw_queries = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789%&=;+,-._~ \x00é😀", max_size=60
).map(lambda text: quote(text, safe="%&=;+,"))


def read(response):
    """The body, reading a streamed export to the end (its errors happen while streaming)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def content(db):
    call_command("loaddata", "starting_content", "questionnaire", verbosity=0)


@pytest.fixture
def content_with_snapshots(content):
    """The starting content with its sources' snapshots, every quote checked against them."""
    add_snapshots()


# --- public pages -----------------------------------------------------------------------------


def public_routes():
    """(url name, {argument: converter}) of every page of comparisons.urls and advisor.urls."""
    for module in (comparisons.urls, advisor.urls):
        for pattern in module.urlpatterns:
            yield f"{module.app_name}:{pattern.name}", dict(pattern.pattern.converters)


def known_good_values():
    """Values the public pages accept, so that fuzzing also runs their valid paths."""
    frameworks = list(Framework.objects.values_list("slug", flat=True))
    return [
        *frameworks,
        ",".join(frameworks),
        *Criterion.objects.values_list("slug", flat=True),
        *Criterion.Category.values,
        *Claim.Status.values,
        *Source.Kind.values,
        *(str(pk) for pk in Source.objects.values_list("pk", flat=True)),
        *(value for value, _ in ClaimFilter.base_filters["ordering"].extra["choices"]),
        "csv",
        "json",
        *(str(n) for n in range(-3, 6)),
        "true",
        "false",
        "yes",
        "no",
        "django admin",
        "Flask",
    ]


def path_arguments(converters, slugs, consultation_ids):
    strategies = {}
    for name, converter in converters.items():
        kind = type(converter).__name__
        if kind == "SlugConverter":
            strategies[name] = st.one_of(
                st.sampled_from(slugs), st.from_regex(r"[-a-zA-Z0-9_]{1,80}", fullmatch=True)
            )
        elif kind == "UUIDConverter":
            strategies[name] = st.one_of(st.sampled_from(consultation_ids), st.uuids())
        elif kind == "IntConverter":
            strategies[name] = st.integers(min_value=0, max_value=2**80)
        else:  # a new kind of URL argument: teach the fuzz to make one
            raise AssertionError(f"No strategy for URL argument {name!r} ({kind})")
    return st.fixed_dictionaries(strategies)


def test_every_public_page_answers_any_query_without_a_server_error(
    client, content, robustness_report
):
    questions = services.load_questionnaire()
    for pick in range(2):
        services.advise(answers_for(questions, pick=pick)).save()
    consultation_ids = list(Consultation.objects.values_list("pk", flat=True))
    slugs = [
        *Framework.objects.values_list("slug", flat=True),
        *Criterion.objects.values_list("slug", flat=True),
    ]
    routes = [
        (name, path_arguments(converters, slugs, consultation_ids))
        for name, converters in public_routes()
    ]
    keys = st.one_of(
        st.sampled_from(
            sorted({*CompareForm.base_fields, *ClaimFilter.base_filters, "format", "page"})
        ),
        random_keys,
    )
    values = st.one_of(st.sampled_from(known_good_values()), garbage)
    queries = st.one_of(
        st.lists(st.tuples(keys, values), max_size=8).map(urlencode),
        raw_queries,
    )

    @fuzz("public GET")
    @given(data=st.data())
    def case(data):
        name, arguments = data.draw(st.sampled_from(routes))
        path = reverse(name, kwargs=data.draw(arguments))
        query = data.draw(queries)
        response = client.get(f"{path}?{query}" if query else path)
        read(response)
        assert response.status_code in (200, 400, 404), (path, query)
        count(robustness_report, "public GET")

    case()


# --- the advisor's questionnaire ------------------------------------------------------------


def answers_for(questions, pick=0):
    """Valid answers (QuestionnaireForm.answers() shape): the `pick`-th option of each question."""
    return [
        {
            "question": question.pk,
            "text": question.text,
            "options": [question.choices[pick % len(question.choices)].pk],
            "labels": [question.choices[pick % len(question.choices)].label],
        }
        for question in questions
    ]


def questionnaire_is_valid(pairs, questions):
    """The questionnaire's rules, read independently of QuestionnaireForm."""
    data = MultiValueDict()
    for name, value in pairs:
        data.appendlist(name, value)
    for question in questions:
        values = data.getlist(f"q{question.pk}")
        own = {str(option.pk) for option in question.choices}
        if question.kind == Question.Kind.SINGLE:
            if len(values) > 1:
                return False
            if not values or values[0] == "":
                if question.is_required:
                    return False
                continue
            if values[0] not in own:
                return False
        else:
            if not values:
                if question.is_required:
                    return False
                continue
            if any(value not in own for value in values) or len(set(values)) != len(values):
                return False
    return True


def test_the_questionnaire_saves_exactly_the_valid_submissions(
    client, content, robustness_report, settings
):
    settings.RATELIMIT_ENABLE = False  # a flood by design: the rate limit has tests of its own
    questions = services.load_questionnaire()
    all_options = [str(option.pk) for question in questions for option in question.choices]
    names = [f"q{question.pk}" for question in questions]

    def own_values(question):
        own = [str(option.pk) for option in question.choices]
        return st.one_of(
            st.sampled_from(own),
            st.sampled_from(own).map(lambda v: f" {v}"),
            st.sampled_from(own).map(lambda v: f"0{v}"),
            st.sampled_from(own).map(lambda v: f"{v}.0"),
        )

    def answer(question):
        own = [str(option.pk) for option in question.choices]
        if question.kind == Question.Kind.SINGLE:
            valid = st.sampled_from(own).map(lambda v: [v])
        else:
            valid = st.lists(st.sampled_from(own), unique=True, max_size=len(own))
        return valid

    def mutation(question):
        return st.lists(
            st.one_of(own_values(question), st.sampled_from(all_options), garbage), max_size=4
        )

    @st.composite
    def submissions(draw):
        answers = {name: draw(answer(q)) for name, q in zip(names, questions, strict=True)}
        for index in draw(st.lists(st.integers(0, len(questions) - 1), max_size=3)):
            answers[names[index]] = draw(mutation(questions[index]))
        pairs = [(name, value) for name, values in answers.items() for value in values]
        pairs = draw(st.permutations(pairs)) if draw(st.booleans()) else pairs
        pairs += draw(st.lists(st.tuples(random_keys, garbage), max_size=3))
        return pairs

    # Now and then a body above DATA_UPLOAD_MAX_MEMORY_SIZE or DATA_UPLOAD_MAX_NUMBER_FIELDS
    # (rarely: parsing them is slow).
    limits = st.sampled_from([[]] * 30 + [[("filler", "x" * (300 * 1024))], [("f", "1")] * 2100])

    @fuzz("advisor POST")
    @given(pairs=submissions(), extra=limits, multipart=st.booleans())
    def case(pairs, extra, multipart):
        valid = not extra and questionnaire_is_valid(pairs, questions)
        before = set(Consultation.objects.values_list("pk", flat=True))
        if multipart:
            data = MultiValueDict()
            for name, value in pairs + extra:
                data.appendlist(name, value)
            response = client.post("/advisor/", dict(data.lists()))
        else:
            response = client.post(
                "/advisor/",
                urlencode(pairs + extra),
                content_type="application/x-www-form-urlencoded",
            )
        if valid:
            assert response.status_code == 303, response.content.decode()[:3000]
            consultation = Consultation.objects.get(pk=response["Location"].split("/")[-2])
            # The same answers again lead to the stored consultation; new ones add one row.
            assert Consultation.objects.count() == len(before) + (consultation.pk not in before)
            chosen = {str(pk) for answer in consultation.answers for pk in answer["options"]}
            # An empty value is no answer (an optional question left blank).
            assert chosen == {value for name, value in pairs if name in names and value != ""}
            assert client.get(response["Location"]).status_code == 200
        else:
            assert response.status_code == 400
            assert Consultation.objects.count() == len(before)
        count(robustness_report, "advisor POST")

    case()


# --- the compare picker ---------------------------------------------------------------------


def compare_outcome(pairs, published):
    """200 or 400, by the compare picker's rules read independently of CompareForm."""
    data = MultiValueDict()
    for name, value in pairs:
        data.appendlist(name, value)
    if "frameworks" not in data and "category" not in data:
        return 200  # the bare picker
    parts = [part.strip() for value in data.getlist("frameworks") for part in value.split(",")]
    parts = [part for part in parts if part]
    chosen = list(dict.fromkeys(parts))
    frameworks_ok = (
        bool(parts)
        and all(part in published for part in parts)
        and 2 <= len(chosen) <= MAX_COMPARED
    )
    categories = data.getlist("category")
    category = categories[-1] if categories else ""
    category_ok = category in ("", *Criterion.Category.values)
    return 200 if frameworks_ok and category_ok else 400


def test_the_compare_picker_accepts_exactly_what_its_rules_allow(
    client, content, robustness_report
):
    # Enough published frameworks to reach the "at most MAX_COMPARED" rule, and one unpublished.
    for n in range(MAX_COMPARED):
        make_framework(name=f"Extra {n}", slug=f"extra-{n}")
    hidden = make_framework(name="Hidden", slug="hidden", is_published=False)
    published = set(Framework.objects.published().values_list("slug", flat=True))
    slug_values = st.one_of(
        st.sampled_from(sorted(published)),
        st.sampled_from(sorted(published)).map(lambda slug: f"  {slug} "),
        st.sampled_from(sorted(published)).map(str.upper),
        st.just(hidden.slug),
        garbage,
    )
    framework_values = st.lists(slug_values, max_size=MAX_COMPARED + 2).map(",".join)
    category_values = st.one_of(st.sampled_from(["", *Criterion.Category.values]), garbage)
    pairs = st.lists(
        st.one_of(
            st.tuples(st.just("frameworks"), framework_values),
            st.tuples(st.just("category"), category_values),
            st.tuples(random_keys, garbage),
        ),
        max_size=5,
    )

    @fuzz("compare picker")
    @given(pairs=pairs)
    def case(pairs):
        response = client.get(f"/compare/?{urlencode(pairs)}")
        expected = compare_outcome(pairs, published)
        assert response.status_code == expected, (pairs, response.status_code)
        count(robustness_report, "compare picker")

    case()


# --- the claims filter ----------------------------------------------------------------------


class PublicClaims:
    """Every public claim in plain Python, and the claims filter's rules applied to them."""

    def __init__(self):
        claims = Claim.objects.published().select_related("framework", "criterion")
        claims = claims.prefetch_related("citations__source")
        citations = {}
        for citation in Citation.objects.select_related("source"):
            citations.setdefault(citation.claim_id, []).append(citation)
        self.claims = [
            {
                "id": claim.pk,
                "framework": claim.framework.slug,
                "criterion": claim.criterion.slug,
                "score": claim.score,
                "verdict": claim.verdict,  # the Python rule; the filter runs it as SQL
                "text": [claim.statement.lower()]
                + [c.excerpt.lower() for c in citations.get(claim.pk, [])],
                "kinds": {c.source.kind for c in citations.get(claim.pk, [])},
                "sources": {c.source_id for c in citations.get(claim.pk, [])},
            }
            for claim in claims
        ]
        self.ids = {claim["id"] for claim in self.claims}

    def expected_ids(self, data):
        claims = self.claims
        if data.get("q", "").strip():
            for word in data["q"].split()[:MAX_SEARCH_WORDS]:
                claims = [c for c in claims if any(word.lower() in t for t in c["text"])]
        for name in ("framework", "criterion"):
            if data.getlist(name):
                claims = [c for c in claims if c[name] in data.getlist(name)]
        if data.get("score_min", "") != "":
            claims = [c for c in claims if c["score"] >= int(data["score_min"])]
        if data.get("score_max", "") != "":
            claims = [c for c in claims if c["score"] <= int(data["score_max"])]
        if data.getlist("verdict"):
            claims = [c for c in claims if c["verdict"] in data.getlist("verdict")]
        if data.getlist("source_kind"):
            kinds = set(data.getlist("source_kind"))
            claims = [c for c in claims if c["kinds"] & kinds]
        if data.get("source", "").strip():
            claims = [c for c in claims if int(data["source"]) in c["sources"]]
        flag = data.get("has_citations", "").strip().lower()
        if flag:
            wanted = flag in ("true", "yes", "1", "on")
            claims = [c for c in claims if bool(c["sources"]) == wanted]
        return {c["id"] for c in claims}


def exported_ids(response, export_format):
    body = read(response).decode()
    if export_format == "json":
        payload = json.loads(body)
        assert payload["count"] == len(payload["results"])
        return [row["id"] for row in payload["results"]], payload["results"]
    rows = list(csv.DictReader(io.StringIO(body)))
    return [int(row["id"]) for row in rows], rows


def test_the_claims_filter_returns_exactly_the_matching_public_claims(
    client, content, robustness_report
):
    # Some claims no visitor may see: drafts, retracted, and claims of an unpublished framework.
    Claim.objects.filter(pk__in=Claim.objects.order_by("pk").values("pk")[:5]).update(
        status=Claim.Status.DRAFT
    )
    Claim.objects.filter(pk__in=Claim.objects.order_by("-pk").values("pk")[:5]).update(
        status=Claim.Status.RETRACTED
    )
    hidden = make_framework(name="Hidden", slug="hidden", is_published=False)
    Claim.objects.filter(pk__in=Claim.objects.order_by("pk").values("pk")[10:15]).update(
        framework=hidden
    )
    public = PublicClaims()
    words = sorted(
        {word for claim in public.claims for word in re.findall(r"[A-Za-z]{3,}", claim["text"][0])}
    )
    good = {
        "q": st.lists(st.sampled_from(words), max_size=3).map(" ".join),
        "framework": st.sampled_from(
            sorted(Framework.objects.published().values_list("slug", flat=True))
        ),
        "criterion": st.sampled_from(sorted(Criterion.objects.values_list("slug", flat=True))),
        "score_min": st.integers(-2, 2).map(str),
        "score_max": st.integers(-2, 2).map(str),
        "verdict": st.sampled_from(["supported", "contested", "refuted"]),
        "source_kind": st.sampled_from(Source.Kind.values),
        "source": st.sampled_from(sorted(Source.objects.values_list("pk", flat=True))).map(str),
        "has_citations": st.sampled_from(["", "true", "false", "Yes", " no ", "1", "0", "on"]),
        "ordering": st.sampled_from(
            ["", *(value for value, _ in ClaimFilter.base_filters["ordering"].extra["choices"])]
        ),
    }
    hidden_framework = st.just(("framework", hidden.slug))
    parameter = st.sampled_from(sorted(good)).flatmap(
        lambda name: st.tuples(st.just(name), good[name])
    )
    bad_parameter = st.one_of(
        st.tuples(st.sampled_from(sorted(good)), garbage),
        st.tuples(random_keys, garbage),
        hidden_framework,
    )
    cases = st.tuples(
        st.lists(parameter, max_size=5),
        st.lists(bad_parameter, max_size=2),
        st.sampled_from(["json", "json", "csv", "html"]),
        st.sampled_from([None, "1", "2", "3", "0", "x"]),
    )

    @fuzz("claims filter")
    @given(case=cases)
    def case(case):
        good_pairs, bad_pairs, export_format, page = case
        pairs = list(good_pairs) + list(bad_pairs)
        if export_format != "html":
            pairs.append(("format", export_format))
        elif page is not None:
            pairs.append(("page", page))
        response = client.get(f"/claims/?{urlencode(pairs)}")
        data = MultiValueDict()
        for name, value in good_pairs:
            data.appendlist(name, value)
        inverted = (
            data.get("score_min", "") != ""
            and data.get("score_max", "") != ""
            and int(data["score_min"]) > int(data["score_max"])
        )
        if bad_pairs:
            assert response.status_code in (200, 400, 404), pairs
        elif inverted:
            assert response.status_code == 400, pairs
        elif export_format == "html":
            assert response.status_code in (200, 404), pairs
            assert response.status_code == 200 or page not in (None, "1"), pairs
        else:
            assert response.status_code == 200, (pairs, read(response)[:500])
        if response.status_code == 200 and export_format != "html":
            ids, _ = exported_ids(response, export_format)
            assert set(ids) <= public.ids, "a claim no visitor may see was exported"
            assert len(ids) == len(set(ids)), "a claim was exported twice"
            if not bad_pairs:
                assert set(ids) == public.expected_ids(data), pairs
        count(robustness_report, "claims filter")

    case()


# --- the admin's add-claim form, as an editor -----------------------------------------------


def evidence_rules_hold(claim):
    """What every saved claim must satisfy, however it was submitted."""
    stances = list(claim.citations.values_list("stance", flat=True))
    problems = []
    if not claim.statement.strip():
        problems.append("empty statement")
    if not -2 <= claim.score <= 2 or not 1 <= claim.weight <= 5:
        problems.append("score or weight out of range")
    public = Claim.objects.published().filter(pk=claim.pk).exists()
    if public and not stances:
        problems.append("public without any citation")
    if claim.status not in Claim.Status.values:
        problems.append(f"unknown status {claim.status!r}")
    if claim.verdict_override and not claim.verdict_override_reason.strip():
        problems.append("verdict set by hand without a reason")
    questioned = claim.verdict in ("contested", "refuted") and not claim.verdict_override
    if questioned and Citation.Stance.CONTRADICTS not in stances:
        problems.append("questioned although nothing contradicts it")
    citations = list(claim.citations.select_related("source"))
    missing = [c for c in citations if c.verification == Citation.Verification.NOT_FOUND]
    if claim.status == Claim.Status.PUBLISHED and missing:
        problems.append("published with a quote its source does not hold")
    for citation in citations:
        again = verification.check_quote(citation.source, citation.excerpt)
        if (again.verification, ",".join(again.normalised)) != (
            citation.verification,
            citation.normalised,
        ):
            problems.append(f"stored check {citation.verification} is not what it finds now")
    return problems


def test_the_admin_add_claim_form_saves_only_valid_claims(
    editor_client, editor, content_with_snapshots, robustness_report
):
    framework_ids = [str(pk) for pk in Framework.objects.values_list("pk", flat=True)]
    criterion_ids = [str(pk) for pk in Criterion.objects.values_list("pk", flat=True)]
    source_ids = [str(pk) for pk in Source.objects.values_list("pk", flat=True)]
    citation_ids = [str(pk) for pk in Citation.objects.values_list("pk", flat=True)[:3]]
    # Quotes of the sources, verbatim and retyped (curly quotes, other line breaks), so that
    # some citations are verified, some only after normalising, and most not found.
    real = list(Citation.objects.order_by("pk").values_list("source_id", "excerpt")[:40])
    retyped = [
        excerpt.replace("'", "’").replace("\n", " ").replace("--", "–") for _, excerpt in real
    ]

    def field(valid, bad=garbage):
        """0 to 2 values for one field: mostly one good value, sometimes garbage or several."""
        return st.one_of(
            valid.map(lambda v: [v]),
            valid.map(lambda v: [v]),
            st.just([]),
            st.lists(st.one_of(valid, bad), min_size=1, max_size=2),
        )

    # Ids that are not those of a row, and (less often) values that are not ids at all.
    bad_id = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), garbage)

    text = st.one_of(st.sampled_from(["A claim.", "Ships an admin."]), st.text(max_size=30))
    quote = st.one_of(
        text,
        st.sampled_from([excerpt for _, excerpt in real]),
        st.sampled_from(retyped),
        st.sampled_from(retyped).map(lambda q: q.replace(" ", "  ").replace(",", ";")),
    )
    claim_fields = st.fixed_dictionaries(
        {
            "framework": field(st.sampled_from(framework_ids), bad_id),
            "criterion": field(st.sampled_from(criterion_ids), bad_id),
            "statement": field(text),
            "score": field(st.integers(-2, 2).map(str)),
            "weight": field(st.integers(1, 5).map(str)),
            "status": field(st.sampled_from(Claim.Status.values)),
            "editor_note": field(text),
        }
    )
    quoted_sources = [str(source) for source, _ in real]
    citation_form = st.fixed_dictionaries(
        {
            "source": field(st.sampled_from(source_ids + quoted_sources * 3), bad_id),
            "stance": field(st.sampled_from(Citation.Stance.values)),
            "excerpt": field(quote),
            "location": field(st.sampled_from(["", "Intro", "p. 3"])),
        },
        optional={
            "DELETE": field(st.sampled_from(["on", "1", "true"])),
            "id": field(st.sampled_from(citation_ids)),
            "claim": field(st.sampled_from(["", "1"])),
        },
    )
    # Management-form counts: mostly consistent, sometimes negative, garbage or missing. A count
    # above the formset's absolute maximum makes Django build (and the admin render) 2,000 forms,
    # which takes seconds: such counts are drawn rarely.
    small_count = st.integers(0, 3).map(str)
    bad_count = st.one_of(
        st.sampled_from(
            ["", " ", "-1", "-5", "abc", "1.5", "2.0", "\x00", "１", " 2 ", "0x2", "1e1"] * 6
            + ["1001", str(2**64)]
        ),
        st.integers(min_value=-(2**70), max_value=-1).map(str),
    )
    management = st.fixed_dictionaries(
        {},
        optional={
            "citations-TOTAL_FORMS": st.one_of(small_count, small_count, bad_count),
            "citations-INITIAL_FORMS": st.one_of(
                st.just("0"), st.sampled_from(["1", "-1"]), garbage
            ),
            "citations-MIN_NUM_FORMS": st.one_of(st.just("0"), garbage),
            "citations-MAX_NUM_FORMS": st.one_of(st.just("1000"), garbage),
        },
    )

    @st.composite
    def submissions(draw):
        pairs = [(name, value) for name, values in draw(claim_fields).items() for value in values]
        forms = draw(st.lists(citation_form, max_size=3))
        counts = draw(management)
        if draw(st.booleans()):  # usually the counts say how many forms were sent
            counts = {
                "citations-TOTAL_FORMS": str(len(forms)),
                "citations-INITIAL_FORMS": "0",
                "citations-MIN_NUM_FORMS": "0",
                "citations-MAX_NUM_FORMS": "1000",
                **{k: v for k, v in counts.items() if draw(st.booleans())},
            }
        pairs += list(counts.items())
        for i, form in enumerate(forms):
            pairs += [
                (f"citations-{i}-{name}", value)
                for name, values in form.items()
                for value in values
            ]
        pairs += draw(st.lists(st.tuples(random_keys, garbage), max_size=2))
        return pairs

    url = reverse("admin:comparisons_claim_add")

    @st.composite
    def well_formed(draw):
        """A claim whose fields are all good, with one to three quotes of the snapshotted
        sources: verbatim, retyped, reworded or made up, so that the publishing rule for
        quotes is met and broken."""
        pairs = [
            ("framework", draw(st.sampled_from(framework_ids))),
            ("criterion", draw(st.sampled_from(criterion_ids))),
            ("statement", "A claim."),
            ("score", "1"),
            ("weight", "3"),
            ("status", draw(st.sampled_from(Claim.Status.values))),
        ]
        forms = draw(st.lists(st.sampled_from(range(len(real))), min_size=1, max_size=3))
        pairs += [
            ("citations-TOTAL_FORMS", str(len(forms))),
            ("citations-INITIAL_FORMS", "0"),
            ("citations-MIN_NUM_FORMS", "0"),
            ("citations-MAX_NUM_FORMS", "1000"),
        ]
        for i, n in enumerate(forms):
            source, excerpt = real[n]
            typed = draw(
                st.sampled_from([excerpt, retyped[n], excerpt.replace(" ", " so ", 1), "Made up."])
            )
            pairs += [
                (f"citations-{i}-source", str(source)),
                (f"citations-{i}-stance", draw(st.sampled_from(Citation.Stance.values))),
                (f"citations-{i}-excerpt", typed),
                (f"citations-{i}-location", ""),
            ]
        return pairs

    @fuzz("admin add-claim")
    @given(pairs=st.one_of(submissions(), well_formed()))
    def case(pairs):
        before = (Claim.objects.count(), Citation.objects.count())
        last = Claim.objects.order_by("-pk").values_list("pk", flat=True).first()
        response = editor_client.post(
            url, urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:comparisons_claim_changelist")
            claim = Claim.objects.get(pk__gt=last or 0)
            assert Claim.objects.count() == before[0] + 1
            assert Citation.objects.count() == before[1] + claim.citations.count()
            assert claim.created_by == editor
            assert evidence_rules_hold(claim) == [], pairs
        else:
            assert response.status_code in (200, 400), response.status_code
            assert (Claim.objects.count(), Citation.objects.count()) == before, pairs
        count(robustness_report, "admin add-claim")

    case()


# --- the admin's add-snapshot form, as an editor ---------------------------------------------

PAGE = "<html><head><style>p{}</style></head><body><p>Flask is a micro–framework, «café».</p>"


def uploads():
    """(file name, bytes) of copies good and bad: any bytes, several encodings, HTML, huge."""
    names = st.sampled_from(
        [
            "copy.txt",
            "copy.md",
            "copy.rst",
            "page.html",
            "PAGE.HTM",
            "copy.pdf",
            "copy",
            "a.html.exe",
            "..txt",
            "ünï code.txt",
            "x" * 300 + ".txt",
        ]
    )
    texts = st.text(max_size=200)
    contents = st.one_of(
        st.binary(max_size=300),
        texts.map(lambda t: t.encode("utf-8")),
        texts.map(lambda t: t.encode("utf-16")),
        texts.map(lambda t: t.encode("cp1252", "replace")),
        st.sampled_from([PAGE.encode(), PAGE.encode("utf-8-sig"), b"\xef\xbb\xbfBOM text"]),
        st.sampled_from(
            [
                '<meta charset="latin-1"><p>Caf\xe9</p>'.encode("latin-1"),
                b'<meta charset="no-such-codec"><p>x</p>',
                b"x" * (source_text.MAX_BYTES + 1),
            ]
        ),
    )
    return st.tuples(names, contents)


def test_the_admin_add_snapshot_form_saves_only_readable_copies(
    editor_client, content, robustness_report
):
    source_ids = [str(pk) for pk in Source.objects.values_list("pk", flat=True)[:5]]

    good = {
        "source": source_ids,
        "taken_on": ["2026-01-02", "2027-12-31"],
        "version": ["Flask 3.2.0", ""],
        "origin": ["https://example.org/docs", "docs/design.rst in flask-3.2.tar.gz"],
        "format": ["", *SourceSnapshot.Format.values],
    }

    @st.composite
    def submissions(draw):
        """Good values, a few of them (often none) spoilt, and a copy: a file, pasted text,
        both or neither."""
        data = {name: draw(st.sampled_from(values)) for name, values in good.items()}
        for name in draw(st.sets(st.sampled_from(sorted(good)), max_size=2)):
            data[name] = draw(garbage)
        copy = draw(st.sampled_from(["file", "pasted", "both", "neither"]))
        if copy in ("pasted", "both"):
            data["pasted"] = draw(st.one_of(st.text(min_size=1, max_size=200), garbage))
        if copy in ("file", "both"):
            name, content = draw(uploads())
            data["upload"] = SimpleUploadedFile(name, content)
        return data

    url = reverse("admin:comparisons_sourcesnapshot_add")

    @fuzz("admin add-snapshot")
    @given(post=submissions())
    def case(post):
        before = SourceSnapshot.objects.count()
        checks = list(
            Citation.objects.order_by("pk").values_list("verification", "checked_snapshot")
        )
        for value in post.values():
            if hasattr(value, "seek"):
                value.seek(0)  # Hypothesis may post the same example again
        response = editor_client.post(url, post)
        assert response.status_code < 500
        if response.status_code == 302:
            assert SourceSnapshot.objects.count() == before + 1
            snapshot = SourceSnapshot.objects.latest("pk")
            assert snapshot.text.strip() and "\r" not in snapshot.text
            assert not source_text.CONTROL.search(snapshot.text)
            assert snapshot.content_hash == SourceSnapshot.hash_of(snapshot.text)
            assert len(snapshot.text.encode()) <= source_text.MAX_BYTES
            if snapshot.format == SourceSnapshot.Format.HTML:
                assert "<p>" not in snapshot.text and "p{}" not in snapshot.text
            current = snapshot.source.snapshots.latest()
            assert set(snapshot.source.citations.values_list("checked_snapshot", flat=True)) <= {
                current.pk
            }
        else:
            assert response.status_code == 200, response.status_code
            assert "errorlist" in response.content.decode()
            assert SourceSnapshot.objects.count() == before
            after = list(
                Citation.objects.order_by("pk").values_list("verification", "checked_snapshot")
            )
            assert after == checks
        count(robustness_report, "admin add-snapshot")

    case()


# --- bugs the fuzz found, pinned -----------------------------------------------------------------


def autocomplete_widgets():
    """(add-page URL name, field name as posted) of every autocomplete widget of the admin."""
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        for name in model_admin.autocomplete_fields:
            yield f"admin:{opts.app_label}_{opts.model_name}_add", name
        for inline in model_admin.inlines:
            parent_link = next(
                field
                for field in inline.model._meta.fields
                if field.is_relation and field.related_model is model
            )
            prefix = parent_link.remote_field.get_accessor_name()  # the inline formset's prefix
            for name in inline.autocomplete_fields:
                yield f"admin:{opts.app_label}_{opts.model_name}_add", f"{prefix}-0-{name}"


@pytest.mark.parametrize("url_name, field", list(autocomplete_widgets()))
def test_a_tampered_autocomplete_value_is_a_form_error(admin_client, url_name, field):
    data = [(n, v) for n, v in form_data(admin_client.get(reverse(url_name))) if n != field]
    response = admin_client.post(reverse(url_name), as_post(data + [(field, "abc")]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("name", [name for name, _ in public_routes()])
def test_every_public_page_answers_head_as_it_answers_get(client, content, name):
    """Found by an earlier version of the fuzz: the consultation page refused HEAD (a 405)."""
    services.advise(answers_for(services.load_questionnaire())).save()
    converters = dict(public_routes())[name]
    candidates = {
        "SlugConverter": [
            *Framework.objects.values_list("slug", flat=True),
            *Criterion.objects.values_list("slug", flat=True),
        ],
        "UUIDConverter": [Consultation.objects.get().pk],
        "IntConverter": list(Claim.objects.published().values_list("pk", flat=True)[:3]),
    }
    urls = [
        reverse(name, kwargs={arg: value for arg in converters})
        for value in (
            candidates[type(next(iter(converters.values()))).__name__] if converters else [None]
        )
    ]
    url = next(url for url in urls if client.get(url).status_code == 200)
    assert client.head(url).status_code == 200


def test_the_fuzz_ran_at_least_ten_thousand_cases(request, robustness_report):
    """Runs last in this module: the issue asks for 10,000 generated cases or more in all."""
    ran_all, shortfall = report.fuzz_check(robustness_report)
    if not ran_all:
        if os.environ.get("PYTEST_XDIST_WORKER") and SCALE >= 1:
            pytest.skip("this worker ran part of the fuzz: the controller checks the total")
        pytest.skip("only part of the fuzz ran (a -k selection or STACKWISE_FUZZ_SCALE < 1)")
    assert shortfall is None, shortfall
