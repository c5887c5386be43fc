"""Min/max-preserving downsampling: spikes and dips survive, sizes stay bounded."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from trialbook.store.downsample import minmax_indices

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
values = arrays(np.float64, st.integers(1, 3000), elements=finite | st.just(math.nan))


@given(values, st.integers(1, 200))
@settings(max_examples=200, deadline=None)
def test_the_global_extremes_are_always_kept(ys: np.ndarray, buckets: int) -> None:
    keep = minmax_indices(np.arange(len(ys)), ys, buckets)
    finite_ys = ys[~np.isnan(ys)]
    if len(finite_ys):
        assert ys[keep].min() == finite_ys.min()
        assert ys[keep].max() == finite_ys.max()


@given(values, st.integers(1, 200))
@settings(max_examples=200, deadline=None)
def test_at_most_two_points_per_bucket_plus_the_ends_are_kept(ys: np.ndarray, buckets: int) -> None:
    keep = minmax_indices(np.arange(len(ys)), ys, buckets)
    assert len(keep) <= 2 * buckets + 2
    assert np.all(np.diff(keep) > 0)
    assert not np.isnan(ys[keep]).any()


@given(arrays(np.float64, st.integers(2, 2000), elements=finite), st.integers(1, 50))
@settings(max_examples=200, deadline=None)
def test_every_bucket_keeps_its_own_extremes(ys: np.ndarray, buckets: int) -> None:
    xs = np.arange(len(ys))
    keep = set(minmax_indices(xs, ys, buckets).tolist())
    if len(ys) <= 2 * buckets:
        assert keep == set(range(len(ys)))
        return
    bucket = np.minimum((xs / (len(ys) - 1) * buckets).astype(int), buckets - 1)
    for b in np.unique(bucket):
        members = np.flatnonzero(bucket == b)
        assert any(ys[i] == ys[members].min() for i in keep & set(members.tolist()))
        assert any(ys[i] == ys[members].max() for i in keep & set(members.tolist()))


def test_a_single_spike_in_a_million_points_survives() -> None:
    ys = np.sin(np.arange(1_000_000) / 1000.0)
    ys[654_321] = 50.0
    keep = minmax_indices(np.arange(len(ys)), ys, 500)
    assert 654_321 in keep
    assert len(keep) <= 1002


def test_short_series_come_back_whole() -> None:
    ys = np.array([3.0, 1.0, 2.0])
    assert minmax_indices(np.arange(3), ys, 2).tolist() == [0, 1, 2]


def test_nan_values_are_dropped() -> None:
    ys = np.array([1.0, math.nan, 2.0])
    assert minmax_indices(np.arange(3), ys, 5).tolist() == [0, 2]


def test_points_at_one_x_share_a_bucket() -> None:
    ys = np.array([5.0, 1.0, 9.0, 3.0, 4.0])
    keep = minmax_indices(np.zeros(5), ys, 1)
    assert sorted(ys[keep].tolist()) == [1.0, 4.0, 5.0, 9.0]


def test_zero_buckets_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        minmax_indices(np.arange(3), np.ones(3), 0)
