"""The result page, drawn from a consultation's snapshot alone: never from the live knowledge base.

Snapshots saved by every version still render: advisor.schema reads each in today's shape, and
each says which scoring method computed it (METHODS). A re-weighed result (other weights or
must-haves, from the page's address) is computed here, by the engine, from the evidence the
snapshot kept of its best-ranked frameworks.
"""

from urllib.parse import urlencode

from django.urls import reverse

from comparisons.knowledge import QUESTIONED_VERDICTS, strength_label

from . import scoring
from .schema import Snapshot
from .services import (
    DECISIVE_COUNT,
    RANKINGS_SHOWN,
    TABLE_FRAMEWORKS,
    WEIGHT_CEILING,
    WEIGHT_FLOOR,
    rerun_data,
)

CHART_WIDTH, CHART_LABEL, CHART_BAR, CHART_ROW, CHART_BAR_HEIGHT = 720, 150, 400, 34, 22
REASONS = 3  # the reasons shown first: the criteria that gave the winner most of its lead
CLAIMS_PER_REASON = 2  # the claims shown under each reason; the others are folded
FLIPS_SHOWN = 3  # the smallest changes that would change the answer, shown before the rest
EXCLUDED_SHOWN = 10  # excluded frameworks shown with their claim (the best they would have been)
NAMES_SHOWN = 10  # frameworks named in a sentence, before "and N others"

METHODS = {
    "1": "Method 1 (before December 2026): every public claim counted alike, whatever its "
    "sources; claims a source disputed counted at half weight; confidence said only how much of "
    "what mattered had any evidence.",
    "2": "Method 2: each claim counts by the strength of its best supporting source; refuted "
    "claims count for nothing and contested ones at half; the bands show how far weak or missing "
    "evidence could move each total.",
    "3": "Method 3: as method 2 (each claim counts by the strength of its best supporting "
    "source, refuted claims for nothing, contested ones at half, bands for weak or missing "
    "evidence); frameworks whose evidence fails a must-have are set apart; a second method, "
    "TOPSIS (closeness to an ideal framework), checks the ranking of the weighted sum.",
}
METHOD_NAMES = {
    scoring.WEIGHTED_SUM: "the weighted sum",
    scoring.TOPSIS: "TOPSIS (closeness to the ideal)",
}


