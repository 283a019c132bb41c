"""The fact-check markup of a page: `{% claim_review_markup claims %}` (see comparisons.factcheck),
or `{% claim_review_block reviews %}` for reviews worked out already.

Pass the claims whose cards the page shows: a list or page of claims, or the framework and
criterion pages' `sections` ([(group, cards)]), whose groups hold them.
"""

from django import template

from comparisons import factcheck

register = template.Library()


def shown_claims(claims):
    for item in claims or ():
        if isinstance(item, tuple):  # (group, its cards)
            yield from item[0].claims
        else:
            yield item


@register.simple_tag(takes_context=True)
def claim_review_markup(context, claims):
    """The JSON-LD block of the contested and refuted claims among `claims` ("" when none)."""
    return claim_review_block(context, factcheck.claim_reviews(shown_claims(claims)))


@register.simple_tag(takes_context=True)
def claim_review_block(context, reviews):
    """The JSON-LD block of `reviews` (factcheck.claim_reviews()), their paths made addresses."""
    request = context.get("request")
    if request is not None:
        reviews = [factcheck.absolute(review, request.build_absolute_uri) for review in reviews]
    return factcheck.script_block(reviews)
