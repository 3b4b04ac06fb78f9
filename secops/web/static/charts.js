// Charts of the console, drawn as SVG (and HTML for tables and the matrix) from the rows the
// server evaluates (secops/dashboards/evaluate.py). Data only ever reaches the page as text:
// textContent and createTextNode, never innerHTML; attributes carry only numbers and our colours.
// The shapes and palette follow secops/report/charts.py, which draws the same panels for reports.

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];
const SEVERITY = { informational: "#9aa5b1", low: "#4e79a7", medium: "#edc948", high: "#f28e2b", critical: "#c62828" };
const SEVERITY_ORDER = ["critical", "high", "medium", "low", "informational"];

function svg(name, attrs = {}) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function svgText(x, y, text, attrs = {}) {
  const node = svg("text", { x, y, "font-size": 11, fill: "#333", ...attrs });
  node.textContent = inert(text);
  return node;
}

function html(name, text, className) {
  const node = document.createElement(name);
  if (text !== undefined && text !== null) node.textContent = inert(text);
  if (className) node.className = className;
  return node;
}

// Control characters and bidi overrides would hide or reorder what an analyst reads ("admin\u202egnp.exe"
// displays as "adminexe.png"): every text set here shows them as \xNN / \uNNNN, as the terminal and reports do.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function inert(text) {
  return String(text).replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

export function cellText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(cellText).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function colour(name, index) {
  return SEVERITY[name] || PALETTE[index % PALETTE.length];
}

// The top of a count axis: a round number that four gridlines divide into whole counts (a peak of 1
// would label them 0, 0, 1, 1, 1).
function niceMax(value) {
  if (value <= 0) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(Math.ceil(value / step) * step / 4) * 4;
}

function shortTime(iso, interval) {
  const moment = new Date(iso);
  if (interval >= 86400) return moment.toISOString().slice(5, 10);
  return moment.toISOString().slice(11, 16);
}

function clip(text, size) {
  return text.length > size ? text.slice(0, size - 1) + "…" : text;
}

function frame(width, height, title) {
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  const label = svg("title");
  label.textContent = inert(title);
  root.appendChild(label);
  return root;
}

function empty(container) {
  container.appendChild(html("p", "no data", "empty"));
  return 0;
}

// Every time the page shows is UTC and says so, as the terminal and the reports show them: a clock in
// the browser's zone beside bucket labels in UTC read as the same hours.

