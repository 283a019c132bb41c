"""Must-haves: a hard requirement an option asks for; frameworks whose published evidence that
counts (not refuted) fails it are set apart with the claim and citation that excluded them, and
unknown evidence excludes nothing but is said.

The shipped must-haves (advisor/fixtures/must_haves.json) over the shipped frameworks, and small
knowledge bases made for one case.
"""

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from advisor import services
from advisor.models import Consultation, MustHave, Option, Question
from comparisons.cache import bump_version
from comparisons.models import Claim, Criterion, Framework
from tests.advisor.test_reweigh import (
    ASYNC_MUST,
    oracle_ranking,
    page_ranking,
    reweigh_url,
)
from tests.advisor.test_views import LARGE_TEAM_APP, form_data, section, submit
from tests.factories import (
    make_claim,
    make_criterion,
    make_framework,
    make_knowledge_base,
    make_source,
)

ADMIN_MUST = "An admin interface that comes with the framework"


def oracle_failing(criterion, minimum):
    """{framework slug: evidence} of the published frameworks whose claims that count on
    `criterion` average (over their effective weights) below `minimum`; and the unknown ones."""
    sums = {}
    claims = Claim.objects.published().filter(criterion__slug=criterion)
    for claim in claims.select_related("framework").prefetch_related("citations__source"):
        weight = claim.assessment.effective_weight
        if weight > 0:  # refuted (and unsupported) claims count for nothing
            total, mass = sums.get(claim.framework.slug, (0.0, 0.0))
            sums[claim.framework.slug] = (total + weight * claim.score, mass + weight)
    evidence = {slug: total / mass for slug, (total, mass) in sums.items()}
    published = set(Framework.objects.published().values_list("slug", flat=True))
    failing = {slug: e for slug, e in evidence.items() if e < minimum}
    return failing, published - set(evidence)


@pytest.mark.parametrize(
    ("label", "criterion"),
    [(ASYNC_MUST, "async-support"), (ADMIN_MUST, "admin-panel")],
)
def test_a_must_have_excludes_exactly_the_frameworks_whose_evidence_fails_it(
    client, shipped, label, criterion
):
    must = MustHave.objects.get(criterion__slug=criterion)
    failing, unknown = oracle_failing(criterion, float(must.minimum))
    assert failing, "the shipped content has frameworks that fail it"
    response = submit(client, [*LARGE_TEAM_APP, label])
    consultation = Consultation.objects.get()
    rec = consultation.snapshot.recommendation
    assert {e.framework for e in rec.excluded} == set(failing)
    for exclusion in rec.excluded:
        assert exclusion.evidence == pytest.approx(failing[exclusion.framework])
    assert {f for u in rec.unknown_requirements for f in u.frameworks} == unknown
    weights = consultation.weights
    assert [s.framework for s in rec.ranking] == [f for f, _ in oracle_ranking(weights, failing)]

    html = client.get(response["Location"]).content.decode()
    excluded = section(html, "excluded")
    assert page_ranking(html) == oracle_ranking(weights, failing)
    assert f"You asked for: {must.label}." in excluded
    claims = {(c.framework, c.criterion): c for c in consultation.snapshot.excluding_claims}
    for slug in failing:
        name = Framework.objects.get(slug=slug).name
        assert f">{name} <span" in excluded
        claim = claims[slug, criterion]
        # The claim that excluded it: one that counts, scoring below the minimum...
        stored = Claim.objects.get(pk=claim.id)
        assert stored.score < must.minimum and stored.assessment.counts
        assert escape(claim.statement) in excluded
        # ...with the citation of its most reliable supporting source.
        (citation,) = claim.citations
        assert escape(citation.excerpt) in excluded and escape(citation.source) in excluded
    for slug in unknown:
        assert escape(Framework.objects.get(slug=slug).name) in excluded
    if unknown:
        assert "Unknown, so not excluded" in excluded


