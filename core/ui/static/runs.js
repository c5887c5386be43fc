// The runs table of an experiment: server-side filtering, sorting and paging (page tokens),
// chosen param/metric/tag columns, grouping by a param, selection for comparison and a
// live refresh while visible runs are RUNNING. State lives in the URL.

import {
  api, BASE, el, fill, fmtDuration, fmtNumber, fmtRelative, fmtTime, fullNumber, loadPlotly,
  pageData, plotlyPreloaded, relativeTimes, runUrl, statusBadge,
} from "./common.js";
import { columnsPanelContent } from "./columns.js";
import { initExperimentEditing } from "./edit.js";
import { exportHref, initViews } from "./views.js";
import { ChartPanel, runColor } from "./workspace.js";

const { experiment } = pageData();
const experimentId = experiment.experiment_id;
const LIVE_MS = 5000;
const DEFAULT_COLUMNS = 8;
const ATTRIBUTES = {
  run_name: "attributes.run_name",
  status: "attributes.status",
  start_time: "attributes.start_time",
  duration: "attributes.duration",
};

const table = document.getElementById("runs-table");
const message = document.getElementById("runs-message");
const filterInput = document.getElementById("filter");
const filterError = document.getElementById("filter-error");
const groupSelect = document.getElementById("group-by");
const pageSizeSelect = document.getElementById("page-size");
const compareButton = document.getElementById("compare-button");
const clearSelection = document.getElementById("clear-selection");
const selectionInfo = document.getElementById("selection-info");
const columnsButton = document.getElementById("columns-button");
const columnsPanel = document.getElementById("columns-panel");
const liveBadge = document.getElementById("live");

const storageKey = (name) => `trialbook.${name}.${experimentId}`;

const state = {
  filter: "",
  sort: null, // {kind: "attribute"|"param"|"metric"|"tag", key, agg, desc}
  columns: null, // {params: [key], metrics: [[key, agg]], tags: [key]}
  groupBy: "",
  view: "active",
  pageSize: 100,
  tokens: [null],
  page: 0,
  selected: new Set(JSON.parse(sessionStorage.getItem(storageKey("selected")) || "[]")),
  collapsed: new Set(),
  available: { params: [], metrics: [], tags: [] },
  rows: [],
  total: null,
  groups: null,
  nextToken: null,
  chartRuns: "visible", // or "selected"
  nest: true, // child runs listed under their parents
  expanded: new Set(), // parents whose children are shown
  children: new Map(), // parent run id -> its child rows
  chartPanel: null, // the chart panel's families and single values of the page's runs
  seen: new Map(), // run id -> {name, startTime} of every row shown, for charts of selections
};

const charts = new ChartPanel(document.getElementById("chart-panel"), {
  onHover: hoverRow,
  onSettings: () => writeUrl(),
});
const chartRunsSelect = document.getElementById("chart-runs");

let liveTimer = null;
let tickTimer = null;
let requestId = 0;

// URL state ----------------------------------------------------------------------------

function readUrl() {
  const query = new URLSearchParams(window.location.search);
  state.filter = query.get("filter") || "";
  state.groupBy = query.get("group") || "";
  state.view = query.get("view") || "active";
  state.pageSize = Number(query.get("rows")) || 100;
  try {
    state.sort = query.get("sort") ? JSON.parse(query.get("sort")) : null;
  } catch (error) {
    state.sort = null;
  }
  if (query.get("sel") !== null) state.selected = new Set(query.get("sel").split(",").filter(Boolean));
  state.chartRuns = query.get("chart_runs") === "selected" ? "selected" : "visible";
  state.nest = query.get("flat") !== "1";
  state.expanded = new Set((query.get("open") || "").split(",").filter(Boolean));
  try {
    charts.applySettings(query.get("chart") ? JSON.parse(query.get("chart")) : {});
  } catch (error) {
    charts.applySettings({});
  }
  try {
    const stored = query.get("cols") || localStorage.getItem(storageKey("columns"));
    state.columns = stored ? JSON.parse(stored) : null;
  } catch (error) {
    state.columns = null;
  }
}

