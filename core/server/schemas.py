"""Request bodies of the REST API (pydantic models: they make the OpenAPI spec too).

Every string refuses NUL characters (PostgreSQL cannot store them) and every integer fits
in 64 bits, so bad input is a 422 with a clear message, never a database error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from trialbook.entities import RunStatus, ViewType


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Name = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_no_nul)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
RunId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")]
ExperimentId = Annotated[str, Field(pattern=r"^[0-9]{1,18}$")]
Triple = tuple[Text, Text, Text]


class Body(BaseModel):
    """Unknown fields are refused: a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class ExperimentCreate(Body):
    """``POST /experiments``. The server owns storage: ``artifact_location`` must be unset."""

    name: Name
    artifact_location: Text | None = None
    tags: dict[Text, Text] = Field(default_factory=dict)


class ExperimentName(Body):
    """A name: ``POST /experiments/get-or-create`` and ``PATCH /experiments/{id}``."""

    name: Name


class Tag(Body):
    """``PUT /experiments/{id}/tags``."""

    key: Text
    value: Text


class RunCreate(Body):
    """``POST /runs``; ``run_id`` is optional (the client's own id makes retries safe)."""

    experiment_id: ExperimentId
    run_name: Name
    start_time: Int64
    tags: dict[Text, Text] = Field(default_factory=dict)
    parent_run_id: RunId | None = None
    user_id: Annotated[str, Field(max_length=256), AfterValidator(_no_nul)] = ""
    run_id: RunId | None = None
    description: Text = ""


class RunUpdate(Body):
    """``PATCH /runs/{id}``: only the given fields change."""

    status: RunStatus | None = None
    end_time: Int64 | None = None
    run_name: Name | None = None
    description: Text | None = None


class DatasetBody(Body):
    """A dataset as ``POST /runs/{id}/inputs`` carries it (never its data)."""

    name: Name
    digest: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_no_nul)]
    source_type: Annotated[str, Field(max_length=64), AfterValidator(_no_nul)] = ""
    source: Text = ""
    schema_: Text = Field("", alias="schema")
    profile: Text = ""


class InputTagBody(Body):
    """A tag of a dataset input (``mlflow.data.context`` names its context)."""

    key: Annotated[str, Field(min_length=1, max_length=250), AfterValidator(_no_nul)]
    value: Annotated[str, Field(max_length=250), AfterValidator(_no_nul)]


class DatasetInputBody(Body):
    """One dataset a run used, with its tags."""

    dataset: DatasetBody
    tags: list[InputTagBody] = Field(default_factory=list, max_length=100)


class LogInputs(Body):
    """``POST /runs/{id}/inputs``: datasets the run used."""

    datasets: list[DatasetInputBody] = Field(max_length=1000)


class RunIds(Body):
    """A list of run ids (heartbeat, summaries, purge)."""

    run_ids: list[Text]


class Reap(Body):
    """``POST /runs/reap``: mark RUNNING runs without a recent heartbeat as KILLED."""


class SeriesIn(Body):
    """One metric's points as base64 of little-endian int64 steps and timestamps, float64 values."""

    run_id: Text
    key: Text
    steps: str
    values: str
    timestamps: str


class BatchIn(Body):
    """``POST /batches``: params, tags and points written all or nothing, once per batch_id."""

    batch_id: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_no_nul)] | None = (
        None
    )
    params: list[Triple] = Field(default_factory=list)
    tags: list[Triple] = Field(default_factory=list)
    series: list[SeriesIn] = Field(default_factory=list)


class SearchRuns(Body):
    """``POST /runs/search``; ``format="table"`` answers with a table of the page (see
    :func:`trialbook.store.rest.wire.table_json`), ``summaries=False`` leaves out the metric
    summaries but the latest values."""

    experiment_ids: list[ExperimentId]
    filter_string: Text = ""
    order_by: list[Text] = Field(default_factory=list)
    max_results: int = Field(1000, ge=1)
    view_type: ViewType = ViewType.ACTIVE
    page_token: Text | None = None
    format: Literal["runs", "table"] = "runs"
    summaries: bool = True


class CountRuns(Body):
    """``POST /runs/count``."""

    experiment_ids: list[ExperimentId]
    filter_string: Text = ""
    view_type: ViewType = ViewType.ACTIVE


class ChildCounts(Body):
    """``POST /runs/child-counts``."""

    experiment_ids: list[ExperimentId]
    parent_ids: list[RunId]
    filter_string: Text = ""
    view_type: ViewType = ViewType.ACTIVE


MAX_ARRAY_KEYS = 100
"""Metric keys one ``POST /metrics/arrays`` (or ``/metrics/overviews``) asks for at most."""


class ManyArrays(Body):
    """``POST /metrics/arrays`` and ``POST /metrics/overviews``."""

    run_ids: list[Text]
    keys: list[Text] = Field(max_length=MAX_ARRAY_KEYS)


# Model registry (routes_registry) ------------------------------------------------------------

ModelName = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_no_nul)]


class RegisteredModelCreate(Body):
    """``POST /registered-models``."""

    name: ModelName
    tags: dict[Text, Text] = Field(default_factory=dict)
    description: Text = ""


class RegisteredModelRename(Body):
    """``POST /registered-models/{name}/rename``."""

    new_name: ModelName


class Description(Body):
    """``PATCH /registered-models/{name}`` and ``PATCH .../versions/{version}``."""

    description: Text = ""


class TagKey(Body):
    """``POST .../tags/delete``."""

    key: Text


class ModelVersionCreate(Body):
    """``POST /registered-models/{name}/versions``: register the model logged in a run."""

    run_id: RunId
    artifact_path: Text
    tags: dict[Text, Text] = Field(default_factory=dict)
    description: Text = ""
    create_model: bool = False


class AliasTarget(Body):
    """``PUT /registered-models/{name}/aliases/{alias}``."""

    version: Annotated[int, Field(ge=1, lt=2**31)]
