"""The advisor's scoring engine: weights + evidence -> a ranked, explained recommendation.

Pure standard-library code (no Django, no ORM) over frozen dataclasses. The engine works
on slugs only; the caller maps slugs to display names.

Method
------
Weights ``w_c >= 0`` are per criterion (0 means "doesn't matter"); ``W = sum(w_c)``.
Evidence ``e(f, c)`` in [-2, +2] becomes a value ``v(f, c) = (e + 2) / 4`` in [0, 1]. A missing
``(f, c)`` pair is *unknown*: it is imputed as the neutral ``v = 0.5`` (neither good nor bad)
but recorded, and it lowers the framework's coverage.

* ``score(f) = 100 * sum_c w_c * v(f, c) / W``, clamped into [0, 100]. Every framework shares
  the denominator ``W``, so raising ``w_c`` can never lower the rank of a framework with the
  highest ``v`` on ``c``: it only widens that framework's lead over every other one.
* ``coverage(f)`` = weight of the criteria with evidence for ``f``, divided by ``W``.
* Evidence strength ``s(f, c)`` in [0, 1] says how far the evidence can be trusted (0 for an
  unknown pair; see comparisons.evidence for how it is read from the sources' reliability). It
  gives each value a band ``v ± BAND_HALF_WIDTH * (1 - s)``, clipped to [0, 1]: an unknown pair
  may be anywhere from 0.25 to 0.75, a pair backed by official documentation is exact. A
  framework's band is ``[100 * sum_c w_c * low(f, c) / W, 100 * sum_c w_c * high(f, c) / W]``, and
  ``strength(f) = sum_c w_c * s(f, c) / W``.
* Ranking is by score descending, then slug; ``rank = 1 + number of frameworks scoring more
  than EPSILON higher``, so tied frameworks share a rank number.
* The result is *too close to call* when the winner's band overlaps the runner-up's (its low end
  is below the runner-up's high end). ``confidence`` is then "low"; otherwise "high" when the
  smaller evidence strength of the winner and the runner-up is at least STRONG_EVIDENCE and the
  margin at least CLEAR_MARGIN points (claims are scored in whole steps of a five-step scale, so a
  lead of a point or two is a lean, however good the sources), "medium" otherwise.
* The evidence that would settle it: the weighted criteria where better evidence would narrow
  the bands most, ``w_c * ((1 - s(win, c)) + (1 - s(run, c)))``, largest first.
* ``margin = score(winner) - score(runner-up)``. Criterion ``c`` contributes
  ``100 * w_c * (v(win, c) - v(run, c)) / W`` to it; the decisive criteria are those with a
  positive contribution, largest first.
* Flips (sensitivity): the winner beats ``g`` iff ``D_g = sum_c w_c * (v(win, c) - v(g, c)) > 0``.
  Changing ``w_c`` by ``delta`` changes ``D_g`` by ``delta * (v(win, c) - v(g, c))``, so ``g``
  catches up at ``delta = -D_g / (v(win, c) - v(g, c))``. The flip for ``c`` is the smallest
  such ``|delta|`` over all other frameworks; if each one needs ``w_c + delta < 0`` it is
  "never" (``None``). A framework already tied with the winner gives ``delta = 0``. Every
  criterion with weight > 0 gets a flip ("what would change the result"); each decisive
  criterion carries its own.

With no positive weight, or no frameworks, the result has ``no_preference=True``: every
framework scores 50.0 at rank 1, there is no winner and no confidence.

Must-haves
----------
A requirement ``(key, c, m)`` is a hard one: a framework whose evidence on ``c`` is known and
below ``m`` (``e(f, c) < m - EPSILON``: an average that is ``m`` up to rounding passes) fails it
and is *excluded*: left out of the ranking and listed apart,
with its evidence and the score it would have had. Unknown evidence excludes nothing: the
framework stays in the ranking and the unknown is recorded. Everything above (ranks, margin,
bands, flips) is computed over the frameworks left; when none is left there is no preference.

A second method: TOPSIS
-----------------------
Beside the weighted sum, and over the same frameworks and values ``v(f, c)`` (unknown = 0.5),
TOPSIS ranks by closeness to an ideal framework:

* vector normalisation ``r(f, c) = v(f, c) / sqrt(sum_g v(g, c)^2)`` (0 when every value is 0);
* weighted ``t(f, c) = (w_c / W) * r(f, c)`` over the criteria with ``w_c > 0``;
* the ideal ``A+_c = max_f t(f, c)`` and anti-ideal ``A-_c = min_f t(f, c)`` (every criterion is
  a benefit: more evidence for is better);
* distances ``d+(f) = ||t(f) - A+||`` and ``d-(f) = ||t(f) - A-||`` (Euclidean), and closeness
  ``C(f) = d-(f) / (d+(f) + d-(f))`` in [0, 1]; 0.5 when both are 0 (every framework alike).

Ranks follow closeness as scores do above (ties within EPSILON share a rank). The weighted sum
ranks; TOPSIS is a check (``Recommendation.check``): ``agrees`` is False when no framework is
first by both methods, and the result page then shows both rankings.
"""

