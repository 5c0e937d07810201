"""``summary``: a short extractive summary, two or three sentences of the article itself.

Deterministic and model-free (a TextRank-lite):

1. the text is cut into sentences (:func:`extractors.text.split_sentences`); only the first
   ``MAX_TEXT_CHARS`` of the text are read;
2. each sentence gets ``0.45 × position + 0.55 × centrality``: position is ``1 / (1 + 0.25 ×
   index)`` (news puts the point first); centrality is the sentence's summed word overlap
   (cosine of content-word sets: stop words dropped for en/fr/de, words cut to 6
   characters as a crude stem) with every other sentence, scaled so the best is 1
   (computed word by word, linear in the text's length: :func:`_centrality`);
3. sentences that cannot stand alone are skipped: under 6 or over 60 words, not ending in
   ``.``/``!``/``…`` (bylines, headings, list lead-ins ending in ``:``, questions), mostly
   the title's words (≥ 0.6 of the sentence's content words: no title repetition), or a
   near-duplicate of a sentence already picked (≥ 0.6 of the smaller one's content words
   shared: a standfirst and the lede that restates it);
4. the best are taken (3 when the article has at least 8 sentences, else 2; only while the
   summary stays under ``MAX_CHARS``) and given back in text order, joined by a space.

An article of one or two usable sentences is its own summary; one with no text gets ``None``.
"""

from __future__ import annotations

import math
import re
from functools import cache

from extractors.base import Fields, bounded_text, bounded_title
from extractors.registry import register_per_article
from extractors.text import split_sentences
from newsflow.langtags import normalize_language
from newsflow.models import Article

VERSION = "1"


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())

MAX_CHARS = 600
MIN_WORDS = 6
MAX_WORDS = 60

_END = re.compile(r"[.!。！…][\"'”’»)\]]*$")
"""A usable sentence ends like one: not a byline, a heading, a list lead-in (":") or a question."""
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_STOP = {
    "en": """a an the and or but if then than that this these those there here of to in on at by for
        from with without into onto over under as is are was were be been being has have had do
        does did will would shall should can could may might must not no nor so such it its it's
        he she they them his her their we our you your i me my who whom whose which what when
        where why how all any each both few more most other some own same very just also only even
        said says say told according about after before while during since until against among
        between through up down out off again further once one two new""",
    "fr": """le la les l un une des du de d et ou mais donc or ni car que qu qui quoi dont où ce
        cet cette ces se s sa son ses leur leurs il elle ils elles on nous vous je tu me te lui y
        en à au aux dans par pour sur sous avec sans entre vers chez est sont été être a ont avait
        avaient était étaient fait faire plus moins très aussi comme ne pas n selon a déclaré dit""",
    "de": """der die das den dem des ein eine einer eines einem einen und oder aber denn doch
        dass daß wer was wo wie wann warum welche welcher welches dieser diese dieses es er sie
        wir ihr ich man sich sein seine ihre ihr im in an auf aus bei mit nach von vor zu zum zur
        über unter für durch gegen ohne um ist sind war waren wird werden wurde wurden hat haben
        hatte hatten nicht kein keine auch noch nur schon sehr mehr als so""",
}


@cache
def _stop_words(lang: str) -> frozenset[str]:
    return frozenset(_STOP.get(lang, "").split())


def content_words(sentence: str, lang: str) -> frozenset[str]:
    stop = _stop_words(lang)
    return frozenset([w[:6] for w in map(str.lower, _WORD.findall(sentence)) if w not in stop and not w.isdigit()])


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _centrality(sets: list[frozenset[str]]) -> list[float]:
    """For each set, the sum of its :func:`_overlap` with every other set, in linear time.

    ``Σ_j |a ∩ b_j| / √(|a|·|b_j|)`` regroups by shared word: ``(1/√|a|) · Σ_{w ∈ a} (W[w] − 1/√|a|)``
    where ``W[w]`` sums ``1/√|b|`` over every set holding ``w`` (itself included, hence the
    subtraction). One pass to build ``W``, one to read it: O(total words), where comparing
    every pair was O(sentences²) (a page of 8,000 short sentences took a minute).
    """
    weight: dict[str, float] = {}
    norms = [1 / math.sqrt(len(s)) if s else 0.0 for s in sets]
    for words, norm in zip(sets, norms, strict=True):
        for word in words:
            weight[word] = weight.get(word, 0.0) + norm
    return [norm * sum(weight[w] - norm for w in words) for words, norm in zip(sets, norms, strict=True)]


def _repeats(sentence: frozenset[str], title: frozenset[str]) -> bool:
    """Whether a sentence is mostly the title's words (a headline or a rephrased one)."""
    return bool(sentence) and len(sentence & title) / len(sentence) >= 0.6


def _containment(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def summarize(title: str, text: str, language: str | None = "en") -> str | None:
    """Two or three sentences of ``text`` that summarise it (see the module docstring)."""
    lang = normalize_language(language) or "en"
    sentences = [s for _, s in split_sentences(text)]
    if not sentences:
        return None
    words = [content_words(s, lang) for s in sentences]
    title_words = content_words(title, lang)
    usable = [
        i
        for i, s in enumerate(sentences)
        if MIN_WORDS <= len(s.split()) <= MAX_WORDS
        and _END.search(s)
        and not _repeats(words[i], title_words)
    ]
    if len(usable) <= 2:
        chosen = usable or [0]
        return " ".join(sentences[i] for i in chosen)
    centrality = _centrality([words[i] for i in usable])
    top = max(centrality) or 1.0
    scores = {
        i: 0.45 / (1 + 0.25 * i) + 0.55 * (c / top) for i, c in zip(usable, centrality, strict=True)
    }
    wanted = 3 if len(sentences) >= 8 else 2
    picked: list[int] = []
    length = 0
    for i in sorted(usable, key=lambda i: (-scores[i], i)):
        if len(picked) == wanted:
            break
        if any(_containment(words[i], words[j]) >= 0.6 for j in picked):
            continue
        if picked and length + len(sentences[i]) + 1 > MAX_CHARS:
            continue
        picked.append(i)
        length += len(sentences[i]) + 1
    return " ".join(sentences[i] for i in sorted(picked))


def extract_summary(article: Article) -> Fields:
    text = bounded_text(article)
    if not text.strip():
        return {"summary": None}
    return {"summary": summarize(bounded_title(article), text, article.language)}


SUMMARY = register_per_article(
    extract_summary, name="summary", version=VERSION, fields=("summary",), requires=("language",),
    description="Extractive summary: 2–3 sentences by position and word overlap.")
