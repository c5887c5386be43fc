// Metric history charts (plotly.js): step or time on x, smoothing, log scale, and zoom that
// asks the server for more detail in the zoomed range (histories arrive downsampled).

import {
  api, baseLayout, el, fill, fmtTime, loadPlotly, num, PLOT_CONFIG, plotlyText, smooth,
} from "./common.js";
import { sketch } from "./sketch.js";

const DETAIL_POINTS = 2000;

/** Chart options shared by every chart of a page. */
export const chartOptions = { xMode: "step", smoothing: 0, log: false };

/**
 * Wire the page's x-axis, smoothing and log-scale controls to chartOptions; each change
 * redraws the charts drawn so far. charts: a function returning the page's MetricCharts.
 */
export function bindChartControls(charts) {
  const xAxis = document.getElementById("x-axis");
  const smoothing = document.getElementById("smoothing");
  const output = document.getElementById("smoothing-value");
  const log = document.getElementById("log-scale");
  const redraw = () => {
    for (const chart of charts()) if (chart.drawnOnce) chart.draw();
  };
  xAxis.addEventListener("change", () => { chartOptions.xMode = xAxis.value; redraw(); });
  smoothing.addEventListener("input", () => {
    chartOptions.smoothing = Number(smoothing.value);
    output.textContent = smoothing.value;
    redraw();
  });
  log.addEventListener("change", () => { chartOptions.log = log.checked; redraw(); });
}

/** Where a serie's points are kept: by run, or by run and key when series name their key. */
function serieId(serie) {
  return serie.key ? `${serie.runId}\n${serie.key}` : serie.runId;
}

function prepare(history) {
  return {
    steps: history.steps,
    values: history.values.map(num),
    timestamps: history.timestamps,
    total: history.total,
    downsampled: history.downsampled,
  };
}

function timeUnit(seconds) {
  if (seconds > 2 * 86400) return [86400, "days"];
  if (seconds > 2 * 3600) return [3600, "hours"];
  if (seconds > 120) return [60, "minutes"];
  return [1, "seconds"];
}

function localTime(ms) {
  return `${fmtTime(ms)}.${String(ms % 1000).padStart(3, "0")}`;
}

/**
 * One metric of one or more runs, or related metrics (train_loss, val_loss) of one run.
 * series: [{runId, name, color, startTime, key?, dash?}]; a serie's own key overrides the
 * chart's.
 * The container gets data-state="loading" | "drawn" | "empty" | "error".
 */
export class MetricChart {
  constructor(container, key, series, { points = DETAIL_POINTS, meta = null } = {}) {
    this.container = container;
    this.key = key;
    this.series = series;
    this.points = points;
    this.meta = meta;
    this.base = new Map();
    this.detail = null;
    this.zoomTimer = null;
    this.drawnOnce = false;
    this.loading = null;
    this.container.dataset.state = "loading";
  }

  /** Fetch the histories and draw; concurrent calls share one load. */
  load() {
    if (!this.loading) this.loading = this.loadOnce().finally(() => { this.loading = null; });
    return this.loading;
  }

  async loadOnce() {
    if (!this.drawnOnce) {
      this.container.dataset.state = "loading";
      fill(this.container, el("div", { class: "chart-loading", text: "Loading…" }));
    }
    try {
      const plotly = loadPlotly();
      this.base = await this.fetch();
      this.detail = null;
      if (!window.Plotly && !this.drawnOnce) this.sketch();
      await plotly;
      await this.draw();
    } catch (error) {
      this.container.dataset.state = "error";
      fill(this.container, el("div", { class: "chart-loading", text: `Could not load: ${error.message}` }));
    }
  }

  async fetch(range = null) {
    const found = new Map();
    if (this.series.some((s) => s.key)) {
      for (const serie of this.series) {
        const params = { key: serie.key || this.key, points: this.points };
        if (range) Object.assign(params, { min_step: range[0], max_step: range[1] });
        const history = await api(`/api/ui/runs/${encodeURIComponent(serie.runId)}/history`, params);
        found.set(serieId(serie), prepare(history));
      }
    } else if (this.series.length === 1) {
      const params = { key: this.key, points: this.points };
      if (range) Object.assign(params, { min_step: range[0], max_step: range[1] });
      const history = await api(`/api/ui/runs/${encodeURIComponent(this.series[0].runId)}/history`, params);
      found.set(this.series[0].runId, prepare(history));
    } else {
      const body = await api("/api/ui/histories", {
        key: this.key,
        runs: this.series.map((s) => s.runId),
        points: this.points,
      });
      for (const [runId, history] of Object.entries(body.histories)) found.set(runId, prepare(history));
    }
    return found;
  }

  xValues(data, serie) {
    if (chartOptions.xMode === "wall") return data.timestamps.map(localTime);
    if (chartOptions.xMode === "relative") {
      const start = serie.startTime ?? data.timestamps[0] ?? 0;
      return data.timestamps.map((t) => (t - start) / this.timeScale);
    }
    return data.steps;
  }

