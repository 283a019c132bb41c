import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from comparisons.evidence import OVERRIDE_CHOICES, Verdict, derive_verdict, verdict_expression
from comparisons.knowledge import evidence_scores
from comparisons.models import Citation, Claim, Framework, Source
from tests.factories import (
    make_claim,
    make_criterion,
    make_framework,
    make_knowledge_base,
    make_source,
)

pytestmark = pytest.mark.django_db


def test_evidence_score_is_the_mean_over_effective_weights():
    fw, crit = make_framework(), make_criterion()
    doc, article = make_source(reliability=5), make_source(reliability=1)
    make_claim(fw, crit, source=doc, score=2, weight=3)  # counts 3 × 1.0
    make_claim(fw, crit, source=article, score=-2, weight=5)  # counts 5 × 0.04
    contested = make_claim(fw, crit, source=doc, score=-1, weight=2)  # 2 × 1.0 × 0.5
    Citation.objects.create(
        claim=contested, source=make_source(reliability=4), stance="contradicts"
    )
    refuted = make_claim(fw, crit, source=article, score=-2, weight=5)  # counts for nothing
    Citation.objects.create(claim=refuted, source=doc, excerpt="No.", stance="contradicts")
    make_claim(fw, crit, score=-2, weight=5, status=Claim.Status.DRAFT)  # not public
    make_claim(fw, crit, score=-2, weight=5, status=Claim.Status.RETRACTED)  # not public
    make_claim(fw, crit, score=-2, weight=5, citations=False)  # published, but no evidence

    evidence = evidence_scores()[(fw.pk, crit.pk)]

    assert evidence.score == pytest.approx((2 * 3 - 2 * 5 * 0.04 - 1 * 1) / (3 + 0.2 + 1))
    assert (evidence.claim_count, evidence.counted_count) == (4, 3)
    assert (evidence.contested_count, evidence.refuted_count) == (1, 1)
    assert evidence.strength == 1.0 and evidence.strength_label == "strong"


def test_a_pair_whose_claims_are_all_refuted_has_no_score():
    fw, crit = make_framework(), make_criterion()
    refuted = make_claim(fw, crit, source=make_source(reliability=1), score=2)
    Citation.objects.create(claim=refuted, source=make_source(reliability=5), stance="contradicts")
    evidence = evidence_scores()[(fw.pk, crit.pk)]
    assert evidence.score is None and not evidence.has_score
    assert (evidence.claim_count, evidence.refuted_count, evidence.strength) == (1, 1, 0.0)


def test_raising_a_supporting_source_reliability_moves_the_aggregate_towards_its_claim():
    fw, crit = make_framework(), make_criterion()
    rising = make_source(reliability=1)
    make_claim(fw, crit, source=make_source(reliability=3), score=-2, weight=3)
    make_claim(fw, crit, source=rising, score=2, weight=3)
    before = evidence_scores()[(fw.pk, crit.pk)].score
    for reliability in (2, 3, 4, 5):
        Source.objects.filter(pk=rising.pk).update(reliability=reliability)
        after = evidence_scores()[(fw.pk, crit.pk)].score
        assert after > before, f"reliability {reliability} should move the score towards +2"
        before = after


def test_a_weak_supporting_claim_moves_the_aggregate_less_than_an_equally_scored_strong_one():
    def moved_by(reliability):
        fw, crit = make_framework(), make_criterion()
        make_claim(fw, crit, source=make_source(reliability=4), score=-1, weight=3)
        before = evidence_scores()[(fw.pk, crit.pk)].score
        make_claim(fw, crit, source=make_source(reliability=reliability), score=2, weight=3)
        return evidence_scores()[(fw.pk, crit.pk)].score - before

    assert 0 < moved_by(1) < moved_by(3) < moved_by(5)


def test_an_editor_override_sets_the_verdict_and_its_weight():
    fw, crit = make_framework(), make_criterion()
    claim = make_claim(fw, crit, source=make_source(reliability=1), score=2)
    Citation.objects.create(claim=claim, source=make_source(reliability=5), stance="contradicts")
    assert Claim.objects.get(pk=claim.pk).verdict == "refuted"

    claim.verdict_override = "supported"
    claim.verdict_override_reason = "The documentation quoted is about an older release."
    claim.save()
    claim = Claim.objects.with_evidence().get(pk=claim.pk)
    assert claim.verdict == "supported" and claim.assessment.is_overridden
    assert "older release" in claim.assessment.reason
    assert evidence_scores()[(fw.pk, crit.pk)].score == 2
    assert list(Claim.objects.with_verdict("supported")) == [claim]
    assert claim.history.first().verdict_override_reason.startswith("The documentation")


