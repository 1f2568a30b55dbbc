"""Retrieval metrics (hit@k, reciprocal rank, nDCG@k) and the one rule for a relevant source.

Pure functions of two lists, so they score any retriever (and are easy to check by
hand). Relevance is binary and by document: a retrieved source is relevant when it is,
or ends with, one of the expected sources (`fees.md` matches `data/sample/fees.md`);
chunks of one document count once, at the rank of its first chunk. `rag/evaluate.py`
scores a whole QA set with the same rule and ranks, asking one thing more of a passage:
that it holds the expected answer. `score_rankings` averages them over a dataset's runs
for the eval report (one line per retrieval dataset).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The cut-off of hit@k and nDCG@k in the report: about the passages a prompt reads.
REPORT_K = 3


def is_relevant(source: str, expected: Sequence[str]) -> bool:
    """The source is one of `expected`, or ends with one after a `/`."""
    return any(source == e or source.endswith("/" + e.lstrip("/")) for e in expected)


def documents(sources: Sequence[str]) -> list[str]:
    """The sources in rank order, each once."""
    return list(dict.fromkeys(sources))


def first_relevant_rank(relevant: Iterable[bool]) -> int | None:
    """The rank (from 1) of the first relevant item of a ranking; None when there is none."""
    return next((rank for rank, hit in enumerate(relevant, start=1) if hit), None)


def hit_at_k(sources: Sequence[str], expected: Sequence[str], k: int) -> bool:
    return any(is_relevant(s, expected) for s in documents(sources)[:k])


def reciprocal_rank(sources: Sequence[str], expected: Sequence[str]) -> float:
    """1 / the rank of the first relevant source; 0 when none was retrieved."""
    rank = first_relevant_rank(is_relevant(s, expected) for s in documents(sources))
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(sources: Sequence[str], expected: Sequence[str], k: int) -> float:
    """Discounted cumulative gain of the top k, over the best possible (1.0 = ideal)."""
    gain = sum(
        1.0 / math.log2(rank + 1)
        for rank, source in enumerate(documents(sources)[:k], start=1)
        if is_relevant(source, expected)
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(expected), k) + 1))
    return min(1.0, gain / ideal) if ideal else 0.0


@dataclass(frozen=True)
class RetrievalScores:
    """A retrieval dataset's metrics averaged over its runs: one line of the eval report.

    hit@1 says how often the answering document came first, hit@k how often it was in
    the first `k`, MRR how far down it was on average, nDCG@k the same with a log discount.
    """

    name: str
    runs: int
    hit_at_1: float
    hit_at_k: float
    mrr: float
    ndcg_at_k: float
    k: int = REPORT_K

    def metrics(self) -> dict[str, float]:
        """The four metrics under the names the reports print."""
        return {
            "hit@1": self.hit_at_1,
            f"hit@{self.k}": self.hit_at_k,
            "MRR": self.mrr,
            f"nDCG@{self.k}": self.ndcg_at_k,
        }

    def line(self) -> str:
        return "  ".join(f"{name} {value:.2f}" for name, value in self.metrics().items())


def score_rankings(
    name: str, rankings: Sequence[tuple[Sequence[str], Sequence[str]]], k: int = REPORT_K
) -> RetrievalScores:
    """Average the metrics over `(retrieved sources, expected sources)` pairs, one per run;
    a run that retrieved nothing (or failed) scores 0 on each."""
    runs = len(rankings)

    def mean(values: Iterable[float]) -> float:
        return sum(values) / runs if runs else 0.0

    return RetrievalScores(
        name=name,
        runs=runs,
        hit_at_1=mean(hit_at_k(found, expected, 1) for found, expected in rankings),
        hit_at_k=mean(hit_at_k(found, expected, k) for found, expected in rankings),
        mrr=mean(reciprocal_rank(found, expected) for found, expected in rankings),
        ndcg_at_k=mean(ndcg_at_k(found, expected, k) for found, expected in rankings),
        k=k,
    )
