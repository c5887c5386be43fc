"""``trialbook runs``: list, show, delete and restore runs (compare, export and reproduce too).

::

    trialbook runs list -e mnist -f "params.model = 'rf'" -o "metrics.acc DESC" --max 20
    trialbook runs list --columns params.lr,metrics.loss --full-ids
    trialbook runs list --output csv > runs.csv        # or json; wide: every column, unfitted
    trialbook runs show 3f2a91c0
    trialbook runs delete 3f2a91c0 77b0e1d2 && trialbook runs restore 3f2a91c0 77b0e1d2

Run ids may be shortened to any unique prefix of four or more characters.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from trialbook.cli import compare, export, render, reproduce
from trialbook.cli.common import (
    State,
    experiment_ids,
    find_run,
    pass_state,
    search_all,
    view_type,
)
from trialbook.entities import FileInfo, MetricSummary, Run, ViewType

TRIALBOOK_TAG_PREFIX = "trialbook."
"""Tags under this prefix are trialbook's own; `runs show` lists them apart from the user's."""

MAX_AUTO_METRICS = 8
"""At most this many metric columns in `runs list`'s default table (fewer when they don't fit)."""

SYSTEM_METRIC_PREFIX = "system/"
"""Machine metrics (CPU, memory, ...): the default table prefers the training's own metrics."""

OUTPUTS = ("table", "wide", "csv", "json")
"""`runs list --output` choices."""

METRICS_PREFIX = "metrics."
"""Metric columns of the table are headed by the metric's name, without this prefix."""

_UNLIMITED = 1_000_000
_SCRIPT_FIELDS = ("run_id", "run_name", "experiment_id", "status", "start_time", "end_time")

MAX_ARTIFACTS = 500
"""`runs show` stops listing artifacts after this many entries."""

_COLUMN_PREFIXES = ("params.", "metrics.", "tags.")


@click.group(short_help="List, show, compare, export and reproduce runs.")
def runs() -> None:
    """List, show, compare, delete, restore, export and reproduce runs."""


runs.add_command(compare.compare)
runs.add_command(export.export)
runs.add_command(reproduce.reproduce)


@runs.command("list", short_help="List runs as a table.")
@click.option(
    "-e",
    "--experiment",
    "experiments",
    multiple=True,
    metavar="NAME|ID",
    help="Experiment to list (repeatable) [default: every active experiment].",
)
@click.option(
    "-f",
    "--filter",
    "filter_string",
    default="",
    help="Search filter, e.g. \"metrics.acc > 0.9 and params.model = 'rf'\".",
)
@click.option(
    "-o", "--order-by", multiple=True, help="Ordering, e.g. 'metrics.acc DESC' (repeatable)."
)
@click.option(
    "-n",
    "--max",
    "max_results",
    default=50,
    show_default=True,
    type=click.IntRange(1),
    help="At most N runs.",
)
@click.option(
    "-c",
    "--columns",
    multiple=True,
    metavar="KEYS",
    help="Comma-separated params.<k>, metrics.<k> or tags.<k> columns [default: table: the "
    "metrics most runs have, as many as fit the terminal; wide, csv, json: every param and metric].",
)
@click.option(
    "--output",
    type=click.Choice(OUTPUTS),
    default="table",
    show_default=True,
    help="table fits the terminal; wide shows every column unshrunk; csv and json are for scripts.",
)
@click.option("--full-ids", is_flag=True, help="Show whole run ids.")
@click.option("--all", "show_all", is_flag=True, help="Include deleted runs.")
@click.option("--deleted", is_flag=True, help="Only deleted runs.")
@pass_state
def list_runs(
    state: State,
    experiments: Sequence[str],
    filter_string: str,
    order_by: Sequence[str],
    max_results: int,
    columns: Sequence[str],
    output: str,
    full_ids: bool,
    show_all: bool,
    deleted: bool,
) -> None:
    """Runs as a table: id, name, status, start, duration and the most common metrics."""
    client = state.client()
    view = view_type(show_all, deleted)
    ids = experiment_ids(client, experiments)
    found = search_all(client, ids, filter_string, order_by, view, max_results)
    chosen = _parse_columns(columns) if columns else None
    if output in ("csv", "json"):
        click.echo(_script_output(found, chosen or _every_column(found), output), nl=False)
        return
    out = render.console()
    if not found:
        out.print("No runs.")
        return
    names = {e: client.get_experiment(e).name for e in {r.info.experiment_id for r in found}}
    total = client.store.count_runs(ids, filter_string, view)
    caption = f"{len(found)} of {render.plural(total, 'run')}"

    def build(keys: Sequence[str]) -> Table:
        made = _runs_table(found, keys, names if len(ids) > 1 else None, full_ids)
        made.caption = caption
        return made

    if chosen is not None:
        table = build(chosen)
    elif output == "wide":
        table = build(_every_column(found))
    else:
        table = build(_fitting(out, build, _metric_columns(found)))
    if output == "wide":
        out.width = max(out.width, _natural_width(out, table))
    out.print(table)


