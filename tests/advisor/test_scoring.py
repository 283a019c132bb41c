"""Tests for the advisor's pure-Python scoring engine (no database needed)."""

import ast
import json
import math
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from advisor import scoring
from advisor.scoring import (
    ENGINE_VERSION,
    Contribution,
    DecisiveCriterion,
    Flip,
    Recommendation,
    SettlingCriterion,
    recommend,
)


def scores_of(result: Recommendation) -> dict[str, float]:
    return {s.framework: s.score for s in result.ranking}


def by_framework(result: Recommendation, framework: str):
    return next(s for s in result.ranking if s.framework == framework)


# --- hand-computed examples -------------------------------------------------------------------

# Two frameworks x three criteria, W = 4.
#   django: perf 0 (v .5), docs +2 (v 1), eco +2 (v 1) -> (1 + 1 + 1) / 4 = 75
#   flask:  perf +2 (v 1), docs 0 (v .5), eco -2 (v 0) -> (2 + .5 + 0) / 4 = 62.5
TWO_BY_THREE = (
    {"perf": 2, "docs": 1, "eco": 1},
    {
        ("django", "perf"): 0,
        ("django", "docs"): 2,
        ("django", "eco"): 2,
        ("flask", "perf"): 2,
        ("flask", "docs"): 0,
        ("flask", "eco"): -2,
    },
    ["flask", "django"],
)

# Three frameworks, W = 4 (a: 2, b: 1, c: 1); "y" has no evidence on c.
#   x: a v1,   b v.25, c v1      -> (2 + .25 + 1) / 4   = 81.25
#   y: a v.75, b v.25, c unknown -> (1.5 + .25 + .5) / 4 = 56.25
#   z: a v.25, b v1,   c v.5     -> (.5 + 1 + .5) / 4   = 50
# Leads of x (weight units): D_y = 1.0, D_z = 1.25.
THREE_WAY = (
    {"a": 2, "b": 1, "c": 1},
    {
        ("x", "a"): 2,
        ("x", "b"): -1,
        ("x", "c"): 2,
        ("y", "a"): 1,
        ("y", "b"): -1,
        ("z", "a"): -1,
        ("z", "b"): 2,
        ("z", "c"): 0,
    },
    ["z", "y", "x"],
)


@pytest.mark.parametrize(
    ("weights", "evidence", "frameworks", "expected"),
    [
        pytest.param(*TWO_BY_THREE, {"django": 75.0, "flask": 62.5}, id="two-by-three"),
        pytest.param(*THREE_WAY, {"x": 81.25, "y": 56.25, "z": 50.0}, id="three-way"),
        pytest.param(
            {"perf": 1, "docs": 3},
            {("a", "perf"): 2, ("a", "docs"): -2},
            ["a", "ghost"],
            {"a": 25.0, "ghost": 50.0},
            id="framework-without-evidence",
        ),
        pytest.param(
            {"perf": 1, "docs": 0},
            {("a", "perf"): 1, ("a", "docs"): -2, ("b", "perf"): -1, ("b", "docs"): 2},
            ["a", "b"],
            {"a": 75.0, "b": 25.0},
            id="zero-weight-ignored",
        ),
        pytest.param(
            {"perf": 1},
            {("a", "perf"): 2, ("b", "perf"): -2},
            ["a", "b"],
            {"a": 100.0, "b": 0.0},
            id="extremes",
        ),
    ],
)
def test_hand_computed_scores(weights, evidence, frameworks, expected):
    result = recommend(weights, evidence, frameworks)
    assert scores_of(result) == pytest.approx(expected, abs=1e-12)
    assert [s.framework for s in result.ranking] == sorted(expected, key=lambda f: -expected[f])


