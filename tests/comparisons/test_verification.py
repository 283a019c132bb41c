"""Sources anyone can check: snapshots, every quote verified against them, drift when they change.

Through the real admin and the real pages: an editor uploads a snapshot (and bad files are refused
with a message, nothing saved), types a quote that is not in the source (and is told), types one
that differs only in typography (verified after normalising, and told which); a new snapshot
without a quoted sentence puts the citation on the drift list and marks its claim; visitors see a
"quote verified" mark, the quote in context and a link to the passage; `verify_citations` sums it
all up. The matching, the text fragments and the reading of uploads are tested on their own first.
"""

import datetime
import io
import json
import re
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comparisons import quotes, source_text, text_fragments, verification
from comparisons.models import Citation, Claim, Source, SourceSnapshot
from tests.factories import make_claim, make_knowledge_base, make_source
from tests.robustness.conftest import as_post, read_form, with_value

pytestmark = pytest.mark.django_db

V = Citation.Verification

DOCS = """Design Decisions
================

Flask won't make many decisions for you, such as
what database to use. Those decisions that it does make, such as what
templating engine to use, are easy to change.

The "micro" in microframework means Flask aims to keep the
core simple but extensible — small, modular, and “explicit”.
"""
QUOTE = "Flask won't make many decisions for you, such as\nwhat database to use."
OTHER = 'The "micro" in microframework means Flask aims to keep the\ncore simple but extensible'


def snapshot_of(source, text, taken_on=datetime.date(2026, 1, 1), **fields):
    fields.setdefault("origin", "https://example.org/copy")
    snapshot = SourceSnapshot.of_text(source, text, taken_on=taken_on, **fields)
    snapshot.save()
    return snapshot


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def docs(db):
    """A published claim citing a source whose snapshot holds its quote."""
    source = make_source(title="Design Decisions in Flask", url="https://example.org/design/")
    snapshot_of(source, DOCS, version="Flask 3.1.3 documentation", format="rst")
    claim = make_claim(source=source, citations=False, statement="Flask leaves choices to you.")
    citation = Citation.objects.create(claim=claim, source=source, excerpt=QUOTE)
    verification.verify_source(source.pk)
    citation.refresh_from_db()
    return {"source": source, "claim": claim, "citation": citation}


# --- finding a quote ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("excerpt", "normalised"),
    [
        (QUOTE, ()),
        ("Flask won't make many decisions for you, such as what database to use.", ("whitespace",)),
        ("Flask won’t make many decisions for you, such as\nwhat database to use.", ("quotes",)),
        (
            "Flask  won’t make many\tdecisions for you, such as what database to use.",
            ("whitespace", "quotes"),
        ),
        ('extensible - small, modular, and "explicit"', ("quotes", "dashes")),
        ("Flask won't make many deci\u00adsions for you", ("soft_hyphens",)),
    ],
)
def test_a_quote_is_found_verbatim_or_after_normalising_and_says_which(excerpt, normalised):
    match = quotes.find(excerpt, DOCS)
    assert match is not None
    assert match.normalised == normalised
    assert match.verbatim == (not normalised)
    assert quotes.normalise(DOCS[match.start : match.end]).text.strip() == (
        quotes.normalise(excerpt).text.strip()
    )


@pytest.mark.parametrize(
    "excerpt",
    [
        "Flask won't make many choices for you, such as what database to use.",  # reworded
        "flask won't make many decisions for you",  # case is the source's
        "Flask won't make many decisions for you; such as",  # other punctuation
        "",
        "   \n ",
    ],
)
def test_a_reworded_quote_is_not_found(excerpt):
    assert quotes.find(excerpt, DOCS) is None


def test_the_context_is_the_words_just_before_and_after():
    match = quotes.find("Those decisions that it does make", DOCS)
    prefix, suffix = quotes.context(DOCS, match.start, match.end, words=3)
    assert prefix == "database to use. "
    assert suffix == ", such as"  # punctuation on its own counts as a word