def present(consultation, weights=None, must_haves=None, snapshot=None):
    """Everything the result template needs, computed from the consultation's snapshot alone
    (`snapshot`, when the caller has read it already).

    With `weights` ({criterion slug: weight}) and `must_haves` (keys), as ReweighForm reads them
    from the address, the page is that re-weighing of the result; the same as the answers' gives
    the saved result itself.
    """
    snapshot = Snapshot.of(consultation) if snapshot is None else snapshot
    original = snapshot.answer_weights()
    weights = original if weights is None else weights
    must_haves = snapshot.chosen_must_haves() if must_haves is None else tuple(must_haves)
    reweighed = snapshot.reweighable and (
        weights != original or set(must_haves) != set(snapshot.chosen_must_haves())
    )
    rec = _reweigh(snapshot, weights, must_haves) if reweighed else snapshot.recommendation
    if not reweighed:
        weights, must_haves = original, snapshot.chosen_must_haves()
    names = snapshot.frameworks
    criterion_names = snapshot.criterion_names()
    evidence = _evidence(snapshot)

    def name(slug):
        return names.get(slug, slug)

    engine_version = scoring.ENGINE_VERSION if reweighed else consultation.engine_version
    context = {
        "consultation": consultation,
        "snapshot": snapshot,
        "recommendation": rec,
        "method": METHODS.get(engine_version, ""),
        "engine_version": engine_version,
        "has_bands": snapshot.version > 1,
        "no_preference": rec.no_preference,
        "answers": snapshot.answers,
        "rerun_data": rerun_data(consultation),
        "chart": _chart(rec, name),
        "reweighed": reweighed,
        "reweighable": snapshot.reweighable,
        "permalink": consultation.get_absolute_url(),
        "differences": _differences(snapshot, weights, must_haves) if reweighed else None,
        "reweigh": _reweigh_panel(snapshot, weights, must_haves),
        "must_haves": _must_haves(snapshot, rec, criterion_names, name),
        "check": _check(rec, name),
        "pool_note": _pool_note(snapshot) if reweighed else "",
    }
    if rec.no_preference:
        return context

    winner, runner_up = name(rec.winner), name(rec.runner_up) if rec.runner_up else None
    tied = runner_up is not None and rec.margin <= scoring.EPSILON
    criteria = [
        {"slug": c.slug, "name": c.name, "weight": weights.get(c.slug, c.weight)}
        for c in snapshot.criteria
    ]
    flips = _flips(rec, criteria, criterion_names, name) if not tied else None
    context.update(
        winner=winner,
        runner_up=runner_up,
        tied=tied,
        too_close=rec.too_close and not tied,
        headline=_headline(rec, winner, runner_up, tied),
        confidence=rec.confidence,
        coverage=[(name(s.framework), f"{100 * s.coverage:.0f}") for s in rec.ranking[:2]],
        settling=_settling(rec, criterion_names, winner, runner_up),
        table=_table(rec, criteria, evidence, name),
        why=[] if tied else _why(rec, snapshot, criterion_names, evidence, reweighed),
        flips=flips,
        first_flips=flips["possible"][:FLIPS_SHOWN] if flips else [],
        more_flips=flips["possible"][FLIPS_SHOWN:] if flips else [],
        questioned=[
            {
                **_claim_display(claim),
                "framework_name": name(claim.framework),
                "criterion_name": criterion_names.get(claim.criterion, claim.criterion),
            }
            for claim in snapshot.questioned_claims
        ],
    )
    return context


def _reweigh(snapshot, weights, must_haves):
    """The engine's result for other weights and must-haves, over the snapshot's pool."""
    pool = snapshot.pool
    return scoring.recommend(
        weights,
        pool.evidence(),
        pool.frameworks,
        decisive_count=DECISIVE_COUNT,
        detail_count=TABLE_FRAMEWORKS,
        strengths=pool.strength(),
        requirements=[m.requirement() for m in snapshot.must_haves if m.key in must_haves],
    )


def _evidence(snapshot):
    """{(framework, criterion): row} for the table: the saved rows (with their claim counts),
    and for the other frameworks of the pool, their score and strength."""
    rows = {}
    if snapshot.pool is not None:
        pool = snapshot.pool
        for f, scores, strengths in zip(pool.frameworks, pool.scores, pool.strengths, strict=True):
            for c, score, strength in zip(pool.criteria, scores, strengths, strict=True):
                if score is not None:
                    rows[f, c] = {"score": score, "strength": strength, "claims": None}
    for row in snapshot.evidence:
        rows[row.framework, row.criterion] = row.as_dict()
    return rows


def _headline(rec, winner, runner_up, tied):
    if runner_up is None:
        return f"{winner} is the only framework compared: {rec.ranking[0].score:.1f} out of 100."
    if tied:
        return f"{winner} and {runner_up} are tied at {rec.ranking[0].score:.1f} out of 100."
    if rec.too_close:
        first, second = rec.ranking[0], rec.ranking[1]
        return (
            f"Too close to call: {winner} scores {first.score:.1f} and {runner_up} "
            f"{second.score:.1f} out of 100, but with evidence this weak {winner} could score "
            f"as little as {first.band_low:.1f} and {runner_up} as much as {second.band_high:.1f}."
        )
    return f"{winner}, ahead of {runner_up} by {rec.margin:.1f} points out of 100."


def _x(score):
    return round(CHART_LABEL + CHART_BAR * score / 100, 1)


