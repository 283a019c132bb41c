"""Glue between the questionnaire, the knowledge base and the scoring engine.

`advise()` turns answers into weights and must-haves, reads the knowledge base through
comparisons.knowledge (criteria, frameworks, the aggregated evidence with its strength, and the
claims the page shows, in a fixed number of queries), runs the engine and returns an unsaved
Consultation whose snapshot (advisor.schema.Snapshot) holds everything the result page shows:
the page is drawn from it alone (advisor.presentation), never from the live knowledge base. That
includes re-weighing: the snapshot keeps the evidence of the best-ranked frameworks (POOL_SIZE).

`recommend()` scores weights on today's knowledge base without saving anything.
"""

import gc
from collections.abc import Iterable, Mapping
from itertools import groupby, repeat

from django.db.models import F

from comparisons import knowledge as kb
from comparisons.cache import cached, current_version

from . import schema, scoring
from .models import Consultation, Option

WEIGHT_FLOOR, WEIGHT_CEILING = 0, 20
DECISIVE_COUNT = 3
TABLE_FRAMEWORKS = 3  # frameworks shown side by side in the per-criterion table
# Places of the two methods' rankings shown side by side: a result saves only these of TOPSIS's
# (the weighted sum's whole ranking is in the chart).
RANKINGS_SHOWN = 10
QUESTIONED_SHOWN = 20  # contested and refuted claims listed on the result page
CLAIMS_SHOWN = 60  # decisive claims first, then contested and refuted ones
QUESTIONED_CRITERIA = 20  # ... of the criteria the visitor weighted most
# A result can be re-weighed among the frameworks that scored best for its answers, with and
# without its must-haves (at most twice this many): their evidence is saved with it.
POOL_SIZE = 20


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
    """Active questions that have options, in order, each with `.choices` (its options, each
    with `.changes`: {criterion slug: weight change}, and `.must`: the schema.MustHave it asks
    for, or None) and `.shown_when_ids` (the options that must have been picked before it is
    asked; empty: always asked). One query, cached under the knowledge version (quiz edits bump
    it too)."""
    return cached("advisor:questionnaire", _build_questionnaire, version)


def _build_questionnaire():
    # One row per option, effect and condition of its question (both are few): one query.
    rows = (
        Option.objects.filter(question__is_active=True)
        .select_related("question")
        .annotate(
            criterion_slug=F("weights__criterion__slug"),
            change=F("weights__change"),
            condition=F("question__shown_when"),
            must_label=F("must_have__label"),
            must_criterion=F("must_have__criterion__slug"),
            must_minimum=F("must_have__minimum"),
        )
        .order_by("question__order", "question_id", "order", "id")
    )
    questions = []
    for _, question_rows in groupby(rows, key=lambda option: option.question_id):
        question_rows = list(question_rows)
        options = []
        for _, option_rows in groupby(question_rows, key=lambda option: option.pk):
            option_rows = list(option_rows)
            option = option_rows[0]
            option.changes = {r.criterion_slug: r.change for r in option_rows if r.criterion_slug}
            option.must = (
                schema.MustHave(
                    key=option.must_criterion,
                    label=option.must_label,
                    criterion=option.must_criterion,
                    minimum=float(option.must_minimum),
                    option=option.pk,
                )
                if option.must_criterion
                else None
            )
            options.append(option)
        question = options[0].question
        question.choices = options
        question.shown_when_ids = frozenset(r.condition for r in question_rows if r.condition)
        questions.append(question)
    return questions


def asked_questions(questions, chosen):
    """The ids of the questions that are asked, given `chosen` ({question id: option ids}).

    In questionnaire order: a question without conditions is always asked; one with conditions
    only when an option among them was chosen in a question asked before it. The answers to a
    question that is not asked never count, so they cannot ask further questions either.
    """
    asked, picked = set(), set()
    for question in questions:
        conditions = getattr(question, "shown_when_ids", frozenset())
        if not conditions or conditions & picked:
            asked.add(question.pk)
            picked.update(int(option) for option in chosen.get(question.pk, ()))
    return asked