def test_two_by_three_explanation():
    result = recommend(*TWO_BY_THREE)
    assert result.winner == "django"
    assert result.runner_up == "flask"
    assert result.margin == pytest.approx(12.5)
    assert result.confidence == "high"
    assert [s.rank for s in result.ranking] == [1, 2]
    # Contributions to the margin: perf 2*(.5-1)/4 = -25, docs 1*.5/4 = 12.5, eco 1*1/4 = 25.
    assert [(d.criterion, d.margin_points) for d in result.decisive] == [
        ("eco", pytest.approx(25.0)),
        ("docs", pytest.approx(12.5)),
    ]
    # D = 0.5: eco d=1 -> -0.5, docs d=.5 -> -1, perf d=-.5 -> +1.
    flips = {f.criterion: (f.weight_change, f.overtaken_by) for f in result.flips}
    assert flips == {
        "docs": (pytest.approx(-1.0), "flask"),
        "eco": (pytest.approx(-0.5), "flask"),
        "perf": (pytest.approx(1.0), "flask"),
    }
    assert result.decisive[0].flip == Flip("eco", pytest.approx(-0.5), "flask")
    django = by_framework(result, "django")
    assert django.contributions == (
        Contribution("docs", 1.0, 2.0, 25.0),
        Contribution("eco", 1.0, 2.0, 25.0),
        Contribution("perf", 2.0, 0.0, 25.0),
    )
    assert result.message == "django leads flask by 12.5 points (75.0 vs 62.5 out of 100)."


def test_three_way_decisive_flips_and_never():
    result = recommend(*THREE_WAY)
    assert (result.winner, result.runner_up) == ("x", "y")
    assert result.margin == pytest.approx(25.0)
    # a: 2*.25/4 = 12.5, b: 0, c: 1*.5/4 = 12.5 -> tie broken by slug.
    assert result.decisive == (
        DecisiveCriterion("a", pytest.approx(12.5), Flip("a", pytest.approx(-5 / 3), "z")),
        DecisiveCriterion("c", pytest.approx(12.5), Flip("c", None, None)),
    )
    # a: vs y needs -4 (weight -2, impossible), vs z needs -1.25/.75 = -5/3 (weight 1/3).
    # b: no difference with y, vs z needs +1.25/.75 = +5/3.
    # c: vs y needs -2, vs z needs -2.5: both push the weight below zero -> never.
    assert result.flips == (
        Flip("a", pytest.approx(-5 / 3), "z"),
        Flip("b", pytest.approx(5 / 3), "z"),
        Flip("c", None, None),
    )
    y = by_framework(result, "y")
    assert y.coverage == pytest.approx(0.75)
    assert y.unknown_criteria == ("c",)
    assert y.contributions[2] == Contribution("c", 1.0, None, pytest.approx(12.5))
    assert result.confidence == "medium"
    assert recommend(*THREE_WAY, decisive_count=1).decisive == result.decisive[:1]
    assert recommend(*THREE_WAY, decisive_count=0).decisive == ()


def test_applying_a_hand_computed_flip_ties_the_result():
    weights, evidence, frameworks = THREE_WAY
    flipped = recommend({**weights, "a": 2 - 5 / 3}, evidence, frameworks)
    assert scores_of(flipped)["x"] == pytest.approx(scores_of(flipped)["z"])


def test_framework_without_evidence_is_neutral_with_zero_coverage():
    result = recommend({"perf": 2, "docs": 1}, {("a", "perf"): 1}, ["a", "ghost"])
    ghost = by_framework(result, "ghost")
    assert ghost.score == 50.0
    assert ghost.coverage == 0.0
    assert ghost.unknown_criteria == ("docs", "perf")
    assert by_framework(result, "a").coverage == pytest.approx(2 / 3)
    assert result.confidence == "low"  # min(2/3, 0)


def test_ties_share_a_rank_and_are_ordered_by_slug():
    evidence = {("b", "perf"): 1, ("c", "perf"): 1, ("a", "perf"): -1}
    result = recommend({"perf": 1}, evidence, ["c", "a", "b"])
    assert [(s.framework, s.rank, s.score) for s in result.ranking] == [
        ("b", 1, 75.0),
        ("c", 1, 75.0),
        ("a", 3, 25.0),
    ]
    assert (result.winner, result.runner_up, result.margin) == ("b", "c", 0.0)
    assert result.message == "b and c are tied at 75.0/100."
    assert result.decisive == ()
    assert all(f.weight_change == 0.0 and f.overtaken_by == "c" for f in result.flips)