def test_the_nearest_passage_of_a_changed_quote_and_its_diff():
    changed = DOCS.replace("many decisions", "a lot of decisions")
    start, end = quotes.nearest(QUOTE, changed)
    assert changed[start:end] == (
        "Flask won't make a lot of decisions for you, such as\nwhat database to use."
    )
    assert quotes.word_diff(QUOTE, changed[start:end]) == [
        ("equal", "Flask won't make"),
        ("delete", "many"),
        ("insert", "a lot of"),
        ("equal", "decisions for you, such as what database to use."),
    ]
    assert quotes.nearest("Nothing of the sort appears anywhere here", DOCS) is None


# --- text fragments ----------------------------------------------------------------------------


def test_terms_are_percent_encoded_as_the_specification_asks():
    assert text_fragments.encode_term("a-b, c & d") == "a%2Db%2C%20c%20%26%20d"
    assert text_fragments.encode_term("Ñandú – café") == "%C3%91and%C3%BA%20%E2%80%93%20caf%C3%A9"
    assert text_fragments.encode_term("it's (so) _fine_.~") == "it%27s%20%28so%29%20_fine_.~"


def directive_of(excerpt, text=DOCS, line_blocks=False):
    match = quotes.find(excerpt, text)
    return text_fragments.text_directive(text, match.start, match.end, line_blocks=line_blocks)


def terms(directive):
    return [unquote(term) for term in directive.removeprefix("text=").split(",")]


def test_a_short_quote_is_one_term_and_a_long_one_its_first_and_last_words():
    assert terms(directive_of("Those decisions that it does make")) == [
        "Those decisions that it does make"
    ]
    assert terms(directive_of(QUOTE)) == [
        "Flask won't make many decisions",
        "as what database to use.",
    ]


def test_a_term_that_occurs_twice_gets_the_words_around_it():
    text = "Pick what you need. Use it well.\n\nLater: pick what you need. Use it twice."
    directive = directive_of("Use it twice.", text, line_blocks=True)
    assert terms(directive) == ["Use it twice."]  # unique: no context
    directive = directive_of("pick what you need.", text, line_blocks=True)
    assert terms(directive) == ["Later:-", "pick what you need.", "-Use it twice."]


def test_markup_stays_out_of_the_terms():
    text = "The auth system consists of:\n\n* Users\n* ``Permissions``: Binary flags.\n"
    assert terms(directive_of(text.strip(), text)) == [
        "The auth system consists of:",
        "Binary flags.",
    ]
    text = 'Django is a "MTV" framework\n-- that is, "model", "template", and "view."'
    assert terms(directive_of(text, text)) == [
        'Django is a "MTV" framework',
        'is, "model", "template", and "view."',
    ]


def test_the_link_keeps_the_page_and_any_fragment_it_has():
    assert text_fragments.link("https://e.org/p", "text=a") == "https://e.org/p#:~:text=a"
    assert text_fragments.link("https://e.org/p#s", "text=a") == "https://e.org/p#s:~:text=a"
    assert text_fragments.link("https://e.org/p", "") == "https://e.org/p"
    assert text_fragments.link("", "text=a") == ""


# --- reading uploads ---------------------------------------------------------------------------


def upload(name, content, content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_html_page_is_kept_as_the_text_a_reader_sees():
    page = (
        b"<html><head><title>T</title><style>p{color:red}</style><script>var x = 1;</script>"
        b"</head><body><h1>Design</h1><p>Flask <b>won&rsquo;t</b> make many\n   decisions, "
        b'<a href="/x">see</a>.</p><ul><li>one</li><li>two</li></ul></body></html>'
    )
    text, fmt = source_text.read_upload(upload("page.html", page, "text/html"))
    assert fmt == SourceSnapshot.Format.HTML
    assert "Flask won’t make many decisions, see." in text
    assert "var x" not in text and "color:red" not in text and "<" not in text
    assert text.index("Design") < text.index("Flask") < text.index("one") < text.index("two")


def test_an_html_page_may_declare_its_encoding():
    page = '<meta charset="windows-1252"><p>Café – “quoted”</p>'.encode("cp1252")
    text, _ = source_text.read_upload(upload("page.htm", page, "text/html"))
    assert text == "Café – “quoted”"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("paper.pdf", b"%PDF-1.7 ...", "not a file a snapshot can be made of"),
        ("copy.txt", b"text\x00\x01\x02binary", "binary data"),
        ("copy.txt", b"Caf\xe9 au lait", "is not UTF-8 text: byte 4 (0xe9)"),
        ("copy.md", b"a\x07bell", "control character (U+0007)"),
        ("copy.rst", b"  \n\n  ", "has no text"),
        ("copy.txt", b"x" * (source_text.MAX_BYTES + 1), "a snapshot can be at most 1.0 MB"),
    ],
)
def test_unreadable_uploads_say_why(name, content, message):
    with pytest.raises(source_text.UnreadableCopy, match=re.escape(message)):
        source_text.read_upload(upload(name, content))


