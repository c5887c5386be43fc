// The run page: tabs, sparklines, metric charts, evaluation charts, artifacts, live refresh.

import {
  api, BASE, baseLayout, copyButtons, el, fill, fmtDuration, fmtNumber, fullNumber, loadPlotly,
  pageData, PALETTE, PLOT_CONFIG, plotlyText, relativeTimes, rowFilters, sparkline, statusBadge, whenVisible,
} from "./common.js";
import { bindChartControls, MetricChart } from "./charts.js";
import { initArtifacts, loadReproducibility, selectArtifact } from "./artifacts.js";
import { initRunEditing } from "./edit.js";

const data = pageData();
const runId = data.run_id;
const TABS = ["overview", "charts", "artifacts", "reproducibility"];
const charts = new Map();
let status = data.status;
let chartsBuilt = false;

function parseHash() {
  const hash = decodeURIComponent(window.location.hash.slice(1));
  if (hash.startsWith("chart=")) return { tab: "charts", chart: hash.slice(6) };
  if (hash.startsWith("artifact=")) return { tab: "artifacts", artifact: hash.slice(9) };
  return { tab: TABS.includes(hash) ? hash : "overview" };
}

function showTab() {
  const target = parseHash();
  for (const name of TABS) {
    const selected = name === target.tab;
    document.getElementById(`panel-${name}`).hidden = !selected;
    document.getElementById(`tab-${name}`).setAttribute("aria-selected", String(selected));
  }
  if (target.tab === "charts") {
    buildCharts();
    if (target.chart) focusChart(target.chart);
  } else if (target.tab === "artifacts") {
    initArtifacts(runId).then(() => target.artifact && selectArtifact(target.artifact));
  } else if (target.tab === "reproducibility") {
    loadReproducibility(runId);
  }
}

// Overview ------------------------------------------------------------------------------

async function loadSparklines() {
  const spans = document.querySelectorAll(".sparkline[data-metric]");
  if (spans.length === 0) return;
  const body = await api(`/api/ui/runs/${encodeURIComponent(runId)}/sparklines`, { points: 60 });
  for (const span of spans) {
    const values = body.sparklines[span.dataset.metric];
    if (values) fill(span, sparkline(values));
  }
}

async function loadEvaluation() {
  const body = await api(`/api/ui/runs/${encodeURIComponent(runId)}/charts`);
  const items = [
    ...body.confusion_matrices.map((c) => ["confusion", c]),
    ...body.feature_importances.map((f) => ["importance", f]),
  ];
  if (items.length === 0) return;
  const card = document.getElementById("evaluation");
  const grid = document.getElementById("evaluation-charts");
  card.hidden = false;
  const Plotly = await loadPlotly();
  for (const [kind, chart] of items) {
    const plot = el("div", { class: "chart tall", dataset: { state: "loading", kind } });
    grid.append(el("div", { class: "chart-card" },
      el("div", { class: "chart-head" },
        el("h3", { text: chart.title }),
        el("a", { class: "chart-meta", href: `#artifact=${encodeURIComponent(chart.path)}`, text: chart.path })),
      plot));
    if (kind === "confusion") await drawConfusion(Plotly, plot, chart);
    else await drawImportance(Plotly, plot, chart);
    plot.dataset.state = "drawn";
  }
}

// Images logged by key and step: one slider per key.
async function loadImages() {
  const body = await api(`/api/ui/runs/${encodeURIComponent(runId)}/images`);
  if (body.keys.length === 0) return;
  const card = document.getElementById("images");
  const grid = document.getElementById("image-keys");
  fill(document.getElementById("images-count"), String(body.keys.length));
  fill(grid, ...body.keys.map(imageKey));
  card.hidden = false;
}

function imageUrl(path) {
  return `${BASE}/api/ui/runs/${encodeURIComponent(runId)}/artifacts/raw?${new URLSearchParams({ path })}`;
}

