"""What the public pages read: claims with their evidence, and the compare matrix as plain data.

Each function runs a fixed number of flat queries, whatever the size of the knowledge base.
Aggregates (evidence scores, the compare matrix) are cached under the knowledge-base version,
so an editor's change is visible on the next request.
"""

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, Value, Window
from django.db.models.functions import Abs, Coalesce, RowNumber

from .cache import cached
from .models import Citation, Claim, Criterion, Framework, evidence_scores

# The compare page shows at most this many frameworks side by side.
MAX_COMPARED = 10

# Two aggregated scores closer than this are a tie: nobody leads.
TIE_TOLERANCE = 1e-9


def public_claims():
    """Public claims with their framework, criterion and citations (with sources) in 2 queries."""
    return (
        Claim.objects.published()
        .select_related("framework", "criterion")
        .prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source").order_by("-stance", "id"),
            )
        )
    )


def published_frameworks_with_counts():
    """Published frameworks, each with how many public claims it has."""
    # Explicit order: Meta.ordering does not apply to queries with GROUP BY.
    return (
        Framework.objects.published()
        .annotate(claim_count=Count("claims", filter=Q(claims__status__in=Claim.PUBLIC_STATUSES)))
        .order_by(*Framework._meta.ordering)
    )


def criteria_with_counts():
    """Criteria, each with how many public claims (of published frameworks) are about it."""
    return Criterion.objects.annotate(
        claim_count=Count(
            "claims",
            filter=Q(
                claims__status__in=Claim.PUBLIC_STATUSES,
                claims__framework__is_published=True,
            ),
        )
    ).order_by(*Criterion._meta.ordering)


def cached_evidence(*, framework_ids=None, criterion_ids=None, version=None):
    """evidence_scores(), cached per framework/criterion selection under the current version."""
    key = "evidence:{}:{}".format(
        "all" if framework_ids is None else "-".join(map(str, framework_ids)),
        "all" if criterion_ids is None else "-".join(map(str, criterion_ids)),
    )
    return cached(
        key,
        lambda: evidence_scores(framework_ids=framework_ids, criterion_ids=criterion_ids),
        version=version,
    )


@dataclass(frozen=True)
class ClaimGroup:
    """The public claims of one framework on one criterion, with their aggregated evidence."""

    framework: Framework
    criterion: Criterion
    evidence: object  # EvidenceScore, or None when there is no public claim
    claims: list


def framework_claim_groups(framework):
    """A framework's public claims grouped by criterion, in criterion display order."""
    claims = (
        public_claims()
        .for_framework(framework)
        .order_by(
            "criterion__display_order", "criterion__name", "criterion_id", "-score", "-weight", "id"
        )
    )
    evidence = cached_evidence(framework_ids=[framework.pk])
    return [
        ClaimGroup(
            framework=framework,
            criterion=group[0].criterion,
            evidence=evidence.get((framework.pk, criterion_id)),
            claims=group,
        )
        for criterion_id, group in (
            (key, list(items)) for key, items in groupby(claims, key=lambda c: c.criterion_id)
        )
    ]


def criterion_claim_groups(criterion):
    """Every published framework's public claims on a criterion; frameworks without any too."""
    frameworks = list(Framework.objects.published())
    claims = public_claims().for_criterion(criterion).order_by("framework_id", "-score", "id")
    by_framework = {key: list(items) for key, items in groupby(claims, lambda c: c.framework_id)}
    evidence = cached_evidence(criterion_ids=[criterion.pk])
    return [
        ClaimGroup(
            framework=framework,
            criterion=criterion,
            evidence=evidence.get((framework.pk, criterion.pk)),
            claims=by_framework.get(framework.pk, []),
        )
        for framework in frameworks
    ]


@dataclass(frozen=True)
class StrongestClaim:
    id: int
    statement: str
    score: int
    weight: int
    status: str
    citation_count: int

    @property
    def is_disputed(self):
        return self.status == Claim.Status.DISPUTED


@dataclass(frozen=True)
class Cell:
    """One framework on one criterion. score is None when there is no evidence (unknown ≠ 0)."""

    framework_slug: str
    score: float | None = None
    claim_count: int = 0
    disputed_count: int = 0
    citation_count: int = 0
    strongest: StrongestClaim | None = None
    leads: bool = False

    @property
    def has_evidence(self):
        return self.score is not None

    @property
    def is_disputed(self):
        return self.disputed_count > 0


@dataclass(frozen=True)
class Row:
    criterion_id: int
    criterion_name: str
    criterion_slug: str
    category: str
    category_label: str
    cells: list


@dataclass(frozen=True)
class Summary:
    """A framework's column in the summary row."""

    framework_slug: str
    mean: float | None
    criteria_with_evidence: int
    leads: int