def _chart(rec, name):
    rows = []
    for i, score in enumerate(rec.ranking):
        y = 10 + i * CHART_ROW
        width = round(CHART_BAR * score.score / 100, 1)
        has_band = score.band_high - score.band_low > scoring.EPSILON
        rows.append(
            {
                "name": name(score.framework),
                "slug": score.framework,
                "score": f"{score.score:.1f}",
                "band": f"{score.band_low:.1f} to {score.band_high:.1f}" if has_band else "",
                "winner": score.framework == rec.winner and score.rank == 1,
                "y": y,
                "text_y": y + CHART_BAR_HEIGHT / 2 + 4,
                "width": width,
                "band_x": _x(score.band_low),
                "band_width": round(_x(score.band_high) - _x(score.band_low), 1),
                "band_y": y + CHART_BAR_HEIGHT / 2 - 2,
                "has_band": has_band,
                "value_x": max(CHART_LABEL + width, _x(score.band_high)) + 6,
            }
        )
    return {
        "rows": rows,
        "width": CHART_WIDTH,
        "height": 20 + len(rows) * CHART_ROW,
        "label_x": CHART_LABEL - 8,
        "bar_x": CHART_LABEL,
        "bar_width": CHART_BAR,
        "bar_height": CHART_BAR_HEIGHT,
        "description": "; ".join(
            f"{r['name']}: {r['score']} out of 100"
            + (f" (with the uncertainty of its evidence, {r['band']})" if r["band"] else "")
            for r in rows
        )
        + ".",
    }


def _signed(value):
    return f"{value:+.1f}".replace("+0.0", "0.0").replace("-0.0", "0.0")


def _settling(rec, criterion_names, winner, runner_up):
    """The evidence that would settle the answer, in plain words."""

    def state(strength):
        return "no evidence" if not strength else f"{strength_label(strength)} evidence"

    items = []
    for item in rec.settling:
        text = f"{winner}: {state(item.winner_strength)}"
        if runner_up is not None and item.runner_up_strength is not None:
            text += f"; {runner_up}: {state(item.runner_up_strength)}"
        items.append(
            {
                "criterion": criterion_names.get(item.criterion, item.criterion),
                "weight": f"{item.weight:g}",
                "text": text,
            }
        )
    return items


def _table(rec, criteria, evidence, name):
    shown = rec.ranking[:TABLE_FRAMEWORKS]
    points = {(s.framework, c.criterion): c.points for s in shown for c in s.contributions}
    rows = []
    for criterion in criteria:
        cells = []
        for s in shown:
            e = evidence.get((s.framework, criterion["slug"]))
            score = e["score"] if e else None
            cells.append(
                {
                    "evidence": _signed(score) if score is not None else None,
                    "strength": strength_label(e["strength"]) if e and e.get("strength") else "",
                    "claims": e["claims"] if e else 0,
                    "contested": e.get("contested", 0) if e else 0,
                    "refuted": e.get("refuted", 0) if e else 0,
                    "points": f"{points.get((s.framework, criterion['slug']), 0.0):.1f}",
                }
            )
        rows.append({"name": criterion["name"], "weight": criterion["weight"], "cells": cells})
    return {
        "frameworks": [name(s.framework) for s in shown],
        "rows": rows,
        "totals": [f"{s.score:.1f}" for s in shown],
        "bands": [f"{s.band_low:.1f}–{s.band_high:.1f}" for s in shown],
        "hidden": len(rec.ranking) - len(shown),
    }


def _claim_display(claim):
    """How a snapshot claim is shown (a schema.Claim, in today's shape whatever its version)."""
    citations = [c.as_dict() for c in claim.citations]
    return {
        **claim.as_dict(),
        "citations": citations,
        "more_citations": max(0, (claim.citation_count or len(citations)) - len(citations)),
        "score_label": _signed(claim.score).replace(".0", ""),
        "is_questioned": claim.verdict in QUESTIONED_VERDICTS,
        "badge": claim.verdict_label,
        "verdict_class": claim.verdict,
        "strength_label": strength_label(claim.strength) if claim.strength is not None else "",
        "page": reverse("comparisons:claim-list")
        + "?"
        + urlencode({"framework": claim.framework, "criterion": claim.criterion}),
    }