def applicable_answers(answers, questions):
    """`answers` with those of questions that should not have been asked emptied and marked
    `skipped`: the server never trusts them, whatever was posted."""
    asked = asked_questions(questions, {a["question"]: a["options"] for a in answers})
    known = {question.pk for question in questions}
    return [
        answer
        if answer["question"] in asked or answer["question"] not in known
        else {**answer, "options": [], "labels": [], "skipped": True}
        for answer in answers
    ]


def must_haves_offered(questions=None, version=None):
    """[schema.MustHave] that the questionnaire's options ask for, in questionnaire order."""
    questions = load_questionnaire(version) if questions is None else questions
    return [option.must for q in questions for option in q.choices if option.must is not None]


def recommend(weights, must_haves=(), version=None):
    """Score `weights` on today's knowledge base, without saving anything.

    `weights` is {criterion slug: weight}, each a number from 0 up (the questionnaire gives
    WEIGHT_FLOOR to WEIGHT_CEILING); criteria left out weigh 0, an unknown slug is a ValueError.
    `must_haves` are keys of must_haves_offered() (criterion slugs); an unknown one is a
    ValueError. Reads the knowledge base and the questionnaire through their caches.

    Returns an advisor.scoring.Recommendation (a frozen dataclass; `.as_dict()` gives it as
    JSON-ready data), all frameworks and criteria named by slug:
    `ranking` [FrameworkScore: framework, score (0..100), rank, coverage and strength (0..1),
    band_low and band_high (0..100), unknown_criteria and contributions for the top three],
    `winner`, `runner_up`, `margin` (points), `confidence` ("high" | "medium" | "low" | None),
    `too_close`, `message`, `decisive` [criterion, margin_points, flip], `flips` [criterion,
    weight_change or None, overtaken_by], `settling`, `no_preference`; the must-haves:
    `requirements` [key, criterion, minimum], `excluded` [framework, requirement, criterion,
    evidence, minimum, score it would have had], `unknown_requirements` [framework, requirement,
    criterion]; the method: `method` ("weighted-sum") and `check` (TOPSIS: method, ranking
    [framework, value (closeness 0..1), rank], agrees); and `engine_version`.
    One query (the knowledge version) when the knowledge and the questionnaire are cached.
    """
    version = current_version() if version is None else version
    criteria, frameworks, evidence = kb.advisor_knowledge(version)
    known = {c["slug"] for c in criteria}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise ValueError(f"unknown criteria: {unknown!r}")
    offered = {m.key: m for m in must_haves_offered(version=version)}
    missing = sorted(set(must_haves) - set(offered))
    if missing:
        raise ValueError(f"unknown must-haves: {missing!r}")
    return scoring.recommend(
        {slug: weights.get(slug, 0) for slug in sorted(known)},
        _engine_evidence(criteria, frameworks, evidence),
        [f["slug"] for f in frameworks],
        decisive_count=DECISIVE_COUNT,
        detail_count=TABLE_FRAMEWORKS,
        requirements=[offered[key].requirement() for key in dict.fromkeys(must_haves)],
    )


