// Shared by both pages: the API key, calls to the app's own API, readable errors, formats.
"use strict";

const $ = (id) => document.getElementById(id);

// The API key (only when the app requires one) lives in this browser's localStorage.
function setUpKeyBox() {
  const input = $("api-key");
  input.value = localStorage.getItem("apiKey") || "";
  input.addEventListener("change", () => {
    localStorage.setItem("apiKey", input.value.trim());
    if (document.body.dataset.ready !== "true") location.reload(); // it failed without the key
  });
}

function withKey(headers = {}) {
  const key = localStorage.getItem("apiKey");
  return key ? { ...headers, Authorization: `Bearer ${key}`, "X-API-Key": key } : headers;
}

// Name the usual failures plainly, then keep the server's own words. The app's own 401
// and 429 (api/middleware.py) start with their status and wording; any other 401/403 or
// 429 comes from the model provider (its message names the provider's SDK error).
function explain(message, retryAfter = null) {
  const wait = retryAfter ? `; try again in ${retryAfter} s` : "";
  const kinds = [
    [/budget/i, "Budget exceeded"],
    [/^401 (an API key is required|the API key is not valid)$/, "Not authorised: enter the API key at the top"],
    [/^429 too many requests from this client$/, `Rate limited by this app (CLIENT_RATE_LIMIT_PER_MINUTE)${wait}`],
    [
      /\b401\b|\b403\b|api.?key|unauthori[sz]ed|authenticat|forbidden/i,
      "The model provider refused the app's key (check the provider's API key setting)",
    ],
    [/rate.?limit|\b429\b|too many requests/i, "Rate limited by the model provider"],
    // Before "cannot be reached": a 502 whose model did answer, in the wrong shape.
    [/^502 the model answered, but not in the prompt's output format/, "The model's answer was unusable"],
    [/connect|timed? ?out|timeout|unavailable|unreachable|\b50[234]\b/i, "The model cannot be reached"],
  ];
  const kind = kinds.find(([pattern]) => pattern.test(message));
  return kind ? `${kind[1]}. ${message}` : message;
}

// A non-2xx response as one readable line: FastAPI puts the reason in `detail`.
async function errorText(response) {
  let detail = response.statusText;
  try {
    const body = await response.json();
    detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
  } catch {
    // not JSON: keep the status text
  }
  return explain(`${response.status} ${detail}`, response.headers.get("retry-after"));
}

// fetch() that throws a readable Error for a network failure or a non-2xx status.
async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: withKey(options.headers) });
  } catch (error) {
    throw new Error(`The app cannot be reached (${error.message}). Is the server running?`);
  }
  if (!response.ok) throw new Error(await errorText(response));
  return response;
}

// Server-Sent Events from a fetch() response body: yields {event, data} as they arrive.
async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

function showNotice(message) {
  $("notice").textContent = message;
  $("notice").hidden = !message;
}

const formatMs = (ms) => (ms < 10000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
// `1 span`, `2 spans`: a count and its noun, as the CLI's wording.plural writes them.
function plural(count, noun) {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

function formatCost(usd, unpriced = 0) {
  if (usd === null || usd === undefined) return unpriced ? "unknown (no price for this model)" : "-";
  return `$${usd.toFixed(6)}${unpriced ? " + unpriced calls" : ""}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A trace as GET /playground/traces/{id}?wait=true gives it, once all its spans are
// written (they are batched, the request's own last): {"pending": true} until the first
// are in (a 200, so the browser's console stays clean); what there is after ~6 s; null
// if none.
async function fetchTrace(traceId) {
  let trace = null;
  for (let attempt = 0; attempt < 20; attempt++) {
    const path = `/playground/traces/${encodeURIComponent(traceId)}?wait=true`;
    const response = await fetch(path, { headers: withKey() });
    if (!response.ok) throw new Error(await errorText(response));
    const body = await response.json();
    if (!body.pending) trace = body;
    if (trace && trace.complete) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return trace;
}
