"""Re-weighing a result on its page: weights and must-haves in the address, computed from the
snapshot alone, checked against an oracle that recomputes the ranking from the database.

Through the real stack with the shipped content: the article's frameworks, every further
framework's fixture, the questionnaire and its must-haves (advisor/fixtures/must_haves.json).
"""

import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from advisor import services
from advisor.forms import ReweighForm
from advisor.models import Consultation, Option, OptionWeight, Question
from comparisons.cache import bump_version
from comparisons.models import Claim, Criterion, Framework
from tests.advisor.test_views import LARGE_TEAM_APP, form_data, submit
from tests.factories import make_knowledge_base

ASYNC_MUST = "Async views and handlers, run on an event loop"


def oracle_ranking(weights, excluded=()):
    """[(framework slug, score rounded as shown)] from the database, by the method as written in
    advisor.scoring's docstring, not by its code: each claim that counts weighs by its
    effective weight, a pair's evidence is the weighted mean, unknown pairs count 0.5."""
    claims = Claim.objects.published().select_related("framework", "criterion")
    sums = {}
    for claim in claims.prefetch_related("citations__source"):
        weight = claim.assessment.effective_weight
        if weight > 0:
            key = (claim.framework.slug, claim.criterion.slug)
            total, mass = sums.get(key, (0.0, 0.0))
            sums[key] = (total + weight * claim.score, mass + weight)
    evidence = {key: total / mass for key, (total, mass) in sums.items()}
    frameworks = [f for f in Framework.objects.published().values_list("slug", flat=True)]
    total = sum(weights.values())
    scores = {}
    for f in frameworks:
        if f in excluded:
            continue
        value = sum(
            w * ((evidence[f, c] + 2) / 4 if (f, c) in evidence else 0.5)
            for c, w in weights.items()
        )
        scores[f] = 100 * value / total
    order = sorted(scores, key=lambda f: (-round(scores[f], 9), f))
    return [(f, f"{scores[f]:.1f}") for f in order]


def page_ranking(html):
    """[(framework slug, score)] as the page's chart draws them, top to bottom."""
    return re.findall(r'<g class="chart-row" data-framework="([^"]+)" data-score="([^"]+)">', html)


def reweigh_url(url, weights=None, must=None, marker=True):
    pairs = [("reweigh", "1")] if marker else []
    pairs += [(ReweighForm.field_name(slug), str(w)) for slug, w in (weights or {}).items()]
    pairs += [("must", key) for key in must or ()]
    return f"{url}?{urlencode(pairs)}"


def the_form(html):
    """The re-weigh form as a browser without scripts would send it: every input's value."""
    form = re.search(r'<form method="get"[^>]*id="reweigh-form".*?</form>', html, re.S).group(0)
    action = unescape(re.search(r'action="([^"]+)"', form).group(1))
    fields = []
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or (' type="checkbox"' in tag and " checked" not in tag):
            continue
        fields.append((name.group(1), unescape(value.group(1) if value else "")))
    return action, fields


# --- the ranking of a re-weighed result ---------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "weight"),
    [
        ("performance", 20),
        ("admin-panel", 0),
        ("async-support", 20),
        ("learning-curve", 20),
        ("openapi", 15),
        ("orm", 1),
    ],
)
def test_one_weight_changed_in_the_address_ranks_as_the_oracle_says(
    client, shipped, criterion, weight
):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    consultation = Consultation.objects.get()
    weights = dict(consultation.weights)
    assert weights[criterion] != weight
    assert page_ranking(client.get(url).content.decode()) == oracle_ranking(weights)

    weights[criterion] = weight
    response = client.get(reweigh_url(url, {criterion: weight}))
    html = response.content.decode()
    assert response.status_code == 200
    assert page_ranking(html) == oracle_ranking(weights)
    assert 'id="reweighed-notice"' in html
    name = Criterion.objects.get(slug=criterion).name
    original = consultation.weights[criterion]
    sign = "+" if weight > original else "−"
    assert (
        f"<li>{name}: {weight} instead of {original} ({sign}{abs(weight - original)})</li>" in html
    )
    assert "1 weight differs from your answers" in html


