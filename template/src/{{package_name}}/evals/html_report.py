"""One static HTML page of a run: the summaries, then every case with its answer.

Self-contained (inline CSS, no script, no CDN), so it opens from a CI artifact or a
mail attachment. Every value from a case or a model is escaped: answers are untrusted.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from html import escape
from typing import Any

from ..wording import plural
from .dataset import Case
from .report import Summary, money, retrieval_scores
from .runner import CaseResult

#: An image is shown inline up to this size, a larger one by its name: the page stays
#: one file small enough to mail.
THUMBNAIL_MAX_BYTES = 100_000

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 2rem; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr.fail td:first-child { border-left: 4px solid #c62828; }
tr.pass td:first-child { border-left: 4px solid #2e7d32; }
pre { margin: 0; white-space: pre-wrap; max-width: 60rem; }
.bad { color: #c62828; }
img.thumb { display: block; width: 4rem; height: 4rem; object-fit: contain; margin-top: .3rem;
  image-rendering: pixelated; border: 1px solid #ccc; }
"""


def _answer(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=1, sort_keys=True)


def _thumbnails(case: Case) -> str:
    """The case's images as inline `data:` thumbnails, each titled with its file name."""
    loaded = case.loaded_images
    shown = []
    for index, name in enumerate(case.images):
        image = loaded[index] if index < len(loaded) else None
        if image is None or len(image.data) > THUMBNAIL_MAX_BYTES:
            shown.append(f"<div>{escape(name)}</div>")
            continue
        data = base64.b64encode(image.data).decode("ascii")
        source = f"data:{escape(image.media_type)};base64,{data}"
        shown.append(
            f'<img class="thumb" src="{source}" alt="{escape(name)}" title="{escape(name)}">'
        )
    return "".join(shown)


def _row(cells: list[str], css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<tr{cls}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _retrieval_table(results: list[CaseResult]) -> list[str]:
    """hit@1, hit@k, MRR and nDCG@k per retrieval dataset; nothing without one."""
    scores = retrieval_scores(results)
    if not scores:
        return []
    head = ["retrieval dataset", "runs", *scores[0].metrics()]
    rows = [
        _row([escape(s.name), str(s.runs), *(f"{v:.2f}" for v in s.metrics().values())])
        for s in scores
    ]
    return ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>", *rows, "</table>"]


def html_report(results: list[CaseResult], summaries: list[Summary], title: str) -> str:
    """The page, as text; every interpolated value goes through `html.escape`."""
    head = ["dataset", "passed", "pass rate", "avg cost", "p95 latency", "gate"]
    summary_rows = [
        _row(
            [
                escape(s.name),
                f"{s.passed}/{s.total}",
                f"{s.pass_rate:.0%}",
                escape(money(s.avg_cost_usd)),
                f"{s.p95_latency_ms:.0f} ms",
                escape("; ".join(s.gate_failures)) or "ok",
            ],
            "fail" if s.gate_failures else "pass",
        )
        for s in summaries
    ]
    case_head = ["case", "run", "result", "answer", "why", "latency", "cost"]
    case_rows = [
        _row(
            [
                escape(r.key) + _thumbnails(r.case),
                str(r.repeat + 1),
                "pass" if r.passed else '<span class="bad">FAIL</span>',
                f"<pre>{escape(_answer(r.answer))}</pre>",
                escape(r.error or "; ".join(r.failures)),
                f"{r.latency_ms:.0f} ms",
                escape(money(r.cost_usd)),
            ],
            "pass" if r.passed else "fail",
        )
        for r in results
    ]
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
            f"<h1>{escape(title)}</h1><p>{when}, {plural(len(results), 'run')}</p>",
            "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>",
            *summary_rows,
            "</table>",
            *_retrieval_table(results),
            "<table><tr>" + "".join(f"<th>{h}</th>" for h in case_head) + "</tr>",
            *case_rows,
            "</table></body></html>",
            "",
        ]
    )
