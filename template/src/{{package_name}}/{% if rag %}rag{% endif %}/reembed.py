"""Switch the embedding of a filled store: every chunk embedded again, nothing re-read.

A store refuses vectors of another embedding than the one it holds (mixing them would
rank nonsense). `app ingest --reembed` embeds the stored chunks' text with the embedding
the settings name now (EMBEDDING_PROVIDER, EMBEDDING_MODEL), builds the new vectors
beside the old ones and swaps them in one transaction at the end (each store's
`reembed`): the documents, their chunks and metadata stay as they are, the source files
need not exist any more (uploads), and a run killed half-way leaves the old index
searchable. The next `ingest` of an unchanged file indexes it once more, since its
recorded hash includes the embedding's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from ..settings import Settings
from .embeddings import embed, embedding_name
from .store import open_store


@dataclass(frozen=True)
class Reembedded:
    before: str  #: the embedding the store held, `name/dimensions`
    after: str  #: the one it holds now
    chunks: int  #: how many chunks were embedded again (0: it already held `after`)


def dimensions_of(embeddings: Embeddings) -> int:
    """The vectors' length: the embedding says, or one query embedded tells."""
    known = getattr(embeddings, "dimensions", None)
    return int(known or len(embeddings.embed_query("dimensions")))


def reembed(
    settings: Settings,
    embeddings: Embeddings,
    on_batch: Callable[[int], None] = lambda done: None,
) -> Reembedded:
    """Re-embed every chunk of the store `RAG_STORE` names with `embeddings`."""
    name, dimensions = embedding_name(embeddings), dimensions_of(embeddings)
    after = f"{name}/{dimensions}"
    store = open_store(settings, name, dimensions, as_recorded=True)
    try:
        before = store.recorded_embedding()
        if before == after:
            return Reembedded(before, after, 0)
        chunks = store.reembed(
            name, dimensions, lambda texts: embed(embeddings, texts), on_batch=on_batch
        )
        return Reembedded(before, after, chunks)
    finally:
        store.close()