function imageKey(item) {
  const last = item.steps.length - 1;
  const label = el("span", { class: "muted mono image-step", text: `step ${item.steps[last]}` });
  const image = el("img", { class: "logged-image", src: imageUrl(item.paths[last]), alt: `${item.key} at step ${item.steps[last]}` });
  const slider = el("input", {
    type: "range", min: "0", max: String(last), value: String(last), step: "1",
    class: "image-slider", "aria-label": `Step of ${item.key}`,
  });
  slider.disabled = last === 0;
  slider.addEventListener("input", () => {
    const index = Number(slider.value);
    image.src = imageUrl(item.paths[index]);
    image.alt = `${item.key} at step ${item.steps[index]}`;
    label.textContent = `step ${item.steps[index]}`;
  });
  return el("figure", { class: "image-key", dataset: { key: item.key } },
    el("figcaption", {}, el("span", { class: "strong", text: item.key }), " ", label),
    image, slider);
}

async function drawConfusion(Plotly, node, chart) {
  const labels = chart.labels.map(plotlyText);
  const layout = baseLayout({ margin: { l: 80, r: 12, t: 8, b: 60 } });
  layout.xaxis = { ...layout.xaxis, title: { text: "predicted" }, type: "category", side: "bottom" };
  layout.yaxis = { ...layout.yaxis, title: { text: "true" }, type: "category", autorange: "reversed" };
  const text = chart.matrix.map((row) => row.map((v) => fmtNumber(v)));
  await Plotly.react(node, [{
    type: "heatmap", x: labels, y: labels, z: chart.matrix, text, texttemplate: "%{text}",
    colorscale: [[0, "#f2f6fe"], [1, "#1f58c9"]], hovertemplate: "true %{y}<br>predicted %{x}<br><b>%{z}</b><extra></extra>",
    showscale: true,
  }], layout, PLOT_CONFIG);
}

async function drawImportance(Plotly, node, chart) {
  const features = chart.features.map(plotlyText).reverse();
  const scores = [...chart.scores].reverse();
  const layout = baseLayout({ margin: { l: 120, r: 12, t: 8, b: 36 } });
  layout.yaxis = { ...layout.yaxis, type: "category", automargin: true };
  layout.height = Math.max(260, 22 * features.length + 60);
  node.style.height = `${layout.height}px`;
  await Plotly.react(node, [{
    type: "bar", orientation: "h", x: scores, y: features, marker: { color: PALETTE[0] },
    hovertemplate: "%{y}<br><b>%{x:.6g}</b><extra></extra>",
  }], layout, PLOT_CONFIG);
  if (chart.total > chart.features.length) {
    node.after(el("p", { class: "chart-meta", text: `Top ${chart.features.length} of ${chart.total} features` }));
  }
}

// Charts --------------------------------------------------------------------------------

const DASHES = ["solid", "dash", "dot", "dashdot", "longdash"];

function buildCharts() {
  if (chartsBuilt) return;
  chartsBuilt = true;
  const root = document.getElementById("chart-sections");
  buildValues(root);
  const observer = whenVisible((node) => charts.get(node.dataset.metric)?.load());
  const sections = [["metrics", "Metrics"], ["system", "System metrics"]];
  const split = document.getElementById("split-related").checked;
  for (const [group, title] of sections) {
    const families = (data.families[group] || [])
      .flatMap((f) => (split ? f.keys.map((key) => ({ name: key, keys: [key] })) : [f]));
    if (families.length === 0) continue;
    const grid = el("div", { class: "chart-grid" });
    root.append(el("section", { class: "chart-section", dataset: { group } }, el("h2", { text: title }), grid));
    for (const family of families) {
      const plot = el("div", { class: "chart", dataset: { metric: family.name } });
      const meta = el("span", { class: "chart-meta" });
      const card = el("div", { class: "chart-card", dataset: { metric: family.name, keys: family.keys.join("\n") } },
        el("div", { class: "chart-head" }, el("h3", { text: family.name }), meta), plot);
      grid.append(card);
      const series = family.keys.length === 1
        ? [{ runId, name: family.keys[0], color: PALETTE[0], startTime: data.start_time }]
        : family.keys.map((key, i) => ({
          runId, key, name: key, color: PALETTE[i % PALETTE.length], dash: DASHES[i % DASHES.length], startTime: data.start_time,
        }));
      charts.set(family.name, new MetricChart(plot, family.keys[0], series, { meta }));
      observer.observe(plot);
    }
  }
}

