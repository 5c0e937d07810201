"""How place names are spelt for a gazetteer lookup.

The lookup key of a name (:func:`normalise`: case, diacritics, hyphens, a leading "the" and a
trailing "'s" do not matter), the scripts whose GeoNames alternate names are kept (Latin and
Cyrillic), and the nominative forms of an inflected Russian or Ukrainian name
(:func:`nominative_variants`), since gazetteer and alias entries are nominative.
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\-]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`´]")
_NON_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")
LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f' .\-]+$")
CYRILLIC = re.compile(r"^[\u0400-\u04ff' .\-]+$")
"""GeoNames alternate names kept: Latin (any language's spelling: "Moskau", "Kiew") and
Cyrillic ("Москва", "Київ"), the scripts of the languages we extract entities from."""


def normalise(name: str) -> str:
    """The lookup key of a place name: no diacritics, case, hyphens, "the", "'s"."""
    text = _APOSTROPHES.sub("'", name.strip())
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DASHES.sub(" ", text).casefold()
    text = _NON_WORD.sub(" ", text.replace(".", ""))
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    if text.endswith("'s"):
        text = text[:-2]
    return text.strip(" '")


_CASE_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ией", "ия"), ("ии", "ия"), ("ью", "ь"), ("ого", ""), ("ому", ""), ("ой", "а"), ("ой", "ая"),
    ("ей", "я"), ("ом", ""), ("ем", ""), ("ым", ""), ("им", ""), ("і", "а"), ("і", ""), ("у", "а"),
    ("у", ""), ("ю", "я"), ("е", "а"), ("е", "я"), ("е", ""), ("и", "а"), ("и", "я"), ("и", "ь"),
    ("ы", "а"), ("а", ""), ("я", ""), ("е", "ь"), ("ова", "ів"), ("єва", "їв"), ("ева", "ів"),
)
"""Russian/Ukrainian case endings → nominative ones ("Москве" → "Москва", "Киеве" → "Киев",
"Путина" → "Путин"): names are inflected in these languages, gazetteer and alias entries are
nominative."""


def nominative_variants(name: str, language: str) -> list[str]:
    """Possible nominative forms of an inflected Cyrillic ``name`` (Russian, Ukrainian), most
    likely first; [] for other languages or names. The caller keeps the first one it knows."""
    if language not in ("ru", "uk") or not CYRILLIC.match(name):
        return []
    words = name.split()
    out: list[str] = []
    for ending, nominative in _CASE_ENDINGS:
        forms = [w[: -len(ending)] + nominative if w.endswith(ending) and len(w) > len(ending) + 1 else w
                 for w in words]
        candidate = " ".join(forms)
        if candidate != name and candidate not in out:
            out.append(candidate)
    return out
