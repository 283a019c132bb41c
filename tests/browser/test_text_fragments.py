"""Each public citation's link opens the live source at the quoted passage, highlighted.

A local copy of a documentation page is served by the live test server (this module is also the
test's URLconf), uploaded as its source's snapshot the way an editor's file is read, and quoted
by two citations: a short quote with commas, dashes, an ampersand and non-ASCII letters, and a
long one whose first words occur earlier on the page too (so its link needs a prefix). Headless
Chromium opens the claim's public page, follows each citation's "Go to the quoted passage" link
and must highlight exactly that quote: the copy styles `::target-text` in a colour nothing else
on the page has, and the test compares the screenshot's pixels of that colour with the quote's
own boxes on the page (Range.getClientRects()).
"""

import base64
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.urls import include, path
from selenium.webdriver.common.by import By

from comparisons import source_text, verification
from comparisons.models import Citation, Claim, Criterion, Framework, Source, SourceSnapshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls(__name__),
]

HIGHLIGHT = (255, 0, 255)
SHORT_QUOTE = "Ñandú, café & crème brûlée – small, “explicit” and well-tested."
LONG_QUOTE = (
    "Flask is small, but it is not – as some say – a toy: its core stays minimal, while "
    "extensions add databases, forms and authentication, each chosen by the developer — not by "
    "the framework."
)
COPY = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Design Decisions in Flask</title>
<link rel="stylesheet" href="/_copies/copy.css"></head>
<body><main>
<h1>Design Decisions in Flask</h1>
<p id="decoy">Flask is small, but it is not what this page is about; that is another story.</p>
<div class="spacer"></div>
<p id="short">{SHORT_QUOTE.replace("&", "&amp;")}</p>
<div class="spacer"></div>
<p id="long">{LONG_QUOTE.replace("a toy", "a <em>toy</em>")}</p>
<div class="spacer"></div>
</main></body></html>
"""
COPY_CSS = f"""
body {{ font: 18px/1.5 sans-serif; margin: 2rem; color: #000; background: #fff; }}
.spacer {{ height: 1500px; }}
::target-text {{ background-color: rgb{HIGHLIGHT}; color: rgb{HIGHLIGHT}; }}
"""


def source_copy(request, name):
    """The local copy of the live page (and its stylesheet), as its site would serve it."""
    if name == "copy.css":
        return HttpResponse(COPY_CSS, content_type="text/css")
    return HttpResponse(COPY, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("_copies/<str:name>", source_copy),
    path("", include("config.urls")),
]

# The boxes of the text `quote` inside the element with id `element`, as the page lays it out.
QUOTE_RECTS = """
const [id, quote] = arguments;
const root = document.getElementById(id);
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
const nodes = [];
let text = "";
while (walker.nextNode()) {
  nodes.push([walker.currentNode, text.length]);
  text += walker.currentNode.data;
}
const start = text.indexOf(quote);
if (start < 0) return null;
const end = start + quote.length;
const range = document.createRange();
for (const [node, offset] of nodes) {
  const last = offset + node.data.length;
  if (offset <= start && start <= last) range.setStart(node, start - offset);
  if (offset <= end && end <= last) { range.setEnd(node, end - offset); break; }
}
return Array.from(range.getClientRects()).map(r => [r.left, r.top, r.right, r.bottom]);
"""


def decode_png(data):
    """(width, height, rows of RGB(A) bytes, bytes per pixel) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, width = 8, [], None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and not interlace, (depth, colour, interlace)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks.append(body)
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def highlighted_pixels(driver):
    """The (x, y) of every pixel of the viewport painted in the highlight colour."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    width, _, rows, bpp = decode_png(base64.b64decode(shot["data"]))
    colour = bytes(HIGHLIGHT)
    found = []
    for y, row in enumerate(rows):
        start = row.find(colour)
        while start != -1:
            if start % bpp == 0:
                found.append((start // bpp, y))
            start = row.find(colour, start + 1)
    return found


def wait_for_highlight(driver, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pixels = highlighted_pixels(driver)
        if pixels:
            return pixels
        time.sleep(0.2)
    return []


def inside(pixel, rects, margin=2):
    x, y = pixel
    return any(
        left - margin <= x <= right + margin and top - margin <= y <= bottom + margin
        for left, top, right, bottom in rects
    )


@pytest.fixture
def quoted_copy(live_server):
    """A published claim whose two citations quote the local copy, checked against it."""
    framework = Framework.objects.create(name="Flask", slug="flask")
    criterion = Criterion.objects.create(
        name="Flexibility", slug="flexibility", definition="d", category="capabilities"
    )
    source = Source.objects.create(
        title="Design Decisions in Flask (local copy)",
        url=f"{live_server.url}/_copies/design.html",
        kind=Source.Kind.DOCUMENTATION,
        reliability=Source.Reliability.AUTHORITATIVE,
    )
    claim = Claim.objects.create(
        framework=framework,
        criterion=criterion,
        statement="Flask leaves the choice of extensions to the developer.",
        score=2,
        status=Claim.Status.PUBLISHED,
    )
    for excerpt in (SHORT_QUOTE, LONG_QUOTE):
        Citation.objects.create(claim=claim, source=source, excerpt=excerpt, location="Design")
    text, fmt = source_text.read_upload(SimpleUploadedFile("design.html", COPY.encode()))
    SourceSnapshot.of_text(source, text, format=fmt, origin=source.url).save()
    verification.verify_source(source.pk)
    citations = {c.excerpt: c for c in claim.citations.all()}
    assert {c.verification for c in citations.values()} == {Citation.Verification.VERIFIED}
    prefix = (
        "text=%E2%80%9Cexplicit%E2%80%9D%20and%20well%2Dtested.-,Flask"  # its first words recur
    )
    assert citations[LONG_QUOTE].text_fragment.startswith(prefix)
    return framework


def test_each_quote_link_opens_its_source_with_exactly_that_passage_highlighted(
    open_browser, quoted_copy
):
    browser = open_browser("text-fragments")
    browser.open_public(quoted_copy.get_absolute_url())
    links = {}
    for item in browser.find_all("li.citation"):
        quote = item.find_element(By.CSS_SELECTOR, "blockquote").text
        links[quote] = item.find_element(By.CSS_SELECTOR, "a.citation-passage").get_attribute(
            "href"
        )
    assert set(links) == {SHORT_QUOTE, LONG_QUOTE}
    assert "#:~:text=%C3%91and%C3%BA%2C%20caf%C3%A9%20%26%20cr%C3%A8me" in links[SHORT_QUOTE]
    assert "%E2%80%93" in links[SHORT_QUOTE]  # the en dash, percent-encoded

    for quote, element in ((SHORT_QUOTE, "short"), (LONG_QUOTE, "long")):
        browser.driver.get(links[quote])
        browser.find("#long")
        pixels = wait_for_highlight(browser.driver)
        assert pixels, f"Chromium highlighted nothing for {links[quote]}"
        rects = browser.driver.execute_script(QUOTE_RECTS, element, quote)
        assert rects, f"the quote is not on the copy: {quote}"
        assert all(inside(pixel, rects) for pixel in pixels), (
            f"highlighted outside the quote {quote!r}: rects {rects}, e.g. "
            f"{[p for p in pixels if not inside(p, rects)][:5]}"
        )
        xs = [x for x, _ in pixels]
        ys = [y for _, y in pixels]
        left = min(r[0] for r in rects)
        right = max(r[2] for r in rects)
        top = min(r[1] for r in rects)
        bottom = max(r[3] for r in rects)
        assert abs(min(xs) - left) <= 3 and abs(max(xs) - right) <= 3, (xs[:3], rects)
        assert abs(min(ys) - top) <= 3 and abs(max(ys) - bottom) <= 3, (ys[:3], rects)
        decoy = browser.driver.execute_script(QUOTE_RECTS, "decoy", "Flask is small, but it")
        assert not any(inside(pixel, decoy, margin=0) for pixel in pixels)