// Counts over time: rows {time, series, count}, every bucket present.
function timeSeries(container, panel, result) {
  const rows = result.rows;
  const times = [...new Set(rows.map((r) => r.time))];
  let names = [...new Set(rows.map((r) => r.series))];
  if (names.every((n) => n in SEVERITY)) names = SEVERITY_ORDER.filter((n) => names.includes(n));
  const value = new Map(rows.map((r) => [`${r.time}\u0000${r.series}`, r.count]));
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  if (!times.length || total === 0) return empty(container);
  const wide = panel.width === 2;
  const width = wide ? 1200 : 600;
  const height = 260;
  const left = 48, right = 10, top = 30, bottom = 28;
  const plotW = width - left - right, plotH = height - top - bottom;
  const stacked = panel.chart === "stacked_bar";
  const line = panel.chart === "line";
  const perTime = times.map((t) => names.map((n) => value.get(`${t}\u0000${n}`) || 0));
  const peak = niceMax(Math.max(...perTime.map((v) => (stacked ? v.reduce((a, b) => a + b, 0) : Math.max(...v)))));
  const root = frame(width, height, panel.title);
  names.forEach((name, i) => {
    const x = left + i * 150;
    root.appendChild(svg("rect", { x, y: 6, width: 10, height: 10, fill: colour(name, i) }));
    root.appendChild(svgText(x + 14, 15, clip(name, 22)));
  });
  for (let k = 0; k <= 4; k++) {
    const y = top + plotH - (plotH * k) / 4;
    root.appendChild(svg("line", { x1: left, y1: y, x2: left + plotW, y2: y, stroke: "#e3e6ea" }));
    root.appendChild(svgText(left - 4, y + 3, String(Math.round((peak * k) / 4)), { "text-anchor": "end", "font-size": 9 }));
  }
  const slot = plotW / times.length;
  const every = Math.max(1, Math.ceil(times.length / (wide ? 24 : 12)));
  let marks = 0;
  times.forEach((t, ti) => {
    if (ti % every === 0) {
      root.appendChild(svgText(left + ti * slot + slot / 2, top + plotH + 14, shortTime(t, result.interval || 3600), { "text-anchor": "middle", "font-size": 9 }));
    }
  });
  if (line) {
    names.forEach((name, ni) => {
      const points = times.map((t, ti) => [left + ti * slot + slot / 2, top + plotH - (plotH * perTime[ti][ni]) / peak]);
      const path = svg("path", { d: "M" + points.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(" L"), fill: "none", stroke: colour(name, ni), "stroke-width": 2, class: "mark" });
      const tip = svg("title");
      tip.textContent = inert(name);
      path.appendChild(tip);
      root.appendChild(path);
      if (perTime.some((v) => v[ni] > 0)) marks += 1;
    });
  } else {
    const group = stacked ? 1 : names.length;
    const barW = Math.max((slot * 0.8) / group, 1);
    times.forEach((t, ti) => {
      let base = top + plotH;
      names.forEach((name, ni) => {
        const v = perTime[ti][ni];
        if (v <= 0) return;
        const h = (plotH * v) / peak;
        const x = left + ti * slot + slot * 0.1 + (stacked ? 0 : ni * barW);
        const y = stacked ? base - h : top + plotH - h;
        if (stacked) base -= h;
        const bar = svg("rect", { x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: h.toFixed(1), fill: colour(name, ni), class: "mark" });
        const tip = svg("title");
        tip.textContent = inert(`${t} ${name}: ${v}`);
        bar.appendChild(tip);
        root.appendChild(bar);
        marks += 1;
      });
    });
  }
  root.appendChild(svg("line", { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, stroke: "#888" }));
  root.appendChild(svgText(left + plotW, top + plotH + 25, "times in UTC", { "text-anchor": "end", "font-size": 9, class: "zone" }));
  container.appendChild(root);
  return marks;
}

// Top values: rows {key, count}, most first.
function topValues(container, panel, result) {
  const rows = result.rows.filter((r) => r.count > 0);
  if (!rows.length) return empty(container);
  const width = panel.width === 2 ? 1200 : 600;
  const rowH = 22;
  const height = 8 + rowH * rows.length;
  const labelW = Math.round(width * 0.4);
  const plotW = width - labelW - 60;
  const peak = Math.max(...rows.map((r) => r.count));
  const root = frame(width, height, panel.title);
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    const label = cellText(r.key);
    const text = svgText(labelW - 6, y + 14, clip(label, panel.width === 2 ? 80 : 36), { "text-anchor": "end" });
    const tip = svg("title");
    tip.textContent = inert(label);
    text.appendChild(tip);
    root.appendChild(text);
    const w = Math.max((plotW * r.count) / peak, 1);
    root.appendChild(svg("rect", { x: labelW, y: y + 3, width: w.toFixed(1), height: rowH - 6, fill: colour(label, 0), class: "mark" }));
    root.appendChild(svgText(labelW + w + 4, y + 14, r.count.toLocaleString()));
  });
  container.appendChild(root);
  return rows.length;
}

function number(container, panel, result) {
  const row = result.rows[0] || { key: panel.title, count: 0 };
  container.appendChild(html("div", Number(row.count).toLocaleString(), "number"));
  container.appendChild(html("div", cellText(row.key), "caption"));
  return 1;
}

const TIMES = new Set(["time", "first_seen", "last_seen"]);
const HEADINGS = { time: "time (UTC)", hosts: "hosts", users: "users", ips: "IPs", techniques: "ATT&CK", first_seen: "first seen (UTC)", last_seen: "last seen (UTC)" };