# --- snapshots in the admin --------------------------------------------------------------------


def add_snapshot(client, source, follow=False, **fields):
    data = {
        "source": source.pk,
        "taken_on": "2026-11-26",
        "version": "Flask 3.2.0 documentation",
        "origin": "https://example.org/design/ saved as HTML",
        "format": "",
        "pasted": "",
        **fields,
    }
    return client.post(admin_url(SourceSnapshot, "add"), data, follow=follow)


def test_an_editor_uploads_a_snapshot_and_its_quotes_are_checked(editor_client, editor):
    source = make_source(title="Design Decisions")
    claim = make_claim(source=source, citations=False)
    citation = Citation.objects.create(claim=claim, source=source, excerpt=QUOTE)
    page = f"<html><body><h1>Design</h1><pre>{DOCS}</pre></body></html>".encode()

    response = add_snapshot(editor_client, source, upload=upload("design.html", page, "text/html"))

    assert response.status_code == 302, response.content.decode()[:3000]
    snapshot = SourceSnapshot.objects.get(source=source)
    assert snapshot.format == SourceSnapshot.Format.HTML and snapshot.file_name == "design.html"
    assert snapshot.created_by == editor and snapshot.taken_on == datetime.date(2026, 11, 26)
    assert snapshot.content_hash == SourceSnapshot.hash_of(snapshot.text)
    assert "<pre>" not in snapshot.text and QUOTE in snapshot.text
    citation.refresh_from_db()
    assert (citation.verification, citation.checked_snapshot) == (V.VERIFIED, snapshot)
    assert citation.quote_prefix.endswith("Design Decisions\n================\n\n")
    assert citation.quote_suffix.startswith(" Those decisions")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("were checked: 1 verified" in m for m in messages), messages
    page = editor_client.get(admin_url(SourceSnapshot, "change", snapshot.pk)).content.decode()
    assert "1 verified" in page and snapshot.content_hash in page


