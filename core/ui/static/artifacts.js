// The artifacts browser of the run page: a lazy folder tree and safe previews (text is
// shown as text, images in <img>, tables built cell by cell), plus the reproducibility
// files (git diff, requirements).

import { api, BASE, el, fill, fmtBytes, fmtTime } from "./common.js";

let runId = null;
let started = null;
const ICONS = { dir: "▸", image: "▣", json: "{}", yaml: "≡", csv: "▦", diff: "±", text: "≡", binary: "◆", model: "◆" };

function rawUrl(path, download = false) {
  const query = new URLSearchParams({ path });
  if (download) query.set("download", "1");
  return `${BASE}/api/ui/runs/${encodeURIComponent(runId)}/artifacts/raw?${query}`;
}

function listing(path) {
  return api(`/api/ui/runs/${encodeURIComponent(runId)}/artifacts`, { path });
}

/** Build the tree's top level once. */
export function initArtifacts(id) {
  runId = id;
  if (!started) {
    const tree = document.getElementById("artifact-tree");
    started = listing("").then((body) => {
      fill(tree, body.entries.map(treeItem));
      if (body.entries.length === 0) {
        fill(document.getElementById("artifact-preview"), el("p", { class: "muted", text: "This run has no artifacts." }));
      }
    });
  }
  return started;
}

function treeItem(entry) {
  const button = el("button", {
    type: "button", role: "treeitem", dataset: { path: entry.path, kind: entry.kind },
    "aria-expanded": entry.is_dir ? "false" : null, title: entry.path,
  },
  el("span", { class: "icon", text: ICONS[entry.kind] || "≡" }),
  el("span", { class: "name", text: entry.name }),
  entry.is_dir ? null : el("span", { class: "size", text: fmtBytes(entry.size) }));
  const item = el("li", {}, button);
  button.addEventListener("click", () => (entry.is_dir ? toggle(item, button, entry) : select(button, entry.path)));
  return item;
}

async function toggle(item, button, entry, { show = true } = {}) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  button.querySelector(".icon").textContent = open ? "▸" : "▾";
  let children = item.querySelector("ul");
  if (open) {
    if (children) children.hidden = true;
    return;
  }
  if (!children) {
    const body = await listing(entry.path);
    children = el("ul", { role: "group" }, body.entries.map(treeItem));
    item.append(children);
  }
  children.hidden = false;
  if (show) select(button, entry.path);
}

function select(button, path) {
  for (const other of document.querySelectorAll("#artifact-tree [aria-selected]")) other.removeAttribute("aria-selected");
  button.setAttribute("aria-selected", "true");
  history.replaceState(null, "", `#artifact=${encodeURIComponent(path)}`);
  preview(path);
}

/** Select (and open the folders down to) an artifact path. */
export async function selectArtifact(path) {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i += 1) {
    const prefix = parts.slice(0, i).join("/");
    const button = [...document.querySelectorAll("#artifact-tree button[data-path]")].find((b) => b.dataset.path === prefix);
    if (!button) return preview(path);
    if (i < parts.length && button.getAttribute("aria-expanded") === "false") {
      await toggle(button.parentElement, button, { path: prefix }, { show: false });
    } else if (i === parts.length) {
      if (button.dataset.kind === "dir" && button.getAttribute("aria-expanded") === "false") {
        await toggle(button.parentElement, button, { path: prefix });
      } else {
        select(button, prefix);
      }
    }
  }
  return null;
}

let previewId = 0;

async function preview(path) {
  const id = ++previewId;
  const pane = document.getElementById("artifact-preview");
  pane.dataset.state = "loading";
  fill(pane, el("p", { class: "muted", text: "Loading…" }));
  try {
    const body = await api(`/api/ui/runs/${encodeURIComponent(runId)}/artifacts/preview`, { path });
    if (id !== previewId) return;
    fill(pane, renderPreview(body));
    pane.dataset.state = "ready";
    pane.dataset.kind = body.kind;
  } catch (error) {
    if (id !== previewId) return;
    fill(pane, el("p", { class: "muted", text: error.message }));
    pane.dataset.state = "error";
  }
}

