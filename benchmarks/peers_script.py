"""Runs in the peers' venv (no newsflow there): extraction-only pages/s of one library.

``python peers_script.py LIBRARY SPEC.json`` with SPEC ``{"root", "base_url", "pages", "cpus"}``;
prints ``@@RESULT@@{json}``. Libraries: ``newspaper4k``, ``news-please``, ``trafilatura``
(the same ``bare_extraction(with_metadata=True)`` as our limit, as a cross-check of the venvs).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def _newspaper(url: str, html: str) -> Any:
    import newspaper

    article = newspaper.Article(url, fetch_images=False)
    article.download(input_html=html)
    article.parse()
    return article.text


def _news_please(url: str, html: str) -> Any:
    from newsplease import NewsPlease

    return NewsPlease.from_html(html, url=url, fetch_images=False).maintext


def _trafilatura(url: str, html: str) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(html, url=url, with_metadata=True)


LIBRARIES = {"newspaper4k": _newspaper, "news-please": _news_please, "trafilatura": _trafilatura}


def main() -> None:
    library, spec_file = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_file).read_text())
    os.sched_setaffinity(0, set(spec["cpus"]) if spec.get("cpus") else set(range(os.cpu_count() or 1)))
    root, base = Path(spec["root"]), spec["base_url"]
    pages = [(f"{base}/{p}", (root / p).read_text(encoding="utf-8", errors="replace").replace("{{BASE}}", base))
             for p in spec["pages"]]
    func = LIBRARIES[library]
    func(*pages[0])  # imports and lazy loads
    ok = 0
    started = time.process_time()
    for url, html in pages:
        try:
            if func(url, html):
                ok += 1
        except Exception:
            pass
    seconds = time.process_time() - started
    version = ""
    try:
        from importlib.metadata import version as _version

        version = _version(library)
    except Exception:
        pass
    print("@@RESULT@@" + json.dumps({"library": library, "version": version, "pages": len(pages), "ok": ok,
                                     "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
