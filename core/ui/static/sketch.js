// A light SVG line chart drawn from the same traces as the plotly chart, the moment the data
// arrives: plotly.js (4.8 MB) can take a while to start in a fresh tab, and the chart should
// not wait for it. plotly replaces the sketch once it has loaded (zoom, hover, export).

import { cssVar, fmtNumber } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = { left: 48, right: 12, top: 8, bottom: 36 };

function node(tag, attrs = {}, text = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function ticks(low, high, count) {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => (high - low) / s <= count);
  const found = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) found.push(Number(v.toPrecision(12)));
  return found;
}

function shortNumber(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${fmtNumber(value / 1e6)}M`;
  if (abs >= 1e4) return `${fmtNumber(value / 1e3)}k`;
  return fmtNumber(value);
}

function timeLabel(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/**
 * Draw traces ({x, y, line: {color, width}, opacity}) as an SVG into `container`.
 * options: {wall: x holds "YYYY-MM-DD HH:MM:SS" strings, log: log-scale y, xTitle}.
 */
export function sketch(container, traces, { wall = false, log = false, xTitle = "" } = {}) {
  const width = Math.max(200, container.clientWidth || 400);
  const height = Math.max(120, container.clientHeight || 300);
  const inner = { w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const series = traces.map((trace) => {
    const xs = wall ? trace.x.map((v) => new Date(String(v).replace(" ", "T")).getTime()) : trace.x;
    const ys = log ? trace.y.map((v) => (v > 0 ? Math.log10(v) : NaN)) : trace.y;
    return { trace, xs, ys };
  });
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { xs, ys } of series) {
    for (let i = 0; i < xs.length; i += 1) {
      if (!Number.isFinite(ys[i]) || !Number.isFinite(xs[i])) continue;
      x0 = Math.min(x0, xs[i]);
      x1 = Math.max(x1, xs[i]);
      y0 = Math.min(y0, ys[i]);
      y1 = Math.max(y1, ys[i]);
    }
  }
  if (!Number.isFinite(x0)) return false;
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const sx = (v) => MARGIN.left + ((v - x0) / (x1 - x0)) * inner.w;
  const sy = (v) => MARGIN.top + (1 - (v - y0) / (y1 - y0)) * inner.h;
  const grid = cssVar("--border");
  const text = cssVar("--text");
  const root = node("svg", { width, height, class: "sketch", role: "img" });
  const axes = node("g", { "font-size": 11, fill: text, "font-family": cssVar("--sans") });
  for (const v of ticks(y0, y1, 5)) {
    axes.append(node("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: sy(v), y2: sy(v), stroke: grid }));
    axes.append(node("text", { x: MARGIN.left - 6, y: sy(v) + 4, "text-anchor": "end" }, log ? shortNumber(10 ** v) : shortNumber(v)));
  }
  const xTicks = wall ? ticks(x0, x1, 4) : ticks(x0, x1, 5);
  for (const v of xTicks) {
    axes.append(node("line", { x1: sx(v), x2: sx(v), y1: MARGIN.top, y2: height - MARGIN.bottom, stroke: grid }));
    axes.append(node("text", { x: sx(v), y: height - MARGIN.bottom + 16, "text-anchor": "middle" }, wall ? timeLabel(v) : shortNumber(v)));
  }
  if (xTitle) {
    axes.append(node("text", { x: MARGIN.left + inner.w / 2, y: height - 4, "text-anchor": "middle", "font-size": 10 }, xTitle));
  }
  root.append(axes);
  for (const { trace, xs, ys } of series) {
    let d = "";
    let pen = "M";
    for (let i = 0; i < xs.length; i += 1) {
      if (!Number.isFinite(ys[i])) {
        pen = "M";
        continue;
      }
      d += `${pen}${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`;
      pen = "L";
    }
    root.append(node("path", {
      d, fill: "none", stroke: trace.line.color, "stroke-width": trace.line.width || 1.5,
      "stroke-opacity": trace.opacity ?? 1, "stroke-linejoin": "round",
    }));
  }
  container.replaceChildren(root);
  return true;
}
