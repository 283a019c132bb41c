"""Turning an uploaded or pasted copy of a source into the text a snapshot keeps.

Accepted: `.txt`, `.md`, `.rst` and `.html` (or `.htm`) files of at most MAX_BYTES, in UTF-8
(an HTML page may declare another encoding in its <meta charset>), or pasted text. Refused, with
a message that says why: other kinds of file, anything larger, binary data (NUL bytes or other
control characters), text that is not valid in its encoding, and copies without any text.

Line breaks are kept as LF. An HTML page is reduced to the text a reader sees with inscriptis
(https://github.com/weblyzard/inscriptis): it lays out block and inline elements as a browser
does (paragraphs, list items and table rows on lines of their own, inline markup joined into its
sentence, whitespace collapsed as HTML collapses it, scripts and styles dropped), which is what a
quote copied from the page, and a browser's text-fragment search, see.
"""

import codecs
import re
from pathlib import PurePosixPath

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from .models import SourceSnapshot

MAX_BYTES = 1_000_000
FORMATS = {
    ".txt": SourceSnapshot.Format.TEXT,
    ".md": SourceSnapshot.Format.MARKDOWN,
    ".markdown": SourceSnapshot.Format.MARKDOWN,
    ".rst": SourceSnapshot.Format.RESTRUCTUREDTEXT,
    ".html": SourceSnapshot.Format.HTML,
    ".htm": SourceSnapshot.Format.HTML,
}
# C0 controls other than tab, line feed, form feed and carriage return, and DEL: never in a text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)


class UnreadableCopy(ValueError):
    """A copy that cannot be a snapshot; the message says why, for the editor."""


def size_label(size):
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def format_of(name):
    """The snapshot format of a file, by the ending of its name (None: not accepted)."""
    return FORMATS.get(PurePosixPath(name.lower()).suffix)


def read_upload(uploaded):
    """(text, format) of an uploaded file, or UnreadableCopy."""
    name = uploaded.name or "the file"
    fmt = format_of(name)
    if fmt is None:
        raise UnreadableCopy(
            f"“{name}” is not a file a snapshot can be made of: upload a .txt, .md, .rst or "
            ".html file (a PDF or a word-processor file: save the page as HTML or text first)."
        )
    if uploaded.size > MAX_BYTES:
        raise UnreadableCopy(
            f"“{name}” is {size_label(uploaded.size)}; a snapshot can be at most "
            f"{size_label(MAX_BYTES)}. Upload only the page or the section that is quoted."
        )
    data = uploaded.read(MAX_BYTES + 1)
    text = decode(data, name, html=fmt == SourceSnapshot.Format.HTML)
    return text_of(text, fmt, name), fmt


def read_pasted(text, fmt):
    """The text of a pasted copy in format `fmt`, or UnreadableCopy."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise UnreadableCopy(
            f"The pasted text is {size_label(size)}; a snapshot can be at most "
            f"{size_label(MAX_BYTES)}. Paste only the page or the section that is quoted."
        )
    _refuse_binary(text, "The pasted text")
    return text_of(text, fmt, "The pasted text")


def decode(data, name, *, html=False):
    """`data` decoded: UTF-8 (a byte-order mark is dropped), or, for an HTML page, the encoding
    its <meta charset> declares."""
    if b"\x00" in data:
        raise UnreadableCopy(
            f"“{name}” is not a text file: it holds binary data (NUL bytes). Upload the page "
            "saved as text or HTML."
        )
    encoding = "utf-8-sig"
    declared = META_CHARSET.search(data[:4096]) if html else None
    if declared:
        try:
            encoding = codecs.lookup(declared[1].decode("ascii")).name
        except LookupError:
            raise UnreadableCopy(
                f"“{name}” declares an encoding this site does not know "
                f"({declared[1].decode('ascii', 'replace')}). Save it as UTF-8 and upload it again."
            ) from None
        if encoding == "utf-8":
            encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        label = "UTF-8" if encoding == "utf-8-sig" else encoding
        raise UnreadableCopy(
            f"“{name}” is not {label} text: byte {error.start + 1} (0x{data[error.start]:02x}) "
            f"cannot be read as {label}. Save the file as UTF-8 and upload it again."
        ) from None
    _refuse_binary(text, f"“{name}”")
    return text


def _refuse_binary(text, what):
    found = CONTROL.search(text)
    if found:
        raise UnreadableCopy(
            f"{what} is not plain text: it holds a control character "
            f"(U+{ord(found.group()):04X}) at character {found.start() + 1}."
        )


def text_of(text, fmt, what):
    """The snapshot text of a decoded copy: LF line breaks, an HTML page reduced to its text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == SourceSnapshot.Format.HTML:
        text = html_to_text(text)
    if not text.strip():
        raise UnreadableCopy(f"{what} has no text to check quotes against.")
    return text


def html_to_text(html):
    """The text a reader sees on an HTML page (inscriptis), without link addresses."""
    config = ParserConfig(display_links=False, display_anchors=False, display_images=False)
    text = get_text(html, config)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")
