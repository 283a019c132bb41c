"""The advisor's recommendation for given weights or answers, computed and never saved.

The quiz (advisor.views) stores each new result as a Consultation; the API only computes one,
with advisor.services.recommend(), the advisor's own "score these weights on today's knowledge
base without saving" (the same engine call, evidence, strengths and must-haves as
advisor.services.advise()). Answers become weights and must-haves as the quiz makes them: the
questionnaire form checks them, answers to questions that are not asked are dropped
(advisor.services.applicable_answers), each criterion's default weight gets the chosen options'
changes (weights_from_answers), and the chosen options' must-haves apply. The claims that explain
the result are read through comparisons.knowledge, as the result page's are.
"""

from django.utils.datastructures import MultiValueDict

from advisor import services
from advisor.forms import QuestionnaireForm
from comparisons import knowledge as kb


def knowledge(version):
    """(criteria, frameworks, evidence) as advisor_knowledge() gives them."""
    return kb.advisor_knowledge(version)


def unknown_criteria(weights, criteria):
    known = {c["slug"] for c in criteria}
    return sorted(slug for slug in weights if slug not in known)


def offered_must_haves(version):
    """{key: MustHave} of the must-haves the questionnaire offers."""
    return {must.key: must for must in services.must_haves_offered(version=version)}


def from_answers(answers, version):
    """(weights, must-have keys, errors) for `answers` ([{question, options}]): what the quiz
    would score, or the questionnaire form's messages when the quiz would refuse them."""
    questions = services.load_questionnaire(version)
    by_id = {question.pk: question for question in questions}
    errors = []
    data = MultiValueDict()
    for answer in answers:
        question = by_id.get(answer["question"])
        if question is None:
            errors.append(f"There is no question {answer['question']} in the questionnaire.")
            continue
        name = QuestionnaireForm.field_name(question)
        if name in data:
            errors.append(f"Question {question.pk} is answered twice.")
            continue
        data.setlist(name, [str(option) for option in answer["options"]])
    if errors:
        return None, None, errors
    if not questions:
        return None, None, ["The advisor has no questions yet."]
    form = QuestionnaireForm(data, questions=questions)
    if not form.is_valid():
        for question in questions:
            for message in form.errors.get(QuestionnaireForm.field_name(question), []):
                errors.append(f"Question {question.pk} (“{question.text}”): {message}")
        errors.extend(form.non_field_errors())
        return None, None, errors
    answered = services.applicable_answers(form.answers(), questions)
    chosen = [option for answer in answered for option in answer["options"]]
    criteria, _, _ = knowledge(version)
    changes = {option.pk: option.changes for q in questions for option in q.choices}
    weights = services.weights_from_answers(
        {c["slug"]: c["default_weight"] for c in criteria},
        [changes.get(option_id, {}) for option_id in chosen],
    )
    must_haves = [
        must.key for must in services.must_haves_offered(questions) if must.option in chosen
    ]
    return weights, must_haves, []


def recommend(weights, must_haves, version):
    """The recommendation for `weights` ({criterion slug: weight >= 0}; a criterion left out
    weighs 0) and `must_haves` (keys the questionnaire offers), as plain data: the engine's
    result as it makes it, every criterion's weight, the frameworks' names and the claims that
    explain it. Nothing is saved."""
    recommendation = services.recommend(weights, must_haves, version=version)
    criteria, frameworks, _ = knowledge(version)
    result = recommendation.as_dict()
    names = {f["slug"]: f["name"] for f in frameworks}
    for entry in result["ranking"]:
        entry["name"] = names.get(entry["framework"], entry["framework"])
    result["weights"] = {c["slug"]: float(weights.get(c["slug"], 0)) for c in criteria}
    result["knowledge_version"] = version
    result.update(explaining_claims(recommendation, weights))
    return result


def explaining_claims(recommendation, weights):
    """The claims the advisor's result page explains itself with: the winner's on the decisive
    criteria, and the contested and refuted claims of the first two on the criteria weighted
    most (with the advisor's limits, advisor.services)."""
    if recommendation.no_preference:
        return {"decisive_claims": [], "questioned_claims": []}
    weighted = sorted((w, slug) for slug, w in weights.items() if w > 0)
    weighted = [slug for _, slug in weighted[-services.QUESTIONED_CRITERIA :]]
    decisive = [d.criterion for d in recommendation.decisive]
    podium = [s for s in (recommendation.winner, recommendation.runner_up) if s is not None]
    claims = kb.explaining_claims(
        winner=recommendation.winner,
        decisive=decisive,
        podium=podium,
        weighted=weighted,
        limit=services.CLAIMS_SHOWN,
    )
    questioned = [c for c in claims if c["verdict"] in kb.QUESTIONED_VERDICTS]
    questioned.sort(key=lambda c: -weights.get(c["criterion"], 0))
    return {
        "decisive_claims": [
            c
            for c in claims
            if c["framework"] == recommendation.winner and c["criterion"] in decisive
        ],
        "questioned_claims": questioned[: services.QUESTIONED_SHOWN],
    }