def _runs_table(
    found: Sequence[Run], keys: Sequence[str], experiments: dict[str, str] | None, full_ids: bool
) -> Table:
    """The runs as rows; an Experiment column when ``experiments`` names several."""
    table = render.table("Run id", "Name")
    table.columns[0].no_wrap = True
    if experiments is not None:
        table.add_column("Experiment")
    for header in ("Status", "Start", "Duration"):
        table.add_column(header, no_wrap=True)
    for key in keys:
        if key.startswith(METRICS_PREFIX):  # headed by the bare name, right-aligned numbers
            table.add_column(key[len(METRICS_PREFIX) :], justify="right")
        else:
            table.add_column(key)
    for run in found:
        info = run.info
        row = [render.cell(render.short_id(info.run_id, full_ids)), render.cell(info.run_name)]
        if experiments is not None:
            row.append(render.cell(experiments[info.experiment_id]))
        row += [
            render.status(info.status),
            render.cell(render.timestamp(info.start_time)),
            render.cell(render.duration(info.start_time, info.end_time)),
            *(render.cell(column_value(run, key)) for key in keys),
        ]
        table.add_row(*row)
    return table


def _fitting(
    out: Console, build: Callable[[Sequence[str]], Table], candidates: Sequence[str]
) -> list[str]:
    """The longest prefix of ``candidates`` whose table fits the console unshrunk."""
    keys: list[str] = []
    for key in candidates:
        if _natural_width(out, build([*keys, key])) > out.width:
            break
        keys.append(key)
    return keys


def _natural_width(out: Console, table: Table) -> int:
    """How wide ``table`` is when nothing in it is shrunk."""
    return out.measure(table, options=out.options.update_width(_UNLIMITED)).maximum


def _metric_columns(found: Sequence[Run]) -> list[str]:
    """Metric columns, those most top-level runs have first; the machine's (``system/``) last.

    Top-level runs count first so that a search's many child runs (one per candidate) do not
    push the metrics of the training runs themselves out of the table.
    """
    top: dict[str, int] = {}
    every: dict[str, int] = {}
    for run in found:
        for key in run.data.metrics:
            every[key] = every.get(key, 0) + 1
            if run.info.parent_run_id is None:
                top[key] = top.get(key, 0) + 1
    ranked = sorted(
        every,
        key=lambda k: (k.startswith(SYSTEM_METRIC_PREFIX), -top.get(k, 0), -every[k], k),
    )
    return [METRICS_PREFIX + key for key in ranked[:MAX_AUTO_METRICS]]


def _every_column(found: Sequence[Run]) -> list[str]:
    """Every param, then every metric any of the runs has."""
    params = sorted({k for r in found for k in r.data.params})
    metrics = sorted({k for r in found for k in r.data.metrics})
    return [f"params.{k}" for k in params] + [f"metrics.{k}" for k in metrics]


def _script_output(found: Sequence[Run], keys: Sequence[str], output: str) -> str:
    """The runs as CSV or a JSON list: whole ids, UTC ISO times, exact values of ``keys``."""
    records = [_script_record(run, keys) for run in found]
    if output == "json":
        return json.dumps(records, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*_SCRIPT_FIELDS, *keys], lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def _script_record(run: Run, keys: Sequence[str]) -> dict[str, Any]:
    info = run.info
    record: dict[str, Any] = {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "status": info.status.value,
        "start_time": _iso(info.start_time),
        "end_time": _iso(info.end_time),
    }
    sources: dict[str, Mapping[str, Any]] = {
        "params": run.data.params,
        "metrics": run.data.metrics,
        "tags": run.data.tags,
    }
    for key in keys:
        prefix, _, name = key.partition(".")
        record[key] = sources[prefix].get(name)
    return record


