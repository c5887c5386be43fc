"""Model names, aliases and ``models:/`` URIs."""

from __future__ import annotations

import pytest

from trialbook.errors import InvalidUriError, InvalidValueError
from trialbook.registry.names import (
    ModelReference,
    check_alias,
    check_name,
    check_version,
    parse_models_uri,
)


@pytest.mark.parametrize(
    ("uri", "reference"),
    [
        ("models:/fraud/3", ModelReference("fraud", version=3)),
        ("models:/fraud@champion", ModelReference("fraud", alias="champion")),
        ("models:/fraud/latest", ModelReference("fraud", latest=True)),
        ("models:/fraud/LATEST", ModelReference("fraud", latest=True)),
        ("models:/card fraud/12", ModelReference("card fraud", version=12)),
    ],
)
def test_models_uris_parse_to_what_they_name(uri: str, reference: ModelReference) -> None:
    assert parse_models_uri(uri) == reference


@pytest.mark.parametrize(
    "uri",
    ["models:/", "models:/fraud", "models:/fraud/", "models:/fraud/1/2", "models:/@x", "runs:/a/b"],
)
def test_malformed_models_uris_are_refused(uri: str) -> None:
    with pytest.raises(InvalidUriError):
        parse_models_uri(uri)


def test_stage_names_are_refused_with_a_hint_about_aliases() -> None:
    with pytest.raises(InvalidUriError, match="stages are not supported"):
        parse_models_uri("models:/fraud/Production")


@pytest.mark.parametrize("alias", ["champion", "_staging", "canary-2", "C"])
def test_valid_aliases_are_accepted(alias: str) -> None:
    assert check_alias(alias) == alias


@pytest.mark.parametrize("alias", ["", "3", "latest", "Latest", "v3", "V12", "a b", "-x", "a/b"])
def test_aliases_that_read_as_versions_or_break_uris_are_refused(alias: str) -> None:
    with pytest.raises(InvalidValueError):
        check_alias(alias)


@pytest.mark.parametrize(("given", "number"), [(1, 1), ("7", 7), (" 12 ", 12)])
def test_versions_are_positive_integers(given: object, number: int) -> None:
    assert check_version(given) == number


@pytest.mark.parametrize("given", [0, -1, "x", 1.5, True, 2**31])
def test_other_versions_are_refused(given: object) -> None:
    with pytest.raises(InvalidValueError):
        check_version(given)


@pytest.mark.parametrize("name", ["fraud", "card fraud", "50% off", "...", "a.b"])
def test_valid_names_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", " padded", "a/b", "a@b", "tab\there"])
def test_names_that_break_uris_or_urls_are_refused(name: str) -> None:
    with pytest.raises(InvalidValueError):
        check_name(name)
