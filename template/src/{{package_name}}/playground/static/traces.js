// The traces page: recent traces from the local store, and one (`?id=`) as a tree of
// spans with their timings. It reads GET /playground/traces, like `app traces` reads it.
"use strict";

function cell(row, text, className) {
  row.append(element("td", className, text));
}

async function showList() {
  const { traces, note } = await (await call("/playground/traces")).json();
  const rows = $("rows");
  rows.replaceChildren();
  if (note) showNotice(note);
  for (const trace of traces) {
    const row = element("tr", trace.status);
    const link = element("a", "", trace.started);
    link.href = `/traces?id=${trace.trace_id}`;
    const first = element("td");
    first.append(link);
    row.append(first);
    cell(row, trace.name);
    cell(row, formatMs(trace.duration_ms), "number");
    cell(row, trace.status);
    cell(row, String(trace.calls), "number");
    cell(row, String(trace.input_tokens + trace.output_tokens), "number");
    cell(row, formatCost(trace.cost_usd, trace.unpriced), "number");
    rows.append(row);
  }
}

// One span and its children; the bar shows when it ran within the whole trace.
function spanNode(span, total) {
  const node = element("li", `span ${span.status}`);
  const line = element("div", "line");
  line.append(element("span", "name", span.name));
  line.append(element("span", "kind", span.kind));
  line.append(element("span", "duration", formatMs(span.duration_ms)));
  const details = [];
  if (span.model) details.push(span.model);
  if (span.prompt) details.push(`prompt ${span.prompt}`);
  if (span.input_tokens != null) details.push(`${span.input_tokens} in / ${span.output_tokens} out tokens`);
  if (span.kind === "llm") details.push(`cost ${formatCost(span.cost_usd, span.cost_usd == null ? 1 : 0)}`);
  line.append(element("span", "muted", details.join(" - ")));
  const bar = element("div", "bar");
  bar.style.marginLeft = `${(100 * span.offset_ms) / total}%`;
  bar.style.width = `${Math.max(0.5, (100 * span.duration_ms) / total)}%`;
  line.append(bar);
  node.append(line);
  if (span.error) node.append(element("p", "error", span.error));
  if (span.children.length) {
    const children = element("ul", "tree");
    for (const child of span.children) children.append(spanNode(child, total));
    node.append(children);
  }
  return node;
}

async function showTrace(traceId) {
  const trace = await fetchTrace(traceId);
  if (!trace) throw new Error(`No trace ${traceId} in the local store (TRACING=local writes it).`);
  $("trace").hidden = false;
  $("trace-title").textContent = `${trace.name} (${trace.trace_id})`;
  $("trace-summary").textContent =
    `${trace.started} UTC - ${formatMs(trace.duration_ms)} - ${plural(trace.span_count, "span")} - ` +
    `${plural(trace.calls, "model call")} - ${plural(trace.input_tokens + trace.output_tokens, "token")} - ` +
    `cost ${formatCost(trace.cost_usd, trace.unpriced)}` +
    (trace.complete ? "" : " - still being written: reload for the rest");
  const total = Math.max(trace.duration_ms, 0.001);
  $("tree").replaceChildren(...trace.spans.map((span) => spanNode(span, total)));
}

async function start() {
  setUpKeyBox();
  const traceId = new URLSearchParams(location.search).get("id");
  try {
    if (traceId) await showTrace(traceId);
    await showList();
    document.body.dataset.ready = "true";
  } catch (error) {
    showNotice(error.message);
  }
}

start();
