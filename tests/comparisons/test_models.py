import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from comparisons.models import Citation, Claim, Framework, Source, evidence_scores
from tests.factories import make_claim, make_criterion, make_framework, make_knowledge_base

pytestmark = pytest.mark.django_db


def test_evidence_score_is_the_weighted_mean_with_disputed_claims_discounted():
    fw, crit = make_framework(), make_criterion()
    make_claim(fw, crit, score=2, weight=3)
    make_claim(fw, crit, score=-2, weight=1)
    make_claim(fw, crit, score=-2, weight=2, status=Claim.Status.DISPUTED)  # counts as weight 1
    make_claim(fw, crit, score=-2, weight=5, status=Claim.Status.DRAFT)  # not counted
    make_claim(fw, crit, score=-2, weight=5, status=Claim.Status.RETRACTED)  # not counted

    evidence = evidence_scores()[(fw.pk, crit.pk)]

    assert evidence.score == pytest.approx((2 * 3 - 2 * 1 - 2 * 1) / (3 + 1 + 1))
    assert evidence.claim_count == 3
    assert evidence.disputed_count == 1
    assert evidence.is_disputed


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
    with django_assert_num_queries(1):
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
    assert cited.sources_disagree()


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


def test_a_published_claim_its_sources_contradict_is_saved_as_disputed():
    claim = make_claim(status=Claim.Status.PUBLISHED)
    Citation.objects.create(
        claim=claim, source=Source.objects.first(), excerpt="No.", stance="contradicts"
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED, "a contradicting citation disputes it"

    claim.status = Claim.Status.PUBLISHED  # e.g. reverted to a version from before the dispute
    claim.save(update_fields=["status"])
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED
