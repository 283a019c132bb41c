"""The result page, drawn from a consultation's snapshot alone: never from the live knowledge base.

Snapshots saved by every version of the scoring method still render: each one says which method
computed it (METHODS), and what older snapshots lack (bands, verdicts) is read with the meaning it
had then.
"""

from comparisons.knowledge import QUESTIONED_VERDICTS, strength_label

from . import scoring
from .services import TABLE_FRAMEWORKS, rerun_data

CHART_WIDTH, CHART_LABEL, CHART_BAR, CHART_ROW, CHART_BAR_HEIGHT = 720, 150, 400, 34, 22

METHODS = {
    "1": "Method 1 (before December 2026): every public claim counted alike, whatever its "
    "sources; claims a source disputed counted at half weight; confidence said only how much of "
    "what mattered had any evidence.",
    "2": "Method 2: each claim counts by the strength of its best supporting source; refuted "
    "claims count for nothing and contested ones at half; the bands show how far weak or missing "
    "evidence could move each total.",
}


def present(consultation):
    """Everything the result template needs, computed from the consultation's snapshot alone."""
    result = consultation.result
    rec = scoring.Recommendation.from_dict(result["recommendation"])
    names = result["frameworks"]
    criteria = result["criteria"]
    criterion_names = {c["slug"]: c["name"] for c in criteria}
    evidence = {(e["framework"], e["criterion"]): e for e in result["evidence"]}

    def name(slug):
        return names.get(slug, slug)

    context = {
        "consultation": consultation,
        "recommendation": rec,
        "method": METHODS.get(consultation.engine_version, ""),
        "has_bands": "band_low" in (result["recommendation"]["ranking"] or [{}])[0],
        "no_preference": rec.no_preference,
        "answers": consultation.answers,
        "rerun_data": rerun_data(consultation),
        "chart": _chart(rec, name),
    }
    if rec.no_preference:
        return context

    winner, runner_up = name(rec.winner), name(rec.runner_up) if rec.runner_up else None
    tied = runner_up is not None and rec.margin <= scoring.EPSILON
    # Engine 1 kept disputed claims under another key, with a status instead of a verdict.
    questioned = result.get("questioned_claims", result.get("disputed_claims", []))
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
        why=[] if tied else _why(rec, result["decisive_claims"], criterion_names, evidence),
        flips=_flips(rec, criteria, criterion_names, name) if not tied else None,
        questioned=[
            {
                **claim,
                **_claim_display(claim),
                "framework_name": name(claim["framework"]),
                "criterion_name": criterion_names.get(claim["criterion"], claim["criterion"]),
            }
            for claim in questioned
        ],
    )
    return context


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
                    "strength": strength_label(e["strength"]) if e and "strength" in e else "",
                    "claims": e["claims"] if e else 0,
                    # Engine 1 counted "disputed" claims; later engines contested and refuted.
                    "contested": e.get("contested", e.get("disputed", 0)) if e else 0,
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
    """How a snapshot claim is shown; engine 1 claims have a status ("disputed") instead."""
    verdict = claim.get("verdict") or ("contested" if claim.get("status") == "disputed" else "")
    return {
        "score_label": _signed(claim["score"]).replace(".0", ""),
        "is_questioned": verdict in QUESTIONED_VERDICTS,
        "badge": claim.get("verdict_label") or claim.get("status_label", ""),
        "verdict_class": verdict,
        "strength_label": strength_label(claim["strength"]) if "strength" in claim else "",
    }


def _why(rec, claims, criterion_names, evidence):
    by_criterion = {}
    for claim in claims:
        by_criterion.setdefault(claim["criterion"], []).append({**claim, **_claim_display(claim)})
    items = []
    for decisive in rec.decisive:
        slug = decisive.criterion
        winner_evidence = evidence.get((rec.winner, slug))
        runner_evidence = evidence.get((rec.runner_up, slug))
        items.append(
            {
                "name": criterion_names.get(slug, slug),
                "points": f"{decisive.margin_points:.1f}",
                "winner_evidence": _evidence_text(winner_evidence),
                "runner_up_evidence": _evidence_text(runner_evidence),
                "claims": by_criterion.get(slug, []),
            }
        )
    return items


def _evidence_text(row):
    if not row or row["score"] is None:
        return None
    text = _signed(row["score"])
    return f"{text}, {strength_label(row['strength'])} evidence" if "strength" in row else text


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