def advise(answers, questions=None, version=None):
    """Compute the recommendation for `answers` and return it as an unsaved Consultation.

    `answers` is a list of {"question", "text", "options", "labels"}, as QuestionnaireForm gives;
    `questions` the questionnaire they answer (by default the current one); `version` the
    knowledge version when the caller has read it already. Answers to questions that should not
    have been asked are ignored (applicable_answers()); the must-haves are those the chosen
    options ask for.
    """
    questions = load_questionnaire(version) if questions is None else questions
    answers = applicable_answers(answers, questions)
    criteria, frameworks, evidence = kb.advisor_knowledge(version)
    chosen = {option_id for answer in answers for option_id in answer["options"]}
    changes = {option.pk: option.changes for q in questions for option in q.choices}
    weights = weights_from_answers(
        {c["slug"]: c["default_weight"] for c in criteria},
        [changes.get(option_id, {}) for answer in answers for option_id in answer["options"]],
    )
    offered = must_haves_offered(questions)
    prepared = _engine_evidence(criteria, frameworks, evidence)
    scores = prepared.scores
    recommendation = scoring.recommend(
        weights,
        prepared,
        [f["slug"] for f in frameworks],
        decisive_count=DECISIVE_COUNT,
        detail_count=TABLE_FRAMEWORKS,
        requirements=[m.requirement() for m in offered if m.option in chosen],
        check_count=RANKINGS_SHOWN,
    )
    pool = _pool(recommendation, [c["slug"] for c in criteria], prepared)
    explaining, failing = _claims_shown(recommendation, weights, offered, pool, scores)
    decisive = {d.criterion for d in recommendation.decisive}
    tabled = {s.framework for s in recommendation.ranking[:TABLE_FRAMEWORKS]}
    snapshot = schema.Snapshot(
        recommendation=recommendation,
        frameworks={f["slug"]: f["name"] for f in frameworks},
        criteria=tuple(
            schema.CriterionWeight(
                slug=c["slug"],
                name=c["name"],
                default_weight=c["default_weight"],
                weight=weights[c["slug"]],
            )
            for c in criteria
        ),
        evidence=tuple(
            schema.PairEvidence(
                framework=framework,
                criterion=criterion,
                score=score.score,
                strength=score.strength,
                claims=score.claim_count,
                contested=score.contested_count,
                refuted=score.refuted_count,
            )
            for framework in sorted(tabled)
            for criterion in sorted(c["slug"] for c in criteria)
            if (score := evidence.get((framework, criterion))) is not None
        ),
        decisive_claims=tuple(
            schema.Claim.from_dict(c)
            for c in explaining
            if c["framework"] == recommendation.winner and c["criterion"] in decisive
        ),
        questioned_claims=tuple(
            schema.Claim.from_dict(c) for c in _questioned(explaining, weights)
        ),
        answers=tuple(schema.Answer.from_dict(a) for a in answers),
        weights=weights,
        must_haves=tuple(offered),
        excluding_claims=tuple(_with_best_citation(claim) for _, claim in sorted(failing.items())),
        pool=pool,
    )
    return Consultation(
        engine_version=recommendation.engine_version,
        recommended=recommendation.winner or "",
        margin=recommendation.margin,
        deciding_criterion=recommendation.decisive[0].criterion if recommendation.decisive else "",
        answers=[answer.as_dict() for answer in snapshot.answers],
        weights=weights,
        result=snapshot.result(),
    )


# The engine's reading of the knowledge base: (the evidence mapping it was read from, Evidence).
# kb.advisor_knowledge() returns the same mapping until the knowledge version changes, so this
# process reads it once per version, not once per consultation.
_prepared = {"source": None, "evidence": None, "rows": (None, {})}


def _engine_evidence(criteria, frameworks, evidence):
    """The evidence as scoring.Evidence, read once per knowledge version (per process): at 1,000
    frameworks and 600 criteria reading it takes longer than ranking on it. Its sums start from
    the criteria's default weights, which every answer starts from."""
    if _prepared["source"] is not evidence:
        scores, strengths = _counted(evidence)
        _prepared["evidence"] = scoring.Evidence(
            scores,
            [f["slug"] for f in frameworks],
            [c["slug"] for c in criteria],
            strengths,
            weights={c["slug"]: c["default_weight"] for c in criteria},
        )
        _prepared["rows"] = (_prepared["evidence"], {})
        _prepared["source"] = evidence
        # The knowledge and its reading live as long as the version: at 1000x, 400,000 objects
        # that every full collection of the garbage collector went through again (90 ms, in
        # the middle of some consultation). Frozen, they are left out of collections (so is
        # whatever else is alive now); they are still freed when nothing refers to them any
        # more. What the previous freeze kept out is collected first, so that no garbage cycle
        # frozen then outlives its version.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
    return _prepared["evidence"]


