// The experiment page's chart panel: one chart per metric family (train_loss with val_loss),
// every visible or selected run a line in its own stable color, single-value metrics in a
// summary table, and hover linked both ways with the runs table.

import {
  api, baseLayout, el, fill, fmtNumber, fmtTime, fullNumber, loadPlotly, num, PLOT_CONFIG,
  plotlyCached, plotlyText, runUrl, smooth, whenVisible,
} from "./common.js";
import { bindChartControls, chartOptions } from "./charts.js";
import { sketch } from "./sketch.js";

const DASHES = ["solid", "dash", "dot", "dashdot", "longdash"];
const MAX_VALUE_ROWS = 50;
const MAX_RUNS = 250; // the server's limit per chart request
const PARALLEL_LOADS = 2; // chart requests at a time: the first chart comes back first

let running = 0;
const waiting = [];

/** Run `task` when fewer than PARALLEL_LOADS chart requests are under way. */
async function queued(task) {
  if (running >= PARALLEL_LOADS) await new Promise((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await task();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Resolves after the next frame is painted (a sketch shows before plotly.js starts), or
 * after 100 ms in a tab that paints no frames (in the background). */
function nextFrame() {
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 100);
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(fallback); resolve(); }, 0));
  });
}

/** A run's color: the same on every page and in every selection (from a hash of its id). */
export function runColor(runId) {
  let hash = 2166136261;
  for (const char of runId) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const lightness = [42, 52, 36][(hash >>> 9) % 3];
  return `hsl(${hash % 360}, 70%, ${lightness}%)`;
}

/** Points per line: fewer as lines multiply (200 runs: 100 points each, extremes kept). */
function chartPoints(runCount) {
  return Math.max(60, Math.min(1000, Math.floor(20000 / Math.max(1, runCount))));
}

/** The section a family is listed under: what its name has before the first "/". */
function sectionOf(name) {
  const slash = name.indexOf("/");
  return slash > 0 ? name.slice(0, slash) : "";
}

class FamilyChart {
  constructor(panel, family) {
    this.panel = panel;
    this.family = family;
    this.data = null;
    this.drawnOnce = false;
    this.loading = null;
    this.plot = el("div", { class: "chart", dataset: { state: "idle" } });
    this.meta = el("span", { class: "chart-meta" });
    const keys = family.keys.length > 1
      ? el("div", { class: "chart-keys" }, family.keys.map((key, i) => el("span", { class: `key-style dash-${DASHES[i % DASHES.length]}`, text: key })))
      : null;
    this.card = el("div", { class: "chart-card", dataset: { family: family.name, keys: family.keys.join("\n").toLowerCase() } },
      el("div", { class: "chart-head" }, el("h3", { text: family.name }), this.meta), keys, this.plot);
  }

  load() {
    if (!this.loading) this.loading = this.loadOnce().finally(() => { this.loading = null; });
    return this.loading;
  }

  async loadOnce() {
    const runs = this.panel.runs;
    if (!this.drawnOnce) fill(this.plot, el("div", { class: "chart-loading", text: "Loading…" }));
    this.plot.dataset.state = "loading";
    try {
      // In a fresh browser plotly.js takes about a second to start: the data comes first and
      // is sketched, then plotly starts and replaces the sketch.
      const plotly = plotlyCached() ? loadPlotly() : null;
      const body = await queued(() => api("/api/ui/charts", {
        runs: runs.map((r) => r.runId).join(","),
        keys: this.family.keys,
        points: chartPoints(runs.length),
        times: chartOptions.xMode !== "step" ? "true" : null,
      }));
      this.data = body.histories;
      this.detail = null;
      this.withTimes = chartOptions.xMode !== "step";
      if (!window.Plotly && !this.drawnOnce) this.sketch();
      await (plotly || nextFrame().then(loadPlotly));
      await this.draw();
    } catch (error) {
      this.plot.dataset.state = "error";
      fill(this.plot, el("div", { class: "chart-loading", text: `Could not load: ${error.message}` }));
    }
  }

