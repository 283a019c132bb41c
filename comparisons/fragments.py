"""Parts of pages rendered once per knowledge version and reused: claim cards, compare cells.

A claim card (the claim with its verdict and citations) looks the same on the framework page,
the criterion page and every page of the explorer that lists it, so it is rendered once and kept
under the knowledge-base version, like everything else cached from the knowledge base (see
comparisons.cache): an editor's change bumps the version and no card made before it is read
again. Only the cards not yet cached need their citations, so those alone are fetched. A compare
cell (one framework on one criterion) is the same in every selection that framework is in.
"""

import functools
import pickle
import zlib

from django.db.models import prefetch_related_objects
from django.template import engines
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .cache import TIMEOUT, fragment_cache, fragment_maps, fragments, key_prefix
from .knowledge import citations_with_sources

CLAIM_CARD = "comparisons/claim_card.html"  # a Jinja2 template: see config/jinja2.py


def per_claim(claims, kind, build):
    """{pk: value} of `kind` for each of `claims`, kept per claim for the knowledge version (and
    day): `build(claim)` makes the value of a claim not kept yet, its citations and their sources
    fetched for all such claims in one query."""
    by_pk = {claim.pk: claim for claim in claims}
    return per_claim_id(list(by_pk), kind, build, lambda pks: [by_pk[pk] for pk in pks])


def per_claim_id(ids, kind, build, load, prefix=None):
    """{pk: value} of `kind` for each of the claims `ids`, as per_claim(); `load(pks)` gives the
    claims (with their framework and criterion) of those not kept yet, and leaves out any that
    is not public any more: so does the answer. `prefix`: key_prefix() of the request."""
    if not ids:
        return {}
    prefix = prefix or key_prefix()
    keys = {pk: f"{prefix}{kind}:{pk}" for pk in ids}
    pks = {key: pk for pk, key in keys.items()}

    def made(missing):
        claims = load([pks[key] for key in missing])
        prefetch_related_objects(claims, citations_with_sources())
        return {keys[claim.pk]: build(claim) for claim in claims}

    found = fragments(prefix, list(pks), made)
    return {pk: found[key] for pk, key in keys.items() if key in found}


def claim_cards(claims, *, show_context=False):
    """The rendered cards of `claims` (Claim objects with framework and criterion), in order."""
    claims = list(claims)
    template = engines["jinja2"].get_template(CLAIM_CARD)
    # What every card of the batch links to, reversed once rather than once a card: the claims
    # citing a source, and the pages of the few frameworks and criteria the cards are about.
    context = {
        "show_context": show_context,
        "claims_citing": reverse("comparisons:claim-list") + "?source=",
        "page_of": functools.cache(lambda obj: obj.get_absolute_url()),
    }
    cards = per_claim(
        claims,
        f"card:{int(show_context)}",
        lambda claim: template.render({**context, "claim": claim}),
    )
    return [mark_safe(cards[claim.pk]) for claim in claims]


def kept(name, build):
    """`build()`, kept under `name` in the fragment cache for the knowledge version (and day):
    for a part of a page that depends on nothing but the knowledge base and the object shown.

    Kept compressed: a framework page's evidence is 300 kB of HTML at 100x (28 kB compressed),
    which every worker would otherwise hold for every framework with the local-memory cache, or
    send to and from Redis; reading it back costs 0.3 ms more."""
    key = f"{key_prefix()}{name}"
    cache = fragment_cache()
    stored = cache.get(key)
    if stored is not None:
        return pickle.loads(zlib.decompress(stored))
    value = build()
    cache.set(key, zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1), TIMEOUT)
    return value


def drawn(template_name, **context):
    """A Jinja2 template (templates/jinja2/, see config/jinja2.py) drawn to safe HTML: for the
    parts of a page that loop over hundreds of items, which Django's templates draw slowly."""
    return mark_safe(engines["jinja2"].get_template(template_name).render(context))


LEADS = '<span class="badge text-bg-success mb-1">leads</span>'


def compare_rows(matrix):
    """The compare table's rows: each row's heading and cells as kept by compare_cells(), with
    the "leads" mark, which depends on the other frameworks chosen. Joined here rather than by a
    template: the table has hundreds of cells, and a template took 0.55 ms of a 6 ms page for
    what is a few tags around kept HTML (0.2 ms here)."""
    html = []
    for row, heading, cells in compare_cells(matrix):
        html.append(f'<tr id="row-{escape(row.criterion_slug)}">{heading}')
        for cell, inside in cells:
            if cell.leads:
                html.append(f'<td class="compare-cell leads">{LEADS}{inside}</td>')
            else:
                html.append(f'<td class="compare-cell">{inside}</td>')
        html.append("</tr>\n")
    return mark_safe("".join(html))


def compare_cells(matrix):
    """[(row, heading html, [(cell, html)])]: the matrix's rows with each row's heading (the
    criterion) and each cell's rendered inside (HTML as text, for compare_rows to join), both
    kept per knowledge version and the same in every selection (without the "leads" mark): the
    cells as one map per framework, the headings as one map (see cache.fragment_maps)."""
    from .templatetags.evidence import compare_cell

    prefix = key_prefix()
    slugs = [slug for slug, _ in matrix.frameworks]
    rows = {row.criterion_slug: row for row in matrix.rows}
    criteria = list(rows)
    headings_key = f"{prefix}compare-headings"
    column_keys = {f"{prefix}compare-column:{slug}": i for i, slug in enumerate(slugs)}

    def make(key, names):
        if key == headings_key:
            heading = engines["jinja2"].get_template("comparisons/compare_row_heading.html")
            return {name: str(heading.render({"row": rows[name]})) for name in names}
        column = column_keys[key]
        url = reverse("comparisons:framework-detail", args=[slugs[column]])
        return {name: str(compare_cell(rows[name].cells[column], name, url)) for name in names}

    found = fragment_maps(
        prefix, {headings_key: criteria} | dict.fromkeys(column_keys, criteria), make
    )
    headings = found[headings_key]
    columns = [found[key] for key in column_keys]
    return [
        (
            row,
            headings[row.criterion_slug],
            [
                (cell, column[row.criterion_slug])
                for cell, column in zip(row.cells, columns, strict=True)
            ],
        )
        for row in matrix.rows
    ]
