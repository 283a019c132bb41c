"""The questionnaire and the result page, through the real stack with the shipped fixtures."""

import json
import re
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from advisor import services
from advisor.models import Consultation, Option, OptionWeight, Question
from comparisons.cache import bump_version
from comparisons.models import Citation, Claim, Criterion, Framework, Source
from tests.factories import (
    make_claim,
    make_criterion,
    make_framework,
    make_knowledge_base,
    make_source,
)

URL = "/advisor/"

# The answers of each persona, by option label (labels are unique in the questionnaire).
SMALL, MEDIUM, LARGE = (
    "A small app or a prototype that will stay small",
    "A medium-sized application that may grow a little",
    "A large or complex application that will keep growing",
)
BEGINNERS = "Beginners: we are new to web frameworks"
SOME_EXPERIENCE = "Some experience: we have built a web app or two"
EXPERIENCED = "Experienced: we know which pieces we want"
ADMIN_YES, ADMIN_NO = "Yes: staff will manage content or users every day", "No"
ACCOUNTS, SIMPLE_LOGIN, NO_ACCOUNTS = (
    "Yes: accounts, permissions and personal data",
    "Only a simple log-in, for a few people",
    "No user accounts",
)
DB_LOT, DB_LITTLE = (
    "A lot: many related tables, complex queries, schema migrations",
    "Little or none, or the data lives in another service",
)
DAYS, WEEKS, NO_RUSH = (
    "Within days: speed of the first version matters most",
    "Within weeks: a reasonable pace is fine",
    "No rush: long-term maintainability matters more",
)
CONTROL, PARTLY, BATTERIES = (
    "Yes: I want to pick and assemble my own components",
    "Partly: sensible defaults, with room to swap a few",
    "No: I prefer everything included and working together",
)
HIGH, MODERATE, LOW = (
    "High: many thousands of users at the same time",
    "Moderate",
    "Low: an internal tool or a few users",
)
PAGES, API, BOTH = (
    "Web pages rendered on the server, with forms",
    "A JSON API for a separate front end or mobile app",
    "Both pages and an API",
)
COMMUNITY, DOCS = (
    "A large community and plenty of third-party packages",
    "Thorough official documentation",
)

BEGINNER_PROTOTYPE = [SMALL, BEGINNERS, ADMIN_NO, NO_ACCOUNTS, DB_LITTLE, DAYS, CONTROL, LOW, API]
LARGE_TEAM_APP = [LARGE, SOME_EXPERIENCE, ADMIN_YES, ACCOUNTS, DB_LOT, WEEKS, BATTERIES, HIGH, BOTH]

PERSONAS = [
    pytest.param(
        BEGINNER_PROTOTYPE,
        "flask",
        {"Flexibility", "Learning Curve"},
        id="beginner, small prototype, wants control -> Flask",
    ),
    pytest.param(
        # A log-in and server-rendered pages: Django's authentication, forms and security
        # defaults (its own documentation) outweigh Flask's small core for this beginner.
        [SMALL, BEGINNERS, ADMIN_NO, SIMPLE_LOGIN, DB_LITTLE, DAYS, CONTROL, LOW, PAGES],
        "django",
        {"Authentication", "Security"},
        id="beginner prototype with a simple log-in and pages -> Django",
    ),
    pytest.param(
        [SMALL, EXPERIENCED, ADMIN_NO, NO_ACCOUNTS, DB_LITTLE, WEEKS, CONTROL, LOW, API],
        "flask",
        {"Flexibility"},
        id="experienced, small API, wants control -> Flask",
    ),
    pytest.param(
        LARGE_TEAM_APP,
        "django",
        {"Admin Panel", "Authentication"},
        id="team, large app, admin + auth + ORM -> Django",
    ),
    pytest.param(
        [LARGE, EXPERIENCED, ADMIN_YES, ACCOUNTS, DB_LOT, NO_RUSH, PARTLY, MODERATE, API],
        "django",
        {"Admin Panel", "Authentication", "ORM and Database Work"},
        id="experienced team, large API with admin + auth + ORM -> Django",
    ),
    pytest.param(
        [LARGE, BEGINNERS, ADMIN_YES, ACCOUNTS, DB_LOT, DAYS, PARTLY, HIGH, BOTH, COMMUNITY, DOCS],
        "django",
        {"Admin Panel", "Authentication", "ORM and Database Work"},
        id="beginners, large app with admin + auth + ORM -> Django",
    ),
    pytest.param(
        [MEDIUM, SOME_EXPERIENCE, ADMIN_YES, ACCOUNTS, DB_LOT, WEEKS, PARTLY, MODERATE, BOTH],
        "django",
        {"Admin Panel", "Authentication", "ORM and Database Work"},
        id="medium app that needs admin + auth + ORM -> Django",
    ),
]


