"""The server's size limits, and the smaller chunks the client sends so it never hits them.

Over a limit, the server answers 413 (body, batch) or 400 (``max_results``, page size) and
writes nothing: a batch is all or nothing. The client splits what it sends into pieces of
:data:`CLIENT_BATCH_POINTS` points and :data:`CLIENT_BATCH_ITEMS` params and tags, well
under the defaults, so a server with default limits accepts every batch a client makes.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1 << 20

BYTES_PER_JSON_VALUE = 64
"""Decoded body bytes per JSON element allowed by default. An element parsed costs Python
at most a few hundred bytes, so parsing a body within the limits takes a few times
``max_decoded_bytes`` of memory, however small its compressed form."""

CLIENT_BATCH_POINTS = 200_000
"""Metric points per request the client sends at most."""
CLIENT_BATCH_ITEMS = 2_000
"""Params plus tags per request the client sends at most."""
CLIENT_HISTORY_PAGE = 25_000
"""Metric history points the client asks for per page."""
CLIENT_SEARCH_PAGE = 1_000
"""Runs the client asks for per search request."""
CLIENT_ARRAY_RUNS = 50
"""Runs whose histories the client asks for per ``/metrics/arrays`` request (50 runs x 32
keys x 10,000 steps stay under the default ``max_array_points``)."""


@dataclass(frozen=True)
class Limits:
    """What one request may carry or ask for."""

    max_body_bytes: int = 64 * MIB
    """Request body as sent (compressed or not), artifact uploads excepted."""
    max_decoded_bytes: int = 64 * MIB
    """Request body after gzip decoding (a gzip bomb stops here)."""
    max_json_depth: int = 64
    """Nesting of arrays and objects in a JSON body (checked before parsing)."""
    max_json_values: int | None = None
    """Arrays, objects and comma-separated elements in a JSON body, checked before parsing
    (default: one per :data:`BYTES_PER_JSON_VALUE` bytes of ``max_decoded_bytes``)."""
    max_artifact_bytes: int = 4096 * MIB
    """One artifact file upload."""
    max_batch_points: int = 1_000_000
    """Metric points in one batch."""
    max_batch_items: int = 10_000
    """Params plus tags in one batch."""
    max_results: int = 5_000
    """Runs or experiments in one search page."""
    max_history_page: int = 100_000
    """Points in one page of metric history."""
    max_ids: int = 1_000
    """Run or experiment ids in one request (summaries, search, purge)."""
    max_array_points: int = 20_000_000
    """Points in one metric-arrays response."""
    max_concurrent_searches: int = 8
    """Searches (runs, experiments, models) running at once in one server process; more get
    503 and the client retries. Worker threads stay free for logging and ``/health``."""

    @property
    def json_values(self) -> int:
        """The JSON elements one body may have (``max_json_values``, or its default)."""
        if self.max_json_values is not None:
            return self.max_json_values
        return self.max_decoded_bytes // BYTES_PER_JSON_VALUE