  traces() {
    const data = this.detail || this.base;
    const traces = [];
    let longest = 0;
    for (const serie of this.series) {
      const d = data.get(serieId(serie));
      if (d && d.timestamps.length) {
        const start = serie.startTime ?? d.timestamps[0];
        longest = Math.max(longest, (d.timestamps[d.timestamps.length - 1] - start) / 1000);
      }
    }
    const [scale, unit] = timeUnit(longest);
    this.timeScale = scale * 1000;
    this.timeUnitName = unit;
    for (const serie of this.series) {
      const d = data.get(serieId(serie));
      if (!d || d.steps.length === 0) continue;
      const x = this.xValues(d, serie);
      const customdata = d.steps.map((s, i) => [s, localTime(d.timestamps[i])]);
      const hover = `${this.series.length > 1 ? "%{fullData.name}<br>" : ""}step %{customdata[0]}<br>%{customdata[1]}<br><b>%{y:.6g}</b><extra></extra>`;
      const smoothed = chartOptions.smoothing > 0;
      traces.push({
        type: "scatter",
        mode: d.steps.length === 1 ? "markers" : "lines",
        name: plotlyText(serie.name),
        x,
        y: d.values,
        customdata,
        line: { color: serie.color, width: smoothed ? 1 : 1.6, dash: serie.dash },
        marker: { color: serie.color, size: 6 },
        opacity: smoothed ? 0.25 : 1,
        hovertemplate: hover,
        hoverinfo: smoothed ? "skip" : undefined,
        showlegend: !smoothed && this.series.length > 1,
      });
      if (smoothed) {
        traces.push({
          type: "scatter",
          mode: "lines",
          name: plotlyText(serie.name),
          x,
          y: smooth(d.values, chartOptions.smoothing),
          customdata,
          line: { color: serie.color, width: 1.8 },
          hovertemplate: hover,
          showlegend: this.series.length > 1,
        });
      }
    }
    return traces;
  }

  layout() {
    const xTitle = {
      step: "step",
      relative: `time since start (${this.timeUnitName || "seconds"})`,
      wall: "",
    }[chartOptions.xMode];
    const layout = baseLayout({
      uirevision: `${this.key}:${chartOptions.xMode}:${chartOptions.log}`,
      hovermode: this.series.length > 1 ? "x unified" : "closest",
      showlegend: this.series.length > 1,
      legend: { orientation: "h", y: -0.22, font: { size: 10 } },
    });
    layout.xaxis.title = { text: xTitle, font: { size: 10 } };
    layout.xaxis.type = chartOptions.xMode === "wall" ? "date" : "linear";
    layout.yaxis.type = chartOptions.log ? "log" : "linear";
    if (this.series.length > 1) layout.margin.b = 60;
    return layout;
  }

  /** Draw the data as a plain SVG until plotly.js is ready. */
  sketch() {
    const traces = this.traces();
    const options = {
      wall: chartOptions.xMode === "wall",
      log: chartOptions.log,
      xTitle: this.layout().xaxis.title.text,
    };
    if (traces.length && sketch(this.container, traces, options)) {
      this.container.dataset.state = "sketched";
      performance.mark("trialbook-chart-visible");
      this.updateMeta();
    }
  }

  async draw() {
    const Plotly = await loadPlotly();
    const traces = this.traces();
    if (traces.length === 0) {
      this.container.dataset.state = "empty";
      fill(this.container, el("div", { class: "chart-loading", text: "No points" }));
      this.updateMeta();
      return;
    }
    if (!this.drawnOnce) this.container.replaceChildren();
    await Plotly.react(this.container, traces, this.layout(), PLOT_CONFIG);
    if (!this.drawnOnce) {
      this.drawnOnce = true;
      this.container.on("plotly_relayout", (event) => this.onRelayout(event));
    }
    this.container.dataset.state = "drawn";
    performance.mark("trialbook-chart-visible");
    performance.mark("trialbook-chart-drawn");
    this.updateMeta();
  }

  updateMeta() {
    if (!this.meta) return;
    const data = this.detail || this.base;
    let shown = 0;
    let total = 0;
    let sampled = false;
    for (const d of data.values()) {
      shown += d.steps.length;
      total += d.total;
      sampled ||= d.downsampled;
    }
    const count = new Intl.NumberFormat();
    this.meta.textContent = sampled
      ? `${count.format(shown)} of ${count.format(total)} points${this.detail ? " in view" : ""} (min/max kept)`
      : `${count.format(total)} point${total === 1 ? "" : "s"}`;
  }

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
    if (low === undefined || high === undefined) return;
    if (![...this.base.values()].some((d) => d.downsampled)) return;
    clearTimeout(this.zoomTimer);
    this.zoomTimer = setTimeout(() => this.zoom(low, high), 200);
  }

  stepRange(low, high) {
    if (chartOptions.xMode === "step") return [Math.floor(low), Math.ceil(high)];
    let first = Infinity;
    let last = -Infinity;
    for (const serie of this.series) {
      const d = (this.detail || this.base).get(serieId(serie));
      if (!d) continue;
      const x = this.xValues(d, serie);
      const lo = chartOptions.xMode === "wall" ? new Date(low).getTime() : low;
      const hi = chartOptions.xMode === "wall" ? new Date(high).getTime() : high;
      x.forEach((value, i) => {
        const v = chartOptions.xMode === "wall" ? d.timestamps[i] : value;
        if (v >= lo && v <= hi) {
          first = Math.min(first, d.steps[Math.max(0, i - 1)]);
          last = Math.max(last, d.steps[Math.min(d.steps.length - 1, i + 1)]);
        }
      });
    }
    return Number.isFinite(first) ? [first, last] : null;
  }

  async zoom(low, high) {
    const range = this.stepRange(low, high);
    if (!range) return;
    try {
      const detail = new Map();
      for (const serie of this.series) {
        const d = this.base.get(serieId(serie));
        if (!d) continue;
        const history = await api(`/api/ui/runs/${encodeURIComponent(serie.runId)}/history`, {
          key: serie.key || this.key, points: this.points, min_step: range[0], max_step: range[1],
        });
        detail.set(serieId(serie), prepare(history));
      }
      this.detail = detail;
      await this.draw();
    } catch (error) {
      // Keep the coarse view: zoom still works on the downsampled points.
    }
  }
}
