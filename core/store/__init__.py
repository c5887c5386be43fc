"""Stores: the interface every backend implements, and the factory that picks the backend.

:mod:`~trialbook.store.base` is the interface (:class:`TrackingStore` and the optional
capabilities), :mod:`~trialbook.store.registry` the model registry's,
:mod:`~trialbook.store.backend` what a backend plugin registers and
:mod:`~trialbook.store.factory` the store of a tracking URI. The built-in backends sit beside
them, each whole: :mod:`trialbook.store.sql` and :mod:`trialbook.store.rest`. Callers use
the names below and never import a backend.
"""

from __future__ import annotations

from trialbook.store.backend import SchemaMigrations, SchemaUpgrade, StoreBackend
from trialbook.store.base import (
    ArtifactService,
    Batch,
    BatchLedger,
    Checkpointing,
    DatasetInputs,
    DeadRunReaping,
    ForkAware,
    ManyMetricArrays,
    MetricArrays,
    MetricOverviews,
    MetricPoint,
    MetricSeries,
    OverviewBuilding,
    PointTuple,
    RunAggregates,
    RunFamilies,
    RunPage,
    RunTables,
    SummaryRecords,
    TagDeletion,
    TokenRecord,
    TokenTable,
    TrackingStore,
    WantsBatchIds,
    decode_page_token,
    encode_page_token,
    part_batch_id,
)
from trialbook.store.factory import (
    get_store,
    open_store,
    reset_stores,
    store_exists,
    upgrade_schema,
)
from trialbook.store.registry import ModelRegistry
from trialbook.store.upkeep import OverviewSchedule

__all__ = [
    "ArtifactService",
    "Batch",
    "BatchLedger",
    "Checkpointing",
    "DatasetInputs",
    "DeadRunReaping",
    "ForkAware",
    "ManyMetricArrays",
    "MetricArrays",
    "MetricOverviews",
    "MetricPoint",
    "MetricSeries",
    "ModelRegistry",
    "OverviewBuilding",
    "OverviewSchedule",
    "PointTuple",
    "RunAggregates",
    "RunFamilies",
    "RunPage",
    "RunTables",
    "SchemaMigrations",
    "SchemaUpgrade",
    "StoreBackend",
    "SummaryRecords",
    "TagDeletion",
    "TokenRecord",
    "TokenTable",
    "TrackingStore",
    "WantsBatchIds",
    "decode_page_token",
    "encode_page_token",
    "get_store",
    "open_store",
    "part_batch_id",
    "reset_stores",
    "store_exists",
    "upgrade_schema",
]
