"""Local semantic models through fastembed: ONNX Runtime on the CPU, no key, no torch.

`EMBEDDING_PROVIDER=fastembed` embeds with a small English sentence model
(BAAI/bge-small-en-v1.5, 384 dimensions, 67 MB, by default) and `RAG_RERANK=local`
reranks with a cross-encoder (Xenova/ms-marco-MiniLM-L-6-v2, 80 MB). Each is downloaded
from Hugging Face once, with a progress bar, into `EMBEDDING_CACHE_DIR`, and found there
offline afterwards: the cache is looked into first, without the network, so a machine
that has the model never waits on one. A machine that has neither the model nor a
network gets one line (`LocalModelUnavailableError`) saying what to do, not fastembed's
retries and log lines.

fastembed is imported here, when a model is loaded (it takes ~0.9 s), never at start-up
of an app that does not use it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

from ..unavailable import ServiceUnavailableError

DEFAULT_EMBEDDING_MODEL = "BAAI/bge-small-en-v1.5"
DEFAULT_RERANK_MODEL = "Xenova/ms-marco-MiniLM-L-6-v2"
#: Texts per ONNX Runtime call: bigger batches pad more, smaller ones call more often.
BATCH_SIZE = 32

Model = TypeVar("Model")


class LocalModelUnavailableError(ServiceUnavailableError):
    """The local model is neither in the cache folder nor downloadable (offline): the API
    answers 503, the CLI one line; online (or with the folder copied in) it works."""


def _supported(model_class: Any, name: str) -> dict[str, Any]:
    """The model's description in fastembed's list; an unknown name fails with the list."""
    models = {m["model"].lower(): m for m in model_class.list_supported_models()}
    if name.lower() not in models:
        known = ", ".join(sorted(m["model"] for m in models.values())[:12])
        raise ValueError(f"fastembed has no model {name!r} (some it has: {known}, ...)")
    return models[name.lower()]


def load(model_class: Callable[..., Model], name: str, cache_dir: Path) -> Model:
    """`model_class(name)` from `cache_dir`, downloading it there first if it is missing:
    fastembed's own download (Hugging Face, its progress bar), tried once."""
    # fastembed's (loguru) logger: its retry messages become the one line below.
    from fastembed.common.model_management import logger

    description = _supported(model_class, name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    logger.disable("fastembed")
    try:
        try:  # the cache alone, no network: what every run after the first does
            return model_class(model_name=name, cache_dir=str(cache_dir), local_files_only=True)
        except ValueError:
            pass
        offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes"}
        if not offline:
            size_mb = round(float(description.get("size_in_GB") or 0) * 1000)
            print(
                f"Downloading the model {name} ({size_mb} MB) into {cache_dir}, once...",
                file=sys.stderr,
            )
            try:  # one attempt (fastembed's own makes three, 12 s apart when offline)
                model = model_class._get_model_description(name)  # type: ignore[attr-defined]
                model_class.download_model(model, str(cache_dir), retries=1)  # type: ignore[attr-defined]
                return model_class(model_name=name, cache_dir=str(cache_dir), local_files_only=True)
            except ValueError:
                pass
        raise LocalModelUnavailableError(
            f"the model {name} is not in {cache_dir} and could not be downloaded"
            f" ({'HF_HUB_OFFLINE is set' if offline else 'offline?'}): run once with a"
            " network, or copy that folder from a machine that has it"
        )
    finally:
        logger.enable("fastembed")


class FastEmbedEmbeddings(Embeddings):
    """A fastembed text embedding model as a LangChain `Embeddings` (unit-length rows)."""

    def __init__(self, name: str, cache_dir: Path, batch_size: int = BATCH_SIZE) -> None:
        from fastembed import TextEmbedding

        self.model = load(TextEmbedding, name, cache_dir)
        self.batch_size = batch_size
        self.dimensions = int(self.model.embedding_size)
        #: What the store records: another model (or the same one's other size) re-embeds.
        self.name = f"fastembed:{name}"

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """A (len(texts), dimensions) float32 matrix, embedded `batch_size` texts a call."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        rows = list(self.model.passage_embed(texts, batch_size=self.batch_size))
        return np.vstack(rows).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        # query_embed adds the model's query instruction where it has one (BGE's does).
        (vector,) = self.model.query_embed([text])
        return np.asarray(vector, dtype=np.float32).tolist()
