"""The engine rewritten for speed gives exactly the results of the engine before it
(tests/advisor/reference/scoring_v3.py), on random problems: ties, unknown pairs, zero weights,
must-haves, strengths, and evidence read once (scoring.Evidence) for many sets of weights."""

import dataclasses
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor import scoring
from advisor.scoring import Evidence, Requirement, recommend
from tests.advisor.reference import scoring_v3

CASES = 400


def random_problem(rng, most_frameworks=14, most_criteria=9):
    frameworks = [f"f{i}" for i in range(rng.randint(1, most_frameworks))]
    criteria = [f"c{j}" for j in range(rng.randint(1, most_criteria))]
    grid = rng.random() < 0.6  # coarse votes: many exact ties
    clones = rng.random() < 0.2  # frameworks with the same evidence as another
    evidence, strengths = {}, {}
    for i, f in enumerate(frameworks):
        source = frameworks[i - 1] if clones and i and rng.random() < 0.5 else None
        for c in criteria:
            if source is not None:
                if (source, c) in evidence:
                    evidence[f, c] = evidence[source, c]
                continue
            if rng.random() < 0.7:
                evidence[f, c] = rng.randint(-8, 8) / 4 if grid else rng.uniform(-2, 2)
                if rng.random() < 0.7:
                    strengths[f, c] = rng.choice([0.0, 0.25, 0.5, 0.8, 1.0, rng.random()])
    weights = {
        c: rng.choice([0, 0, rng.randint(1, 20), rng.uniform(0.01, 20), 1e-13, 1e6])
        for c in criteria
    }
    requirements = [
        Requirement(c, c, rng.choice([-1.0, 0.0, 0.5, 1.0]))
        for c in rng.sample(criteria, rng.randint(0, min(2, len(criteria))))
    ]
    return weights, evidence, frameworks, strengths, requirements