def form_data(labels):
    """Form data for answers given by option label."""
    options = {option.label: option for option in Option.objects.select_related("question")}
    data = {}
    for label in labels:
        option = options[label]
        name = f"q{option.question_id}"
        if option.question.kind == Question.Kind.MULTIPLE:
            data.setdefault(name, []).append(str(option.pk))
        else:
            data[name] = str(option.pk)
    return data


def submit(client, labels):
    response = client.post(URL, form_data(labels))
    assert response.status_code == 303, response.content.decode()[:2000]
    return response


SECTIONS = [
    "settling",
    "scores",
    "why",
    "excluded",
    "reweigh",
    "table",
    "flips",
    "methods",
    "questioned",
    "answers",
]


def section(html, name):
    """The HTML of the result page's section `name`, up to the next one."""
    start = html.index(f'id="{name}-heading"')
    ends = [html.find(f'id="{other}-heading"', start) for other in SECTIONS if other != name]
    return html[start : min([end for end in ends if end > start] or [len(html)])]


def without_csrf_token(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- the questionnaire ---------------------------------------------------------------------


def test_questionnaire_lists_every_active_question_with_its_options(client, loaded):
    Question.objects.filter(pk=1).update(is_active=False)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    for question in Question.objects.prefetch_related("options"):
        shown = f'name="q{question.pk}"' in html
        assert shown == question.is_active, question
        if question.is_active:
            assert question.text in html
            for option in question.options.all():
                assert f'value="{option.pk}"' in html and option.label in html
    assert "Optional" in html and "Required: pick one." in html
    assert "style=" not in html and "<script>" not in html
    assert 'type="checkbox"' in html and 'type="radio"' in html


def test_questionnaire_takes_two_queries_cold_and_one_warm(
    client, loaded, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the knowledge version, the questionnaire
        assert client.get(URL).status_code == 200
    with django_assert_num_queries(1):  # the version: the questionnaire is cached under it
        assert client.get(URL).status_code == 200


def test_questionnaire_without_questions_says_so_and_refuses_posts(client, db):
    assert "no questions yet" in client.get(URL).content.decode()
    assert client.post(URL, {}).status_code == 400
    assert not Consultation.objects.exists()


def test_a_missing_answer_gets_the_form_back_with_the_error_next_to_the_question(client, loaded):
    data = form_data(BEGINNER_PROTOTYPE)
    del data["q3"]
    response = client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="form-errors"' in html
    assert re.search(r'id="id_q3_error".*?Please answer this question', html, re.S)
    assert "id_q1_error" not in html
    assert f'value="{data["q1"]}"  id="id_q1_0" required checked' in html  # answers kept
    assert not Consultation.objects.exists()


def test_an_optional_multiple_choice_question_may_be_left_empty(client, loaded):
    data = form_data(BEGINNER_PROTOTYPE)
    assert "q10" not in data
    assert client.post(URL, data).status_code == 303


# --- personas ------------------------------------------------------------------------------


@pytest.mark.parametrize(("labels", "winner", "reasons"), PERSONAS)
def test_personas_get_the_framework_the_article_recommends_with_its_reasons(
    client, loaded, labels, winner, reasons
):
    response = submit(client, labels)
    consultation = Consultation.objects.get()
    assert consultation.recommended == winner
    assert consultation.margin > 0
    page = client.get(response["Location"])
    html = page.content.decode()
    name = Framework.objects.get(slug=winner).name
    assert f"Our recommendation: {name}</h1>" in html
    assert f"{name}, ahead of" in html and "points out of 100" in html

    decisive = [d["criterion"] for d in consultation.result["recommendation"]["decisive"]]
    names = dict(Criterion.objects.values_list("slug", "name"))
    why = section(html, "why")
    shown = set(re.findall(r'<h3 class="h5" id="why-\d+">([^<]+):', why))
    assert shown == {names[slug] for slug in decisive}
    assert reasons <= shown


def test_the_result_explains_itself(client, loaded):
    page = client.get(submit(client, LARGE_TEAM_APP)["Location"])
    html = page.content.decode()
    result = Consultation.objects.get().result
    assert page.status_code == 200
    assert html.count("<h1") == 1
    # The chart: inline SVG, accessible, no inline style or script (the CSP forbids them).
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('class="bar') == 2 and 'class="bar winner"' in svg
    assert "style=" not in html and "<script>" not in html.replace("<script src=", "")
    # The per-criterion table, with scoped headers.
    table = section(html, "table")
    assert '<th scope="row">Admin Panel</th>' in table and '<th scope="col">' in table
    # The decisive claims with their citations, quoted.
    why = section(html, "why")
    statement = result["decisive_claims"][0]["statement"]
    citation = result["decisive_claims"][0]["citations"][0]
    assert escape(statement) in why and escape(citation["excerpt"]) in why
    assert escape(citation["source"]) in why
    # What would change the answer, in words.
    flips = section(html, "flips")
    assert "If " in flips or "No change to the weight of" in flips
    # Contested and refuted evidence, with the editors' note and the verdict's reason.
    questioned = result["questioned_claims"]
    assert questioned, "the starting content has refuted claims on weighted criteria"
    assert {c["verdict"] for c in questioned} <= {"contested", "refuted"}
    shown = section(html, "questioned")
    assert escape(questioned[0]["editor_note"]) in shown
    assert escape(questioned[0]["verdict_reason"]) in shown
    # Which method computed it.
    assert "Computed by version 3 of the scoring method" in html
    # The snapshot notice and the re-run button.
    assert "it will not change when the knowledge base does" in html
    assert "Re-run with today's knowledge</button>" in html


def test_without_any_weight_there_is_no_winner_but_a_clear_message(client, loaded):
    Criterion.objects.update(default_weight=0)
    OptionWeight.objects.filter(change__gt=0).delete()
    response = client.post(URL, form_data(BEGINNER_PROTOTYPE))
    consultation = Consultation.objects.get()
    assert consultation.recommended == "" and consultation.margin == 0
    html = client.get(response["Location"]).content.decode()
    assert "No recommendation: nothing was marked as mattering" in html
    assert "Give at least one criterion some weight" in html
    assert "Why " not in html


# --- the permalink -------------------------------------------------------------------------


def test_a_consultation_page_stays_identical_when_the_knowledge_base_changes(client, loaded):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    before = without_csrf_token(client.get(url).content.decode())
    result = Consultation.objects.get().result
    decisive = result["decisive_claims"][0]

    claim = Claim.objects.get(statement=decisive["statement"])
    claim.statement, claim.score = "Rewritten.", -2
    claim.save()
    Claim.objects.filter(criterion__slug="orm").update(status=Claim.Status.RETRACTED)
    Claim.objects.filter(criterion__slug="flexibility").first().delete()
    Criterion.objects.filter(slug="admin-panel").update(name="Back office", default_weight=0)
    Framework.objects.filter(slug="django").update(name="Django (renamed)")
    Option.objects.update(label="Changed")
    Question.objects.update(text="Changed?")

    assert without_csrf_token(client.get(url).content.decode()) == before
    assert "Rewritten." not in before


def test_re_running_makes_a_new_consultation_and_leaves_the_old_one_alone(client, loaded):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    old = Consultation.objects.get()
    old_result = old.result
    html = client.get(url).content.decode()
    rerun = re.search(r'<form method="post" action="/advisor/".*?</form>', html, re.S).group(0)
    data = {}
    for name, value in re.findall(r'type="hidden" name="(q\d+)" value="(\d+)"', rerun):
        data.setdefault(name, []).append(value)
    assert data == {name: [value] for name, value in form_data(LARGE_TEAM_APP).items()}

    Criterion.objects.filter(slug="orm").update(default_weight=0)
    bump_version()  # what the editor's committed change does; tests never commit
    response = client.post(URL, data)

    assert response.status_code == 303 and response["Location"] != url
    new = Consultation.objects.exclude(pk=old.pk).get()
    assert new.answers == old.answers
    assert new.weights["orm"] == 5 and old.weights["orm"] == 10
    old.refresh_from_db()
    assert old.result == old_result and new.result != old_result


def test_consultation_ids_are_random_not_sequential(client, loaded):
    # Two different sets of answers (the same answers lead to the same stored consultation).
    urls = [submit(client, labels)["Location"] for labels in (LARGE_TEAM_APP, BEGINNER_PROTOTYPE)]
    first, second = (Consultation.objects.get(pk=url.split("/")[-2]) for url in urls)
    assert urls == [f"/advisor/r/{first.pk}/", f"/advisor/r/{second.pk}/"]
    assert first.pk.version == second.pk.version == 4
    assert bin(first.pk.int ^ second.pk.int).count("1") > 20  # far apart, not a counter
    assert client.get(f"/advisor/r/{uuid.uuid4()}/").status_code == 404
    assert client.get("/advisor/r/1/").status_code == 404


def test_a_consultation_page_takes_one_query(client, loaded, django_assert_num_queries):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


# --- query budget --------------------------------------------------------------------------


def submit_queries(client, labels):
    data = form_data(labels)
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, data).status_code == 303
    return len(queries.captured_queries)


def test_submitting_takes_the_same_few_queries_whatever_the_size_of_the_knowledge_base(
    client, loaded
):
    small = submit_queries(client, LARGE_TEAM_APP)
    make_knowledge_base(frameworks=12, criteria=30, claims_per_pair=3)
    for claim in Claim.objects.filter(statement__endswith="claim 0")[:40]:
        Citation.objects.create(claim=claim, source=Source.objects.first(), stance="contradicts")
    bump_version()  # what the editors' committed changes do; tests never commit
    large = submit_queries(client, LARGE_TEAM_APP)
    # Cold (every cache was emptied by the bump): the version, the questionnaire, the stored
    # consultation with these answers (none), criteria, frameworks, the claims with their best
    # reliabilities, the claims shown and their citations; then the insert in a savepoint.
    assert large == small == 11
    assert len(Consultation.objects.first().result["recommendation"]["ranking"]) == 14


def test_the_knowledge_read_once_per_version_is_left_out_of_garbage_collections(
    client, loaded, monkeypatch
):
    """Read once per knowledge version, it is frozen once per version (gc.freeze): the garbage
    collector's full passes no longer go through it during consultations."""
    frozen = []
    monkeypatch.setattr(services.gc, "freeze", lambda: frozen.append(True))
    submit(client, LARGE_TEAM_APP)
    submit(client, BEGINNER_PROTOTYPE)
    assert len(frozen) == 1
    Framework.objects.filter(slug="flask").update(is_published=False)
    bump_version()
    submit(client, LARGE_TEAM_APP)
    assert len(frozen) == 2


def test_only_published_frameworks_are_ranked(client, loaded):
    Framework.objects.filter(slug="flask").update(is_published=False)
    submit(client, BEGINNER_PROTOTYPE)
    ranking = Consultation.objects.get().result["recommendation"]["ranking"]
    assert [s["framework"] for s in ranking] == ["django"]


# --- tampered input ------------------------------------------------------------------------


def tampered_payloads(valid, other_question_option, sibling_option, multiple_field, ticks):
    yield "empty body", {}
    yield "unknown id", {**valid, "q1": "999999"}
    yield "another question's option", {**valid, "q1": other_question_option}
    for junk in ["abc", "", " ", "1.0", "-1", "1e3", "０", "1\x00", "' OR 1=1 --", "🙂" * 50]:
        yield f"string {junk!r}", {**valid, "q1": junk}
    yield "missing required answer", {k: v for k, v in valid.items() if k != "q2"}
    yield "repeated keys on a single-choice question", {**valid, "q1": [valid["q1"], valid["q1"]]}
    yield "two options for a single-choice question", {**valid, "q1": [valid["q1"], sibling_option]}
    yield "the same option twice", {**valid, multiple_field: [ticks[0], ticks[0]]}
    yield "unknown id among ticks", {**valid, multiple_field: [ticks[0], "999999"]}
    yield (
        "another question's option among ticks",
        {**valid, multiple_field: [other_question_option]},
    )
    yield "a string among ticks", {**valid, multiple_field: [ticks[1], "all"]}


def test_tampered_submissions_never_fail_and_save_nothing(client, loaded):
    valid = form_data(LARGE_TEAM_APP)
    other = str(Option.objects.get(label=BEGINNERS).pk)
    sibling = str(Option.objects.get(label=MEDIUM).pk)
    multiple = Question.objects.get(kind=Question.Kind.MULTIPLE)
    ticks = [str(pk) for pk in multiple.options.values_list("pk", flat=True)]
    client.raise_request_exception = False
    payloads = tampered_payloads(valid, other, sibling, f"q{multiple.pk}", ticks)
    for name, payload in payloads:
        response = client.post(URL, payload)
        assert response.status_code == 400, name
        assert Consultation.objects.count() == 0, name


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "application/x-www-form-urlencoded"),
        (b'{"q1": "1", "q2": "4"}', "application/json"),
        (b"q1=\xff\xfe&q2=%ff%fe&\xc3\x28=1", "application/x-www-form-urlencoded"),
        (b"q1=1", "application/x-www-form-urlencoded; charset=no-such-charset"),
        (b"q1=" + b"9" * 300_000, "application/x-www-form-urlencoded"),
        (b"&".join(b"x%d=1" % i for i in range(3000)), "application/x-www-form-urlencoded"),
        (b"garbage", "multipart/form-data; boundary=xyz"),
        (b"garbage", "multipart/form-data"),
        (b"q1=1", "text/plain"),
    ],
    ids=[
        "empty",
        "json",
        "non-utf-8",
        "unknown charset",
        "huge body",
        "too many fields",
        "broken multipart",
        "multipart without boundary",
        "text",
    ],
)
def test_malformed_bodies_are_a_400_and_save_nothing(client, loaded, body, content_type):
    client.raise_request_exception = False
    response = client.generic("POST", URL, body, content_type=content_type)
    assert response.status_code == 400
    assert Consultation.objects.count() == 0


