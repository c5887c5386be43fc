from __future__ import annotations

from click.testing import CliRunner

import trialbook
from trialbook.cli.main import cli
from trialbook.models.store import ModelInfo


def logged_model(model: object = "weights") -> ModelInfo:
    with trialbook.start_run():
        return trialbook.log_model(model, "model")


def test_models_register_creates_the_next_version(runner: CliRunner) -> None:
    info = logged_model()

    first = runner.invoke(cli, ["models", "register", info.model_uri, "fraud", "--tag", "a=b"])
    second = runner.invoke(cli, ["models", "register", info.model_uri, "fraud"])

    assert first.exit_code == 0, first.output
    assert "version 1 of 'fraud'" in first.output
    assert "version 2 of 'fraud'" in second.output
    assert trialbook.TrackingClient().get_model_version("fraud", 1).tags == {"a": "b"}


def test_models_register_refuses_a_malformed_tag(runner: CliRunner) -> None:
    info = logged_model()
    result = runner.invoke(cli, ["models", "register", info.model_uri, "fraud", "--tag", "nokey"])
    assert result.exit_code != 0
    assert "KEY=VALUE" in result.output


def test_models_list_shows_each_model_with_its_latest_version_and_aliases(
    runner: CliRunner,
) -> None:
    info = logged_model()
    for _ in range(2):
        trialbook.register_model(info.model_uri, "fraud")
    trialbook.register_model(info.model_uri, "churn")
    trialbook.TrackingClient().set_registered_model_alias("fraud", "champion", 1)

    result = runner.invoke(cli, ["models", "list"])

    assert result.exit_code == 0, result.output
    fraud = next(line for line in result.output.splitlines() if " fraud " in line)
    assert " 2 " in fraud
    assert "champion→v1" in fraud
    assert " churn " in result.output


def test_models_list_filters_by_name(runner: CliRunner) -> None:
    info = logged_model()
    trialbook.register_model(info.model_uri, "fraud")
    trialbook.register_model(info.model_uri, "churn")

    result = runner.invoke(cli, ["models", "list", "--filter", "name LIKE 'fr%'"])

    assert " fraud " in result.output
    assert " churn " not in result.output


def test_models_list_says_when_there_are_none(runner: CliRunner) -> None:
    logged_model()
    result = runner.invoke(cli, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "No registered models." in result.output


def test_models_show_lists_every_version_with_its_run(runner: CliRunner) -> None:
    first, second = logged_model(), logged_model()
    trialbook.register_model(first.model_uri, "fraud")
    trialbook.register_model(second.model_uri, "fraud", description="retrained")

    result = runner.invoke(cli, ["models", "show", "fraud", "--full-ids"])

    assert result.exit_code == 0, result.output
    assert first.run_id in result.output
    assert second.run_id in result.output
    assert "retrained" in result.output


def test_models_show_of_an_unknown_model_is_an_error(runner: CliRunner) -> None:
    logged_model()
    result = runner.invoke(cli, ["models", "show", "missing"])
    assert result.exit_code == 1
    assert "No registered model named 'missing'" in result.output


def test_models_alias_points_and_deletes(runner: CliRunner) -> None:
    info = logged_model()
    for _ in range(2):
        trialbook.register_model(info.model_uri, "fraud")
    client = trialbook.TrackingClient()

    pointed = runner.invoke(cli, ["models", "alias", "fraud", "champion", "2"])
    assert pointed.exit_code == 0, pointed.output
    assert client.get_model_version_by_alias("fraud", "champion").version == 2

    removed = runner.invoke(cli, ["models", "alias", "fraud", "champion", "--delete"])
    assert removed.exit_code == 0, removed.output
    assert client.get_registered_model("fraud").aliases == {}


def test_models_alias_refuses_a_reserved_alias(runner: CliRunner) -> None:
    trialbook.register_model(logged_model().model_uri, "fraud")
    result = runner.invoke(cli, ["models", "alias", "fraud", "latest", "1"])
    assert result.exit_code == 1
    assert "reserved" in result.output


def test_models_delete_of_a_version_keeps_the_others(runner: CliRunner) -> None:
    info = logged_model()
    for _ in range(2):
        trialbook.register_model(info.model_uri, "fraud")

    result = runner.invoke(cli, ["models", "delete", "fraud", "1", "--yes"])

    assert result.exit_code == 0, result.output
    versions = trialbook.TrackingClient().search_model_versions("name = 'fraud'")
    assert [v.version for v in versions] == [2]


def test_models_delete_asks_before_deleting_a_model(runner: CliRunner) -> None:
    trialbook.register_model(logged_model("kept").model_uri, "fraud")

    declined = runner.invoke(cli, ["models", "delete", "fraud"], input="n\n")
    assert declined.exit_code == 1
    assert trialbook.TrackingClient().get_registered_model("fraud").latest_version == 1

    accepted = runner.invoke(cli, ["models", "delete", "fraud"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert " fraud " not in runner.invoke(cli, ["models", "list"]).output
    assert trialbook.load_model(f"runs:/{trialbook.last_active_run().info.run_id}/model") == "kept"