function header(body) {
  const size = body.size !== undefined && body.size !== null ? fmtBytes(body.size) : "";
  return el("div", { class: "preview-head" },
    el("div", {}, el("h2", { text: body.path || "artifacts" }), size ? el("span", { class: "muted small", text: size }) : null),
    body.kind === "dir" || body.kind === "model" ? null
      : el("a", { class: "button small", href: rawUrl(body.path, true), download: "", text: "Download" }));
}

function truncatedNotice(body) {
  if (!body.truncated && !body.more_rows) return null;
  const what = body.truncated ? `the first ${fmtBytes(body.limit)}` : `the first ${body.rows.length} rows`;
  return el("div", { class: "notice" }, `Showing ${what} of this file. `,
    el("a", { href: rawUrl(body.path, true), text: "Download the full file" }), ".");
}

export function renderPreview(body) {
  const parts = [header(body)];
  switch (body.kind) {
    case "image":
      parts.push(el("img", { class: "preview-image", src: rawUrl(body.path), alt: body.path, loading: "lazy" }));
      break;
    case "csv":
      parts.push(truncatedNotice(body), csvTable(body));
      break;
    case "diff":
      parts.push(truncatedNotice(body), diffText(body.text));
      break;
    case "text":
    case "json":
    case "yaml":
      parts.push(truncatedNotice(body), el("pre", { class: "preview-text", text: body.text }));
      break;
    case "model":
      parts.push(modelCard(body.model, body.input_example), folderList(body.entries));
      break;
    case "dir":
      parts.push(folderList(body.entries));
      break;
    default:
      parts.push(el("p", { class: "muted", text: "No preview for this file type." }));
  }
  return parts;
}

function csvTable(body) {
  const head = el("thead", {}, el("tr", {}, body.header.map((h) => el("th", { text: h }))));
  const rows = el("tbody", {}, body.rows.map((row) => el("tr", {}, row.map((cell) => el("td", { text: cell })))));
  // A log_table file (JSON columns and rows) is shown the same way as a CSV file.
  return el("div", { class: body.table ? "csv-wrap logged-table" : "csv-wrap" }, el("table", { class: "table compact" }, head, rows));
}

function diffText(text) {
  const pre = el("pre", { class: "preview-text" });
  for (const line of text.split("\n")) {
    let cls = null;
    if (line.startsWith("+") && !line.startsWith("+++")) cls = "diff-add";
    else if (line.startsWith("-") && !line.startsWith("---")) cls = "diff-del";
    else if (line.startsWith("@@")) cls = "diff-hunk";
    pre.append(el("span", { class: cls, text: line }), "\n");
  }
  return pre;
}

function folderList(entries) {
  if (!entries.length) return el("p", { class: "muted", text: "Empty folder." });
  return el("table", { class: "table compact" }, el("tbody", {}, entries.map((entry) => el("tr", {},
    el("td", {}, el("a", { href: `#artifact=${encodeURIComponent(entry.path)}`, text: entry.name + (entry.is_dir ? "/" : "") })),
    el("td", { class: "num muted", text: fmtBytes(entry.size) })))));
}

const MODEL_FIELDS = ["flavor", "class", "python_version", "versions", "files", "size", "created", "signature", "input_example", "by_value"];

/** One schema (a signature's inputs or outputs) as rows: name, then type or dtype and shape. */
function schemaRows(label, specs) {
  if (!Array.isArray(specs)) return [];
  return specs.map((spec, i) => {
    const tensor = spec && spec.type === "tensor" && spec["tensor-spec"];
    const type = tensor ? `${tensor.dtype} ${JSON.stringify(tensor.shape)}` : String(spec && spec.type);
    const name = spec && spec.name !== undefined && spec.name !== null ? String(spec.name) : `#${i}`;
    return el("tr", {}, el("td", { class: "muted", text: i === 0 ? label : "" }), el("td", { class: "mono", text: name }), el("td", { class: "mono", text: type }));
  });
}

