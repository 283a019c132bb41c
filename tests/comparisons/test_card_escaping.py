"""Editor-entered text in a claim card and the other parts of pages drawn by Jinja2 templates
(config/jinja2.py) is escaped on every page that shows them, with the same entities as Django's
templates."""

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


def test_names_in_the_jinja2_parts_of_pages_are_escaped(client, db):
    """The compare table's rows and the framework and criterion pages' evidence sections."""
    frameworks = [make_framework(name=typed(f"framework {n}")) for n in (1, 2)]
    criteria = [make_criterion(name=typed(f"criterion {n}")) for n in (1, 2)]
    for framework in frameworks:
        make_claim(framework, criteria[0])  # the second criterion has no evidence
    compared = ",".join(framework.slug for framework in frameworks)
    pages = {
        f"/compare/?frameworks={compared}": ["criterion 1", "criterion 2"],
        frameworks[0].get_absolute_url(): ["criterion 1", "criterion 2"],
        criteria[0].get_absolute_url(): ["framework 1", "framework 2"],
    }
    for page, fields in pages.items():
        html = client.get(page).content.decode()
        assert "<script>" not in html, page
        body = html[html.index("</h1>") :]
        for field in fields:
            assert escaped(field) in body, (page, field)
