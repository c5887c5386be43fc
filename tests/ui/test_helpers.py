"""The UI's helpers: history caching, previews, chart data checks and formatting."""

from __future__ import annotations

from typing import Any

import numpy as np

from trialbook.entities import MetricSummary
from trialbook.store.base import MetricArrays


class CountingStore:
    """A store double that counts how often histories are loaded."""

    def __init__(self) -> None:
        self.loads = 0
        self.count = 3

    def get_metric_summaries(self, run_ids: Any) -> dict[str, list[MetricSummary]]:
        summary = MetricSummary("m", 1.0, self.count - 1, 0, 0.0, 2.0, self.count)
        return {run_ids[0]: [summary]}

    def get_metric_arrays(self, run_id: str, key: str) -> MetricArrays:
        self.loads += 1
        steps = np.arange(self.count, dtype=np.int64)
        return MetricArrays(steps, steps.astype(np.float64), steps)


def test_history_arrays_are_cached_while_the_metric_is_unchanged() -> None:
    from trialbook.ui.history import HistoryService

    store = CountingStore()
    service = HistoryService(store)  # type: ignore[arg-type]
    service.history("r", "m", 10)
    service.history("r", "m", 10, min_step=1)
    assert store.loads == 1


def test_history_arrays_are_reloaded_when_points_arrive() -> None:
    from trialbook.ui.history import HistoryService

    store = CountingStore()
    service = HistoryService(store)  # type: ignore[arg-type]
    service.history("r", "m", 10)
    store.count = 4
    assert service.history("r", "m", 10).total == 4
    assert store.loads == 2


def test_the_history_cache_stays_within_its_point_budget() -> None:
    from trialbook.ui.history import HistoryService

    store = CountingStore()
    service = HistoryService(store, cache_points=5)  # type: ignore[arg-type]
    service.arrays("a", "m")
    service.arrays("b", "m")
    service.arrays("a", "m")
    assert store.loads == 3


def test_metric_groups_put_system_metrics_apart() -> None:
    from trialbook.ui.history import metric_groups

    assert metric_groups(["system/cpu", "loss", "acc"]) == {
        "metrics": ["acc", "loss"],
        "system": ["system/cpu"],
    }


def test_a_cut_csv_drops_its_partial_last_line() -> None:
    from trialbook.ui.previews import csv_table

    table = csv_table("a,b\n1,2\n3,", truncated=True)
    assert (table["rows"], table["more_rows"]) == ([["1", "2"]], True)


def test_semicolon_csv_is_sniffed() -> None:
    from trialbook.ui.previews import csv_table

    assert csv_table("a;b\n1;2\n", truncated=False)["header"] == ["a", "b"]


def test_a_character_cut_by_the_preview_limit_is_dropped() -> None:
    from trialbook.ui.previews import decode_text

    assert decode_text("aé".encode()[:2], truncated=True) == "a"


def test_confusion_matrices_must_be_square_and_numeric() -> None:
    from trialbook.ui.insights import confusion_matrix

    assert confusion_matrix({"labels": [0, 1], "matrix": [[1, 2], [3, 4]]}) is not None
    assert confusion_matrix({"labels": [0, 1], "matrix": [[1, 2], [3]]}) is None
    assert confusion_matrix({"labels": [0], "matrix": [["x"]]}) is None


def test_a_confusion_matrix_without_labels_is_numbered() -> None:
    from trialbook.ui.insights import confusion_matrix

    assert confusion_matrix({"matrix": [[1, 0], [0, 1]]}) == {
        "labels": ["0", "1"],
        "matrix": [[1, 0], [0, 1]],
    }


def test_feature_importances_keep_the_top_scores_in_order() -> None:
    from trialbook.ui.insights import TOP_FEATURES, feature_importance

    found = feature_importance({f"f{i}": float(i) for i in range(100)} | {"bad": "x"})
    assert found is not None
    assert found["features"][:2] == ["f99", "f98"]
    assert (len(found["features"]), found["total"]) == (TOP_FEATURES, 100)


def test_durations_read_naturally() -> None:
    from trialbook.ui.templating import format_duration

    assert [format_duration(ms) for ms in (None, 850, 12_300, 245_000, 7_380_000)] == [
        "—", "850ms", "12.3s", "4m 05s", "2h 03m",
    ]  # fmt: skip


def test_numbers_are_short_and_spell_out_non_finite_values() -> None:
    from trialbook.ui.templating import format_number

    assert [format_number(v) for v in (3.0, 0.123456789, float("nan"), float("-inf"))] == [
        "3", "0.123457", "NaN", "-∞",
    ]  # fmt: skip


def test_the_ttl_cache_answers_from_memory_until_it_expires() -> None:
    from trialbook.ui.state import TTLCache

    calls: list[int] = []
    cache = TTLCache(seconds=60)
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1
    cache.seconds = 0
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 2