from __future__ import annotations

import functools
import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import chain, compress, islice, repeat
from operator import ge, itemgetter, le, mul, neg, sub, truediv
from typing import Any

# "1": every claim counted alike (disputed ones at half weight), confidence from coverage only.
# "2": claims weighed by their evidence strength, refuted ones not at all; bands and confidence
# from that strength.
# "3": as "2", with must-haves (frameworks whose evidence fails one are set apart) and TOPSIS
# computed beside the weighted sum as a check.
ENGINE_VERSION = "3"
WEIGHTED_SUM, TOPSIS = "weighted-sum", "topsis"
EPSILON = 1e-9  # scores closer than this are tied
NEUTRAL = 0.5  # imputed value of an unknown (framework, criterion) pair
BAND_HALF_WIDTH = 0.25  # of a value in [0, 1] when there is no evidence at all
STRONG_EVIDENCE = 0.8
CLEAR_MARGIN = 5.0
SETTLING_COUNT = 3


class _Snapshot:
    """Mixin: ``as_dict()`` turns a dataclass tree into JSON-serialisable plain data."""

    def as_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in field_names(type(self))}


@functools.cache
def field_names(cls) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order (``dataclasses.fields()``, once per class)."""
    return tuple(f.name for f in fields(cls))


PLAIN = frozenset({str, int, float, bool, type(None)})  # types that are JSON as they are


def _plain(value: Any) -> Any:
    if type(value) in PLAIN:
        return value
    if isinstance(value, _Snapshot):
        return value.as_dict()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True)
class Contribution(_Snapshot):
    criterion: str
    weight: float
    evidence: float | None  # None = unknown, counted as neutral
    points: float  # share of the framework's score, 0..100

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contribution:
        return cls(**data)


@dataclass(frozen=True)
class FrameworkScore(_Snapshot):
    framework: str
    score: float
    rank: int
    coverage: float
    unknown_criteria: tuple[str, ...]
    contributions: tuple[Contribution, ...]
    band_low: float = 0.0
    band_high: float = 100.0
    strength: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FrameworkScore:
        return cls(
            framework=data["framework"],
            score=data["score"],
            rank=data["rank"],
            coverage=data["coverage"],
            unknown_criteria=tuple(data["unknown_criteria"]),
            contributions=tuple(Contribution.from_dict(c) for c in data["contributions"]),
            # Engine 1 drew no bands: its results read as exact, as they were shown then.
            band_low=data.get("band_low", data["score"]),
            band_high=data.get("band_high", data["score"]),
            strength=data.get("strength", data["coverage"]),
        )


@dataclass(frozen=True)
class Flip(_Snapshot):
    criterion: str
    weight_change: float | None  # None = no feasible change flips the result
    overtaken_by: str | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flip:
        return cls(**data)


@dataclass(frozen=True)
class DecisiveCriterion(_Snapshot):
    criterion: str
    margin_points: float
    flip: Flip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisiveCriterion:
        return cls(data["criterion"], data["margin_points"], Flip.from_dict(data["flip"]))


@dataclass(frozen=True)
class SettlingCriterion(_Snapshot):
    """A weighted criterion whose evidence is weak or missing for the winner or the runner-up."""

    criterion: str
    weight: float
    winner_strength: float
    runner_up_strength: float | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SettlingCriterion:
        return cls(**data)


@dataclass(frozen=True)
class Requirement(_Snapshot):
    """A must-have: a framework whose known evidence on ``criterion`` is below ``minimum`` fails."""

    key: str
    criterion: str
    minimum: float

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Requirement:
        return cls(**data)


@dataclass(frozen=True)
class Exclusion(_Snapshot):
    """A framework left out because its evidence fails a requirement."""

    framework: str
    requirement: str  # the requirement's key
    criterion: str
    evidence: float
    minimum: float
    score: float  # what it would have scored, 0..100

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Exclusion:
        return cls(**data)


@dataclass(frozen=True)
class UnknownRequirement(_Snapshot):
    """The ranked frameworks with no evidence on a requirement's criterion: kept, but said."""

    requirement: str
    criterion: str
    frameworks: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnknownRequirement:
        return cls(data["requirement"], data["criterion"], tuple(data["frameworks"]))


@dataclass(frozen=True)
class MethodRank(_Snapshot):
    framework: str
    value: float  # TOPSIS: closeness to the ideal, 0..1
    rank: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MethodRank:
        return cls(**data)