def test_a_huge_multipart_body_is_a_400(client, loaded):
    client.raise_request_exception = False
    data = {**form_data(LARGE_TEAM_APP), "padding": "x" * 300_000}
    assert client.post(URL, data).status_code == 400
    assert Consultation.objects.count() == 0


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_refused(client, loaded, method):
    assert getattr(client, method)(URL).status_code == 405
    assert client.post(reverse("advisor:result", args=[uuid.uuid4()])).status_code == 405


# --- small knowledge bases: a tie, a single framework, many frameworks ---------------------


def one_question_quiz(criterion, change=2):
    question = Question.objects.create(text="Does it matter?", order=1)
    option = Option.objects.create(question=question, label="Yes", order=1)
    OptionWeight.objects.create(option=option, criterion=criterion, change=change)
    return {f"q{question.pk}": str(option.pk)}


def test_a_tie_is_said_plainly(client, db):
    criterion = make_criterion(name="Docs", default_weight=5)
    for name in ("Alpha", "Beta"):
        make_claim(framework=make_framework(name=name), criterion=criterion, score=1)
    response = client.post(URL, one_question_quiz(criterion))
    html = client.get(response["Location"]).content.decode()
    assert "A tie: Alpha and Beta</h1>" in html
    assert "Alpha and Beta are tied at 75.0 out of 100." in html
    assert "Alpha and Beta are level" in section(html, "flips")
    assert "No single criterion set Alpha apart" in section(html, "why")


