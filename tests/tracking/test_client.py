"""TrackingClient: explicit access by id, artifacts, and logging after a run ended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import trialbook
from trialbook import RunStatus


@pytest.fixture
def client() -> trialbook.TrackingClient:
    return trialbook.TrackingClient()


@pytest.fixture
def run_id(client: trialbook.TrackingClient) -> str:
    experiment_id = client.create_experiment("client-tests")
    return client.create_run(experiment_id).info.run_id


def test_finished_run_still_accepts_evaluation_metrics(
    client: trialbook.TrackingClient, run_id: str
) -> None:
    client.set_terminated(run_id)
    client.log_metric(run_id, "test_acc", 0.9)
    run = client.get_run(run_id)
    assert run.info.status is RunStatus.FINISHED
    assert run.data.metrics == {"test_acc": 0.9}


def test_logging_to_a_deleted_run_raises(client: trialbook.TrackingClient, run_id: str) -> None:
    client.delete_run(run_id)
    with pytest.raises(trialbook.DeletedRunError, match=run_id):
        client.log_metric(run_id, "m", 1.0)


def test_logging_to_an_unknown_run_raises(client: trialbook.TrackingClient) -> None:
    with pytest.raises(trialbook.RunNotFoundError):
        client.log_param("0" * 32, "p", 1)


def test_log_batch_writes_everything(client: trialbook.TrackingClient, run_id: str) -> None:
    client.log_batch(
        run_id, metrics={"a": 1.0, "b": 2.0}, params={"p": "x"}, tags={"t": "y"}, step=3
    )
    run = client.get_run(run_id)
    assert run.data.metrics == {"a": 1.0, "b": 2.0}
    assert run.data.params == {"p": "x"}
    assert run.data.tags["t"] == "y"
    assert [m.step for m in client.get_metric_history(run_id, "a")] == [3]


def test_metric_summaries_give_min_max_and_count(
    client: trialbook.TrackingClient, run_id: str
) -> None:
    for value in (3.0, 1.0, 2.0):
        client.log_metric(run_id, "m", value)
    (summary,) = client.get_metric_summaries(run_id)
    assert (summary.latest, summary.min, summary.max, summary.count) == (2.0, 1.0, 3.0, 3)


def test_artifacts_are_listed_with_sizes_and_downloaded(
    client: trialbook.TrackingClient, run_id: str, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("hello")
    (source / "sub" / "b.txt").write_text("world!")
    client.log_artifacts(run_id, source, "data")
    client.log_artifact(run_id, source / "a.txt")
    listed = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in listed if f.path != "reproducibility"] == [
        ("a.txt", False),
        ("data", True),
    ]
    assert [(f.path, f.size) for f in client.list_artifacts(run_id, "data/sub")] == [
        ("data/sub/b.txt", 6)
    ]
    local = Path(client.download_artifacts(run_id, "data", str(tmp_path / "out")))
    assert (local / "sub" / "b.txt").read_text() == "world!"


@pytest.mark.parametrize(
    "path", ["../x.txt", "/etc/passwd", "a/../../b", "a\\b", "%2e%2e/x", "%252e%252e/x"]
)
def test_artifact_paths_leaving_the_run_are_rejected(
    client: trialbook.TrackingClient, run_id: str, path: str
) -> None:
    with pytest.raises(trialbook.InvalidArtifactPathError):
        client.log_text(run_id, "x", path)


def test_symlink_out_of_the_artifacts_is_not_followed(
    client: trialbook.TrackingClient, run_id: str, tmp_path: Path
) -> None:
    client.log_text(run_id, "inside", "keep.txt")
    root = Path(client.get_run(run_id).info.artifact_uri)
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(trialbook.InvalidArtifactPathError):
        client.artifact_repository(run_id).open("link/secret.txt")


def test_log_dict_writes_json_or_yaml_by_extension(
    client: trialbook.TrackingClient, run_id: str
) -> None:
    data = {"layers": [64, 32], "name": "mlp"}
    client.log_dict(run_id, data, "config.json")
    client.log_dict(run_id, data, "config.yaml")
    repo = client.artifact_repository(run_id)
    with repo.open("config.json") as handle:
        assert json.load(handle) == data
    with repo.open("config.yaml") as handle:
        assert yaml.safe_load(handle) == data


def test_matplotlib_figure_is_saved_as_png(client: trialbook.TrackingClient, run_id: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    client.log_figure(run_id, figure, "plots/line.png")
    plt.close(figure)
    with client.artifact_repository(run_id).open("plots/line.png") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plotly_figure_is_saved_as_html(client: trialbook.TrackingClient, run_id: str) -> None:
    import plotly.graph_objects as go

    figure = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    client.log_figure(run_id, figure, "plot.html")
    with client.artifact_repository(run_id).open("plot.html") as handle:
        assert b"<html" in handle.read(4096)


def test_unknown_figure_type_raises(client: trialbook.TrackingClient, run_id: str) -> None:
    with pytest.raises(trialbook.TrialbookError, match="matplotlib or plotly"):
        client.log_figure(run_id, object(), "x.png")


def test_deleted_run_is_restored(client: trialbook.TrackingClient, run_id: str) -> None:
    client.delete_run(run_id)
    client.restore_run(run_id)
    client.log_metric(run_id, "m", 1.0)
    assert client.get_run(run_id).data.metrics == {"m": 1.0}


def test_logging_an_artifact_to_a_deleted_run_raises(
    client: trialbook.TrackingClient, run_id: str
) -> None:
    client.delete_run(run_id)
    with pytest.raises(trialbook.DeletedRunError):
        client.log_text(run_id, "x", "notes.txt")
