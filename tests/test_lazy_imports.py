"""What a fresh process imports: the cold-start guarantees, checked so they cannot slip back.

Each check runs in a fresh interpreter and lists the heavy top-level packages that ended up
in ``sys.modules``. Speed itself is measured by ``benchmarks/`` (the "cold start" and
"sklearn first fit" workloads), never here. Third-party plugins are blocked in these
processes: what they import is their own business.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trialbook.artifacts.repository import local_root
from trialbook.plugins.manager import BUILTIN_PLUGINS

HEAVY = (
    "alembic",
    "fsspec",
    "lark",
    "lightning",
    "numpy",
    "pandas",
    "sklearn",
    "sqlalchemy",
    "torch",
    "xgboost",
)
"""Packages a cold start must not load unless the work at hand needs them."""


def imported_heavy(code: str, store: Path) -> set[str]:
    """The :data:`HEAVY` packages loaded after running ``code`` in a fresh interpreter."""
    builtins = ",".join(name for name, _ in BUILTIN_PLUGINS)
    probe = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps(sorted({{m.partition(".")[0] for m in sys.modules}} & {set(HEAVY)!r})))
        """
    )
    env = {
        **os.environ,
        "TRIALBOOK_TRACKING_URI": str(store),
        # Only the built-in plugins: block every third-party entry point by name.
        "TRIALBOOK_DISABLE_PLUGINS": ",".join(third_party_plugins(exclude=builtins)),
    }
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(json.loads(proc.stdout.splitlines()[-1]))


def third_party_plugins(exclude: str) -> list[str]:
    """The names of the installed ``trialbook`` entry points that are not built-ins."""
    from importlib.metadata import entry_points

    return [ep.name for ep in entry_points(group="trialbook") if ep.name not in exclude.split(",")]


def test_import_trialbook_loads_no_heavy_package(tmp_path: Path) -> None:
    assert imported_heavy("import trialbook", tmp_path / "store") == set()


def test_a_first_run_in_a_new_store_loads_only_sqlalchemy(tmp_path: Path) -> None:
    code = """
    import trialbook
    with trialbook.start_run():
        trialbook.log_param("lr", 0.1)
        trialbook.set_tag("stage", "cold")
        trialbook.log_text("hello", "notes.txt")
    trialbook.flush()
    """
    assert imported_heavy(code, tmp_path / "store") == {"sqlalchemy"}


def test_a_filtered_search_loads_only_sqlalchemy_and_the_parser(tmp_path: Path) -> None:
    code = """
    import trialbook
    client = trialbook.TrackingClient()
    experiment = client.create_experiment("e")
    client.search_runs([experiment], "metrics.m1 > 0.5 and params.p1 = 'x'", max_results=10)
    """
    assert imported_heavy(code, tmp_path / "store") == {"sqlalchemy", "lark"}


def test_a_client_sending_buffered_points_to_a_server_loads_no_heavy_package(
    tmp_path: Path,
) -> None:
    code = """
    from array import array

    import httpx

    from trialbook.store.base import Batch, MetricSeries
    from trialbook.store.rest.store import RestStore

    answer = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    store = RestStore("http://tracking.invalid", http_transport=answer)
    steps = array("q", range(1000))
    values = array("d", [0.5] * 1000)
    store.write_batch(Batch(series=[MetricSeries("r" * 32, "loss", steps, values, steps)]))
    """
    assert imported_heavy(code, tmp_path / "store") == set()


def test_opening_the_model_registry_loads_no_parser(tmp_path: Path) -> None:
    code = """
    import trialbook
    client = trialbook.TrackingClient()
    client.store.registry.model_folders("no-such-run")
    """
    assert imported_heavy(code, tmp_path / "store") == {"sqlalchemy"}


@pytest.mark.parametrize(
    "uri",
    [
        "/tmp/store/artifacts/1/abc/artifacts",
        "/tmp/store/artifacts/1/abc/artifacts/",
        "file:///tmp/store/artifacts/1/abc/artifacts",
        "/",
        "/a path/with spaces/artifacts",
    ],
)
@pytest.mark.skipif(os.sep != "/", reason="the fsspec-free local path is POSIX only")
def test_a_local_artifact_root_is_the_folder_fsspec_resolves(uri: str) -> None:
    import fsspec.core

    _, expected = fsspec.core.url_to_fs(uri)
    found = local_root(uri)
    assert found is not None
    assert found.rstrip("/") == expected.rstrip("/")


@pytest.mark.parametrize(
    "uri", ["s3://bucket/artifacts", "memory://artifacts", "simplecache::/tmp/a", "relative/x"]
)
def test_other_artifact_roots_are_left_to_fsspec(uri: str) -> None:
    assert local_root(uri) is None
