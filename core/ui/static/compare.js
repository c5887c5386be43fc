// The compare view: overlaid metric curves, a params diff table, a parallel-coordinates
// plot of params against a metric, and a scatter of one param against one metric.

import {
  api, baseLayout, BASE, el, experimentUrl, fill, fmtNumber, fullNumber, loadPlotly, num,
  pageData, PALETTE, PLOT_CONFIG, plotlyText, runUrl, whenVisible,
} from "./common.js";
import { bindChartControls, MetricChart } from "./charts.js";
import { axis, drawParallel, emptyMessage } from "./parcoords.js";

const { run_ids: runIds } = pageData();
const charts = [];
let data = null;

function color(index) {
  return PALETTE[index % PALETTE.length];
}

function isNumeric(values) {
  return values.length > 0 && values.every((v) => v !== undefined && v !== null && v !== "" && Number.isFinite(Number(v)));
}

function message(text) {
  const node = document.getElementById("compare-message");
  node.hidden = !text;
  fill(node, text || "");
}

// Header -------------------------------------------------------------------------------

function chips() {
  const experiments = new Map(data.runs.map((r) => [r.experiment_id, r.experiment_name]));
  if (experiments.size === 1) {
    const [[id, name]] = [...experiments];
    fill(document.getElementById("compare-crumb"),
      el("a", { href: experimentUrl(id), text: name }), el("span", { class: "sep", "aria-hidden": "true", text: " / " }));
  }
  fill(document.getElementById("run-chips"), data.runs.map((run, i) => {
    const remove = el("button", { type: "button", title: `Remove ${run.run_name}`, "aria-label": `Remove ${run.run_name}`, text: "×" });
    remove.addEventListener("click", () => {
      const rest = data.runs.filter((r) => r.run_id !== run.run_id).map((r) => r.run_id);
      window.location.href = `${BASE}/compare?runs=${encodeURIComponent(rest.join(","))}`;
    });
    return el("span", { class: "chip" },
      el("span", { class: "swatch", style: `background:${color(i)}` }),
      el("a", { href: runUrl(run.run_id), text: run.run_name }),
      experiments.size > 1 ? el("span", { class: "muted", text: run.experiment_name }) : null,
      remove);
  }));
}

// Metrics ------------------------------------------------------------------------------

function runHeader() {
  return data.runs.map((run, i) => el("th", { class: "run-col", scope: "col", title: run.run_name },
    el("span", { class: "swatch-inline", style: `color:${color(i)}`, text: "● " }), run.run_name));
}

function metricSummary() {
  const keys = data.metric_keys;
  if (keys.length === 0) {
    fill(document.getElementById("metric-summary"), el("p", { class: "muted", text: "These runs have no metrics." }));
    return;
  }
  const rows = keys.map((key) => {
    const values = data.runs.map((run) => run.metrics[key]);
    return el("tr", {},
      el("th", { scope: "row", class: "mono", text: key }),
      values.map((s) => el("td", {
        class: "num mono",
        text: s ? fmtNumber(s.latest) : "—",
        title: s ? `latest ${fullNumber(s.latest)} · min ${fullNumber(s.min)} · max ${fullNumber(s.max)}` : null,
      })));
  });
  fill(document.getElementById("metric-summary"), el("div", { class: "table-wrap", style: "max-height: 320px; min-height: 0" },
    el("table", { class: "table compact" },
      el("thead", {}, el("tr", {}, el("th", { text: "Metric (latest)" }), runHeader())),
      el("tbody", {}, rows))));
}

function metricCharts() {
  const grid = document.getElementById("compare-charts");
  const observer = whenVisible((node) => charts.find((c) => c.container === node)?.load());
  const keys = [...data.metric_keys.filter((k) => !k.startsWith("system/")), ...data.metric_keys.filter((k) => k.startsWith("system/"))];
  for (const key of keys) {
    const series = data.runs
      .map((run, i) => ({ runId: run.run_id, name: run.run_name, color: color(i), startTime: run.start_time, has: key in run.metrics }))
      .filter((s) => s.has);
    const plot = el("div", { class: "chart", dataset: { metric: key } });
    const meta = el("span", { class: "chart-meta" });
    grid.append(el("div", { class: "chart-card", dataset: { metric: key } },
      el("div", { class: "chart-head" }, el("h3", { text: key }), meta), plot));
    charts.push(new MetricChart(plot, key, series, { points: 1000, meta }));
    observer.observe(plot);
  }
}

// Params -------------------------------------------------------------------------------

