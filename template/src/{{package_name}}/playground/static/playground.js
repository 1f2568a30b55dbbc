// The chat page: chat (or agent) answers streamed token by token, prompts run with their
// variables, documents uploaded (RAG apps), and per answer its latency, tokens, cost and
// a link to its trace. It only talks to this app's API; common.js has the helpers.
"use strict";

let config = null;
let prompts = [];
const history = []; // the chat so far, sent with each /chat/stream request
let threadId = null; // the agent's conversation
let attached = []; // images for the next question, as data URLs (the API checks their bytes)

// --- Images: attach (or paste) them, see them, send them with the next question --------

function thumbnail(url) {
  const image = element("img", "thumb");
  image.src = url;
  image.alt = "attached image";
  return image;
}

function showAttachments() {
  const list = $("attachments");
  list.replaceChildren();
  attached.forEach((url, index) => {
    const item = element("li");
    const remove = element("button", "", "\u00d7");
    remove.type = "button";
    remove.title = "Remove this image";
    remove.addEventListener("click", () => {
      attached.splice(index, 1);
      showAttachments();
    });
    item.append(thumbnail(url), remove);
    list.append(item);
  });
}

function attach(files) {
  for (const file of files) {
    if (!file.type.startsWith("image/")) continue; // the app checks the bytes again
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      attached.push(reader.result);
      showAttachments();
    });
    reader.readAsDataURL(file);
  }
}

function addMessage(role, text) {
  $("welcome").hidden = true; // the empty state goes with the first message
  const item = element("li", role);
  item.append(element("div", "text", text));
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function showError(item, error) {
  item.classList.add("failed");
  const box = element("p", "error", error.message);
  box.setAttribute("role", "alert");
  item.append(box);
}

// Latency and tokens now; the cost once the trace is in the store (spans are batched).
// The trace id comes from the response's X-Trace-Id header (absent when tracing is off).
function addMeta(item, { started, usage, traceId }) {
  const meta = element("div", "meta");
  meta.append(element("span", "latency", `latency ${formatMs(performance.now() - started)}`));
  meta.append(
    element("span", "tokens", `${usage.total_tokens} tokens (${usage.input_tokens} in, ${usage.output_tokens} out)`),
  );
  const traced = traceId && config.tracing; // spans in the local store, which has the cost
  const cost = element("span", "cost", traced ? "cost: waiting for the trace" : "cost: not traced locally");
  meta.append(cost);
  if (traced) {
    const link = element("a", "trace-link", "trace");
    link.href = `/traces?id=${traceId}`;
    meta.append(link);
    fillCost(cost, traceId);
  }
  item.append(meta);
}

async function fillCost(target, traceId) {
  try {
    const trace = await fetchTrace(traceId);
    target.textContent = trace ? `cost ${formatCost(trace.cost_usd, trace.unpriced)}` : "cost: no trace recorded";
  } catch (error) {
    target.textContent = `cost: ${error.message}`;
  }
}

// RAG apps: the passages the answer was grounded in, as the final event carries them
// (the ones the model was given: no second search). One entry per source, numbered as
// the prompt numbered it, with the start of its best-ranked passage.
function addSources(item, passages) {
  const box = element("details", "sources");
  box.open = true;
  const list = element("ul");
  const shown = new Set();
  for (const passage of passages) {
    if (shown.has(passage.source)) continue;
    shown.add(passage.source);
    const entry = element("li");
    entry.append(element("code", "source", `[${passage.number}] ${passage.source}`));
    entry.append(element("q", "snippet", passage.text.slice(0, 240)));
    list.append(entry);
  }
  box.append(element("summary", "", `Sources (${shown.size})`), list);
  item.append(box);
}

function addStep(item, data) {
  let steps = item.querySelector(".steps");
  if (!steps) {
    steps = element("ol", "steps");
    item.prepend(steps);
  }
  const step = element("li", "step");
  step.dataset.id = data.id;
  step.append(element("span", "tool", data.name));
  step.append(element("code", "args", JSON.stringify(data.args)));
  step.append(element("output", "result", "running..."));
  steps.append(step);
}

function finishStep(item, data) {
  const step = [...item.querySelectorAll(".step")].find((s) => s.dataset.id === data.id);
  if (!step) return;
  const result = step.querySelector(".result");
  result.textContent = data.result ?? "";
  result.classList.toggle("error", data.error);
}

// A run paused on a tool that requires approval (file_ticket...): the pending calls with
// their arguments, and buttons that resume the thread (POST /agent/{thread_id}/resume).
function showApproval(item, data) {
  const box = element("div", "approval");
  box.setAttribute("role", "group");
  box.append(element("p", "", "Waiting for your approval:"));
  for (const pending of data.pending) {
    const entry = element("div", "pending-call");
    entry.append(element("span", "tool", pending.tool), element("code", "args", JSON.stringify(pending.args)));
    box.append(entry);
  }
  const reason = element("input", "reason");
  reason.placeholder = "reason, if you reject (the agent reads it)";
  const approve = element("button", "approve", "Approve");
  const reject = element("button", "reject", "Reject");
  approve.type = reject.type = "button";
  approve.addEventListener("click", () => resume(item, box, data.thread_id, { action: "approve" }));
  reject.addEventListener("click", () =>
    resume(item, box, data.thread_id, { action: "reject", reason: reason.value || null }),
  );
  box.append(reason, approve, reject);
  item.append(box);
}

async function resume(item, box, thread, decision) {
  box.querySelectorAll("button").forEach((button) => (button.disabled = true));
  item.classList.add("pending");
  let result;
  try {
    const response = await call(`/agent/${encodeURIComponent(thread)}/resume`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(decision),
    });
    result = await response.json();
  } catch (error) {
    showError(item, error);
    return;
  } finally {
    item.classList.remove("pending");
  }
  box.remove();
  for (const record of result.tool_calls) {
    const shown = [...item.querySelectorAll(".step")].some((s) => s.dataset.id === record.id);
    if (!shown) addStep(item, record);
    finishStep(item, record);
  }
  item.querySelector(".text").textContent = result.answer;
  if (result.status === "needs_approval") showApproval(item, result);
}