// A cell shows at most CELL_MAX characters and says how many it left out, as terminal tables do: one
// attacker-sized value (a 20,000-character user name) would otherwise fill the queue and hide the
// alerts after it. The whole value stays in the cell's tooltip and the alert's detail.
const CELL_MAX = 200;

function clipCell(text) {
  return text.length > CELL_MAX ? `${text.slice(0, CELL_MAX)}… (+${text.length - CELL_MAX} characters)` : text;
}

// Alerts or incidents: rows are objects; hooks add the triage buttons of an alert queue.
function table(container, panel, result, hooks) {
  const rows = result.rows;
  if (!rows.length) return empty(container);
  const columns = panel.aggregation.columns;
  const wrap = html("div", null, "tablewrap");
  const grid = html("table");
  const head = html("tr");
  for (const name of columns) head.appendChild(html("th", HEADINGS[name] || name));
  if (panel.source === "alerts") head.appendChild(html("th", "actions"));
  grid.appendChild(html("thead")).appendChild(head);
  const body = html("tbody");
  for (const row of rows) {
    const tr = html("tr");
    tr.dataset.id = row.id;
    for (const name of columns) {
      const td = html("td");
      if (name === "severity") td.appendChild(html("span", row.severity, `sev sev-${row.severity in SEVERITY ? row.severity : "low"}`));
      else if (TIMES.has(name) && row[name]) {
        td.textContent = inert(String(row[name]).replace("T", " ").slice(0, 19));
        td.title = inert(row[name]);
      } else {
        const full = cellText(row[name]);
        td.textContent = inert(clipCell(full));
        if (full.length > CELL_MAX) td.title = inert(full);
      }
      td.dataset.column = name;
      tr.appendChild(td);
    }
    if (panel.source === "alerts") tr.appendChild(hooks.actions(panel, row));
    body.appendChild(tr);
  }
  grid.appendChild(body);
  wrap.appendChild(grid);
  container.appendChild(wrap);
  return rows.length;
}

function heat(count, peak) {
  if (count <= 0) return 0;
  return 1 + Math.min(4, Math.floor((4 * Math.log(count)) / Math.log(peak + 1)));
}

// ATT&CK: rows {tactic, tactic_name, technique, name, count}, in matrix order.
function matrix(container, panel, result) {
  const columns = new Map();
  for (const row of result.rows) {
    if (!columns.has(row.tactic)) columns.set(row.tactic, { name: row.tactic_name, cells: [] });
    columns.get(row.tactic).cells.push(row);
  }
  const peak = Math.max(0, ...result.rows.map((r) => r.count));
  const board = html("div", null, "matrix");
  let marks = 0;
  for (const [tactic, column] of columns) {
    const box = html("div", null, "tactic");
    box.dataset.tactic = tactic;
    box.appendChild(html("h3", column.name));
    for (const cell of column.cells) {
      const node = html("div", null, `cell heat-${heat(cell.count, peak)}`);
      node.dataset.technique = cell.technique;
      node.appendChild(html("span", cell.count ? String(cell.count) : "", "count"));
      node.appendChild(html("strong", cell.technique));
      node.appendChild(document.createTextNode(" " + cell.name));
      node.title = `${cell.technique} ${cell.name}: ${cell.count} alert(s)`;
      box.appendChild(node);
      if (cell.count > 0) marks += 1;
    }
    board.appendChild(box);
  }
  container.appendChild(board);
  return marks;
}

const DRAW = { line: timeSeries, bar: null, stacked_bar: timeSeries, hbar: topValues, number, table, matrix };

// Draw a panel's result into its (emptied) container; returns how many data marks were drawn.
export function render(container, panel, result, hooks) {
  container.replaceChildren();
  let draw = DRAW[panel.chart];
  if (panel.chart === "bar") draw = panel.aggregation.kind === "histogram" ? timeSeries : topValues;
  return draw(container, panel, result, hooks);
}
