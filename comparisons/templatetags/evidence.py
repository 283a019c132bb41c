"""Template helpers for showing evidence: the score bar and signed scores."""

from django import template

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


@register.inclusion_tag("comparisons/includes/score_bar.html")
def score_bar(score, label=""):
    """An inline SVG bar centred on 0 for a score from -2 to +2, with a text equivalent."""
    if score == "":  # a missing variable in the template: no evidence
        score = None
    context = {"score": score, "label": label, "width": WIDTH, "height": HEIGHT}
    if score is not None:
        context.update(bar_geometry(score))
        context["text"] = f"score {signed(score)} of ±{SCORE_MAX}"
    return context
