// Listing pages (experiments, models): filter a rendered table by name and sort it by any
// column. A table opts in with `data-listing`; its rows carry `data-name` and one
// `data-<key>` per sortable header (`<th data-sort="<key>">`); a search box names the table
// in `data-filters`, and an element with `data-empty-for` shows when no row matches.

import { relativeTimes } from "./common.js";

relativeTimes();

function sortable(table) {
  const body = table.tBodies[0];
  for (const th of table.querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of table.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const value = (row) => (key === "name" ? row.dataset.name : Number(row.dataset[key]));
      const rows = [...body.rows].sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        const order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  }
}

function filterable(table) {
  const filter = document.querySelector(`input[data-filters="${table.id}"]`);
  if (!filter) return;
  const empty = document.querySelector(`[data-empty-for="${table.id}"]`);
  filter.addEventListener("input", () => {
    const query = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      row.hidden = query !== "" && !row.dataset.name.includes(query);
      if (!row.hidden) shown += 1;
    }
    if (empty) empty.hidden = shown > 0;
  });
  filter.focus();
}

for (const table of document.querySelectorAll("table[data-listing]")) {
  sortable(table);
  filterable(table);
}