function writeUrl() {
  const query = new URLSearchParams();
  if (state.filter) query.set("filter", state.filter);
  if (state.sort) query.set("sort", JSON.stringify(state.sort));
  if (state.groupBy) query.set("group", state.groupBy);
  if (state.view !== "active") query.set("view", state.view);
  if (state.pageSize !== 100) query.set("rows", String(state.pageSize));
  if (state.columns) {
    const cols = JSON.stringify(state.columns);
    query.set("cols", cols);
    localStorage.setItem(storageKey("columns"), cols);
  }
  if (state.selected.size) query.set("sel", [...state.selected].join(","));
  if (!state.nest) query.set("flat", "1");
  if (state.nest && state.expanded.size) query.set("open", [...state.expanded].join(","));
  if (state.chartRuns !== "visible") query.set("chart_runs", state.chartRuns);
  const chart = Object.fromEntries(Object.entries(charts.settings())
    .filter(([key, value]) => value && !(key === "x" && value === "step")));
  if (Object.keys(chart).length) query.set("chart", JSON.stringify(chart));
  updateExport();
  const search = query.toString();
  history.replaceState(null, "", `${window.location.pathname}${search ? `?${search}` : ""}`);
}

// Data ---------------------------------------------------------------------------------

function quote(key) {
  return "`" + key.replaceAll("`", "``") + "`";
}

function orderBy() {
  const sort = state.sort;
  if (!sort) return [];
  const direction = sort.desc ? " DESC" : " ASC";
  if (sort.kind === "attribute") return [ATTRIBUTES[sort.key] + direction];
  if (sort.kind === "param") return [`params.${quote(sort.key)}${direction}`];
  if (sort.kind === "tag") return [`tags.${quote(sort.key)}${direction}`];
  const field = `metrics.${quote(sort.key)}`;
  return [(sort.agg === "latest" ? field : `${sort.agg}(${field})`) + direction];
}

async function load({ quiet = false } = {}) {
  const id = ++requestId;
  if (!quiet) table.setAttribute("aria-busy", "true");
  clearTimeout(liveTimer);
  try {
    const body = await api(`/api/ui/experiments/${encodeURIComponent(experimentId)}/runs`, {
      filter: state.filter,
      order_by: orderBy(),
      max_results: state.pageSize,
      page_token: state.tokens[state.page],
      tags: state.columns ? state.columns.tags : [],
      group_by: state.groupBy,
      view: state.view,
      nest: state.nest ? "true" : null,
      charts: state.chartRuns === "visible" ? "true" : null,
    });
    if (id !== requestId) return;
    state.children.clear();
    openContext(body.runs);
    await Promise.all(body.runs.filter((r) => state.expanded.has(r.run_id)).map((r) => loadChildren(r.run_id)));
    if (id !== requestId) return;
    showError(null);
    if (!state.columns) {
      state.columns = defaultColumns(body.runs);
      buildColumnsPanel();
    }
    state.rows = body.runs;
    state.chartPanel = body.charts || null;
    state.total = body.total;
    state.groups = body.groups;
    state.nextToken = body.next_page_token;
    render();
  } catch (error) {
    if (id !== requestId) return;
    if (error.error && error.error.type === "SearchSyntaxError") {
      showError(error.error);
      state.rows = [];
      state.total = null;
      state.nextToken = null;
      render("Fix the filter to see runs.");
    } else {
      showError({ message: error.message });
      state.columns ||= { params: [], metrics: [], tags: [] };
      render("Could not load runs.");
    }
  } finally {
    if (id === requestId) {
      table.setAttribute("aria-busy", "false");
      scheduleLive();
    }
  }
}

/** Fetch a parent's children (in the table's filter and order), and theirs when expanded. */
async function loadChildren(parentId) {
  const body = await api(`/api/ui/experiments/${encodeURIComponent(experimentId)}/runs`, {
    filter: state.filter,
    order_by: orderBy(),
    max_results: 1000,
    tags: state.columns ? state.columns.tags : [],
    view: state.view,
    parent: parentId,
  });
  state.children.set(parentId, body.runs);
  for (const run of body.runs) remember(run);
  openContext(body.runs);
  await Promise.all(body.runs.filter((r) => state.expanded.has(r.run_id)).map((r) => loadChildren(r.run_id)));
}

/** Runs listed only as the parents of matching runs are opened, to show those runs. */
function openContext(rows) {
  for (const run of rows) if (run.context) state.expanded.add(run.run_id);
}

