"""Keywords: ``yake-rust`` (what the ``keywords`` extractor runs) beside the Python ``yake`` package.

Reads the real pages of ``dates-dev`` (found as :mod:`benchmarks.fidelity` finds it; NOT
MEASURED when missing), takes each page's main text with ``trafilatura.extract`` and runs,
on the same title + text and in the same process, one core:

- :func:`extractors.keywords.key_phrases` (``yake-rust``, top 10, the article's declared
  language);
- the Python ``yake`` package with the same settings (language, 3-grams, top 10, its
  default deduplication), its phrases put through the same case-insensitive deduplication.

Per subset (the page's ``<html lang>``: ``de``, ``en``, other) it reports the mean Jaccard
overlap of the two top-10 sets (case-insensitive), the share of pages with identical top-10
sets, and the CPU milliseconds per page of each (``time.process_time``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from benchmarks.fidelity import corpus_dir, load

TOP = 10


def _texts(limit: int | None) -> list[tuple[str, str, str | None]]:
    """``(subset, title + text, language)`` of every page trafilatura finds a text on."""
    import trafilatura

    from newsflow.cleaning import page_language

    out = []
    for url, html, _day in load(corpus_dir())[:limit]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        data: dict[str, Any] = {} if result is None else result if isinstance(result, dict) else result.as_dict()
        text = (data.get("text") or "").strip()
        if not text:
            continue
        title = (data.get("title") or "").strip()
        language = page_language(html)
        subset = language if language in ("de", "en") else "other"
        out.append((subset, f"{title}.\n{text}" if title else text, language))
    return out


def _python_yake(text: str, language: str | None) -> list[str]:
    import yake

    from extractors.keywords import MAX_CHARS, MAX_NGRAM, UNSEGMENTED, yake_language
    from newsflow.langtags import normalize_language

    if (normalize_language(language) or "") in UNSEGMENTED:
        return []
    extractor = _PY_YAKE.get(yake_language(language))
    if extractor is None:
        extractor = _PY_YAKE[yake_language(language)] = yake.KeywordExtractor(
            lan=yake_language(language), n=MAX_NGRAM, top=TOP * 3)
    out: list[str] = []
    seen: set[str] = set()
    for phrase, _score in extractor.extract_keywords(text[:MAX_CHARS]):
        key = " ".join(str(phrase).split()).casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(key)
        if len(out) >= TOP:
            break
    return out


_PY_YAKE: dict[str, Any] = {}


def run(limit: int | None = None) -> list[dict[str, Any]]:
    """One row per subset (and all pages). Raises :class:`benchmarks.fidelity.CorpusMissing`."""
    from extractors.keywords import key_phrases

    pages = _texts(limit)
    for _subset, text, language in pages[:3]:  # warm both (stop-word lists, first calls)
        key_phrases(text, language)
        _python_yake(text, language)
    stats: dict[str, dict[str, float]] = {}
    for subset, text, language in pages:
        started = time.process_time()
        ours = [p.casefold() for p in key_phrases(text, language)]
        rust_s = time.process_time() - started
        started = time.process_time()
        theirs = _python_yake(text, language)
        python_s = time.process_time() - started
        a, b = set(ours), set(theirs)
        jaccard = len(a & b) / len(a | b) if a | b else 1.0
        for key in ("all", subset):
            row = stats.setdefault(key, {"pages": 0, "jaccard": 0.0, "same": 0, "rust_s": 0.0, "python_s": 0.0})
            row["pages"] += 1
            row["jaccard"] += jaccard
            row["same"] += a == b
            row["rust_s"] += rust_s
            row["python_s"] += python_s
    rows = []
    for key in ("all", "de", "en", "other"):
        if key not in stats:
            continue
        row = stats[key]
        n = row["pages"]
        rows.append({
            "subset": key, "pages": int(n), "mean_jaccard_top10": round(row["jaccard"] / n, 3),
            "identical_top10": f"{100 * row['same'] / n:.1f}%",
            "yake_rust_ms_per_page": round(1000 * row["rust_s"] / n, 2),
            "python_yake_ms_per_page": round(1000 * row["python_s"] / n, 2),
            "speedup": round(row["python_s"] / row["rust_s"], 1) if row["rust_s"] else None,
        })
    return rows