async function ask(question) {
  const agent = config.agent && document.querySelector("input[name=mode]:checked").value === "agent";
  const userItem = addMessage("user", question);
  const images = attached; // the chat and the agent both take them (checked by the API)
  if (images.length) {
    const strip = element("div", "images");
    strip.append(...images.map(thumbnail));
    userItem.append(strip);
    attached = [];
    showAttachments();
  }
  const item = addMessage("assistant", "");
  item.classList.add("pending");
  const text = item.querySelector(".text");
  const started = performance.now();
  // The API takes at most 50 history messages: send the latest.
  const body = agent
    ? { message: question, thread_id: threadId, images }
    : { message: question, history: history.slice(-50), images };
  let final = null;
  let response;
  try {
    response = await call(agent ? "/agent/stream" : "/chat/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    for await (const { event, data } of readEvents(response)) {
      if (event === "token") text.textContent += data.text;
      else if (event === "tool_call") addStep(item, data);
      else if (event === "tool_result") finishStep(item, data);
      else if (event === "approval") showApproval(item, data);
      else if (event === "final") final = data;
      else if (event === "error") throw new Error(explain(data.message));
    }
    if (!final) throw new Error("The answer stopped before it was complete (the stream closed early).");
  } catch (error) {
    // A TypeError here is the connection dropping mid-stream; the rest are worded already.
    showError(item, error instanceof TypeError ? new Error(`The connection to the app was lost (${error.message}).`) : error);
    return;
  } finally {
    item.classList.remove("pending");
  }
  text.textContent = final.answer;
  if (agent) threadId = final.thread_id;
  if (final.status === "needs_approval") return; // the approval box asks; resume() goes on
  else history.push({ role: "user", content: question }, { role: "assistant", content: final.answer });
  addMeta(item, { started, usage: final.usage, traceId: response.headers.get("x-trace-id") });
  if (final.passages && final.passages.length) addSources(item, final.passages);
}