def test_an_override_needs_a_reason_and_never_makes_an_uncited_claim_public():
    claim = make_claim(citations=False)
    claim.verdict_override = "supported"
    with pytest.raises(ValidationError, match="Say why"):
        claim.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.save()
    claim.verdict_override_reason = "Because."
    claim.save()
    assert not Claim.objects.published().filter(pk=claim.pk).exists()
    assert Claim.objects.get(pk=claim.pk).verdict == "unsupported"


def test_saving_never_rewrites_the_status():
    claim = make_claim(citations=False, status=Claim.Status.PUBLISHED)
    claim.save()
    Citation.objects.create(claim=claim, source=make_source(), stance="contradicts")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.history.count() == 2


def test_the_sql_verdict_agrees_with_the_python_rule_on_every_reliability_pair():
    fw, crit = make_framework(), make_criterion()
    sources = {r: make_source(reliability=r) for r in range(1, 6)}
    expected = {}
    overrides = ["", *(value for value, _ in OVERRIDE_CHOICES)]
    for support, contradiction, override in itertools.product(range(6), range(6), overrides):
        claim = make_claim(
            fw, crit, citations=False, verdict_override=override, verdict_override_reason="Why."
        )
        if support:
            Citation.objects.create(claim=claim, source=sources[support], stance="supports")
        if contradiction:
            Citation.objects.create(
                claim=claim, source=sources[contradiction], stance="contradicts"
            )
        derived = derive_verdict(support, contradiction)[0]
        # An editor's override stands, except that it never makes an uncited claim public.
        expected[claim.pk] = derived if derived == Verdict.UNSUPPORTED else override or derived
    annotated = Claim.objects.with_evidence().annotate(verdict_sql=verdict_expression())
    for claim in annotated:
        assert claim.verdict_sql == expected[claim.pk] == claim.verdict
    for verdict in Verdict:
        assert {c.pk for c in Claim.objects.with_verdict(verdict)} == {
            pk for pk, v in expected.items() if v == verdict
        }


def test_pairs_without_public_claims_are_unknown_not_zero():
    fw, crit = make_framework(), make_criterion()
    make_claim(fw, crit, status=Claim.Status.DRAFT)
    assert (fw.pk, crit.pk) not in evidence_scores()


def test_claims_of_unpublished_frameworks_are_not_public():
    claim = make_claim(framework=make_framework(is_published=False))
    assert not Claim.objects.published().filter(pk=claim.pk).exists()
    assert evidence_scores() == {}


def test_evidence_scores_can_be_limited_to_frameworks_and_criteria():
    kb = make_knowledge_base(frameworks=3, criteria=3)
    fw, crit = kb["frameworks"][0], kb["criteria"][0]
    assert set(evidence_scores(framework_ids=[fw.pk], criterion_ids=[crit.pk])) == {
        (fw.pk, crit.pk)
    }


@pytest.mark.parametrize("claims_per_pair", [1, 20])
def test_evidence_scores_take_one_query_whatever_the_size(
    django_assert_num_queries, claims_per_pair
):
    make_knowledge_base(frameworks=3, criteria=5, claims_per_pair=claims_per_pair)
    with django_assert_num_queries(1):  # the claims, with the best reliabilities kept for them
        scores = evidence_scores()
    assert len(scores) == 15


def test_querysets_read_as_english():
    fw, crit, other = make_framework(), make_criterion(), make_criterion()
    cited = make_claim(fw, crit)
    Citation.objects.create(
        claim=cited, source=Source.objects.first(), excerpt="No.", stance="contradicts"
    )
    uncited = make_claim(fw, other, citations=False, status=Claim.Status.DRAFT)

    assert list(Claim.objects.for_criterion(crit)) == [cited]
    counted = Claim.objects.for_framework(fw).with_citation_counts().get(pk=cited.pk)
    assert (counted.citation_count, counted.supporting_count, counted.contradicting_count) == (
        2,
        1,
        1,
    )
    assert list(Claim.objects.without_citations()) == [uncited]


@pytest.mark.parametrize(
    "field, value", [("score", 3), ("score", -3), ("weight", 0), ("weight", 6)]
)
def test_database_refuses_out_of_range_claims(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(citations=False, **{field: value})


def test_source_url_is_unique_only_when_given():
    Source.objects.create(title="A", url="")
    Source.objects.create(title="B", url="")
    Source.objects.create(title="C", url="https://example.org/c")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(title="D", url="https://example.org/c")


def test_cited_sources_and_frameworks_with_claims_are_protected():
    claim = make_claim()
    with pytest.raises(ProtectedError):
        claim.citations.get().source.delete()
    with pytest.raises(ProtectedError):
        Framework.objects.get(pk=claim.framework_id).delete()


def test_every_model_keeps_its_history():
    claim = make_claim(score=1)
    claim.score = 2
    claim.save()
    assert [h.score for h in claim.history.all()] == [2, 1]
    assert claim.framework.history.count() == 1
    assert claim.citations.get().history.count() == 1
