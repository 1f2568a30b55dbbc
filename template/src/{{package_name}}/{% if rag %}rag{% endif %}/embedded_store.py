"""The embedded store: one SQLite file for durability and keywords, numpy for vectors.

Why not a vector database: SQLite ships with every CPython, needs no server and no
loadable extension (some builds cannot load one), and keeps each file's chunks in one
transaction. Vector search is exact cosine similarity, one matrix-vector product over
all chunks: recall is 1.0 by construction, and 100k x 384 floats take ~10-20 ms (memory
bandwidth bound), which an approximate index only needs to beat at millions of chunks.
Keyword search is SQLite's built-in FTS5 full-text index ranked by BM25, kept in step
with the chunks by triggers; query words found in more than half the chunks are left
out, since BM25 gives them no weight (FTS5 floors their IDF at ~0) but scoring them
means reading most of the index (5x faster at 100k chunks, same top results). Only ids
and vectors live in memory; they are (re)loaded on the first search after a write.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..settings import Settings
from .chunking import Chunk
from .embeddings import tokenize
from .store import EmbeddingMismatchError, Filter, Hit, informative

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources (source) ON DELETE CASCADE,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks (source);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (
    text, content = 'chunks', content_rowid = 'id'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab (chunks_fts, 'row');
CREATE TRIGGER IF NOT EXISTS chunks_added AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_deleted AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""
KEY = re.compile(r"^\w+$")


def where_sql(where: Filter | None) -> tuple[str, list[object]]:
    """`AND json_extract(...) = ?` clauses for a metadata filter (keys are checked)."""
    if not where:
        return "", []
    if not all(KEY.match(key) for key in where):
        raise ValueError(f"filter keys must be plain names: {sorted(where)}")
    clauses = "".join(f" AND json_extract(c.metadata, '$.{key}') = ?" for key in where)
    return clauses, list(where.values())


class EmbeddedStore:
    def __init__(
        self, path: Path, *, embedding: str, dimensions: int, as_recorded: bool = False
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._vectors: tuple[np.ndarray, np.ndarray] | None = None  # (ids, matrix)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'embedding'").fetchone()
        if as_recorded and row:  # open with whatever it holds (to re-embed it)
            embedding, _, size = row[0].rpartition("/")
            dimensions = int(size)
        self.dimensions = dimensions
        self._check_embedding(f"{embedding}/{dimensions}")

    def recorded_embedding(self) -> str:
        """The embedding its vectors come from, as `name/dimensions`."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'embedding'").fetchone()
        return str(row[0]) if row else ""

    def reembed(
        self,
        embedding: str,
        dimensions: int,
        embed_texts: Callable[[list[str]], np.ndarray],
        batch_size: int = 256,
        on_batch: Callable[[int], None] = lambda done: None,
    ) -> int:
        """Every chunk's vector from `embed_texts`, built aside and swapped in at the end.

        New vectors go into `chunks_next`, a batch per commit; the chunks, their text
        and the recorded embedding change only in the last transaction. A run killed
        before it leaves the old index whole and searchable (the next run starts over).
        """
        with self._lock:
            self._db.execute("DROP TABLE IF EXISTS chunks_next")  # a killed run's leftovers
            self._db.execute("CREATE TABLE chunks_next (id INTEGER PRIMARY KEY, vector BLOB)")
        last, done = 0, 0
        while rows := self._db.execute(
            "SELECT id, text FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, batch_size)
        ).fetchall():
            vectors = np.asarray(embed_texts([text for _, text in rows]), dtype=np.float32)
            with self._lock:
                self._db.executemany(
                    "INSERT INTO chunks_next VALUES (?, ?)",
                    [(i, v.tobytes()) for (i, _), v in zip(rows, vectors, strict=True)],
                )
            last, done = rows[-1][0], done + len(rows)
            on_batch(done)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (missing,) = self._db.execute(
                    "SELECT count(*) FROM chunks WHERE id NOT IN (SELECT id FROM chunks_next)"
                ).fetchone()
                if missing:
                    raise RuntimeError("documents were ingested meanwhile: run it again")
                self._db.execute(
                    "UPDATE chunks SET vector ="
                    " (SELECT n.vector FROM chunks_next n WHERE n.id = chunks.id)"
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('embedding', ?)",
                    (f"{embedding}/{dimensions}",),
                )
                self._db.execute("DROP TABLE chunks_next")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self.dimensions, self._vectors = dimensions, None
        return done

    def _check_embedding(self, name: str) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'embedding'").fetchone()
        if row is None or (row[0] != name and not self.count()):
            # An empty store holds no vectors yet: it takes the embedding it is opened with.
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('embedding', ?)", (name,))
        elif row[0] != name:
            raise EmbeddingMismatchError(
                f"the store holds {row[0]} vectors, not {name}: re-ingest into a new store"
            )

    def replace(
        self, source: str, digest: str, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> None:
        rows = [
            (source, c.text, json.dumps(c.metadata), np.asarray(v, dtype=np.float32).tobytes())
            for c, v in zip(chunks, vectors, strict=True)
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM sources WHERE source = ?", (source,))
                self._db.execute("INSERT INTO sources VALUES (?, ?)", (source, digest))
                self._db.executemany(
                    "INSERT INTO chunks (source, text, metadata, vector) VALUES (?, ?, ?, ?)", rows
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._vectors = None

    def delete(self, source: str) -> int:
        with self._lock:
            (count,) = self._db.execute(
                "SELECT count(*) FROM chunks WHERE source = ?", (source,)
            ).fetchone()
            self._db.execute("DELETE FROM sources WHERE source = ?", (source,))
            self._vectors = None
            return int(count)

    def sources(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT source, digest FROM sources").fetchall())

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        if self._vectors is None:
            rows = self._db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
            self._vectors = ids, matrix.reshape(len(rows), self.dimensions)
        return self._vectors

    def _hits(self, scored: list[tuple[int, float]]) -> list[Hit]:
        marks = ",".join("?" * len(scored))
        rows = self._db.execute(
            f"SELECT id, text, metadata FROM chunks WHERE id IN ({marks})", [i for i, _ in scored]
        ).fetchall()
        chunks = {i: Chunk(text, json.loads(metadata)) for i, text, metadata in rows}
        return [Hit(chunks[i], score, rank) for rank, (i, score) in enumerate(scored, 1)]

    def search(self, vector: np.ndarray, k: int, where: Filter | None = None) -> list[Hit]:
        with self._lock:
            ids, matrix = self._load()
            scores = matrix @ np.asarray(vector, dtype=np.float32)  # unit rows: dot = cosine
            if where:
                clauses, params = where_sql(where)
                allowed = [
                    i
                    for (i,) in self._db.execute(
                        f"SELECT id FROM chunks c WHERE 1{clauses}", params
                    )
                ]
                scores = np.where(np.isin(ids, allowed), scores, -np.inf)
            k = min(k, len(ids) if not where else int(np.isfinite(scores).sum()))
            if k <= 0:
                return []
            best = np.argpartition(-scores, k - 1)[:k]
            best = best[np.argsort(-scores[best], kind="stable")]
            return self._hits([(int(ids[i]), float(scores[i])) for i in best])

    def informative_words(self, words: list[str]) -> list[str]:
        """`store.informative`, with each word's share of chunks from FTS5's vocabulary."""
        marks = ",".join("?" * len(words))
        with self._lock:
            total = len(self._vectors[0]) if self._vectors is not None else self.count()
            counts = dict(
                self._db.execute(
                    f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", words
                ).fetchall()
            )
        return informative(words, {w: count / max(total, 1) for w, count in counts.items()})

    def keyword_search(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        words = sorted(set(tokenize(query)))
        if not words:
            return []
        words = self.informative_words(words)
        clauses, params = where_sql(where)
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, -bm25(chunks_fts) FROM chunks_fts"
                " JOIN chunks c ON c.id = chunks_fts.rowid"
                f" WHERE chunks_fts MATCH ?{clauses} ORDER BY bm25(chunks_fts) LIMIT ?",
                [" OR ".join(f'"{w}"' for w in words), *params, k],
            ).fetchall()
            return self._hits([(int(i), float(score)) for i, score in rows])

    def close(self) -> None:
        self._db.close()


def connect(
    settings: Settings, *, embedding: str, dimensions: int, as_recorded: bool = False
) -> EmbeddedStore:
    """The store in the SQLite file at `RAG_PATH` (`as_recorded`: whatever it holds)."""
    return EmbeddedStore(
        settings.rag_path, embedding=embedding, dimensions=dimensions, as_recorded=as_recorded
    )