@dataclass(frozen=True)
class MethodCheck(_Snapshot):
    """The same frameworks ranked by a second method, and whether both put the same one first.
    ``ranking`` lists the first places (``recommend()``'s ``check_count``; all by default)."""

    method: str
    ranking: tuple[MethodRank, ...]
    agrees: bool

    @property
    def winner(self) -> str | None:
        return self.ranking[0].framework if self.ranking else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MethodCheck:
        return cls(
            method=data["method"],
            ranking=tuple(MethodRank.from_dict(r) for r in data["ranking"]),
            agrees=data["agrees"],
        )


@dataclass(frozen=True)
class Recommendation(_Snapshot):
    no_preference: bool
    message: str
    ranking: tuple[FrameworkScore, ...]
    winner: str | None
    runner_up: str | None
    margin: float
    confidence: str | None  # "high" | "medium" | "low"; None when there is no preference
    decisive: tuple[DecisiveCriterion, ...]
    flips: tuple[Flip, ...]
    engine_version: str = ENGINE_VERSION
    too_close: bool = False
    settling: tuple[SettlingCriterion, ...] = ()
    method: str = WEIGHTED_SUM  # the method that ranked
    requirements: tuple[Requirement, ...] = ()  # the must-haves applied
    excluded: tuple[Exclusion, ...] = ()
    unknown_requirements: tuple[UnknownRequirement, ...] = ()
    check: MethodCheck | None = None  # TOPSIS over the same frameworks; None before engine 3

    @property
    def methods_disagree(self) -> bool:
        return self.check is not None and not self.check.agrees

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recommendation:
        check = data.get("check")
        return cls(
            no_preference=data["no_preference"],
            message=data["message"],
            ranking=tuple(FrameworkScore.from_dict(s) for s in data["ranking"]),
            winner=data["winner"],
            runner_up=data["runner_up"],
            margin=data["margin"],
            confidence=data["confidence"],
            decisive=tuple(DecisiveCriterion.from_dict(d) for d in data["decisive"]),
            flips=tuple(Flip.from_dict(f) for f in data["flips"]),
            engine_version=data["engine_version"],
            too_close=data.get("too_close", False),
            settling=tuple(SettlingCriterion.from_dict(c) for c in data.get("settling", ())),
            # Engines 1 and 2 knew no must-haves and ranked by the weighted sum alone.
            method=data.get("method", WEIGHTED_SUM),
            requirements=tuple(Requirement.from_dict(r) for r in data.get("requirements", ())),
            excluded=tuple(Exclusion.from_dict(e) for e in data.get("excluded", ())),
            unknown_requirements=tuple(
                UnknownRequirement.from_dict(u) for u in data.get("unknown_requirements", ())
            ),
            check=MethodCheck.from_dict(check) if check else None,
        )


class Evidence:
    """The evidence read once for many recommendations: one row per framework, one column per
    criterion (sorted), each (framework, criterion) pair validated and turned into the numbers
    the method uses (``KINDS``: ``v``, whether it is known, the band's ends, the strength).
    ``recommend()`` accepts it in place of the mapping of evidence, so a caller that ranks many
    sets of weights on the same knowledge pays for reading it once; given a mapping,
    ``recommend()`` builds one itself.

    What does not depend on the weights is worked out here, once: each row's weighted sums for
    ``weights``, the weights most recommendations are near (the criteria's defaults), so that a
    recommendation only adds the terms of the criteria it weighs otherwise (``sums()``); and, for
    TOPSIS, each column's distinct values and sum of squares (``_Columns``).

    Every sum the engine takes is ``math.fsum`` of the method's terms, or equal to it: ``fsum``
    is exact up to one final rounding, so its result depends only on the exact sum of its terms,
    whatever their order, however they are split (``_exact``), and with zeros added.
    """

    KINDS = ("values", "known", "lows", "highs", "trust")

    def __init__(self, evidence, frameworks, criteria, strengths=None, weights=None):
        if isinstance(frameworks, str):
            raise TypeError("frameworks must be a sequence of slugs, not a single string")
        self.scores = _clean_pairs(evidence, "evidence", -2, 2)
        self.strengths = _clean_pairs(strengths or {}, "strength", 0, 1)
        self.frameworks = tuple(dict.fromkeys(frameworks))
        self.criteria = tuple(sorted(set(criteria)))
        self.row_of = {f: i for i, f in enumerate(self.frameworks)}
        self.column_of = {c: j for j, c in enumerate(self.criteria)}
        self.rows = {kind: [] for kind in self.KINDS}
        for f in self.frameworks:
            values, known, lows, highs, trust = (array("d") for _ in self.KINDS)
            for c in self.criteria:
                e = self.scores.get((f, c))
                v, s = (
                    (NEUTRAL, 0.0) if e is None else ((e + 2) / 4, self.strengths.get((f, c), 1.0))
                )
                half = BAND_HALF_WIDTH * (1 - s)
                values.append(v)
                known.append(0.0 if e is None else 1.0)
                lows.append(max(0.0, v - half))
                highs.append(min(1.0, v + half))
                trust.append(s)
            for kind, row in zip(self.KINDS, (values, known, lows, highs, trust), strict=True):
                self.rows[kind].append(row)
        self.columns = [array("d", column) for column in zip(*self.rows["values"], strict=True)]
        if not self.frameworks:
            self.columns = [array("d") for _ in self.criteria]
        base = _clean_weights(weights or {})
        self.base = array("d", (base.get(c, 0.0) for c in self.criteria))
        self.base_sums = None
        if weights is not None:
            self.base_sums = {
                kind: [_exact(map(mul, self.base, row)) for row in rows]
                for kind, rows in self.rows.items()
            }
        self.topsis = _Columns(self.columns, len(self.frameworks))

    def covers(self, frameworks, criteria):
        return all(f in self.row_of for f in frameworks) and all(
            c in self.column_of for c in criteria
        )

    def sums(self, weights, rows):
        """{kind: [the sum over the columns of w_c * x(f, c), for each row f of ``rows``]}, for
        each of KINDS, as ``math.fsum`` of those terms gives it; ``weights`` by column.

        From the base sums when ``weights`` differs from the base in at most half the columns:
        the terms of those columns are added with the new weight and taken away with the base's.
        """
        changed = [j for j, (w, b) in enumerate(zip(weights, self.base, strict=True)) if w != b]
        start = self.base_sums
        if start is None or 2 * len(changed) > len(weights):  # no base, or nearer none
            changed, start = [j for j, w in enumerate(weights) if w], None
        factors = [weights[j] for j in changed]
        if start:  # and the base's terms taken away
            factors += [-self.base[j] for j in changed]
            changed += changed
        pick = _picker(changed, len(weights))
        sums = {}
        for kind, matrix in self.rows.items():
            parts = start[kind] if start else [()] * len(matrix)
            sums[kind] = [
                math.fsum(chain(parts[row], map(mul, factors, pick(matrix[row])))) for row in rows
            ]
        return sums


