"""Editor-entered text in a claim card (a Jinja2 template, config/jinja2.py) is escaped on every
page that shows cards, with the same entities as Django's templates."""

import pytest
from django.utils import timezone

from comparisons.models import Citation, Claim, Source, SourceSnapshot
from tests.factories import make_claim, make_criterion, make_framework, make_source

pytestmark = pytest.mark.django_db

MARKUP = "<script>alert(\"x\")</script> & 'quoted'"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;"


def typed(field):
    return f"{field}: {MARKUP}"


def escaped(field):
    return f"{field}: {ESCAPED}"


@pytest.fixture
def claim():
    framework = make_framework(name="Bolt")
    criterion = make_criterion(name="Speed")
    supporting = make_source(title=typed("title"), reliability=Source.Reliability.MODERATE)
    contradicting = make_source(reliability=Source.Reliability.MODERATE)
    claim = make_claim(framework, criterion, citations=False, statement=typed("statement"))
    claim.editor_note = typed("note")
    claim.save()
    snapshot = SourceSnapshot.objects.create(
        source=supporting, version="1.0", text=f"before {MARKUP} after"
    )
    Citation.objects.create(
        claim=claim,
        source=supporting,
        stance=Citation.Stance.SUPPORTS,
        excerpt=typed("excerpt"),
        location=typed("location"),
        verification=Citation.Verification.VERIFIED,
        checked_at=timezone.now(),
        checked_snapshot=snapshot,
        quote_prefix=typed("before"),
        quote_suffix=typed("after"),
    )
    Citation.objects.create(
        claim=claim, source=contradicting, stance=Citation.Stance.CONTRADICTS, excerpt="No."
    )
    return Claim.objects.get(pk=claim.pk)


def test_every_editor_text_in_a_card_is_escaped_wherever_cards_are_shown(client, claim):
    assert claim.verdict == "contested"  # so that the editor's note is shown
    pages = [
        claim.framework.get_absolute_url(),
        claim.criterion.get_absolute_url(),
        f"/claims/?framework={claim.framework.slug}",
    ]
    for page in pages:
        html = client.get(page).content.decode()
        card = html[html.index(f'id="claim-{claim.pk}"') :]
        card = card[: card.index("</article>")]
        assert "<script>" not in card, page
        for field in ("statement", "note", "title", "excerpt", "location", "before", "after"):
            assert escaped(field) in card, (page, field)