// --- The empty state: what the app is set up for, and questions to try ----------------

// The offline fake (LLM_PROVIDER=fake) answers in place of the configured model.
function describeModel() {
  if (config.provider === "fake") return `the offline fake model, standing in for ${config.model}`;
  return `${config.model} (${config.provider})`;
}

// Questions that work offline too: the fake model answers them as a real one would
// (src/.../demo_replies.py), so the page shows the same thing with or without a key.
// The ones about the sample documents only once some documents are indexed.
function exampleQuestions() {
  const documents = config.rag && config.indexed_chunks !== 0;
  const examples = [];
  if (documents) examples.push({ question: "What is the wifi network called?", mode: "chat" });
  if (config.agent) examples.push({ question: "What is 17 * 23?", mode: "agent" });
  if (documents) examples.push({ question: "Can I pay fees with cash?", mode: "chat" });
  if (config.agent) examples.push({ question: "What time is it?", mode: "agent" });
  examples.push({ question: "What can you do?", mode: "chat" });
  examples.push({ question: "Hello!", mode: "chat" });
  examples.push({ question: "What is retrieval-augmented generation?", mode: "chat" });
  return examples.slice(0, 3);
}

function showWelcome() {
  const fake = config.provider === "fake";
  const setup = [
    ["Model", fake ? `${describeModel()}: no key, no network, the same answer every time (LLM_PROVIDER=fake)` : describeModel()],
    [
      "Documents (RAG)",
      !config.rag
        ? "off: answers come from the model alone"
        : config.indexed_chunks === 0
          ? "on, but nothing is indexed yet: run app ingest data/sample (the sample documents), or upload a file"
          : "on: answers are grounded in the documents indexed, and cite the ones they use",
    ],
    [
      "Agent",
      config.agent ? 'on: pick "the agent" to let the model call tools (a calculator, the clock' + (config.rag ? ", a document search)" : ")") : "off: one model call per answer",
    ],
  ];
  const list = $("setup");
  for (const [name, value] of setup) list.append(element("dt", "", name), element("dd", "", value));
  for (const { question, mode } of exampleQuestions()) {
    const button = element("button", "example", question);
    button.type = "button";
    button.dataset.mode = mode;
    button.addEventListener("click", () => {
      if (config.agent) document.querySelector(`input[name=mode][value=${mode}]`).checked = true;
      ask(question);
    });
    const entry = element("li");
    entry.append(button);
    if (config.agent) entry.append(element("span", "mode", mode === "agent" ? "(agent)" : "(chat)"));
    $("examples").append(entry);
  }
  $("welcome").hidden = false;
}

// --- Prompts ------------------------------------------------------------------------

function pickedPrompt() {
  return prompts[Number($("prompt-select").value)];
}

function showPromptForm() {
  const prompt = pickedPrompt();
  const note = prompt && prompt.internal ? "Used by the app itself (internal: true). " : "";
  $("prompt-description").textContent = prompt ? note + prompt.description : "";
  const box = $("prompt-vars");
  box.replaceChildren();
  for (const variable of prompt ? prompt.variables : []) {
    const label = element("label", "variable");
    const title = `${variable.name} (${variable.type}${variable.required ? "" : ", optional"})`;
    label.append(element("span", "", title));
    const input = element(variable.type === "boolean" ? "input" : "textarea");
    if (variable.type === "boolean") input.type = "checkbox";
    else input.rows = variable.type === "string" ? 3 : 1;
    input.name = variable.name;
    input.dataset.type = variable.type;
    input.placeholder = variable.description || (variable.default != null ? String(variable.default) : "");
    label.append(input);
    box.append(label);
  }
}

