"""``trialbook sync``: push the runs of a local store to a tracking server.

::

    trialbook sync --to http://tracking:5000
    trialbook --tracking-uri ./offline-runs sync --to http://tracking:5000 --experiment mnist

Finished runs keep their ids, with params, tags, every metric point and artifacts; syncing
again copies nothing twice. Runs still running are left for a later sync.
"""

from __future__ import annotations

import click

from trialbook.cli.common import State, absolute_uri, check_store_exists, pass_state


@click.command(short_help="Push local runs to a tracking server.")
@click.option("--to", "target", required=True, metavar="URL", help="The server (http://host:port).")
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    metavar="NAME",
    help="Only this experiment (repeatable) [default: all].",
)
@pass_state
def sync(state: State, target: str, experiments: tuple[str, ...]) -> None:
    """Copy the finished runs of the --tracking-uri store to the server at --to."""
    from trialbook.cli import render
    from trialbook.transfer.sync import sync as run_sync

    source = absolute_uri(state.tracking_uri)
    check_store_exists(source)
    report = run_sync(source, target, experiments)
    for problem in report.problems:
        render.warning(problem)
    render.console().print(report.summary())
