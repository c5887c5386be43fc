"""Tracking stores: the interface, URI resolution and the SQL implementation."""

from __future__ import annotations

from trialbook.store.base import (
    Batch,
    MetricArrays,
    MetricPoint,
    MetricSeries,
    RunPage,
    TrackingStore,
)

__all__ = ["Batch", "MetricArrays", "MetricPoint", "MetricSeries", "RunPage", "TrackingStore"]
