"""The article body: trafilatura's extraction strategies weighed on evidence, not on length.

trafilatura can read a page several ways: its fast pass, and the full pass with its fallback
extractors (readability, jusText). Each goes wrong on some real pages: the fast pass returns
a cookie banner when the story sits in an ``<aside>``, the full pass returns 6 KB of a
mega-menu over a 400-character story. Length alone cannot tell these
apart, so each candidate text is read for evidence (:class:`Evidence`): how much of it is
prose, how much repeats one pattern (menus), is the text of a link on the page (navigation)
or is a consent or sign-up prompt, and how many words of the headline and the feed's summary
it contains. The fast pass is kept when its evidence is sound (the common case, one
extraction per page); otherwise the other readings run and the full pass is replaced only by
clearly better evidence (:func:`choose`).
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from extractors.regex_guard import guarded

FALLBACK_BELOW_CHARS = 500
"""A fast extraction shorter than this is compared with the other strategies."""
_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…:;\"'”»“«)\]。！？]$")
_ASIDE = re.compile(r"<(/?)aside\b", re.IGNORECASE)
_BOILERPLATE = guarded(
    r"cookie|consent|javascript|\bnewsletter|sign[- ]?up\b|\bsubscribe\b|abonnier|abonnez|"
    r"suscr[ií]b|iscriviti|datenschutz|confidentialit|privacidad|all rights reserved|"
    r"alle rechte vorbehalten|tous droits réservés|todos los derechos",
    re.IGNORECASE,
)
"""Consent banners, sign-up prompts and copyright lines, in the languages of our feed list
(searched in every line of every candidate body: behind a guard of their first letters,
which makes the search three times faster, same matches)."""
CLEARLY_BETTER = 1.5
"""Another reading replaces trafilatura's full pass only when its score is this much higher."""
_MIN_PROSE_WORDS = 6
_LONG_LINE_WORDS = 15
_TEMPLATE_MAX_WORDS = 12
_TEMPLATE_MIN_REPEATS = 3


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one candidate text looks like (all counts in characters of non-empty lines)."""

    chars: int
    """The whole text."""
    prose: int
    """Lines that read as article prose: long, sentence-like, not counted below."""
    boilerplate: int
    """Consent banners, sign-up prompts and copyright lines (:data:`_BOILERPLATE`)."""
    links: int
    """Lines that are the text of a link on the page (navigation, related stories)."""
    templated: int
    """Short lines repeating one pattern with one word changed (menus, teasers)."""
    relevance: float | None
    """Share of the headline's and the feed summary's words found in the text (None: no hint)."""

    @property
    def score(self) -> float:
        """Prose weighted by how much of the text it is and by the relevance (higher is better)."""
        if not self.chars:
            return 0.0
        weight = 1.0 if self.relevance is None else 0.25 + self.relevance
        return self.prose * (self.prose / self.chars) * weight

    @property
    def sound(self) -> bool:
        """Not clearly wrong: some prose, little navigation or boilerplate.

        Lenient on purpose: lists, tables and compound-word languages lower the prose share
        of good readings, headlines often use words the body does not (so relevance only
        weighs in :attr:`score`), and only a clearly wrong reading is worth the other
        strategies' time.
        """
        if not self.chars:
            return False
        noise = (self.boilerplate + self.links + self.templated) / self.chars
        return self.prose / self.chars >= 0.25 and noise < 0.3


def anchor_texts(page_html: str) -> frozenset[str]:
    """The normalised texts of the page's links (lower case, one space), for :func:`evidence`."""
    texts = set()
    for match in _ANCHOR.finditer(page_html):
        text = _norm(htmllib.unescape(_TAG.sub(" ", match.group(1))))
        if text:
            texts.add(text)
    return frozenset(texts)


def evidence(text: str, *, anchors: frozenset[str], hints: Iterable[str | None] = ()) -> Evidence:
    """Read ``text`` (one candidate body, lines separated by newlines) for :class:`Evidence`.

    ``anchors`` come from :func:`anchor_texts` of the same page; ``hints`` are the headline and
    the feed's summary, whose words a real article body contains.
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    words = [_WORD.findall(line.lower()) for line in lines]
    templated = _templated(words)
    prose = boilerplate = links = templ = 0
    for i, line in enumerate(lines):
        n = len(line)
        if _BOILERPLATE.search(line):
            boilerplate += n
        elif _norm(line) in anchors:
            links += n
        elif i in templated:
            templ += n
        elif len(words[i]) >= _LONG_LINE_WORDS or (
            len(words[i]) >= _MIN_PROSE_WORDS and _SENTENCE_END.search(line)
        ):
            prose += n
    return Evidence(
        chars=sum(len(line) for line in lines), prose=prose, boilerplate=boilerplate,
        links=links, templated=templ, relevance=_relevance(words, hints),
    )


def choose(
    extract: Callable[..., dict[str, Any]],
    page_html: str,
    *,
    hints: Iterable[str | None] = (),
) -> dict[str, Any]:
    """The best of trafilatura's readings of ``page_html``.

    ``extract(html, **options)`` returns trafilatura's result as a dict (``text`` and metadata)
    for one strategy (``fast=True`` or ``fast=False``). The fast pass is
    kept when it is long enough and :attr:`Evidence.sound`. Otherwise the full pass runs and
    wins unless the fast one's evidence is clearly better (:data:`CLEARLY_BETTER`); when
    neither is sound, the recall pass and, on pages with an ``<aside>``, a pass that reads
    asides as sections (some sites put the story in one) compete too, again replacing the
    full pass only when clearly better. Returns ``{}`` when no strategy finds anything.
    """
    hints = list(hints)
    anchors = anchor_texts(page_html)

    def weigh(result: dict[str, Any]) -> tuple[dict[str, Any], Evidence]:
        title = result.get("title")
        return result, evidence(result.get("text") or "", anchors=anchors, hints=[title, *hints])

    fast = weigh(extract(page_html, fast=True))
    if fast[1].chars >= FALLBACK_BELOW_CHARS and fast[1].sound:
        return fast[0]
    full = weigh(extract(page_html, fast=False))
    others = [fast]
    if not fast[1].sound and not full[1].sound and _ASIDE.search(page_html):
        others.append(weigh(extract(_ASIDE.sub(r"<\1section", page_html), fast=True)))
    best = max(others, key=lambda c: c[1].score)
    if best[1].score > CLEARLY_BETTER * full[1].score:
        return best[0]
    return full[0] or fast[0]


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def _templated(words: list[list[str]]) -> set[int]:
    """Indexes of short lines that share a pattern with ≥ 2 others (same words but one)."""
    keys: list[list[tuple[int, tuple[str, ...]]]] = []
    counts: Counter[tuple[int, tuple[str, ...]]] = Counter()
    for line_words in words:
        mine: list[tuple[int, tuple[str, ...]]] = []
        if 2 <= len(line_words) <= _TEMPLATE_MAX_WORDS:
            mine = [(i, tuple(line_words[:i] + line_words[i + 1 :])) for i in range(len(line_words))]
            counts.update(set(mine))
        keys.append(mine)
    return {i for i, mine in enumerate(keys) if any(counts[k] >= _TEMPLATE_MIN_REPEATS for k in mine)}


def _relevance(words: list[list[str]], hints: Iterable[str | None]) -> float | None:
    wanted = {w for hint in hints if hint for w in _WORD.findall(hint.lower()) if len(w) >= 4}
    if not wanted:
        return None
    present = {w for line_words in words for w in line_words}
    return len(wanted & present) / len(wanted)