async function toggleFamily(parentId) {
  if (state.expanded.has(parentId)) {
    state.expanded.delete(parentId);
  } else {
    state.expanded.add(parentId);
    if (!state.children.has(parentId)) {
      try {
        await loadChildren(parentId);
      } catch (error) {
        state.expanded.delete(parentId);
        showError({ message: error.message });
      }
    }
  }
  writeUrl();
  render();
}

/** The rows on screen, in order: each expanded parent followed by its children. */
function visibleRows() {
  const shown = [];
  const walk = (rows, depth) => {
    for (const run of rows) {
      shown.push([run, depth]);
      if (state.expanded.has(run.run_id) && state.children.has(run.run_id)) walk(state.children.get(run.run_id), depth + 1);
    }
  };
  walk(state.rows, 0);
  return shown;
}

function showError(error) {
  if (!error) {
    filterError.hidden = true;
    filterInput.removeAttribute("aria-invalid");
    return;
  }
  filterError.hidden = false;
  filterInput.setAttribute("aria-invalid", "true");
  const where = error.column ? ` (column ${error.column})` : "";
  fill(filterError.querySelector(".search-error-message"), `${error.message}${where}`);
  const caret = filterError.querySelector(".search-error-caret");
  if (error.text !== undefined && error.column) {
    caret.hidden = false;
    fill(caret, `${error.text}\n${" ".repeat(Math.max(0, error.column - 1))}^`);
  } else {
    caret.hidden = true;
  }
}

async function loadColumns() {
  const body = await api(`/api/ui/experiments/${encodeURIComponent(experimentId)}/columns`);
  state.available = body;
  fill(groupSelect, el("option", { value: "", text: "None" }),
    body.params.map((k) => el("option", { value: k, text: k, selected: k === state.groupBy })));
  if (state.columns) buildColumnsPanel();
}

/** Default columns, from the keys of the first page's runs (the full list comes later). */
function defaultColumns(rows) {
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))]
    .filter((k) => !k.startsWith("system/")).sort();
  return {
    params: params.slice(0, DEFAULT_COLUMNS),
    metrics: metrics.slice(0, DEFAULT_COLUMNS).map((k) => [k, "latest"]),
    tags: [],
  };
}

// Rendering ----------------------------------------------------------------------------

function headerCell(label, sortSpec, extra = {}) {
  const active = state.sort && sortSpec && state.sort.kind === sortSpec.kind
    && state.sort.key === sortSpec.key && (state.sort.agg || "latest") === (sortSpec.agg || "latest");
  const th = el("th", {
    class: extra.class, title: extra.title, scope: "col",
    "data-sort": sortSpec ? "1" : null,
    "aria-sort": active ? (state.sort.desc ? "descending" : "ascending") : null,
  }, label);
  if (sortSpec) {
    th.addEventListener("click", () => {
      const desc = active ? !state.sort.desc : sortSpec.kind === "metric" || sortSpec.key === "start_time";
      state.sort = { ...sortSpec, desc };
      resetPages();
      writeUrl();
      load();
    });
  }
  return th;
}

function renderHead() {
  const cols = state.columns;
  const pageIds = state.rows.map((r) => r.run_id);
  const allSelected = pageIds.length > 0 && pageIds.every((id) => state.selected.has(id));
  const selectAll = el("input", { type: "checkbox", "aria-label": "Select all runs on this page", checked: allSelected });
  selectAll.addEventListener("change", () => {
    for (const id of pageIds) {
      if (selectAll.checked) state.selected.add(id);
      else state.selected.delete(id);
    }
    selectionChanged();
    render();
  });
  const cells = [
    el("th", { class: "col-check", scope: "col" }, selectAll),
    headerCell("Run", { kind: "attribute", key: "run_name" }),
    headerCell("Status", { kind: "attribute", key: "status" }),
    headerCell("Started", { kind: "attribute", key: "start_time" }),
    headerCell("Duration", { kind: "attribute", key: "duration" }, { class: "num" }),
    cols.params.map((key) => headerCell(key, { kind: "param", key }, { class: "kind-param", title: `params.${key}` })),
    cols.metrics.map(([key, agg]) => headerCell(
      [key, agg !== "latest" ? el("span", { class: "agg", text: agg }) : null],
      { kind: "metric", key, agg }, { class: "num kind-metric", title: `${agg === "latest" ? "" : agg + " of "}metrics.${key}` })),
    cols.tags.map((key) => headerCell(key, { kind: "tag", key }, { class: "kind-tag", title: `tags.${key}` })),
  ];
  fill(table.tHead, el("tr", {}, cells));
  return cells.flat().length;
}

