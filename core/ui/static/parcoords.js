// Parallel coordinates as plain SVG: one vertical axis per param (numeric or categorical)
// and one for the chosen metric, one line per run. No WebGL and no eval (plotly's parcoords
// needs both), so it works under the page's Content-Security-Policy and in any browser.

import { cssVar, el, fmtNumber } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
const MARGIN = { top: 44, right: 84, bottom: 28, left: 56 };

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function niceTicks(low, high, count = 5) {
  if (low === high) return [low];
  const span = high - low;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) || magnitude * 10;
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function mix(a, b, t) {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `rgb(${pa.map((v, i) => Math.round(v + (pb[i] - v) * t)).join(",")})`;
}

export function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  return mix(VIRIDIS[i], VIRIDIS[i + 1], x - i);
}

/** An axis: where each run's value sits (0 = bottom, 1 = top) and the tick labels. */
export function axis(label, values) {
  const present = values.filter((v) => v !== null && v !== undefined && v !== "");
  const numeric = present.length > 0 && present.every((v) => Number.isFinite(Number(v)));
  if (numeric) {
    const numbers = present.map(Number);
    const low = Math.min(...numbers);
    const high = Math.max(...numbers);
    // Values spanning orders of magnitude (learning rates...) read better on a log axis.
    const log = low > 0 && high / low >= 50;
    const scale = log ? Math.log10 : (v) => v;
    const [a, b] = [scale(low), scale(high)];
    const position = (v) => (a === b ? 0.5 : (scale(v) - a) / (b - a));
    const ticks = log
      ? Array.from({ length: Math.floor(b) - Math.ceil(a) + 1 }, (_, i) => 10 ** (Math.ceil(a) + i))
      : niceTicks(low, high);
    return {
      label: log ? `${label} (log)` : label,
      values,
      numeric: true,
      low,
      high,
      positions: values.map((v) => (present.includes(v) ? position(Number(v)) : null)),
      ticks: ticks.map((t) => [position(t), fmtNumber(t)]),
    };
  }
  const categories = [...new Set(present.map(String))].sort();
  const position = (v) => (categories.length === 1 ? 0.5 : categories.indexOf(String(v)) / (categories.length - 1));
  return {
    label,
    values,
    numeric: false,
    positions: values.map((v) => (present.includes(v) ? position(v) : null)),
    ticks: categories.map((c) => [position(c), c]),
  };
}

/**
 * Draw into `node`. runs: [{name, color, href}]; axes: from axis(); colorBy: index of the
 * axis whose values colour the lines (null: each run's own colour).
 */
export function drawParallel(node, runs, axes, colorBy = null) {
  const width = Math.max(320, node.clientWidth || 600);
  const height = Math.max(240, node.clientHeight || 420);
  const inner = { w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const x = (i) => MARGIN.left + (axes.length === 1 ? inner.w / 2 : (i / (axes.length - 1)) * inner.w);
  const y = (p) => MARGIN.top + (1 - p) * inner.h;
  const missingY = height - 8;
  const text = cssVar("--text");
  const muted = cssVar("--muted");
  const grid = cssVar("--border-strong");
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "parcoords", role: "img" });
  root.append(svg("title", {}, "Parallel coordinates of the runs' params and metric"));

  const lines = svg("g", { fill: "none", "stroke-width": 2.5, "stroke-linejoin": "round" });
  runs.forEach((run, r) => {
    let color = run.color;
    if (colorBy !== null) {
      const p = axes[colorBy].positions[r];
      color = p === null ? muted : viridis(p);
    }
    const points = axes.map((a, i) => `${x(i).toFixed(1)},${(a.positions[r] === null ? missingY : y(a.positions[r])).toFixed(1)}`);
    const line = svg("polyline", { points: points.join(" "), stroke: color, "stroke-opacity": 0.85, class: "pc-line", "data-run": run.name });
    line.append(svg("title", {}, `${run.name}\n${axes.map((a, i) => `${a.label}: ${a.positions[r] === null ? "—" : a.values[r]}`).join("\n")}`));
    lines.append(line);
  });
  root.append(lines);

  axes.forEach((a, i) => {
    const group = svg("g", { class: "pc-axis" });
    group.append(svg("line", { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: grid, "stroke-width": 1 }));
    const label = svg("text", { x: x(i), y: 16, "text-anchor": "middle", fill: text, "font-size": 12, "font-weight": 600 }, a.label);
    group.append(label);
    for (const [p, tick] of a.ticks) {
      group.append(svg("line", { x1: x(i) - 4, x2: x(i), y1: y(p), y2: y(p), stroke: grid }));
      group.append(svg("text", {
        x: x(i) - 7, y: y(p) + 3.5, "text-anchor": "end", fill: muted, "font-size": 10, class: "pc-tick",
      }, tick.length > 14 ? `${tick.slice(0, 13)}…` : tick));
    }
    if (a.positions.some((p) => p === null)) {
      group.append(svg("text", { x: x(i) - 7, y: missingY + 3.5, "text-anchor": "end", fill: muted, "font-size": 10 }, "n/a"));
    }
    root.append(group);
  });

  if (colorBy !== null && axes[colorBy].numeric) {
    const a = axes[colorBy];
    const defs = svg("defs");
    const gradient = svg("linearGradient", { id: "pc-scale", x1: 0, x2: 0, y1: 1, y2: 0 });
    VIRIDIS.forEach((c, i) => gradient.append(svg("stop", { offset: i / (VIRIDIS.length - 1), "stop-color": c })));
    defs.append(gradient);
    root.append(defs);
    const left = width - 40;
    root.append(svg("rect", { x: left, y: y(1), width: 8, height: inner.h, fill: "url(#pc-scale)", rx: 2 }));
    root.append(svg("text", { x: left + 4, y: y(1) - 8, "text-anchor": "middle", fill: muted, "font-size": 10 }, fmtNumber(a.high)));
    root.append(svg("text", { x: left + 4, y: y(0) + 14, "text-anchor": "middle", fill: muted, "font-size": 10 }, fmtNumber(a.low)));
  }
  node.replaceChildren(root);
  return root;
}

export function emptyMessage(node, text) {
  node.replaceChildren(el("div", { class: "chart-loading", text }));
}
