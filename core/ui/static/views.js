// Saved views of the experiment page: named URL queries kept in the store (as experiment
// tags), so a team shares them. Choosing one loads its URL; saving stores the current one.

import { api, BASE, el, fill, send } from "./common.js";

/** The CSV export of the table as shown: its filter, order, view and columns. */
export function exportHref(experimentId, { filter, orderBy, view, columns }) {
  const url = new URL(`${BASE}/api/ui/experiments/${encodeURIComponent(experimentId)}/runs.csv`, window.location.origin);
  const add = (key, value) => url.searchParams.append(key, value);
  if (filter) add("filter", filter);
  for (const order of orderBy) add("order_by", order);
  if (view !== "active") add("view", view);
  const cols = columns || { params: [], metrics: [], tags: [] };
  for (const key of cols.params) add("params", key);
  for (const [key, agg] of cols.metrics) add("metrics", `${key}:${agg}`);
  for (const key of cols.tags) add("tags", key);
  return url.pathname + url.search;
}

/** Wire the views menu. currentQuery(): the page's URL query to save (without the selection). */
export async function initViews(experimentId, currentQuery) {
  const select = document.getElementById("saved-views");
  const nameInput = document.getElementById("view-name");
  const saveButton = document.getElementById("save-view");
  const deleteButton = document.getElementById("delete-view");
  const errorBox = document.getElementById("view-error");
  const path = `/api/ui/experiments/${encodeURIComponent(experimentId)}/views`;
  let views = [];

  const showError = (error) => {
    errorBox.hidden = !error;
    fill(errorBox, error ? error.message : "");
  };
  const render = (chosen) => {
    fill(select, el("option", { value: "", text: views.length ? "Choose a view…" : "No saved views" }),
      views.map((v) => el("option", { value: v.name, text: v.name, selected: v.name === chosen })));
    if (deleteButton) deleteButton.hidden = !chosen;
  };
  const current = () => {
    const query = currentQuery();
    return views.find((v) => v.query === query)?.name || "";
  };

  select.addEventListener("change", () => {
    const view = views.find((v) => v.name === select.value);
    if (view) window.location.search = view.query ? `?${view.query}` : "";
  });
  if (saveButton) {
    saveButton.addEventListener("click", async () => {
      const name = nameInput.value.trim() || select.value;
      try {
        views = (await send("PUT", path, { name, query: currentQuery() })).views;
        showError(null);
        nameInput.value = "";
        render(name);
      } catch (error) {
        showError(error);
      }
    });
    deleteButton.addEventListener("click", async () => {
      try {
        views = (await send("DELETE", path, {}, { name: select.value })).views;
        showError(null);
        render("");
      } catch (error) {
        showError(error);
      }
    });
  }
  try {
    views = (await api(path)).views;
    render(current());
  } catch (error) {
    showError(error);
  }
}
