"""Datasets and run inputs in SQL: linking runs to datasets, loading them with runs.

::

    inputs.write(conn, run_id, [DatasetInput(Dataset("wine", "3f2a..."), (InputTag(CONTEXT_TAG, "training"),))])
    inputs.load(conn, [run_id])   # {run_id: (DatasetInput, ...)}
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from trialbook.entities import CONTEXT_TAG, Dataset, DatasetInput, InputTag
from trialbook.store.sql import schema
from trialbook.store.sql.batch import check_runs, upsert
from trialbook.store.sql.ids import id_in
from trialbook.validation import check_text


def check(inputs: Sequence[DatasetInput]) -> None:
    """Raise InvalidValueError for text a database cannot store or a too long field."""
    for item in inputs:
        dataset = item.dataset
        for name, value in (
            ("dataset name", dataset.name),
            ("dataset digest", dataset.digest),
            ("dataset source", dataset.source),
            ("dataset schema", dataset.schema),
            ("dataset profile", dataset.profile),
        ):
            check_text(name, value)
        for tag in item.tags:
            check_text(tag.key, tag.value)
        _check_length("dataset name", dataset.name, 256)
        _check_length("dataset digest", dataset.digest, 64)
        _check_length("dataset source type", dataset.source_type, 64)
        _check_length("dataset context", item.context, schema.KEY_LENGTH)


def _check_length(name: str, value: str, limit: int) -> None:
    from trialbook.errors import InvalidValueError

    if not value and name in ("dataset name", "dataset digest"):
        raise InvalidValueError(name, value, "must not be empty")
    if len(value) > limit:
        raise InvalidValueError(name, value[:40], f"is longer than {limit} characters")


def write(conn: sa.engine.Connection, run_id: str, inputs: Sequence[DatasetInput]) -> None:
    """Store the datasets (first description wins) and link them to the run."""
    check_runs(conn, {run_id})
    table = schema.datasets
    for item in inputs:
        dataset = item.dataset
        stmt = upsert(conn, table).values(
            name=dataset.name,
            digest=dataset.digest,
            source_type=dataset.source_type,
            source=dataset.source,
            schema=dataset.schema,
            profile=dataset.profile,
        )
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name", "digest"]))
        dataset_id = conn.execute(
            sa.select(table.c.dataset_id).where(
                table.c.name == dataset.name, table.c.digest == dataset.digest
            )
        ).scalar_one()
        others = {t.key: t.value for t in item.tags if t.key != CONTEXT_TAG}
        link = upsert(conn, schema.run_inputs).values(
            run_id=run_id,
            dataset_id=dataset_id,
            context=item.context,
            tags=json.dumps(others, sort_keys=True),
        )
        conn.execute(
            link.on_conflict_do_update(
                index_elements=["run_id", "dataset_id", "context"],
                set_={"tags": link.excluded.tags},
            )
        )


def load(conn: sa.engine.Connection, run_ids: Sequence[str]) -> dict[str, tuple[DatasetInput, ...]]:
    """The inputs of each run that has some, in (name, context) order."""
    if not run_ids:
        return {}
    links, datasets = schema.run_inputs, schema.datasets
    query = (
        sa.select(links.c.run_id, links.c.context, links.c.tags, datasets)
        .join(datasets, datasets.c.dataset_id == links.c.dataset_id)
        .where(id_in(links.c.run_id, list(run_ids), conn.dialect.name))
        .order_by(links.c.run_id, datasets.c.name, links.c.context, datasets.c.digest)
    )
    found: dict[str, list[DatasetInput]] = {}
    for row in conn.execute(query):
        tags = [InputTag(CONTEXT_TAG, row.context)] if row.context else []
        tags.extend(InputTag(k, v) for k, v in sorted(json.loads(row.tags or "{}").items()))
        dataset = Dataset(
            name=row.name,
            digest=row.digest,
            source_type=row.source_type,
            source=row.source,
            schema=row.schema,
            profile=row.profile,
        )
        found.setdefault(row.run_id, []).append(DatasetInput(dataset, tuple(tags)))
    return {run_id: tuple(items) for run_id, items in found.items()}