def _why(rec, snapshot, criterion_names, evidence, reweighed):
    """The reasons: the decisive criteria, with the winner's claims on them where the snapshot
    has them (those of the saved winner), and a link to every claim of the pair."""
    by_criterion = {}
    if rec.winner == snapshot.recommendation.winner:
        for claim in snapshot.decisive_claims:
            by_criterion.setdefault(claim.criterion, []).append(_claim_display(claim))
    items = []
    for decisive in rec.decisive[:REASONS]:
        slug = decisive.criterion
        # The claims that count first (a refuted one counts for nothing); the rest folded.
        claims = sorted(by_criterion.get(slug, []), key=lambda c: c["verdict"] == "refuted")
        items.append(
            {
                "name": criterion_names.get(slug, slug),
                "points": f"{decisive.margin_points:.1f}",
                "winner_evidence": _evidence_text(evidence.get((rec.winner, slug))),
                "runner_up_evidence": _evidence_text(evidence.get((rec.runner_up, slug))),
                "claims": claims[:CLAIMS_PER_REASON],
                "more_claims": claims[CLAIMS_PER_REASON:],
                "claims_page": reverse("comparisons:claim-list")
                + "?"
                + urlencode({"framework": rec.winner, "criterion": slug}),
            }
        )
    return items


def _evidence_text(row):
    if not row or row["score"] is None:
        return None
    text = _signed(row["score"])
    return f"{text}, {strength_label(row['strength'])} evidence" if row.get("strength") else text


def _flips(rec, criteria, criterion_names, name):
    """What would change the answer, in plain words, smallest change first."""
    weights = {c["slug"]: c["weight"] for c in criteria}
    winner = name(rec.winner)
    possible, impossible = [], []
    for flip in sorted(
        rec.flips, key=lambda f: (f.weight_change is None, abs(f.weight_change or 0), f.criterion)
    ):
        criterion = criterion_names.get(flip.criterion, flip.criterion)
        if flip.weight_change is None:
            impossible.append(criterion)
            continue
        other = name(flip.overtaken_by)
        weight = weights.get(flip.criterion, 0)
        change = flip.weight_change
        if abs(change) <= scoring.EPSILON:
            text = f"{other} is already level with {winner}."
        else:
            more_or_less = "more" if change > 0 else "less"
            bound = "above" if change > 0 else "below"
            text = (
                f"If {criterion} mattered {abs(change):.1f} points {more_or_less} to you "
                f"(a weight {bound} {weight + change:.1f} instead of {weight}), "
                f"{other} would be ahead of {winner}."
            )
        possible.append({"criterion": criterion, "text": text})
    return {"possible": possible, "impossible": impossible}


# --- re-weighing, must-haves and the second method -------------------------------------------


def _reweigh_panel(snapshot, weights, must_haves):
    """The sliders (one per criterion, with the answers' weight beside) and the must-haves."""
    sliders = []
    for c in snapshot.criteria:
        value = weights.get(c.slug, c.weight)
        sliders.append(
            {
                "slug": c.slug,
                "name": c.name,
                "field": f"w-{c.slug}",
                "value": value,
                "original": c.weight,
                "note": _difference_note(value, c.weight),
            }
        )
    chosen = set(must_haves)
    answered = set(snapshot.chosen_must_haves())
    return {
        "sliders": sliders,
        "floor": WEIGHT_FLOOR,
        "ceiling": WEIGHT_CEILING,
        "must_haves": [
            {
                "key": m.key,
                "label": m.label,
                "checked": m.key in chosen,
                "answered": m.key in answered,
            }
            for m in snapshot.must_haves
        ],
    }


def _difference_note(value, original):
    if value == original:
        return f"as in your answers ({original})"
    return f"your answers: {original} ({_signed_step(value - original)})"


