"""What the public pages and the advisor read: claims with their evidence, as plain data.

Each function runs a fixed number of flat queries, whatever the size of the knowledge base.
How much a claim counts (verdict, strength, effective weight) and how claims aggregate are
decided in comparisons.evidence; this module only feeds it. Aggregates (evidence scores, the
compare matrix, the advisor's knowledge) are cached under the knowledge-base version, so an
editor's change is visible on the next request.
"""

from array import array
from dataclasses import dataclass, field
from itertools import compress, groupby

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import evidence
from .cache import cached, cached_many
from .models import Citation, Claim, Criterion, Framework

# The compare page shows at most this many frameworks side by side.
MAX_COMPARED = 10

# Two aggregated scores closer than this are a tie: nobody leads.
TIE_TOLERANCE = 1e-9

# Verdicts shown with the counter-evidence and the editors' note; and how strengths read.
QUESTIONED_VERDICTS = (evidence.Verdict.CONTESTED, evidence.Verdict.REFUTED)
strength_label = evidence.strength_label


def public_claims():
    """Public claims with their framework and criterion: one query.

    A claim's `assessment` (verdict, strength) reads its citations, so prefetch them
    (citations_with_sources()) where it is needed; comparisons.fragments does, for the cards it
    has not rendered yet.
    """
    return Claim.objects.published().select_related("framework", "criterion")


# Each verdict as one byte, for the verdicts kept with the explorer's order (0: none).
VERDICT_CODES = {verdict.value: code for code, verdict in enumerate(evidence.Verdict, start=1)}


def public_claim_order(claims, ordering):
    """(ids, verdicts) of `claims` (every public claim, in the explorer's `ordering`) as kept for
    the knowledge version: the ids an array of 8-byte integers (4 MB for 500,000 claims), the
    verdicts one byte each in the same order (VERDICT_CODES). The explorer pages through this
    when no filter but the verdict narrows, so page 500 costs what page 1 does and its count is
    exact, whatever the size of the knowledge base. One query when not kept yet."""

    def build():
        ids, verdicts = array("q"), bytearray()
        rows = claims.with_verdict_annotated().values_list("pk", "evidence_verdict")
        sql, params = rows.query.sql_with_params()
        # Read in chunks, but not through a server-side cursor (as .iterator() would on
        # PostgreSQL): planned to return its first rows fast, the query took 3 s at 1000x, not
        # the 0.7 s of the plan that returns them all.
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(10_000):
                for pk, verdict in chunk:
                    ids.append(pk)
                    verdicts.append(VERDICT_CODES[verdict])
        return ids, bytes(verdicts)

    return cached(f"explorer-order-and-verdicts:{ordering}", build)


def with_verdicts(order, verdicts):
    """The ids of `order` (from public_claim_order()) whose verdict is one of `verdicts`, in
    order: a pass in C over the kept bytes (a few ms for 500,000 claims), not a query."""
    ids, codes = order
    if not verdicts:
        return ids
    wanted = {VERDICT_CODES[verdict] for verdict in verdicts}
    keep = bytes(code in wanted for code in range(256))
    return array("q", compress(ids, codes.translate(keep)))


def public_claims_by_id(ids):
    """The public claims of `ids`, with their framework and criterion, in the order of `ids`
    (those no longer public left out): one query."""
    found = public_claims().in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


def citations_with_sources():
    """The prefetch of a claim's citations with their sources, supporting ones first, and the
    snapshot each quote was checked against (for its "verified" mark; never its text)."""
    return Prefetch(
        "citations",
        queryset=Citation.objects.select_related("source", "checked_snapshot")
        .defer("checked_snapshot__text")
        .order_by("-stance", "id"),
    )


def published_frameworks():
    """The published frameworks, by name, as the compare page lists them: read once per
    knowledge version (and kept by this process, see cache.cached())."""
    return cached("published-frameworks", lambda: list(Framework.objects.published()))


def all_criteria():
    """Every criterion, in display order: read once per knowledge version."""
    return cached("criteria", lambda: list(Criterion.objects.all()))


def public_claim_counts(version=None):
    """{"framework": {id: n}, "criterion": {id: n}}: how many public claims each has, cached
    (two grouped counts over every public claim, once per knowledge version)."""

    def count_by(relation):
        counted = Claim.objects.published().order_by().values_list(relation).annotate(n=Count("pk"))
        return dict(counted)

    return cached(
        "claim-counts",
        lambda: {"framework": count_by("framework_id"), "criterion": count_by("criterion_id")},
        version,
    )


