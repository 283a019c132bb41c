"""The scoring engine as it was before it was rewritten for speed (engine 3, December 2026): a
frozen copy, test-only. The engine in advisor.scoring must give exactly the same results
(tests/advisor/test_scoring_speed.py); this one reads every (framework, criterion) pair in Python
loops, which took seconds at 1,000 frameworks and 600 criteria.

It returns advisor.scoring's own dataclasses, so results compare with ``==``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from advisor.scoring import (
    BAND_HALF_WIDTH,
    CLEAR_MARGIN,
    EPSILON,
    NEUTRAL,
    SETTLING_COUNT,
    STRONG_EVIDENCE,
    TOPSIS,
    Contribution,
    DecisiveCriterion,
    Exclusion,
    Flip,
    FrameworkScore,
    MethodCheck,
    MethodRank,
    Recommendation,
    Requirement,
    SettlingCriterion,
    UnknownRequirement,
)


def recommend(
    weights: Mapping[str, float],
    evidence: Mapping[tuple[str, str], float],
    frameworks: Sequence[str],
    decisive_count: int = 3,
    detail_count: int | None = None,
    strengths: Mapping[tuple[str, str], float] | None = None,
    requirements: Sequence[Requirement] = (),
) -> Recommendation:
    """Rank ``frameworks`` for the visitor's ``weights``; see the module docstring.

    ``strengths`` gives the evidence strength (0..1) of each known pair; a known pair without one
    (or every known pair, when it is None) counts as fully trusted. ``requirements`` are the
    must-haves: frameworks whose evidence fails one are excluded from the ranking.
    Per-criterion contributions and unknown criteria are listed for the ``detail_count``
    best-ranked frameworks (all when None): with many frameworks they are most of the result,
    and nobody reads them all. Scores, bands and coverage are given for every framework.
    """
    weights, evidence, frameworks, strengths = _validate(
        weights, evidence, frameworks, decisive_count, strengths or {}
    )
    requirements = _validate_requirements(requirements)
    total = math.fsum(weights.values())
    criteria = sorted(c for c, w in weights.items() if w > 0)
    # v(f, c) and s(f, c) for every framework and weighted criterion, computed once.
    values = {
        f: {c: NEUTRAL if (f, c) not in evidence else (evidence[f, c] + 2) / 4 for c in criteria}
        for f in frameworks
    }
    scores = {
        f: _clamp(100 * math.fsum(weights[c] * values[f][c] for c in criteria) / total, 0.0, 100.0)
        if total > 0
        else 50.0
        for f in frameworks
    }
    excluded = _exclusions(requirements, evidence, frameworks, scores)
    left_out = {e.framework for e in excluded}
    frameworks = [f for f in frameworks if f not in left_out]
    must_haves = {
        "requirements": requirements,
        "excluded": excluded,
        "unknown_requirements": tuple(
            UnknownRequirement(r.key, r.criterion, unknown)
            for r in requirements
            if (unknown := tuple(sorted(f for f in frameworks if (f, r.criterion) not in evidence)))
        ),
    }
    if not frameworks and left_out:
        return _no_preference(
            frameworks,
            "Every framework fails at least one of the must-haves: none is left to recommend.",
            **must_haves,
        )
    if not frameworks:
        return _no_preference(frameworks, "There are no frameworks to compare yet.")
    if total <= 0:
        return _no_preference(
            frameworks,
            "No criterion was marked as mattering, so every framework scores the same. "
            "Give at least one criterion some weight to get a recommendation.",
            **must_haves,
        )

    trust = {
        f: {c: strengths.get((f, c), 1.0) if (f, c) in evidence else 0.0 for c in criteria}
        for f in frameworks
    }
    ranks = _ranks({f: scores[f] for f in frameworks})
    order = sorted(frameworks, key=lambda f: (ranks[f], f))
    detailed = set(order if detail_count is None else order[:detail_count])
    ranking = tuple(
        _score(
            f,
            scores[f],
            ranks[f],
            criteria,
            weights,
            total,
            evidence,
            values[f],
            trust[f],
            f in detailed,
        )
        for f in order
    )

    winner, others = order[0], order[1:]
    win = values[winner]
    leads = {g: math.fsum(weights[c] * (win[c] - values[g][c]) for c in criteria) for g in others}
    tied = {g for g in others if ranks[g] == ranks[winner] or leads[g] <= 0}
    flips = tuple(_flip(c, weights[c], winner, others, leads, tied, values) for c in criteria)

    first, second = ranking[0], (ranking[1] if others else None)
    runner_up = second.framework if second else None
    terms = {
        c: 100 * weights[c] * (win[c] - values[runner_up][c]) / total
        for c in (criteria if runner_up else ())
    }
    decisive_criteria = sorted((c for c in terms if terms[c] > 0), key=lambda c: (-terms[c], c))
    flip_for = {f.criterion: f for f in flips}
    too_close = second is not None and first.band_low <= second.band_high + EPSILON
    return Recommendation(
        no_preference=False,
        message=_message(first, second, runner_up in tied, too_close),
        ranking=ranking,
        winner=winner,
        runner_up=runner_up,
        margin=max(0.0, first.score - second.score) if second else 0.0,
        confidence=_confidence(ranking[:2], too_close),
        decisive=tuple(
            DecisiveCriterion(c, terms[c], flip_for[c]) for c in decisive_criteria[:decisive_count]
        ),
        flips=flips,
        too_close=too_close,
        settling=_settling(
            criteria, weights, trust[winner], trust[runner_up] if runner_up else None
        ),
        check=_topsis_check(weights, criteria, values, order, ranks),
        **must_haves,
    )


def _ranks(values: Mapping[str, float]) -> dict[str, int]:
    """1 + the number of others more than EPSILON higher: tied values share a rank."""
    return {f: 1 + sum(other > values[f] + EPSILON for other in values.values()) for f in values}


def _exclusions(requirements, evidence, frameworks, scores):
    """Every (framework, requirement) whose known evidence is below the minimum, the frameworks
    that would have scored most first."""
    failed = [
        Exclusion(f, r.key, r.criterion, evidence[f, r.criterion], r.minimum, scores[f])
        for f in frameworks
        for r in requirements
        if (f, r.criterion) in evidence and evidence[f, r.criterion] < r.minimum - EPSILON
    ]
    return tuple(sorted(failed, key=lambda e: (-e.score, e.framework, e.requirement)))


def topsis_closeness(
    weights: Mapping[str, float], values: Mapping[str, Mapping[str, float]]
) -> dict[str, float]:
    """TOPSIS closeness to the ideal (0..1) of each framework; see the module docstring.

    ``weights`` is {criterion: weight >= 0}; ``values`` is {framework: {criterion: value >= 0}}
    with a value for every criterion of positive weight (the engine passes ``v(f, c)``).
    """
    criteria = sorted(c for c, w in weights.items() if w > 0)
    for criterion in criteria:
        weight = weights[criterion]
        if not math.isfinite(weight):
            raise ValueError(f"weight for criterion {criterion!r} must be finite, got {weight!r}")
    for framework, row in values.items():
        for criterion in criteria:
            value = row[criterion]
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(
                    f"value for ({framework!r}, {criterion!r}) must be a finite number >= 0, "
                    f"got {value!r}"
                )
    total = math.fsum(weights[c] for c in criteria)
    if not values or total <= 0:
        return dict.fromkeys(values, 0.5)
    norms = {c: math.sqrt(math.fsum(row[c] ** 2 for row in values.values())) for c in criteria}
    weighted = {
        f: {c: weights[c] / total * (row[c] / norms[c] if norms[c] > 0 else 0.0) for c in criteria}
        for f, row in values.items()
    }
    ideal = {c: max(row[c] for row in weighted.values()) for c in criteria}
    anti_ideal = {c: min(row[c] for row in weighted.values()) for c in criteria}
    closeness = {}
    for f, row in weighted.items():
        to_ideal = math.sqrt(math.fsum((row[c] - ideal[c]) ** 2 for c in criteria))
        to_anti_ideal = math.sqrt(math.fsum((row[c] - anti_ideal[c]) ** 2 for c in criteria))
        both = to_ideal + to_anti_ideal
        closeness[f] = to_anti_ideal / both if both > 0 else 0.5
    return closeness


def _topsis_check(weights, criteria, values, order, ranks):
    closeness = topsis_closeness({c: weights[c] for c in criteria}, {f: values[f] for f in order})
    topsis_ranks = _ranks(closeness)
    ranking = tuple(
        MethodRank(f, closeness[f], topsis_ranks[f])
        for f in sorted(order, key=lambda f: (topsis_ranks[f], f))
    )
    first_by_sum = {f for f in order if ranks[f] == 1}
    first_by_topsis = {f for f in order if topsis_ranks[f] == 1}
    return MethodCheck(TOPSIS, ranking, agrees=bool(first_by_sum & first_by_topsis))


def _validate_requirements(requirements: Sequence[Requirement]) -> tuple[Requirement, ...]:
    keys = [r.key for r in requirements]
    if len(set(keys)) != len(keys):
        raise ValueError(f"requirements contain duplicate keys: {keys!r}")
    clean = []
    for r in requirements:
        minimum = float(r.minimum)
        if not (math.isfinite(minimum) and -2 <= minimum <= 2):
            raise ValueError(
                f"minimum of requirement {r.key!r} must be a finite number in [-2, 2], "
                f"got {minimum!r}"
            )
        clean.append(Requirement(r.key, r.criterion, minimum))
    return tuple(clean)


def _settling(criteria, weights, winner_trust, runner_up_trust):
    """The weighted criteria where better evidence would narrow the top two bands most."""

    def doubt(c):
        runner = 0.0 if runner_up_trust is None else 1 - runner_up_trust[c]
        return weights[c] * ((1 - winner_trust[c]) + runner)

    worst = sorted((c for c in criteria if doubt(c) > EPSILON), key=lambda c: (-doubt(c), c))
    return tuple(
        SettlingCriterion(
            criterion=c,
            weight=weights[c],
            winner_strength=winner_trust[c],
            runner_up_strength=None if runner_up_trust is None else runner_up_trust[c],
        )
        for c in worst[:SETTLING_COUNT]
    )


def _message(
    first: FrameworkScore, second: FrameworkScore | None, tied: bool, too_close: bool
) -> str:
    if second is None:
        return f"{first.framework} is the only framework compared; it scores {first.score:.1f}/100."
    if tied:
        return f"{first.framework} and {second.framework} are tied at {first.score:.1f}/100."
    if too_close:
        return (
            f"Too close to call: {first.framework} scores {first.score:.1f} and "
            f"{second.framework} {second.score:.1f} out of 100, but the evidence is too weak "
            "to tell them apart."
        )
    return (
        f"{first.framework} leads {second.framework} by {first.score - second.score:.1f} points "
        f"({first.score:.1f} vs {second.score:.1f} out of 100)."
    )


def _validate(
    weights: Mapping[str, float],
    evidence: Mapping[tuple[str, str], float],
    frameworks: Sequence[str],
    decisive_count: int,
    strengths: Mapping[tuple[str, str], float],
) -> tuple[dict[str, float], dict[tuple[str, str], float], list[str], dict[tuple[str, str], float]]:
    if isinstance(frameworks, str):
        raise TypeError("frameworks must be a sequence of slugs, not a single string")
    if len(set(frameworks)) != len(frameworks):
        raise ValueError(f"frameworks contains duplicate slugs: {list(frameworks)!r}")
    if decisive_count < 0:
        raise ValueError(f"decisive_count must be >= 0, got {decisive_count!r}")
    clean_weights = {}
    for criterion, weight in weights.items():
        weight = float(weight)
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(
                f"weight for criterion {criterion!r} must be a finite number >= 0, got {weight!r}"
            )
        clean_weights[criterion] = weight
    clean_evidence = {}
    for (framework, criterion), score in evidence.items():
        score = float(score)
        if not (math.isfinite(score) and -2 <= score <= 2):
            raise ValueError(
                f"evidence for ({framework!r}, {criterion!r}) must be a finite number "
                f"in [-2, 2], got {score!r}"
            )
        clean_evidence[framework, criterion] = score
    clean_strengths = {}
    for (framework, criterion), strength in strengths.items():
        strength = float(strength)
        if not (math.isfinite(strength) and 0 <= strength <= 1):
            raise ValueError(
                f"strength for ({framework!r}, {criterion!r}) must be a finite number "
                f"in [0, 1], got {strength!r}"
            )
        clean_strengths[framework, criterion] = strength
    return clean_weights, clean_evidence, list(frameworks), clean_strengths


def _score(framework, score, rank, criteria, weights, total, evidence, values, trust, detailed):
    known = math.fsum(weights[c] for c in criteria if (framework, c) in evidence)
    half = {c: BAND_HALF_WIDTH * (1 - trust[c]) for c in criteria}
    low = math.fsum(weights[c] * max(0.0, values[c] - half[c]) for c in criteria)
    high = math.fsum(weights[c] * min(1.0, values[c] + half[c]) for c in criteria)
    contributions, unknown = (), ()
    if detailed:
        unknown = tuple(c for c in criteria if (framework, c) not in evidence)
        contributions = tuple(
            Contribution(
                c, weights[c], evidence.get((framework, c)), 100 * weights[c] * values[c] / total
            )
            for c in criteria
        )
    return FrameworkScore(
        framework=framework,
        score=score,
        rank=rank,
        coverage=_clamp(known / total, 0.0, 1.0),
        unknown_criteria=unknown,
        contributions=contributions,
        band_low=_clamp(100 * low / total, 0.0, score),
        band_high=_clamp(100 * high / total, score, 100.0),
        strength=_clamp(math.fsum(weights[c] * trust[c] for c in criteria) / total, 0.0, 1.0),
    )


def _flip(
    criterion: str,
    weight: float,
    winner: str,
    others: Sequence[str],
    leads: Mapping[str, float],
    tied: set[str],
    values: Mapping[str, Mapping[str, float]],
) -> Flip:
    """Smallest change of ``criterion``'s weight that lets some other framework catch up."""
    best: tuple[float, str] | None = None
    for other in others:  # in ranking order, so equal changes favour the higher-ranked one
        if other in tied:
            change = 0.0
        else:
            diff = values[winner][criterion] - values[other][criterion]
            if diff == 0:
                continue
            change = -leads[other] / diff
            if abs(weight + change) <= 1e-12 * max(weight, 1.0):
                change = -weight  # "drop it to zero", up to rounding noise
            elif weight + change < 0:
                continue  # would need a negative weight: impossible
        if best is None or abs(change) < abs(best[0]):
            best = (change, other)
    if best is None:
        return Flip(criterion, None, None)
    return Flip(criterion, best[0], best[1])


def _no_preference(frameworks: Sequence[str], message: str, **must_haves) -> Recommendation:
    ranking = tuple(FrameworkScore(f, 50.0, 1, 0.0, (), (), 50.0, 50.0) for f in sorted(frameworks))
    return Recommendation(True, message, ranking, None, None, 0.0, None, (), (), **must_haves)


def _confidence(top: Sequence[FrameworkScore], too_close: bool) -> str:
    if too_close:
        return "low"
    strong = min(s.strength for s in top) >= STRONG_EVIDENCE
    clear = len(top) < 2 or top[0].score - top[1].score >= CLEAR_MARGIN
    return "high" if strong and clear else "medium"


def _clamp(x: float, low: float, high: float) -> float:
    return min(high, max(low, x))