def test_a_pasted_snapshot_is_saved_with_the_format_chosen(editor_client):
    source = make_source()
    response = add_snapshot(editor_client, source, pasted=DOCS.replace("\n", "\r\n"), format="rst")
    assert response.status_code == 302
    snapshot = SourceSnapshot.objects.get(source=source)
    assert snapshot.text == DOCS.rstrip("\n") or snapshot.text == DOCS
    assert "\r" not in snapshot.text and snapshot.format == "rst" and snapshot.file_name == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("shot.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a file a snapshot can be"),
        ("copy.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data (NUL bytes)"),
        ("copy.txt", "Café – “quoted”".encode("cp1252"), "is not UTF-8 text"),
        ("copy.html", "<p>Café</p>".encode("utf-16"), "binary data"),
        ("huge.txt", b"All work and no play. " * 100_000, "a snapshot can be at most 1.0 MB"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_and_saves_nothing(
    editor_client, docs, name, content, message
):
    before = list(Citation.objects.values_list("pk", "verification", "checked_snapshot"))
    count = SourceSnapshot.objects.count()
    response = add_snapshot(editor_client, docs["source"], upload=upload(name, content))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert "errorlist" in html
    assert SourceSnapshot.objects.count() == count
    assert list(Citation.objects.values_list("pk", "verification", "checked_snapshot")) == before


def test_a_snapshot_needs_a_copy_and_only_one(editor_client):
    source = make_source()
    response = add_snapshot(editor_client, source)
    assert "Upload a copy of the source, or paste its text." in response.content.decode()
    response = add_snapshot(editor_client, source, pasted="Text.", upload=upload("a.txt", b"A"))
    assert "Upload a file or paste the text, not both." in response.content.decode()
    assert not SourceSnapshot.objects.exists()


def test_nobody_edits_a_snapshot(admin_client, docs):
    snapshot = docs["source"].snapshots.get()
    url = admin_url(SourceSnapshot, "change", snapshot.pk)
    page = admin_client.get(url).content.decode()
    assert "Design Decisions" in page and 'name="pasted"' not in page
    assert admin_client.post(url, {"origin": "changed"}).status_code == 403


def test_the_source_page_lists_its_snapshots_and_links_to_add_one(editor_client, docs):
    source = docs["source"]
    page = editor_client.get(admin_url(Source, "change", source.pk)).content.decode()
    assert "the copy of 2026-01-01 (Flask 3.1.3 documentation)" in page
    assert f"{admin_url(SourceSnapshot, 'add')}?source={source.pk}" in page
    form = editor_client.get(f"{admin_url(SourceSnapshot, 'add')}?source={source.pk}")
    assert f'<option value="{source.pk}" selected>' in form.content.decode()


# --- quotes typed on the claim form ------------------------------------------------------------


def claim_form(client, claim):
    return read_form(client, admin_url(Claim, "change", claim.pk))


def test_an_editor_is_told_a_reworded_quote_is_not_in_the_source(editor_client, docs):
    claim, citation = docs["claim"], docs["citation"]
    reworded = "Flask won't make many choices for you, such as what database to use."
    data = with_value(claim_form(editor_client, claim), "citations-0-excerpt", reworded)

    response = editor_client.post(admin_url(Claim, "change", claim.pk), as_post(data))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This claim cannot be published: a quote from “Design Decisions in Flask” is not in" in (
        html
    )
    assert "This quote is not in Design Decisions in Flask’s current snapshot" in html
    citation.refresh_from_db()
    assert citation.excerpt == QUOTE and citation.verification == V.VERIFIED


def test_a_reworded_quote_may_stay_on_a_draft_and_the_editor_is_told(editor_client, docs):
    claim, citation = docs["claim"], docs["citation"]
    reworded = "Flask won't make many choices for you."
    data = with_value(claim_form(editor_client, claim), "citations-0-excerpt", reworded)
    data = with_value(data, "status", "draft")

    response = editor_client.post(admin_url(Claim, "change", claim.pk), as_post(data), follow=True)

    html = response.content.decode()
    assert "is not in “Design Decisions in Flask”’s current snapshot" in html.replace("&#x27;", "'")
    citation.refresh_from_db()
    assert (citation.excerpt, citation.verification) == (reworded, V.NOT_FOUND)
    assert citation.nearest_passage.startswith("Flask won't make many decisions for you")
    page = editor_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert "✗ Not found" in page and "<del>" in page
    assert "Support vanished" in page  # its one supporting quote is not in the source
    # Publishing it now is refused, with the same message.
    data = with_value(claim_form(editor_client, claim), "status", "published")
    response = editor_client.post(admin_url(Claim, "change", claim.pk), as_post(data))
    assert "This claim cannot be published" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT


def test_typography_differences_are_verified_after_normalising_and_say_which(editor_client, docs):
    claim, citation = docs["claim"], docs["citation"]
    typed = "Flask won’t make many decisions for you,\r\n such as what database to use."
    data = with_value(claim_form(editor_client, claim), "citations-0-excerpt", typed)

    response = editor_client.post(admin_url(Claim, "change", claim.pk), as_post(data), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "is verified after normalising whitespace and curly quotes" in html
    citation.refresh_from_db()
    assert citation.excerpt == typed.replace("\r\n", "\n")
    assert (citation.verification, citation.normalised) == (V.NORMALISED, "whitespace,quotes")
    assert citation.nearest_passage == QUOTE
    public = Claim.objects.get(pk=claim.pk)
    assert public.status == Claim.Status.PUBLISHED
    page = editor_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert "Verified after normalising whitespace and curly quotes" in page


def test_an_unchanged_quote_is_not_rechecked_and_browsers_line_breaks_change_nothing(
    editor_client, docs
):
    claim, citation = docs["claim"], docs["citation"]
    checked_at = citation.checked_at
    data = claim_form(editor_client, claim)
    data = [(n, v.replace("\n", "\r\n") if n.endswith("excerpt") else v) for n, v in data]
    assert (
        editor_client.post(admin_url(Claim, "change", claim.pk), as_post(data)).status_code == 302
    )
    citation.refresh_from_db()
    assert (citation.excerpt, citation.checked_at) == (QUOTE, checked_at)


def test_a_new_citation_is_checked_as_it_is_added(editor_client, docs):
    claim, source = docs["claim"], docs["source"]
    data = claim_form(editor_client, claim)
    data = [
        (n, v) for n, v in data if not n.startswith("citations-1-") and n != "citations-TOTAL_FORMS"
    ]
    data += [
        ("citations-TOTAL_FORMS", "2"),
        ("citations-1-source", str(source.pk)),
        ("citations-1-stance", "supports"),
        ("citations-1-excerpt", "Those decisions that it does make"),
        ("citations-1-location", "Design Decisions"),
    ]
    assert (
        editor_client.post(admin_url(Claim, "change", claim.pk), as_post(data)).status_code == 302
    )
    added = claim.citations.get(excerpt="Those decisions that it does make")
    assert added.verification == V.VERIFIED
    assert added.text_fragment == "text=Those%20decisions%20that%20it%20does%20make"


def test_a_citation_edited_on_its_own_page_keeps_its_claim_publishable(editor_client, docs):
    citation = docs["citation"]
    url = admin_url(Citation, "change", citation.pk)
    data = with_value(read_form(editor_client, url), "excerpt", "Not what it says at all.")
    response = editor_client.post(url, as_post(data))
    assert response.status_code == 200
    assert "This claim cannot be published" in response.content.decode()
    citation.refresh_from_db()
    assert citation.excerpt == QUOTE


# --- drift -------------------------------------------------------------------------------------


def test_a_new_snapshot_without_the_sentence_puts_it_on_the_drift_list_and_flags_the_claim(
    editor_client, client, docs, django_capture_on_commit_callbacks
):
    claim, citation, source = docs["claim"], docs["citation"], docs["source"]
    other = Citation.objects.create(
        claim=make_claim(source=source, citations=False), source=source, excerpt=OTHER
    )
    verification.verify_source(source.pk)
    newer = DOCS.replace(QUOTE, "Flask makes few decisions for you.").replace(
        "keep the\ncore", "keep the core"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = add_snapshot(editor_client, source, pasted=newer, format="rst", follow=True)

    html = response.content.decode()
    assert "2 quotes of “Design Decisions in Flask” no longer appear as quoted" in html
    citation.refresh_from_db()
    other.refresh_from_db()
    assert (citation.verification, citation.previous_verification) == (V.NOT_FOUND, V.VERIFIED)
    assert (other.verification, other.normalised) == (V.NORMALISED, "whitespace")
    assert set(Citation.objects.drifted()) == {citation, other}
    assert list(Claim.objects.with_vanished_support()) == [claim]

    drift = editor_client.get(reverse("admin:comparisons_citation_drift")).content.decode()
    assert f'id="drift-{citation.pk}"' in drift and f'id="drift-{other.pk}"' in drift
    assert "was in the copy of 2026-01-01 (Flask 3.1.3 documentation)" in drift
    assert "Support vanished" in drift
    assert (
        "<del>won&#x27;t make many decisions for you, such as what database to use.</del>"
        in (drift)
        or "<del>" in drift
    )
    assert "<ins>" in drift
    listed = editor_client.get(admin_url(Claim, "changelist"), {"quotes": "vanished"})
    assert claim.statement in listed.content.decode()
    filtered = editor_client.get(admin_url(Citation, "changelist"), {"drift": "yes"})
    assert filtered.context["cl"].result_count == 2

    page = client.get(claim.framework.get_absolute_url()).content.decode()
    assert "Under review: the passage this claim quotes as its support is no longer" in page
    assert "This quote is not in the latest copy of the source" in page


def test_verify_citations_summarises_and_fails_below_every_quote_verified(docs):
    out = io.StringIO()
    call_command("verify_citations", stdout=out)
    assert "Verified: 1 of 1 (100.0%)." in out.getvalue()

    snapshot_of(docs["source"], DOCS.replace(QUOTE, ""), taken_on=datetime.date(2026, 2, 1))
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"1 of 1 quotes are not verified \(0.0% verified\)"):
        call_command("verify_citations", "--source", str(docs["source"].pk), stdout=out)
    report = out.getvalue()
    assert "not found                          1" in report
    assert "Drift: 1 quote(s) the source no longer holds as quoted:" in report
    assert f"citation {docs['citation'].pk} of claim {docs['claim'].pk}" in report
    with pytest.raises(CommandError, match="There is no source 999999."):
        call_command("verify_citations", "--source", "999999", stdout=io.StringIO())


def test_removing_the_current_snapshot_rechecks_against_the_one_before(admin_client, docs):
    source, citation = docs["source"], docs["citation"]
    newer = snapshot_of(source, DOCS.replace(QUOTE, ""), taken_on=datetime.date(2026, 2, 1))
    citation.refresh_from_db()
    assert citation.verification == V.NOT_FOUND
    response = admin_client.post(admin_url(SourceSnapshot, "delete", newer.pk), {"post": "yes"})
    assert response.status_code == 302
    citation.refresh_from_db()
    assert citation.verification == V.VERIFIED and citation.previous_snapshot is None


# --- publishing ----------------------------------------------------------------------------


def test_the_publish_action_leaves_a_claim_with_a_missing_quote_in_draft(editor_client, docs):
    claim = docs["claim"]
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.DRAFT)
    Citation.objects.filter(pk=docs["citation"].pk).update(verification=V.NOT_FOUND)
    fine = make_claim(status=Claim.Status.DRAFT)
    response = editor_client.post(
        admin_url(Claim, "changelist"),
        {"action": "publish", "_selected_action": [claim.pk, fine.pk], "index": "0"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 claim published." in html
    assert "1 claim was not published: a quote is not in its source" in html
    claim.refresh_from_db()
    fine.refresh_from_db()
    assert (claim.status, fine.status) == (Claim.Status.DRAFT, Claim.Status.PUBLISHED)


# --- what visitors see ---------------------------------------------------------------------


def test_public_citations_show_the_mark_the_context_and_a_link_to_the_passage(client, docs):
    citation = docs["citation"]
    html = client.get(docs["claim"].framework.get_absolute_url()).content.decode()
    assert f"Quote verified on {citation.checked_at:%-d %B %Y}" in html
    assert "against the copy of 2026-01-01 (Flask 3.1.3 documentation)" in html
    assert '<details class="small mb-2 quote-context">' in html
    assert "<mark>Flask won&#x27;t make many decisions for you" in html
    href = re.search(r'class="citation-passage" href="([^"]+)"', html)[1]
    assert href == (
        "https://example.org/design/#:~:text=Flask%20won%27t%20make%20many%20decisions,"
        "as%20what%20database%20to%20use."
    )
    assert "<script" not in html.split("<footer")[0].split("</header>")[-1]


def test_a_citation_without_a_snapshot_still_links_to_its_passage(client):
    claim = make_claim()
    html = client.get(claim.framework.get_absolute_url()).content.decode()
    assert "#:~:text=A%20quoted%20passage." in html
    assert "Quote verified" not in html


def test_adding_a_snapshot_bumps_the_version_so_no_stale_mark_is_served(
    client, db, django_capture_on_commit_callbacks
):
    source = make_source()
    claim = make_claim(source=source, citations=False)
    Citation.objects.create(claim=claim, source=source, excerpt="It is quoted here.")
    url = claim.framework.get_absolute_url()
    assert "Quote verified" not in client.get(url).content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_of(source, "Intro. It is quoted here. The end.")
    assert "Quote verified" in client.get(url).content.decode()


def test_pages_with_marks_take_as_many_queries_as_without(client):
    kb = make_knowledge_base(frameworks=3, criteria=4, claims_per_pair=2)
    framework, criterion = kb["frameworks"][0], kb["criteria"][0]
    urls = [
        framework.get_absolute_url(),
        criterion.get_absolute_url(),
        reverse("comparisons:claim-list"),
        reverse("comparisons:claim-list") + "?format=json",
    ]

    def counts():
        found = []
        for url in urls:
            from comparisons import cache

            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            assert response.status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    for source in kb["sources"]:
        text = " ".join(f"Quote {n}." for n in range(100))
        snapshot_of(source, text)
    assert Citation.objects.filter(verification=V.VERIFIED).count() == Citation.objects.count()
    assert counts() == before
    assert "Quote verified" in client.get(framework.get_absolute_url()).content.decode()


# --- the starting content ----------------------------------------------------------------------


def test_the_starting_content_is_loaded_with_snapshots_and_every_quote_verified():
    call_command("load_starting_content", verbosity=0)
    from comparisons.management.commands.load_starting_content import saved_copies

    assert SourceSnapshot.objects.count() == len(list(saved_copies()))
    assert not Source.objects.filter(snapshots__isnull=True).exists()
    assert set(Citation.objects.values_list("verification", flat=True)) == {V.VERIFIED}
    licence = SourceSnapshot.objects.get(source_id=2)
    assert licence.version.startswith("Django 5.2.") and "Redistribution" in licence.text
    out = io.StringIO()
    call_command("verify_citations", stdout=out)
    assert "Verified: 738 of 738 (100.0%)." in out.getvalue() or "(100.0%)." in out.getvalue()
    json.dumps([c.text_fragment for c in Citation.objects.all()])  # all plain strings


def test_an_existing_knowledge_base_gets_the_snapshots_its_starting_sources_lack():
    call_command("loaddata", "starting_content", verbosity=0)
    moved = Source.objects.get(pk=3)
    moved.url = "https://example.org/elsewhere"
    moved.save()
    out = io.StringIO()
    call_command("load_starting_content", stdout=out)
    assert "nothing loaded" in out.getvalue() and "Added 28 snapshots" in out.getvalue()
    assert not SourceSnapshot.objects.filter(source_id=3).exists()
    call_command("load_starting_content", stdout=(again := io.StringIO()))
    assert "Added" not in again.getvalue()


# --- the claim form's live check, and the editors' pages' query budgets ----------------------


def test_the_claim_form_checks_a_quote_as_the_editor_types_it(editor_client, docs):
    url = reverse("admin:comparisons_citation_check_quote")
    source = docs["source"].pk
    answers = {
        QUOTE: V.VERIFIED,
        QUOTE.replace("\n", " ").replace("'", "’"): V.NORMALISED,
        "Flask makes every decision for you.": V.NOT_FOUND,
    }
    for excerpt, expected in answers.items():
        answer = editor_client.get(url, {"source": source, "excerpt": excerpt}).json()
        assert answer["verification"] == expected, answer
    answer = editor_client.get(url, {"source": source, "excerpt": QUOTE.replace("'", "’")})
    assert "once curly quotes are normalised" in answer.json()["message"]
    answer = editor_client.get(url, {"source": source, "excerpt": "Flask makes every choice."})
    assert "is not in the source's current snapshot: copy it verbatim" in answer.json()["message"]
    assert editor_client.get(url, {"source": "abc", "excerpt": "x"}).status_code == 400
    page = editor_client.get(admin_url(Claim, "change", docs["claim"].pk)).content.decode()
    assert "comparisons/admin/quote_check.js" in page


@pytest.mark.parametrize("page", ["snapshots", "drift", "citations", "claims"])
def test_the_editors_pages_take_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries, page
):
    urls = {
        "snapshots": admin_url(SourceSnapshot, "changelist"),
        "drift": reverse("admin:comparisons_citation_drift"),
        "citations": admin_url(Citation, "changelist"),
        "claims": admin_url(Claim, "changelist"),
    }

    def grow(n):
        kb = make_knowledge_base(frameworks=2, criteria=n, claims_per_pair=1)
        for source in kb["sources"]:
            snapshot_of(source, " ".join(f"Quote {i}." for i in range(200)))
            snapshot_of(source, "Nothing quoted.", taken_on=datetime.date(2026, 2, 1))

    grow(3)
    with django_assert_max_num_queries(14) as small:
        assert editor_client.get(urls[page]).status_code == 200
    grow(30)
    assert Citation.objects.drifted().count() > 100
    with django_assert_max_num_queries(len(small)):
        assert editor_client.get(urls[page]).status_code == 200