@dataclass(frozen=True)
class CompareMatrix:
    frameworks: list  # [(slug, name)] in column order
    rows: list = field(default_factory=list)
    summary: list = field(default_factory=list)


def _strongest_claims(framework_ids, criterion_ids):
    """The public claim with the highest |score| × weight per (framework, criterion): 1 query.

    Ties go to a published claim over a disputed one, then to the oldest claim.
    """
    citation_count = Coalesce(
        Subquery(
            Citation.objects.filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )
    ranked = (
        Claim.objects.published()
        .filter(framework_id__in=framework_ids, criterion_id__in=criterion_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("framework_id"), F("criterion_id")],
                order_by=[
                    (Abs(F("score")) * F("weight")).desc(),
                    F("status").desc(),  # "published" sorts after "disputed"
                    F("id").asc(),
                ],
            ),
            citation_count=citation_count,
        )
        .filter(rank=1)
        .order_by()
        .values(
            "id",
            "framework_id",
            "criterion_id",
            "statement",
            "score",
            "weight",
            "status",
            "citation_count",
        )
    )
    return {
        (row["framework_id"], row["criterion_id"]): StrongestClaim(
            id=row["id"],
            statement=row["statement"],
            score=row["score"],
            weight=row["weight"],
            status=row["status"],
            citation_count=row["citation_count"],
        )
        for row in ranked
    }


def _citation_totals(framework_ids, criterion_ids):
    """How many citations back the public claims of each (framework, criterion): 1 query."""
    rows = (
        Citation.objects.filter(
            claim__status__in=Claim.PUBLIC_STATUSES,
            claim__framework__is_published=True,
            claim__framework_id__in=framework_ids,
            claim__criterion_id__in=criterion_ids,
        )
        .order_by()
        .values("claim__framework_id", "claim__criterion_id")
        .annotate(n=Count("pk"))
    )
    return {(row["claim__framework_id"], row["claim__criterion_id"]): row["n"] for row in rows}


def _leaders(scores):
    """Indexes of the cells that lead a row: the one highest score, if two or more are known."""
    known = [(score, i) for i, score in enumerate(scores) if score is not None]
    if len(known) < 2:
        return set()
    best = max(score for score, _ in known)
    leaders = [i for score, i in known if best - score <= TIE_TOLERANCE]
    return set(leaders) if len(leaders) == 1 else set()


def build_compare_matrix(frameworks, criteria):
    """The table of differences: one row per criterion, one cell per framework (3 queries)."""
    framework_ids = [f.pk for f in frameworks]
    criterion_ids = [c.pk for c in criteria]
    evidence = evidence_scores(framework_ids=framework_ids, criterion_ids=criterion_ids)
    strongest = _strongest_claims(framework_ids, criterion_ids)
    citations = _citation_totals(framework_ids, criterion_ids)

    rows = []
    lead_counts = [0] * len(frameworks)
    for criterion in criteria:
        found = [evidence.get((f.pk, criterion.pk)) for f in frameworks]
        leaders = _leaders([e.score if e else None for e in found])
        for i in leaders:
            lead_counts[i] += 1
        cells = [
            Cell(framework_slug=f.slug)
            if e is None
            else Cell(
                framework_slug=f.slug,
                score=e.score,
                claim_count=e.claim_count,
                disputed_count=e.disputed_count,
                citation_count=citations.get((f.pk, criterion.pk), 0),
                strongest=strongest.get((f.pk, criterion.pk)),
                leads=i in leaders,
            )
            for i, (f, e) in enumerate(zip(frameworks, found, strict=True))
        ]
        rows.append(
            Row(
                criterion_id=criterion.pk,
                criterion_name=criterion.name,
                criterion_slug=criterion.slug,
                category=criterion.category,
                category_label=criterion.get_category_display(),
                cells=cells,
            )
        )

    summary = []
    for i, framework in enumerate(frameworks):
        known = [row.cells[i].score for row in rows if row.cells[i].has_evidence]
        summary.append(
            Summary(
                framework_slug=framework.slug,
                mean=sum(known) / len(known) if known else None,
                criteria_with_evidence=len(known),
                leads=lead_counts[i],
            )
        )
    return CompareMatrix(
        frameworks=[(f.slug, f.name) for f in frameworks], rows=rows, summary=summary
    )


def compare_matrix(frameworks, criteria, category=""):
    """build_compare_matrix(), cached per framework selection (in column order) and category."""
    key = "compare:{}:{}".format("-".join(str(f.pk) for f in frameworks), category or "all")
    return cached(key, lambda: build_compare_matrix(frameworks, criteria))