@pytest.mark.parametrize("seed", range(4))
def test_the_fast_engine_gives_exactly_the_results_of_the_engine_before_it(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        weights, evidence, frameworks, strengths, requirements = random_problem(rng)
        detail_count = rng.choice([None, 0, 1, 3])
        expected = scoring_v3.recommend(
            weights,
            evidence,
            frameworks,
            detail_count=detail_count,
            strengths=strengths,
            requirements=requirements,
        )
        given = dict(detail_count=detail_count, requirements=requirements)
        assert recommend(weights, evidence, frameworks, strengths=strengths, **given) == expected
        # Read once for every criterion and framework, then used for these.
        prepared = Evidence(evidence, [*frameworks, "spare"], [*weights, "other"], strengths)
        assert recommend(weights, prepared, frameworks, **given) == expected


def nearby(rng, weights):
    """Weights that mostly keep those given: some changed, some new, some dropped."""
    near = {c: w for c, w in weights.items() if rng.random() < 0.9}
    for c in rng.sample(sorted(weights), rng.randint(0, len(weights))):
        near[c] = rng.choice([0, 1, 3, rng.uniform(0, 20), 1e6])
    return near


@pytest.mark.parametrize("seed", range(2))
def test_sums_from_base_weights_are_exactly_the_sums_of_every_term(seed):
    """Evidence read with base weights (the criteria's defaults) sums only the terms whose
    weight differs from them: the same results, whether the weights are near the base or not."""
    rng = random.Random(100 + seed)
    for _ in range(CASES):
        weights, evidence, frameworks, strengths, requirements = random_problem(rng)
        base = weights if rng.random() < 0.2 else nearby(rng, weights)
        prepared = Evidence(evidence, frameworks, [*weights, *base], strengths, weights=base)
        expected = scoring_v3.recommend(
            weights, evidence, frameworks, strengths=strengths, requirements=requirements
        )
        assert recommend(weights, prepared, frameworks, requirements=requirements) == expected


@pytest.mark.parametrize("seed", range(3))
def test_many_frameworks_close_together_give_exactly_the_results_of_the_engine_before_it(seed):
    """Hundreds of frameworks with coarse votes: many leads within rounding of each other, flips
    found far down the ranking, and must-haves that leave some out of TOPSIS's norms."""
    rng = random.Random(200 + seed)
    for _ in range(12):
        weights, evidence, frameworks, strengths, requirements = random_problem(rng, 300, 14)
        prepared = Evidence(evidence, frameworks, weights, strengths, weights=nearby(rng, weights))
        expected = scoring_v3.recommend(
            weights, evidence, frameworks, strengths=strengths, requirements=requirements
        )
        assert recommend(weights, prepared, frameworks, requirements=requirements) == expected


def nudged(rng, evidence):
    """The evidence with some values moved by a hair: closeness tied within EPSILON, not equal."""
    return {
        pair: min(2.0, max(-2.0, e + rng.choice([0.0, 0.0, 1e-12, -1e-12])))
        for pair, e in evidence.items()
    }


@pytest.mark.parametrize("seed", range(3))
def test_a_short_check_lists_exactly_the_first_places_of_the_whole_one(seed):
    """With check_count, only the frameworks that may be listed are summed exactly: the check
    lists the first places of the whole TOPSIS ranking, with the same closeness and ranks (ties
    across the cut included), and the same agreement; the rest of the result is unchanged."""
    rng = random.Random(300 + seed)
    for _ in range(CASES // 4):
        weights, evidence, frameworks, strengths, requirements = random_problem(rng, 60, 9)
        if rng.random() < 0.5:
            evidence = nudged(rng, evidence)
        given = dict(strengths=strengths, requirements=requirements)
        whole = recommend(weights, evidence, frameworks, **given)
        count = rng.randint(1, len(frameworks) + 1)
        short = recommend(weights, evidence, frameworks, check_count=count, **given)
        if whole.check is None:
            assert short == whole
            continue
        first = dataclasses.replace(whole.check, ranking=whole.check.ranking[:count])
        assert short == dataclasses.replace(whole, check=first)


def test_a_short_check_keeps_a_framework_tied_within_epsilon_with_the_last_place_listed():
    """ "a" is less than EPSILON from "top" by closeness: both rank first, and "a" comes first by
    its slug, so a check of one place lists "a", as the whole check does."""
    evidence = {("top", "c1"): 1.0, ("top", "c2"): 1.0, ("a", "c1"): 1.0 - 2e-9, ("a", "c2"): 1.0}
    evidence.update({("low", "c1"): -1.0, ("low", "c2"): 0.0})
    weights, frameworks = {"c1": 1, "c2": 1}, ["top", "a", "low"]
    whole = recommend(weights, evidence, frameworks).check
    assert [(r.framework, r.rank) for r in whole.ranking] == [("a", 1), ("top", 1), ("low", 3)]
    assert 0 < whole.ranking[1].value - whole.ranking[0].value < scoring.EPSILON
    short = recommend(weights, evidence, frameworks, check_count=1).check
    assert short.ranking == whole.ranking[:1] and short.agrees == whole.agrees


def test_a_check_lists_at_least_its_winner():
    with pytest.raises(ValueError, match="check_count"):
        recommend({"c": 1}, {("a", "c"): 1.0}, ["a"], check_count=0)


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(st.lists(finite), st.lists(finite, max_size=5))
def test_exact_pieces_sum_with_anything_as_their_terms_do(terms, more):
    pieces = scoring._exact(terms)
    assert math.fsum([*pieces, *more]) == math.fsum([*terms, *more])
    assert len(pieces) <= max(1, len(terms))


def test_evidence_read_once_ranks_any_weights_and_any_of_its_frameworks():
    rng = random.Random(7)
    weights, evidence, frameworks, strengths, _ = random_problem(rng)
    prepared = Evidence(evidence, frameworks, list(weights), strengths)
    for _ in range(50):
        some = rng.sample(frameworks, rng.randint(1, len(frameworks)))
        other = {c: rng.choice([0, 1, 5, 20]) for c in [*weights, "not-in-the-evidence"]}
        assert recommend(other, prepared, some) == scoring_v3.recommend(
            other, evidence, some, strengths=strengths
        )


def test_topsis_closeness_is_the_engine_before_it():
    rng = random.Random(11)
    for _ in range(300):
        weights, evidence, frameworks, _, _ = random_problem(rng)
        values = {
            f: {c: (evidence[f, c] + 2) / 4 if (f, c) in evidence else 0.5 for c in weights}
            for f in frameworks
        }
        assert scoring.topsis_closeness(weights, values) == scoring_v3.topsis_closeness(
            weights, values
        )


@pytest.mark.parametrize(
    ("evidence", "strengths", "match"),
    [
        ({("a", "perf"): 2.5}, {}, r"evidence for \('a', 'perf'\).*\[-2, 2\]"),
        ({("a", "perf"): float("nan")}, {}, "finite"),
        ({("a", "perf"): float("inf")}, {}, "finite"),
        ({("a", "perf"): 1.0}, {("a", "perf"): 1.5}, r"strength for.*\[0, 1\]"),
    ],
)
def test_evidence_is_validated_when_it_is_read(evidence, strengths, match):
    with pytest.raises(ValueError, match=match):
        Evidence(evidence, ["a"], ["perf"], strengths)
