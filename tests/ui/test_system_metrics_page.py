"""The run page shows ``system/`` metrics (CPU, memory, GPU...) in a group of their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def metric_tables(html: str) -> dict[str, str]:
    """The run page's metric tables by their ``data-group``."""
    tables = {}
    for chunk in html.split('<table class="table compact metrics-table" data-group="')[1:]:
        group, body = chunk.split('"', 1)
        tables[group] = body.split("</table>", 1)[0]
    return tables


def test_system_metrics_are_grouped_apart_on_the_run_page(fresh_api: Callable[[], Any]) -> None:
    import trialbook

    client = trialbook.TrackingClient()
    run_id = client.create_run(client.create_experiment("e")).info.run_id
    for step in range(3):
        client.log_metric(run_id, "loss", 1.0 / (step + 1), step=step)
        client.log_metric(run_id, "system/cpu_percent", 10.0 * step, step=step)
        client.log_metric(run_id, "system/gpu_0_utilization_percent", 50.0, step=step)
    client.flush()
    html = fresh_api().get(f"/runs/{run_id}").text
    tables = metric_tables(html)
    assert set(tables) == {"metrics", "system"}
    assert 'data-metric="system/cpu_percent"' in tables["system"]
    assert 'data-metric="system/gpu_0_utilization_percent"' in tables["system"]
    assert 'data-metric="loss"' not in tables["system"]
    assert "system/" not in tables["metrics"]
    assert '<h3 class="subhead">System</h3>' in html