def test_a_refuted_claim_excludes_nothing_but_the_unknown_is_said(client, db):
    speed = make_criterion(name="Speed", default_weight=5)
    asynchronous = make_criterion(name="Async", slug="async")
    alpha, beta = (
        make_framework(name="Alpha", slug="alpha"),
        make_framework(name="Beta", slug="beta"),
    )
    make_claim(alpha, speed, score=1)
    make_claim(beta, speed, score=2)
    make_claim(alpha, asynchronous, score=2, source=make_source(reliability=5))
    # Beta "has no async": a marketing article says so, official documentation says otherwise.
    claim = make_claim(beta, asynchronous, score=-2, source=make_source(reliability=1))
    claim.citations.create(
        source=make_source(reliability=5), excerpt="It has.", stance="contradicts"
    )
    assert claim.assessment.verdict == "refuted"
    question = Question.objects.create(text="Must it be async?", order=1, is_required=False)
    option = Option.objects.create(question=question, label="Yes", order=1)
    MustHave.objects.create(option=option, label="Must support async", criterion=asynchronous)
    response = client.post("/advisor/", {f"q{question.pk}": str(option.pk)})
    rec = Consultation.objects.get().snapshot.recommendation
    assert rec.excluded == ()
    assert [s.framework for s in rec.ranking] == ["alpha", "beta"]  # Beta stays in
    assert [(u.requirement, u.frameworks) for u in rec.unknown_requirements] == [
        ("async", ("beta",))
    ]
    html = client.get(response["Location"]).content.decode()
    assert "Unknown, so not excluded: nothing published says whether Beta meets" in html
    assert "Set apart" not in html


def test_every_framework_failing_is_said_plainly(client, db):
    asynchronous = make_criterion(name="Async", slug="async", default_weight=3)
    for name in ("Alpha", "Beta"):
        make_claim(make_framework(name=name), asynchronous, score=-1)
    question = Question.objects.create(text="Must it be async?", order=1, is_required=False)
    option = Option.objects.create(question=question, label="Yes", order=1)
    MustHave.objects.create(option=option, label="Must support async", criterion=asynchronous)
    response = client.post("/advisor/", {f"q{question.pk}": str(option.pk)})
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "No recommendation: every framework fails a must-have</h1>" in html
    assert "Set apart, 2 frameworks" in html
    assert Consultation.objects.get().recommended == ""


