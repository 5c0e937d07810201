"""``quotes``: direct quotations and who said them.

Finding quotations (:func:`find_quotes`, :mod:`extractors.quote_spans`): straight,
typographic, guillemet and CJK quote marks per paragraph; a quotation open at the end of its
paragraph continues when the next paragraph opens with a quote mark.

Attributing (:func:`attribute`) uses the sentence around the quotation
(:mod:`extractors.quote_context`), with entity mentions from :mod:`extractors.entities` (the
shared parse) as speaker candidates and the quoted words masked out (a name inside a
quotation never speaks it):

1. after the quotation, its speech tag (:func:`extractors.speech_tags.tag_after`); after a
   quotation that ends its sentence with its own full stop (``"…force." The Kremlin said …``)
   only a short tail (≤ :data:`SHORT_TAIL` tokens) counts;
2. else before it (:func:`extractors.speech_tags.tag_before`);
3. else the speaker of the previous quotation in the same paragraph.

Speech verbs, auxiliaries, "according to" phrases, pronouns, titles and org nouns are data
per language (:mod:`extractors.speech_lexicon`, ``extractors/data/speech.yaml``: en, de, fr,
es, it, pt, ru, uk; English plus the article's language are used). A title before a name
("Mr.", "Frau", "M.", "Sra.", "г-н") is skipped. A pronoun subject is the last person named
before it outside quotations whose gender is that pronoun's or unknown
(:mod:`extractors.quote_coreference`); no such person: no speaker. "They" is any person,
"it" and "the company" the last organisation. A place is a speaker only as the subject
itself ("Moscow said"). A subject that is neither a name nor a pronoun ("the two delegations
said") leaves the speaker null. Speakers are canonical names; ``speaker_type`` is ``person``
(PERSON), ``organization`` (ORG, or a place speaking for its government: "Moscow said") or
``unknown``.

Scare quotes: a quotation of one or two words is kept only when a speaker is found or a
speech tag follows it (``"constructive"`` from Witkoff is kept, and ``"Absolutely not," she
said`` even when "she" names no one; a lone ``"experts"`` is not).

Fields: ``quotes`` ([{text, speaker, speaker_type}] in text order) and
``quote_speakers`` (canonical speaker names, in order of first quotation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from extractors import entities, nlp
from extractors.base import Extractor, Fields
from extractors.quote_context import Context, sentence_breaks, tokenise
from extractors.quote_spans import QuoteSpan, find_quotes, paragraphs
from extractors.registry import register
from extractors.speech_lexicon import Frames, frames
from extractors.speech_tags import NO_TAG, SPEAKER_LABELS, tag_after, tag_before
from newsflow.models import Article

__all__ = ["QUOTES", "Frames", "Quote", "QuoteSpan", "attribute", "extract_quotes", "find_quotes",
           "frames", "quotes_of", "summarise"]

VERSION = "2"
SHORT_WORDS = 2
"""Quotations of at most this many words are scare quotes unless attributed."""
SHORT_TAIL = 6
"""After a quotation that ends its own sentence, a speech tag is read from at most this many
tokens."""


@dataclass(frozen=True, slots=True)
class Quote:
    """An attributed quotation: its text, the speaker's canonical name and type, its span."""

    text: str
    speaker: str | None
    speaker_type: str
    span: QuoteSpan

    def as_dict(self) -> dict[str, str | None]:
        return {"text": self.text, "speaker": self.speaker, "speaker_type": self.speaker_type}


def attribute(text: str, spans: Sequence[QuoteSpan], mentions: Sequence[entities.Mention],
              language: str | None = "en") -> list[Quote]:
    """Speakers of the quotations ``spans`` of ``text``, with the speech frames of
    ``language`` (see :func:`frames`)."""
    ctx = Context(text, mentions, spans, frames(language))
    pars = paragraphs(text)
    out: list[Quote] = []
    previous: tuple[int, entities.Mention | None] | None = None  # (paragraph, speaker)
    for span in spans:
        first_par = next(i for i, (s, e) in enumerate(pars) if s <= span.open_at <= e)
        last_par = next(i for i, (s, e) in enumerate(pars) if s <= span.close_at <= e)
        fs, fe = pars[first_par]
        ls, le = pars[last_par]
        before = [b for b in sentence_breaks(text, fs, fe, spans) if b[1] <= span.open_at]
        after = [b for b in sentence_breaks(text, ls, le, spans) if b[0] >= span.close_at]
        left_start = before[-1][1] if before else fs
        right_end = after[0][0] if after else le
        right_tokens = tokenise(ctx, span.close_at, right_end)
        result = NO_TAG
        ends_sentence = text[span.start:span.end].rstrip()[-1:] in ".!?。"
        if not ends_sentence or len(right_tokens) <= SHORT_TAIL:
            result = tag_after(right_tokens, ctx)
        tagged = result.found  # '"Absolutely not," she said': an utterance, not scare quotes
        if not result.found:
            result = tag_before(tokenise(ctx, left_start, span.open_at), ctx)
        speaker = result.mention
        if not result.found and previous is not None and previous[0] == first_par:
            speaker = previous[1]
        words = span.text(text).split()
        if len(words) <= SHORT_WORDS and speaker is None and not tagged and not _cjk(span.text(text)):
            continue
        previous = (last_par, speaker)
        kind = SPEAKER_LABELS.get(speaker.label, "unknown") if speaker is not None else "unknown"
        out.append(Quote(span.text(text), speaker.name if speaker is not None else None,
                         kind, span))
    return out


def _cjk(text: str) -> bool:
    """Whether ``text`` is written without spaces between words (Chinese, Japanese)."""
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def quotes_of(analysis: nlp.Analysis, language: str | None = "en") -> list[Quote]:
    """The attributed quotations of a parsed article in ``language``."""
    return attribute(analysis.text, find_quotes(analysis.text), entities.mentions(analysis),
                     language)


def summarise(found: Sequence[Quote]) -> Fields:
    """The extractor's fields from attributed quotations (see the module docstring)."""
    speakers = list(dict.fromkeys(q.speaker for q in found if q.speaker))
    return {"quotes": [q.as_dict() for q in found], "quote_speakers": speakers}


def extract_quotes(articles: Sequence[Article]) -> list[Fields]:
    """Quotations and their speakers of each article. An article with text that
    :mod:`extractors.nlp` gives no analysis for (a language it does not parse) is read with
    its model-free rule matcher (:func:`extractors.nlp.rule_analysis`), never an English
    model; an article without text gets empty fields."""
    out: list[Fields] = []
    for article, analysis in zip(articles, nlp.analyses_for(articles), strict=True):
        text = (article.text or "")[:nlp.MAX_CHARS]
        if analysis is None and text.strip():
            analysis = nlp.rule_analysis(text)
        if analysis is None:
            out.append({"quotes": [], "quote_speakers": []})
        else:
            out.append(summarise(quotes_of(analysis, article.language)))
    return out


QUOTES = register(
    Extractor(
        name="quotes",
        version=VERSION,
        fields=("quotes", "quote_speakers"),
        run=extract_quotes,
        description="Direct quotations with their speakers (canonical names).",
        requires=("language",),
    )
)
