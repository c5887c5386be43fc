"""``trialbook runs reproduce``: the steps to recreate a run, or recreate it in a git worktree.

::

    trialbook runs reproduce 3f2a91c0                 # print the steps
    trialbook runs reproduce 3f2a91c0 --execute       # check out, patch and re-run

The steps come from what trialbook recorded with the run: the git commit, branch and remote
(tags ``trialbook.source.git.*``), the uncommitted changes (artifact
``reproducibility/git.diff``), the installed packages (``reproducibility/requirements.txt``)
and the command line (``trialbook.source.command``). ``--execute`` checks the commit out in
a fresh ``git worktree``, applies the diff and runs the command there with the same Python
as this command, logging into the same store; the new run is tagged
``trialbook.reproduces=<old run id>`` (``start_run`` reads ``TRIALBOOK_REPRODUCES``).
"""

from __future__ import annotations

import os
import posixpath
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from trialbook.artifacts import ArtifactRepository, RunArtifacts, ServedArtifacts
from trialbook.cli import render
from trialbook.cli.common import (
    TRACKING_URI_ENV,
    State,
    absolute_uri,
    find_run,
    pass_state,
    search_all,
)
from trialbook.cli.recipe import Recipe, read_recipe
from trialbook.entities import Run, ViewType
from trialbook.errors import TrialbookError
from trialbook.server import TOKEN_ENV
from trialbook.tracking import reproducibility

if TYPE_CHECKING:
    from trialbook.tracking.client import TrackingClient

REPRODUCES_ENV = "TRIALBOOK_REPRODUCES"
"""Env var naming the run being reproduced; ``start_run`` copies it into a tag."""
REPRODUCES_TAG = "trialbook.reproduces"
"""Tag on a run started while ``TRIALBOOK_REPRODUCES`` was set: the reproduced run's id."""
EXPERIMENT_ID_ENV = "TRIALBOOK_EXPERIMENT_ID"


@click.command(short_help="Print or run the steps that recreate a run.")
@click.argument("run_id")
@click.option(
    "--execute", is_flag=True, help="Recreate the code in a git worktree and re-run the command."
)
@click.option(
    "--worktree-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to create the worktree (new or empty) [default: a new temporary folder].",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Git repository holding the commit [default: the current one, else the run's].",
)
@click.option(
    "--python",
    "python",
    default=None,
    metavar="PATH",
    help="Python that runs the command [default: the one running trialbook].",
)
@pass_state
def reproduce(
    state: State,
    run_id: str,
    execute: bool,
    worktree_dir: Path | None,
    repo: Path | None,
    python: str | None,
) -> None:
    """Print the exact steps to recreate RUN_ID, or with --execute recreate and re-run it."""
    client = state.client()
    run = find_run(client, run_id)
    artifacts: RunArtifacts = client.artifact_repository(run.info.run_id)
    recipe = read_recipe(run, artifacts)
    missing = recipe.missing()
    if missing:
        raise TrialbookError(
            f"Run {run.info.run_id} cannot be reproduced: it has no "
            + " and no ".join(missing)
            + ". Runs record them when started inside a git repository from a script, "
            f"unless {reproducibility.DISABLE_ENV_VAR} is set."
        )
    tracking_uri = absolute_uri(state.tracking_uri)
    if not execute:
        _print_steps(run, recipe, artifacts, tracking_uri, python or "python")
        return
    python = python or sys.executable
    _execute(client, run, recipe, artifacts, tracking_uri, worktree_dir, repo, python)


def _print_steps(
    run: Run, recipe: Recipe, artifacts: RunArtifacts, tracking_uri: str, python: str
) -> None:
    out = render.console()
    q = shlex.quote
    folder = f"trialbook-reproduce-{render.short_id(run.info.run_id)}"
    out.print(render.cell(f"Reproducing run {run.info.run_id} ({run.info.run_name})", "bold"))
    branch = f" (branch {recipe.branch})" if recipe.branch else ""
    lines = [f"1. Check out commit {recipe.commit}{branch}:"]
    if recipe.remote:
        lines.append(f"     git clone {q(recipe.remote)} {folder} && cd {folder}")
        lines.append(f"     git checkout --detach {recipe.commit}")
        lines.append("   or, in a clone you already have:")
    lines.append(f"     git worktree add --detach ../{folder} {recipe.commit} && cd ../{folder}")
    lines.append("2. Apply the uncommitted changes recorded with the run:")
    if recipe.has_patch:
        lines += _fetch(artifacts, reproducibility.GIT_DIFF_ARTIFACT, "git apply {}")
    elif recipe.dirty and not recipe.has_diff:
        lines.append("     (the working tree was dirty, but no diff was recorded: code may differ)")
    else:
        lines.append("     (none: the working tree was clean)")
    if recipe.untracked:
        lines.append("   Untracked files at the time (contents not recorded): ")
        lines += [f"     {path}" for path in recipe.untracked]
    version = f" (Python {recipe.python_version})" if recipe.python_version else ""
    lines.append(f"3. Recreate the environment{version}:")
    if recipe.has_requirements:
        lines.append("     python -m venv .venv && . .venv/bin/activate")
        lines += _fetch(artifacts, reproducibility.REQUIREMENTS_ARTIFACT, "pip install -r {}")
    else:
        lines.append("     (no package list was recorded with the run)")
    lines.append("4. Run the command:")
    if recipe.workdir:
        lines.append(f"     cd {q(recipe.workdir)}")
    env = f"{TRACKING_URI_ENV}={q(tracking_uri)} {REPRODUCES_ENV}={run.info.run_id}"
    lines.append(f"     {env} {shlex.join(recipe.argv(python))}")
    lines.append("")
    lines.append(
        "Steps 1, 2 and 4 in a fresh worktree: "
        f"trialbook runs reproduce {run.info.run_id} --execute"
    )
    for line in lines:
        out.print(line, soft_wrap=True)  # commands stay on one line, to be copied whole
    for warning in recipe.warnings():
        render.warning(warning)


def _fetch(artifacts: RunArtifacts, path: str, use: str) -> list[str]:
    """The lines that use the artifact file at ``path`` in the shell command ``use``.

    A file in a local folder is used where it lies; one a server serves is first downloaded
    with ``curl`` (sending the API token when the server needs one); on other filesystems its
    URL is given.
    """
    q = shlex.quote
    if not isinstance(artifacts, ServedArtifacts):
        if isinstance(artifacts, ArtifactRepository) and artifacts.is_local:
            return [f"     {use.format(q(os.path.join(artifacts.root, *path.split('/'))))}"]
        return [f"     {use.format(q(artifacts.root_uri.rstrip('/') + '/' + path))}"]
    local = posixpath.basename(path)
    token = f' -H "Authorization: Bearer ${TOKEN_ENV}"' if artifacts.needs_token else ""
    return [
        f"     curl -fsSL{token} -o {q(local)} {q(artifacts.content_url(path))}",
        f"     {use.format(q(local))}",
    ]


def _execute(
    client: TrackingClient,
    run: Run,
    recipe: Recipe,
    artifacts: RunArtifacts,
    tracking_uri: str,
    worktree_dir: Path | None,
    repo: Path | None,
    python: str,
) -> None:
    out = render.console()
    for warning in recipe.warnings():
        render.warning(warning)
    commit = recipe.commit or ""
    source = _find_repo(recipe, repo)
    worktree = _new_worktree_dir(worktree_dir, run.info.run_id)
    out.print(f"Checking out {commit} from {source} into {worktree}")
    _git(source, "worktree", "add", "--detach", str(worktree), commit)
    if recipe.has_patch:
        out.print(f"Applying {reproducibility.GIT_DIFF_ARTIFACT}")
        with tempfile.TemporaryDirectory(prefix="trialbook-") as tmp:
            patch = Path(tmp, "git.diff")
            with artifacts.open(reproducibility.GIT_DIFF_ARTIFACT) as handle:
                patch.write_bytes(handle.read())
            _git(worktree, "apply", "--whitespace=nowarn", str(patch))
    cwd = worktree / recipe.workdir if recipe.workdir else worktree
    argv = recipe.argv(python)
    env = {
        **os.environ,
        TRACKING_URI_ENV: tracking_uri,
        REPRODUCES_ENV: run.info.run_id,
        EXPERIMENT_ID_ENV: run.info.experiment_id,
    }
    out.print(f"Running in {cwd}: {shlex.join(argv)}")
    started = int(time.time() * 1000)
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, check=False)
    except OSError as err:
        raise TrialbookError(f"Could not run {argv[0]!r}: {err}") from err
    new_runs = _reproductions(client, run.info.run_id, started)
    for new in new_runs:
        out.print(
            f"New run {new.info.run_id} ({new.info.status.value}) reproduces {run.info.run_id}; "
            f"compare them: trialbook runs compare {run.info.run_id} {new.info.run_id}"
        )
    out.print(f"The worktree stays at {worktree}; remove it with: git worktree remove {worktree}")
    if done.returncode != 0:
        render.error(f"The command exited with status {done.returncode}.")
        raise SystemExit(done.returncode)
    if not new_runs:
        render.warning("The command finished without logging a run into this store.")