def test_the_form_without_scripts_gives_the_same_page_as_the_address(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    action, fields = the_form(client.get(url).content.decode())
    assert action == url
    fields = [(n, "20" if n == "w-performance" else "0" if n == "w-orm" else v) for n, v in fields]
    by_form = client.get(f"{action}?{urlencode(fields)}").content.decode()
    weights = {**Consultation.objects.get().weights, "performance": 20, "orm": 0}
    assert page_ranking(by_form) == oracle_ranking(weights)
    by_address = client.get(reweigh_url(url, {"performance": 20, "orm": 0})).content.decode()
    # Without its must-have (a form sends the ticked ones only): the same ranking both ways.
    assert page_ranking(by_form) == page_ranking(by_address)


def test_the_answers_weights_in_the_address_are_the_saved_result(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    consultation = Consultation.objects.get()
    saved = client.get(url).content.decode()
    same = client.get(
        reweigh_url(url, consultation.weights, consultation.snapshot.chosen_must_haves())
    )
    html = same.content.decode()
    assert 'id="reweighed-notice"' not in html
    assert page_ranking(html) == page_ranking(saved)


def test_re_weighing_never_changes_the_saved_consultation(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    before = Consultation.objects.values("answers", "weights", "result", "recommended").get()
    for weights in ({"performance": 20}, {"admin-panel": 0, "orm": 0, "authentication": 0}):
        assert client.get(reweigh_url(url, weights, ["async-support"])).status_code == 200
    assert (
        Consultation.objects.values("answers", "weights", "result", "recommended").get() == before
    )
    assert Consultation.objects.count() == 1


def test_a_re_weighing_that_changes_the_winner_says_so_and_links_the_new_reasons(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    consultation = Consultation.objects.get()
    assert consultation.recommended == "django"
    # An API, not pages: no admin, ORM, accounts, templates or forms; typed validation and a schema.
    off = ("admin-panel", "orm", "authentication", "templating", "forms-validation")
    weights = {**dict.fromkeys(off, 0), "openapi": 20, "data-validation": 20}
    html = client.get(reweigh_url(url, weights)).content.decode()
    (winner, _), *_ = page_ranking(html)
    assert winner != "django"
    name = Framework.objects.get(slug=winner).name
    assert re.search(rf"<h1 id=\"result-heading\">[^<]*{re.escape(name)}", html)
    # The reasons for the new winner: the evidence, and every claim one click away.
    assert f"/claims/?framework={winner}&amp;criterion=" in html
    assert re.findall(r'<h3 class="h5" id="why-\d+">', html)


def test_a_shared_re_weighing_shows_the_same_page_to_anyone(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    address = reweigh_url(url, {"performance": 20, "community": 0}, ["admin-panel"])
    first = client.get(address).content.decode()
    second = Client().get(address).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)


def test_a_re_weighing_stays_the_same_when_the_knowledge_base_changes(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    address = reweigh_url(url, {"performance": 20})
    before = page_ranking(client.get(address).content.decode())
    Claim.objects.filter(criterion__slug="performance").update(score=-2)
    bump_version()
    assert page_ranking(client.get(address).content.decode()) == before


# --- tampered addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "w-orm=abc",
        "w-orm=-1",
        "w-orm=21",
        "w-orm=1e3",
        "w-orm=NaN",
        "w-orm=%00",
        "w-orm=3&w-orm=4",
        "must=no-such-thing",
        "must=async-support&must=async-support",
        "reweigh=1&w-orm=" + "9" * 400,
    ],
)
def test_invalid_values_show_the_saved_result_with_the_errors(client, shipped, query):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    response = client.get(f"{url}?{query}")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="reweigh-errors"' in html and 'id="reweighed-notice"' not in html
    assert page_ranking(html) == page_ranking(client.get(url).content.decode())


def test_parameters_the_page_does_not_read_are_ignored(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    saved = client.get(url).content.decode()
    other = client.get(f"{url}?utm_source=x&weights=1&w=2").content.decode()
    assert page_ranking(other) == page_ranking(saved) and "reweighed-notice" not in other
    gone = client.get(f"{url}?w-a-criterion-that-is-gone=3")  # e.g. an address from elsewhere
    html = gone.content.decode()
    assert gone.status_code == 200 and "reweighed-notice" not in html
    assert page_ranking(html) == page_ranking(saved)
    assert "no criterion for w-a-criterion-that-is-gone in its address" in html
    assert "that weight was ignored" in html


def test_a_snapshot_saved_before_re_weighing_renders_and_says_it_cannot_be_re_weighed(client, db):
    saved = json.loads(
        (Path(__file__).parent / "snapshots" / "consultation-engine-2.json").read_text()
    )
    consultation = Consultation.objects.create(**saved)
    response = client.get(f"{consultation.get_absolute_url()}?w-orm=20")
    html = response.content.decode()
    assert response.status_code == 200
    assert "saved before results could be re-weighed" in html
    assert "The weights in this address were ignored" in html
    assert 'id="reweigh-form"' not in html


# --- query budgets -----------------------------------------------------------------------


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_a_re_weighed_page_takes_one_query_whatever_the_size_of_the_knowledge_base(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    small = [page_queries(client, url)]
    small += [page_queries(client, reweigh_url(url, {"performance": n})) for n in (1, 20)]
    make_knowledge_base(frameworks=40, criteria=30, claims_per_pair=2)
    bump_version()
    assert client.post("/advisor/", form_data(LARGE_TEAM_APP)).status_code == 303
    large_url = Consultation.objects.order_by("-created_at").first().get_absolute_url()
    assert large_url != url
    large = [page_queries(client, large_url)]
    large += [page_queries(client, reweigh_url(large_url, {"performance": n})) for n in (1, 20)]
    # The consultation, then everything from its snapshot: the saved page and its re-weighings.
    assert small == large == [1, 1, 1]


def test_the_pool_keeps_the_best_frameworks_with_and_without_the_must_haves(client, db):
    kb = make_knowledge_base(frameworks=services.POOL_SIZE + 10, criteria=3)
    question = Question.objects.create(text="Does it matter?", order=1)
    option = Option.objects.create(question=question, label="Yes", order=1)
    OptionWeight.objects.create(option=option, criterion=kb["criteria"][0], change=3)
    response = client.post("/advisor/", {f"q{question.pk}": str(option.pk)})
    snapshot = Consultation.objects.get().snapshot
    assert len(snapshot.pool.frameworks) == services.POOL_SIZE
    ranked = [s.framework for s in snapshot.recommendation.ranking]
    assert list(snapshot.pool.frameworks) == ranked[: services.POOL_SIZE]
    html = client.get(reweigh_url(response["Location"], {kb["criteria"][1].slug: 20})).content
    assert f"compares the {services.POOL_SIZE} frameworks that scored best" in html.decode()
    assert len(page_ranking(html.decode())) == services.POOL_SIZE


def test_the_address_parameters_are_what_the_form_sends(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    _, fields = the_form(client.get(url).content.decode())
    names = {name for name, _ in fields}
    slugs = set(Criterion.objects.values_list("slug", flat=True))
    # Every criterion's slider; the must-haves' checkboxes are sent only when ticked.
    assert names == {"reweigh"} | {f"w-{slug}" for slug in slugs}
    html = client.get(url).content.decode()
    assert set(re.findall(r'name="must" value="([^"]+)"', html)) == {
        "async-support",
        "admin-panel",
        "cost",
    }
    assert dict(parse_qsl(reweigh_url(url, {"orm": 3}).split("?")[1])) == {
        "reweigh": "1",
        "w-orm": "3",
    }


def test_the_page_leads_with_the_answer_and_folds_the_detail(client, shipped):
    """The answer, the bands, the reasons and the re-weigh panel first; the per-criterion table,
    the contested evidence and the answers folded (no script needed), citations one click away."""
    url = submit(client, [*LARGE_TEAM_APP, ASYNC_MUST])["Location"]
    html = client.get(url).content.decode()
    order = [
        html.index(marker)
        for marker in (
            'id="result-heading"',
            'id="confidence"',
            'id="scores-heading"',
            'id="why-heading"',
            'id="excluded-heading"',
            'id="reweigh-heading"',
            'id="flips-heading"',
            'id="table-heading"',
            'id="questioned-heading"',
            'id="answers-heading"',
        )
    ]
    assert order == sorted(order)
    for folded in ("flips", "table", "questioned", "answers"):
        assert re.search(
            rf'<details class="result-details mb-3" id="{folded}">\s*<summary><h2', html
        )
    assert len(re.findall(r'<h3 class="h5" id="why-\d+">', html)) == 3
    # Each reason's claims with their sources one click away (a <details> of the claim), and a
    # link to every claim of the pair.
    why = html[html.index('id="why-heading"') : html.index('id="excluded-heading"')]
    assert why.count('<details class="claim-sources') >= 3
    assert why.count("/claims/?framework=django&amp;criterion=") == 3


# --- an oracle of its own over the snapshot's pool ----------------------------------------


def pool_oracle(pool, weights, must_haves=()):
    """[(framework slug, score as shown)] recomputed from the saved pool by the weighted sum as
    the method defines it (unknown pairs count 0.5), without the engine: exact fractions."""
    from fractions import Fraction

    total = sum(Fraction(w) for w in weights.values())
    scores = {}
    for f, row in zip(pool.frameworks, pool.scores, strict=True):
        evidence = dict(zip(pool.criteria, row, strict=True))
        if any(
            evidence.get(m.criterion) is not None and evidence[m.criterion] < m.minimum
            for m in must_haves
        ):
            continue
        value = sum(
            Fraction(w)
            * (Fraction(0.5) if evidence.get(c) is None else (Fraction(evidence[c]) + 2) / 4)
            for c, w in weights.items()
        )
        scores[f] = 100 * value / total
    order = sorted(scores, key=lambda f: (-scores[f], f))
    return [(f, f"{float(scores[f]):.1f}") for f in order]


def test_random_single_weight_changes_rank_as_a_recomputation_from_the_pool(client, db):
    """More frameworks than the pool keeps: a re-weighing ranks the pool, as recomputed here."""
    import random

    kb = make_knowledge_base(frameworks=services.POOL_SIZE + 6, criteria=6, claims_per_pair=1)
    question = Question.objects.create(text="Does it matter?", order=1)
    option = Option.objects.create(question=question, label="Yes", order=1)
    OptionWeight.objects.create(option=option, criterion=kb["criteria"][0], change=3)
    url = client.post("/advisor/", {f"q{question.pk}": str(option.pk)})["Location"]
    consultation = Consultation.objects.get()
    snapshot = consultation.snapshot
    assert len(snapshot.pool.frameworks) == services.POOL_SIZE < len(snapshot.frameworks)
    rng = random.Random(16)
    for _ in range(15):
        criterion = rng.choice(snapshot.pool.criteria)
        weight = rng.choice([w for w in range(21) if w != consultation.weights[criterion]])
        weights = {**consultation.weights, criterion: weight}
        html = client.get(reweigh_url(url, {criterion: weight})).content.decode()
        assert page_ranking(html) == pool_oracle(snapshot.pool, weights), (criterion, weight)


# --- tampered addresses at scale -----------------------------------------------------------


def test_thousands_of_parameters_are_a_400_never_a_500(client, shipped):
    url = submit(client, LARGE_TEAM_APP)["Location"]
    many = "&".join(f"w-orm={n % 20}" for n in range(5000))
    assert client.get(f"{url}?{many}").status_code == 400
    junk = "&".join(f"w-x{n}=1" for n in range(1500))  # under Django's limit: ignored, said
    response = client.get(f"{url}?{junk}")
    html = response.content.decode()
    assert response.status_code == 200 and "and 1490 more in its address" in html
    assert page_ranking(html) == page_ranking(client.get(url).content.decode())


def test_re_weighings_fill_no_cache(client, shipped):
    from django.core.cache import cache

    url = submit(client, LARGE_TEAM_APP)["Location"]
    client.get(url)
    before = len(cache._cache) if hasattr(cache, "_cache") else None
    for n in range(30):
        assert (
            client.get(reweigh_url(url, {"performance": n % 21, "orm": n // 21})).status_code == 200
        )
        assert client.get(f"{url}?w-orm=abc{n}").status_code == 400
    if before is not None:
        assert len(cache._cache) == before


# --- when the two methods disagree ---------------------------------------------------------


def test_when_the_methods_disagree_the_page_says_so_and_shows_both_rankings(client, db):
    from advisor import presentation, scoring

    saved = json.loads(
        (Path(__file__).parent / "snapshots" / "consultation-engine-3.json").read_text()
    )
    consultation = Consultation.objects.create(**saved)
    snapshot = consultation.snapshot
    # On these weights TOPSIS and the weighted sum put different frameworks first.
    chosen = {"flexibility": 16, "authentication": 3, "forms-validation": 15, "type-hints": 9}
    weights = {**dict.fromkeys(snapshot.answer_weights(), 0), **chosen}
    rec = presentation._reweigh(snapshot, weights, ())
    assert rec.methods_disagree and rec.winner != rec.check.winner
    html = client.get(reweigh_url(consultation.get_absolute_url(), weights)).content.decode()
    assert "The two methods disagree on the winner" in html
    methods = html[html.index('id="methods"') : html.index('id="scores-heading"')]
    name = snapshot.frameworks
    assert f"{name[rec.winner]} comes first" in methods
    assert f"{name[rec.check.winner]} does" in methods
    rows = re.findall(
        r'<tr><th scope="row">\d+</th><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>', methods
    )
    assert [by_sum for by_sum, _ in rows] == [name[s.framework] for s in rec.ranking]
    assert [by_topsis for _, by_topsis in rows] == [name[r.framework] for r in rec.check.ranking]
    assert rec.method == scoring.WEIGHTED_SUM and rec.check.method == scoring.TOPSIS