def _with_counts(objects, kind):
    counts = public_claim_counts()[kind]
    objects = list(objects)
    for obj in objects:
        obj.claim_count = counts.get(obj.pk, 0)
    return objects


def published_frameworks_with_counts():
    """Published frameworks, by name, each with how many public claims it has."""
    return _with_counts(Framework.objects.published(), "framework")


def criteria_with_counts():
    """Criteria, in display order, each with how many public claims (of published frameworks)
    are about it."""
    return _with_counts(Criterion.objects.all(), "criterion")


def assessed_claims(framework_ids=None, criterion_ids=None, fields=(), **annotations):
    """Public claims as plain rows, each with its `assessment`: one flat query.

    Every row has id, framework_id, criterion_id, score and weight, plus `fields` and
    `annotations` (name=expression). The best reliabilities are the ones the database keeps for
    each claim (ClaimEvidence), which keeps assessing the whole knowledge base (the advisor reads
    all of it) fast.
    """
    claims = Claim.objects.published()
    if framework_ids is not None:
        claims = claims.filter(framework_id__in=framework_ids)
    if criterion_ids is not None:
        claims = claims.filter(criterion_id__in=criterion_ids)
    rows = (
        claims.with_evidence()
        .annotate(**annotations)
        .order_by("id")
        .values(
            "id",
            "framework_id",
            "criterion_id",
            "score",
            "weight",
            "verdict_override",
            "verdict_override_reason",
            "support_reliability",
            "contradiction_reliability",
            *fields,
            *annotations,
        )
    )
    for row in rows:
        row["assessment"] = evidence.assess(
            row["weight"],
            row.pop("support_reliability"),
            row.pop("contradiction_reliability"),
            row["verdict_override"],
            row["verdict_override_reason"],
        )
        yield row


def evidence_scores(framework_ids=None, criterion_ids=None):
    """{(framework id, criterion id): EvidenceScore} over the public claims, in one query.

    Pairs without public claims are absent: unknown, not zero (see evidence.aggregate()).
    """
    return evidence.aggregate(
        ((row["framework_id"], row["criterion_id"]), row["score"], row["assessment"])
        for row in assessed_claims(framework_ids, criterion_ids)
    )


# The framework and criterion pages show, per group, this many claims that count (the most
# favourable and weightiest first) and the weightiest contested or refuted one; the rest are a
# link to the explorer away, their number and verdicts said next to it.
CLAIMS_PER_CRITERION = 2
QUESTIONED_PER_CRITERION = 1
# Groups shown with their claims: a framework page's first criteria with evidence, a criterion
# page's best scored frameworks. The others are a row each, linking to the explorer.
FRAMEWORK_PAGE_CRITERIA = 30
CRITERION_PAGE_FRAMEWORKS = 12


@dataclass(frozen=True)
class ClaimGroup:
    """Public claims of one framework on one criterion, with their aggregated evidence."""

    framework: Framework
    criterion: Criterion
    evidence: object  # EvidenceScore, or None when there is no public claim
    claims: list

    @property
    def hidden_count(self):
        """Public claims of this pair that are not in `claims`."""
        return (self.evidence.claim_count if self.evidence else 0) - len(self.claims)

    @property
    def hidden_questioned_count(self):
        """Contested or refuted claims of this pair that are not in `claims`."""
        if not self.evidence:
            return 0
        shown = sum(c.assessment.verdict in QUESTIONED_VERDICTS for c in self.claims)
        return self.evidence.contested_count + self.evidence.refuted_count - shown


def _shown_claims(rows, group_key):
    """{group: [Claim]}: the claims a page shows for each group of assessed rows (see
    assessed_claims() and CLAIMS_PER_CRITERION), those that count first. One query."""

    def order(row):
        assessment = row["assessment"]
        return (row[group_key], not assessment.counts, -row["score"], -row["weight"], row["id"])

    def questioned(row):
        return row["assessment"].verdict in QUESTIONED_VERDICTS

    shown = {}
    for key, items in groupby(sorted(rows, key=order), key=lambda r: r[group_key]):
        items = list(items)
        plain = [r for r in items if not questioned(r)][:CLAIMS_PER_CRITERION]
        doubted = sorted(
            (r for r in items if questioned(r)), key=lambda r: (-r["weight"], r["id"])
        )[:QUESTIONED_PER_CRITERION]
        kept = {r["id"] for r in plain + doubted}
        shown[key] = [r for r in items if r["id"] in kept]
    wanted = [row for items in shown.values() for row in items]
    claims = Claim.objects.select_related("framework", "criterion")
    claims = claims.in_bulk([row["id"] for row in wanted])
    for row in wanted:
        claims[row["id"]].assessment = row["assessment"]  # worked out already: no citations needed
    return {key: [claims[row["id"]] for row in items] for key, items in shown.items()}


