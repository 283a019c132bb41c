"""Fact-check markup: schema.org ClaimReview JSON-LD for the contested and refuted claims shown.

A search engine or a fact-check aggregator reads a page's ClaimReviews to learn what a claim
says, where it was made, who checked it and with what result. Stackwise publishes one for each
public claim whose evidence disagrees with it (comparisons.evidence): refuted rates 1 and
contested 3 on a scale of 1 (false) to 5 (true); a supported claim gets none, since the page
makes it rather than reviews it. A review names:

- the claim (`claimReviewed`, its statement) and where it was made (`itemReviewed`, a schema.org
  Claim whose `appearance` is the source of its first supporting citation, as a CreativeWork);
- the reviewer (Stackwise, at the site's root), the day of the review (the claim's last review,
  or its last change) and the editors' note, or the reason the evidence gives, as `reviewBody`;
- its address: the claim's card on its framework's page.

`claim_review()` and the functions it calls are pure: dicts from claim objects (with their
framework, verdict and citations), no query. `claim_reviews()` is what pages call: the reviews of
the claims a page shows, kept per claim beside the claim cards (comparisons.fragments.per_claim).
A miss reads its claims' citations in one query, or none when the cards rendered just before
have prefetched them. Cached reviews carry paths; `absolute()` makes
them addresses on the host the request came to.

`script_block()` writes them as one `<script type="application/ld+json">` element, its JSON
escaped as `django.utils.html.json_script` escapes it (so no `</script>` can close it early). A
data block is never executed: the Content Security Policy (`script-src` falls back to
`default-src 'self'`) neither blocks it nor needs a change.
"""

import json

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .evidence import Verdict
from .fragments import per_claim

SCHEMA_ORG = "https://schema.org"
REVIEWER = "Stackwise"
BEST_RATING, WORST_RATING = 5, 1
# The verdicts that get a review, and how each rates on the 1–5 scale.
RATINGS = {Verdict.REFUTED: (1, "Refuted"), Verdict.CONTESTED: (3, "Contested")}

# As django.utils.html.json_script: these three cannot end the script element or start markup.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def claim_path(claim):
    """Where the claim's card is: its framework's page, at the claim."""
    return f"{claim.framework.get_absolute_url()}#claim-{claim.pk}"


def supporting_source(claim):
    """The source of the claim's first supporting citation (None when nothing supports it)."""
    supporting = [c for c in claim.citations.all() if c.stance == c.Stance.SUPPORTS]
    return min(supporting, key=lambda c: c.pk).source if supporting else None


def creative_work(source):
    """A Source as a schema.org CreativeWork: its title, address, publisher and author."""
    work = {"@type": "CreativeWork", "name": source.title}
    if source.url:
        work["url"] = source.url
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.author:
        work["author"] = {"@type": "Person", "name": source.author}
    return work


def claim_review(claim):
    """The ClaimReview of a contested or refuted claim (None for any other), with paths for
    addresses (see absolute())."""
    verdict = claim.assessment.verdict
    if verdict not in RATINGS:
        return None
    value, label = RATINGS[verdict]
    changed = timezone.localdate(claim.updated_at)
    reviewed = claim.reviewed_on or changed
    item = {"@type": "Claim"}
    source = supporting_source(claim)
    if source is not None:
        item["appearance"] = creative_work(source)
    return {
        "@context": SCHEMA_ORG,
        "@type": "ClaimReview",
        "url": claim_path(claim),
        "claimReviewed": claim.statement,
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": REVIEWER, "url": reverse("comparisons:home")},
        "datePublished": reviewed.isoformat(),
        "dateModified": max(reviewed, changed).isoformat(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": label,
        },
        "reviewBody": claim.editor_note or claim.assessment.reason,
    }


def absolute(review, build_absolute_uri):
    """`review` with its paths made addresses by `build_absolute_uri` (a request's)."""
    author = {**review["author"], "url": build_absolute_uri(review["author"]["url"])}
    return {**review, "url": build_absolute_uri(review["url"]), "author": author}


def claim_reviews(claims):
    """The ClaimReviews (with paths) of those of `claims` that are contested or refuted, in
    order. Claims come with their framework; kept per claim beside their cards (fragments)."""
    claims = list(claims)
    reviews = per_claim(claims, "claimreview", lambda claim: claim_review(claim) or {})  # {}: none
    return [reviews[claim.pk] for claim in claims if reviews[claim.pk]]


def script_block(reviews):
    """One JSON-LD data block holding a list of `reviews`, safe inside HTML ("" when none)."""
    if not reviews:
        return ""
    data = json.dumps(reviews, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>', mark_safe(data.translate(SCRIPT_ESCAPES))
    )