def test_must_haves_are_ticked_and_unticked_on_the_result_page(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    weights = Consultation.objects.get().weights
    failing, _ = oracle_failing("async-support", 1.0)
    html = client.get(reweigh_url(url, must=["async-support"])).content.decode()
    assert page_ranking(html) == oracle_ranking(weights, failing)
    assert "Must-have added: Must support async." in html
    # A result whose answers asked for it: unticking it brings the frameworks back.
    url = submit(client, [*LARGE_TEAM_APP, ASYNC_MUST])["Location"]
    weights = Consultation.objects.get(pk=url.split("/")[-2]).weights
    html = client.get(reweigh_url(url, must=[])).content.decode()
    assert page_ranking(html) == oracle_ranking(weights)
    assert "Must-have your answers asked for, left out: Must support async." in html


def test_submitting_with_must_haves_keeps_the_query_budget(client, shipped):
    def queries(labels):
        data = form_data(labels)
        with CaptureQueriesContext(connection) as captured:
            assert client.post("/advisor/", data).status_code == 303
        return len(captured.captured_queries)

    small = queries([*LARGE_TEAM_APP, ASYNC_MUST, ADMIN_MUST])
    make_knowledge_base(frameworks=12, criteria=30, claims_per_pair=3)
    Claim.objects.filter(criterion__slug="async-support").update(score=-1)
    bump_version()
    large = queries([*LARGE_TEAM_APP, ASYNC_MUST, ADMIN_MUST])
    assert small == large == 11  # as without must-haves: see test_views


def test_recommend_scores_weights_without_saving(shipped, django_assert_max_num_queries):
    weights = {"performance": 10, "async-support": 20}
    result = services.recommend(weights, must_haves=["admin-panel"])
    failing, _ = oracle_failing("admin-panel", 1.0)
    full = dict.fromkeys(Criterion.objects.values_list("slug", flat=True), 0) | weights
    assert [s.framework for s in result.ranking] == [f for f, _ in oracle_ranking(full, failing)]
    assert {e.framework for e in result.excluded} == set(failing)
    assert result.check.method == "topsis" and result.method == "weighted-sum"
    assert not Consultation.objects.exists()
    with django_assert_max_num_queries(1):  # the version: knowledge and questionnaire are cached
        services.recommend(weights)
    with pytest.raises(ValueError, match="unknown criteria"):
        services.recommend({"no-such-criterion": 3})
    with pytest.raises(ValueError, match="unknown must-haves"):
        services.recommend(weights, must_haves=["performance"])
    assert result.as_dict()["excluded"][0].keys() >= {"framework", "requirement", "evidence"}


# --- the model and the admin -------------------------------------------------------------


def test_a_criterion_has_at_most_one_must_have_and_its_minimum_stays_in_range(shipped):
    must = MustHave.objects.get(criterion__slug="async-support")
    other = Option.objects.exclude(must_have__isnull=False).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        MustHave.objects.create(option=other, label="Again", criterion=must.criterion)
    for minimum in (Decimal("-2.1"), Decimal("2.5")):
        must.minimum = minimum
        with pytest.raises(IntegrityError), transaction.atomic():
            must.save()
    assert (
        str(MustHave.objects.get(pk=must.pk)) == "Must support async (Async Support: at least +1.0)"
    )


def test_editors_set_the_must_have_of_an_option_in_its_page(editor_client, shipped):
    option = Option.objects.get(label=ADMIN_MUST)
    url = reverse("admin:advisor_option_change", args=[option.pk])
    html = editor_client.get(url).content.decode()
    assert "Must-have this answer asks for" in html and 'name="must_have-0-minimum"' in html
    plain = Option.objects.get(label="Moderate")
    page = editor_client.get(reverse("admin:advisor_option_change", args=[plain.pk]))
    assert 'name="must_have-TOTAL_FORMS"' in page.content.decode()
    criterion = make_criterion(name="Websockets support", slug="ws-support")
    data = {
        "question": plain.question_id,
        "label": plain.label,
        "order": plain.order,
        "weights-TOTAL_FORMS": 0,
        "weights-INITIAL_FORMS": 0,
        "must_have-TOTAL_FORMS": 1,
        "must_have-INITIAL_FORMS": 0,
        "must_have-0-label": "Must push to browsers",
        "must_have-0-criterion": criterion.pk,
        "must_have-0-minimum": "0.5",
    }
    response = editor_client.post(reverse("admin:advisor_option_change", args=[plain.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert MustHave.objects.get(option=plain).minimum == Decimal("0.5")
    offered = [m.label for m in services.must_haves_offered()]
    assert (
        offered[-1] == "Licence must be free and open source" and "Must push to browsers" in offered
    )
    listing = editor_client.get(reverse("admin:advisor_option_changelist")).content.decode()
    assert "must-have: Must push to browsers" in listing


def test_a_consultation_in_the_admin_says_its_must_haves_and_methods(admin_client, shipped):
    submit(admin_client, [*LARGE_TEAM_APP, ASYNC_MUST])
    consultation = Consultation.objects.get()
    html = admin_client.get(
        reverse("admin:advisor_consultation_change", args=[consultation.pk])
    ).content.decode()
    assert re.search(r"Must-haves: Must support async\. Excluded: [A-Z]", html)
    assert "TOPSIS" in html and "Snapshot version 3." in html


def test_advisor_claims_explain_exactly_as_explaining_claims(shipped):
    """comparisons.knowledge.advisor_claims() adds the failing claims to explaining_claims() in
    the same two queries: the explaining part must stay the same."""
    from comparisons import knowledge as kb

    weighted = ["admin-panel", "orm", "authentication", "performance", "scalability"]
    for winner, runner_up in (("django", "flask"), ("fastapi", "litestar"), ("flask", None)):
        args = {
            "winner": winner,
            "decisive": ["admin-panel", "orm", "async-support"],
            "podium": [f for f in (winner, runner_up) if f],
            "weighted": weighted,
            "limit": 60,
        }
        failing = [("async-support", 1.0, ["flask", "bottle", "pyramid", "django"])]
        explaining, excluding = kb.advisor_claims(**args, failing=failing)
        assert explaining == kb.explaining_claims(**args)
        assert set(excluding) == {
            ("flask", "async-support"),
            ("bottle", "async-support"),
            ("pyramid", "async-support"),
        }  # Django's evidence is +1
    assert kb.advisor_claims(winner=None, decisive=[], podium=[], weighted=[], limit=9) == ([], {})