def _exact(terms) -> tuple[float, ...]:
    """Floats whose exact sum is that of ``terms``: ``math.fsum`` of them and any other floats is
    ``math.fsum`` of ``terms`` and those floats. Each step keeps fsum's rounding of what is left,
    until nothing is (a sum of floats is a multiple of the smallest one, so it ends)."""
    terms = list(terms)
    parts = []
    while rest := math.fsum(chain(terms, map(neg, parts))):
        parts.append(rest)
    return tuple(parts)


class _Columns:
    """Columns of values >= 0 (all of the same rows) read once for TOPSIS: each column's distinct
    values, ascending, one after the other in ``flat``; for each row, a function that takes from
    any sequence laid out as ``flat`` the entries of the row's values (``rows``); and, by column,
    the extremes (and how many rows have each), the exact sum of squares, and over all the rows
    the divisor of the vector normalisation (``divisors``) and the distinct values divided by it
    (``ratios``). TOPSIS works out its terms once per distinct value of a column, and each row
    takes its own."""

    def __init__(self, columns, height):
        self.columns, self.height = columns, height
        self.flat, self.widths, places, self.squares = [], [], [], []
        self.lowest, self.highest, self.at_lowest, self.at_highest = [], [], [], []
        for column in columns:
            distinct = sorted(set(column)) or [0.0]
            place = {v: len(self.flat) + i for i, v in enumerate(distinct)}
            places.append(list(map(place.__getitem__, column)))
            self.flat.extend(distinct)
            self.widths.append(len(distinct))
            self.lowest.append(distinct[0])
            self.highest.append(distinct[-1])
            self.at_lowest.append(column.count(distinct[0]))
            self.at_highest.append(column.count(distinct[-1]))
            self.squares.append(_exact(map(pow, column, repeat(2))))
        self.rows = [_picker(list(row), len(self.flat)) for row in zip(*places, strict=True)]
        if not places:
            self.rows = [_picker([], 0)] * height
        self.divisors = [_divisor(math.fsum(squares)) for squares in self.squares]
        self.ratios = list(map(truediv, self.flat, self.spread(self.divisors)))

    def spread(self, by_column):
        """The values of ``by_column`` laid out as ``flat``: each once per distinct value."""
        return chain.from_iterable(map(repeat, by_column, self.widths))

    def without(self, outside, shares):
        """(divisors, lowest, highest) by column over the rows but ``outside``; for the columns
        of no share (whose terms are all 0), as over all the rows."""
        take, gone_rows = _picker(list(outside), self.height), set(outside)
        chosen = None  # by row: whether it is not outside, once it is needed
        divisors, lowest, highest = [], [], []
        for j, column in enumerate(self.columns):
            low, high = self.lowest[j], self.highest[j]
            gone = take(column)
            if not shares[j]:
                divisors.append(math.inf)
            else:
                divisors.append(
                    _divisor(math.fsum(chain(self.squares[j], map(neg, map(pow, gone, repeat(2))))))
                )
                if gone.count(low) == self.at_lowest[j] or gone.count(high) == self.at_highest[j]:
                    chosen = chosen or [r not in gone_rows for r in range(self.height)]
                    low, high = min(compress(column, chosen)), max(compress(column, chosen))
            lowest.append(low)
            highest.append(high)
        return divisors, lowest, highest


