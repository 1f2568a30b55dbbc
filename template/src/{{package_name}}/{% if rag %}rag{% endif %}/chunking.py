"""Text -> chunks, each with the metadata a citation and a filter need.

LangChain's `RecursiveCharacterTextSplitter` splits on paragraphs, then lines, then
words, so chunks end at natural boundaries; `RAG_CHUNK_SIZE` and `RAG_CHUNK_OVERLAP`
(characters) tune it. Every chunk keeps its source path, its index, its start offset in
the text, the nearest Markdown heading above it (or the HTML/PDF title) and, for a PDF,
the page it starts on, so an answer can say where a passage came from and a search can
be filtered by any of them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .loaders import Document

HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Chunk:
    text: str
    #: `source`, `chunk`, `start`, optionally `heading`, `title`, `page`; values are str/int.
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return str(self.metadata["source"])


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
    )


def _headings(text: str) -> tuple[list[int], list[str]]:
    found = [(m.start(), m.group(1)) for m in HEADING.finditer(text)]
    return [start for start, _ in found], [title for _, title in found]


def split(document: Document, source: str, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Split one document; chunk indexes start at 0 and follow the text's order."""
    starts, titles = _headings(document.text)
    pieces = make_splitter(chunk_size, chunk_overlap).create_documents([document.text])
    chunks = []
    for index, piece in enumerate(pieces):
        start = int(piece.metadata["start_index"])
        metadata: dict[str, Any] = {"source": source, "chunk": index, "start": start}
        # The heading in force where the chunk starts, or the first one inside it.
        position = bisect.bisect_right(starts, start) - 1
        if position < 0 and starts and starts[0] < start + len(piece.page_content):
            position = 0
        if position >= 0:
            metadata["heading"] = titles[position]
        if document.title:
            metadata["title"] = document.title
        if document.pages:
            metadata["page"] = bisect.bisect_right(document.pages, start)
        chunks.append(Chunk(text=piece.page_content, metadata=metadata))
    return chunks
