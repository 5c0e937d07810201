"""The first extractors (language, reading, keywords) and the registry that runs them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import extractors.keywords as keywords
import extractors.language as language_module
from extractors import Extractor, available, per_article, register, resolve, run_extractors
from extractors import registry as registry_module
from extractors.keywords import YAKE_LANGUAGES, key_phrases, yake_language
from extractors.language import detect_language, normalize_language
from extractors.reading import count_words, measure, reading_time
from newsflow.models import Article

DEMO_PAGES = Path(__file__).resolve().parents[1] / "seeds" / "demo" / "site"
EN_TITLE = "Flooding closes schools across the region"
EN_TEXT = (
    "Heavy rain overnight flooded roads and forced dozens of schools to close on Tuesday, "
    "local officials said. Emergency crews rescued several drivers trapped in their cars, "
    "and the regional water authority warned that river levels would keep rising until Thursday."
)
FR_TITLE = "Les inondations ferment des écoles dans toute la région"
FR_TEXT = (
    "De fortes pluies ont inondé les routes pendant la nuit et contraint des dizaines d'écoles "
    "à fermer mardi, ont indiqué les autorités locales. Les secours ont sauvé plusieurs "
    "automobilistes bloqués dans leur voiture."
)
DE_TITLE = "Hochwasser schließt Schulen in der ganzen Region"
DE_TEXT = (
    "Starker Regen hat in der Nacht Straßen überflutet und Dutzende Schulen gezwungen, am "
    "Dienstag zu schließen, teilten die Behörden mit. Rettungskräfte befreiten mehrere "
    "Autofahrer, die in ihren Autos eingeschlossen waren."
)
NEWS_TITLE = "Port Ellis harbour reopens after storm"
NEWS_TEXT = (
    "The harbour of Port Ellis reopened on Monday after three days of closure, the port "
    "authority said, as crews cleared debris left by the storm that flooded the waterfront. "
    "Fishing boats returned to the quay by mid-morning and the ferry to the islands resumed "
    "its schedule. The port authority said one pier would stay closed while inspectors check "
    "its pilings, and that repairs to the Port Ellis harbour wall would take several weeks."
)


def article(
    title: str = "", text: str = "", language: str | None = None, **changes: Any
) -> Article:
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex[:20],
        "url": "https://news.example/a",
        "feed_url": "https://news.example/rss",
        "source": "Example News",
        "domain": "news.example",
        "title": title,
        "text": text,
        "fetched_at": "2025-12-01T08:00:00Z",
        "language": language,
    }
    values.update(changes)
    return Article(**values)


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [(EN_TITLE, EN_TEXT, "en"), (FR_TITLE, FR_TEXT, "fr"), (DE_TITLE, DE_TEXT, "de")],
    ids=["en", "fr", "de"],
)
def test_language_detected_without_page_language(title: str, text: str, expected: str) -> None:
    result = detect_language(article(title, text))
    assert result["language"] == expected
    assert 0.9 <= result["language_confidence"] <= 1.0


def test_page_language_kept_when_detection_agrees() -> None:
    result = detect_language(article(FR_TITLE, FR_TEXT, language="fr-FR"))
    assert result == {"language": "fr", "language_confidence": pytest.approx(1.0, abs=0.05)}


def test_confident_detection_overrides_wrong_page_language() -> None:
    # an English site template around a German article
    result = detect_language(article(DE_TITLE, DE_TEXT, language="en"))
    assert result["language"] == "de"
    assert result["language_confidence"] >= language_module.OVERRIDE_CONFIDENCE


def test_unsure_detection_keeps_page_language(monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = [("es", 0.6), ("gl", 0.25), ("pt", 0.1)]
    monkeypatch.setattr(language_module, "rank_languages", lambda text: ranked)
    result = detect_language(
        article("Título", "Un texto bastante largo para ser clasificado.", language="pt")
    )
    assert result == {"language": "pt", "language_confidence": 0.1}
    # and with no page language the best guess is taken
    result = detect_language(article("Título", "Un texto bastante largo para ser clasificado."))
    assert result == {"language": "es", "language_confidence": 0.6}


@pytest.mark.parametrize("declared", ["de", None])
def test_short_text_keeps_page_language(declared: str | None) -> None:
    result = detect_language(article("Live", "Updates 12:03", language=declared))
    assert result == {"language": declared, "language_confidence": 0.0}


def test_normalize_language() -> None:
    assert normalize_language("en-US") == "en"
    assert normalize_language("pt_BR") == "pt"
    assert normalize_language(" DEU ") == "de"
    assert normalize_language("und") is None
    assert normalize_language("english") is None
    assert normalize_language("") is None


# --------------------------------------------------------------------------- reading


def test_word_count_and_reading_time() -> None:
    assert count_words("Don't panic: the well-known 3.5% rate — über naïve.") == 8
    assert count_words("東京で地震 hit Tokyo") == 7  # one word per CJK character
    assert count_words("   \n ") == 0
    text = " ".join(["word"] * 460)
    assert measure(article("Title", text)) == {"word_count": 460, "reading_time_min": 2.0}
    assert measure(article("Title", "")) == {"word_count": 0, "reading_time_min": 0.0}
    assert reading_time(3) == 0.1  # never 0 for non-empty text
    assert reading_time(1000) == 4.3


# --------------------------------------------------------------------------- keywords


def test_keywords_of_a_news_text() -> None:
    result = run_one("keywords", article(NEWS_TITLE, NEWS_TEXT, language="en"))
    keywords = result["keywords"]
    assert "Port Ellis" in keywords
    assert 0 < len(keywords) <= 10
    lowered = [k.casefold() for k in keywords]
    assert len(set(lowered)) == len(lowered)  # case-insensitive duplicates removed


def test_keywords_language_aware_and_empty() -> None:
    assert "Hochwasser" in " ".join(key_phrases(f"{DE_TITLE}.\n{DE_TEXT}", "de"))
    assert not any(
        k.lower().startswith(("der ", "die ")) for k in key_phrases(f"{DE_TITLE}.\n{DE_TEXT}", "de")
    )
    assert key_phrases("", "en") == []
    assert run_one("keywords", article(NEWS_TITLE, "", language="en")) == {"keywords": []}
    assert yake_language("pt-BR") == "pt"
    assert yake_language("xx") == "en"
    assert yake_language(None) == "en"
    assert yake_language("cs-CZ") == "cz" and yake_language("nb") == "no"


@pytest.mark.parametrize("page, language", [
    ("meridian-post/culture/2025/12/13/opera-house-kyiv-tour-europe.html", "en"),
    ("northern-ledger/sport/20251214-rugby-northumbria-derby.html", "en"),
    ("continental-dispatch/espana/valencia-reconstruccion-dana-a202512131530.html", "es"),
])
def test_keywords_are_the_same_on_every_call(page: str, language: str) -> None:
    """YAKE (yake-rust) walks its candidates in hash order, which differs between processes:
    equal scores come back in any order and differ in their last bits. The result must not
    (a re-run would otherwise change unchanged documents). These demo articles have such ties."""
    root = lxml.html.fromstring((DEMO_PAGES / page).read_text(encoding="utf-8"))
    text = root.findtext(".//h1") + ".\n" + " ".join(root.xpath("//article//p//text()"))
    results = set()
    for _ in range(60):
        keywords._extractors.clear()  # a new YAKE each time, as in another process
        results.add(tuple(key_phrases(text, language)))
    assert len(results) == 1, results


def test_every_declared_yake_language_has_its_stop_words() -> None:
    """The declared list matches what the installed yake-rust ships (an unknown name would
    make its constructor panic instead of raising)."""
    import yake_rust

    english = yake_rust.Yake(language="en").stopwords
    for lan in sorted(YAKE_LANGUAGES):
        words = yake_rust.Yake(language=lan).stopwords
        assert len(words) > 20 and (lan == "en" or words != english), lan


def run_one(name: str, art: Article) -> dict[str, Any]:
    (extractor,) = [e for e in resolve([name]) if e.name == name]
    return extractor.run([art])[0]


# --------------------------------------------------------------------------- registry


def test_resolve_order() -> None:
    names = [e.name for e in resolve()]
    assert names.index("language") < names.index("reading") < names.index("keywords")
    # keywords reads the language, so asking for it alone brings language first
    assert [e.name for e in resolve(["keywords"])] == ["language", "keywords"]
    assert [e.name for e in resolve(["reading"])] == ["reading"]
    for extractor in available().values():
        assert extractor.version and extractor.fields and extractor.description


def test_unknown_extractor_lists_known_ones() -> None:
    with pytest.raises(KeyError) as info:
        resolve(["language", "sentiment"])
    message = str(info.value)
    assert "unknown extractor 'sentiment'" in message
    for known in ("language", "reading", "keywords"):
        assert known in message


@pytest.fixture
def failing() -> Iterator[Extractor]:
    """An extractor that always raises, registered for one test only."""

    def boom(art: Article) -> dict[str, Any]:
        raise ValueError(f"cannot handle {art.id}")

    extractor = register(
        Extractor(
            name=f"test-failing-{uuid.uuid4().hex[:8]}",
            version="0",
            fields=("never",),
            run=per_article(boom),
            description="always fails (test only)",
        )
    )
    try:
        yield extractor
    finally:
        registry_module._REGISTRY.pop(extractor.name, None)


def test_run_extractors_records_provenance_and_failures(failing: Extractor) -> None:
    chain = resolve(["language", failing.name, "reading", "keywords"])
    assert [e.name for e in chain] == ["language", failing.name, "reading", "keywords"]
    articles = [
        article(NEWS_TITLE, NEWS_TEXT, language="en"),
        article(DE_TITLE, DE_TEXT, language="en"),
    ]
    articles[0].field_sources["language"] = "page"
    errors = run_extractors(articles, chain)

    assert [(a.id, name) for a, name, _ in errors] == [(a.id, failing.name) for a in articles]
    assert all("ValueError: cannot handle" in message for _, _, message in errors)
    for art in articles:
        runs = {run.name: run for run in art.extractors}
        assert list(runs) == ["language", failing.name, "reading", "keywords"]
        assert runs[failing.name].error is not None and runs[failing.name].fields == ()
        assert runs["reading"].error is None
        assert runs["reading"].fields == ("reading_time_min", "word_count")
        assert runs["language"].as_dict() == {
            "name": "language",
            "version": "3",
            "fields": ["language", "language_confidence"],
        }
        # the other extractors' fields are kept
        assert art.enrichments["word_count"] >= 30
        assert art.enrichments["keywords"]
        assert "never" not in art.enrichments
        doc = art.to_document()
        assert doc["extractors"][1]["error"].startswith("ValueError")
        assert doc["word_count"] == art.enrichments["word_count"]

    # a confirmed page language keeps its source; a corrected one names the extractor
    assert articles[0].language == "en" and articles[0].field_sources["language"] == "page"
    assert articles[1].language == "de"
    assert articles[1].field_sources["language"] == "extractor:language"

    # re-running replaces the provenance instead of appending to it
    run_extractors(articles[:1], resolve(["reading"]))
    assert [run.name for run in articles[0].extractors].count("reading") == 1


def test_undeclared_fields_are_refused() -> None:
    def sloppy(batch: Sequence[Article]) -> list[dict[str, Any]]:
        return [{"declared": 1, "surprise": 2} for _ in batch]

    extractor = Extractor(name="test-sloppy", version="1", fields=("declared",), run=sloppy)
    art = article(NEWS_TITLE, NEWS_TEXT)
    errors = run_extractors([art], [extractor])
    assert errors and "undeclared fields ['surprise']" in errors[0][2]
    assert "declared" not in art.enrichments
    assert art.extractors[-1].error is not None
