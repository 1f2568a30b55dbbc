"""Files and folders -> the index, idempotently.

Each file is hashed (its bytes plus the chunking settings and the embedding's name):
an unchanged file is skipped without being read twice, a changed one has its chunks
replaced in one transaction, and `prune` removes files that are gone from the folders
being ingested. A file that cannot be read is reported and skipped; the rest land.
A file of a type no loader reads is a counted skip inside a folder, but a failure when
it was named on its own: the user asked for that file, and it did not land.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .chunking import split
from .embeddings import embed, embedding_name
from .loaders import SUPPORTED_SUFFIXES, UnreadableFileError, load
from .retriever import Retriever

Status = Literal["added", "updated", "unchanged", "skipped", "failed", "pruned"]


@dataclass(frozen=True)
class FileResult:
    source: str
    status: Status
    chunks: int = 0
    message: str = ""


def source_name(path: Path) -> str:
    """The path as stored and cited: relative to the working directory when inside it."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths, in a stable order; hidden files and folders skipped."""
    for path in paths:
        if path.is_dir():
            for root, folders, files in os.walk(path):
                folders[:] = sorted(f for f in folders if not f.startswith("."))
                yield from (Path(root, f) for f in sorted(files) if not f.startswith("."))
        else:
            yield path


def _is_under(source: str, roots: list[str]) -> bool:
    """Whether a stored source is one of the paths given, or lies in one of them."""
    for root in roots:
        if root == ".":  # the working directory: every source stored relative to it
            if not Path(source).is_absolute():
                return True
        elif source == root or source.startswith(root.rstrip("/") + "/"):
            return True
    return False


def supported_types() -> str:
    """`.htm, .html, .md, ...`: what the loaders read, for a message."""
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def ingest_file(path: Path, retriever: Retriever, known: dict[str, str]) -> FileResult:
    source = source_name(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return FileResult(source, "skipped", message=f"unsupported type {path.suffix or '(none)'}")
    settings = retriever.settings
    try:
        raw = path.read_bytes()
    except OSError as error:
        return FileResult(source, "failed", message=error.strerror or str(error))
    recipe = f"{settings.rag_chunk_size}/{settings.rag_chunk_overlap}/"
    digest = hashlib.sha256(raw + recipe.encode() + embedding_name(retriever.embeddings).encode())
    if known.get(source) == digest.hexdigest():
        return FileResult(source, "unchanged")
    try:
        document = load(path)
        chunks = split(document, source, settings.rag_chunk_size, settings.rag_chunk_overlap)
        vectors = embed(retriever.embeddings, [c.text for c in chunks])
    except UnreadableFileError as error:
        return FileResult(source, "failed", message=str(error))
    retriever.store.replace(source, digest.hexdigest(), chunks, vectors)
    return FileResult(source, "updated" if source in known else "added", len(chunks))


def ingest(
    paths: Iterable[Path],
    retriever: Retriever,
    *,
    prune: bool = False,
    on_file: Callable[[FileResult], None] = lambda result: None,
) -> list[FileResult]:
    """Ingest every file under `paths`; with `prune`, drop indexed files no longer there."""
    paths = list(paths)
    named = {path for path in paths if not path.is_dir()}
    known = retriever.store.sources()
    results: list[FileResult] = []
    for path in walk(paths):
        if not path.exists():
            result = FileResult(source_name(path), "failed", message="no such file")
        else:
            result = ingest_file(path, retriever, known)
        if result.status == "skipped" and path in named:
            message = f"{result.message}; supported: {supported_types()}"
            result = FileResult(result.source, "failed", message=message)
        results.append(result)
        on_file(result)
    if prune:
        seen = {r.source for r in results if r.status != "failed" or r.message != "no such file"}
        roots = [source_name(p) for p in paths]
        for source in sorted(known):
            if source not in seen and _is_under(source, roots):
                result = FileResult(source, "pruned", retriever.store.delete(source))
                results.append(result)
                on_file(result)
    return results
