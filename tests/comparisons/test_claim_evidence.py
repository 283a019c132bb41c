"""The database keeps each claim's best supporting and contradicting reliabilities (ClaimEvidence,
migration 0012) whatever writes citations or sources: the ORM one row at a time, bulk_create,
update(), deletes. They always equal what the claim's citations say, which is what
`with_evidence()` and the verdict filter read."""

import pytest

from comparisons.models import Citation, Claim, ClaimEvidence, Source
from tests.factories import make_claim, make_knowledge_base, make_source

pytestmark = pytest.mark.django_db

SUPPORTS, CONTRADICTS = Citation.Stance.SUPPORTS, Citation.Stance.CONTRADICTS


def from_citations(claim):
    """(support, contradiction) worked out in Python from the claim's citations."""
    best = {SUPPORTS: 0, CONTRADICTS: 0}
    for citation in Citation.objects.filter(claim=claim).select_related("source"):
        best[citation.stance] = max(best[citation.stance], citation.source.reliability)
    return best[SUPPORTS], best[CONTRADICTS]


def kept(claim):
    """(support, contradiction) as the database keeps them, read as the public pages read them."""
    row = Claim.objects.with_evidence().get(pk=claim.pk)
    return row.support_reliability, row.contradiction_reliability


def assert_kept(*claims):
    for claim in claims:
        assert kept(claim) == from_citations(claim)


def test_a_citation_added_one_at_a_time_is_counted():
    claim = make_claim(source=make_source(reliability=3))
    assert kept(claim) == (3, 0)
    Citation.objects.create(claim=claim, source=make_source(reliability=5), stance=CONTRADICTS)
    assert kept(claim) == (3, 5)


def test_citations_made_in_bulk_are_counted():
    made = make_knowledge_base(frameworks=2, criteria=3)
    assert ClaimEvidence.objects.count() == len(made["claims"])
    assert_kept(*made["claims"])


def test_a_changed_stance_or_source_moves_the_reliabilities():
    weak, strong = make_source(reliability=1), make_source(reliability=5)
    claim = make_claim(source=weak)
    other = make_claim(source=strong)
    citation = claim.citations.get()
    citation.stance = CONTRADICTS
    citation.save()
    assert kept(claim) == (0, 1)
    Citation.objects.filter(pk=citation.pk).update(source=strong, stance=SUPPORTS)
    assert kept(claim) == (5, 0)
    Citation.objects.filter(pk=citation.pk).update(claim=other)
    assert kept(claim) == (0, 0)
    assert kept(other) == (5, 0)


def test_a_sources_new_reliability_reaches_every_claim_citing_it():
    source = make_source(reliability=2)
    claims = [make_claim(source=source), make_claim(source=source, stance=CONTRADICTS)]
    source.reliability = 4
    source.save()
    assert [kept(c) for c in claims] == [(4, 0), (0, 4)]
    Source.objects.filter(pk=source.pk).update(reliability=1)
    assert [kept(c) for c in claims] == [(1, 0), (0, 1)]


def test_deleting_citations_and_claims_keeps_the_rest_right():
    strong, weak = make_source(reliability=5), make_source(reliability=2)
    claim = make_claim(source=strong)
    Citation.objects.create(claim=claim, source=weak)
    claim.citations.filter(source=strong).delete()
    assert kept(claim) == (2, 0)
    claim.citations.all().delete()
    assert kept(claim) == (0, 0)
    doomed = make_claim(source=strong)
    doomed.delete()  # its citations go first: the row they refresh goes with the claim
    assert not ClaimEvidence.objects.filter(claim_id=doomed.pk).exists()
    assert kept(claim) == (0, 0)


def test_an_uncited_claim_reads_as_no_evidence():
    claim = make_claim(citations=False)
    assert kept(claim) == (0, 0)