def test_a_single_framework_is_scored_without_a_runner_up(client, db):
    criterion = make_criterion(name="Docs")
    make_claim(framework=make_framework(name="Solo"), criterion=criterion, score=2)
    response = client.post(URL, one_question_quiz(criterion))
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Solo is the only framework compared: 100.0 out of 100." in page.content.decode()


def test_many_frameworks_are_all_in_the_chart_and_the_top_three_in_the_table(client, db):
    kb = make_knowledge_base(frameworks=6, criteria=3)
    response = client.post(URL, one_question_quiz(kb["criteria"][0]))
    html = client.get(response["Location"]).content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg.count('class="bar') == 6
    table = section(html, "table")
    assert table.count(": evidence</th>") == 3
    assert "The 3 lower-ranked frameworks are in the chart only." in table
    # The snapshot keeps the detail of the tabled frameworks only: it stays small.
    result = Consultation.objects.get().result
    ranking = result["recommendation"]["ranking"]
    assert [bool(s["contributions"]) for s in ranking] == [True] * 3 + [False] * 3
    assert {e["framework"] for e in result["evidence"]} == {s["framework"] for s in ranking[:3]}


def rankings(html):
    return re.search(r'<table class="table table-sm w-auto rankings">.*?</div>', html, re.S).group(
        0
    )


def test_a_result_keeps_the_places_of_the_second_ranking_it_shows_and_older_ones_render(client, db):
    """The TOPSIS check is saved for the places the page shows, as they are in the whole
    ranking; a result saved with the whole of it (as before) shows the same."""
    kb = make_knowledge_base(frameworks=14, criteria=3)
    response = client.post(URL, one_question_quiz(kb["criteria"][0]))
    saved = Consultation.objects.get()
    whole = services.recommend(saved.weights).as_dict()["check"]
    check = saved.result["recommendation"]["check"]
    assert len(whole["ranking"]) == 14 and services.RANKINGS_SHOWN == 10
    assert check == {**whole, "ranking": whole["ranking"][: services.RANKINGS_SHOWN]}
    html = client.get(response["Location"]).content.decode()
    assert "the other 4 frameworks are in the chart" in rankings(html)

    older = Consultation.objects.create(
        engine_version=saved.engine_version,
        answers=saved.answers,
        weights=saved.weights,
        result={
            **saved.result,
            "recommendation": {**saved.result["recommendation"], "check": whole},
        },
    )
    assert rankings(client.get(older.get_absolute_url()).content.decode()) == rankings(html)


# --- evidence strength on the result page ---------------------------------------------------


def test_weak_evidence_is_too_close_to_call_and_says_what_would_settle_it(client, db):
    """Two frameworks whose only evidence is a marketing article: no honest winner."""
    a, b = make_framework(name="Alpha", slug="alpha"), make_framework(name="Beta", slug="beta")
    speed, docs = make_criterion(name="Speed"), make_criterion(name="Docs")
    article = make_source(title="Marketing", reliability=1)
    make_claim(a, speed, source=article, score=2)
    make_claim(b, speed, source=article, score=1)
    make_claim(a, docs, source=article, score=1)
    question = Question.objects.create(text="Anything?", order=1)
    option = Option.objects.create(question=question, label="Speed matters", order=1)
    OptionWeight.objects.create(option=option, criterion=speed, change=3)
    response = client.post(URL, {f"q{question.pk}": str(option.pk)})
    html = client.get(response["Location"]).content.decode()
    consultation = Consultation.objects.get()
    assert consultation.recommended == "alpha"  # ahead on the numbers...
    assert consultation.result["recommendation"]["too_close"]  # ...but not by the evidence
    assert "Too close to call: Alpha or Beta</h1>" in html
    assert "low: too close to call" in html
    settling = section(html, "settling")
    assert "Speed" in settling and "Docs" in settling and "weak evidence" in settling
    assert "no evidence" in settling  # Beta has nothing on the docs
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg.count('class="band"') == 2, "the chart draws both bands"