def _pair_scores(rows):
    return evidence.aggregate(
        ((row["framework_id"], row["criterion_id"]), row["score"], row["assessment"])
        for row in rows
    )


def framework_claim_groups(framework, with_claims=None):
    """One group per criterion, in display order, for every criterion: its aggregated evidence
    and, for the first `with_claims` criteria with evidence (default FRAMEWORK_PAGE_CRITERIA),
    the claims a page shows (see CLAIMS_PER_CRITERION). Four queries."""
    with_claims = FRAMEWORK_PAGE_CRITERIA if with_claims is None else with_claims
    rows = list(assessed_claims(framework_ids=[framework.pk]))
    scores = _pair_scores(rows)
    criteria = list(Criterion.objects.all())
    covered = [c.pk for c in criteria if (framework.pk, c.pk) in scores][:with_claims]
    shown = _shown_claims([r for r in rows if r["criterion_id"] in set(covered)], "criterion_id")
    return [
        ClaimGroup(
            framework=framework,
            criterion=criterion,
            evidence=scores.get((framework.pk, criterion.pk)),
            claims=shown.get(criterion.pk, []),
        )
        for criterion in criteria
    ]


def criterion_claim_groups(criterion, with_claims=None):
    """Every published framework on a criterion, the best scored first, then those whose claims
    are all refuted, then those without evidence: its aggregated evidence and, for the first
    `with_claims` (default CRITERION_PAGE_FRAMEWORKS), the claims a page shows. Four queries."""
    with_claims = CRITERION_PAGE_FRAMEWORKS if with_claims is None else with_claims
    rows = list(assessed_claims(criterion_ids=[criterion.pk]))
    scores = _pair_scores(rows)

    def rank(framework):
        found = scores.get((framework.pk, criterion.pk))
        if found is None:
            return (2, 0, framework.name)
        return (0, -found.score, framework.name) if found.has_score else (1, 0, framework.name)

    frameworks = sorted(Framework.objects.published(), key=rank)
    chosen = {f.pk for f in frameworks[:with_claims] if (f.pk, criterion.pk) in scores}
    shown = _shown_claims([r for r in rows if r["framework_id"] in chosen], "framework_id")
    return [
        ClaimGroup(
            framework=framework,
            criterion=criterion,
            evidence=scores.get((framework.pk, criterion.pk)),
            claims=shown.get(framework.pk, []),
        )
        for framework in frameworks
    ]


def strong_and_weak(groups, n=3):
    """The `n` criteria where the evidence scores a framework highest, and the `n` lowest (of
    the rest), among groups whose evidence has a score."""
    scored = sorted(
        (g for g in groups if g.evidence and g.evidence.has_score),
        key=lambda g: (-g.evidence.score, g.criterion.display_order),
    )
    strongest = [g for g in scored[:n] if g.evidence.score > 0]
    weakest = [g for g in reversed(scored[len(strongest) :]) if g.evidence.score < 0][:n]
    return strongest, weakest


# --- for the advisor: plain data keyed by slugs ---------------------------------------------


def advisor_knowledge(version=None):
    """(criteria, frameworks, evidence) for the advisor, cached: 4 queries cold.

    criteria: [{id, slug, name, default_weight}] in display order; frameworks: [{id, slug, name}]
    of the published frameworks; evidence: {(framework slug, criterion slug): EvidenceScore}.
    """
    return cached("advisor:knowledge", _build_advisor_knowledge, version)


def _build_advisor_knowledge():
    criteria = list(
        Criterion.objects.order_by("display_order", "name").values(
            "id", "slug", "name", "default_weight"
        )
    )
    frameworks = list(Framework.objects.published().order_by("name").values("id", "slug", "name"))
    slug_of_criterion = {c["id"]: c["slug"] for c in criteria}
    slug_of_framework = {f["id"]: f["slug"] for f in frameworks}
    scores = {
        (slug_of_framework[f], slug_of_criterion[c]): score
        for (f, c), score in evidence_scores(framework_ids=list(slug_of_framework)).items()
    }
    return criteria, frameworks, scores


