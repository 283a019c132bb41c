"""Finding a quote in a source's text: verbatim, after normalising typography, or not at all.

A citation's excerpt is looked for in the text of its source's current snapshot:

- *verbatim*: it occurs as it is, character for character;
- *after normalising*: it occurs once both texts are normalised, and the result names the kinds
  of normalising that were needed (those without which it would not be found):

  ===============  ==========================================================================
  whitespace       every run of spaces, tabs, line breaks and Unicode spaces (no-break, thin,
                   ideographic…) is one space, and the quote's own ends are trimmed
  curly quotes     ‘ ’ ‚ ‛ ′ are ' and “ ” „ ‟ ″ are "
  dashes           every run of hyphens, non-breaking hyphens, figure, en and em dashes, minus
                   signs and ASCII "-" is one "-" (so reStructuredText's "--" matches "–")
  soft hyphens     soft hyphens (U+00AD) and zero-width spaces and joiners are dropped
  ===============  ==========================================================================

- or not found. Nothing else is ever changed: letters, case, digits and every other mark must be
  the source's, so a reworded quote is not found. For one that is not, `nearest()` finds the
  passage of the text most like it (for the editors' diff), and `word_diff()` compares the two.

Standard library only, and plain strings in and out: comparisons.verification applies it to the
database.
"""

import difflib
import re
from array import array
from collections import Counter
from dataclasses import dataclass

WHITESPACE, QUOTES, DASHES, SOFT_HYPHENS = "whitespace", "quotes", "dashes", "soft_hyphens"
KINDS = (WHITESPACE, QUOTES, DASHES, SOFT_HYPHENS)
NORMALISATION_LABELS = {
    WHITESPACE: "whitespace",
    QUOTES: "curly quotes",
    DASHES: "dashes",
    SOFT_HYPHENS: "soft hyphens",
}

QUOTE_MARKS = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u201b": "'",  # ‛
    "\u2032": "'",  # ′
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u201f": '"',  # ‟
    "\u2033": '"',  # ″
}
DASH_MARKS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")

# The words of context kept on each side of a quote (a TextQuoteSelector's prefix and suffix).
CONTEXT_WORDS = 8
CONTEXT_CHARS = 160


@dataclass(frozen=True)
class Normalised:
    """A text after normalising: `text`, and for each of its characters the span of the
    original it stands for (original[starts[i]:ends[i]])."""

    text: str
    starts: array
    ends: array

    def span(self, start, end):
        """The original span of normalised text[start:end] (end > start)."""
        return self.starts[start], self.ends[end - 1]


def normalise(text, kinds=KINDS):
    """`text` normalised for `kinds` (see the module docstring), with its map to the original."""
    spaces, quotes = WHITESPACE in kinds, QUOTES in kinds
    dashes, invisible = DASHES in kinds, SOFT_HYPHENS in kinds
    out, starts, ends = [], array("L"), array("L")
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if invisible and ch in INVISIBLE:
            i += 1
            continue
        j = i + 1
        if spaces and ch.isspace():
            while j < n and (text[j].isspace() or (invisible and text[j] in INVISIBLE)):
                j += 1
            ch = " "
        elif dashes and ch in DASH_MARKS:
            while j < n and (text[j] in DASH_MARKS or (invisible and text[j] in INVISIBLE)):
                j += 1
            ch = "-"
        elif quotes and ch in QUOTE_MARKS:
            ch = QUOTE_MARKS[ch]
        out.append(ch)
        starts.append(i)
        ends.append(j)
        i = j
    return Normalised("".join(out), starts, ends)


def _needle(excerpt, kinds=KINDS):
    normalised = normalise(excerpt, kinds).text
    return normalised.strip(" ") if WHITESPACE in kinds else normalised


@dataclass(frozen=True)
class Match:
    """Where a quote is in a text: text[start:end], and what was normalised to find it."""

    start: int
    end: int
    normalised: tuple = ()  # kinds, in KINDS order; empty when verbatim

    @property
    def verbatim(self):
        return not self.normalised


def find(excerpt, text, normalised_text=None):
    """The first Match of `excerpt` in `text`, verbatim if it is there, else after normalising
    both; None if it is not there at all (or is empty). `normalised_text` is normalise(text),
    when the caller has it already (one source, many quotes)."""
    if not excerpt.strip():
        return None
    position = text.find(excerpt)
    if position != -1:
        return Match(position, position + len(excerpt))
    needle = _needle(excerpt)
    if not needle:
        return None
    haystack = normalised_text or normalise(text)
    position = haystack.text.find(needle)
    if position == -1:
        return None
    start, end = haystack.span(position, position + len(needle))
    return Match(start, end, needed_normalisations(excerpt, text[start:end]))


