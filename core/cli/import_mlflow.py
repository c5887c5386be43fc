"""``trialbook import-mlflow``: bring the experiments and runs of an MLflow store over.

::

    trialbook import-mlflow ./mlruns
    trialbook --tracking-uri http://tracking:5000 import-mlflow sqlite:///mlflow.db

Reads MLflow's files or database directly (MLflow need not be installed). Runs keep their
ids, params, tags, metric histories and artifacts; importing again copies nothing twice.
"""

from __future__ import annotations

import click

from trialbook.cli.common import State, absolute_uri, pass_state


@click.command("import-mlflow", short_help="Import an MLflow store's experiments and runs.")
@click.argument("path_or_uri")
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    metavar="NAME",
    help="Only this experiment (repeatable) [default: all].",
)
@pass_state
def import_mlflow(state: State, path_or_uri: str, experiments: tuple[str, ...]) -> None:
    """Copy the MLflow store at PATH_OR_URI (an mlruns folder or a database URI) here."""
    from trialbook.cli import render
    from trialbook.transfer.mlflow import import_mlflow as run_import

    report = run_import(path_or_uri, absolute_uri(state.tracking_uri), experiments)
    for problem in report.problems:
        render.warning(problem)
    render.console().print(report.summary())
