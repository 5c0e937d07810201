"""Language tags (BCP 47 such as ``de-AT``, or POSIX locales such as ``pt_BR``): the one place
that reads them.

:func:`normalize_language` gives the canonical code every stored language uses (``deu`` →
``de``, ``en-GB`` → ``en``, ``iw`` → ``he``; langcodes applies the IANA and CLDR aliases);
:func:`primary_subtag` and :func:`language_parts` only cut a tag into parts, without
checking it, for per-language data lookups and date parsing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import langcodes

_SEPARATOR = re.compile(r"[-_]")
_CODE = re.compile(r"^[a-z]{2,3}$")
_NOT_LANGUAGES = frozenset({"mul", "zxx", "mis"})
"""Codes that say "several", "no linguistic content" or "uncoded" rather than name a language
(``und``, undetermined, langcodes already reads as no language)."""


def primary_subtag(tag: str | None) -> str:
    """The lower-case primary subtag: ``"de-AT"`` → ``"de"``, ``"PT_br"`` → ``"pt"``,
    ``" en "`` → ``"en"``; ``""`` for None or an empty tag. Never raises."""
    return _SEPARATOR.split((tag or "").strip().lower(), maxsplit=1)[0]


def language_parts(tag: str | None) -> tuple[str | None, str | None]:
    """``(primary, region)`` of a tag: ``"de-AT"`` → ``("de", "AT")``,
    ``"zh-Hant-tw"`` → ``("zh", "TW")`` (the first two-letter subtag after the primary,
    upper-case); a missing part is None. Never raises."""
    parts = _SEPARATOR.split((tag or "").strip())
    primary = parts[0].lower() or None
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    return primary, region


def normalize_language(tag: str | None) -> str | None:
    """The language a tag names as its shortest ISO 639 code, lower-case: ``"en-US"`` → ``"en"``,
    ``"pt_BR"`` → ``"pt"``, ``" DEU "`` and ``"ger"`` → ``"de"``, ``"en_GB.UTF-8"`` → ``"en"``.

    None for anything that names no single language: None, ``""``, ``"und"``, ``"mul"``,
    ``"zxx"``, a word (``"english"``), a malformed tag. A well-formed but unregistered
    two- or three-letter code (``"xx"``) is kept as written. Never raises.
    """
    if not tag or not isinstance(tag, str):
        return None
    return _normalized(re.split(r"[.@]", tag.strip(), maxsplit=1)[0].lower())


@lru_cache(maxsize=1024)
def _normalized(tag: str) -> str | None:
    for candidate in (tag, primary_subtag(tag)):  # a malformed tail ("en-", "en-GB-!") leaves the primary
        try:
            code = langcodes.Language.get(candidate).language
        except (langcodes.LanguageTagError, ValueError):
            continue
        return code if code is not None and _CODE.match(code) and code not in _NOT_LANGUAGES else None
    return None
