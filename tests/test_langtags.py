"""The one language-tag splitter the extractors and date parsing share."""

import pytest

from newsflow.langtags import language_parts, primary_subtag


@pytest.mark.parametrize(("tag", "primary"), [
    ("de-AT", "de"), ("PT_br", "pt"), (" en ", "en"), ("fr", "fr"), ("zh-Hant-TW", "zh"),
    ("", ""), (None, ""), ("-x", ""),
])
def test_primary_subtag(tag: str | None, primary: str) -> None:
    assert primary_subtag(tag) == primary


@pytest.mark.parametrize(("tag", "parts"), [
    ("de-AT", ("de", "AT")), ("es_mx", ("es", "MX")), ("zh-Hant-tw", ("zh", "TW")),
    ("sr-Latn", ("sr", None)), ("EN", ("en", None)), (None, (None, None)), ("  ", (None, None)),
    ("-GB", (None, "GB")),
])
def test_language_parts(tag: str | None, parts: tuple[str | None, str | None]) -> None:
    assert language_parts(tag) == parts
