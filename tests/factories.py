"""Small factories for tests: plain functions that make valid knowledge-base objects."""

from itertools import count

from comparisons.models import Citation, Claim, Criterion, Framework, Source

_sequence = count(1)


def make_framework(**fields):
    n = next(_sequence)
    fields.setdefault("name", f"Framework {n}")
    fields.setdefault("slug", f"framework-{n}")
    return Framework.objects.create(**fields)


def make_criterion(**fields):
    n = next(_sequence)
    fields.setdefault("name", f"Criterion {n}")
    fields.setdefault("slug", f"criterion-{n}")
    fields.setdefault("definition", "What it measures.")
    fields.setdefault("category", Criterion.Category.CAPABILITIES)
    fields.setdefault("display_order", n)
    return Criterion.objects.create(**fields)


def make_source(**fields):
    n = next(_sequence)
    fields.setdefault("title", f"Source {n}")
    fields.setdefault("url", f"https://example.org/source-{n}")
    return Source.objects.create(**fields)


def make_claim(framework=None, criterion=None, source=None, stance="supports", **fields):
    """A claim, published and cited once unless told otherwise (citations=False for none)."""
    cite = fields.pop("citations", True)
    fields.setdefault("statement", f"Statement {next(_sequence)}")
    fields.setdefault("score", 1)
    fields.setdefault("status", Claim.Status.PUBLISHED)
    claim = Claim.objects.create(
        framework=framework or make_framework(),
        criterion=criterion or make_criterion(),
        **fields,
    )
    if cite:
        Citation.objects.create(
            claim=claim, source=source or make_source(), excerpt="A quoted passage.", stance=stance
        )
    return claim


def make_knowledge_base(frameworks=3, criteria=4, claims_per_pair=1):
    """Frameworks × criteria × claims_per_pair published claims, each with two citations."""
    fws = [make_framework() for _ in range(frameworks)]
    crits = [make_criterion() for _ in range(criteria)]
    sources = [make_source() for _ in range(3)]
    claims = []
    for i, fw in enumerate(fws):
        for j, crit in enumerate(crits):
            for k in range(claims_per_pair):
                claims.append(
                    Claim(
                        framework=fw,
                        criterion=crit,
                        statement=f"{fw.name} on {crit.name}, claim {k}",
                        score=(i + j + k) % 5 - 2,
                        weight=1 + (i + k) % 5,
                        status=Claim.Status.PUBLISHED,
                    )
                )
    claims = Claim.objects.bulk_create(claims)
    Citation.objects.bulk_create(
        Citation(claim=claim, source=sources[n % 3], excerpt=f"Quote {n}.", stance=stance)
        for n, claim in enumerate(claims)
        for stance in ("supports", "supports")
    )
    return {"frameworks": fws, "criteria": crits, "sources": sources, "claims": claims}