  traces() {
    const traces = [];
    const multi = this.family.keys.length > 1;
    const smoothed = chartOptions.smoothing > 0;
    const starts = new Map(this.panel.runs.map((r) => [r.runId, r.startTime]));
    this.family.keys.forEach((key, k) => {
      const shown = this.detail || this.data;
      const byRun = (shown && shown[key]) || {};
      for (const run of this.panel.runs) {
        const d = byRun[run.runId];
        if (!d || d.steps.length === 0) continue;
        let x = d.steps;
        if (chartOptions.xMode === "relative" && d.timestamps) {
          const start = starts.get(run.runId) ?? d.timestamps[0];
          x = d.timestamps.map((t) => (t - start) / 1000);
        } else if (chartOptions.xMode === "wall" && d.timestamps) {
          x = d.timestamps.map((t) => fmtTime(t));
        }
        const values = d.values.map(num);
        const name = plotlyText(multi ? `${run.name} · ${key}` : run.name);
        traces.push({
          type: "scatter",
          mode: "lines",
          name,
          x,
          y: smoothed ? smooth(values, chartOptions.smoothing) : values,
          meta: run.runId,
          line: { color: run.color, width: 1.5, dash: DASHES[k % DASHES.length] },
          hovertemplate: `${name}<br>step %{x}<br><b>%{y:.6g}</b><extra></extra>`,
        });
      }
    });
    return traces;
  }

  /** Draw the lines as a plain SVG until plotly.js is ready. */
  sketch() {
    const traces = this.traces();
    const options = { wall: chartOptions.xMode === "wall", log: chartOptions.log, xTitle: this.layout().xaxis.title.text };
    if (traces.length && sketch(this.plot, traces, options)) {
      this.plot.dataset.state = "sketched";
      performance.mark("trialbook-workspace-chart-visible");
    }
  }

  layout() {
    const layout = baseLayout({
      uirevision: `${this.family.name}:${chartOptions.xMode}:${chartOptions.log}`,
      hovermode: "closest",
      showlegend: false,
    });
    layout.xaxis.title = { text: { step: "step", relative: "seconds since start", wall: "" }[chartOptions.xMode], font: { size: 10 } };
    layout.xaxis.type = chartOptions.xMode === "wall" ? "date" : "linear";
    layout.yaxis.type = chartOptions.log ? "log" : "linear";
    return layout;
  }

  async draw() {
    if (this.withTimes === false && chartOptions.xMode !== "step") return this.load();
    if (this.detail && chartOptions.xMode !== "step") this.detail = null;
    const Plotly = await loadPlotly();
    const traces = this.traces();
    if (traces.length === 0) {
      this.plot.dataset.state = "empty";
      fill(this.plot, el("div", { class: "chart-loading", text: "No points for these runs" }));
      this.drawnOnce = false;
      return;
    }
    if (!this.drawnOnce) this.plot.replaceChildren();
    await Plotly.react(this.plot, traces, this.layout(), PLOT_CONFIG);
    if (!this.drawnOnce) {
      this.drawnOnce = true;
      this.plot.on("plotly_hover", (event) => this.panel.hovered(event.points[0].data.meta));
      this.plot.on("plotly_unhover", () => this.panel.hovered(null));
      this.plot.on("plotly_relayout", (event) => this.onRelayout(event));
    }
    this.highlight(this.panel.highlighted);
    let shown = 0;
    let total = 0;
    for (const byRun of Object.values(this.detail || this.data || {})) {
      for (const d of Object.values(byRun)) {
        shown += d.steps.length;
        total += d.total;
      }
    }
    const count = new Intl.NumberFormat();
    this.meta.textContent = `${count.format(traces.length)} line${traces.length === 1 ? "" : "s"} · ${count.format(shown)} of ${count.format(total)} points`;
    this.plot.dataset.state = "drawn";
    performance.mark("trialbook-workspace-chart-drawn");
  }

  /** Zooming on steps asks the server for the detail of the range (histories come downsampled). */
  onRelayout(event) {
    if (event["xaxis.autorange"] || event.autosize) {
      if (this.detail) {
        this.detail = null;
        this.draw();
      }
      return;
    }
    const low = event["xaxis.range[0]"] ?? (event["xaxis.range"] || [])[0];
    const high = event["xaxis.range[1]"] ?? (event["xaxis.range"] || [])[1];
    if (low === undefined || high === undefined || chartOptions.xMode !== "step") return;
    const sampled = Object.values(this.data || {}).some((byRun) => Object.values(byRun).some((d) => d.downsampled));
    if (!sampled) return;
    clearTimeout(this.zoomTimer);
    this.zoomTimer = setTimeout(() => this.zoom(Math.floor(low), Math.ceil(high)), 200);
  }