function cell(text, attrs = {}) {
  return el("td", { ...attrs, text });
}

function runRow(run, depth = 0) {
  const cols = state.columns;
  const checkbox = el("input", { type: "checkbox", "aria-label": `Select ${run.run_name}`, checked: state.selected.has(run.run_id) });
  checkbox.addEventListener("change", () => {
    if (checkbox.checked) state.selected.add(run.run_id);
    else state.selected.delete(run.run_id);
    row.classList.toggle("selected", checkbox.checked);
    selectionChanged();
  });
  const duration = run.duration ?? (run.status === "RUNNING" ? Date.now() - run.start_time : null);
  const durationCell = cell(fmtDuration(duration), { class: "num" });
  if (run.status === "RUNNING") durationCell.dataset.start = run.start_time;
  const count = run.child_count || 0;
  const expanded = state.expanded.has(run.run_id);
  const toggle = count
    ? el("button", {
      type: "button", class: "family-toggle", "aria-expanded": String(expanded),
      "aria-label": `${expanded ? "Hide" : "Show"} ${count} child run${count === 1 ? "" : "s"} of ${run.run_name}`,
      text: `${expanded ? "▾" : "▸"} ${count}`,
    })
    : null;
  if (toggle) toggle.addEventListener("click", () => toggleFamily(run.run_id));
  const classes = [state.selected.has(run.run_id) ? "selected" : "", depth ? "child-row" : "", run.context ? "context-row" : ""].filter(Boolean).join(" ");
  const row = el("tr", { class: classes || null, dataset: { runId: run.run_id, depth: String(depth) } },
    el("td", { class: "col-check" }, checkbox),
    el("td", { class: "name", title: run.context ? `${run.run_name} (does not match the filter: the parent of runs that do)` : run.run_name },
      depth ? el("span", { class: "indent", dataset: { depth: String(depth) } }) : null,
      run.parent_run_id ? el("span", { class: "child-mark", title: "Child run", text: "↳" }) : null,
      toggle,
      el("span", { class: "swatch", dataset: { color: runColor(run.run_id) } }),
      el("a", { href: runUrl(run.run_id), text: run.run_name })),
    el("td", {}, statusBadge(run.status)),
    el("td", { title: fmtTime(run.start_time) }, el("time", { text: fmtRelative(run.start_time) })),
    durationCell,
    cols.params.map((key) => {
      const value = run.params[key];
      return cell(value ?? "", { class: "mono", title: value ?? null });
    }),
    cols.metrics.map(([key, agg]) => {
      const summary = run.metrics[key];
      const value = summary ? summary[agg] : null;
      return cell(fmtNumber(value), { class: "num mono", title: summary ? `${fullNumber(value)} (step ${summary.step})` : null });
    }),
    cols.tags.map((key) => cell(run.tags[key] ?? "", { title: run.tags[key] ?? null })),
  );
  row.querySelector(".swatch").style.background = runColor(run.run_id);
  row.addEventListener("mouseenter", () => charts.highlight(run.run_id));
  row.addEventListener("mouseleave", () => charts.highlight(null));
  return row;
}

function groupRow(value, count, width) {
  const collapsed = state.collapsed.has(value);
  const label = value === null ? `${state.groupBy} not set` : `${state.groupBy} = ${value}`;
  const row = el("tr", { class: "group-row", dataset: { group: value ?? "" } },
    el("td", { colspan: width },
      el("span", { class: "caret", text: collapsed ? "▸" : "▾" }),
      label,
      el("span", { class: "muted", text: ` · ${count} run${count === 1 ? "" : "s"}` })));
  row.addEventListener("click", () => {
    if (state.collapsed.has(value)) state.collapsed.delete(value);
    else state.collapsed.add(value);
    render();
  });
  return row;
}

