"""Language tags (BCP 47 such as ``de-AT``, or POSIX locales such as ``pt_BR``) cut into parts.

The one place that splits a tag: extractors pick their per-language data by the primary
subtag, date parsing also reads the region. Nothing here validates a code against a
registry; :func:`extractors.language.normalize_language` does that on top of
:func:`primary_subtag`.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"[-_]")


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
