"""Links to the quoted passage of a live page: URL text fragments (`#:~:text=`).

The WICG Text Fragments specification (https://wicg.github.io/scroll-to-text-fragment/) lets a URL
name a passage of the page: `#:~:text=[prefix-,]start[,end][,-suffix]`. A browser that supports it
(Chromium, Safari, Firefox) scrolls to the first passage that begins with `start` and, if given,
ends with the first `end` after it, with `prefix` just before and `suffix` just after (only
whitespace between), and highlights it. How we write one:

- Each term is whole words, percent-encoded: UTF-8 bytes of everything but ASCII letters, digits
  and `_ . ~`, so always `-`, `,` and `&` (the directive's own syntax), spaces and non-ASCII.
- A browser matches each term within one block of the page (a paragraph, a list item), ignoring
  case, accents and the kind of quote marks. A short quote (up to EXACT_WORDS words in one block)
  is one term; a longer one, or one that spans blocks, is `start,end`: its first and last
  TERM_WORDS words.
- Terms are made of words a page shows as they are written in the snapshot, so that they match
  the rendered page: words with reStructuredText or Markdown markup (``code``, *emphasis*,
  :ref:`…`, `link`_, "--") are left out of terms, which then start or end next to them.
- `prefix-` and `-suffix` (up to CONTEXT_WORDS words each) are added only when a term occurs
  more than once in the snapshot, so that the link still finds the right one; they are left out
  otherwise, since every added word is one more that the live page could have changed.

Standard library only.
"""

import re
import unicodedata
from urllib.parse import quote

EXACT_WORDS = 10
TERM_WORDS = 5
CONTEXT_WORDS = 3
MAX_TERM_CHARS = 120

WORD = re.compile(r"\S+")
LIST_MARKER = re.compile(r"(?:[-*+•]|\d+[.)]|#\.)")
MARKUP = re.compile(r"[`*|<>\[\]{}\\]|--|^_|_$|^:[\w-]+:")
# A "word" of markup alone: a heading's underline, a bullet, an enumerator, a directive's "..".
MARKUP_ONLY = re.compile(r"[-=~^*#+_|:.`'\"]+|#\.|\d+[.)]")


def encode_term(term):
    """A text directive term, percent-encoded as the specification asks."""
    return quote(term, safe="").replace("-", "%2D")


def is_clean(word):
    """Whether a page shows `word` as the snapshot writes it: no markup in it, and not markup
    alone (punctuation such as "–" or "&" is shown as it is)."""
    return not MARKUP.search(word) and not MARKUP_ONLY.fullmatch(word)


def _words(text, start, end):
    """[(start, end)] of the words of text[start:end]."""
    return [m.span() for m in WORD.finditer(text, start, end)]


def _breaks_block(text, left_end, right_start, line_blocks):
    """Whether the whitespace between two words separates blocks of the rendered page."""
    gap = text[left_end:right_start]
    if "\n" not in gap:
        return False
    if line_blocks or gap.count("\n") >= 2:
        return True
    return bool(LIST_MARKER.fullmatch(text[right_start:].split(None, 1)[0]))


def _blocks(text, spans, line_blocks):
    """The word spans grouped by the block they are in."""
    blocks = []
    for span in spans:
        if blocks and not _breaks_block(text, blocks[-1][-1][1], span[0], line_blocks):
            blocks[-1].append(span)
        else:
            blocks.append([span])
    return blocks


def _clean_run(text, spans, limit, from_end=False):
    """The first (or last) run of up to `limit` clean words of `spans`, as spans."""
    ordered = reversed(spans) if from_end else spans
    run = []
    for span in ordered:
        if is_clean(text[span[0] : span[1]]):
            run.append(span)
            if len(run) == limit:
                break
        elif run:
            break
    if from_end:
        run.reverse()
    return run


def _term(text, spans):
    term = " ".join(text[s:e] for s, e in spans)
    return term[:MAX_TERM_CHARS].rsplit(" ", 1)[0] if len(term) > MAX_TERM_CHARS else term


def fold(text):
    """Text as a browser compares it: no case, no accents, straight quotes, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.translate(str.maketrans("‘’‚‛“”„‟", "''''\"\"\"\""))
    return " ".join(plain.split())


def _occurrences(folded_text, term):
    """How many times `term` occurs in `folded_text` (fold()ed) as whole words."""
    needle = fold(term)
    pattern = r"(?<!\w)" + re.escape(needle) + r"(?!\w)"
    return len(re.findall(pattern, folded_text))


def text_directive(text, start, end, *, line_blocks=True, folded_text=None):
    """The text directive (`text=…`) of the passage text[start:end], or "" when it has no word
    a page would show as written. `line_blocks`: every line break starts a block (plain text,
    and HTML reduced to text); otherwise only blank lines and list items do (reStructuredText,
    Markdown). `folded_text`: fold(text), when the caller has it already."""
    spans = _words(text, start, end)
    blocks = [
        block
        for block in _blocks(text, spans, line_blocks)
        if any(is_clean(text[s:e]) for s, e in block)
    ]
    if not blocks:
        return ""
    first, last = blocks[0], blocks[-1]
    single = len(blocks) == 1 and len(first) <= EXACT_WORDS
    if single:
        start_run = _clean_run(text, first, EXACT_WORDS)
        single = len(start_run) == len(first)  # all of it is clean: the whole quote, one term
    if single:
        end_run = []
    else:
        start_run = _clean_run(text, first, TERM_WORDS)
        end_run = _clean_run(text, last, TERM_WORDS, from_end=True)
        if end_run and end_run[0][0] <= start_run[-1][0]:  # they overlap: one term is enough
            end_run = []
    terms = [_term(text, start_run)] + ([_term(text, end_run)] if end_run else [])

    folded = fold(text) if folded_text is None else folded_text
    ambiguous = [_occurrences(folded, term) > 1 for term in terms]
    prefix = suffix = ""
    if ambiguous[0]:
        prefix = _context(text, start_run[0][0], before=True, line_blocks=line_blocks)
    if ambiguous[-1]:
        suffix = _context(
            text, (end_run or start_run)[-1][1], before=False, line_blocks=line_blocks
        )
    parts = [encode_term(term) for term in terms]
    if prefix:
        parts.insert(0, encode_term(prefix) + "-")
    if suffix:
        parts.append("-" + encode_term(suffix))
    return "text=" + ",".join(parts)


def _context(text, position, *, before, line_blocks):
    """Up to CONTEXT_WORDS clean words of one block just before (or after) `position`."""
    if before:
        spans = _words(text, max(0, position - 300), position)
        if spans and spans[-1][1] != position and not text[spans[-1][1] : position].isspace():
            return ""
        spans = _blocks(text, spans, line_blocks)[-1] if spans else []
        run = _clean_run(text, spans, CONTEXT_WORDS, from_end=True)
        return _term(text, run) if run and run[-1] == spans[-1] else ""
    spans = _words(text, position, min(len(text), position + 300))
    spans = _blocks(text, spans, line_blocks)[0] if spans else []
    run = _clean_run(text, spans, CONTEXT_WORDS)
    return _term(text, run) if run and run[0] == spans[0] else ""


def text_directive_for_excerpt(excerpt):
    """The text directive of a quote on its own (its source has no snapshot to check against)."""
    return text_directive(excerpt, 0, len(excerpt), line_blocks=True)


def link(url, directive):
    """`url` with the text directive, after any fragment it has (`#frag:~:text=…`)."""
    if not url or not directive:
        return url
    if ":~:" in url:
        return f"{url}&{directive}"
    return f"{url}{'#' if '#' not in url else ''}:~:{directive}"
