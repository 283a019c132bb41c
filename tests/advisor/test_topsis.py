"""TOPSIS, the engine's second method: by hand, against an independent implementation (pymcdm,
a test-only dependency), and beside the weighted sum in the recommendation (no database)."""

import math
import random

import numpy as np
import pytest
from pymcdm import normalizations
from pymcdm.methods import TOPSIS

from advisor.scoring import TOPSIS as TOPSIS_METHOD
from advisor.scoring import WEIGHTED_SUM, recommend, topsis_closeness

CASES = 1000
TOLERANCE = 1e-9


def value(evidence):
    return (evidence + 2) / 4


# --- by hand --------------------------------------------------------------------------------

# Columns chosen so that vector normalisation leaves them as they are (each has norm 1):
#   a: x .6, y .8, z 0      b: x 0, y .6, z .8      weights 1 and 1, so t = v / 2.
#   ideal (.4, .4), anti-ideal (0, 0)
#   x: d+ = sqrt(.1² + .4²) = sqrt(.17), d- = .3   -> C = .3 / (.3 + sqrt(.17))
#   y: d+ = .1, d- = sqrt(.4² + .3²) = .5         -> C = .5 / .6
#   z: d+ = .4, d- = .4                            -> C = .5
BY_HAND = (
    {"a": 1, "b": 1},
    {"x": {"a": 0.6, "b": 0.0}, "y": {"a": 0.8, "b": 0.6}, "z": {"a": 0.0, "b": 0.8}},
    {"x": 0.3 / (0.3 + math.sqrt(0.17)), "y": 0.5 / 0.6, "z": 0.5},
)


def test_closeness_by_hand():
    weights, values, expected = BY_HAND
    assert topsis_closeness(weights, values) == pytest.approx(expected, abs=1e-15)


def test_scaling_the_weights_or_a_column_changes_nothing():
    weights, values, expected = BY_HAND
    assert topsis_closeness({"a": 7, "b": 7}, values) == pytest.approx(expected, abs=1e-12)
    halved = {f: {"a": row["a"] / 2, "b": row["b"]} for f, row in values.items()}
    assert topsis_closeness(weights, halved) == pytest.approx(expected, abs=1e-12)


# The two methods disagree: x is excellent on b and worst on a; y is poor on both, but a is a
# column of small values, which vector normalisation makes count as much as b.
#   values: x (0, 1), y (.25, .25); weights 1 and 1.
#   a: norm .25 -> r = (0, 1);  b: norm sqrt(1.0625) -> r = (1, .25) / sqrt(1.0625)
#   t = r / 2; ideal = (.5, .5 / sqrt(1.0625)), anti-ideal = (0, .125 / sqrt(1.0625))
#   x: d+ = .5, d- = .375 / sqrt(1.0625);  y: d+ = .375 / sqrt(1.0625), d- = .5
DISAGREE = (
    {"a": 1, "b": 1},
    {("x", "a"): -2, ("x", "b"): 2, ("y", "a"): -1, ("y", "b"): -1},
    ["x", "y"],
)


def test_the_two_methods_disagree_by_hand():
    result = recommend(*DISAGREE)
    assert result.winner == "x" and result.margin == pytest.approx(25.0)  # 50 vs 25
    d = 0.375 / math.sqrt(1.0625)
    assert result.check.method == TOPSIS_METHOD
    assert [(r.framework, r.rank) for r in result.check.ranking] == [("y", 1), ("x", 2)]
    assert result.check.ranking[0].value == pytest.approx(0.5 / (0.5 + d), abs=1e-15)
    assert result.check.ranking[1].value == pytest.approx(d / (0.5 + d), abs=1e-15)
    assert not result.check.agrees and result.methods_disagree
    assert result.method == WEIGHTED_SUM  # the weighted sum ranks; TOPSIS checks


def test_the_methods_agree_on_the_worked_example():
    weights, values, _ = BY_HAND
    evidence = {(f, c): v * 4 - 2 for f, row in values.items() for c, v in row.items()}
    result = recommend(weights, evidence, ["x", "y", "z"])
    assert result.winner == result.check.winner == "y"
    assert result.check.agrees and not result.methods_disagree


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"x": {"a": 0.5}, "y": {"a": 0.5}}, {"x": 0.5, "y": 0.5}),  # all alike
        ({"x": {"a": 0.0}, "y": {"a": 0.0}}, {"x": 0.5, "y": 0.5}),  # a column of zeros
        ({"x": {"a": 0.7}}, {"x": 0.5}),  # one framework: it is both ideals
    ],
    ids=["identical frameworks", "zero column", "single framework"],
)
def test_degenerate_cases_are_a_tie_at_one_half(values, expected):
    assert topsis_closeness({"a": 2}, values) == expected


