"""File -> text (and a title): the formats ingest understands.

Plain text and Markdown are read as they are; HTML is reduced to its visible text with
the standard library's parser, keeping `<title>` as the document's title; PDF pages are
extracted with `pypdf` (pure Python, so it installs everywhere), keeping where each page
starts so a chunk can cite its page. A file that is not valid UTF-8 (a binary, a
mis-saved export), a corrupt or encrypted PDF, or a PDF without a text layer (a scan)
raises `UnreadableFileError` so that ingest reports and skips it instead of indexing
garbage.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf"})


class UnreadableFileError(ValueError):
    """The file cannot be turned into text; the message says why."""


@dataclass(frozen=True)
class Document:
    text: str
    title: str | None = None
    #: Offset in `text` where each page starts (PDF only): page n starts at `pages[n - 1]`.
    pages: tuple[int, ...] = ()


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page, one block element per line; scripts dropped."""

    SKIP = frozenset({"script", "style", "noscript", "template"})
    BLOCKS = frozenset({"p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title: str | None = None
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack.append(tag)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            del self._stack[len(self._stack) - 1 - self._stack[::-1].index(tag) :]
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] == "title":
            self.title = data.strip() or None
        elif not self.SKIP.intersection(self._stack):
            self.parts.append(data)


def html_to_document(html: str) -> Document:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return Document(text="\n".join(line for line in lines if line), title=parser.title)


def pdf_to_document(raw: bytes) -> Document:
    """The text of every page, pages separated by a blank line, and the PDF's title."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns on every quirk it repairs
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise UnreadableFileError("encrypted PDF: decrypt it first")
        texts = [(page.extract_text() or "").strip() for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except UnreadableFileError:
        raise
    except Exception as error:  # pypdf parses untrusted bytes: any failure means corrupt
        reason = f"{type(error).__name__}: {error}"
        raise UnreadableFileError(f"not a readable PDF ({reason})") from error
    if not any(texts):
        raise UnreadableFileError("the PDF has no text layer (a scan? run OCR first)")
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 2
    title = str(title or "").strip() or None
    return Document(text="\n\n".join(texts), title=title, pages=tuple(starts))


def load(path: Path) -> Document:
    """Read one supported file; raise `UnreadableFileError` when it cannot be read."""
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".pdf":
            return pdf_to_document(raw)
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except OSError as error:
        raise UnreadableFileError(error.strerror or str(error)) from error
    if "\x00" in text:
        raise UnreadableFileError("contains NUL bytes: a binary file, not text")
    if path.suffix.lower() in {".html", ".htm"}:
        return html_to_document(text)
    return Document(text=text)
