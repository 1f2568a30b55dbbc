"""File -> text (and a title): the formats ingest understands.

Plain text and Markdown are read as they are; HTML is reduced to its visible text with
the standard library's parser, keeping `<title>` as the document's title. A file that is
not valid UTF-8 (a binary, a mis-saved export) raises `UnreadableFileError` so that
ingest reports and skips it instead of indexing garbage.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})


class UnreadableFileError(ValueError):
    """The file cannot be turned into text; the message says why."""


@dataclass(frozen=True)
class Document:
    text: str
    title: str | None = None


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


def load(path: Path) -> Document:
    """Read one supported file; raise `UnreadableFileError` when it cannot be read."""
    try:
        raw = path.read_bytes()
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