def explaining_claims(*, winner, decisive, podium, weighted, limit):
    """The claims a recommendation shows, as plain dicts (see claim_summary()): 2 queries.

    First the claims of `winner` on the `decisive` criteria, then the contested and refuted claims
    of the `podium` frameworks on the `weighted` criteria; at most `limit`, in display order.
    Arguments are slugs. Only a claim that something contradicts (or whose verdict an editor set)
    can be contested or refuted, so only those are read, and their verdicts worked out here.
    """
    explaining, _ = advisor_claims(
        winner=winner, decisive=decisive, podium=podium, weighted=weighted, limit=limit
    )
    return explaining


def claim_summary(claim):
    """A public claim with its verdict and citations, as plain JSON-ready data."""
    assessment = claim.assessment
    questioned = assessment.verdict in QUESTIONED_VERDICTS
    return {
        "id": claim.pk,
        "framework": claim.framework.slug,
        "criterion": claim.criterion.slug,
        "statement": claim.statement,
        "score": claim.score,
        "weight": claim.weight,
        "verdict": assessment.verdict,
        "verdict_label": assessment.verdict_label,
        "verdict_reason": assessment.reason,
        "strength": assessment.strength,
        "effective_weight": assessment.effective_weight,
        "editor_note": claim.editor_note if questioned else "",
        "citations": [
            {
                "source": citation.source.title,
                "url": citation.source.url,
                "publisher": citation.source.publisher,
                "reliability": citation.source.reliability,
                "excerpt": citation.excerpt,
                "location": citation.location,
                "stance": citation.stance,
                "stance_label": citation.get_stance_display(),
            }
            for citation in claim.citations.all()
        ],
    }


@dataclass(frozen=True)
class StrongestClaim:
    id: int
    statement: str
    score: int
    verdict: str
    citation_count: int

    @property
    def verdict_label(self):
        return evidence.Verdict(self.verdict).label


@dataclass(frozen=True)
class Cell:
    """One framework on one criterion. score is None when no public claim counts (unknown ≠ 0)."""

    framework_slug: str
    score: float | None = None
    strength: float = 0.0
    claim_count: int = 0
    contested_count: int = 0
    refuted_count: int = 0
    citation_count: int = 0
    strongest: StrongestClaim | None = None
    leads: bool = False

    @property
    def has_evidence(self):
        return self.score is not None

    @property
    def strength_label(self):
        return evidence.strength_label(self.strength)


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


def _citation_count():
    counted = (
        Citation.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), Value(0))


def _leaders(scores):
    """Indexes of the cells that lead a row: the one highest score, if two or more are known."""
    known = [(score, i) for i, score in enumerate(scores) if score is not None]
    if len(known) < 2:
        return set()
    best = max(score for score, _ in known)
    leaders = [i for score, i in known if best - score <= TIE_TOLERANCE]
    return set(leaders) if len(leaders) == 1 else set()


def _strongest(rows):
    """The counted claim that weighs most (|score| × effective weight), the oldest on a tie."""
    counted = [row for row in rows if row["assessment"].counts]
    if not counted:
        return None
    row = max(counted, key=lambda r: (abs(r["score"]) * r["assessment"].effective_weight, -r["id"]))
    return StrongestClaim(
        id=row["id"],
        statement=row["statement"],
        score=row["score"],
        verdict=row["assessment"].verdict,
        citation_count=row["citation_count"],
    )


def _build_columns(framework_ids):
    claims = list(
        assessed_claims(
            framework_ids, None, fields=("statement",), citation_count=_citation_count()
        )
    )
    claims.sort(key=lambda row: (row["framework_id"], row["criterion_id"]))
    by_pair = {
        key: list(group)
        for key, group in groupby(claims, key=lambda r: (r["framework_id"], r["criterion_id"]))
    }
    scores = evidence.aggregate(
        (key, row["score"], row["assessment"]) for key, group in by_pair.items() for row in group
    )
    columns = {framework_id: {} for framework_id in framework_ids}
    for (framework_id, criterion_id), group in by_pair.items():
        columns[framework_id][criterion_id] = (
            scores[framework_id, criterion_id],
            sum(r["citation_count"] for r in group),
            _strongest(group),
        )
    return columns


