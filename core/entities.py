"""The tracked entities: experiments, runs, params, metrics, tags, datasets, artifact listings.

They keep MLflow's shape where users touch them::

    run = trialbook.start_run()
    run.info.run_id, run.info.status, run.data.params, run.data.metrics
    run.inputs.dataset_inputs[0].dataset.digest
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class RunStatus(str, enum.Enum):
    """Where a run is in its life."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @property
    def is_terminated(self) -> bool:
        """True for every status but RUNNING."""
        return self is not RunStatus.RUNNING


class LifecycleStage(str, enum.Enum):
    """Whether an experiment or run is active or (soft-)deleted."""

    ACTIVE = "active"
    DELETED = "deleted"


class ViewType(str, enum.Enum):
    """Which runs or experiments a search returns."""

    ACTIVE = "active"
    DELETED = "deleted"
    ALL = "all"
    # MLflow's names: deliberate aliases (ViewType.ACTIVE_ONLY is ViewType.ACTIVE).
    ACTIVE_ONLY = "active"  # noqa: PIE796
    DELETED_ONLY = "deleted"  # noqa: PIE796

    @classmethod
    def parse(cls, value: ViewType | str | int) -> ViewType:
        """Accept a ViewType, its name in any case (``"active_only"`` too), or MLflow's numbers
        (1 active, 2 deleted, 3 all)."""
        if isinstance(value, ViewType):
            return value
        if isinstance(value, int):
            numbered = {1: cls.ACTIVE, 2: cls.DELETED, 3: cls.ALL}
            if value not in numbered:
                raise ValueError(f"view type {value} is not 1 (active), 2 (deleted) or 3 (all).")
            return numbered[value]
        text = value.strip().lower().removesuffix("_only")
        return cls(text)


@dataclass(frozen=True)
class Metric:
    """One point of a metric's history."""

    key: str
    value: float
    step: int
    timestamp: int
    """Milliseconds since the epoch."""


@dataclass(frozen=True)
class Param:
    """A run parameter; values are strings."""

    key: str
    value: str


@dataclass(frozen=True)
class RunTag:
    """A run tag."""

    key: str
    value: str


@dataclass(frozen=True)
class Experiment:
    """A named group of runs."""

    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage
    creation_time: int
    last_update_time: int
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunInfo:
    """Everything about a run except its logged data."""

    run_id: str
    experiment_id: str
    run_name: str
    status: RunStatus
    start_time: int
    end_time: int | None
    lifecycle_stage: LifecycleStage
    artifact_uri: str
    user_id: str = ""
    parent_run_id: str | None = None
    description: str = ""

    @property
    def run_uuid(self) -> str:
        """MLflow's old name for :attr:`run_id`."""
        return self.run_id

    def to_dict(self) -> dict[str, object]:
        """The fields as JSON-ready values (the status and stage by their names)."""
        return {
            "run_id": self.run_id,
            "run_name": self.run_name,
            "experiment_id": self.experiment_id,
            "status": self.status.value,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "lifecycle_stage": self.lifecycle_stage.value,
            "artifact_uri": self.artifact_uri,
            "user_id": self.user_id,
            "parent_run_id": self.parent_run_id,
            "description": self.description,
        }


@dataclass(frozen=True)
class RunData:
    """A run's params, latest metric values and tags."""

    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    """A dataset a run used, as stored: a name, a content digest, and how to describe it.

    ``schema`` and ``profile`` are JSON text (column names and types; row counts), as in
    MLflow; :mod:`trialbook.data` builds them from a DataFrame or arrays.
    """

    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema: str = ""
    profile: str = ""


@dataclass(frozen=True)
class InputTag:
    """A tag of a dataset input, such as ``mlflow.data.context = training``."""

    key: str
    value: str


CONTEXT_TAG = "mlflow.data.context"
"""The input tag naming what a run used a dataset for (``training``, ``evaluation``...)."""


@dataclass(frozen=True)
class DatasetInput:
    """One dataset a run used, with its tags (MLflow's shape)."""

    dataset: Dataset
    tags: tuple[InputTag, ...] = ()

    @property
    def context(self) -> str:
        """The value of the :data:`CONTEXT_TAG` tag, or ``""``."""
        return next((t.value for t in self.tags if t.key == CONTEXT_TAG), "")


@dataclass(frozen=True)
class RunInputs:
    """What a run read: its datasets."""

    dataset_inputs: tuple[DatasetInput, ...] = ()


@dataclass(frozen=True)
class Run:
    """A run: its :class:`RunInfo`, its :class:`RunData` and its :class:`RunInputs`."""

    info: RunInfo
    data: RunData
    inputs: RunInputs = field(default_factory=RunInputs)

    @property
    def _info(self) -> RunInfo:
        """:attr:`info` under MLflow's private name, which MLflow's own examples read."""
        return self.info

    @property
    def _data(self) -> RunData:
        """:attr:`data` under MLflow's private name."""
        return self.data


@dataclass(frozen=True)
class FileInfo:
    """An entry of :meth:`TrackingClient.list_artifacts`."""

    path: str
    is_dir: bool
    size: int | None


@dataclass(frozen=True)
class MetricSummary:
    """Latest, minimum and maximum of one metric of one run (used by search and the UI)."""

    key: str
    latest: float
    step: int
    timestamp: int
    min: float
    max: float
    count: int
