"""``trialbook runs``: list, show, delete and restore runs (compare, export and reproduce too).

::

    trialbook runs list -e mnist -f "params.model = 'rf'" -o "metrics.acc DESC" --max 20
    trialbook runs list --columns params.lr,metrics.loss --full-ids
    trialbook runs show 3f2a91c0
    trialbook runs delete 3f2a91c0 77b0e1d2 && trialbook runs restore 3f2a91c0 77b0e1d2

Run ids may be shortened to any unique prefix of four or more characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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

AUTO_COLUMNS = 6
"""How many params and how many metrics `runs list` shows when --columns is not given."""

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
    help="Comma-separated params.<k>, metrics.<k> or tags.<k> columns "
    "[default: metrics, and params that differ between the runs].",
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
    full_ids: bool,
    show_all: bool,
    deleted: bool,
) -> None:
    """Runs as a table: id, name, status, start, duration and key params and metrics."""
    client = state.client()
    view = view_type(show_all, deleted)
    ids = experiment_ids(client, experiments)
    found = search_all(client, ids, filter_string, order_by, view, max_results)
    out = render.console()
    if not found:
        out.print("No runs.")
        return
    keys = _parse_columns(columns) if columns else _auto_columns(found)
    names = {e: client.get_experiment(e).name for e in {r.info.experiment_id for r in found}}
    table = render.table("Run id", "Name")
    table.columns[0].no_wrap = True
    if len(ids) > 1:
        table.add_column("Experiment")
    for header in ("Status", "Start", "Duration", *keys):
        table.add_column(header, justify="right" if header.startswith("metrics.") else "left")
    for run in found:
        info = run.info
        row = [render.cell(render.short_id(info.run_id, full_ids)), render.cell(info.run_name)]
        if len(ids) > 1:
            row.append(render.cell(names[info.experiment_id]))
        row += [
            render.status(info.status),
            render.cell(render.timestamp(info.start_time)),
            render.cell(render.duration(info.start_time, info.end_time)),
            *(render.cell(column_value(run, key)) for key in keys),
        ]
        table.add_row(*row)
    total = client.store.count_runs(ids, filter_string, view)
    table.caption = f"{len(found)} of {render.plural(total, 'run')}"
    out.print(table)


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


def _auto_columns(found: Sequence[Run]) -> list[str]:
    metrics = sorted({k for r in found for k in r.data.metrics})
    params = sorted({k for r in found for k in r.data.params})
    differing = [k for k in params if len({r.data.params.get(k) for r in found}) > 1]
    chosen = differing or params
    return [f"params.{k}" for k in chosen[:AUTO_COLUMNS]] + [
        f"metrics.{k}" for k in metrics[:AUTO_COLUMNS]
    ]


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
