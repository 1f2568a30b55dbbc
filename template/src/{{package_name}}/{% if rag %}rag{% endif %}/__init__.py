"""Retrieval-augmented generation: put the right chunks of your documents into the prompt.

One concept per module, in the order data flows:
`loaders` (file -> text) -> `chunking` (text -> chunks with metadata) -> `embeddings`
(chunk -> vector) -> `store` (the index: `embedded_store` or `pgvector_store`) ->
`retriever` (vector, keyword or hybrid search) -> `grounding` (chunks -> chat context).
`ingest` drives the first four for whole folders, idempotently.
"""
