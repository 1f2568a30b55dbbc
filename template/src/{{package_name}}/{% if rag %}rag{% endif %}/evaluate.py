"""Retrieval quality on a QA set: hit rate at k and mean reciprocal rank, per search mode.

A question counts as answered at rank r when the r-th chunk retrieved is relevant by the
eval's rule (evals/retrieval.py: from the expected source) and contains the expected
answer text: finding the right document is not enough, the passage must hold the answer
the model would need. So chunks are ranked here, not documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..evals.retrieval import first_relevant_rank, is_relevant
from .retriever import Retriever, SearchMode
from .store import Hit


@dataclass(frozen=True)
class QAItem:
    question: str
    source: str
    answer: str


@dataclass(frozen=True)
class RetrievalScore:
    mode: SearchMode
    k: int
    hit_rate: float
    mrr: float


def load_qa(path: Path) -> list[QAItem]:
    lines = path.read_text(encoding="utf-8").split("\n")  # JSON Lines: "\n" ends a line
    return [QAItem(**json.loads(line)) for line in lines if line.strip()]


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def holds_answer(hit: Hit, item: QAItem) -> bool:
    """From the expected source (the eval's rule), and the answer is in the passage."""
    in_passage = _squash(item.answer) in _squash(hit.chunk.text)
    return in_passage and is_relevant(hit.chunk.source, [item.source])


def answer_rank(hits: list[Hit], item: QAItem) -> int | None:
    return first_relevant_rank(holds_answer(hit, item) for hit in hits)


def score(retriever: Retriever, qa: list[QAItem], mode: SearchMode, k: int) -> RetrievalScore:
    ranks = [answer_rank(retriever.search(i.question, k=k, mode=mode), i) for i in qa]
    return RetrievalScore(
        mode=mode,
        k=k,
        hit_rate=sum(r is not None for r in ranks) / len(qa),
        mrr=sum(1 / r for r in ranks if r) / len(qa),
    )