def needed_normalisations(excerpt, passage):
    """The kinds of normalising without which `excerpt` does not match `passage`."""
    needed = []
    for kind in KINDS:
        others = tuple(k for k in KINDS if k != kind)
        if _needle(excerpt, others) != _needle(passage, others):
            needed.append(kind)
    return tuple(needed) or (WHITESPACE,)  # only the quote's own ends differed


def context(text, start, end, words=CONTEXT_WORDS, limit=CONTEXT_CHARS):
    """(prefix, suffix): up to `words` words of `text` just before `start` and just after
    `end`, at most `limit` characters each, cut at a word boundary."""
    before = text[max(0, start - limit) : start]
    if start > limit:  # the first word may be cut: drop it
        before = before[next((i for i, ch in enumerate(before) if ch.isspace()), 0) :]
    after = text[end : end + limit]
    if end + limit < len(text):
        cut = max((i for i, ch in enumerate(after) if ch.isspace()), default=len(after))
        after = after[:cut]
    return _last_words(before, words), _first_words(after, words)


def _first_words(text, n):
    found = list(re.finditer(r"\S+", text))
    return text[: found[n - 1].end()] if len(found) >= n else text.rstrip()


def _last_words(text, n):
    found = list(re.finditer(r"\S+", text))
    return text[found[-n].start() :] if len(found) >= n else text.lstrip()


# --- the closest passage, for a quote that is not found -----------------------------------

WORD = re.compile(r"\w+")
# Below this share of the quote's words in the same order, nothing in the text is "like" it.
NEAREST_MIN_SHARE = 0.3
# How far (in words) a passage may drift from the quote's word order and still vote as one.
NEAREST_SLACK = 4


@dataclass(frozen=True)
class WordIndex:
    """A text's words: their spans, case-folded, and where each one occurs."""

    spans: list
    folded: list
    where: dict

    @classmethod
    def of(cls, text):
        spans, folded, where = [], [], {}
        for i, m in enumerate(WORD.finditer(text)):
            spans.append(m.span())
            word = m.group().casefold()
            folded.append(word)
            where.setdefault(word, []).append(i)
        return cls(spans, folded, where)


def nearest(excerpt, text, index=None):
    """(start, end) of the passage of `text` most like `excerpt`, word for word (ignoring case),
    or None when nothing is. Each word of the quote found in the text votes for where the
    passage would start; the most voted start, give or take a few words, wins. `index` is
    WordIndex.of(text), when the caller has it already."""
    quote = [m.group().casefold() for m in WORD.finditer(excerpt)]
    if not quote:
        return None
    index = index or WordIndex.of(text)
    words, folded, where = index.spans, index.folded, index.where
    votes = Counter()
    for offset, word in enumerate(quote):
        for position in where.get(word, ()):
            votes[position - offset] += 1
    if not votes:
        return None
    # A start's votes with those of the starts a few words after it (words inserted or dropped
    # shift the rest of the quote); the earliest such start, since the match is trimmed below.
    window = {
        start: sum(votes.get(start + d, 0) for d in range(NEAREST_SLACK + 1)) for start in votes
    }
    best = max(window, key=lambda start: (window[start], votes[start], -start))
    if window[best] < NEAREST_MIN_SHARE * len(quote):
        return None
    first = max(0, best)
    last = min(len(words), best + len(quote) + 2 * NEAREST_SLACK) - 1
    matcher = difflib.SequenceMatcher(None, quote, folded[first : last + 1], autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    last = first + blocks[-1].b + blocks[-1].size - 1
    first += blocks[0].b
    return words[first][0], _sentence_end(text, words[last][1])


def _sentence_end(text, end):
    """`end` moved past the punctuation and closing quotes that end its word."""
    while end < len(text) and not text[end].isspace() and not text[end].isalnum():
        end += 1
    return end


def word_diff(old, new):
    """[(kind, text)] from `old` to `new`, word by word: kind is "equal", "delete" or
    "insert" (a replacement is a deletion, then an insertion). Whitespace is one space."""
    a, b = old.split(), new.split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("equal", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(("insert", " ".join(b[j1:j2])))
    return parts
