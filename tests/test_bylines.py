"""Unit tests of :func:`newsflow.bylines.author_names`."""

from __future__ import annotations

import pytest

from newsflow.bylines import author_names


@pytest.mark.parametrize(("value", "names"), [
    ("Senior Reporter", []),
    ("Jane Roe; Senior Reporter", ["Jane Roe"]),
    ("By Jane Roe, Senior Reporter", ["Jane Roe"]),
    ("Jane Roe Transport Correspondent Email the author", ["Jane Roe"]),
    ("Mary Ann Smith, Political Correspondent", ["Mary Ann Smith"]),
    ("Jane Roe | Follow on Twitter", ["Jane Roe"]),
    ("Jane Roe and Sam Poe", ["Jane Roe", "Sam Poe"]),
    ("Jane Roe & Sam Poe & Jane Roe", ["Jane Roe", "Sam Poe"]),
    ("jane@example.com (Jane Roe)", ["Jane Roe"]),
    ("Von Max Muster, Redakteur", ["Max Muster"]),
    ("Anna Beispiel und Paul Probe", ["Anna Beispiel", "Paul Probe"]),
    ("Redaktion", []),
    ("Par Jeanne Exemple, envoyée spéciale à Lyon", ["Jeanne Exemple"]),
    ("Por Ana Ejemplo, corresponsal", ["Ana Ejemplo"]),
    ("Ortega y Gasset", ["Ortega y Gasset"]),
    ("Staff", []),
    ("admin", []),
    ("Posted by admin", []),
    ("Webmaster", []),
    ("", []),
    (None, []),
])
def test_author_names(value: str | None, names: list[str]) -> None:
    assert author_names(value) == names


def test_a_long_sentence_is_not_a_name() -> None:
    assert author_names("This article was put together from several wire reports over the weekend") == []
