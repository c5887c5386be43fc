// Helpers shared by every page: DOM building (text only, never HTML), JSON fetching,
// number/time formatting, sparklines, copy buttons and the lazy plotly.js loader.

export const BASE = document.body.dataset.base || "";

/** Build an element. Children and the "text" attribute become text nodes, never markup. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `Request failed (${status})`);
    this.status = status;
    this.body = body;
    this.error = (body && body.error) || {};
  }
}

/** GET a JSON endpoint; arrays in params become repeated query parameters. */
export async function api(path, params = {}, options = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
  }
  const response = await fetch(url, { headers: { Accept: "application/json" }, signal: options.signal });
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** Send a change (PATCH, PUT, POST, DELETE) as JSON; answer the JSON reply or throw ApiError. */
export async function send(method, path, body = {}, params = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
  const response = await fetch(url, {
    method,
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let reply = null;
  try {
    reply = await response.json();
  } catch (error) {
    reply = null;
  }
  if (!response.ok) throw new ApiError(response.status, reply);
  return reply;
}

export function pageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}

export function runUrl(runId) {
  return `${BASE}/runs/${encodeURIComponent(runId)}`;
}

export function experimentUrl(experimentId) {
  return `${BASE}/experiments/${encodeURIComponent(experimentId)}`;
}

/** JSON numbers may come as "NaN", "Infinity" or "-Infinity". */
export function num(value) {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? Number(value) : value;
}

export function fmtNumber(value) {
  const v = num(value);
  if (v === null) return "";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return v.toExponential(3);
  return String(Number(v.toPrecision(6)));
}

export function fullNumber(value) {
  const v = num(value);
  return v === null ? "" : String(v);
}

const pad = (n) => String(n).padStart(2, "0");

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtRelative(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return "";
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 14) return `${days} day${days === 1 ? "" : "s"} ago`;
  return fmtTime(ms).slice(0, 10);
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  let minutes = Math.floor(seconds / 60);
  const secs = Math.floor(seconds % 60);
  if (minutes < 60) return `${minutes}m ${pad(secs)}s`;
  let hours = Math.floor(minutes / 60);
  minutes %= 60;
  if (hours < 48) return `${hours}h ${pad(minutes)}m`;
  const days = Math.floor(hours / 24);
  hours %= 24;
  return `${days}d ${pad(hours)}h`;
}

export function fmtBytes(size) {
  if (size === null || size === undefined) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function statusBadge(status) {
  return el("span", { class: `badge status-${String(status).toLowerCase()}`, text: status });
}

/** Show relative times in <time class="rel" data-ms> elements (absolute time in the title). */
export function relativeTimes(root = document) {
  for (const node of root.querySelectorAll("time.rel[data-ms]")) {
    const ms = Number(node.dataset.ms);
    node.textContent = fmtRelative(ms);
    node.title = fmtTime(ms);
  }
}

/** Copy buttons: any element with data-copy copies its value. */
export function copyButtons() {
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1200);
    } catch (error) {
      window.prompt("Copy:", button.dataset.copy);
    }
  });
}

/** Inputs with data-filter-rows="<table id>" hide the table's rows that don't match. */
export function rowFilters() {
  for (const input of document.querySelectorAll("[data-filter-rows]")) {
    const table = document.getElementById(input.dataset.filterRows);
    input.addEventListener("input", () => {
      const query = input.value.trim().toLowerCase();
      for (const row of table.tBodies[0].rows) {
        row.hidden = query !== "" && !row.textContent.toLowerCase().includes(query);
      }
    });
  }
}

const SVG = "http://www.w3.org/2000/svg";

/** A small trend line of the values (NaN and infinities skipped). */
export function sparkline(values, width = 120, height = 26) {
  const points = values.map(num).map((v, i) => [i, v]).filter(([, v]) => Number.isFinite(v));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  if (points.length === 0) return svg;
  const ys = points.map(([, v]) => v);
  const low = Math.min(...ys);
  const high = Math.max(...ys);
  const last = values.length - 1 || 1;
  const x = (i) => 2 + (i / last) * (width - 4);
  const y = (v) => (high === low ? height / 2 : height - 3 - ((v - low) / (high - low)) * (height - 6));
  const d = points.map(([i, v], k) => `${k ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  svg.append(path);
  const [li, lv] = points[points.length - 1];
  const dot = document.createElementNS(SVG, "circle");
  dot.setAttribute("cx", x(li).toFixed(1));
  dot.setAttribute("cy", y(lv).toFixed(1));
  dot.setAttribute("r", "2");
  svg.append(dot);
  return svg;
}

let plotlyPromise = null;

/** Load plotly.js (served from the plotly Python package) once. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyPromise) {
    plotlyPromise = new Promise((resolve, reject) => {
      const script = el("script", { src: document.body.dataset.plotly });
      script.addEventListener("load", () => {
        performance.mark("trialbook-plotly-loaded");
        resolve(window.Plotly);
      });
      script.addEventListener("error", () => reject(new Error("plotly.js failed to load")));
      document.head.append(script);
    });
  }
  return plotlyPromise;
}

/**
 * Whether plotly.js came from the browser's cache (the page preloads it): a browser that has
 * run it before starts it in a blink, while a fresh one spends about a second of its main
 * thread on it, so pages start it early only in the first case.
 */
export function plotlyCached() {
  if (window.Plotly || plotlyPromise) return true;
  const entry = performance.getEntriesByName(plotlyHref())[0];
  return Boolean(entry && entry.transferSize === 0);
}

/** Resolves to plotlyCached() once the page's preload of plotly.js has arrived. */
export function plotlyPreloaded() {
  return new Promise((resolve) => {
    if (performance.getEntriesByName(plotlyHref()).length) return resolve(plotlyCached());
    const observer = new PerformanceObserver((list) => {
      if (!list.getEntriesByName(plotlyHref()).length) return;
      observer.disconnect();
      resolve(plotlyCached());
    });
    observer.observe({ type: "resource", buffered: true });
  });
}

function plotlyHref() {
  return new URL(document.body.dataset.plotly, window.location.href).href;
}

/** Text for plotly labels: plotly reads a few HTML-like tags in text, so escape them all. */
export function plotlyText(value) {
  return String(value ?? "").replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

export const PALETTE = [
  "#2f6fed", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e67700", "#5c7cfa",
  "#d6336c", "#37b24d", "#845ef7", "#1098ad", "#f08c00", "#495057",
];

export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Plotly layout defaults in the page's colours. */
export function baseLayout(extra = {}) {
  const text = cssVar("--text");
  const grid = cssVar("--border");
  const axis = { gridcolor: grid, zerolinecolor: grid, linecolor: grid, automargin: true };
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: cssVar("--sans") || "system-ui", size: 11, color: text },
    margin: { l: 48, r: 12, t: 8, b: 36 },
    xaxis: { ...axis },
    yaxis: { ...axis },
    hoverlabel: { font: { family: cssVar("--mono") || "monospace", size: 11 } },
    showlegend: false,
    ...extra,
  };
}

export const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"],
};

/** Debiased exponential moving average (TensorBoard's smoothing). */
export function smooth(values, weight) {
  if (!weight) return values;
  const out = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count += 1;
    out[i] = last / (1 - Math.pow(weight, count));
  }
  return out;
}

/** Observe elements and call back once each becomes (nearly) visible. */
export function whenVisible(callback) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        callback(entry.target);
      }
    }
  }, { rootMargin: "200px" });
  return observer;
}
