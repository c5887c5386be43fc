"""SQLAlchemy Core tables of the tracking store.

Times are integer milliseconds since the epoch. Metric histories live in ``metric_chunks``
(packed arrays), with coarse overviews of long stretches in ``metric_overviews`` (built after
logging); in ``latest_metrics`` a NaN value is stored as ``value = 0`` with ``is_nan = true``
(SQLite turns NaN into NULL); ±inf are stored as is.
The Alembic migrations in ``migrations/versions`` create exactly these tables; a test compares
the two.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

KEY_LENGTH = 250

experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(256), nullable=False, unique=True),
    sa.Column("artifact_location", sa.Text, nullable=False),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False, server_default="active"),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_update_time", sa.BigInteger, nullable=False),
)

experiment_tags = sa.Table(
    "experiment_tags",
    metadata,
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    sa.Column("heartbeat_time", sa.BigInteger, nullable=True),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False, server_default="active"),
    sa.Column("artifact_uri", sa.Text, nullable=False),
    sa.Column("user_id", sa.String(256), nullable=False, server_default=""),
    sa.Column("parent_run_id", sa.String(32), nullable=True, index=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("deleted_time", sa.BigInteger, nullable=True),
    sa.Index("ix_runs_experiment_id_start_time", "experiment_id", "start_time"),
)

params = sa.Table(
    "params",
    metadata,
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Metric histories are stored in chunks: one row holds up to CHUNK_POINTS points of one run's
# metric as three packed little-endian arrays (int64 steps, float64 values, int64 timestamps).
# Writing a million points is then a few rows, and NaN and ±inf keep their exact bits.
metric_chunks = sa.Table(
    "metric_chunks",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("first_step", sa.BigInteger, nullable=False),
    sa.Column("last_step", sa.BigInteger, nullable=False),
    sa.Column("steps", sa.LargeBinary, nullable=False),
    sa.Column("values", sa.LargeBinary, nullable=False),
    sa.Column("timestamps", sa.LargeBinary, nullable=False),
    sa.Index("ix_metric_chunks_run_id_key", "run_id", "key"),
)

_PACKED_COLUMNS = ("steps", "values", "timestamps")


def compress_packed_columns_cheaply(conn: sa.engine.Connection) -> None:
    """On PostgreSQL, compress ``metric_chunks``' packed arrays with lz4 instead of pglz.

    PostgreSQL compresses a large ``bytea`` with pglz by default, which costs its backend
    about 2 us of CPU per metric point: the largest cost of ingesting metrics. lz4 costs a
    tenth of that. A server built without lz4 stores the arrays uncompressed instead (the
    same CPU as lz4, up to twice the disk). Values written before keep their compression.
    """
    if conn.dialect.name != "postgresql":
        return
    for setting in ("SET COMPRESSION lz4", "SET STORAGE EXTERNAL"):
        try:
            with conn.begin_nested():
                conn.execute(
                    sa.text(
                        "ALTER TABLE metric_chunks "
                        + ", ".join(f'ALTER COLUMN "{c}" {setting}' for c in _PACKED_COLUMNS)
                    )
                )
            return
        except sa.exc.DBAPIError:
            continue  # "compression method lz4 not supported": store them uncompressed


sa.event.listen(
    metric_chunks,
    "after_create",
    lambda _table, conn, **_kw: compress_packed_columns_cheaply(conn),
)


# The overview of a stretch of a run's metric (the chunks first_chunk_id..last_chunk_id of
# more than 2 * OVERVIEW_BUCKETS points in all): the points that keep each of OVERVIEW_BUCKETS
# step-buckets' lowest and highest value, packed like a chunk. Charts of many runs read these
# instead of every point; chunks no overview covers (a short tail, points not yet summarised,
# chunks written before revision 0007) are read whole. See chunks.build_overviews.
metric_overviews = sa.Table(
    "metric_overviews",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("first_chunk_id", sa.BigInteger, nullable=False),
    sa.Column("last_chunk_id", sa.BigInteger, nullable=False),
    sa.Column("steps", sa.LargeBinary, nullable=False),
    sa.Column("values", sa.LargeBinary, nullable=False),
    sa.Column("timestamps", sa.LargeBinary, nullable=False),
    sa.Index("ix_metric_overviews_run_id_key", "run_id", "key"),
)

# One row per (run, metric key): the latest point (largest step, then timestamp) and the
# minimum and maximum over the history. Search filters and orders on it; the UI shows it.
latest_metrics = sa.Table(
    "latest_metrics",
    metadata,
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.Float(precision=53), nullable=False),
    sa.Column("is_nan", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("min_value", sa.Float(precision=53), nullable=True),
    sa.Column("max_value", sa.Float(precision=53), nullable=True),
    sa.Column("count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_latest_metrics_key_value", "key", "value"),
)

# Batches the REST client sent and the store applied, so a retried batch is applied once.
applied_batches = sa.Table(
    "applied_batches",
    metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("applied_time", sa.BigInteger, nullable=False),
)

# The tracking server's API tokens (trialbook.server.auth): hashed, never the token itself.
server_tokens = sa.Table(
    "server_tokens",
    metadata,
    sa.Column("token_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("read_only", sa.Boolean, nullable=False),
    sa.Column("created_time", sa.BigInteger, nullable=False),
    sa.Column("revoked_time", sa.BigInteger, nullable=True),
)

# The model registry (trialbook.registry). A version's run_id has no foreign key: versions
# outlive the purge of their run (loading them fails then, with a clear error).
registered_models = sa.Table(
    "registered_models",
    metadata,
    sa.Column("model_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(256), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_update_time", sa.BigInteger, nullable=False),
    # The last version number handed out: numbers are never reused after a deletion.
    sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
)

registered_model_tags = sa.Table(
    "registered_model_tags",
    metadata,
    sa.Column(
        "model_id",
        sa.Integer,
        sa.ForeignKey("registered_models.model_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column(
        "model_id",
        sa.Integer,
        sa.ForeignKey("registered_models.model_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("run_id", sa.String(32), nullable=False, index=True),
    sa.Column("artifact_path", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_update_time", sa.BigInteger, nullable=False),
    # sha256 of the model's metadata file when registered (NULL: registered before 0004).
    sa.Column("model_digest", sa.String(64), nullable=True),
)

model_version_tags = sa.Table(
    "model_version_tags",
    metadata,
    sa.Column("model_id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        ondelete="CASCADE",
    ),
)

registered_model_aliases = sa.Table(
    "registered_model_aliases",
    metadata,
    sa.Column("model_id", sa.Integer, primary_key=True),
    sa.Column("alias", sa.String(256), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        ondelete="CASCADE",
    ),
)

# Datasets runs used (trialbook.data): one row per distinct (name, digest); the data itself is
# never stored. ``run_inputs`` links a run to a dataset with a context ("training"...).
datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("dataset_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False, index=True),
    sa.Column("source_type", sa.String(64), nullable=False, server_default=""),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("schema", sa.Text, nullable=False, server_default=""),
    sa.Column("profile", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("name", "digest"),
)

run_inputs = sa.Table(
    "run_inputs",
    metadata,
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.dataset_id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    sa.Column("context", sa.String(KEY_LENGTH), primary_key=True),
    # Other input tags as a JSON object (the context tag is the column above).
    sa.Column("tags", sa.Text, nullable=False, server_default="{}"),
)
