"""Sentences of plain text, the one splitter the extractors share (``summary``, ``tone``).

A sentence ends at ``.``/``!``/``?``/``。``/``！``/``？`` followed by whitespace and then a
letter, a digit or an opening quote; closing quotes and brackets stay with their sentence;
common abbreviations such as ``Mr.``, ``Dr.``, ``U.S.``, ``Dec.``, initials ("J. Smith")
and dotted acronyms do not end one; a line break always ends one.
"""

from __future__ import annotations

import re

_ABBREVIATION_WORDS = """
    mr mrs ms dr prof sr jr st mt gen col lt sgt capt cmdr adm gov sen rep rev hon pres
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vol fig approx est inc ltd co corp
    dept univ vs etc cf al e.g i.e u.s u.k u.n u.s.a a.m p.m
    mme mlle m dr
    nr bzw ca dr hr frau z.b u.a d.h
    """
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
"""Words (lower case, final dot dropped) after which a full stop does not end a sentence."""
_BOUNDARY = re.compile(r"([.!?。！？]+)([\"'”’»)\]]*)(\s+)(?=[\"'“‘«(\[]?[\w\"“‘«])")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Sentences of ``text`` as ``(offset, sentence)``, in order; the offset is
    where the stripped sentence starts in ``text``."""
    out: list[tuple[int, str]] = []
    for para_match in re.finditer(r"[^\n]+", text):
        para = para_match.group()
        base = para_match.start()
        start = 0
        for m in _BOUNDARY.finditer(para):
            if m.group(1) == "." and _is_abbreviation(para[start : m.start()]):
                continue
            end = m.end(2)
            _append(out, para, base, start, end)
            start = m.end()
        _append(out, para, base, start, len(para))
    return out


def _append(out: list[tuple[int, str]], para: str, base: int, start: int, end: int) -> None:
    chunk = para[start:end]
    stripped = chunk.strip()
    if stripped:
        out.append((base + start + (len(chunk) - len(chunk.lstrip())), stripped))


def _is_abbreviation(before: str) -> bool:
    """Whether the last word of ``before`` (the paragraph up to a full stop) is an
    abbreviation; read from the right, so a long paragraph costs no more than a short one."""
    if not before or before[-1].isspace():
        return False
    word = before.rsplit(maxsplit=1)[-1].lower().rstrip(".").lstrip("\"'“‘(«")
    if word in _ABBREVIATIONS:
        return True
    # an initial ("J. Smith") or a dotted acronym ("U.S.")
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:\w\.)+\w", word))