def framework_columns(frameworks):
    """[{criterion id: (EvidenceScore, citation count, StrongestClaim)}], one per framework: its
    compare column over every criterion with public claims. Each is cached per knowledge version
    and shared by every selection the framework is compared in; those not cached yet are built
    together (one query)."""
    names = {f"compare-column:{f.pk}": f.pk for f in frameworks}

    def build(missing):
        built = _build_columns([names[name] for name in missing])
        return {name: built[names[name]] for name in missing}

    columns = cached_many(list(names), build)
    return [columns[f"compare-column:{f.pk}"] for f in frameworks]


def build_compare_matrix(frameworks, criteria):
    """The table of differences: one row per criterion, one cell per framework, from the
    frameworks' cached columns (one query when some are not cached yet)."""
    columns = framework_columns(frameworks)
    labels = dict(Criterion.Category.choices)
    rows = []
    lead_counts = [0] * len(frameworks)
    for criterion in criteria:
        found = [column.get(criterion.pk) for column in columns]
        leaders = _leaders([e[0].score if e else None for e in found])
        for i in leaders:
            lead_counts[i] += 1
        cells = [
            Cell(framework_slug=f.slug)
            if e is None
            else Cell(
                framework_slug=f.slug,
                score=e[0].score,
                strength=e[0].strength,
                claim_count=e[0].claim_count,
                contested_count=e[0].contested_count,
                refuted_count=e[0].refuted_count,
                citation_count=e[1],
                strongest=e[2],
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
                category_label=labels.get(criterion.category, criterion.category),
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


def advisor_claims(*, winner, decisive, podium, weighted, limit, failing=()):
    """explaining_claims(), and in the same two queries the claims that fail must-haves.

    The first part of the answer is what explaining_claims() gives for the same arguments (the
    claims of `winner` on the `decisive` criteria, then the contested and refuted claims of the
    `podium` on the `weighted` criteria; at most `limit`, in display order); `winner` may be None.
    `failing` is [(criterion slug, minimum, framework slugs)]: for each of those frameworks, the
    claim that fails the must-have, the one that counts (not refuted) scoring below the minimum
    that weighs most (its effective weight, then the lowest score, then the oldest). Returns
    (explaining, {(framework slug, criterion slug): claim summary}); see claim_summary().
    """
    never = Q(pk__in=[])
    is_decisive = Q(framework__slug=winner, criterion__slug__in=decisive) if winner else never
    contradicted = Exists(
        Citation.objects.filter(claim=OuterRef("pk"), stance=Citation.Stance.CONTRADICTS)
    )
    may_be_questioned = Q(contradicted | ~Q(verdict_override="")) & Q(
        framework__slug__in=podium, criterion__slug__in=weighted
    )
    below, fails = {}, never
    for criterion, minimum, frameworks in failing:
        below[criterion] = minimum
        fails |= Q(criterion__slug=criterion, score__lt=minimum, framework__slug__in=frameworks)
    if not (winner or podium or below):
        return [], {}
    claims = (
        public_claims()
        .prefetch_related(citations_with_sources())
        .filter(is_decisive | may_be_questioned | fails)
        .annotate(
            decisive=Case(When(is_decisive, then=Value(True)), default=Value(False)),
            questionable=Case(When(may_be_questioned, then=Value(True)), default=Value(False)),
        )
        .order_by("-decisive", "-weight", "id")
    )
    shown, failing_claims = [], {}
    for claim in claims:
        assessment = claim.assessment
        if claim.decisive or (claim.questionable and assessment.verdict in QUESTIONED_VERDICTS):
            shown.append(claim)
        criterion = claim.criterion.slug
        if criterion in below and claim.score < below[criterion] and assessment.counts:
            key = (claim.framework.slug, criterion)
            rank = (-assessment.effective_weight, claim.score, claim.pk)
            if key not in failing_claims or rank < failing_claims[key][0]:
                failing_claims[key] = (rank, claim)
    shown = shown[:limit]
    shown.sort(key=lambda c: (c.criterion.display_order, c.framework.name, -c.weight, c.id))
    return (
        [claim_summary(claim) for claim in shown],
        {key: claim_summary(claim) for key, (_, claim) in failing_claims.items()},
    )