def _signed_step(change):
    return f"{'+' if change > 0 else '−'}{abs(change)}"


def _differences(snapshot, weights, must_haves):
    """What a re-weighed result changed from the answers: each weight, and the must-haves."""
    changed = [
        {
            "name": c.name,
            "weight": weights[c.slug],
            "original": c.weight,
            "change": _signed_step(weights[c.slug] - c.weight),
        }
        for c in snapshot.criteria
        if weights.get(c.slug, c.weight) != c.weight
    ]
    labels = {m.key: m.label for m in snapshot.must_haves}
    answered = snapshot.chosen_must_haves()
    return {
        "weights": changed,
        "added": [labels[k] for k in must_haves if k not in answered],
        "dropped": [labels[k] for k in answered if k not in must_haves and k in labels],
    }


def _pool_note(snapshot):
    ranked = len(snapshot.frameworks)
    pooled = len(snapshot.pool.frameworks)
    if pooled >= ranked:
        return ""
    return (
        f"Re-weighing compares the {pooled} frameworks that scored best for your answers "
        f"(of {ranked}); the others are left out."
    )


def _must_haves(snapshot, rec, criterion_names, name):
    """The must-haves applied, the frameworks they exclude (with the claim and its citation that
    excluded each) and those whose evidence is unknown."""
    labels = {m.key: m.label for m in snapshot.must_haves}
    claims = {(c.framework, c.criterion): c for c in snapshot.excluding_claims}
    excluded = {}
    for exclusion in rec.excluded:
        entry = excluded.setdefault(
            exclusion.framework,
            {"name": name(exclusion.framework), "score": f"{exclusion.score:.1f}", "fails": []},
        )
        claim = claims.get((exclusion.framework, exclusion.criterion))
        entry["fails"].append(
            {
                "label": labels.get(exclusion.requirement, exclusion.requirement),
                "criterion": criterion_names.get(exclusion.criterion, exclusion.criterion),
                "evidence": _signed(exclusion.evidence),
                "minimum": _signed(exclusion.minimum),
                "claim": _claim_display(claim) if claim else None,
            }
        )
    unknown = [
        {
            "label": labels.get(item.requirement, item.requirement),
            "frameworks": [name(f) for f in item.frameworks[:NAMES_SHOWN]],
            "others": max(0, len(item.frameworks) - NAMES_SHOWN),
        }
        for item in rec.unknown_requirements
    ]
    excluded = list(excluded.values())
    return {
        "applied": [labels.get(r.key, r.key) for r in rec.requirements],
        "excluded": excluded[:EXCLUDED_SHOWN],
        "more_excluded": [entry["name"] for entry in excluded[EXCLUDED_SHOWN:]],
        "excluded_count": len(excluded),
        "unknown": unknown,
    }


def _check(rec, name):
    """The second method's ranking beside the weighted sum's, and whether they agree."""
    if rec.check is None or rec.no_preference:
        return None
    check = rec.check
    by_sum = list(rec.ranking)
    rows = [
        {
            "position": i + 1,
            "sum_name": name(s.framework) if s else "",
            "sum_value": f"{s.score:.1f}" if s else "",
            "other_name": name(t.framework) if t else "",
            "other_value": f"{t.value:.3f}" if t else "",
        }
        for i, (s, t) in enumerate(_pairs(by_sum, list(check.ranking)))
    ][:RANKINGS_SHOWN]
    return {
        "agrees": check.agrees,
        "method": METHOD_NAMES.get(check.method, check.method),
        "ranked_by": METHOD_NAMES.get(rec.method, rec.method),
        "winner": name(rec.winner),
        "other_winner": name(check.winner),
        "rows": rows,
        "hidden": max(len(by_sum), len(check.ranking)) - len(rows),
    }


def _pairs(first, second):
    for i in range(max(len(first), len(second))):
        yield (first[i] if i < len(first) else None, second[i] if i < len(second) else None)
