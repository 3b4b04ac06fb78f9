// The console page: tabs for the dashboards, panels fetched from /api/panel and drawn by charts.js,
// the alert queue's acknowledge/assign actions (POST with the CSRF token), auto-refresh.
// Every value from the server is inserted as text (textContent), never parsed as HTML.

import { cellText, inert, render } from "./charts.js";

const state = { session: null, dashboard: null, range: null, chosen: null, timer: null, generation: 0 };
const $ = (id) => document.getElementById(id);

function el(name, text, className) {
  const node = document.createElement(name);
  if (text !== undefined && text !== null) node.textContent = inert(text);
  if (className) node.className = className;
  return node;
}

function showError(message) {
  const box = $("error");
  box.textContent = inert(message);
  box.hidden = !message;
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": state.session.csrf },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

// -- triage -----------------------------------------------------------------------------
async function act(kind, ids, extra = {}) {
  try {
    await postJson(`/api/alerts/${kind}`, { ids, ...extra });
    showError("");
  } catch (error) {
    showError(`${kind} failed: ${error.message}`);
  }
  await refresh();
}

function actionCell(panel, row) {
  const td = el("td", null, "actions");
  const details = el("button", "Details", "small details");
  details.type = "button";
  details.addEventListener("click", () => openAlert(row.id));
  td.appendChild(details);
  if (panel.actions.includes("ack") && row.status === "open") {
    const ack = el("button", "Ack", "small ack");
    ack.type = "button";
    ack.addEventListener("click", () => {
      ack.disabled = true;
      act("ack", [row.id]);
    });
    td.appendChild(ack);
  }
  if (panel.actions.includes("assign")) {
    const form = el("form", null, "assign");
    const input = el("input");
    input.name = "assignee";
    input.placeholder = "analyst";
    input.value = row.assignee || "";
    input.setAttribute("aria-label", "assign to");
    const button = el("button", "Assign", "small");
    button.type = "submit";
    form.append(input, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act("assign", [row.id], { assignee: input.value.trim() || null });
    });
    td.appendChild(form);
  }
  return td;
}

function definitionList(pairs) {
  const list = el("dl");
  for (const [key, value] of pairs) {
    list.append(el("dt", key), el("dd", cellText(value)));
  }
  return list;
}

function flatten(value, prefix, out) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

async function openAlert(id) {
  const body = $("detail-body");
  body.replaceChildren(el("p", "Loading…", "muted"));
  $("detail").hidden = false;
  try {
    const detail = await getJson(`/api/alerts/${encodeURIComponent(id)}`);
    const alert = detail.alert;
    $("detail-title").textContent = inert(alert.rule.name);
    body.replaceChildren(
      definitionList([
        ["id", alert.id], ["time", alert.timestamp], ["severity", alert.severity], ["status", alert.status],
        ["assignee", alert.assignee], ["incident", alert.incident_id], ["rule id", alert.rule.id],
        ["rule author", alert.rule.author], ["techniques", alert.techniques], ["tactics", alert.tactics],
        ["hosts", alert.entities.hosts], ["users", alert.entities.users], ["IPs", alert.entities.ips],
      ]),
    );
    detail.events.forEach((event, index) => {
      body.append(el("h3", `Event ${index + 1}`), definitionList(flatten(event, "", [])));
    });
    if (detail.missing_events.length) body.append(el("p", `events not in the store: ${detail.missing_events.length}`, "muted"));
  } catch (error) {
    body.replaceChildren(el("p", error.message, "error"));
  }
}

// -- dashboards -------------------------------------------------------------------------
function currentDashboard() {
  let wanted = location.hash.replace(/^#\//, "");
  try {
    wanted = decodeURIComponent(wanted);
  } catch {
    // a hand-edited or cut link ("#/%E0"): the first dashboard rather than a dead page
  }
  const all = state.session.dashboards;
  return all.find((d) => d.id === wanted) || all[0];
}

function drawTabs() {
  const nav = $("tabs");
  nav.replaceChildren();
  for (const dashboard of state.session.dashboards) {
    const tab = el("button", dashboard.title);
    tab.type = "button";
    tab.dataset.dashboard = dashboard.id;
    if (state.dashboard && dashboard.id === state.dashboard.id) tab.setAttribute("aria-current", "page");
    tab.addEventListener("click", () => { location.hash = `#/${dashboard.id}`; });
    nav.appendChild(tab);
  }
}

async function loadPanel(dashboard, panel, article, generation) {
  const chart = article.querySelector(".chart");
  const meta = article.querySelector(".meta");
  const query = new URLSearchParams({ dashboard: dashboard.id, panel: panel.id, range: state.range });
  try {
    const result = await getJson(`/api/panel?${query}`);
    if (generation !== state.generation) return;
    const marks = render(chart, panel, result, { actions: actionCell });
    article.dataset.marks = String(marks);
    article.dataset.state = "ready";
    const shown = result.total !== null && result.total !== undefined ? `${result.rows.length} of ${result.total}` : "";
    meta.textContent = inert([panel.timeless || panel.source === "incidents" ? "all time" : `last ${state.range}`, shown].filter(Boolean).join(" · "));
  } catch (error) {
    if (generation !== state.generation) return;
    chart.replaceChildren(el("p", `cannot load: ${error.message}`, "error"));
    article.dataset.state = "error";
  }
}

function layout(dashboard) {
  $("title").textContent = inert(dashboard.title);
  $("description").textContent = inert(dashboard.description);
  const grid = $("grid");
  grid.replaceChildren();
  for (const panel of dashboard.panels) {
    const article = el("article", null, panel.width === 2 ? "panel wide" : "panel");
    article.dataset.panel = panel.id;
    article.dataset.state = "loading";
    article.append(el("h2", panel.title), el("div", null, "chart"), el("p", "", "meta"));
    grid.appendChild(article);
  }
}

async function refresh() {
  clearTimeout(state.timer);
  const dashboard = state.dashboard;
  const generation = ++state.generation;
  const articles = [...$("grid").querySelectorAll("article.panel")];
  await Promise.all(dashboard.panels.map((panel, i) => loadPanel(dashboard, panel, articles[i], generation)));
  if (generation !== state.generation) return;
  $("updated").textContent = inert(`updated ${new Date().toISOString().slice(11, 19)} UTC`);
  document.body.dataset.ready = dashboard.id;
  performance.mark(`secops-ready-${dashboard.id}-${generation}`);
  if ($("auto").checked) state.timer = setTimeout(refresh, dashboard.refresh * 1000);
}

function show() {
  state.dashboard = currentDashboard();
  delete document.body.dataset.ready;
  state.range = state.chosen || state.dashboard.range;
  $("range").value = state.range;
  drawTabs();
  layout(state.dashboard);
  refresh();
}

async function start() {
  try {
    state.session = await getJson("/api/session");
  } catch (error) {
    showError(`The console cannot start: ${error.message}. Open the address secops dashboard printed (it carries the token).`);
    return;
  }
  $("analyst").textContent = inert(`analyst: ${state.session.analyst}`);
  const select = $("range");
  for (const range of state.session.ranges) select.appendChild(el("option", range)).value = range;
  select.addEventListener("change", () => {
    state.range = state.chosen = select.value;
    refresh();
  });
  $("refresh").addEventListener("click", () => refresh());
  $("auto").addEventListener("change", () => ($("auto").checked ? refresh() : clearTimeout(state.timer)));
  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; });
  window.addEventListener("hashchange", show);
  show();
}

start();