def test_single_framework():
    result = recommend({"perf": 1}, {("a", "perf"): 2}, ["a"])
    assert (result.winner, result.runner_up, result.margin) == ("a", None, 0.0)
    assert result.ranking[0].score == 100.0
    assert result.flips == (Flip("perf", None, None),)
    assert result.decisive == ()


@pytest.mark.parametrize(
    ("weights", "frameworks"),
    [
        ({"perf": 0, "docs": 0.0}, ["b", "a"]),
        ({}, ["b", "a"]),
        ({"perf": 1}, []),
    ],
)
def test_no_preference(weights, frameworks):
    result = recommend(weights, {("a", "perf"): 2}, frameworks)
    assert result.no_preference is True
    assert result.winner is None and result.runner_up is None
    assert result.confidence is None
    assert result.decisive == () and result.flips == ()
    assert [(s.framework, s.score, s.rank) for s in result.ranking] == [
        (f, 50.0, 1) for f in sorted(frameworks)
    ]
    assert result.message


@pytest.mark.parametrize(
    ("weights", "evidence", "frameworks", "match"),
    [
        ({"perf": -1}, {}, ["a"], "weight for criterion 'perf'"),
        ({"perf": math.nan}, {}, ["a"], "finite"),
        ({"perf": math.inf}, {}, ["a"], "finite"),
        ({"perf": 1}, {("a", "perf"): 2.5}, ["a"], r"\[-2, 2\]"),
        ({"perf": 1}, {("a", "perf"): -2.01}, ["a"], r"\[-2, 2\]"),
        ({"perf": 1}, {("a", "perf"): math.nan}, ["a"], "finite"),
        ({"perf": 1}, {}, ["a", "a"], "duplicate"),
    ],
)
def test_invalid_input_raises(weights, evidence, frameworks, match):
    with pytest.raises(ValueError, match=match):
        recommend(weights, evidence, frameworks)


def test_negative_decisive_count_and_string_frameworks_are_rejected():
    with pytest.raises(ValueError, match="decisive_count"):
        recommend({"perf": 1}, {}, ["a"], decisive_count=-1)
    with pytest.raises(TypeError):
        recommend({"perf": 1}, {}, "django")


def test_snapshot_is_json_and_round_trips():
    result = recommend(*THREE_WAY)
    data = json.loads(json.dumps(result.as_dict()))
    assert data["engine_version"] == ENGINE_VERSION == "3"
    assert data["method"] == "weighted-sum" and data["check"]["method"] == "topsis"
    assert data["ranking"][0]["contributions"][0] == {
        "criterion": "a",
        "weight": 2.0,
        "evidence": 2.0,
        "points": 50.0,
    }
    assert data["decisive"][1]["flip"] == {
        "criterion": "c",
        "weight_change": None,
        "overtaken_by": None,
    }
    assert Recommendation.from_dict(data) == result


