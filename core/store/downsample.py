"""Min/max-preserving downsampling of metric histories, so spikes and dips survive.

::

    keep = minmax_indices(steps, values, buckets=1000)
    steps[keep], values[keep]            # at most 2 * buckets + 2 points

The x range is cut into equal-width buckets; each bucket keeps its lowest and its highest
point, and the first and last points are always kept. A chart drawn from the result has the
same envelope as one drawn from every point. NaN values are never kept (they cannot be drawn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def minmax_indices(
    x: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    y: npt.NDArray[np.float64],
    buckets: int,
) -> npt.NDArray[np.int64]:
    """Indices (ascending) of the points that keep each x-bucket's minimum and maximum.

    Args:
        x: The points' x values, sorted ascending (steps or timestamps).
        y: The points' values; NaN values are skipped.
        buckets: How many equal-width buckets to cut the x range into (at least 1).

    Returns:
        Every index of a non-NaN value when there are at most ``2 * buckets`` of them,
        else the first and last point and each bucket's lowest and highest point.
    """
    import numpy as np

    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    valid = np.flatnonzero(~np.isnan(y))
    if len(valid) <= 2 * buckets:
        return valid.astype(np.int64)
    xs = x[valid].astype(np.float64)
    ys = y[valid]
    span = xs[-1] - xs[0]
    if span > 0:
        bucket = np.minimum(((xs - xs[0]) / span * buckets).astype(np.int64), buckets - 1)
    else:
        bucket = np.zeros(len(xs), dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    lengths = np.diff(np.append(starts, len(xs)))
    segment = np.repeat(np.arange(len(starts)), lengths)
    lowest = _first_per_segment(ys == np.minimum.reduceat(ys, starts)[segment], segment)
    highest = _first_per_segment(ys == np.maximum.reduceat(ys, starts)[segment], segment)
    chosen = np.zeros(len(xs), dtype=bool)
    chosen[lowest] = chosen[highest] = chosen[0] = chosen[-1] = True
    keep = np.flatnonzero(chosen)
    kept: npt.NDArray[np.int64] = valid[keep].astype(np.int64)
    return kept


def _first_per_segment(
    hits: npt.NDArray[np.bool_], segment: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The first index where ``hits`` is true within each segment."""
    import numpy as np

    positions = np.flatnonzero(hits)
    owners = segment[positions]
    first = np.concatenate(([True], owners[1:] != owners[:-1]))
    return positions[first].astype(np.int64)