def _pool_row(prepared, framework, criteria):
    """A framework's (scores, strengths) in `prepared` by criterion of `criteria` (None: unknown),
    as a pool saves them; kept with the knowledge version's Evidence, since the same frameworks
    are pooled again and again (at 1000x, looking a pool up took 10 ms a consultation)."""
    owner, rows = _prepared["rows"]
    if owner is not prepared:
        rows = {}
    if framework not in rows:
        pairs = list(zip(repeat(framework), criteria))
        rows[framework] = (
            tuple(map(prepared.scores.get, pairs)),
            tuple(map(prepared.strengths.get, pairs)),
        )
    return rows[framework]


def _counted(evidence):
    """The engine's evidence and strengths: the pairs whose claims count (refuted claims count
    for nothing, so a pair with only those is unknown). Saved as they are (JSON keeps a float
    exactly), so a re-weighing reads exactly what the engine read."""
    counted = {key: score for key, score in evidence.items() if score.has_score}
    return (
        {key: score.score for key, score in counted.items()},
        {key: score.strength for key, score in counted.items()},
    )


def _pool(recommendation, criteria, prepared):
    """The evidence of the frameworks a result can be re-weighed among: the POOL_SIZE that
    scored best whatever the must-haves, and the POOL_SIZE best of those left by them."""
    totals = {s.framework: s.score for s in recommendation.ranking}
    for exclusion in recommendation.excluded:
        totals[exclusion.framework] = exclusion.score
    best = sorted(totals, key=lambda f: (-totals[f], f))[:POOL_SIZE]
    ranked = [s.framework for s in recommendation.ranking[:POOL_SIZE]]
    frameworks = sorted({*best, *ranked}, key=lambda f: (-totals[f], f))

    rows = [_pool_row(prepared, f, criteria) for f in frameworks]
    return schema.EvidencePool(
        frameworks=tuple(frameworks),
        criteria=tuple(criteria),
        scores=tuple(scores for scores, _ in rows),
        strengths=tuple(strengths for _, strengths in rows),
    )


def _claims_shown(recommendation, weights, offered, pool, scores):
    """The claims the page shows: the winner's claims on the decisive criteria, and the
    contested and refuted claims of the winner and the runner-up (the comparison that decided)
    on the QUESTIONED_CRITERIA criteria the visitor weighted most, at most CLAIMS_SHOWN, so a
    large knowledge base costs no more; and, for every must-have offered, the claim that fails it
    for each framework of the pool whose evidence fails it."""
    failing = []
    for must in offered:
        frameworks = [
            f
            for f in pool.frameworks
            if (f, must.criterion) in scores
            and scores[f, must.criterion] < must.minimum - scoring.EPSILON
        ]
        if frameworks:
            failing.append((must.criterion, must.minimum, frameworks))
    if recommendation.no_preference and not failing:
        return [], {}
    weighted = sorted((w, slug) for slug, w in weights.items() if w > 0)[-QUESTIONED_CRITERIA:]
    podium = [s for s in (recommendation.winner, recommendation.runner_up) if s is not None]
    return kb.advisor_claims(
        winner=recommendation.winner,
        decisive=[d.criterion for d in recommendation.decisive],
        podium=podium,
        weighted=[slug for _, slug in weighted],
        limit=CLAIMS_SHOWN,
        failing=failing,
    )


def _with_best_citation(claim):
    """A claim that fails a must-have, with the supporting citation from its most reliable
    source only (the others are one click away on the claim's page)."""
    supporting = [c for c in claim["citations"] if c["stance"] == "supports"] or claim["citations"]
    best = max(supporting, key=lambda c: c.get("reliability") or 0, default=None)
    return schema.Claim.from_dict(
        {
            **claim,
            "citations": [best] if best else [],
            "citation_count": len(claim["citations"]),
        }
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
