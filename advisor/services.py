"""Glue between the questionnaire, the knowledge base and the scoring engine.

`advise()` reads the knowledge base in a fixed number of queries (criteria, frameworks, the
aggregated evidence, the claims shown on the page with their citations), runs the engine and
returns an unsaved Consultation whose `result` holds everything the result page shows: the page is
drawn from that snapshot alone (`present()`), never from the live knowledge base.
"""

from collections.abc import Iterable, Mapping
from itertools import groupby

from django.db.models import Case, F, Prefetch, Q, Value, When

from comparisons.cache import cached
from comparisons.models import Citation, Claim, Criterion, Framework, evidence_scores

from . import scoring
from .models import Consultation, Option

WEIGHT_FLOOR, WEIGHT_CEILING = 0, 20
DECISIVE_COUNT = 3
TABLE_FRAMEWORKS = 3  # frameworks shown side by side in the per-criterion table
DISPUTED_SHOWN = 20
CLAIMS_SHOWN = 60  # decisive claims first, then disputed ones
DISPUTED_CRITERIA = 20  # disputed claims are shown for the criteria weighted most


def weights_from_answers(
    defaults: Mapping[str, int],
    changes: Iterable[Mapping[str, int]],
    floor: int = WEIGHT_FLOOR,
    ceiling: int = WEIGHT_CEILING,
) -> dict[str, int]:
    """Every criterion's default weight plus the changes of every chosen option, clamped.

    `changes` holds one {criterion slug: change} per chosen option. Criteria no option mentions
    keep their default; criteria unknown to `defaults` are ignored. Clamping happens once, after
    all changes are added, so the order of the answers does not matter.
    """
    weights = dict(defaults)
    for change in changes:
        for slug, delta in change.items():
            if slug in weights:
                weights[slug] += delta
    return {slug: min(ceiling, max(floor, weight)) for slug, weight in weights.items()}


def load_questionnaire(version=None):
    """Active questions that have options, each with `.choices` (its options, each with
    `.changes`: {criterion slug: weight change}). One query, cached under the knowledge version
    (quiz edits bump it too)."""
    return cached("advisor:questionnaire", _build_questionnaire, version)


def _build_questionnaire():
    rows = (
        Option.objects.filter(question__is_active=True)
        .select_related("question")
        .annotate(criterion_slug=F("weights__criterion__slug"), change=F("weights__change"))
        .order_by("question__order", "question_id", "order", "id")
    )
    questions = []
    for _, question_rows in groupby(rows, key=lambda option: option.question_id):
        options = []
        for _, option_rows in groupby(question_rows, key=lambda option: option.pk):
            option_rows = list(option_rows)
            option = option_rows[0]
            option.changes = {r.criterion_slug: r.change for r in option_rows if r.criterion_slug}
            options.append(option)
        question = options[0].question
        question.choices = options
        questions.append(question)
    return questions


def knowledge(version=None):
    """Criteria, published frameworks and their evidence keyed by slugs, cached: 3 queries cold."""
    return cached("advisor:knowledge", _build_knowledge, version)


def _build_knowledge():
    criteria = list(
        Criterion.objects.order_by("display_order", "name").values(
            "id", "slug", "name", "default_weight"
        )
    )
    frameworks = list(Framework.objects.published().order_by("name").values("id", "slug", "name"))
    slug_of_criterion = {c["id"]: c["slug"] for c in criteria}
    slug_of_framework = {f["id"]: f["slug"] for f in frameworks}
    evidence = {
        (slug_of_framework[f], slug_of_criterion[c]): score
        for (f, c), score in evidence_scores(framework_ids=list(slug_of_framework)).items()
        if c in slug_of_criterion
    }
    scores = {key: score.score for key, score in evidence.items()}
    return criteria, frameworks, evidence, scores


