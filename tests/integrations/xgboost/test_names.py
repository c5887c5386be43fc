"""Metric keys and booster params as the XGBoost integration logs them (no xgboost needed)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialbook.integrations.xgboost.names import (
    flatten_config,
    metric_key,
    param_items,
    param_text,
    safe_key,
)
from trialbook.validation import check_key

pytestmark = pytest.mark.xgboost

CONFIG = json.loads(
    """{"learner": {
        "generic_param": {"nthread": "1", "seed": "0"},
        "gradient_booster": {"name": "gbtree", "num_trees": "0",
            "tree_train_param": {"eta": "0.100000001", "max_depth": "3"},
            "updater": [{"name": "grow_quantile_histmaker"}]},
        "learner_train_param": {"booster": "gbtree", "objective": "reg:squarederror"},
        "learner_model_param": {"base_score": "[5E-1]"},
        "metrics": [{"name": "rmse"}, {"name": "ndcg@5"}],
        "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}}},
     "version": [3, 2, 0]}"""
)


@given(st.text(min_size=0, max_size=300))
def test_a_safe_key_is_always_a_valid_key(text: str) -> None:
    assert check_key(safe_key(text))


def test_at_signs_become_readable_in_metric_keys() -> None:
    assert metric_key("validation_0", "ndcg@5") == "validation_0-ndcg_at_5"


def test_a_suffix_is_appended_with_a_dash() -> None:
    assert metric_key("test", "rmse", "mean") == "test-rmse-mean"


def test_valid_names_are_kept() -> None:
    assert metric_key("eval", "error@0.7") == "eval-error_at_0.7"
    assert safe_key("map-") == "map-"


def test_config_leaves_become_params_by_their_own_name() -> None:
    flat = flatten_config(CONFIG)
    assert flat["max_depth"] == "3"
    assert flat["booster"] == "gbtree"
    assert flat["scale_pos_weight"] == "1"


def test_float32_noise_is_removed_from_config_values() -> None:
    assert flatten_config(CONFIG)["eta"] == "0.1"


def test_names_lists_and_counters_are_not_params() -> None:
    flat = flatten_config(CONFIG)
    assert not {"name", "num_trees", "updater", "version"} & set(flat)


def test_the_evaluation_metrics_become_one_param() -> None:
    assert flatten_config(CONFIG)["eval_metric"] == "rmse,ndcg@5"


def test_repeated_params_in_pairs_are_collected() -> None:
    pairs = [("eval_metric", "rmse"), ("eval_metric", "mae"), ("max_depth", 2)]
    assert param_items(pairs) == {"eval_metric": ["rmse", "mae"], "max_depth": 2}


def test_sequences_are_logged_comma_separated() -> None:
    assert param_text(["rmse", "mae"]) == "rmse,mae"


def test_functions_are_logged_by_name() -> None:
    assert param_text(check_key) == "trialbook.validation.check_key"