// The form's values as the prompt's types: text as it is, anything else read as JSON.
function promptVariables() {
  const values = {};
  for (const input of $("prompt-vars").querySelectorAll("[name]")) {
    const type = input.dataset.type;
    if (type === "boolean") values[input.name] = input.checked;
    else if (input.value === "") continue; // optional ones take their default
    else if (type === "string") values[input.name] = input.value;
    else {
      try {
        values[input.name] = JSON.parse(input.value);
      } catch {
        throw new Error(`${input.name} must be ${type} (JSON), not ${JSON.stringify(input.value)}`);
      }
    }
  }
  return values;
}

async function runPrompt() {
  const prompt = pickedPrompt();
  const item = addMessage("assistant", "");
  item.classList.add("pending");
  const started = performance.now();
  try {
    const variables = promptVariables();
    item.before(addMessage("user", `${prompt.name} v${prompt.version} (${prompt.variant}) ${JSON.stringify(variables)}`));
    const response = await call(`/prompts/${prompt.name}/run`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ variables, variant: prompt.variant }),
    });
    const result = await response.json();
    const output = result.output;
    item.querySelector(".text").textContent = typeof output === "string" ? output : JSON.stringify(output, null, 2);
    addMeta(item, { started, usage: result.usage, traceId: response.headers.get("x-trace-id") });
  } catch (error) {
    showError(item, error);
  } finally {
    item.classList.remove("pending");
  }
}

// Prompts meant for people first, and the picker opens on the first of them; the ones
// the app runs itself (`internal: true`: the agent's turn, the judges...) in a group below.
async function loadPrompts() {
  prompts = await (await call("/prompts")).json();
  const forPeople = element("optgroup");
  forPeople.label = "Prompts to try";
  const internal = element("optgroup");
  internal.label = "Used by the app itself";
  prompts.forEach((p, index) => {
    const variant = p.variant === "default" ? "" : ` (${p.variant})`;
    const label = `${p.name} v${p.version}${variant}${p.active ? "" : " - inactive"}`;
    (p.internal ? internal : forPeople).append(new Option(label, index));
  });
  const select = $("prompt-select");
  for (const group of [forPeople, internal]) if (group.children.length) select.append(group);
  const first = forPeople.querySelector("option") || internal.querySelector("option");
  if (first) select.value = first.value;
  showPromptForm();
}

// --- Documents (RAG apps) -------------------------------------------------------------

async function upload() {
  const file = $("upload-file").files[0];
  const status = $("upload-status");
  status.classList.remove("error"); // a failed upload's red must not carry over
  if (!file) {
    status.textContent = "Choose a file first.";
    return;
  }
  status.textContent = `Uploading ${file.name}...`;
  try {
    const response = await call(`/ingest?filename=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
    const result = await response.json();
    const chunks = `${result.chunks} chunk${result.chunks === 1 ? "" : "s"}`;
    status.textContent = `${result.source}: ${result.status}, ${chunks}. ${result.message}`.trim();
  } catch (error) {
    status.textContent = error.message;
    status.classList.add("error");
  }
}

// --- Start ----------------------------------------------------------------------------

async function start() {
  setUpKeyBox();
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (!question) return;
    $("question").value = "";
    ask(question);
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("chat-form").requestSubmit();
    }
  });
  $("image-input").addEventListener("change", (event) => {
    attach(event.target.files);
    event.target.value = ""; // the same file can be attached again
  });
  $("question").addEventListener("paste", (event) => {
    const files = [...event.clipboardData.files].filter((file) => file.type.startsWith("image/"));
    if (files.length) {
      event.preventDefault();
      attach(files);
    }
  });
  $("prompt-select").addEventListener("change", showPromptForm);
  $("prompt-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runPrompt();
  });
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    upload();
  });
  try {
    config = await (await call("/playground/config")).json();
    document.title = `${config.project} playground`;
    $("title").textContent = config.project;
    $("model").textContent = config.provider === "fake" ? describeModel() : `${config.provider}:${config.model}`;
    $("mode-box").hidden = !config.agent;
    $("upload-panel").hidden = !config.rag;
    if (!$("messages").children.length) showWelcome();
    await loadPrompts();
    document.body.dataset.ready = "true";
  } catch (error) {
    showNotice(`The playground could not start: ${error.message}`);
  }
}

start();