def _reproductions(client: TrackingClient, run_id: str, since: int) -> list[Run]:
    ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    query = f"tags.{REPRODUCES_TAG} = '{run_id}' and attributes.start_time >= {since}"
    return search_all(client, ids, query, ("attributes.start_time",), ViewType.ALL)


def _find_repo(recipe: Recipe, repo: Path | None) -> Path:
    commit = recipe.commit or ""
    candidates = [repo] if repo is not None else [Path.cwd(), recipe.recorded_root()]
    looked = []
    for candidate in candidates:
        if candidate is None or not candidate.is_dir():
            continue
        looked.append(str(candidate))
        done = _git_try(candidate, "rev-parse", "--show-toplevel")
        if done is None:
            continue
        root = Path(done.strip())
        if _git_try(root, "cat-file", "-e", f"{commit}^{{commit}}") is not None:
            return root
    where = ", ".join(looked) or "the current folder"
    fetch = f" (git clone {recipe.remote})" if recipe.remote else ""
    raise TrialbookError(
        f"Commit {commit} is not in a git repository at {where}. Run this from a clone that "
        f"has it{fetch}, after `git fetch`, or pass --repo."
    )


def _new_worktree_dir(chosen: Path | None, run_id: str) -> Path:
    if chosen is None:
        prefix = f"trialbook-reproduce-{render.short_id(run_id)}-"
        return Path(tempfile.mkdtemp(prefix=prefix))
    chosen = chosen.expanduser().resolve()
    if chosen.exists() and any(chosen.iterdir()):
        raise TrialbookError(f"--worktree-dir {chosen} is not empty; choose a new folder.")
    return chosen


def _git(cwd: Path, *args: str) -> str:
    """Run git; raise TrialbookError with git's message when it fails."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as err:
        raise TrialbookError(f"Could not run git ({err}); is it installed?") from err
    if done.returncode != 0:
        raise TrialbookError(f"`git {shlex.join(args)}` failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def _git_try(cwd: Path, *args: str) -> str | None:
    """Run git; None when it fails."""
    try:
        return _git(cwd, *args)
    except TrialbookError:
        return None