def _divisor(sum_of_squares):
    """The divisor of the vector normalisation: dividing by an infinite norm gives the 0 that a
    column of zeros is worth."""
    norm = math.sqrt(sum_of_squares)
    return norm if norm > 0 else math.inf


def _distances(coded, shares, outside=()):
    """TOPSIS's squared distance to the ideal and to the anti-ideal of each distinct value of
    ``coded`` (a _Columns; laid out as its ``flat``), ``shares`` being ``w_c / W`` by column (0:
    not weighted, which makes each of the column's terms 0). The norms and the ideals are over
    every row of ``coded`` but ``outside``."""
    if outside:
        divisors, lowest, highest = coded.without(outside, shares)
        ratios = map(truediv, coded.flat, coded.spread(divisors))
    else:
        divisors, lowest, highest = coded.divisors, coded.lowest, coded.highest
        ratios = coded.ratios
    weighted = list(map(mul, coded.spread(shares), ratios))
    # t(f, c) grows with v(f, c) (both roundings are monotonic): its extremes are the values'.
    ideal = map(mul, shares, map(truediv, highest, divisors))
    anti_ideal = map(mul, shares, map(truediv, lowest, divisors))
    to_ideal = array("d", map(pow, map(sub, weighted, coded.spread(ideal)), repeat(2)))
    to_anti_ideal = array("d", map(pow, map(sub, weighted, coded.spread(anti_ideal)), repeat(2)))
    return to_ideal, to_anti_ideal


def _closeness(coded, distances, rows, total=math.fsum):
    """TOPSIS closeness of each of ``rows`` of ``coded``, from its ``_distances()``: each row's
    squared distances summed by ``total`` (``sum`` for a rough value, see ``_contenders``)."""
    to_ideal, to_anti_ideal = distances
    closeness = []
    for row in rows:
        take = coded.rows[row]
        plus = math.sqrt(total(take(to_ideal)))
        minus = math.sqrt(total(take(to_anti_ideal)))
        both = plus + minus
        closeness.append(minus / both if both > 0 else 0.5)
    return closeness