def _iso(ms: int | None) -> str | None:
    """Milliseconds since the epoch as an ISO 8601 UTC time."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def column_value(run: Run, key: str) -> str | None:
    """The value a ``params.``, ``metrics.`` or ``tags.`` column shows for a run."""
    prefix, _, name = key.partition(".")
    if prefix == "metrics":
        value = run.data.metrics.get(name)
        return None if value is None else render.number(value)
    source = run.data.params if prefix == "params" else run.data.tags
    return source.get(name)


def _parse_columns(options: Sequence[str]) -> list[str]:
    keys = [k.strip() for option in options for k in option.split(",") if k.strip()]
    for key in keys:
        if not key.startswith(_COLUMN_PREFIXES) or key.endswith("."):
            raise click.BadParameter(
                f"{key!r} is not params.<key>, metrics.<key> or tags.<key>.",
                param_hint="--columns",
            )
    return keys


@runs.command(short_help="Show everything about a run.")
@click.argument("run_id")
@pass_state
def show(state: State, run_id: str) -> None:
    """Everything about RUN_ID: info, params, metrics, tags and artifacts."""
    client = state.client()
    run = find_run(client, run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    out = render.console()
    out.print(_details(run, experiment.name))
    params = render.table("Param", "Value", title="Params")
    for key, value in sorted(run.data.params.items()):
        params.add_row(render.cell(key), render.cell(value))
    _print_table(out, params, "No params.")
    _print_table(out, _metrics(client.get_metric_summaries(run.info.run_id)), "No metrics.")
    tags = run.data.tags
    user_tags = {k: v for k, v in tags.items() if not k.startswith(TRIALBOOK_TAG_PREFIX)}
    own_tags = {k: v for k, v in tags.items() if k.startswith(TRIALBOOK_TAG_PREFIX)}
    for title, group in (("Tags", user_tags), ("trialbook tags", own_tags)):
        tag_table = render.table("Tag", "Value", title=title)
        for key, value in sorted(group.items()):
            tag_table.add_row(render.cell(key), render.cell(value))
        _print_table(out, tag_table, f"No {title.lower()}.")
    child_filter = f"attributes.parent_run_id = '{run.info.run_id}'"
    children = search_all(client, [run.info.experiment_id], child_filter, (), ViewType.ALL)
    if children:
        child_table = render.table("Run id", "Name", "Status", title="Child runs")
        for child in children:
            child_table.add_row(
                render.cell(child.info.run_id),
                render.cell(child.info.run_name),
                render.status(child.info.status),
            )
        out.print(child_table)
    tree = Tree(render.cell("Artifacts", style="bold"))
    count = _add_artifacts(client.list_artifacts, run.info.run_id, None, tree, 0)
    out.print(tree if count else render.cell("No artifacts.", style="dim"))


def _details(run: Run, experiment_name: str) -> Table:
    info = run.info
    details = render.table("Field", "Value", title=f"Run {info.run_id}")
    details.show_header = False
    fields = [
        ("Name", render.cell(info.run_name, style="bold")),
        ("Experiment", render.cell(f"{experiment_name} (id {info.experiment_id})")),
        ("Status", render.status(info.status)),
        ("Started", render.cell(render.timestamp(info.start_time))),
        ("Ended", render.cell(render.timestamp(info.end_time) or None)),
        ("Duration", render.cell(render.duration(info.start_time, info.end_time))),
        ("User", render.cell(info.user_id or None)),
        ("Parent run", render.cell(info.parent_run_id)),
        ("Lifecycle", render.cell(info.lifecycle_stage.value)),
        ("Artifact URI", render.cell(info.artifact_uri)),
        ("Description", render.cell(info.description or None)),
    ]
    for label, value in fields:
        details.add_row(render.cell(label, style="bold"), value)
    return details


def _metrics(summaries: Sequence[MetricSummary]) -> Table:
    metrics = render.table("Metric", "Latest", "Step", "Min", "Max", "Count", title="Metrics")
    for summary in summaries:
        metrics.add_row(
            render.cell(summary.key),
            render.cell(render.number(summary.latest)),
            render.cell(summary.step),
            render.cell(render.number(summary.min)),
            render.cell(render.number(summary.max)),
            render.cell(summary.count),
        )
    return metrics


def _print_table(out: Console, table: Table, empty: str) -> None:
    out.print(table if table.row_count else render.cell(empty, style="dim"))


def _add_artifacts(
    list_artifacts: Callable[[str, str | None], list[FileInfo]],
    run_id: str,
    path: str | None,
    tree: Tree,
    count: int,
) -> int:
    """Add the artifacts under ``path`` to ``tree``; return how many entries are listed."""
    for entry in list_artifacts(run_id, path):
        if count >= MAX_ARTIFACTS:
            tree.add(render.cell(f"... (stopped after {MAX_ARTIFACTS} entries)", style="dim"))
            return count + 1
        count += 1
        name = entry.path.rsplit("/", 1)[-1]
        if entry.is_dir:
            branch = tree.add(render.cell(f"{name}/", style="bold blue"))
            count = _add_artifacts(list_artifacts, run_id, entry.path, branch, count)
        else:
            label = render.cell(name)
            label.append(f"  {render.size(entry.size)}", style="dim")
            tree.add(label)
    return count


@runs.command(short_help="Delete runs (restorable until gc).")
@click.argument("run_ids", nargs=-1, required=True)
@pass_state
def delete(state: State, run_ids: Sequence[str]) -> None:
    """Delete runs (soft: `runs restore` undoes it until `trialbook gc` purges them)."""
    client = state.client()
    found = [find_run(client, run_id) for run_id in run_ids]  # all ids checked first
    out = render.console()
    for run in found:
        client.delete_run(run.info.run_id)
        out.print(f"Deleted run {run.info.run_id} ({run.info.run_name}).")


@runs.command()
@click.argument("run_ids", nargs=-1, required=True)
@pass_state
def restore(state: State, run_ids: Sequence[str]) -> None:
    """Restore deleted runs."""
    client = state.client()
    found = [find_run(client, run_id) for run_id in run_ids]
    out = render.console()
    for run in found:
        client.restore_run(run.info.run_id)
        out.print(f"Restored run {run.info.run_id} ({run.info.run_name}).")
