"""What a consultation saves, as one declared and versioned type: `Snapshot`.

A consultation's page is drawn from its snapshot alone, years after it was saved, so the shape of
what is saved is declared here once and read only through `Snapshot.of()`. The whole snapshot
carries one version number, SNAPSHOT_VERSION (stored as `result["version"]`); the engine's part
also carries the engine's own version (`recommendation.engine_version`). Every older shape is
upgraded step by step (UPGRADES) to the current one when it is read, so old permalinks render
with the code of today:

1. Engine 1 (before evidence strength): claims with a `status` ("disputed") instead of a verdict,
   disputed claims under `disputed_claims`, evidence rows counting `disputed` claims.
2. Engine 2: verdicts, strengths and bands; no version number in the snapshot.
3. Must-haves, conditional questions, TOPSIS, and re-weighing: the catalogue of must-haves, the
   claims that exclude frameworks, and the evidence of the frameworks a result can be re-weighed
   among (`pool`), so that a re-weighed page is computed from the snapshot too.

Readers ignore keys they do not know, so a field added to a claim later does not break them;
renaming or removing one needs a new version and an upgrade step.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from . import scoring

SNAPSHOT_VERSION = 3

# Resolved once per class: resolving string annotations compiles them.
_hints = functools.cache(typing.get_type_hints)


class _Record:
    """Mixin: JSON-ready `as_dict()`, and `from_dict()` that keeps only the declared fields."""

    def as_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in scoring.field_names(type(self))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        hints = _hints(cls)
        values = {}
        for f in fields(cls):
            if f.name in data:
                values[f.name] = _typed(hints[f.name], data[f.name])
        return cls(**values)


def _plain(value: Any) -> Any:
    if type(value) in scoring.PLAIN:
        return value
    if isinstance(value, _Record | scoring._Snapshot):
        return value.as_dict()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _typed(hint: Any, value: Any) -> Any:
    """`value` read from JSON as the type `hint` says: records, tuples of them, or plain."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_typed(item, v) for v in value)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _typed(inner[0], value) if len(inner) == 1 else value
    if isinstance(hint, type) and is_dataclass(hint) and hasattr(hint, "from_dict"):
        return hint.from_dict(value)
    if origin is dict:
        return dict(value)
    return value


@dataclass(frozen=True)
class Answer(_Record):
    """One question of the questionnaire as the visitor answered it (stored in
    `Consultation.answers`). `skipped`: not asked, because of an earlier answer."""

    question: int
    text: str
    options: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    skipped: bool = False


@dataclass(frozen=True)
class CriterionWeight(_Record):
    slug: str
    name: str
    default_weight: int
    weight: int  # the weight the answers gave it


@dataclass(frozen=True)
class PairEvidence(_Record):
    """The aggregated evidence of one framework on one criterion, for the per-criterion table."""

    framework: str
    criterion: str
    score: float | None
    strength: float | None = None  # None: saved before strengths (engine 1)
    claims: int = 0
    contested: int = 0
    refuted: int = 0


@dataclass(frozen=True)
class Citation(_Record):
    source: str
    url: str = ""
    publisher: str = ""
    excerpt: str = ""
    location: str = ""
    stance: str = "supports"
    stance_label: str = "Supports"
    reliability: int | None = None


@dataclass(frozen=True)
class Claim(_Record):
    """A public claim as shown then, with its verdict and citations (see
    comparisons.knowledge.claim_summary())."""

    framework: str
    criterion: str
    statement: str
    score: int
    weight: int = 3
    verdict: str = "supported"
    verdict_label: str = "Supported"
    verdict_reason: str = ""
    strength: float | None = None
    effective_weight: float | None = None
    editor_note: str = ""
    citations: tuple[Citation, ...] = ()
    id: int | None = None
    citation_count: int | None = None  # when `citations` holds only some of them


@dataclass(frozen=True)
class MustHave(_Record):
    """A must-have the questionnaire offered: frameworks whose evidence on `criterion` is below
    `minimum` are excluded. `key` names it in addresses (the criterion's slug); `option` is the
    questionnaire's option that asks for it."""

    key: str
    label: str
    criterion: str
    minimum: float
    option: int | None = None

    def requirement(self) -> scoring.Requirement:
        return scoring.Requirement(self.key, self.criterion, self.minimum)


