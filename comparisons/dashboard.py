"""The editors' desk: what in the knowledge base needs an editor, on the admin's index page.

Every number on it is a query written once here and used twice: for the count on the desk, and
for the admin changelist filter its link opens (`ATTENTION`, `never_cited`, `open_reports`), so
a count and the rows it links to cannot disagree.

- Claims that need attention, among the public ones (`Claim.objects.published()`): resting only on
  sources rated 1–2, contested, refuted, with a quote not found in its source or drifted since the
  snapshot before, or due for review (comparisons.review).
- Sources never cited; visitors' reports still open.
- The coverage matrix, frameworks × criteria. A cell counts the public claims of the pair; its
  strength is the best evidence strength (comparisons.evidence: `(S / 5) ** 2` of the best
  supporting reliability S) among those that count, that is whose verdict is supported or
  contested. A cell with no public claim is a *gap*; one with no counting claim resting on a source
  rated 3 or more (strength below 0.36) is *weak*.
- The criteria that decide advisor results on weak evidence: for each criterion, how many stored
  consultations it decided (`Consultation.deciding_criterion`) times the share of published
  frameworks whose cell on it is a gap or weak. The largest products come first: the results
  most often decided where the evidence is thinnest.

The page takes the same number of queries whatever the size of the knowledge base: each figure
is one aggregate query, and the matrix shows one page of frameworks and one of criteria.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse

from advisor.models import Consultation

from . import evidence
from .evidence import Verdict
from .models import Citation, Claim, Criterion, Framework, ProblemReport, Source

FRAMEWORKS_PER_PAGE = 25
CRITERIA_PER_PAGE = 12  # columns: the matrix fits a laptop screen beside the sidebar
DECIDING_SHOWN = 5

# A claim counts when its verdict gives it weight (see evidence.VERDICT_FACTOR).
COUNTING = [Verdict.SUPPORTED, Verdict.CONTESTED]
# The weakest reliability that makes a cell not weak: an informed opinion (strength 0.36).
SOLID_RELIABILITY = Source.Reliability.MODERATE
SOLID_STRENGTH = evidence.strength(SOLID_RELIABILITY)


# --- the rows behind each count --------------------------------------------------------------


def with_quote_problems(claims):
    """Claims with a citation whose quote is not found in its source's current snapshot, or
    drifted: it was in the snapshot before and is gone or changed in the current one."""
    citations = Citation.objects.filter(claim=OuterRef("pk"))
    return claims.filter(Exists(citations.not_found()) | Exists(citations.drifted()))


@dataclass(frozen=True)
class Attention:
    """One kind of public claim an editor should look at: the desk's count, the filter's option."""

    slug: str
    label: str  # the filter's option
    summary: str  # what the desk's count counts
    rows: Callable  # a claim queryset -> the claims of this kind among it


ATTENTION = [
    Attention(
        "weak-sources",
        "Resting only on sources rated 1–2",
        "Public claims resting only on sources rated 1–2",
        lambda claims: claims.published().resting_on_weak_sources(),
    ),
    Attention(
        "contested",
        "Contested",
        "Contested public claims",
        lambda claims: claims.published().with_verdict(Verdict.CONTESTED),
    ),
    Attention(
        "refuted",
        "Refuted",
        "Refuted public claims",
        lambda claims: claims.published().with_verdict(Verdict.REFUTED),
    ),
    Attention(
        "quotes",
        "A quote not found or drifted",
        "Public claims with a quote not found in its source, or drifted",
        lambda claims: with_quote_problems(claims.published()),
    ),
    Attention(
        "due",
        "Due for review",
        "Public claims due for review (past their date, never reviewed, or a release since)",
        lambda claims: claims.published().due_for_review(),
    ),
]
ATTENTION_BY_SLUG = {attention.slug: attention for attention in ATTENTION}


def never_cited(sources):
    return sources.filter(~Exists(Citation.objects.filter(source=OuterRef("pk"))))


def open_reports(reports):
    return reports.filter(status=ProblemReport.Status.OPEN)


def may_see(user):
    """The desk is for those who may read claims (editors and administrators)."""
    return user.is_active and user.is_staff and user.has_perm("comparisons.view_claim")


# --- what the desk shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    slug: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Cell:
    claims: int
    best_support: int  # the best supporting reliability among counting claims, 0 when none
    url: str

    @property
    def is_gap(self):
        return self.claims == 0

    @property
    def strength(self):
        return evidence.strength(self.best_support)

    @property
    def is_weak(self):
        return not self.is_gap and self.best_support < SOLID_RELIABILITY

    @property
    def strength_label(self):
        return evidence.strength_label(self.strength)


@dataclass(frozen=True)
class Row:
    framework: Framework
    cells: list


@dataclass(frozen=True)
class Deciding:
    criterion: Criterion
    decided: int  # consultations it decided
    weak_frameworks: int  # published frameworks whose cell on it is a gap or weak
    frameworks: int  # published frameworks
    url: str

    @property
    def weak_share(self):
        return self.weak_frameworks / self.frameworks if self.frameworks else 1.0

    @property
    def weight(self):
        return self.decided * self.weak_share


@dataclass(frozen=True)
class Desk:
    figures: list
    frameworks: object  # a Page of published frameworks
    criteria: object  # a Page of criteria
    rows: list
    deciding: list
    consultations_decided: int
    query: dict  # the other paginator's page number, for each paginator's links


def changelist(model, **params):
    url = reverse(f"admin:comparisons_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def counting_claims():
    """Public claims that count (supported or contested), with their best supporting reliability
    (`support_reliability`)."""
    return (
        Claim.objects.published()
        .with_evidence()
        .annotate(evidence_verdict=evidence.verdict_expression())
        .filter(evidence_verdict__in=COUNTING)
    )


def figures():
    claims = [
        Figure(
            f"claims-{a.slug}",
            a.summary,
            a.rows(Claim.objects.all()).count(),
            changelist("claim", attention=a.slug),
        )
        for a in ATTENTION
    ]
    return [
        *claims,
        Figure(
            "sources-never-cited",
            "Sources never cited",
            never_cited(Source.objects.all()).count(),
            changelist("source", cited="never"),
        ),
        Figure(
            "reports-open",
            "Visitors' reports still open",
            open_reports(ProblemReport.objects.all()).count(),
            changelist("problemreport", status__exact=ProblemReport.Status.OPEN),
        ),
    ]


def matrix(frameworks, criteria):
    """The rows of the coverage matrix for one page of frameworks and one of criteria."""
    framework_ids = [f.pk for f in frameworks]
    criterion_ids = [c.pk for c in criteria]
    public = Claim.objects.published().with_evidence()
    public = public.annotate(evidence_verdict=evidence.verdict_expression())
    aggregates = (
        public.filter(framework__in=framework_ids, criterion__in=criterion_ids)
        .values("framework_id", "criterion_id")
        .annotate(
            claims=Count("pk"),
            best_support=Max("support_reliability", filter=Q(evidence_verdict__in=COUNTING)),
        )
        .order_by()
    )
    by_pair = {(a["framework_id"], a["criterion_id"]): a for a in aggregates}
    add = reverse("admin:comparisons_claim_add")
    rows = []
    for framework in frameworks:
        cells = []
        for criterion in criteria:
            found = by_pair.get((framework.pk, criterion.pk))
            pair = {"framework": framework.pk, "criterion": criterion.pk}
            if found is None:
                cells.append(Cell(0, 0, f"{add}?{urlencode(pair)}"))
                continue
            url = changelist(
                "claim", framework__id__exact=framework.pk, criterion__id__exact=criterion.pk
            )
            cells.append(Cell(found["claims"], found["best_support"] or 0, url))
        rows.append(Row(framework, cells))
    return rows


def deciding_criteria(framework_count):
    """The criteria that decide most advisor results on the weakest evidence (module docstring)."""
    decided = dict(
        Consultation.objects.exclude(deciding_criterion="")
        .values_list("deciding_criterion")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not decided:
        return [], 0
    criteria = Criterion.objects.filter(slug__in=list(decided))
    solid = dict(
        counting_claims()
        .filter(criterion__slug__in=decided, support_reliability__gte=SOLID_RELIABILITY)
        .values_list("criterion_id")
        .annotate(n=Count("framework_id", distinct=True))
        .order_by()
    )
    ranked = [
        Deciding(
            criterion=criterion,
            decided=decided[criterion.slug],
            weak_frameworks=framework_count - solid.get(criterion.pk, 0),
            frameworks=framework_count,
            url=changelist("claim", criterion__id__exact=criterion.pk),
        )
        for criterion in criteria
    ]
    ranked = [d for d in ranked if d.weight > 0]
    ranked.sort(key=lambda d: (-d.weight, -d.decided, d.criterion.name))
    return ranked[:DECIDING_SHOWN], sum(decided.values())


def build(request):
    """Everything the desk shows, in a fixed number of queries."""
    frameworks = Paginator(
        Framework.objects.published().order_by("name", "pk"), FRAMEWORKS_PER_PAGE
    )
    frameworks = frameworks.get_page(request.GET.get("frameworks"))
    criteria = Paginator(
        Criterion.objects.order_by("display_order", "name", "pk"), CRITERIA_PER_PAGE
    )
    criteria = criteria.get_page(request.GET.get("criteria"))
    deciding, decided_total = deciding_criteria(frameworks.paginator.count)
    return Desk(
        figures=figures(),
        frameworks=frameworks,
        criteria=criteria,
        rows=matrix(list(frameworks), list(criteria)),
        deciding=deciding,
        consultations_decided=decided_total,
        query={"frameworks": frameworks.number, "criteria": criteria.number},
    )
