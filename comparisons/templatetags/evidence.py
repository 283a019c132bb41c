"""Template helpers for showing evidence: the score bar, signed scores and compare cells."""

from html import escape

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from comparisons.models import SCORE_MAX, SCORE_MIN

register = template.Library()

# The bar's geometry in SVG user units: a track of WIDTH with 0 in the middle.
WIDTH, HEIGHT, PADDING = 104, 14, 2


@register.filter
def signed(score, places=1):
    """+1.5, -0.7, 0.0: a score with its sign, for people (a real minus sign)."""
    if score is None or score == "":
        return ""
    text = f"{float(score):+.{int(places)}f}"
    if float(text) == 0:
        return f"{0:.{int(places)}f}"
    return text.replace("-", "\u2212")


def bar_geometry(score):
    """x and width of the bar for a score drawn from the middle of the track, and its class."""
    half = (WIDTH - 2 * PADDING) / 2
    middle = PADDING + half
    clamped = max(SCORE_MIN, min(SCORE_MAX, float(score)))
    length = abs(clamped) / SCORE_MAX * half
    x = middle if clamped >= 0 else middle - length
    tone = "pos" if clamped > 0 else "neg" if clamped < 0 else "zero"
    return {"bar_x": round(x, 2), "bar_width": round(length, 2), "middle": middle, "tone": tone}


SCORE_BAR = (
    '<span class="score score-{tone}"><svg class="score-bar" width="{width}" height="{height}" '
    'viewBox="0 0 {width} {height}" role="img" aria-label="{text}"><title>{text}</title>'
    '<rect class="track" x="0" y="0" width="{width}" height="{height}" rx="3"></rect>'
    '<rect class="{tone}" x="{bar_x}" y="2" width="{bar_width}" height="{bar_height}"></rect>'
    '<line class="mid" x1="{middle}" y1="0" x2="{middle}" y2="{height}"></line></svg> '
    '<span class="score-number" aria-hidden="true">{number}</span></span>'
)
NO_SCORE = mark_safe('<span class="score score-unknown text-body-secondary">No evidence</span>')


@register.simple_tag
def score_bar(score, label=""):
    """An inline SVG bar centred on 0 for a score from -2 to +2, with a text equivalent.

    Built in Python rather than by an included template: pages draw hundreds of these.
    """
    if score is None or score == "":  # "": a missing variable in the template, no evidence
        return NO_SCORE
    number = signed(score)
    text = f"score {number} of ±{SCORE_MAX}"
    # Only the label is text from outside (a criterion's name): the rest are numbers and words
    # of this module, so the label alone is escaped (once, as Django's templates would).
    return mark_safe(
        SCORE_BAR.format(
            text=f"{conditional_escape(label)}: {text}" if label else text,
            number=number,
            width=WIDTH,
            height=HEIGHT,
            bar_height=HEIGHT - 4,
            **bar_geometry(score),
        )
    )


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def evidence_counts(evidence):
    """ "Strong evidence · 3 claims, 1 contested": what a pair's aggregated evidence rests on."""
    parts = [f"{evidence.strength_label} evidence · {_plural(evidence.claim_count, 'claim')}"]
    if evidence.contested_count:
        parts.append(f", {evidence.contested_count} contested")
    if evidence.refuted_count:
        parts.append(f", {evidence.refuted_count} refuted")
    if not evidence.has_score:
        parts.append(": none counts")
    return format_html("<span>{}</span>", "".join(parts))


def compare_cell(cell, criterion_slug, framework_url):
    """The inside of one compare-table cell, built in Python: the table has hundreds. The same
    in every selection (comparisons.fragments caches it); the "leads" mark is the template's.
    `framework_url` is the cell's framework's page, where its strongest claim is. The texts are
    this module's words and numbers, except the claim's statement and the link, escaped here."""
    if not cell.has_evidence:
        if cell.refuted_count:
            text = f"No evidence that counts: {_plural(cell.refuted_count, 'refuted claim')}"
        else:
            text = "No evidence"
        return mark_safe(f'<span class="text-body-secondary">{text}</span>')
    counts = [_plural(cell.claim_count, "claim"), _plural(cell.citation_count, "citation")]
    if cell.contested_count:
        counts.append(f"{cell.contested_count} contested")
    if cell.refuted_count:
        counts.append(f"{cell.refuted_count} refuted")
    strength = cell.strength_label
    html = (
        f'<div class="d-flex flex-wrap align-items-center gap-1">{score_bar(cell.score)} '
        f'<span class="badge text-bg-light border strength strength-{strength}">{strength} '
        f'evidence</span></div><div class="small text-body-secondary">{" · ".join(counts)}</div>'
    )
    if cell.strongest:
        strongest = cell.strongest
        note = _plural(strongest.citation_count, "citation")
        if strongest.verdict == "contested":
            note += ", contested"
        link = escape(f"{framework_url}#criterion-{criterion_slug}")
        statement = escape(Truncator(strongest.statement).words(30))
        html += (
            f'<p class="small mb-0 mt-1 strongest-claim"><a href="{link}">{statement}</a> '
            f'<span class="text-body-secondary">({note})</span></p>'
        )
    return mark_safe(html)
