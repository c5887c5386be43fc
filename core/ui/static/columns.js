// The runs table's column chooser: params, metrics (latest, min or max) and tags to show.

import { el } from "./common.js";

/**
 * The panel's content. `columns` ({params, metrics: [[key, agg]], tags}) is changed in place;
 * `changed(refetch)` runs after each change (refetch: tags need new data from the server).
 */
export function columnsPanelContent(available, columns, changed, done) {
  const search = el("input", { type: "search", class: "search small", placeholder: "Filter keys", "aria-label": "Filter column keys" });
  const groups = el("div", { class: "column-groups" });
  const option = (kind, key) => {
    if (kind === "metrics") {
      const aggs = ["latest", "min", "max"].map((agg) => {
        const box = el("input", { type: "checkbox", checked: columns.metrics.some(([k, a]) => k === key && a === agg), "aria-label": `${key} ${agg}` });
        box.addEventListener("change", () => {
          columns.metrics = columns.metrics.filter(([k, a]) => !(k === key && a === agg));
          if (box.checked) columns.metrics.push([key, agg]);
          changed(false);
        });
        return el("label", {}, box, agg);
      });
      return el("div", { class: "column-option", dataset: { key: key.toLowerCase() } },
        el("span", { class: "key", title: key, text: key }), el("span", { class: "aggs" }, aggs));
    }
    const box = el("input", { type: "checkbox", checked: columns[kind].includes(key) });
    box.addEventListener("change", () => {
      columns[kind] = columns[kind].filter((k) => k !== key);
      if (box.checked) columns[kind].push(key);
      changed(kind === "tags");
    });
    return el("label", { class: "column-option", dataset: { key: key.toLowerCase() } }, box, el("span", { class: "key", title: key, text: key }));
  };
  const section = (title, kind, keys) => el("div", {},
    el("h3", { class: "subhead", text: `${title} (${keys.length})` }),
    keys.length ? keys.map((key) => option(kind, key)) : el("p", { class: "muted small", text: "None" }));
  groups.append(
    section("Parameters", "params", available.params),
    section("Metrics", "metrics", available.metrics),
    section("Tags", "tags", available.tags.filter((k) => !k.startsWith("trialbook."))),
    section("System tags", "tags", available.tags.filter((k) => k.startsWith("trialbook."))),
  );
  search.addEventListener("input", () => {
    const query = search.value.trim().toLowerCase();
    for (const node of groups.querySelectorAll(".column-option")) node.hidden = query !== "" && !node.dataset.key.includes(query);
  });
  const button = el("button", { type: "button", class: "button small", text: "Done" });
  button.addEventListener("click", done);
  return [el("div", { class: "panel-head" }, search, button), groups];
}