/** The model's signature (inputs and outputs) and its input example's first rows. */
function signatureCard(signature, example) {
  const parts = [];
  if (signature && typeof signature === "object") {
    const rows = [...schemaRows("inputs", signature.inputs), ...schemaRows("outputs", signature.outputs)];
    parts.push(el("h3", { class: "subhead", text: "Signature" }),
      el("table", { class: "table compact model-signature" }, el("tbody", {}, rows)));
  }
  if (example && Array.isArray(example.header)) {
    const head = el("thead", {}, el("tr", {}, example.header.map((h) => el("th", { text: h }))));
    const rows = el("tbody", {}, example.rows.map((row) => el("tr", {}, row.map((cell) => el("td", { class: "mono", text: cell })))));
    parts.push(el("h3", { class: "subhead", text: "Input example" }),
      el("div", { class: "csv-wrap" }, el("table", { class: "table compact model-example" }, head, rows)));
  }
  return parts;
}

function modelCard(model, example) {
  const rows = [];
  const add = (label, value) => {
    if (value === undefined || value === null || value === "") return;
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    rows.push(el("tr", {}, el("th", { scope: "row", text: label }), el("td", { class: "mono value", text })));
  };
  add("Flavor", model.flavor);
  add("Class", model.class);
  add("Python", model.python_version);
  if (model.versions && typeof model.versions === "object") {
    for (const [name, version] of Object.entries(model.versions)) add(name, version);
  }
  if (typeof model.size === "number") add("Size", fmtBytes(model.size));
  if (typeof model.created === "number") add("Saved", fmtTime(model.created));
  for (const [key, value] of Object.entries(model)) if (!MODEL_FIELDS.includes(key)) add(key, value);
  if (Array.isArray(model.by_value) && model.by_value.length) {
    add("Stored by value", model.by_value.map((c) => c && c.class).join(", "));
  }
  const card = [el("h3", { class: "subhead", text: "Model" }), el("table", { class: "table compact kv model-card" }, el("tbody", {}, rows)),
    ...signatureCard(model.signature, example)];
  if (model.files && typeof model.files === "object") {
    card.push(el("h3", { class: "subhead", text: "Files" }), el("table", { class: "table compact" }, el("tbody", {},
      Object.entries(model.files).map(([name, file]) => el("tr", {},
        el("td", { class: "mono", text: name }),
        el("td", { class: "mono muted small", text: file && file.sha256 ? String(file.sha256).slice(0, 12) : "" }),
        el("td", { class: "num muted", text: fmtBytes(file && file.size) }))))));
  }
  card.push(el("h3", { class: "subhead", text: "Folder" }));
  return card;
}

let reproLoaded = false;

/** Fill the reproducibility tab's git diff and requirements cards when they exist. */
export function loadReproducibility(id) {
  runId = id;
  if (reproLoaded) return;
  reproLoaded = true;
  const files = [["repro-diff", "reproducibility/git.diff"], ["repro-requirements", "reproducibility/requirements.txt"]];
  for (const [cardId, path] of files) {
    api(`/api/ui/runs/${encodeURIComponent(runId)}/artifacts/preview`, { path }).then((body) => {
      const card = document.getElementById(cardId);
      const content = body.kind === "diff" ? diffText(body.text) : el("pre", { class: "preview-text", text: body.text || "" });
      fill(card.querySelector(".repro-body"), truncatedNotice(body), content,
        el("p", {}, el("a", { href: rawUrl(path, true), text: "Download" })));
      card.hidden = false;
    }).catch(() => {});
  }
}