def recommend(
    weights: Mapping[str, float],
    evidence: Mapping[tuple[str, str], float] | Evidence,
    frameworks: Sequence[str],
    decisive_count: int = 3,
    detail_count: int | None = None,
    strengths: Mapping[tuple[str, str], float] | None = None,
    requirements: Sequence[Requirement] = (),
    check_count: int | None = None,
) -> Recommendation:
    """Rank ``frameworks`` for the visitor's ``weights``; see the module docstring.

    ``evidence`` is {(framework, criterion): e} or an ``Evidence`` read from one (then
    ``strengths`` is its own). ``strengths`` gives the evidence strength (0..1) of each known
    pair; a known pair without one (or every known pair, when it is None) counts as fully
    trusted. ``requirements`` are the must-haves: frameworks whose evidence fails one are
    excluded from the ranking. Per-criterion contributions and unknown criteria are listed for the
    ``detail_count`` best-ranked frameworks (all when None): with many frameworks they are most of
    the result, and nobody reads them all. Scores, bands and coverage are given for every
    framework. The TOPSIS check ranks every framework but lists the ``check_count`` it puts first
    (all when None), each as it is in the whole ranking: only those are summed exactly.
    """
    weights = _validate(weights, frameworks, decisive_count, check_count)
    requirements = _validate_requirements(requirements)
    criteria = sorted(c for c, w in weights.items() if w > 0)
    if not isinstance(evidence, Evidence):
        evidence = Evidence(evidence, frameworks, criteria, strengths)
    elif not evidence.covers(frameworks, criteria):
        evidence = Evidence(
            evidence.scores, frameworks, {*evidence.criteria, *criteria}, evidence.strengths
        )
    frameworks = list(frameworks)
    known_pairs = evidence.scores
    total = math.fsum(weights.values())
    by_column = array("d", (weights.get(c, 0.0) for c in evidence.criteria))
    rows = {f: evidence.row_of[f] for f in frameworks}
    sums = {}
    if total > 0:
        sums = {
            kind: dict(zip(frameworks, kind_sums, strict=True))
            for kind, kind_sums in evidence.sums(by_column, rows.values()).items()
        }
    scores = {
        f: _clamp(100 * sums["values"][f] / total, 0.0, 100.0) if total > 0 else 50.0
        for f in frameworks
    }
    excluded = _exclusions(requirements, known_pairs, frameworks, scores)
    left_out = {e.framework for e in excluded}
    frameworks = [f for f in frameworks if f not in left_out]
    must_haves = {
        "requirements": requirements,
        "excluded": excluded,
        "unknown_requirements": tuple(
            UnknownRequirement(r.key, r.criterion, unknown)
            for r in requirements
            if (
                unknown := tuple(
                    sorted(f for f in frameworks if (f, r.criterion) not in known_pairs)
                )
            )
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

    ranks = _ranks({f: scores[f] for f in frameworks})
    order = sorted(frameworks, key=lambda f: (ranks[f], f))
    detailed = set(order if detail_count is None else order[:detail_count])
    columns = [evidence.column_of[c] for c in criteria]
    pick = _picker(columns, len(evidence.criteria))
    w = [weights[c] for c in criteria]
    ranking = tuple(
        _score(f, scores[f], ranks[f], criteria, w, total, evidence, pick, f in detailed, sums)
        for f in order
    )

    winner, others = order[0], order[1:]
    values = evidence.rows["values"]
    win = pick(values[rows[winner]])
    leads = {}

    def lead(g):
        """D_g, summed exactly."""
        if g not in leads:
            leads[g] = math.fsum(map(mul, w, map(sub, win, pick(values[rows[g]]))))
        return leads[g]

    # Close to D_g (see _flips), from sums already taken; any D_g <= 0 is below CLOSE * W.
    approximate = {g: sums["values"][winner] - sums["values"][g] for g in others}
    close = CLOSE * total
    tied = {
        g for g in others if ranks[g] == ranks[winner] or (approximate[g] < close and lead(g) <= 0)
    }
    flips = _flips(
        criteria,
        weights,
        win,
        others,
        tied,
        lead,
        approximate,
        close,
        [evidence.columns[j] for j in columns],
        [(evidence.topsis.lowest[j], evidence.topsis.highest[j]) for j in columns],
        rows,
    )

    first, second = ranking[0], (ranking[1] if others else None)
    runner_up = second.framework if second else None
    runner = pick(values[rows[runner_up]]) if runner_up else ()
    terms = {
        c: 100 * weights[c] * (win[k] - runner[k]) / total
        for k, c in enumerate(criteria if runner_up else ())
    }
    decisive_criteria = sorted((c for c in terms if terms[c] > 0), key=lambda c: (-terms[c], c))
    flip_for = {f.criterion: f for f in flips}
    too_close = second is not None and first.band_low <= second.band_high + EPSILON

    def trust_of(framework):
        return dict(zip(criteria, pick(evidence.rows["trust"][rows[framework]]), strict=True))

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
            criteria, weights, trust_of(winner), trust_of(runner_up) if runner_up else None
        ),
        check=_topsis_check(evidence, by_column, total, order, rows, ranks, check_count),
        **must_haves,
    )


def _picker(columns, width):
    """A function that takes the entries at ``columns`` of a row of ``width``, in that order."""
    if columns == list(range(width)):
        return lambda row: row
    if not columns:
        return lambda row: ()
    if len(columns) == 1:
        (only,) = columns
        return lambda row: (row[only],)
    return itemgetter(*columns)


def _ranks(values: Mapping[str, float]) -> dict[str, int]:
    """1 + the number of others more than EPSILON higher: tied values share a rank."""
    ascending = sorted(values.values())
    n = len(ascending)
    return {f: 1 + n - bisect_right(ascending, v + EPSILON) for f, v in values.items()}


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
    coded = _Columns([[row[c] for row in values.values()] for c in criteria], len(values))
    distances = _distances(coded, [weights[c] / total for c in criteria])
    return dict(zip(values, _closeness(coded, distances, range(len(values))), strict=True))


def _topsis_check(evidence, weights, total, order, rows, ranks, count):
    ranked = [rows[f] for f in order]
    chosen = set(ranked)
    outside = [r for r in range(len(evidence.frameworks)) if r not in chosen]
    coded = evidence.topsis
    distances = _distances(coded, [weight / total for weight in weights], outside)
    listed = _contenders(order, ranked, coded, distances, count)
    closeness = dict(
        zip(listed, _closeness(coded, distances, [rows[f] for f in listed]), strict=True)
    )
    topsis_ranks = _ranks(closeness)
    ranking = tuple(
        MethodRank(f, closeness[f], topsis_ranks[f])
        for f in sorted(listed, key=lambda f: (topsis_ranks[f], f))[:count]
    )
    first_by_sum = {f for f in order if ranks[f] == 1}
    first_by_topsis = {f for f in listed if topsis_ranks[f] == 1}
    return MethodCheck(TOPSIS, ranking, agrees=bool(first_by_sum & first_by_topsis))


# Closeness with its squared distances summed by sum() is within 1e-12 of math.fsum's: each sum
# of terms >= 0 within a relative 2**-53 per term (1e-13 for a thousand criteria), a square root
# halving that, and C(f) in [0, 1] moving by at most three times it. ROUGH is far wider than
# twice that, the most by which the count-th highest of either can differ from the other's.
ROUGH = 1e-9