  async zoom(low, high) {
    const runs = this.panel.runs;
    try {
      const body = await queued(() => api("/api/ui/charts", {
        runs: runs.map((r) => r.runId).join(","),
        keys: this.family.keys,
        points: chartPoints(runs.length),
        min_step: low,
        max_step: high,
      }));
      this.detail = body.histories;
      await this.draw();
    } catch (error) {
      // Keep the coarse view: zoom still works on the downsampled points.
    }
  }

  highlight(runId) {
    if (!this.drawnOnce || !window.Plotly) return;
    const traces = this.plot.data || [];
    const opacity = traces.map((t) => (runId === null || t.meta === runId ? 1 : 0.15));
    const width = traces.map((t) => (t.meta === runId ? 3 : 1.5));
    window.Plotly.restyle(this.plot, { opacity, "line.width": width });
  }
}

/**
 * The chart panel. options.onHover(runId|null) is called when a line is hovered (the table
 * highlights the row); call runsChanged(runs) when the table's visible or selected runs
 * change and highlight(runId) when a table row is hovered.
 */
export class ChartPanel {
  constructor(root, { onHover, onSettings }) {
    this.root = root;
    this.onHover = onHover;
    this.onSettings = onSettings;
    this.runs = [];
    this.families = [];
    this.values = {};
    this.charts = new Map();
    this.highlighted = null;
    this.split = false;
    this.filter = "";
    this.sections = root.querySelector("#chart-sections");
    this.summary = root.querySelector("#chart-values");
    this.info = root.querySelector("#chart-info");
    this.requestId = 0;
    bindChartControls(() => this.charts.values());
    for (const id of ["x-axis", "smoothing", "log-scale"]) {
      root.querySelector(`#${id}`).addEventListener("change", () => this.onSettings());
    }
    const filter = root.querySelector("#chart-filter");
    filter.addEventListener("input", () => {
      this.filter = filter.value.trim().toLowerCase();
      this.applyFilter();
      this.onSettings();
    });
    const split = root.querySelector("#split-related");
    split.addEventListener("change", () => {
      this.split = split.checked;
      this.build();
      this.onSettings();
    });
  }

  /** Settings for the URL. */
  settings() {
    return { x: chartOptions.xMode, smooth: chartOptions.smoothing, log: chartOptions.log, split: this.split, metric: this.filter };
  }

  /** Apply settings read from the URL (before the first draw). */
  applySettings(settings) {
    const root = this.root;
    if (settings.x) { chartOptions.xMode = settings.x; root.querySelector("#x-axis").value = settings.x; }
    if (settings.smooth) {
      chartOptions.smoothing = Number(settings.smooth) || 0;
      root.querySelector("#smoothing").value = String(chartOptions.smoothing);
      root.querySelector("#smoothing-value").textContent = String(chartOptions.smoothing);
    }
    if (settings.log) { chartOptions.log = true; root.querySelector("#log-scale").checked = true; }
    if (settings.split) { this.split = true; root.querySelector("#split-related").checked = true; }
    if (settings.metric) { this.filter = settings.metric; root.querySelector("#chart-filter").value = settings.metric; }
  }

  /**
   * The runs to chart changed (or, with the same runs, their data: `version` differs while
   * runs are RUNNING): rebuild, or reload the charts drawn so far. `panel`: the runs'
   * families and single values when the caller has them (the runs table's answer).
   */
  async runsChanged(allRuns, version = "", panel = null) {
    const runs = allRuns.slice(0, MAX_RUNS);
    this.omitted = allRuns.length - runs.length;
    const ids = runs.map((r) => r.runId).join(",");
    if (ids === this.runs.map((r) => r.runId).join(",")) {
      if (version !== this.version) {
        this.version = version;
        for (const chart of this.charts.values()) if (chart.drawnOnce) chart.load();
      }
      return;
    }
    this.runs = runs;
    this.version = version;
    const id = ++this.requestId;
    if (runs.length === 0) {
      this.families = [];
      this.values = {};
      this.build();
      return;
    }
    if (plotlyCached()) loadPlotly().catch(() => {}); // starts while the families load
    try {
      const body = panel || await api("/api/ui/charts", { runs: ids });
      if (id !== this.requestId) return;
      this.families = body.families;
      this.values = body.values;
      this.build();
    } catch (error) {
      if (id !== this.requestId) return;
      fill(this.info, `Could not load charts: ${error.message}`);
    }
  }