def advise(answers, questions=None, version=None):
    """Compute the recommendation for `answers` and return it as an unsaved Consultation.

    `answers` is a list of {"question", "text", "options", "labels"}, as QuestionnaireForm gives;
    `questions` the questionnaire they answer (by default the current one); `version` the
    knowledge version when the caller has read it already.
    """
    questions = load_questionnaire(version) if questions is None else questions
    criteria, frameworks, evidence, scores = knowledge(version)
    changes = {option.pk: option.changes for q in questions for option in q.choices}
    weights = weights_from_answers(
        {c["slug"]: c["default_weight"] for c in criteria},
        [changes.get(option_id, {}) for answer in answers for option_id in answer["options"]],
    )
    recommendation = scoring.recommend(
        weights,
        scores,
        [f["slug"] for f in frameworks],
        decisive_count=DECISIVE_COUNT,
        detail_count=TABLE_FRAMEWORKS,
    )
    claims = _claims_shown(recommendation, weights, criteria, frameworks)
    decisive = {d.criterion for d in recommendation.decisive}
    tabled = {s.framework for s in recommendation.ranking[:TABLE_FRAMEWORKS]}
    result = {
        "recommendation": recommendation.as_dict(),
        "frameworks": {f["slug"]: f["name"] for f in frameworks},
        "criteria": [
            {
                "slug": c["slug"],
                "name": c["name"],
                "default_weight": c["default_weight"],
                "weight": weights[c["slug"]],
            }
            for c in criteria
        ],
        "evidence": [
            {
                "framework": framework,
                "criterion": criterion,
                "score": score.score,
                "claims": score.claim_count,
                "disputed": score.disputed_count,
            }
            for (framework, criterion), score in sorted(evidence.items())
            if framework in tabled
        ],
        "decisive_claims": [
            _claim_snapshot(c)
            for c in claims
            if c.framework.slug == recommendation.winner and c.criterion.slug in decisive
        ],
        "disputed_claims": _disputed(claims, weights),
    }
    return Consultation(
        engine_version=recommendation.engine_version,
        recommended=recommendation.winner or "",
        margin=recommendation.margin,
        answers=answers,
        weights=weights,
        result=result,
    )


def _claims_shown(recommendation, weights, criteria, frameworks):
    """The winner's claims on the decisive criteria, and the disputed claims that counted.

    Disputed claims are those of the winner and the runner-up (the comparison that decided) on
    the DISPUTED_CRITERIA criteria the visitor weighted most. At most CLAIMS_SHOWN claims, the
    decisive ones first, so a large knowledge base costs no more: two queries, the claims, then
    their citations with sources.
    """
    if recommendation.no_preference:
        return []
    id_of_criterion = {c["slug"]: c["id"] for c in criteria}
    id_of_framework = {f["slug"]: f["id"] for f in frameworks}
    decisive = [id_of_criterion[d.criterion] for d in recommendation.decisive]
    weighted = sorted((w, slug) for slug, w in weights.items() if w > 0)[-DISPUTED_CRITERIA:]
    podium = [
        id_of_framework[slug]
        for slug in (recommendation.winner, recommendation.runner_up)
        if slug is not None
    ]
    is_decisive = Q(framework_id=id_of_framework[recommendation.winner], criterion_id__in=decisive)
    disputed = Q(
        status=Claim.Status.DISPUTED,
        framework_id__in=podium,
        criterion_id__in=[id_of_criterion[slug] for _, slug in weighted],
    )
    citations = Citation.objects.select_related("source").order_by("-stance", "id")
    claims = list(
        Claim.objects.published()
        .filter(is_decisive | disputed)
        .select_related("framework", "criterion")
        .prefetch_related(Prefetch("citations", queryset=citations))
        .order_by(Case(When(is_decisive, then=Value(0)), default=Value(1)), "-weight", "id")[
            :CLAIMS_SHOWN
        ]
    )
    claims.sort(key=lambda c: (c.criterion.display_order, c.framework.name, -c.weight, c.id))
    return claims


def _disputed(claims, weights):
    disputed = [c for c in claims if c.status == Claim.Status.DISPUTED]
    disputed.sort(key=lambda c: -weights[c.criterion.slug])  # stable: keeps display order
    return [_claim_snapshot(c) for c in disputed[:DISPUTED_SHOWN]]


def _claim_snapshot(claim):
    return {
        "framework": claim.framework.slug,
        "criterion": claim.criterion.slug,
        "statement": claim.statement,
        "score": claim.score,
        "weight": claim.weight,
        "status": claim.status,
        "status_label": claim.get_status_display(),
        "editor_note": claim.editor_note if claim.is_disputed else "",
        "citations": [
            {
                "source": citation.source.title,
                "url": citation.source.url,
                "publisher": citation.source.publisher,
                "excerpt": citation.excerpt,
                "location": citation.location,
                "stance": citation.stance,
                "stance_label": citation.get_stance_display(),
            }
            for citation in claim.citations.all()
        ],
    }