def test_zero_weights_are_left_out_and_bad_input_is_refused():
    _, values, expected = BY_HAND
    with_zero = {f: {**row, "c": 0.9 if f == "x" else 0.1} for f, row in values.items()}
    assert topsis_closeness({"a": 1, "b": 1, "c": 0}, with_zero) == pytest.approx(expected)
    with pytest.raises(ValueError, match="finite"):
        topsis_closeness({"a": 1}, {"x": {"a": -0.1}})
    with pytest.raises(ValueError, match="finite"):
        topsis_closeness({"a": math.inf}, {"x": {"a": 0.1}})


# --- against pymcdm --------------------------------------------------------------------------


def pymcdm_closeness(weights, values):
    """pymcdm's TOPSIS with vector normalisation, every criterion a benefit."""
    criteria = sorted(c for c, w in weights.items() if w > 0)
    frameworks = list(values)
    matrix = np.array([[values[f][c] for c in criteria] for f in frameworks], dtype=float)
    w = np.array([weights[c] for c in criteria], dtype=float)
    method = TOPSIS(normalization_function=normalizations.vector_normalization)
    preference = method(matrix, w / w.sum(), np.ones(len(criteria)), validation=False)
    return dict(zip(frameworks, preference.tolist(), strict=True))


def random_problem(rng):
    """A random decision: 2 to 12 frameworks, 1 to 15 criteria, grid or continuous evidence."""
    frameworks = [f"f{i}" for i in range(rng.randint(2, 12))]
    criteria = [f"c{j}" for j in range(rng.randint(1, 15))]
    grid = rng.random() < 0.5
    evidence = {}
    for f in frameworks:
        for c in criteria:
            if rng.random() < 0.85:  # some pairs unknown: neutral, as in the engine
                evidence[f, c] = rng.randint(-8, 8) / 4 if grid else rng.uniform(-2, 2)
    values = {
        f: {c: value(evidence[f, c]) if (f, c) in evidence else 0.5 for c in criteria}
        for f in frameworks
    }
    # No column of zeros (pymcdm divides by its norm) and no framework identical to the ideal
    # and anti-ideal at once: those degenerate cases are tested above.
    for c in criteria:
        if not any(values[f][c] for f in frameworks):
            values[frameworks[0]][c] = 0.25
            evidence[frameworks[0], c] = -1
    return frameworks, criteria, evidence, values


def random_weights(rng, criteria):
    weights = {c: rng.choice([0, 0, rng.randint(1, 20), rng.uniform(0.01, 20)]) for c in criteria}
    if not any(weights.values()):
        weights[rng.choice(criteria)] = rng.randint(1, 20)
    return weights


def test_closeness_agrees_with_pymcdm_on_a_thousand_random_weight_vectors():
    rng = random.Random(20261202)
    compared = drawn = 0
    while compared < CASES:
        drawn += 1
        frameworks, criteria, evidence, values = random_problem(rng)
        weights = random_weights(rng, criteria)
        weighted = [c for c in criteria if weights[c] > 0]
        if all(len({values[f][c] for f in frameworks}) == 1 for c in weighted):
            continue  # every framework alike: pymcdm gives 0/0
        ours = topsis_closeness(weights, values)
        theirs = pymcdm_closeness(weights, values)
        for f in frameworks:
            assert ours[f] == pytest.approx(theirs[f], abs=TOLERANCE), (weights, values, f)
        # And the engine ranks by exactly these closenesses.
        check = recommend(weights, evidence, frameworks).check
        assert {r.framework: r.value for r in check.ranking} == pytest.approx(ours, abs=1e-15)
        order = sorted(frameworks, key=lambda f: (-round(theirs[f], 9), f))
        assert [r.framework for r in check.ranking][:1] == order[:1] or math.isclose(
            theirs[order[0]], theirs[check.ranking[0].framework], abs_tol=TOLERANCE
        )
        compared += 1
    assert drawn < CASES * 1.05, "almost every random case is comparable"
