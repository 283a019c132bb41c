"""Glue between the questionnaire, the knowledge base and the scoring engine.

`advise()` turns answers into weights, reads the knowledge base through comparisons.knowledge
(criteria, frameworks, the aggregated evidence with its strength, and the claims the page shows,
in a fixed number of queries), runs the engine and returns an unsaved Consultation whose `result`
holds everything the result page shows: the page is drawn from that snapshot alone
(advisor.presentation), never from the live knowledge base.
"""

from collections.abc import Iterable, Mapping
from itertools import groupby

from django.db.models import F

from comparisons import knowledge as kb
from comparisons.cache import cached

from . import scoring
from .models import Consultation, Option

WEIGHT_FLOOR, WEIGHT_CEILING = 0, 20
DECISIVE_COUNT = 3
TABLE_FRAMEWORKS = 3  # frameworks shown side by side in the per-criterion table
QUESTIONED_SHOWN = 20  # contested and refuted claims listed on the result page
CLAIMS_SHOWN = 60  # decisive claims first, then contested and refuted ones
QUESTIONED_CRITERIA = 20  # ... of the criteria the visitor weighted most


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


def advise(answers, questions=None, version=None):
    """Compute the recommendation for `answers` and return it as an unsaved Consultation.

    `answers` is a list of {"question", "text", "options", "labels"}, as QuestionnaireForm gives;
    `questions` the questionnaire they answer (by default the current one); `version` the
    knowledge version when the caller has read it already.
    """
    questions = load_questionnaire(version) if questions is None else questions
    criteria, frameworks, evidence = kb.advisor_knowledge(version)
    changes = {option.pk: option.changes for q in questions for option in q.choices}
    weights = weights_from_answers(
        {c["slug"]: c["default_weight"] for c in criteria},
        [changes.get(option_id, {}) for answer in answers for option_id in answer["options"]],
    )
    counted = {key: score for key, score in evidence.items() if score.has_score}
    recommendation = scoring.recommend(
        weights,
        {key: score.score for key, score in counted.items()},
        [f["slug"] for f in frameworks],
        decisive_count=DECISIVE_COUNT,
        detail_count=TABLE_FRAMEWORKS,
        strengths={key: score.strength for key, score in counted.items()},
    )
    claims = _claims_shown(recommendation, weights)
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
                "strength": score.strength,
                "claims": score.claim_count,
                "contested": score.contested_count,
                "refuted": score.refuted_count,
            }
            for (framework, criterion), score in sorted(evidence.items())
            if framework in tabled
        ],
        "decisive_claims": [
            c
            for c in claims
            if c["framework"] == recommendation.winner and c["criterion"] in decisive
        ],
        "questioned_claims": _questioned(claims, weights),
    }
    return Consultation(
        engine_version=recommendation.engine_version,
        recommended=recommendation.winner or "",
        margin=recommendation.margin,
        answers=answers,
        weights=weights,
        result=result,
    )


def _claims_shown(recommendation, weights):
    """The winner's claims on the decisive criteria, and the contested and refuted claims of the
    winner and the runner-up (the comparison that decided) on the QUESTIONED_CRITERIA criteria
    the visitor weighted most: at most CLAIMS_SHOWN, so a large knowledge base costs no more."""
    if recommendation.no_preference:
        return []
    weighted = sorted((w, slug) for slug, w in weights.items() if w > 0)[-QUESTIONED_CRITERIA:]
    return kb.explaining_claims(
        winner=recommendation.winner,
        decisive=[d.criterion for d in recommendation.decisive],
        podium=[s for s in (recommendation.winner, recommendation.runner_up) if s is not None],
        weighted=[slug for _, slug in weighted],
        limit=CLAIMS_SHOWN,
    )


def _questioned(claims, weights):
    questioned = [c for c in claims if c["verdict"] in kb.QUESTIONED_VERDICTS]
    questioned.sort(key=lambda c: -weights[c["criterion"]])  # stable: keeps display order
    return questioned[:QUESTIONED_SHOWN]


def rerun_data(consultation):
    """The stored answers as form data, to ask the same questions of today's knowledge base."""
    return [
        (f"q{answer['question']}", str(option_id))
        for answer in consultation.answers
        for option_id in answer["options"]
    ]