function render(emptyText = null) {
  if (!state.columns) return;
  for (const run of state.rows) remember(run);
  updateCharts(); // first: the charts' requests go out while the table is built
  const width = renderHead();
  const body = document.createDocumentFragment();
  const counts = new Map((state.groups || []).map((g) => [g.value, g.count]));
  let currentGroup;
  for (const [run, depth] of visibleRows()) {
    if (state.groupBy && depth === 0) {
      const value = run.params[state.groupBy] ?? null;
      if (value !== currentGroup) {
        currentGroup = value;
        body.append(groupRow(value, counts.get(value) ?? "?", width));
      }
    }
    if (state.groupBy && state.collapsed.has(currentGroup)) continue;
    body.append(runRow(run, depth));
  }
  table.tBodies[0].replaceChildren(body);
  const empty = state.rows.length === 0;
  message.hidden = !empty;
  if (empty) {
    const none = state.view === "deleted" ? "No deleted runs." : "No runs in this experiment yet.";
    fill(message, emptyText || (state.filter ? "No runs match this filter." : none));
  }
  renderPager();
  selectionChanged();
  updateExport();
  table.dataset.state = "drawn";
  performance.mark("trialbook-runs-drawn");
}

function renderPager() {
  const first = state.page * state.pageSize + 1;
  const last = state.page * state.pageSize + state.rows.length;
  const total = state.total === null ? "" : ` of ${new Intl.NumberFormat().format(state.total)}`;
  fill(document.getElementById("page-info"), state.rows.length ? `${first}–${last}${total} runs` : `0${total} runs`);
  document.getElementById("prev-page").disabled = state.page === 0;
  document.getElementById("next-page").disabled = !state.nextToken;
}

/** Keep a run's name and start time for charts of selections (runs of other pages). */
function remember(run) {
  state.seen.set(run.run_id, { name: run.run_name, startTime: run.start_time });
}

function chartRuns() {
  const ids = state.chartRuns === "selected" ? [...state.selected] : visibleRows().map(([r]) => r.run_id);
  return ids.map((runId) => {
    const seen = state.seen.get(runId) || { name: runId, startTime: null };
    return { runId, name: seen.name, startTime: seen.startTime, color: runColor(runId) };
  });
}

function updateCharts() {
  // While runs are RUNNING their point counts change: the charts reload on each refresh.
  const version = visibleRows().filter(([r]) => r.status === "RUNNING")
    .map(([r]) => Object.values(r.metrics).reduce((n, m) => n + m.count, 0)).join(",");
  // The table's answer carries the panel's families when the charts show exactly its rows.
  const rows = visibleRows();
  const panel = state.chartRuns === "visible" && rows.length === state.rows.length ? state.chartPanel : null;
  charts.runsChanged(chartRuns(), version, panel);
}

function hoverRow(runId) {
  for (const row of table.querySelectorAll("tr.hovered")) row.classList.remove("hovered");
  if (runId === null) return;
  const row = [...table.tBodies[0].rows].find((r) => r.dataset.runId === runId);
  if (row) row.classList.add("hovered");
}

function selectionChanged() {
  const count = state.selected.size;
  if (state.chartRuns === "selected") updateCharts();
  writeUrl();
  sessionStorage.setItem(storageKey("selected"), JSON.stringify([...state.selected]));
  selectionInfo.textContent = count ? `${count} selected` : "";
  clearSelection.hidden = count === 0;
  compareButton.disabled = count < 2;
  compareButton.textContent = count >= 2 ? `Compare ${count} runs` : "Compare";
  const deleteSelected = document.getElementById("delete-selected");
  if (deleteSelected) {
    deleteSelected.hidden = count === 0 || state.view === "deleted";
    document.getElementById("restore-selected").hidden = count === 0 || state.view === "active";
  }
}

// Live refresh -------------------------------------------------------------------------

function scheduleLive() {
  const running = state.rows.some((r) => r.status === "RUNNING");
  liveBadge.hidden = !running;
  clearInterval(tickTimer);
  if (!running) return;
  tickTimer = setInterval(() => {
    for (const node of table.querySelectorAll("td[data-start]")) {
      node.textContent = fmtDuration(Date.now() - Number(node.dataset.start));
    }
  }, 1000);
  liveTimer = setTimeout(() => {
    if (document.visibilityState === "visible") load({ quiet: true });
    else document.addEventListener("visibilitychange", () => load({ quiet: true }), { once: true });
  }, LIVE_MS);
}

