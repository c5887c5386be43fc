"""The registry contract: behaviour every :class:`~trialbook.store.registry.ModelRegistry` must have.

It drives the registry through the public Python API (``TrackingClient``,
``trialbook.register_model``, ``trialbook.load_model``), so it checks what users see: a
backend's tests subclass :class:`RegistryContract` and give it a ``tracking_uri`` fixture, a
fresh, empty store of that backend; pytest then runs every test of the contract against it::

    import pytest
    from trialbook.testing.registry_contract import RegistryContract

    class TestMemoryRegistry(RegistryContract):
        @pytest.fixture
        def tracking_uri(self, tmp_path, monkeypatch):
            monkeypatch.setenv("TRIALBOOK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
            return f"memory://{tmp_path.name}"

For the length of each test the contract points the whole Python API at ``tracking_uri``
(``TRIALBOOK_TRACKING_URI``), with reproducibility capture off. Needs pytest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import trialbook
from trialbook.errors import (
    DeletedRunError,
    InvalidUriError,
    InvalidValueError,
    ModelAliasNotFoundError,
    ModelVersionNotFoundError,
    RegisteredModelExistsError,
    RegisteredModelNotFoundError,
    RunNotFoundError,
    SearchSyntaxError,
)
from trialbook.registry.names import METADATA_FILE
from trialbook.store import reset_stores
from trialbook.tracking import fluent, reproducibility

Log = Callable[..., trialbook.ModelInfo]
"""``logged_model(model=None, name="model")``: log a model in a new run, return its ModelInfo."""


class RegistryContract:
    """The registry contract; subclass it and provide a ``tracking_uri`` fixture (a fresh store)."""

    @pytest.fixture
    def client(
        self, tracking_uri: str, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[trialbook.TrackingClient]:
        """A client on the store under test, which the fluent API uses too."""
        monkeypatch.setenv("TRIALBOOK_TRACKING_URI", tracking_uri)
        monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")
        yield trialbook.TrackingClient(tracking_uri)
        fluent.reset()
        reset_stores()

    @pytest.fixture
    def logged_model(self, client: trialbook.TrackingClient) -> Log:
        """Log ``model`` (any picklable object) in a new finished run; return its ModelInfo."""

        def log(model: Any = None, name: str = "model") -> trialbook.ModelInfo:
            with trialbook.start_run():
                return trialbook.log_model(
                    model if model is not None else {"weights": [1, 2]}, name
                )

        return log

    def test_registering_numbers_versions_from_one_per_model(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()

        numbers = [trialbook.register_model(info.model_uri, "fraud").version for _ in range(3)]
        other = trialbook.register_model(info.model_uri, "churn")

        assert numbers == [1, 2, 3]
        assert other.version == 1
        assert client.get_registered_model("fraud").latest_version == 3

    def test_a_version_keeps_its_source_run_path_tags_and_description(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model(name="clf")

        created = trialbook.register_model(
            info.model_uri, "fraud", tags={"data": "2026-11", "rows": 12}, description="first"
        )
        found = client.get_model_version("fraud", created.version)

        assert found == created
        assert (found.run_id, found.artifact_path) == (info.run_id, "clf")
        assert found.source == info.model_uri
        assert found.model_uri == "models:/fraud/1"
        assert found.tags == {"data": "2026-11", "rows": "12"}
        assert found.description == "first"
        assert found.creation_timestamp == found.last_updated_timestamp > 0

    def test_version_numbers_are_not_reused_after_a_deletion(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        trialbook.register_model(info.model_uri, "fraud")
        second = trialbook.register_model(info.model_uri, "fraud")
        client.delete_model_version("fraud", second.version)

        assert trialbook.register_model(info.model_uri, "fraud").version == 3

    def test_create_model_version_needs_an_existing_registered_model(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        with pytest.raises(RegisteredModelNotFoundError):
            client.create_model_version("missing", info.model_uri)
        client.create_registered_model("present", tags={"team": "risk"}, description="d")
        assert client.create_model_version("present", info.model_uri).version == 1

    def test_create_model_version_takes_a_path_with_run_id(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model(name="nested/model")
        client.create_registered_model("fraud")

        version = client.create_model_version("fraud", "nested/model", run_id=info.run_id)

        assert (version.run_id, version.artifact_path) == (info.run_id, "nested/model")

    def test_creating_a_registered_model_twice_is_refused(
        self, client: trialbook.TrackingClient
    ) -> None:
        client.create_registered_model("fraud")
        with pytest.raises(RegisteredModelExistsError) as raised:
            client.create_registered_model("fraud")
        assert raised.value.name == "fraud"

    def test_registering_a_path_without_a_logged_model_is_refused(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        with pytest.raises(InvalidUriError, match=METADATA_FILE):
            trialbook.register_model(f"runs:/{info.run_id}/elsewhere", "fraud")
        with pytest.raises(RegisteredModelNotFoundError):
            client.get_registered_model("fraud")

    def test_registering_from_an_unknown_run_is_refused(
        self, client: trialbook.TrackingClient
    ) -> None:
        with pytest.raises(RunNotFoundError):
            trialbook.register_model("runs:/0123456789abcdef0123456789abcdef/model", "fraud")

    def test_registering_from_a_deleted_run_is_refused(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        client.delete_run(info.run_id)
        with pytest.raises(DeletedRunError):
            trialbook.register_model(info.model_uri, "fraud")

    def test_an_alias_moves_between_versions(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        for _ in range(2):
            trialbook.register_model(info.model_uri, "fraud")

        client.set_registered_model_alias("fraud", "champion", 1)
        client.set_registered_model_alias("fraud", "champion", 2)

        assert client.get_model_version_by_alias("fraud", "champion").version == 2
        assert client.get_registered_model("fraud").aliases == {"champion": 2}
        assert client.get_model_version("fraud", 1).aliases == ()
        assert client.get_model_version("fraud", 2).aliases == ("champion",)

    def test_deleting_an_alias_leaves_its_version(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        trialbook.register_model(logged_model().model_uri, "fraud")
        client.set_registered_model_alias("fraud", "champion", 1)

        client.delete_registered_model_alias("fraud", "champion")

        assert client.get_registered_model("fraud").aliases == {}
        assert client.get_model_version("fraud", 1).version == 1
        with pytest.raises(ModelAliasNotFoundError):
            client.delete_registered_model_alias("fraud", "champion")

    def test_deleting_a_version_deletes_its_aliases_only(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        for _ in range(2):
            trialbook.register_model(info.model_uri, "fraud")
        client.set_registered_model_alias("fraud", "champion", 1)
        client.set_registered_model_alias("fraud", "challenger", 2)

        client.delete_model_version("fraud", 1)

        assert client.get_registered_model("fraud").aliases == {"challenger": 2}
        with pytest.raises(ModelAliasNotFoundError):
            client.get_model_version_by_alias("fraud", "champion")

    def test_deleting_a_version_keeps_the_run_artifacts(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model({"weights": [3, 4]})
        trialbook.register_model(info.model_uri, "fraud")

        client.delete_model_version("fraud", 1)

        with pytest.raises(ModelVersionNotFoundError):
            client.get_model_version("fraud", 1)
        assert METADATA_FILE in [
            f.path.rsplit("/", 1)[-1] for f in client.list_artifacts(info.run_id, "model")
        ]
        assert trialbook.load_model(info.model_uri) == {"weights": [3, 4]}

    def test_deleting_a_registered_model_deletes_its_versions_but_not_the_run_artifacts(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model({"weights": [5]})
        trialbook.register_model(info.model_uri, "fraud", tags={"a": "b"})
        client.set_registered_model_alias("fraud", "champion", 1)

        client.delete_registered_model("fraud")

        with pytest.raises(RegisteredModelNotFoundError):
            client.get_registered_model("fraud")
        assert list(client.search_model_versions(f"run_id = '{info.run_id}'")) == []
        assert trialbook.load_model(info.model_uri) == {"weights": [5]}
        assert trialbook.register_model(info.model_uri, "fraud").version == 1

    @pytest.mark.parametrize(
        ("uri", "expected"),
        [
            ("models:/fraud/1", "one"),
            ("models:/fraud@champion", "one"),
            ("models:/fraud/latest", "two"),
        ],
    )
    def test_load_model_resolves_versions_aliases_and_latest(
        self, client: trialbook.TrackingClient, logged_model: Log, uri: str, expected: str
    ) -> None:
        trialbook.register_model(logged_model("one").model_uri, "fraud")
        trialbook.register_model(logged_model("two").model_uri, "fraud")
        client.set_registered_model_alias("fraud", "champion", 1)

        assert trialbook.load_model(uri) == expected

    @pytest.mark.parametrize(
        ("uri", "error"),
        [
            ("models:/missing/1", RegisteredModelNotFoundError),
            ("models:/missing/latest", RegisteredModelNotFoundError),
            ("models:/missing@champion", RegisteredModelNotFoundError),
            ("models:/fraud/9", ModelVersionNotFoundError),
            ("models:/fraud@nobody", ModelAliasNotFoundError),
            ("models:/fraud/Production", InvalidUriError),
        ],
    )
    def test_load_model_names_what_is_missing(
        self, client: trialbook.TrackingClient, logged_model: Log, uri: str, error: type[Exception]
    ) -> None:
        trialbook.register_model(logged_model().model_uri, "fraud")
        with pytest.raises(error):
            trialbook.load_model(uri)

    def test_latest_of_a_model_without_versions_is_not_found(
        self, client: trialbook.TrackingClient
    ) -> None:
        client.create_registered_model("empty")
        with pytest.raises(ModelVersionNotFoundError):
            trialbook.load_model("models:/empty/latest")

    def test_aliases_must_not_read_as_versions(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        trialbook.register_model(logged_model().model_uri, "fraud")
        for alias in ("3", "latest", "v2", "bad alias"):
            with pytest.raises(InvalidValueError):
                client.set_registered_model_alias("fraud", alias, 1)

    def test_an_alias_must_point_at_an_existing_version(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        trialbook.register_model(logged_model().model_uri, "fraud")
        with pytest.raises(ModelVersionNotFoundError):
            client.set_registered_model_alias("fraud", "champion", 2)

    def test_search_registered_models_filters_by_name_and_tags(
        self,
        client: trialbook.TrackingClient,
    ) -> None:
        client.create_registered_model("fraud-eu", tags={"team": "risk"})
        client.create_registered_model("fraud-us", tags={"team": "growth"})
        client.create_registered_model("churn")

        def names(filter_string: str | None) -> list[str]:
            return [m.name for m in client.search_registered_models(filter_string)]

        assert names(None) == ["churn", "fraud-eu", "fraud-us"]
        assert names("name LIKE 'fraud%'") == ["fraud-eu", "fraud-us"]
        assert names("name = 'churn'") == ["churn"]
        assert names("tags.team = 'risk'") == ["fraud-eu"]
        assert names("tags.team IS NULL") == ["churn"]
        assert names("name ILIKE 'FRAUD%' and not tags.team = 'risk'") == ["fraud-us"]

    def test_search_model_versions_filters_by_name_run_and_version(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        first, second = logged_model(), logged_model()
        trialbook.register_model(first.model_uri, "fraud")
        trialbook.register_model(second.model_uri, "fraud", tags={"stage": "candidate"})
        trialbook.register_model(second.model_uri, "churn")

        def found(filter_string: str) -> list[tuple[str, int]]:
            return [(v.name, v.version) for v in client.search_model_versions(filter_string)]

        assert found("name = 'fraud'") == [("fraud", 2), ("fraud", 1)]
        assert found(f"run_id = '{second.run_id}'") == [("churn", 1), ("fraud", 2)]
        assert found("name = 'fraud' and version >= 2") == [("fraud", 2)]
        assert found("tags.stage = 'candidate'") == [("fraud", 2)]

    def test_search_pages_through_models_with_tokens(
        self, client: trialbook.TrackingClient
    ) -> None:
        for index in range(5):
            client.create_registered_model(f"model-{index}")

        first = client.search_registered_models(max_results=3)
        rest = client.search_registered_models(max_results=3, page_token=first.next_page_token)

        assert [m.name for m in first] == ["model-0", "model-1", "model-2"]
        assert [m.name for m in rest] == ["model-3", "model-4"]
        assert rest.next_page_token is None

    def test_search_orders_by_the_given_field(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        info = logged_model()
        for _ in range(3):
            trialbook.register_model(info.model_uri, "fraud")
        found = client.search_model_versions("name = 'fraud'", order_by=["version ASC"])
        assert [v.version for v in found] == [1, 2, 3]

    def test_a_malformed_filter_raises_a_syntax_error(
        self, client: trialbook.TrackingClient
    ) -> None:
        with pytest.raises(SearchSyntaxError):
            client.search_registered_models("flavor = 'sklearn'")
        with pytest.raises(SearchSyntaxError):
            client.search_model_versions("version LIKE '1%'")

    def test_registered_model_tags_are_set_replaced_and_deleted(
        self,
        client: trialbook.TrackingClient,
    ) -> None:
        client.create_registered_model("fraud", tags={"team": "risk"})
        client.set_registered_model_tag("fraud", "team", "growth")
        client.set_registered_model_tag("fraud", "owner", "ana")
        client.delete_registered_model_tag("fraud", "owner")
        client.delete_registered_model_tag("fraud", "never-set")

        assert client.get_registered_model("fraud").tags == {"team": "growth"}

    def test_model_version_tags_are_set_replaced_and_deleted(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        trialbook.register_model(logged_model().model_uri, "fraud", tags={"a": "1"})
        client.set_model_version_tag("fraud", 1, "a", 2)
        client.set_model_version_tag("fraud", "1", "b", "x")
        client.delete_model_version_tag("fraud", 1, "b")

        assert client.get_model_version("fraud", 1).tags == {"a": "2"}

    def test_descriptions_are_updated(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        trialbook.register_model(logged_model().model_uri, "fraud")

        model = client.update_registered_model("fraud", "card fraud")
        version = client.update_model_version("fraud", 1, "first try")

        assert client.get_registered_model("fraud").description == model.description == "card fraud"
        assert (
            client.get_model_version("fraud", 1).description == version.description == "first try"
        )

    def test_renaming_a_model_keeps_its_versions_and_aliases(
        self, client: trialbook.TrackingClient, logged_model: Log
    ) -> None:
        trialbook.register_model(logged_model("weights").model_uri, "fraud")
        client.set_registered_model_alias("fraud", "champion", 1)
        client.create_registered_model("taken")

        renamed = client.rename_registered_model("fraud", "fraud-v2")

        assert renamed.aliases == {"champion": 1}
        assert trialbook.load_model("models:/fraud-v2@champion") == "weights"
        with pytest.raises(RegisteredModelNotFoundError):
            client.get_registered_model("fraud")
        with pytest.raises(RegisteredModelExistsError):
            client.rename_registered_model("fraud-v2", "taken")

    @pytest.mark.parametrize("name", ["", " padded", "a/b", "a@b", "x" * 257])
    def test_invalid_model_names_are_refused(
        self, client: trialbook.TrackingClient, name: str
    ) -> None:
        with pytest.raises(InvalidValueError):
            client.create_registered_model(name)
