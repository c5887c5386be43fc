"""The parsed form of a run-search filter and order-by: small frozen dataclasses.

``parse_filter("metrics.acc > 0.9 and params.opt = 'adam'")`` gives::

    And((Comparison(Kind.METRIC, "acc", Op.GT, 0.9),
         Comparison(Kind.PARAM, "opt", Op.EQ, "adam")))

Attribute keys are canonical names (``run_name``, never the alias ``name``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias


class Kind(str, enum.Enum):
    """What a comparison looks at."""

    METRIC = "metric"
    PARAM = "param"
    TAG = "tag"
    ATTRIBUTE = "attribute"
    DATASET = "dataset"


class Op(str, enum.Enum):
    """A comparison operator; the value is its canonical spelling."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LIKE = "LIKE"
    ILIKE = "ILIKE"
    NOT_LIKE = "NOT LIKE"
    NOT_ILIKE = "NOT ILIKE"
    IN = "IN"
    NOT_IN = "NOT IN"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"


class Aggregate(str, enum.Enum):
    """A summary of a metric's history, as in ``min(metrics.loss)``."""

    MIN = "min"
    MAX = "max"


class AttributeType(enum.Enum):
    """Whether a run attribute compares as text or as a number."""

    TEXT = "text"
    NUMBER = "number"


ATTRIBUTES: Mapping[str, AttributeType] = {
    "run_id": AttributeType.TEXT,
    "run_name": AttributeType.TEXT,
    "status": AttributeType.TEXT,
    "start_time": AttributeType.NUMBER,
    "end_time": AttributeType.NUMBER,
    "duration": AttributeType.NUMBER,
    "user_id": AttributeType.TEXT,
    "experiment_id": AttributeType.NUMBER,
    "parent_run_id": AttributeType.TEXT,
    "lifecycle_stage": AttributeType.TEXT,
    "description": AttributeType.TEXT,
    "artifact_uri": AttributeType.TEXT,
}
"""Every searchable run attribute, by canonical name."""

ATTRIBUTE_ALIASES: Mapping[str, str] = {
    "run_uuid": "run_id",
    "id": "run_id",
    "name": "run_name",
    "user": "user_id",
}

DATASET_FIELDS = ("name", "digest", "context")
"""What ``datasets.<field>`` compares: a run matches when any of its dataset inputs does."""

MLFLOW_TAGS: Mapping[str, tuple[Kind, str]] = {
    "mlflow.parentrunid": (Kind.ATTRIBUTE, "parent_run_id"),
    "mlflow.runname": (Kind.ATTRIBUTE, "run_name"),
    "mlflow.user": (Kind.ATTRIBUTE, "user_id"),
    "mlflow.source.name": (Kind.TAG, "trialbook.source.script"),
    "mlflow.source.git.commit": (Kind.TAG, "trialbook.source.git.commit"),
    "mlflow.source.git.branch": (Kind.TAG, "trialbook.source.git.branch"),
    "mlflow.source.git.repourl": (Kind.TAG, "trialbook.source.git.remote"),
    "mlflow.note.content": (Kind.ATTRIBUTE, "description"),
}
"""MLflow's system tags (lower case), by what trialbook keeps in their place:
``tags.mlflow.parentRunId = '...'`` compares the attribute ``parent_run_id``."""

PREFIXES: Mapping[str, Kind] = {
    "metrics": Kind.METRIC,
    "metric": Kind.METRIC,
    "params": Kind.PARAM,
    "param": Kind.PARAM,
    "tags": Kind.TAG,
    "tag": Kind.TAG,
    "attributes": Kind.ATTRIBUTE,
    "attribute": Kind.ATTRIBUTE,
    "attr": Kind.ATTRIBUTE,
    "run": Kind.ATTRIBUTE,
    "datasets": Kind.DATASET,
    "dataset": Kind.DATASET,
}
"""Identifier prefixes (``metrics.acc``), lower case; matched case-insensitively."""

Scalar: TypeAlias = str | int | float
Value: TypeAlias = Scalar | tuple[Scalar, ...] | None
"""A tuple for IN and NOT IN, None for IS NULL and IS NOT NULL, else one scalar."""


@dataclass(frozen=True)
class Comparison:
    """One condition, such as ``metrics.acc > 0.9`` or ``max(metrics.acc) >= 0.95``."""

    kind: Kind
    key: str
    op: Op
    value: Value
    aggregate: Aggregate | None = None


@dataclass(frozen=True)
class And:
    """True when every operand is."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """True when any operand is."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    """True when the operand is false."""

    operand: Expr


Expr: TypeAlias = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderKey:
    """One order-by item, such as ``metrics.acc DESC``."""

    kind: Kind
    key: str
    ascending: bool = True
    aggregate: Aggregate | None = None