/** Metrics logged once (best_iteration, test scores): a table of values, not one-dot charts. */
function buildValues(root) {
  const keys = Object.keys(data.values);
  if (keys.length === 0) return;
  root.append(el("section", { class: "chart-section", id: "single-values", dataset: { group: "values" } },
    el("h2", { text: "Single values" }),
    el("table", { class: "table values-table" }, el("tbody", {}, keys.map((key) => el("tr", { class: "value-row", dataset: { metric: key, keys: key } },
      el("th", { scope: "row", class: "key", text: key }),
      el("td", { class: "num mono", title: fullNumber(data.values[key]), text: fmtNumber(data.values[key]) })))))));
}

function rebuildCharts() {
  for (const chart of charts.values()) if (chart.drawnOnce && window.Plotly) window.Plotly.purge(chart.container);
  charts.clear();
  document.getElementById("chart-sections").replaceChildren();
  chartsBuilt = false;
  buildCharts();
}

function focusChart(key) {
  const card = [...document.querySelectorAll(".chart-card[data-keys], .value-row[data-keys]")]
    .find((c) => c.dataset.metric === key || c.dataset.keys.split("\n").includes(key));
  if (!card) return;
  for (const other of document.querySelectorAll(".chart-card.focused")) other.classList.remove("focused");
  card.classList.add("focused");
  card.scrollIntoView({ block: "center" });
  const chart = charts.get(card.dataset.metric);
  if (chart && chart.container.dataset.state !== "drawn") chart.load();
}

function chartControls() {
  bindChartControls(() => charts.values());
  const filter = document.getElementById("chart-filter");
  filter.addEventListener("input", () => {
    const query = filter.value.trim().toLowerCase();
    for (const card of document.querySelectorAll(".chart-card[data-keys], .value-row[data-keys]")) {
      card.hidden = query !== "" && !card.dataset.keys.toLowerCase().includes(query)
        && !card.dataset.metric.toLowerCase().includes(query);
    }
  });
  document.getElementById("split-related").addEventListener("change", rebuildCharts);
}

// Live refresh --------------------------------------------------------------------------

function updateDuration() {
  const node = document.getElementById("run-duration");
  const start = Number(node.dataset.start);
  const end = node.dataset.end ? Number(node.dataset.end) : null;
  node.textContent = fmtDuration((end ?? Date.now()) - start) + (end ? "" : " (running)");
}

async function refresh() {
  if (document.visibilityState !== "visible") return;
  const body = await api(`/api/ui/runs/${encodeURIComponent(runId)}`);
  const run = body.run;
  status = run.status;
  fill(document.getElementById("run-status"), status);
  document.getElementById("run-status").className = statusBadge(status).className;
  const duration = document.getElementById("run-duration");
  duration.dataset.end = run.end_time ?? "";
  for (const row of document.querySelectorAll(".metrics-table tr[data-metric]")) {
    const summary = run.metrics[row.dataset.metric];
    if (!summary) continue;
    for (const field of ["latest", "min", "max"]) {
      const cell = row.querySelector(`[data-field="${field}"]`);
      cell.textContent = fmtNumber(summary[field]);
      cell.title = fullNumber(summary[field]);
    }
    row.querySelector('[data-field="step"]').textContent = String(summary.step);
  }
  loadSparklines();
  for (const chart of charts.values()) if (chart.drawnOnce && !chart.detail) chart.load();
}

function startLive() {
  updateDuration();
  if (status !== "RUNNING") return;
  const ticker = setInterval(updateDuration, 1000);
  const poller = setInterval(async () => {
    try {
      await refresh();
    } finally {
      if (status !== "RUNNING") {
        clearInterval(poller);
        clearInterval(ticker);
        updateDuration();
      }
    }
  }, 5000);
}

// Start ---------------------------------------------------------------------------------

copyButtons();
rowFilters();
initRunEditing(runId, () => {});
relativeTimes();
chartControls();
window.addEventListener("hashchange", showTab);
showTab();
loadSparklines().catch(() => {});
loadEvaluation().catch(() => {});
loadImages().catch(() => {});
startLive();