  build() {
    for (const chart of this.charts.values()) if (chart.drawnOnce) window.Plotly.purge(chart.plot);
    this.charts.clear();
    this.sections.replaceChildren();
    const families = this.split
      ? this.families.flatMap((f) => f.keys.map((key) => ({ name: key, keys: [key] })))
      : this.families;
    const observer = whenVisible((node) => this.charts.get(node.dataset.family)?.load());
    const bySection = new Map();
    for (const family of families) {
      const section = sectionOf(family.name);
      if (!bySection.has(section)) bySection.set(section, []);
      bySection.get(section).push(family);
    }
    for (const [section, members] of [...bySection.entries()].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)))) {
      const grid = el("div", { class: "chart-grid" });
      this.sections.append(el("section", { class: "chart-section", dataset: { section } },
        el("h2", { text: section || "Metrics" }), grid));
      for (const family of members) {
        const chart = new FamilyChart(this, family);
        this.charts.set(family.name, chart);
        grid.append(chart.card);
        chart.card.dataset.family = family.name;
        observer.observe(chart.card);
      }
    }
    this.applyFilter();
    // The first charts load at once, without waiting for the observer's first report.
    [...this.charts.values()].filter((c) => !c.card.hidden).slice(0, 4).forEach((c) => {
      observer.unobserve(c.card);
      c.load();
    });
    this.buildValues();
    const count = this.runs.length;
    const omitted = this.omitted ? ` (the first ${MAX_RUNS}; ${this.omitted} more not charted)` : "";
    fill(this.info, count ? `${count} run${count === 1 ? "" : "s"}${omitted} · ${families.length} chart${families.length === 1 ? "" : "s"}` : "No runs to chart");
    this.applyFilter();
  }

  buildValues() {
    const keys = Object.keys(this.values).sort();
    this.summary.hidden = keys.length === 0;
    if (keys.length === 0) return;
    const rows = this.runs.filter((r) => keys.some((k) => this.values[k][r.runId] !== undefined));
    const head = el("tr", {}, el("th", { scope: "col", text: "Run" }),
      keys.map((k) => el("th", { scope: "col", class: "num", dataset: { metric: k.toLowerCase() }, text: k })));
    const body = rows.slice(0, MAX_VALUE_ROWS).map((run) => el("tr", { dataset: { runId: run.runId } },
      el("td", { class: "name" }, el("span", { class: "swatch", style: null, dataset: { color: run.color } }),
        el("a", { href: runUrl(run.runId), text: run.name })),
      keys.map((k) => {
        const value = this.values[k][run.runId];
        return el("td", { class: "num mono", title: value === undefined ? null : fullNumber(value), text: value === undefined ? "" : fmtNumber(value) });
      })));
    fill(this.summary,
      el("h2", { text: "Single values" }),
      el("div", { class: "table-wrap" }, el("table", { class: "table values-table" }, el("thead", {}, head), el("tbody", {}, body))),
      rows.length > MAX_VALUE_ROWS ? el("p", { class: "muted small", text: `First ${MAX_VALUE_ROWS} of ${rows.length} runs` }) : null);
    for (const swatch of this.summary.querySelectorAll(".swatch")) swatch.style.background = swatch.dataset.color;
    for (const row of this.summary.querySelectorAll("tr[data-run-id]")) {
      row.addEventListener("mouseenter", () => this.hovered(row.dataset.runId));
      row.addEventListener("mouseleave", () => this.hovered(null));
    }
  }

  applyFilter() {
    const query = this.filter;
    for (const chart of this.charts.values()) {
      const card = chart.card;
      card.hidden = query !== "" && !card.dataset.family.toLowerCase().includes(query) && !card.dataset.keys.includes(query);
    }
    for (const section of this.sections.querySelectorAll(".chart-section")) {
      section.hidden = ![...section.querySelectorAll(".chart-card")].some((c) => !c.hidden);
    }
  }

  hovered(runId) {
    this.highlight(runId);
    this.onHover(runId);
  }

  highlight(runId) {
    if (this.highlighted === runId) return;
    this.highlighted = runId;
    for (const chart of this.charts.values()) chart.highlight(runId);
    for (const row of this.summary.querySelectorAll("tr[data-run-id]")) row.classList.toggle("hovered", row.dataset.runId === runId);
  }
}
