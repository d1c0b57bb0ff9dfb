// The cueflow dashboard: a client of /api/v1 like any other, kept live by one SSE stream.
"use strict";

const API = "/api/v1";
const view = {
  runs: new Map(),      // "ns/name" -> summary {namespace, name, phase, finished, created}
  selected: null,       // "ns/name" of the run shown, or null
  run: null,            // its document
  logStep: null,        // the step whose log is shown, or null for all
  lastSeq: 0,           // the last log line shown
};
const $ = (selector) => document.querySelector(selector);

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child ?? "");
  return node;
}

function phaseBadge(phase) {
  return element("span", { class: `phase phase-${phase || "pending"}` }, phase || "pending");
}

function runPath(key, suffix = "") {
  const [namespace, name] = key.split("/");
  const query = new URLSearchParams({ namespace });
  return `${API}/runs/${encodeURIComponent(name)}${suffix}?${query}`;
}

async function call(url, options = {}) {
  const response = await fetch(url, options);
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body?.error || `HTTP ${response.status}`);
  return body;
}

function since(start, end) {
  if (!start) return "";
  const seconds = Math.max(0, Math.round(((end ? new Date(end) : new Date()) - new Date(start)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

// --- the run list ---------------------------------------------------------------------------

async function loadPhases() {
  // the phases come from the API's own description, not from a copy kept here
  const spec = await call("/openapi.json");
  const select = $("#phase-filter");
  for (const phase of spec.components.schemas.RunPhase.enum) {
    select.append(element("option", { value: phase }, phase));
  }
  select.addEventListener("change", renderRuns);
}

async function loadRuns() {
  view.runs.clear();
  for (const run of await call(`${API}/runs`)) view.runs.set(`${run.namespace}/${run.name}`, run);
  renderRuns();
}

function renderRuns() {
  const phase = $("#phase-filter").value;
  const rows = [...view.runs.entries()]
    .filter(([, run]) => !phase || run.phase === phase)
    .sort(([, a], [, b]) => String(b.created || "").localeCompare(String(a.created || "")))
    .map(([key, run]) => element(
      "tr",
      { class: key === view.selected ? "selected" : "", "data-run": key,
        onclick: () => { location.hash = `#/runs/${key}`; } },
      element("td", {}, run.name),
      element("td", {}, run.namespace),
      element("td", {}, phaseBadge(run.phase)),
      element("td", {}, run.created ? new Date(run.created).toLocaleString() : ""),
    ));
  $("#runs tbody").replaceChildren(...rows);
  $("#no-runs").hidden = view.runs.size > 0;
}

// --- one run ----------------------------------------------------------------------------------

async function selectRun(key) {
  view.selected = key;
  view.run = null;
  view.logStep = null;
  renderRuns();
  $("#run-pane").hidden = !key;
  if (!key) return;
  $("#run-error").hidden = true;
  try {
    view.run = await call(runPath(key));
  } catch (error) {
    showError(error);
    return;
  }
  renderRun();
  await loadLogs();
}

function showError(error) {
  $("#run-error").textContent = error.message;
  $("#run-error").hidden = false;
}

function stepRows(status, spec) {
  // steps that have started carry a status; the others are shown from the spec as pending
  const rows = [];
  const known = new Set();
  const row = (step, sub) => {
    known.add(step.name);
    const finished = ["succeeded", "failed", "skipped"].includes(step.phase);
    rows.push(element(
      "tr",
      { class: [sub ? "sub" : "", step.name === view.logStep ? "chosen" : ""].join(" "),
        "data-step": step.name, onclick: () => chooseStep(step.name) },
      element("td", {}, step.name),
      element("td", {}, step.type || ""),
      element("td", {}, phaseBadge(step.phase)),
      element("td", {}, since(step.firstExecuteTime, finished ? step.lastExecuteTime : null)),
      element("td", {}, step.message || step.reason || ""),
    ));
  };
  for (const step of status.steps || []) {
    row(step, false);
    for (const sub of step.subSteps || []) row(sub, true);
  }
  for (const step of spec?.workflowSpec?.steps || []) {
    if (!known.has(step.name)) row({ name: step.name, type: step.type, phase: "pending" }, false);
    for (const sub of step.subSteps || []) {
      if (!known.has(sub.name)) row({ name: sub.name, type: sub.type, phase: "pending" }, true);
    }
  }
  return rows;
}

function renderRun() {
  const run = view.run;
  const status = run.status || {};
  $("#run-title").textContent = `${run.metadata.namespace}/${run.metadata.name}`;
  $("#run-phase").replaceWith(Object.assign(phaseBadge(status.status), { id: "run-phase" }));
  const timing = status.startTime ? `ran ${since(status.startTime, status.endTime)}` : "";
  $("#run-message").textContent = [status.message, timing].filter(Boolean).join(" · ");
  $("#steps tbody").replaceChildren(...stepRows(status, run.spec));
  const allowed = {
    suspend: !status.finished && !status.suspend,
    resume: !status.finished && Boolean(status.suspend),
    terminate: !status.finished,
    restart: true,
  };
  for (const button of document.querySelectorAll("[data-op]")) {
    button.disabled = !allowed[button.dataset.op];
  }
}

async function operate(op) {
  $("#run-error").hidden = true;
  try {
    // the answer may be older than a status event already shown: the stream brings the change
    await call(runPath(view.selected, `/${op}`), { method: "POST" });
  } catch (error) {
    showError(error);
  }
}

// --- logs ---------------------------------------------------------------------------------------

function chooseStep(step) {
  view.logStep = view.logStep === step ? null : step;
  renderRun();
  loadLogs();
}

async function loadLogs() {
  const key = view.selected;
  const query = view.logStep ? `&step=${encodeURIComponent(view.logStep)}` : "";
  const lines = await call(runPath(key, "/logs") + query);
  if (key !== view.selected) return;
  $("#logs").replaceChildren();
  view.lastSeq = 0;
  lines.forEach(appendLog);
  $("#log-step").textContent = view.logStep ? `(${view.logStep})` : "";
  $("#all-logs").hidden = !view.logStep;
}

function appendLog(line) {
  if (line.seq <= view.lastSeq) return;
  view.lastSeq = line.seq;
  const time = new Date(line.time).toLocaleTimeString();
  const level = line.level ? line.level.toLowerCase() : "";
  $("#logs").append(element(
    "div", { class: "log-line" },
    element("span", { class: "log-time" }, time), " ",
    element("span", { class: "log-step" }, line.step), " ",
    element("span", { class: `log-${level}` }, line.text),
  ));
}

// --- live updates --------------------------------------------------------------------------------

function connect() {
  const source = new EventSource(`${API}/events`);
  const indicator = $("#connection");
  source.addEventListener("open", async () => {
    indicator.textContent = "live";
    indicator.classList.add("live");
    await loadRuns();  // after subscribing, so that no change is missed
    if (view.selected) await selectRun(view.selected);
  });
  source.addEventListener("error", () => {
    indicator.textContent = "reconnecting…";
    indicator.classList.remove("live");
  });
  source.addEventListener("status", (message) => {
    const event = JSON.parse(message.data);
    const previous = view.runs.get(event.run) || { created: new Date().toISOString() };
    view.runs.set(event.run, {
      ...previous, namespace: event.namespace, name: event.name,
      phase: event.phase, finished: event.finished,
    });
    renderRuns();
    if (event.run === view.selected && view.run) {
      view.run = { ...view.run, status: event.status };
      renderRun();
    }
  });
  source.addEventListener("log", (message) => {
    const line = JSON.parse(message.data);
    if (line.run === view.selected && (!view.logStep || line.step === view.logStep)) appendLog(line);
  });
  source.addEventListener("deleted", (message) => {
    const event = JSON.parse(message.data);
    view.runs.delete(event.run);
    renderRuns();
    if (event.run === view.selected) showError(new Error(`run ${event.run} was deleted`));
  });
}

function route() {
  const match = location.hash.match(/^#\/runs\/([^/]+)\/([^/]+)$/);
  selectRun(match ? `${decodeURIComponent(match[1])}/${decodeURIComponent(match[2])}` : null);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-op]")) {
    button.addEventListener("click", () => operate(button.dataset.op));
  }
  $("#all-logs").addEventListener("click", () => chooseStep(view.logStep));
  window.addEventListener("hashchange", route);
  loadPhases();
  connect();
  route();
});
