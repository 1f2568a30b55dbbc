"""How a file is split: each chunk's span, size and overlap, as rows or one HTML page.

Chunk size and overlap are easiest to tune by looking (as ChunkViz shows): chunks that
cut a sentence in half, overlaps that repeat a whole paragraph, a heading cut off from
its text. `spans` measures the chunks `chunking.split` makes; `to_html` paints them on
the document's own text, one colour per chunk and a hatched band where two overlap. The
page is static and self-contained (no script, no external file), and every piece of the
document is HTML-escaped, so viewing an untrusted file is safe.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..wording import plural
from .chunking import Chunk

#: Background colours, cycled over chunks; light enough to read black text on.
COLOURS = ("#cfe8ff", "#ffe0b3", "#d4f5d4", "#f3d1f4", "#fff3a6", "#d9d9ff")


@dataclass(frozen=True)
class ChunkSpan:
    index: int
    start: int
    end: int
    #: Characters this chunk shares with the next one (0 for the last, or with a gap).
    overlap_next: int
    metadata: dict[str, Any]

    @property
    def size(self) -> int:
        return self.end - self.start


def spans(chunks: Sequence[Chunk]) -> list[ChunkSpan]:
    """Where each chunk lies in the text, from the `start` offset chunking records."""
    bounds = [(int(c.metadata["start"]), int(c.metadata["start"]) + len(c.text)) for c in chunks]
    result = []
    for index, (chunk, (start, end)) in enumerate(zip(chunks, bounds, strict=True)):
        overlap = max(0, end - bounds[index + 1][0]) if index + 1 < len(bounds) else 0
        result.append(ChunkSpan(index, start, end, overlap, dict(chunk.metadata)))
    return result


def describe(span: ChunkSpan) -> dict[str, Any]:
    """The metadata worth showing: what `split` adds beyond the position itself."""
    return {k: v for k, v in span.metadata.items() if k not in {"source", "chunk", "start"}}


def _segments(text: str, found: list[ChunkSpan]) -> list[tuple[int, int, list[int]]]:
    """The text cut at every chunk boundary: (start, end, indexes of the chunks over it).

    One sweep in text order, keeping only the chunks still open (two or three where
    chunks overlap). Testing every chunk against every piece grew with the square of
    the chunk count: 0.26 s for 2,500 chunks (a 2 MB text), 6 ms this way.
    """
    cuts = sorted({0, len(text), *(s.start for s in found), *(s.end for s in found)})
    by_start = sorted(found, key=lambda s: s.start)
    next_chunk = 0
    open_chunks: list[ChunkSpan] = []
    result = []
    for a, b in itertools.pairwise(cuts):
        while next_chunk < len(by_start) and by_start[next_chunk].start <= a:
            open_chunks.append(by_start[next_chunk])
            next_chunk += 1
        # Every chunk end is a cut, so a chunk still open past `a` covers all of a..b.
        open_chunks = [s for s in open_chunks if s.end > a]
        result.append((a, b, sorted(s.index for s in open_chunks)))
    return result


def _mark(text: str, owners: list[int]) -> str:
    body = html.escape(text)
    if not owners:
        return f'<span class="gap" title="in no chunk">{body}</span>'
    colour = COLOURS[owners[0] % len(COLOURS)]
    if len(owners) == 1:
        return f'<span style="background:{colour}" title="chunk {owners[0]}">{body}</span>'
    label = "overlap of chunks " + " and ".join(map(str, owners))
    return f'<span class="overlap" title="{label}">{body}</span>'


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Chunks of {source}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; }}
pre {{ white-space: pre-wrap; font: 14px/1.6 ui-monospace, monospace; }}
.overlap {{ background: repeating-linear-gradient(45deg, #ffb3b3 0 4px, #ffd9d9 4px 8px); }}
.gap {{ color: #999; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 2px 8px; }}
td:nth-child(-n+4) {{ text-align: right; }}
</style></head><body>
<h1>{source}</h1>
<p>{summary}</p>
<p>Each colour is one chunk; <span class="overlap">hatched</span> text is in two chunks
(the overlap); <span class="gap">grey</span> text is in none (whitespace the splitter
dropped).</p>
<pre>{marked}</pre>
<h2>Chunks</h2>
<table><tr><th>#</th><th>start</th><th>size</th><th>overlap with next</th><th>metadata</th></tr>
{rows}
</table>
</body></html>
"""


def summary(found: list[ChunkSpan], chunk_size: int, chunk_overlap: int) -> str:
    sizes = [s.size for s in found] or [0]
    return (
        f"{plural(len(found), 'chunk')}; size {min(sizes)}-{max(sizes)} characters "
        f"(RAG_CHUNK_SIZE={chunk_size}, RAG_CHUNK_OVERLAP={chunk_overlap})"
    )


def to_html(
    text: str, chunks: Sequence[Chunk], source: str, chunk_size: int, chunk_overlap: int
) -> str:
    """One static page: the whole text with its chunks and overlaps painted, then a table."""
    found = spans(chunks)
    marked = "".join(_mark(text[a:b], owners) for a, b, owners in _segments(text, found))
    rows = "\n".join(
        f"<tr><td>{s.index}</td><td>{s.start}</td><td>{s.size}</td><td>{s.overlap_next}</td>"
        f"<td>{html.escape(json.dumps(describe(s), ensure_ascii=False))}</td></tr>"
        for s in found
    )
    return PAGE.format(
        source=html.escape(source),
        summary=html.escape(summary(found, chunk_size, chunk_overlap)),
        marked=marked,
        rows=rows,
    )
