"""What every command shares: the tracking URI, the client, and finding runs and experiments.

::

    @click.command()
    @pass_state
    def command(state: State) -> None:
        client = state.client()
        run = find_run(client, "3f2a91c0")      # a full id or a unique prefix
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from trialbook.entities import Experiment, Run, ViewType
from trialbook.errors import ExperimentNotFoundError, RunNotFoundError, TrialbookError

if TYPE_CHECKING:
    from trialbook.tracking.client import TrackingClient

TRACKING_URI_ENV = "TRIALBOOK_TRACKING_URI"
_HEX = re.compile(r"[0-9a-f]+")
_MIN_PREFIX = 4
_PAGE = 1000


@dataclass
class State:
    """Options of the root command, handed to every subcommand."""

    tracking_uri: str

    def client(self, must_exist: bool = True) -> TrackingClient:
        """A client on the tracking URI; refuse a local store that does not exist yet."""
        from trialbook.tracking.client import TrackingClient

        if must_exist:
            check_store_exists(self.tracking_uri)
        return TrackingClient(self.tracking_uri)


pass_state = click.make_pass_decorator(State)


def absolute_uri(uri: str) -> str:
    """The URI with a local folder or SQLite path made absolute (safe to hand to a child)."""
    if "://" not in uri:
        return str(Path(uri).expanduser().resolve())
    prefix = "sqlite:///"
    if uri.startswith(prefix):
        path = Path(uri[len(prefix) :]).expanduser()
        if not path.is_absolute():
            return prefix + str(path.resolve())
    return uri


def check_store_exists(uri: str) -> None:
    """Raise TrialbookError when ``uri`` names a local SQLite store that does not exist."""
    from trialbook.store.factory import store_exists

    if not store_exists(uri):
        raise TrialbookError(
            f"No trialbook store at {uri}. Log a run first, or point "
            f"--tracking-uri or {TRACKING_URI_ENV} at your store."
        )


def find_experiment(client: TrackingClient, ident: str) -> Experiment:
    """The experiment named ``ident``, or else the one whose id is ``ident``."""
    found = client.get_experiment_by_name(ident)
    if found is not None:
        return found
    if ident.isdigit():
        return client.get_experiment(ident)
    raise ExperimentNotFoundError(ident)


def experiment_ids(
    client: TrackingClient, idents: Sequence[str], view: ViewType = ViewType.ACTIVE
) -> list[str]:
    """Ids of the named experiments, or of every experiment in ``view`` when none is named."""
    if idents:
        return [find_experiment(client, ident).experiment_id for ident in idents]
    return [e.experiment_id for e in client.search_experiments(view)]


def find_run(client: TrackingClient, ident: str) -> Run:
    """The run with id ``ident``, or the only run whose id starts with it (4+ characters)."""
    try:
        return client.get_run(ident)
    except RunNotFoundError:
        prefix = ident.lower()
        if len(prefix) < _MIN_PREFIX or not _HEX.fullmatch(prefix):
            raise
    ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    page = client.search_runs(
        ids, f"attributes.run_id LIKE '{prefix}%'", ViewType.ALL, max_results=2
    )
    if not page.runs:
        raise RunNotFoundError(ident)
    if len(page.runs) > 1:
        raise TrialbookError(
            f"Run id prefix {ident!r} is ambiguous ({page.runs[0].info.run_id}, "
            f"{page.runs[1].info.run_id}, ...); give more characters."
        )
    return page.runs[0]


def search_all(
    client: TrackingClient,
    ids: Sequence[str],
    filter_string: str = "",
    order_by: Sequence[str] = (),
    view: ViewType = ViewType.ACTIVE,
    max_results: int | None = None,
) -> list[Run]:
    """Every matching run (up to ``max_results``), fetched page by page."""
    if not ids:
        return []
    found: list[Run] = []
    token: str | None = None
    while max_results is None or len(found) < max_results:
        size = _PAGE if max_results is None else min(_PAGE, max_results - len(found))
        page = client.search_runs(ids, filter_string, view, size, list(order_by), token)
        found.extend(page.runs)
        token = page.next_page_token
        if token is None:
            break
    return found


def view_type(show_all: bool, deleted: bool) -> ViewType:
    """The view chosen by the ``--all`` and ``--deleted`` flags."""
    if show_all:
        return ViewType.ALL
    return ViewType.DELETED if deleted else ViewType.ACTIVE


def env_with(**values: str) -> dict[str, str]:
    """A copy of the environment with ``values`` set."""
    return {**os.environ, **values}