def test_a_strong_lead_on_documented_evidence_is_not_too_close(client, db):
    a, b = make_framework(name="Alpha", slug="alpha"), make_framework(name="Beta", slug="beta")
    speed = make_criterion(name="Speed", default_weight=5)
    docs = make_source(title="Official docs", reliability=5)
    make_claim(a, speed, source=docs, score=2)
    make_claim(b, speed, source=docs, score=-2)
    question = Question.objects.create(text="Anything?", order=1)
    option = Option.objects.create(question=question, label="Speed matters", order=1)
    OptionWeight.objects.create(option=option, criterion=speed, change=3)
    response = client.post(URL, {f"q{question.pk}": str(option.pk)})
    html = client.get(response["Location"]).content.decode()
    assert "Our recommendation: Alpha</h1>" in html
    assert "Confidence: <strong>high</strong>" in html
    assert 'class="band"' not in html, "exact evidence draws no band"


def test_a_permalink_saved_by_the_first_method_still_renders_and_says_so(client, db):
    """A snapshot saved before evidence strength existed (tests/advisor/snapshots/)."""
    saved = json.loads(
        (Path(__file__).parent / "snapshots" / "consultation-engine-1.json").read_text()
    )
    consultation = Consultation.objects.create(**saved)
    response = client.get(consultation.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Our recommendation: Django</h1>" in html
    assert "Computed by version 1 of the scoring method" in html
    assert "Method 1 (before December 2026)" in html
    assert "Disputed evidence used" in html
    disputed = saved["result"]["disputed_claims"][0]
    assert escape(disputed["statement"]) in section(html, "questioned")
    assert 'class="band"' not in html, "method 1 drew no bands"