@dataclass(frozen=True)
class EvidencePool(_Record):
    """The evidence of the frameworks a result can be re-weighed among: one row per framework,
    one column per criterion; scores from -2 to +2 (None: unknown) and strengths from 0 to 1."""

    frameworks: tuple[str, ...]
    criteria: tuple[str, ...]
    scores: tuple[tuple[float | None, ...], ...]
    strengths: tuple[tuple[float | None, ...], ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvidencePool:
        # Written out: a matrix of plain numbers needs no reading field by field.
        return cls(
            frameworks=tuple(data["frameworks"]),
            criteria=tuple(data["criteria"]),
            scores=tuple(tuple(row) for row in data["scores"]),
            strengths=tuple(tuple(row) for row in data["strengths"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "frameworks": list(self.frameworks),
            "criteria": list(self.criteria),
            "scores": [list(row) for row in self.scores],
            "strengths": [list(row) for row in self.strengths],
        }

    def evidence(self) -> dict[tuple[str, str], float]:
        return {
            (f, c): score
            for f, row in zip(self.frameworks, self.scores, strict=True)
            for c, score in zip(self.criteria, row, strict=True)
            if score is not None
        }

    def strength(self) -> dict[tuple[str, str], float]:
        return {
            (f, c): strength
            for f, row in zip(self.frameworks, self.strengths, strict=True)
            for c, strength in zip(self.criteria, row, strict=True)
            if strength is not None
        }


@dataclass(frozen=True)
class Snapshot(_Record):
    """Everything a consultation saved: the answers, the weights they gave, the engine's result
    and what the page shows beside it. `version` is the version it was saved with; its fields
    are always in the current shape."""

    recommendation: scoring.Recommendation
    frameworks: dict[str, str]  # slug -> name, of every framework ranked or excluded
    criteria: tuple[CriterionWeight, ...]
    evidence: tuple[PairEvidence, ...] = ()
    decisive_claims: tuple[Claim, ...] = ()
    questioned_claims: tuple[Claim, ...] = ()
    answers: tuple[Answer, ...] = ()
    weights: dict[str, int] | None = None
    must_haves: tuple[MustHave, ...] = ()
    excluding_claims: tuple[Claim, ...] = ()  # the claim that fails each (framework, must-have)
    pool: EvidencePool | None = None  # None: saved before re-weighing existed
    version: int = SNAPSHOT_VERSION

    @classmethod
    def of(cls, consultation) -> Snapshot:
        """The snapshot of a saved consultation, whatever version saved it."""
        return cls.load(
            consultation.result,
            answers=consultation.answers,
            weights=consultation.weights,
            engine_version=consultation.engine_version,
        )

    @classmethod
    def load(cls, result, *, answers=(), weights=None, engine_version="") -> Snapshot:
        version = saved_version(result, engine_version)
        data = dict(result)
        for step in range(version, SNAPSHOT_VERSION):
            data = UPGRADES[step](data)
        data.update(answers=answers or (), weights=weights, version=version)
        return cls.from_dict(data)

    def result(self) -> dict[str, Any]:
        """What is stored in `Consultation.result`: everything but the answers and the weights
        (which have columns of their own), in the current shape."""
        data = self.as_dict()
        del data["answers"], data["weights"]
        data["version"] = SNAPSHOT_VERSION
        return data

    # --- reading it -----------------------------------------------------------------------

    @property
    def reweighable(self) -> bool:
        return self.pool is not None

    def answer_weights(self) -> dict[str, int]:
        return {c.slug: c.weight for c in self.criteria}

    def name(self, slug: str | None) -> str:
        return self.frameworks.get(slug, slug or "")

    def criterion_names(self) -> dict[str, str]:
        return {c.slug: c.name for c in self.criteria}

    def chosen_must_haves(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.recommendation.requirements)


def saved_version(result: Mapping[str, Any], engine_version: str = "") -> int:
    """The version a stored result was saved with: numbered from 3 on; before, the engine's."""
    if "version" in result:
        return int(result["version"])
    if "disputed_claims" in result or engine_version == "1":
        return 1
    return 2


def framework_names(result: Mapping[str, Any]) -> dict[str, str]:
    """slug -> name from a stored result, without reading the rest (the same key in every
    version): for lists of many consultations."""
    return dict(result.get("frameworks", {}))


def has_result(result: Mapping[str, Any]) -> bool:
    """Whether a stored result holds a recommendation (every saved consultation does)."""
    return "recommendation" in result


def criterion_names(result: Mapping[str, Any]) -> dict[str, str]:
    """slug -> name of the criteria of a stored result (the same key in every version)."""
    return {c["slug"]: c["name"] for c in result.get("criteria", [])}


# --- upgrades: each turns a stored result of version n into one of version n + 1 -------------


def _claim_from_1(claim: Mapping[str, Any]) -> dict[str, Any]:
    """Engine 1 claims had a workflow status, "disputed" when a source contradicted them."""
    claim = dict(claim)
    status = claim.pop("status", "published")
    claim["verdict"] = "contested" if status == "disputed" else "supported"
    claim["verdict_label"] = claim.pop("status_label", status.capitalize())
    return claim


def _from_1(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["questioned_claims"] = [_claim_from_1(c) for c in data.pop("disputed_claims", [])]
    data["decisive_claims"] = [_claim_from_1(c) for c in data.get("decisive_claims", [])]
    data["evidence"] = [
        {**{k: v for k, v in row.items() if k != "disputed"}, "contested": row.get("disputed", 0)}
        for row in data.get("evidence", [])
    ]
    return data


def _from_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 had no must-haves and could not be re-weighed: both stay empty."""
    return {**data, "must_haves": [], "excluding_claims": [], "pool": None}


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1, 2: _from_2}