def _contenders(order, ranked, coded, distances, count):
    """Those of ``order`` (by the rows ``ranked``) that may be among the first ``count`` by
    TOPSIS (every one when None), found without summing every framework's distances exactly:
    those whose rough closeness (``sum``) is at least the count-th highest less EPSILON and
    ROUGH. That takes in every framework within EPSILON of the count-th closest, and so every
    framework more than EPSILON closer than one of those: ranked among the contenders alone,
    the first ``count`` have their ranks among all, and the others rank lower."""
    if count is None or count >= len(order):
        return order
    rough = _closeness(coded, distances, ranked, total=sum)
    cut = sorted(rough, reverse=True)[count - 1] - EPSILON - ROUGH
    return [f for f, c in zip(order, rough, strict=True) if c >= cut]


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
    frameworks: Sequence[str],
    decisive_count: int,
    check_count: int | None,
) -> dict[str, float]:
    if isinstance(frameworks, str):
        raise TypeError("frameworks must be a sequence of slugs, not a single string")
    if len(set(frameworks)) != len(frameworks):
        raise ValueError(f"frameworks contains duplicate slugs: {list(frameworks)!r}")
    if decisive_count < 0:
        raise ValueError(f"decisive_count must be >= 0, got {decisive_count!r}")
    if check_count is not None and check_count < 1:  # the check's winner is its first
        raise ValueError(f"check_count must be >= 1 or None, got {check_count!r}")
    return _clean_weights(weights)


def _clean_weights(weights: Mapping[str, float]) -> dict[str, float]:
    clean_weights = {}
    for criterion, weight in weights.items():
        weight = float(weight)
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(
                f"weight for criterion {criterion!r} must be a finite number >= 0, got {weight!r}"
            )
        clean_weights[criterion] = weight
    return clean_weights


def _clean_pairs(pairs, what, low, high):
    """{(framework, criterion): float} with every value a finite number in [low, high].

    Floats already in range (what the knowledge base gives) are checked in C, in one pass each;
    anything else is converted and checked pair by pair, to say which pair is wrong."""
    numbers = pairs.values()
    # A NaN or an infinity makes the sum so; min() and max() then check the range.
    in_range = not numbers or (
        math.isfinite(sum(numbers)) and min(numbers) >= low and max(numbers) <= high
    )
    if in_range and set(map(type, numbers)) <= {float}:
        return dict(pairs)
    clean = {}
    for (framework, criterion), number in pairs.items():
        number = float(number)
        if not (math.isfinite(number) and low <= number <= high):
            raise ValueError(
                f"{what} for ({framework!r}, {criterion!r}) must be a finite number "
                f"in [{low}, {high}], got {number!r}"
            )
        clean[framework, criterion] = number
    return clean


def _score(framework, score, rank, criteria, w, total, evidence, pick, detailed, sums):
    contributions, unknown = (), ()
    if detailed:
        pairs = evidence.scores
        unknown = tuple(c for c in criteria if (framework, c) not in pairs)
        values = pick(evidence.rows["values"][evidence.row_of[framework]])
        contributions = tuple(
            Contribution(c, weight, pairs.get((framework, c)), 100 * weight * v / total)
            for c, weight, v in zip(criteria, w, values, strict=True)
        )
    return FrameworkScore(
        framework=framework,
        score=score,
        rank=rank,
        coverage=_clamp(sums["known"][framework] / total, 0.0, 1.0),
        unknown_criteria=unknown,
        contributions=contributions,
        band_low=_clamp(100 * sums["lows"][framework] / total, 0.0, score),
        band_high=_clamp(100 * sums["highs"][framework] / total, score, 100.0),
        strength=_clamp(sums["trust"][framework] / total, 0.0, 1.0),
    )


# D_g read as the difference of the winner's and g's sums of w_c * v(f, c) (taken for their
# scores) is within LEAD_ERROR * W of D_g summed exactly: at most 8 roundings of 2**-53 * W (2 in
# each sum, 3 in D_g's terms and sum, 1 in the difference). D_g below CLOSE * W is summed exactly,
# so the others are known to a relative LEAD_ERROR / CLOSE.
LEAD_ERROR = 1e-14
CLOSE = 1e-6
MARGIN = 1e-6  # relative: far wider than the rounding of q against that of the change itself
FIRST_TRIED = 32  # frameworks first tried when a raised weight may flip: more as needed