function paramsTable() {
  const onlyDiff = document.getElementById("only-diff").checked;
  const differing = new Set(data.differing_params);
  const keys = onlyDiff ? data.param_keys.filter((k) => differing.has(k)) : data.param_keys;
  const table = document.getElementById("params-diff");
  const head = el("thead", {}, el("tr", {}, el("th", { text: "Parameter" }), runHeader()));
  const rows = keys.map((key) => el("tr", { class: differing.has(key) ? "differs" : null, dataset: { param: key } },
    el("th", { scope: "row", class: "mono", text: key }),
    data.runs.map((run) => el("td", { class: "mono", text: run.params[key] ?? "—", title: run.params[key] ?? "not set" }))));
  const empty = keys.length === 0
    ? el("tr", {}, el("td", { colspan: data.runs.length + 1, class: "muted", text: data.param_keys.length ? "All parameters are equal." : "These runs have no parameters." }))
    : null;
  fill(table, head, el("tbody", {}, rows, empty));
}

// Parallel coordinates and scatter -----------------------------------------------------

function metricValue(run, key) {
  const summary = run.metrics[key];
  const value = summary ? num(summary.latest) : null;
  return Number.isFinite(value) ? value : null;
}

function parallel() {
  const metric = document.getElementById("parallel-metric").value;
  const node = document.getElementById("parallel-chart");
  const keys = (data.differing_params.length ? data.differing_params : data.param_keys).slice(0, 12);
  const runs = data.runs;
  if (keys.length === 0 && !metric) {
    emptyMessage(node, "These runs have no parameters to compare.");
    node.dataset.state = "empty";
    return;
  }
  const axes = keys.map((key) => axis(key, runs.map((r) => r.params[key] ?? null)));
  let colorBy = null;
  if (metric) {
    axes.push(axis(metric, runs.map((r) => metricValue(r, metric))));
    colorBy = axes.length - 1;
  }
  drawParallel(node, runs.map((r, i) => ({ name: r.run_name, color: color(i) })), axes, colorBy);
  node.dataset.state = "drawn";
}

async function scatter() {
  const xKey = document.getElementById("scatter-x").value;
  const yKey = document.getElementById("scatter-y").value;
  const node = document.getElementById("scatter-chart");
  if (!xKey || !yKey) {
    fill(node, el("div", { class: "chart-loading", text: "Needs a parameter and a metric." }));
    node.dataset.state = "empty";
    return;
  }
  const Plotly = await loadPlotly();
  const xs = data.runs.map((r) => r.params[xKey] ?? null);
  const numeric = isNumeric(xs.filter((v) => v !== null));
  const traces = data.runs.map((run, i) => ({
    type: "scatter",
    mode: "markers+text",
    name: plotlyText(run.run_name),
    x: [numeric ? Number(xs[i]) : plotlyText(xs[i] ?? "—")],
    y: [metricValue(run, yKey)],
    text: [plotlyText(run.run_name)],
    customdata: [[plotlyText(xKey), plotlyText(yKey)]],
    textposition: "top center",
    cliponaxis: false,
    textfont: { size: 10 },
    marker: { color: color(i), size: 11 },
    hovertemplate: "%{text}<br>%{customdata[0]} = %{x}<br>%{customdata[1]} = %{y:.6g}<extra></extra>",
  }));
  const layout = baseLayout({ margin: { l: 60, r: 16, t: 16, b: 48 } });
  layout.xaxis.title = { text: plotlyText(`params.${xKey}`) };
  layout.xaxis.type = numeric ? "linear" : "category";
  layout.yaxis.title = { text: plotlyText(`metrics.${yKey}`) };
  node.replaceChildren();
  await Plotly.react(node, traces, layout, PLOT_CONFIG);
  node.dataset.state = "drawn";
}

function selects() {
  const metricOptions = (selected) => data.metric_keys.map((k) => el("option", { value: k, text: k, selected: k === selected }));
  const firstMetric = data.metric_keys.find((k) => !k.startsWith("system/")) || data.metric_keys[0] || "";
  const params = data.differing_params.length ? data.differing_params : data.param_keys;
  fill(document.getElementById("parallel-metric"), el("option", { value: "", text: "None" }), metricOptions(firstMetric));
  fill(document.getElementById("scatter-x"), params.map((k, i) => el("option", { value: k, text: k, selected: i === 0 })));
  fill(document.getElementById("scatter-y"), metricOptions(firstMetric));
  document.getElementById("parallel-metric").addEventListener("change", parallel);
  document.getElementById("scatter-x").addEventListener("change", scatter);
  document.getElementById("scatter-y").addEventListener("change", scatter);
}

// Start --------------------------------------------------------------------------------

async function start() {
  if (runIds.length === 0) {
    message("Select runs in an experiment's runs table, then press Compare.");
    return;
  }
  try {
    data = await api("/api/ui/compare", { runs: runIds });
  } catch (error) {
    message(error.message);
    return;
  }
  chips();
  metricSummary();
  bindChartControls(() => charts);
  metricCharts();
  paramsTable();
  document.getElementById("only-diff").addEventListener("change", paramsTable);
  selects();
  parallel();
  new ResizeObserver(() => parallel()).observe(document.getElementById("parallel-chart"));
  await scatter();
}

start();
