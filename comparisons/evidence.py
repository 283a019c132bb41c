"""How much a claim counts, and why: its verdict, its evidence strength, its effective weight.

This module is the one place for the rule. Editors decide a claim's *workflow* (draft, published,
retracted, on the claim itself); the *verdict* on a published claim is derived from its citations
and the reliability of their sources (1 unverified … 5 authoritative), by `derive_verdict()`:

    S = the best reliability among the sources that support the claim (0: none)
    C = the best reliability among the sources that contradict it (0: none)

    no citation at all       -> unsupported  (never shown publicly)
    nothing contradicts it   -> supported
    nothing supports it      -> refuted
    C - S >= 2               -> refuted      (a licence file, 5, against a marketing article, 1)
    S - C >= 2               -> supported    (a much weaker source disagrees; the reason says so)
    otherwise, |S - C| <= 1  -> contested    (sources of comparable standing disagree)

An editor may override the derived verdict with a written reason (kept in the claim's history).

Strength and weight. A claim's evidence strength is ``(S / 5) ** 2``: 0.04 for a marketing
article, 0.36 for an informed opinion, 1.0 for official documentation or a licence file; it rises
with every step of reliability, faster near the top. The claim's *effective weight* is

    effective weight = weight × strength × {supported: 1, contested: 0.5, refuted: 0}

so a refuted claim counts for nothing anywhere, and a contested one at half. The aggregate of one
framework on one criterion (`aggregate()`) is the mean of its public claims' scores over their
effective weights. It carries its own strength, the strength of its best counted claim (how good
the evidence is; how much there is, is its claim and source counts). A pair whose claims all count
for nothing has no score: unknown, not zero.

Everything here is plain Python over numbers, except `verdict_expression()`, which gives the same
rule as SQL for filtering, by tabulating `derive_verdict()` over its small domain.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf

RELIABILITY_MAX = 5
# Best reliabilities this close are of comparable standing: their disagreement is a contest.
COMPARABLE = 1


class Verdict(models.TextChoices):
    SUPPORTED = "supported", "Supported"
    CONTESTED = "contested", "Contested"
    REFUTED = "refuted", "Refuted"
    UNSUPPORTED = "unsupported", "Unsupported"


# What an editor may set instead of the derived verdict ("unsupported" is a fact, not a view).
OVERRIDE_CHOICES = [(v.value, v.label) for v in Verdict if v != Verdict.UNSUPPORTED]

VERDICT_FACTOR = {
    Verdict.SUPPORTED: 1.0,
    Verdict.CONTESTED: 0.5,
    Verdict.REFUTED: 0.0,
    Verdict.UNSUPPORTED: 0.0,
}

# Aggregate strengths at or above these read as "strong" and "moderate"; above 0, "weak".
STRONG, MODERATE = 0.6, 0.3


def strength(reliability):
    """Evidence strength of a source of this reliability (0: no source), from 0 to 1."""
    reliability = max(0, min(RELIABILITY_MAX, reliability or 0))
    return (reliability / RELIABILITY_MAX) ** 2


def strength_label(value):
    if value is None or value <= 0:
        return "none"
    if value >= STRONG:
        return "strong"
    return "moderate" if value >= MODERATE else "weak"


def derive_verdict(support, contradiction):
    """(verdict, reason) from the best supporting and contradicting reliabilities (0: none)."""
    support, contradiction = support or 0, contradiction or 0
    if not support and not contradiction:
        return Verdict.UNSUPPORTED, "No citation: nothing backs this claim, so it is not shown."
    if not contradiction:
        return Verdict.SUPPORTED, f"Supported by a source of reliability {support}; none disagrees."
    if not support:
        return (
            Verdict.REFUTED,
            f"Only contradicted: a source of reliability {contradiction} disagrees and none "
            "supports it.",
        )
    gap = contradiction - support
    if gap > COMPARABLE:
        return (
            Verdict.REFUTED,
            f"The contradicting evidence (reliability {contradiction}) is stronger than the best "
            f"support (reliability {support}).",
        )
    if -gap > COMPARABLE:
        return (
            Verdict.SUPPORTED,
            f"Supported by a source of reliability {support}; a much weaker source "
            f"(reliability {contradiction}) disagrees.",
        )
    return (
        Verdict.CONTESTED,
        f"Sources of comparable standing disagree (reliability {support} supports, "
        f"{contradiction} contradicts).",
    )


@dataclass(frozen=True)
class Assessment:
    """Why one claim counts as much as it does."""

    verdict: str
    reason: str
    derived_verdict: str
    support: int  # best supporting reliability, 0 when none
    contradiction: int  # best contradicting reliability, 0 when none
    strength: float  # of the best supporting evidence, 0..1
    weight: int
    effective_weight: float

    @property
    def is_overridden(self):
        return self.verdict != self.derived_verdict

    @property
    def counts(self):
        return self.effective_weight > 0

    @property
    def verdict_label(self):
        return Verdict(self.verdict).label

    @property
    def strength_label(self):
        return strength_label(self.strength)


@functools.lru_cache(maxsize=4096)
def assess(weight, support, contradiction, override="", override_reason=""):
    """The claim's verdict (derived, or the editor's override) and its effective weight.

    Cached: a whole knowledge base has only a few hundred distinct inputs, and the advisor
    assesses every public claim when the knowledge changes.
    """
    support, contradiction = support or 0, contradiction or 0
    derived, reason = derive_verdict(support, contradiction)
    verdict = derived
    if override and derived != Verdict.UNSUPPORTED:  # no override makes an uncited claim public
        verdict = Verdict(override)
        reason = f"Set by an editor (the evidence alone says {derived}): {override_reason}"
    value = strength(support)
    return Assessment(
        verdict=verdict,
        reason=reason,
        derived_verdict=derived,
        support=support,
        contradiction=contradiction,
        strength=value,
        weight=weight,
        effective_weight=weight * value * VERDICT_FACTOR[verdict],
    )


@dataclass(frozen=True)
class EvidenceScore:
    """The aggregated evidence of one framework on one criterion."""

    score: float | None  # mean over effective weights, -2..+2; None when nothing counts
    strength: float  # of the best counted claim, 0..1
    claim_count: int  # public claims, whatever their verdict
    counted_count: int  # claims with an effective weight above 0
    contested_count: int
    refuted_count: int

    @property
    def has_score(self):
        return self.score is not None

    @property
    def strength_label(self):
        return strength_label(self.strength)

    @property
    def is_contested(self):
        return self.contested_count > 0


def aggregate(claims: Iterable[tuple[object, int, Assessment]]):
    """{key: EvidenceScore} from (key, score, assessment) per public claim; key is the pair."""
    totals = defaultdict(lambda: {"weighted": 0.0, "weights": 0.0, "strength": 0.0, "n": 0})
    counts = defaultdict(lambda: defaultdict(int))
    for key, score, assessment in claims:
        total = totals[key]
        total["weighted"] += score * assessment.effective_weight
        total["weights"] += assessment.effective_weight
        total["n"] += 1
        if assessment.counts:
            counts[key]["counted"] += 1
            counted_strength = assessment.strength * VERDICT_FACTOR[assessment.verdict]
            total["strength"] = max(total["strength"], counted_strength)
        counts[key][assessment.verdict] += 1
    return {
        key: EvidenceScore(
            score=total["weighted"] / total["weights"] if total["weights"] > 0 else None,
            strength=total["strength"],
            claim_count=total["n"],
            counted_count=counts[key]["counted"],
            contested_count=counts[key][Verdict.CONTESTED],
            refuted_count=counts[key][Verdict.REFUTED],
        )
        for key, total in totals.items()
    }


class TableLookup(models.Expression):
    """``CASE <key> WHEN k THEN v ... END``: SQL's "simple" CASE, which evaluates `key` once.

    Django's Case is the searched form, ``CASE WHEN <condition> ...``: each condition repeats the
    expressions it compares, and a claim's reliabilities are correlated subqueries, so a verdict
    written that way ran them up to 74 times per row (ten seconds to count 50,000 claims).
    """

    def __init__(self, key, table, output_field):
        super().__init__(output_field=output_field)
        self.key = key
        self.keys = list(table)
        self.results = list(table.values())

    def get_source_expressions(self):
        return [self.key, *self.results]

    def set_source_expressions(self, exprs):
        self.key, *self.results = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.key)
        parts, params = [f"CASE {sql}"], list(params)
        for key, result in zip(self.keys, self.results, strict=True):
            result_sql, result_params = compiler.compile(result)
            parts.append(f"WHEN {int(key)} THEN {result_sql}")
            params.extend(result_params)
        return " ".join([*parts, "END"]), params


def verdict_expression(support="support_reliability", contradiction="contradiction_reliability"):
    """The verdict as a SQL expression over two annotated reliabilities (0: none).

    Built by tabulating derive_verdict() over every pair of reliabilities, so that the rule still
    lives in one function, and looked up by the pair's number in one CASE that reads each
    reliability once. An editor's override comes first, except that it never makes an uncited
    claim public: unsupported wins over it.
    """
    base = RELIABILITY_MAX + 1
    override = NullIf(F("verdict_override"), Value(""))
    table = {}
    for s in range(base):
        for c in range(base):
            verdict = derive_verdict(s, c)[0]
            table[s * base + c] = (
                Value(verdict.value)
                if verdict == Verdict.UNSUPPORTED
                else Coalesce(override, Value(verdict.value))
            )
    return TableLookup(F(support) * base + F(contradiction), table, models.CharField())