def _flips(criteria, weights, win, others, tied, lead, approximate, close, columns, ends, rows):
    """The flip of every weighted criterion (see ``_flip``), without trying every framework for
    every criterion: the candidates are found in C, over part of the criterion's column, and
    only those are tried.

    With ``q(g) = (v(win, c) - v(g, c)) / D_g`` (``D_g > 0`` when nobody is tied), the change
    that lets ``g`` catch up is ``-1 / q(g)``: the largest ``|q|`` is the smallest change. A
    framework with ``q > 0`` needs the weight lowered, which only works down to zero (the weight
    minus a little rounding): ``|q| >= 1 / (weight + tolerance)``. The candidates are every
    framework within a relative MARGIN of the best ``|q|`` of those that certainly can, and of
    the bound; ``_flip`` then decides among them exactly as it would among all.

    ``D_g`` is only summed (``lead``) for the candidates: ``q`` divides by ``approximate[g]``
    (by ``D_g`` when that is below ``close``), within a relative LEAD_ERROR / CLOSE of it, and
    the margin is wider by four times that. As ``|v(win, c) - v(g, c)| <= 1``, ``|q(g)| <= 1 /
    D_g``: the frameworks are tried by ascending ``D_g``, only as far as ``|q|`` could still be
    a candidate's: the bound, and when someone is better on ``c`` than the winner, the best
    ``|q|`` of a raised weight, each shrunk by how far from the winner's the column's values
    range (``ends[k]``: its lowest and highest, over all the evidence's frameworks).
    """
    if tied:
        # A framework level with the winner flips every criterion at no change: the first one
        # in the ranking wins, unless one before it needs a change that rounds to zero.
        first = next(i for i, g in enumerate(others) if g in tied)
        prefix = others[: first + 1]
        return tuple(
            _flip(c, weights[c], win[k], prefix, lead, tied, columns[k], rows)
            for k, c in enumerate(criteria)
        )
    place = {g: i for i, g in enumerate(others)}
    divisor = {g: lead(g) if approximate[g] < close else approximate[g] for g in others}
    by_lead = sorted(others, key=divisor.__getitem__)
    divisors = [divisor[g] for g in by_lead]
    everyone, height = len(by_lead), len(columns[0])
    prefixes = {}

    def prefix(n):
        """A function taking from a column the values of at least the first n by lead."""
        n = min(everyone, max(FIRST_TRIED, 1 << (n - 1).bit_length()))
        if n not in prefixes:
            prefixes[n] = _picker([rows[g] for g in by_lead[:n]], height)
        return prefixes[n]

    flips = []
    for k, c in enumerate(criteria):
        weight, a = weights[c], win[k]
        tolerance = 1e-12 * max(weight, 1.0)
        margin = MARGIN + 4 * tolerance / weight + 4 * LEAD_ERROR / CLOSE
        bound = 1 / (weight + tolerance)
        floor = bound * (1 - margin)  # the least |q| of a lowered weight
        # How much worse and better than the winner anyone is on c: |v(win, c) - v(g, c)|, and
        # so |q(g)| D_g, is at most that (roundings are monotonic).
        worse, better = a - ends[k][0], ends[k][1] - a
        raised = better > 0  # someone is better on c: a raised weight may flip it
        # Beyond end, q <= worse (1 + 2**-53) / D_g < floor.
        end = bisect_left(divisors, worse * (1 + 1e-9) / floor) if floor > 0 else everyone
        end = max(end, min(everyone, FIRST_TRIED)) if raised else end
        column, q, n = (), [], 0
        while True:
            if end > len(column):
                column = prefix(end)(columns[k])
            q += map(truediv, map(sub, repeat(a), islice(column, n, end)), islice(divisors, n, end))
            n = end
            lowest, highest = min(q, default=0.0), max(q, default=0.0)
            certain = []
            if lowest < 0:
                certain.append(-lowest)
            if highest >= bound * (1 + margin):
                certain.append(highest)
            cut = max(certain) * (1 - margin) if certain else floor
            if n == everyone or not raised or not (cut > 0 and math.isfinite(cut)):
                break
            # Beyond the first n, -q < cut once D_g >= better (1 + 1e-9) / cut, as above; with
            # none certain, some framework further on might be.
            reach = better * (1 + 1e-9) / cut
            end = bisect_left(divisors, reach) if certain else min(everyone, 2 * n)
            if end <= n:
                break
        if not (cut > 0 and math.isfinite(cut)):
            flips.append(_flip(c, weight, a, others, lead, tied, columns[k], rows))
            continue
        chosen = [
            *compress(range(n), map(le, q, repeat(-cut))),
            *compress(range(n), map(ge, q, repeat(max(cut, floor)))),
        ]
        candidates = sorted((by_lead[i] for i in chosen), key=place.__getitem__)
        flips.append(_flip(c, weight, a, candidates, lead, tied, columns[k], rows))
    return tuple(flips)


def _flip(criterion, weight, a, others, lead, tied, column, rows) -> Flip:
    """Smallest change of ``criterion``'s weight that lets one of ``others`` catch up with the
    winner, whose value on it is ``a`` (``column``: everyone's, by the rows of ``rows``)."""
    best: tuple[float, str] | None = None
    for other in others:  # in ranking order, so equal changes favour the higher-ranked one
        if other in tied:
            change = 0.0
        else:
            diff = a - column[rows[other]]
            if diff == 0:
                continue
            change = -lead(other) / diff
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
