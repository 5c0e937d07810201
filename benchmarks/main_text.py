"""Main text on real pages: how often the evidence-based choice departs from the old length rule.

Reads the real pages of dates-dev (found as :func:`benchmarks.fidelity.corpus_dir` says),
extracts each page with trafilatura's default (``fast=False``), with the
old rule (fast pass, the full pass when the fast one is under 500 characters) and with
:func:`newsflow.main_text.choose`, and reports how many pages each reading differs on and the
time spent. The corpus has expected dates, not expected texts: the pages whose text changed
are listed for reading (``--show``), no F1 is claimed.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from benchmarks import fidelity
from newsflow import main_text
from newsflow.cleaning import _drop_control_refs, _extract


def run(limit: int | None = None) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """(table rows, changed pages as (url, old text head, new text head))."""
    seconds = {"old rule": 0.0, "evidence": 0.0, "trafilatura default": 0.0}
    differ = {"old rule": 0, "trafilatura default": 0}
    empty = dict.fromkeys(seconds, 0)
    changed: list[tuple[str, str, str]] = []
    pages = fidelity.load(fidelity.corpus_dir())[:limit]
    for url, page_html, _day in pages:
        html = _drop_control_refs(page_html)
        started = time.perf_counter()
        old = _extract(html, url=url, fast=True)
        if len(old.get("text") or "") < main_text.FALLBACK_BELOW_CHARS:
            old = _extract(html, url=url, fast=False) or old
        t_old = time.perf_counter()
        new = main_text.choose(partial(_extract, url=url), html)
        t_new = time.perf_counter()
        default = _extract(html, url=url, fast=False)
        t_default = time.perf_counter()
        seconds["old rule"] += t_old - started
        seconds["evidence"] += t_new - t_old
        seconds["trafilatura default"] += t_default - t_new
        texts = {"old rule": old.get("text") or "", "evidence": new.get("text") or "",
                 "trafilatura default": default.get("text") or ""}
        for name, text in texts.items():
            empty[name] += len(text) < 80
        for name in differ:
            differ[name] += texts[name] != texts["evidence"]
        if texts["old rule"] != texts["evidence"]:
            changed.append((url, texts["old rule"][:160], texts["evidence"][:160]))
    rows = [
        {"reading": name, "pages": len(pages), "text differs from evidence": differ.get(name, 0),
         "under 80 chars": empty[name], "ms_per_page": round(1000 * seconds[name] / max(len(pages), 1), 1)}
        for name in seconds
    ]
    return rows, changed


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.main_text", description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--show", action="store_true", help="print the pages whose text changed")
    args = parser.parse_args()
    from benchmarks.__main__ import markdown_table

    rows, changed = run(args.limit)
    print(markdown_table(rows))
    if args.show:
        for url, old, new in changed:
            print(f"\n{url}\n  old: {old!r}\n  new: {new!r}")


if __name__ == "__main__":
    main()