// Columns panel ------------------------------------------------------------------------

function buildColumnsPanel() {
  columnsPanel.replaceChildren(
    ...columnsPanelContent(state.available, state.columns, columnsChanged, () => toggleColumns(false)),
  );
}

function columnsChanged(refetch) {
  writeUrl();
  if (refetch) load({ quiet: true });
  else render();
}

function toggleColumns(open) {
  columnsPanel.hidden = !open;
  columnsButton.setAttribute("aria-expanded", String(open));
}

// Events -------------------------------------------------------------------------------

function resetPages() {
  state.tokens = [null];
  state.page = 0;
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.filter = filterInput.value.trim();
  resetPages();
  writeUrl();
  load();
});
document.getElementById("clear-filter").addEventListener("click", () => {
  filterInput.value = "";
  state.filter = "";
  resetPages();
  writeUrl();
  load();
});
groupSelect.addEventListener("change", () => {
  state.groupBy = groupSelect.value;
  state.collapsed.clear();
  resetPages();
  writeUrl();
  load();
});
const viewSelect = document.getElementById("view");
viewSelect.addEventListener("change", () => {
  state.view = viewSelect.value;
  resetPages();
  writeUrl();
  load();
});
pageSizeSelect.addEventListener("change", () => {
  state.pageSize = Number(pageSizeSelect.value);
  resetPages();
  writeUrl();
  load();
});
document.getElementById("prev-page").addEventListener("click", () => {
  if (state.page === 0) return;
  state.page -= 1;
  load();
});
document.getElementById("next-page").addEventListener("click", () => {
  if (!state.nextToken) return;
  state.tokens[state.page + 1] = state.nextToken;
  state.page += 1;
  load();
});
const nestBox = document.getElementById("nest");
nestBox.addEventListener("change", () => {
  state.nest = nestBox.checked;
  state.expanded.clear();
  resetPages();
  writeUrl();
  load();
});
chartRunsSelect.addEventListener("change", () => {
  state.chartRuns = chartRunsSelect.value;
  writeUrl();
  updateCharts();
});
columnsButton.addEventListener("click", () => toggleColumns(columnsPanel.hidden));
compareButton.addEventListener("click", () => {
  const ids = [...state.selected].join(",");
  window.location.href = `${BASE}/compare?runs=${encodeURIComponent(ids)}`;
});
clearSelection.addEventListener("click", () => {
  state.selected.clear();
  render();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "/" && document.activeElement.tagName !== "INPUT") {
    event.preventDefault();
    filterInput.focus();
  } else if (event.key === "Escape") {
    toggleColumns(false);
  }
});

// Views and export -----------------------------------------------------------------------

/** The URL query a saved view keeps: everything but the selection. */
function viewQuery() {
  const query = new URLSearchParams(window.location.search);
  query.delete("sel");
  if (!query.has("cols") && state.columns) query.set("cols", JSON.stringify(state.columns));
  return query.toString();
}

function updateExport() {
  document.getElementById("export-csv").href = exportHref(experimentId, {
    filter: state.filter, orderBy: orderBy(), view: state.view, columns: state.columns,
  });
}

// Start --------------------------------------------------------------------------------

readUrl();
// A browser with plotly.js cached starts it while the table loads; a fresh one sketches the
// first charts first (workspace.js).
if (document.getElementById("chart-panel").open) {
  plotlyPreloaded().then((cached) => cached && loadPlotly()).catch(() => {});
}
filterInput.value = state.filter;
pageSizeSelect.value = String(state.pageSize);
viewSelect.value = state.view;
chartRunsSelect.value = state.chartRuns;
nestBox.checked = state.nest;
relativeTimes();
initExperimentEditing(experimentId, {
  selected: () => state.selected,
  showError,
  changed: (deleted) => {
    if (deleted) viewSelect.value = state.view = "all";
    load();
  },
});
initViews(experimentId, viewQuery);
document.getElementById("copy-link").addEventListener("click", async (event) => {
  try {
    await navigator.clipboard.writeText(window.location.href);
    event.target.textContent = "Link copied";
  } catch (error) {
    event.target.textContent = "Copy the address bar";
  }
});
updateExport();
load();
loadColumns().catch((error) => showError({ message: error.message }));