def test_module_imports_only_the_standard_library():
    tree = ast.parse(Path(scoring.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --- property tests ---------------------------------------------------------------------------

CRITERIA = ["a", "b", "c", "d"]
FRAMEWORKS = ["f1", "f2", "f3", "f4"]
weight_values = st.one_of(
    st.just(0.0), st.integers(1, 5).map(float), st.floats(0.1, 10, allow_subnormal=False)
)
# Aggregated votes are coarse. The flip test uses only this grid: with arbitrary floats, two
# values 1e-14 apart need a weight change of ~1e14, where float noise swamps the 0.99x check.
grid_evidence = st.integers(-8, 8).map(lambda n: n / 4)
any_evidence = st.one_of(grid_evidence, st.floats(-2, 2))


@st.composite
def problems(draw, evidence_values=any_evidence, weights=weight_values, min_frameworks=1):
    criteria = draw(st.lists(st.sampled_from(CRITERIA), min_size=1, unique=True))
    frameworks = draw(st.lists(st.sampled_from(FRAMEWORKS), min_size=min_frameworks, unique=True))
    pairs = st.tuples(st.sampled_from(frameworks), st.sampled_from(criteria))
    return (
        {c: draw(weights) for c in criteria},
        draw(st.dictionaries(pairs, evidence_values)),
        frameworks,
    )


def effective_value(evidence, framework, criterion):
    e = evidence.get((framework, criterion))
    return 0.5 if e is None else (e + 2) / 4


@given(problems(weights=st.floats(0, 1e6)))
def test_scores_and_coverage_stay_in_range(problem):
    result = recommend(*problem)
    assert len(result.ranking) == len(problem[2])
    for s in result.ranking:
        assert 0.0 <= s.score <= 100.0
        assert 0.0 <= s.coverage <= 1.0
        assert s.rank >= 1
    assert result.margin >= 0.0


@settings(max_examples=300)
@given(problems(), st.sampled_from(CRITERIA), st.floats(0.01, 20))
def test_raising_a_weight_never_demotes_the_best_framework_on_it(problem, criterion, increase):
    weights, evidence, frameworks = problem
    assume(criterion in weights)
    before = recommend(weights, evidence, frameworks)
    after = recommend({**weights, criterion: weights[criterion] + increase}, evidence, frameworks)
    best = max(effective_value(evidence, f, criterion) for f in frameworks)
    for f in frameworks:
        if effective_value(evidence, f, criterion) == best:
            assert by_framework(after, f).rank <= by_framework(before, f).rank


@given(problems(), st.sampled_from(FRAMEWORKS))
def test_identical_evidence_gives_identical_scores(problem, original):
    weights, evidence, frameworks = problem
    assume(original in frameworks)
    clone = {("clone", c): e for (f, c), e in evidence.items() if f == original}
    result = recommend(weights, {**evidence, **clone}, [*frameworks, "clone"])
    assert by_framework(result, "clone").score == by_framework(result, original).score
    assert by_framework(result, "clone").rank == by_framework(result, original).rank


@given(problems(weights=st.just(0.0)))
def test_all_zero_weights_mean_no_preference(problem):
    result = recommend(*problem)
    assert result.no_preference and result.winner is None
    assert {s.score for s in result.ranking} == {50.0}


@given(problems(), st.integers(0, 4))
def test_snapshot_round_trip(problem, decisive_count):
    result = recommend(*problem, decisive_count=decisive_count)
    snapshot = json.loads(json.dumps(result.as_dict()))
    assert Recommendation.from_dict(snapshot) == result
    assert Recommendation.from_dict(snapshot).as_dict() == snapshot


@settings(max_examples=300)
@given(problems(evidence_values=grid_evidence, min_frameworks=2))
def test_reported_flips_are_exact_and_minimal(problem):
    weights, evidence, frameworks = problem
    result = recommend(weights, evidence, frameworks)
    assume(not result.no_preference)
    winner = result.winner
    for flip in result.flips:
        weight = weights[flip.criterion]
        if flip.weight_change is None:
            # "never": neither dropping the weight to zero nor raising it a lot dethrones.
            for extreme in (0.0, weight * 10 + 10):
                moved = recommend({**weights, flip.criterion: extreme}, evidence, frameworks)
                assert by_framework(moved, winner).rank == 1
            continue
        assert weight + flip.weight_change >= 0
        changed = {**weights, flip.criterion: weight + flip.weight_change}
        scores = scores_of(recommend(changed, evidence, frameworks))
        assert scores[winner] <= scores[flip.overtaken_by] + 1e-6
        if flip.weight_change != 0:
            almost = {**weights, flip.criterion: weight + 0.99 * flip.weight_change}
            scores = scores_of(recommend(almost, evidence, frameworks))
            assert all(scores[winner] > scores[f] for f in frameworks if f != winner)


def test_detail_count_keeps_contributions_for_the_best_ranked_only():
    evidence = {("a", "x"): 2.0, ("b", "x"): 0.0, ("c", "x"): -2.0}
    full = recommend({"x": 1.0}, evidence, ["a", "b", "c"])
    short = recommend({"x": 1.0}, evidence, ["a", "b", "c"], detail_count=1)
    assert [bool(s.contributions) for s in short.ranking] == [True, False, False]
    assert short.ranking[2].unknown_criteria == () and short.ranking[2].coverage == 1.0
    assert short.ranking[0] == full.ranking[0]
    assert [s.score for s in short.ranking] == [s.score for s in full.ranking]
    assert short.flips == full.flips


# --- evidence strength: bands, "too close to call", the evidence that would settle it ---------

CLOSE = (
    {"docs": 4, "speed": 4, "admin": 2},
    {("a", "docs"): 2, ("a", "speed"): 2, ("b", "docs"): 1, ("b", "speed"): 1, ("b", "admin"): 1},
    ["a", "b"],
)
BANDED = (CLOSE[0], CLOSE[1] | {("a", "speed"): 1}, CLOSE[2])


def test_bands_are_hand_computable():
    # a: docs v=1 (s=1, exact), speed v=.75 (s=.04: ±.25*.96=.24), admin unknown (.5 ± .25).
    strengths = {("a", "docs"): 1.0, ("a", "speed"): 0.04, ("b", "docs"): 1.0}
    strengths |= {("b", "speed"): 1.0, ("b", "admin"): 1.0}
    result = recommend(*BANDED, strengths=strengths)
    a = by_framework(result, "a")
    assert a.score == pytest.approx(100 * (4 * 1 + 4 * 0.75 + 2 * 0.5) / 10)
    assert a.band_low == pytest.approx(100 * (4 * 1 + 4 * 0.51 + 2 * 0.25) / 10)
    assert a.band_high == pytest.approx(100 * (4 * 1 + 4 * 0.99 + 2 * 0.75) / 10)
    assert a.strength == pytest.approx((4 * 1 + 4 * 0.04) / 10)
    b = by_framework(result, "b")
    assert b.band_low == b.score == b.band_high  # every pair known from the best sources


def test_weak_evidence_makes_a_clear_winner_too_close_to_call_and_names_what_would_settle_it():
    strong = recommend(*CLOSE)  # every known pair fully trusted: a 90 (85 to 95), b 75
    assert strong.winner == "a" and not strong.too_close
    assert by_framework(strong, "a").band_low == pytest.approx(85)
    weak = recommend(*CLOSE, strengths={key: 0.04 for key in CLOSE[1]})
    assert weak.winner == "a" and weak.margin == pytest.approx(strong.margin)
    assert weak.too_close and weak.confidence == "low"
    assert weak.message.startswith("Too close to call")
    # The weightiest criteria with the weakest evidence first: docs and speed (4 each, both weak
    # for both), then admin (2, unknown for a).
    assert [s.criterion for s in weak.settling] == ["docs", "speed", "admin"]
    assert weak.settling[2] == SettlingCriterion("admin", 2.0, 0.0, pytest.approx(0.04))


def test_confidence_is_high_only_when_the_bands_part_and_the_evidence_is_strong():
    more_admin = {"docs": 4, "speed": 4, "admin": 3}
    # a knows nothing of the admin: 3 of 11 of the weight, strength 8/11 < 0.8.
    assert recommend(more_admin, CLOSE[1], CLOSE[2]).confidence == "medium"
    weights = {"docs": 4, "speed": 4, "admin": 0}
    assert recommend(weights, CLOSE[1], CLOSE[2]).confidence == "high"


def test_strengths_out_of_range_are_refused():
    with pytest.raises(ValueError, match="strength"):
        recommend(*CLOSE, strengths={("a", "docs"): 1.5})


def test_engine_1_snapshots_still_load_with_exact_bands():
    data = recommend(*THREE_WAY).as_dict()
    for score in data["ranking"]:
        for key in ("band_low", "band_high", "strength"):
            del score[key]
    del data["too_close"], data["settling"]
    old = Recommendation.from_dict(data)
    assert all(s.band_low == s.score == s.band_high for s in old.ranking)
    assert not old.too_close and old.settling == ()


@given(
    st.dictionaries(st.sampled_from("abc"), st.floats(0, 1), min_size=1),
    st.sampled_from("abc"),
)
def test_weaker_evidence_never_narrows_a_band(strengths, weakened):
    evidence = {("x", c): 1 for c in "abc"} | {("y", c): -1 for c in "abc"}
    base = {("x", c): strengths.get(c, 1.0) for c in "abc"}
    lower = dict(base)
    lower["x", weakened] = base["x", weakened] / 2
    before = by_framework(
        recommend({"a": 1, "b": 2, "c": 3}, evidence, ["x", "y"], strengths=base), "x"
    )
    after = by_framework(
        recommend({"a": 1, "b": 2, "c": 3}, evidence, ["x", "y"], strengths=lower), "x"
    )
    assert after.band_high - after.band_low >= before.band_high - before.band_low - 1e-9
    assert after.score == before.score


# --- must-haves ---------------------------------------------------------------------------------

ASYNC = scoring.Requirement("async-support", "async", 1.0)


def test_a_requirement_excludes_exactly_the_frameworks_whose_evidence_is_below_it():
    weights = {"async": 1, "docs": 2}
    evidence = {
        ("fast", "async"): 2,
        ("fast", "docs"): 0,
        ("slow", "async"): -1,  # fails: -1 < 1
        ("slow", "docs"): 2,
        ("edge", "async"): 1,  # exactly the minimum: kept
        ("edge", "docs"): 0,
        # "ghost" has no evidence on async: unknown, kept, and said
    }
    result = recommend(weights, evidence, ["slow", "fast", "edge", "ghost"], requirements=[ASYNC])
    assert {s.framework for s in result.ranking} == {"fast", "edge", "ghost"}
    assert result.excluded == (
        scoring.Exclusion("slow", "async-support", "async", -1.0, 1.0, pytest.approx(75.0)),
    )
    assert result.unknown_requirements == (
        scoring.UnknownRequirement("async-support", "async", ("ghost",)),
    )
    assert result.requirements == (ASYNC,)
    # Without the requirement, "slow" would have won.
    assert recommend(weights, evidence, ["slow", "fast", "edge", "ghost"]).winner == "slow"
    assert result.winner == "fast"


def test_when_every_framework_fails_there_is_no_preference_but_the_exclusions_are_said():
    result = recommend(
        {"async": 1}, {("a", "async"): -2, ("b", "async"): 0}, ["a", "b"], requirements=[ASYNC]
    )
    assert result.no_preference and result.winner is None and result.ranking == ()
    # Listed by the score they would have had: b 50, a 0.
    assert [(e.framework, e.score) for e in result.excluded] == [("b", 50.0), ("a", 0.0)]
    assert "must-haves" in result.message


def test_requirements_are_validated_and_round_trip():
    with pytest.raises(ValueError, match="minimum"):
        recommend({"a": 1}, {}, ["x"], requirements=[scoring.Requirement("k", "a", 3)])
    with pytest.raises(ValueError, match="duplicate"):
        recommend({"a": 1}, {}, ["x"], requirements=[ASYNC, ASYNC])
    result = recommend(
        {"async": 1}, {("a", "async"): -2, ("b", "async"): 2}, ["a", "b"], requirements=[ASYNC]
    )
    assert Recommendation.from_dict(json.loads(json.dumps(result.as_dict()))) == result


@given(problems(), st.sampled_from(CRITERIA), grid_evidence)
def test_exclusions_are_exactly_the_known_evidence_below_the_minimum(problem, criterion, minimum):
    weights, evidence, frameworks = problem
    requirement = scoring.Requirement("must", criterion, minimum)
    result = recommend(weights, evidence, frameworks, requirements=[requirement])
    failing = {
        f
        for f in frameworks
        if (f, criterion) in evidence and evidence[f, criterion] < minimum - scoring.EPSILON
    }
    assert {e.framework for e in result.excluded} == failing
    assert {s.framework for s in result.ranking} == set(frameworks) - failing or (
        result.no_preference and not set(frameworks) - failing
    )
    unknown = {f for f in set(frameworks) - failing if (f, criterion) not in evidence}
    assert {f for u in result.unknown_requirements for f in u.frameworks} == unknown
    # The frameworks left are ranked as if the failing ones had never been compared.
    alone = recommend(weights, evidence, [f for f in frameworks if f not in failing])
    assert [(s.framework, s.score) for s in result.ranking] == [
        (s.framework, s.score) for s in alone.ranking
    ]
