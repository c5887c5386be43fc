"""Registered models and their versions, with MLflow's field names.

::

    version = client.get_model_version("fraud", 3)
    version.run_id, version.source          # "runs:/<run_id>/model"
    client.get_registered_model("fraud").aliases   # {"champion": 3}

Times are integer milliseconds since the epoch. Version numbers are integers counted per
model from 1 and never reused, even after a version is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ModelVersion:
    """One version of a registered model: a logged model in a run's artifacts."""

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    run_id: str
    artifact_path: str
    """Where the model lies in the run's artifacts (``model``)."""
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    """The aliases pointing at this version, sorted."""
    model_digest: str | None = None
    """sha256 of the model's metadata file when the version was created; ``load_model``
    refuses a model whose files no longer match it. None for versions registered before
    trialbook pinned digests."""

    @property
    def source(self) -> str:
        """The logged model this version was registered from: ``runs:/<run_id>/<path>``."""
        return f"runs:/{self.run_id}/{self.artifact_path}"

    @property
    def model_uri(self) -> str:
        """The URI that loads this version: ``models:/<name>/<version>``."""
        return f"models:/{self.name}/{self.version}"


@dataclass(frozen=True)
class RegisteredModel:
    """A named model with numbered versions, tags and aliases."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, int] = field(default_factory=dict)
    """Alias to the version number it points at."""
    latest_version: int | None = None
    """The highest existing version number, or None when the model has no versions."""


class PagedList(list[T], Generic[T]):
    """A page of search results: a list, plus the token of the next page (None on the last)."""

    def __init__(self, items: Iterable[T] = (), next_page_token: str | None = None) -> None:
        super().__init__(items)
        self.next_page_token = next_page_token

    @property
    def token(self) -> str | None:
        """MLflow's name for :attr:`next_page_token`."""
        return self.next_page_token


def every_page(search: Callable[[str | None], PagedList[T]]) -> Iterator[T]:
    """Every item of a paged search, following its tokens: ``search(token)`` gets one page.

    ::

        for version in every_page(lambda token: client.search_model_versions(
                "name = 'fraud'", page_token=token)):
            ...
    """
    token: str | None = None
    while True:
        page = search(token)
        yield from page
        token = page.next_page_token
        if token is None:
            return


def quoted(text: str) -> str:
    """``text`` as a string literal of the search language (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"