def rerun_data(consultation):
    """The stored answers as form data, to ask the same questions of today's knowledge base."""
    return [
        (f"q{answer['question']}", str(option_id))
        for answer in consultation.answers
        for option_id in answer["options"]
    ]


# --- the result page, drawn from the snapshot only ----------------------------------------------

CHART_WIDTH, CHART_LABEL, CHART_BAR, CHART_ROW, CHART_BAR_HEIGHT = 640, 150, 400, 34, 22


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
        "no_preference": rec.no_preference,
        "answers": consultation.answers,
        "rerun_data": rerun_data(consultation),
        "chart": _chart(rec, name),
    }
    if rec.no_preference:
        return context

    winner, runner_up = name(rec.winner), name(rec.runner_up) if rec.runner_up else None
    tied = runner_up is not None and rec.margin <= scoring.EPSILON
    context.update(
        winner=winner,
        runner_up=runner_up,
        tied=tied,
        headline=_headline(rec, winner, runner_up, tied),
        confidence=rec.confidence,
        coverage=[(name(s.framework), f"{100 * s.coverage:.0f}") for s in rec.ranking[:2]],
        table=_table(rec, criteria, evidence, name),
        why=[] if tied else _why(rec, result["decisive_claims"], criterion_names, evidence, name),
        flips=_flips(rec, criteria, criterion_names, name) if not tied else None,
        disputed=[
            {
                **claim,
                **_claim_display(claim),
                "framework_name": name(claim["framework"]),
                "criterion_name": criterion_names.get(claim["criterion"], claim["criterion"]),
            }
            for claim in result["disputed_claims"]
        ],
    )
    return context


def _headline(rec, winner, runner_up, tied):
    if runner_up is None:
        return f"{winner} is the only framework compared: {rec.ranking[0].score:.1f} out of 100."
    if tied:
        return f"{winner} and {runner_up} are tied at {rec.ranking[0].score:.1f} out of 100."
    return f"{winner}, ahead of {runner_up} by {rec.margin:.1f} points out of 100."


def _chart(rec, name):
    rows = []
    for i, score in enumerate(rec.ranking):
        y = 10 + i * CHART_ROW
        width = round(CHART_BAR * score.score / 100, 1)
        rows.append(
            {
                "name": name(score.framework),
                "score": f"{score.score:.1f}",
                "winner": score.framework == rec.winner and score.rank == 1,
                "y": y,
                "text_y": y + CHART_BAR_HEIGHT / 2 + 4,
                "width": width,
                "value_x": CHART_LABEL + width + 6,
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
        "description": "; ".join(f"{r['name']}: {r['score']} out of 100" for r in rows) + ".",
    }


def _signed(value):
    return f"{value:+.1f}".replace("+0.0", "0.0").replace("-0.0", "0.0")


def _table(rec, criteria, evidence, name):
    shown = rec.ranking[:TABLE_FRAMEWORKS]
    points = {(s.framework, c.criterion): c.points for s in shown for c in s.contributions}
    rows = []
    for criterion in criteria:
        cells = []
        for s in shown:
            e = evidence.get((s.framework, criterion["slug"]))
            cells.append(
                {
                    "evidence": _signed(e["score"]) if e else None,
                    "claims": e["claims"] if e else 0,
                    "disputed": e["disputed"] if e else 0,
                    "points": f"{points.get((s.framework, criterion['slug']), 0.0):.1f}",
                }
            )
        rows.append({"name": criterion["name"], "weight": criterion["weight"], "cells": cells})
    return {
        "frameworks": [name(s.framework) for s in shown],
        "rows": rows,
        "totals": [f"{s.score:.1f}" for s in shown],
        "hidden": len(rec.ranking) - len(shown),
    }


def _claim_display(claim):
    return {
        "score_label": _signed(claim["score"]).replace(".0", ""),
        "is_disputed": claim["status"] == Claim.Status.DISPUTED,
    }


def _why(rec, claims, criterion_names, evidence, name):
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
                "winner_evidence": _signed(winner_evidence["score"]) if winner_evidence else None,
                "runner_up_evidence": _signed(runner_evidence["score"])
                if runner_evidence
                else None,
                "claims": by_criterion.get(slug, []),
            }
        )
    return items


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
