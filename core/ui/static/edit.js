// Editing a run from its page: rename, description (Markdown, rendered by the server with
// raw HTML escaped), tags, delete and restore. Controls exist only for users who may write;
// an error (a bad key, a value too long, a read-only token) shows next to the form, and the
// form keeps what was typed.

import { el, fill, send } from "./common.js";

function showError(form, error) {
  const box = form.querySelector(".edit-error") || form.parentElement.querySelector(".edit-error");
  if (!box) return;
  box.hidden = !error;
  fill(box, error ? error.message : "");
}

/** Wire a form: submit runs `save()`; errors show inline; success calls `done(reply)`. */
function bindForm(form, save, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll("button");
    for (const b of buttons) b.disabled = true;
    try {
      const reply = await save();
      showError(form, null);
      done(reply);
    } catch (error) {
      showError(form, error);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
  const cancel = form.querySelector("[data-cancel]");
  if (cancel) {
    cancel.addEventListener("click", () => {
      showError(form, null);
      form.hidden = true;
    });
  }
}

const USER_TAG = (key) => !key.startsWith("trialbook.") && !key.startsWith("mlflow.");

function renderTags(runId, tags) {
  const table = document.getElementById("tags-table");
  const keys = Object.keys(tags).filter(USER_TAG).sort();
  fill(table.tBodies[0], keys.map((key) => tagRow(runId, key, tags[key])));
  table.hidden = keys.length === 0;
  const none = document.getElementById("no-tags");
  if (none) none.hidden = keys.length > 0;
  document.getElementById("tag-count").textContent = String(keys.length);
}

function tagRow(runId, key, value) {
  const edit = el("button", { type: "button", class: "button ghost small", "data-edit-tag": true, text: "Edit" });
  const remove = el("button", { type: "button", class: "button ghost small", "data-remove-tag": true, text: "Remove" });
  return el("tr", { dataset: { key } }, el("th", { scope: "row", text: key }), el("td", { class: "value", text: value }),
    el("td", { class: "row-actions" }, edit, " ", remove));
}

/** Wire the run page's edit controls (present only when the user may write). */
export function initRunEditing(runId, onRun) {
  const path = `/api/ui/runs/${encodeURIComponent(runId)}`;
  const applied = (reply) => {
    onRun(reply.run);
    return reply;
  };

  const renameButton = document.getElementById("rename-run");
  const renameForm = document.getElementById("rename-form");
  if (renameButton) {
    const input = document.getElementById("rename-input");
    renameButton.addEventListener("click", () => {
      renameForm.hidden = false;
      input.focus();
      input.select();
    });
    bindForm(renameForm, () => send("PATCH", path, { run_name: input.value }).then(applied), (reply) => {
      fill(document.getElementById("run-name"), reply.run.run_name);
      document.title = `${reply.run.run_name} · trialbook`;
      renameForm.hidden = true;
    });
  }

  const descriptionButton = document.getElementById("edit-description");
  if (descriptionButton) {
    const form = document.getElementById("description-form");
    const input = document.getElementById("description-input");
    descriptionButton.addEventListener("click", () => {
      form.hidden = false;
      input.focus();
    });
    bindForm(form, () => send("PATCH", path, { description: input.value }).then(applied), (reply) => {
      // The server's Markdown renderer escapes raw HTML and keeps only http(s) links.
      document.getElementById("description").innerHTML = reply.description_html;
      const none = document.getElementById("no-description");
      if (none) none.hidden = reply.run.description !== "";
      form.hidden = true;
    });
  }

  const tagForm = document.getElementById("tag-form");
  if (tagForm) {
    const key = document.getElementById("tag-key");
    const value = document.getElementById("tag-value");
    bindForm(tagForm, () => send("PUT", `${path}/tags`, { key: key.value, value: value.value }).then(applied), (reply) => {
      renderTags(runId, reply.run.tags);
      key.value = "";
      value.value = "";
    });
    document.getElementById("tags-table").addEventListener("click", async (event) => {
      const row = event.target.closest("tr[data-key]");
      if (!row) return;
      if (event.target.closest("[data-edit-tag]")) {
        key.value = row.dataset.key;
        value.value = row.querySelector(".value").textContent;
        value.focus();
      } else if (event.target.closest("[data-remove-tag]")) {
        try {
          const reply = applied(await send("DELETE", `${path}/tags`, {}, { key: row.dataset.key }));
          showError(tagForm, null);
          renderTags(runId, reply.run.tags);
        } catch (error) {
          showError(tagForm, error);
        }
      }
    });
  }

  const deleteButton = document.getElementById("delete-run");
  const restoreButton = document.getElementById("restore-run");
  if (deleteButton) {
    const errorBox = document.getElementById("lifecycle-error");
    const lifecycle = async (action) => {
      try {
        const reply = applied(await send("POST", `${path}/${action}`));
        const deleted = reply.run.lifecycle_stage === "deleted";
        deleteButton.hidden = deleted;
        restoreButton.hidden = !deleted;
        let badge = document.getElementById("deleted-badge");
        if (deleted && !badge) {
          badge = el("span", { class: "badge status-deleted", id: "deleted-badge", text: "DELETED" });
          document.querySelector(".run-head h1").append(" ", badge);
        } else if (!deleted && badge) {
          badge.remove();
        }
        errorBox.hidden = true;
      } catch (error) {
        errorBox.hidden = false;
        fill(errorBox, error.message);
      }
    };
    deleteButton.addEventListener("click", () => lifecycle("delete"));
    restoreButton.addEventListener("click", () => lifecycle("restore"));
  }
}

/**
 * Wire the experiment page's edit controls: delete or restore the experiment, or the selected
 * runs. options: selected() (the selected run ids), showError({message}), changed(deleted).
 */
export function initExperimentEditing(experimentId, { selected, showError: tableError, changed }) {
  const remove = document.getElementById("delete-experiment");
  if (!remove) return;
  const restore = document.getElementById("restore-experiment");
  const errorBox = document.getElementById("experiment-error");
  const lifecycle = async (action) => {
    try {
      const reply = await send("POST", `/api/ui/experiments/${encodeURIComponent(experimentId)}/${action}`);
      const deleted = reply.lifecycle_stage === "deleted";
      remove.hidden = deleted;
      restore.hidden = !deleted;
      errorBox.hidden = true;
      changed(deleted);
    } catch (error) {
      errorBox.hidden = false;
      fill(errorBox, error.message);
    }
  };
  const changeSelected = async (action) => {
    const ids = selected();
    try {
      for (const runId of ids) await send("POST", `/api/ui/runs/${encodeURIComponent(runId)}/${action}`);
      ids.clear();
      tableError(null);
    } catch (error) {
      tableError({ message: error.message });
    }
    changed(false);
  };
  remove.addEventListener("click", () => lifecycle("delete"));
  restore.addEventListener("click", () => lifecycle("restore"));
  document.getElementById("delete-selected").addEventListener("click", () => changeSelected("delete"));
  document.getElementById("restore-selected").addEventListener("click", () => changeSelected("restore"));
}
