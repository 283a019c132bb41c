"""The evidence rule, without the database: verdicts, strength, effective weights, aggregates."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comparisons.evidence import (
    VERDICT_FACTOR,
    Verdict,
    aggregate,
    assess,
    derive_verdict,
    strength,
    strength_label,
)

RELIABILITIES = range(0, 6)  # 0: no such citation


@pytest.mark.parametrize(
    "support, contradiction, verdict",
    [
        (0, 0, Verdict.UNSUPPORTED),  # no citation at all
        (1, 0, Verdict.SUPPORTED),  # nothing disagrees, however weak the support
        (5, 0, Verdict.SUPPORTED),
        (0, 1, Verdict.REFUTED),  # only contradicted
        (0, 5, Verdict.REFUTED),
        (1, 5, Verdict.REFUTED),  # a licence file against a marketing article
        (2, 4, Verdict.REFUTED),
        (1, 1, Verdict.CONTESTED),  # the article against itself
        (4, 5, Verdict.CONTESTED),  # comparable standing: one level apart
        (5, 4, Verdict.CONTESTED),
        (5, 3, Verdict.SUPPORTED),  # a much weaker source disagrees
        (5, 1, Verdict.SUPPORTED),
    ],
)
def test_each_verdict(support, contradiction, verdict):
    derived, reason = derive_verdict(support, contradiction)
    assert derived == verdict
    assert reason


def test_every_pair_of_reliabilities_has_exactly_one_verdict_and_a_reason():
    for support, contradiction in itertools.product(RELIABILITIES, RELIABILITIES):
        verdict, reason = derive_verdict(support, contradiction)
        assert verdict in Verdict.values and reason.endswith(".")


def test_stronger_contradiction_never_improves_the_verdict():
    order = [Verdict.SUPPORTED, Verdict.CONTESTED, Verdict.REFUTED]
    for support in range(1, 6):
        seen = [order.index(derive_verdict(support, c)[0]) for c in range(0, 6)]
        assert seen == sorted(seen), f"support {support}: {seen}"


def test_strength_rises_with_reliability_from_a_marketing_article_to_a_licence_file():
    values = [strength(r) for r in RELIABILITIES]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert values[0] == 0 and values[1] == pytest.approx(0.04) and values[5] == 1
    assert [strength_label(v) for v in values] == [
        "none",
        "weak",
        "weak",
        "moderate",
        "strong",
        "strong",
    ]


@pytest.mark.parametrize("verdict", [Verdict.SUPPORTED, Verdict.CONTESTED, Verdict.REFUTED])
def test_effective_weight_is_weight_times_strength_times_the_verdicts_factor(verdict):
    support, contradiction = {
        Verdict.SUPPORTED: (4, 0),
        Verdict.CONTESTED: (4, 4),
        Verdict.REFUTED: (1, 5) if verdict == Verdict.REFUTED else None,
    }[verdict]
    a = assess(3, support, contradiction)
    assert a.verdict == verdict
    assert a.effective_weight == pytest.approx(3 * strength(support) * VERDICT_FACTOR[verdict])
    assert a.counts == (verdict != Verdict.REFUTED)


def test_an_override_replaces_the_verdict_and_says_so():
    a = assess(2, 1, 5, override="supported", override_reason="The licence quoted is old.")
    assert (a.verdict, a.derived_verdict, a.is_overridden) == ("supported", "refuted", True)
    assert "The licence quoted is old." in a.reason and "refuted" in a.reason
    assert a.effective_weight == pytest.approx(2 * strength(1))
    uncited = assess(2, 0, 0, override="supported", override_reason="Trust me.")
    assert uncited.verdict == Verdict.UNSUPPORTED and uncited.effective_weight == 0


def test_aggregate_is_the_mean_over_effective_weights_with_the_best_strength():
    claims = [
        ("pair", 2, assess(3, 5, 0)),  # 3.0
        ("pair", -2, assess(5, 1, 0)),  # 0.2
        ("pair", -2, assess(5, 1, 5)),  # refuted: 0
        ("pair", 0, assess(2, 4, 4)),  # contested: 2 × 0.64 × 0.5
    ]
    score = aggregate(claims)["pair"]
    assert score.score == pytest.approx((6 - 0.4) / (3 + 0.2 + 0.64))
    assert score.strength == 1.0
    assert (score.claim_count, score.counted_count, score.contested_count, score.refuted_count) == (
        4,
        3,
        1,
        1,
    )


@given(
    st.lists(
        st.tuples(st.integers(-2, 2), st.integers(1, 5), st.integers(0, 5), st.integers(0, 5)),
        min_size=1,
        max_size=8,
    ),
    st.integers(-2, 2),
    st.integers(1, 5),
)
def test_a_refuted_claim_moves_no_aggregate(claims, score, weight):
    rows = [("pair", s, assess(w, sup, con)) for s, w, sup, con in claims]
    refuted = ("pair", score, assess(weight, 1, 5))
    before, after = aggregate(rows)["pair"], aggregate([*rows, refuted])["pair"]
    assert before.score == after.score
    assert before.strength == after.strength
    assert after.refuted_count == before.refuted_count + 1
