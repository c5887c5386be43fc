"""``trialbook runs export``: runs as CSV (the ``search_runs`` table) or as JSON.

::

    trialbook runs export -e mnist --format csv --output runs.csv
    trialbook runs export -f "metrics.acc > 0.9" --format json --with-history > runs.json

JSON is a list of ``{"info": {...}, "params": {...}, "metrics": {...}, "tags": {...}}``
(metrics: latest values; ``--with-history`` adds ``"metric_history": {key: [points]}``).
Non-finite metric values are written as ``NaN``, ``Infinity`` and ``-Infinity``, which
Python's and pandas' JSON readers accept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from trialbook.cli import render
from trialbook.cli.common import State, experiment_ids, pass_state, search_all, view_type
from trialbook.entities import Run

if TYPE_CHECKING:
    from trialbook.tracking.client import TrackingClient


@click.command(short_help="Export runs as CSV or JSON.")
@click.option(
    "-e",
    "--experiment",
    "experiments",
    multiple=True,
    metavar="NAME|ID",
    help="Experiment to export (repeatable) [default: every active experiment].",
)
@click.option("-f", "--filter", "filter_string", default="", help="Search filter.")
@click.option("-o", "--order-by", multiple=True, help="Ordering (repeatable).")
@click.option("-n", "--max", "max_results", default=None, type=click.IntRange(1), help="At most N.")
@click.option("--all", "show_all", is_flag=True, help="Include deleted runs.")
@click.option("--deleted", is_flag=True, help="Only deleted runs.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="File to write [default: standard output].",
)
@click.option("--with-history", is_flag=True, help="JSON only: every point of every metric.")
@pass_state
def export(
    state: State,
    experiments: Sequence[str],
    filter_string: str,
    order_by: Sequence[str],
    max_results: int | None,
    show_all: bool,
    deleted: bool,
    fmt: str,
    output: Path | None,
    with_history: bool,
) -> None:
    """Export runs as CSV (one row per run, like search_runs) or JSON (full detail)."""
    if with_history and fmt != "json":
        raise click.UsageError("--with-history needs --format json.")
    client = state.client()
    ids = experiment_ids(client, experiments)
    view = view_type(show_all, deleted)
    found = search_all(client, ids, filter_string, order_by, view, max_results)
    if fmt == "csv":
        from trialbook.tracking.frames import runs_to_frame

        text = runs_to_frame(found).to_csv(index=False)
    else:
        records = _records(client, found, with_history, show_progress=output is not None)
        text = json.dumps(records, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    render.console().print(f"Wrote {render.plural(len(found), 'run')} to {output}.")


def run_record(run: Run) -> dict[str, Any]:
    """A run as a JSON-ready dict: info, params, latest metrics and tags."""
    return {
        "info": run.info.to_dict(),
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
        "tags": dict(run.data.tags),
    }


def _records(
    client: TrackingClient, found: Sequence[Run], with_history: bool, show_progress: bool
) -> list[dict[str, Any]]:
    records = [run_record(run) for run in found]
    if not with_history:
        return records
    from rich.progress import Progress

    with Progress(
        console=render.console(stderr=True), transient=True, disable=not show_progress
    ) as progress:
        task = progress.add_task("Reading metric histories", total=len(found))
        for run, record in zip(found, records, strict=True):
            record["metric_history"] = {
                key: [
                    {"step": p.step, "value": p.value, "timestamp": p.timestamp}
                    for p in client.get_metric_history(run.info.run_id, key)
                ]
                for key in sorted(run.data.metrics)
            }
            progress.advance(task)
    return records
