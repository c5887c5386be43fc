// The experiments list: filter by name and sort by any column, on the rendered table.

import { relativeTimes } from "./common.js";

relativeTimes();

const table = document.getElementById("experiments-table");
const filter = document.getElementById("experiment-filter");

if (table) {
  const body = table.tBodies[0];
  const empty = document.getElementById("experiments-empty");

  filter.addEventListener("input", () => {
    const query = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const row of body.rows) {
      row.hidden = query !== "" && !row.dataset.name.includes(query);
      if (!row.hidden) shown += 1;
    }
    empty.hidden = shown > 0;
  });

  for (const th of table.querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of table.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const rows = [...body.rows];
      const value = (row) => (key === "name" ? row.dataset.name : Number(row.dataset[key]));
      rows.sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        const order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  }
  filter.focus();
}
