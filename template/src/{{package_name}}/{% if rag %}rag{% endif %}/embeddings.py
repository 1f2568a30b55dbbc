"""Text -> vector: a lexical embedding that needs nothing, a local semantic model, or the
provider's (`EMBEDDING_PROVIDER`: `lexical`, `fastembed`, `provider`).

`HashingEmbeddings`, the lexical one, hashes words, word pairs and character n-grams into
a fixed number of dimensions (the "hashing trick") and L2-normalises the result. It needs
no model, no network and no state, gives the same vector for the same text in every
process, and still ranks "vector store" close to "vector stores": good enough for tests,
metrics that mean something offline, and small corpora. It matches words, not meanings:
"wifi" finds nothing about the "wireless network". For that, `fastembed` runs a small
semantic model on the CPU (rag/local_models.py) and `provider` calls the provider's
embedding model (rag/provider_embeddings.py).
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterable

import numpy as np
from langchain_core.embeddings import Embeddings

from ..settings import Settings

TOKEN = re.compile(r"\w+", re.UNICODE)
#: Words so common that they only add noise to a hashed vector or a BM25 score.
STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
        "has", "have", "how", "i", "in", "is", "it", "its", "of", "on", "or", "that", "the",
        "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why",
        "will", "with", "you", "your",
    }
)  # fmt: skip
CHAR_NGRAMS = (3, 4, 5)
#: Multiplier of the polynomial rolling hash over bytes (a large odd 32-bit constant).
_PRIME = np.uint64(0x01000193)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords; BM25 uses the same ones."""
    return [t for t in TOKEN.findall(text.lower()) if t not in STOPWORDS]


def _char_ngram_hashes(words: list[str]) -> np.ndarray:
    """Hashes of every character n-gram of " word word ", computed with numpy at once."""
    data = np.frombuffer(f" {' '.join(words)} ".encode(), dtype=np.uint8).astype(np.uint64)
    hashes = []
    for n in CHAR_NGRAMS:
        if len(data) < n:
            continue
        value = np.zeros(len(data) - n + 1, dtype=np.uint64)
        for offset in range(n):
            value = (value * _PRIME + data[offset : offset + len(value)]) & np.uint64(0xFFFFFFFF)
        hashes.append(value + np.uint64(n))
    return np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)


class HashingEmbeddings(Embeddings):
    """Deterministic hashed word + character n-gram embedding, L2-normalised."""

    def __init__(self, dimensions: int = 384, char_weight: float = 0.25, reason: str = "") -> None:
        self.dimensions = dimensions
        self.char_weight = char_weight
        self.name = f"hashing-{dimensions}"
        #: Why this runs where a semantic embedding was asked for (a missing key), if so.
        self.reason = reason

    def _vector(self, text: str) -> np.ndarray:
        words = tokenize(text)
        features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        word_hashes = np.fromiter(
            (zlib.crc32(f.encode()) for f in features), dtype=np.uint64, count=len(features)
        )
        vector = np.zeros(self.dimensions, dtype=np.float64)
        for hashes, weight in ((word_hashes, 1.0), (_char_ngram_hashes(words), self.char_weight)):
            # The hash's high bit picks a sign, so unrelated features cancel out on average.
            signs = np.where(hashes & np.uint64(0x80000000), -weight, weight)
            vector += np.bincount(
                (hashes % np.uint64(self.dimensions)).astype(np.intp),
                weights=signs,
                minlength=self.dimensions,
            )
        vector = np.sign(vector) * np.log1p(np.abs(vector))  # damp repeated words
        norm = np.linalg.norm(vector)
        return (vector / norm if norm else vector).astype(np.float32)

    def embed_array(self, texts: Iterable[str]) -> np.ndarray:
        """A (len(texts), dimensions) float32 matrix; what the stores use directly."""
        rows = [self._vector(t) for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dimensions), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text).tolist()


#: The names `EMBEDDING_PROVIDER` accepts for the hashing embedding (`local`, `fake`: older).
LEXICAL = frozenset({"lexical", "local", "fake"})


def build_embeddings(settings: Settings) -> Embeddings:
    """The embedding `EMBEDDING_PROVIDER` names: `lexical`, `fastembed` or `provider`.

    `LLM_PROVIDER=fake` means offline (tests, evals, demos), so it gets the lexical
    embedding whatever `EMBEDDING_PROVIDER` says: a `.env` set up for production can
    never make `make test` or `make eval` call the network or download a model.
    """
    if settings.llm_provider == "fake" or settings.embedding_provider in LEXICAL:
        return HashingEmbeddings()
    if settings.embedding_provider == "fastembed":
        from .local_models import DEFAULT_EMBEDDING_MODEL, FastEmbedEmbeddings

        model = settings.embedding_model or DEFAULT_EMBEDDING_MODEL
        return FastEmbedEmbeddings(model, settings.embedding_cache_dir)
    from .provider_embeddings import build_provider_embeddings, missing_key

    reason = missing_key(settings)  # e.g. VOYAGE_API_KEY unset: run lexical, and say why
    return HashingEmbeddings(reason=reason) if reason else build_provider_embeddings(settings)


def describe(embeddings: Embeddings) -> str:
    """One line for start-up and /health/ready: which embedding runs, and what it can match."""
    name = embedding_name(embeddings)
    if isinstance(embeddings, HashingEmbeddings):
        reason = getattr(embeddings, "reason", "")
        return f"{name} (lexical: matches words, not meanings{'; ' + reason if reason else ''})"
    return f"{name} (semantic)"


def normalize(matrix: np.ndarray) -> np.ndarray:
    """Unit-length rows, so a dot product is the cosine similarity (whatever the model)."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)


def embed(embeddings: Embeddings, texts: list[str], batch_size: int | None = None) -> np.ndarray:
    """Embed in batches (providers cap the request size) into one unit-row float32 matrix:
    the embedding's own `batch_size` when it has one (Voyage's: 128 texts), else 64."""
    embed_array = getattr(embeddings, "embed_array", None)  # the local ones batch themselves
    if embed_array is not None:
        return normalize(embed_array(texts))
    batch_size = batch_size or getattr(embeddings, "batch_size", None) or 64
    rows: list[list[float]] = []
    for start in range(0, len(texts), batch_size):
        rows += embeddings.embed_documents(texts[start : start + batch_size])
    return normalize(np.asarray(rows, dtype=np.float32).reshape(len(texts), -1))


def embed_query(embeddings: Embeddings, text: str) -> np.ndarray:
    return normalize(np.asarray(embeddings.embed_query(text), dtype=np.float32))


def embedding_name(embeddings: Embeddings) -> str:
    """What the store records, so vectors from different models are never mixed."""
    return str(getattr(embeddings, "name", None) or getattr(embeddings, "model", "unknown"))
