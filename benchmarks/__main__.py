"""``python -m benchmarks``: run the benchmarks, print Markdown tables, record them.

Results go to ``benchmarks/results/latest.json`` and, between the markers of each section,
into ``benchmarks/README.md``. Everything runs on this machine against loopback servers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(no rows)"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def es_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import es_bulk
    from newsflow_dev import es_node as es_dev

    url = os.environ.get("NEWSFLOW_ES_URL")
    if url:
        return es_bulk.run(url, sizes)
    with es_dev.running_node() as node:
        return es_bulk.run(node.url, sizes)


def quotes_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import quality

    return quality.quotes_section(sizes)


def quantities_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import quality

    return quality.quantities_section(sizes)


def main_text_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import main_text

    return main_text.run()[0]


def fidelity_section(_sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import fidelity

    return fidelity.run()


def keywords_section(_sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import keywords

    return keywords.run()


def input_size_section(_sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import input_size

    return input_size.run()


def entities_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import entities

    return entities.run(sizes)


def nlp_memory_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import nlp_memory

    return nlp_memory.run(sizes)


def warc_import_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import warc_import

    return warc_import.run(sizes)


def politeness_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import politeness

    return politeness.run(sizes)


def websub_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import websub_latency

    return websub_latency.run(sizes)


CELERY_ARTICLES = [600]
"""Articles of the ``celery`` section (``--celery-articles``)."""
CELERY_ROUNDS = [2]
"""Rounds of the ``celery`` section (``--repeats``): the worker counts in turn, the fastest of each counts."""
CELERY_TASK_BATCH: list[int | None] = [None]
"""Articles per mapped task of the ``celery`` section (``--celery-task-batch``; None: the setting's default)."""


def celery_section(_sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import celery_workers

    return celery_workers.run(CELERY_ARTICLES[0], CELERY_TASK_BATCH[0], CELERY_ROUNDS[0])


def semantic_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import semantic

    return semantic.run(sizes)


def stories_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import stories

    return stories.run(sizes)


LATENCY_SIZES: list[tuple[int, ...]] = [(10_000, 100_000)]
"""Index sizes of the ``search-latency`` section (``--latency-sizes``)."""


def search_latency_section(_sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import search_latency

    return search_latency.run(LATENCY_SIZES[0])


SECTIONS: dict[str, Callable[[tuple[int, ...]], list[dict[str, Any]]]] = {
    "es-bulk": es_section,
    "quotes": quotes_section,
    "quantities": quantities_section,
    "main-text": main_text_section,
    "fidelity": fidelity_section,
    "keywords": keywords_section,
    "input-size": input_size_section,
    "entities": entities_section,
    "nlp-memory": nlp_memory_section,
    "warc-import": warc_import_section,
    "politeness": politeness_section,
    "celery": celery_section,
    "websub": websub_section,
    "semantic": semantic_section,
    "stories": stories_section,
    "search-latency": search_latency_section,
}
QUALITY = {"quotes": "English set written for newsflow (benchmarks/data/quotes_en.yaml)",
           "quantities": "English set written for newsflow (benchmarks/data/quantities_en.yaml)",
           "main-text": "800 real pages of ../shared/corpora/dates-dev (expected dates, no expected texts)",
           "fidelity": "pages of dates-dev (publication day as annotated by htmldate's evaluation)",
           "keywords": "real pages of dates-dev (trafilatura's title + text), yake-rust (our keywords "
                       "extractor) and the Python yake package side by side, top 10, one process; subsets "
                       "by <html lang>",
           "input-size": "one synthetic page of short sentences per size (up to max_page_bytes), one core, "
                         "in-process, no time budget; growth = time at 5 MB / time at 1.25 MB (4 = linear, 1 = capped)",
           "entities": "our annotated paragraphs (benchmarks/data/entities_*.yaml), newsflow and the bare "
                       "spaCy model side by side",
           "nlp-memory": "one fresh worker process per language set, entities and places extractors run "
                         "on one paragraph per language",
           "politeness": "one loopback publisher of 24 articles (each answered after 0.3 s) polled once, then "
                         "2 worker processes × 4 fetch threads processing half each at once, one shared state "
                         "store; times as the publisher saw them",
           "stories": "our labelled sets (seeds/stories/articles.yaml: 6 events by 3-4 outlets in en/de/fr/es, "
                      "11 distractors on the same topics, the set the thresholds were chosen on; heldout.yaml: 3 events by 3 "
                      "outlets in 3 languages, 5 distractors, written afterwards and not used to choose them; heldout2.yaml: "
                      "4 events in small towns by 3 outlets in 3 of en/de/fr/es/it, 7 distractors, written after "
                      "heldout.yaml was studied), real "
                      "extractors and model, batches of 5; pairwise "
                      "precision/recall of same story; same_ids_reversed = the batches in reverse order give the "
                      "same story ids; threading_ms = clustering and threading a set's enriched articles",
           "semantic": "47 queries written for newsflow over the demo corpus (benchmarks/data/"
                       "semantic_queries.yaml), binary relevance; keyword = BM25 with every word required",
           "search-latency": "a synthetic news corpus (benchmarks/synthetic_news.py: seeded, made-up words "
                             "of 8 languages, Zipf-distributed words and facet values, random unit vectors as "
                             "embeddings) on both backends; 36 faceted queries × 5 rounds per mode after a "
                             "warm-up (benchmarks/search_latency.py); load_1m = the machine's 1-minute load "
                             "average before and after the searches",
           "celery": "generated articles (the articles column; benchmarks/sitegen.py) on loopback, Airflow's processing DAG on the "
                     "CeleryExecutor with 1, then 2 workers of one task slot each (benchmarks/celery_workers.py), "
                     "in turn for --repeats rounds, each on a fresh stack; each row is its worker count's fastest "
                     "round (rounds_s: every round's seconds); "
                     "load_1m = the machine's 1-minute load average (shared with other work) before and after "
                     "the processing run; CPU seconds during the processing run (psutil, each process tree with "
                     "the children it reaped): the Celery workers with their tasks, Airflow's api-server, "
                     "scheduler, dag-processor and triggerer together, PostgreSQL and Redis; machine_busy_cores = "
                     "the whole machine's busy CPU seconds / the run's seconds (2.0 = both cores busy throughout); "
                     "from the mapped task instances' times: seconds before the first and after the last "
                     "mapped task, seconds the workers sat idle in between (summed over workers), how often a "
                     "worker waited over 0.5 s between two of its tasks and its longest such wait, the median task",
           "websub": "one loopback publisher, a spec-following hub (benchmarks/websub_hub.py) and the callback "
                     "endpoint in this process; 20 pushes of one new article each after one warm-up push; "
                     "latency = hub's distribution request → the article found by a search of the embedded index"}
"""Sections measured on data of their own (our annotated sets, a real corpus, synthetic inputs), not the demo corpus at N."""
THROUGHPUT = ("throughput", "limit", "scaling", "peers", "incremental", "memory", "extractors", "profile")
"""Sections measured by :mod:`benchmarks.throughput` (one shared corpus and server)."""


def record(name: str, rows: list[dict[str, Any]] | str, header: str) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    body = f"```\n{rows}\n```" if isinstance(rows, str) else markdown_table(rows)
    block = f"<!-- {name}:start -->\n{header}\n\n{body}\n<!-- {name}:end -->"
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo``), else the architecture: relative figures
    such as the library-limit fraction move between CPUs, so each header names it."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name") and ":" in line:
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _chain_without(names: Sequence[str]) -> tuple[str, ...]:
    """The default extractor chain less ``names`` (SystemExit naming an unknown one)."""
    from extractors.builtin import CHAIN

    unknown = set(names) - set(CHAIN)
    if unknown:
        sys.exit(f"--without: not in the chain: {', '.join(sorted(unknown))} (the chain: {', '.join(CHAIN)})")
    return tuple(name for name in CHAIN if name not in names)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    every = [*THROUGHPUT, *SECTIONS]
    parser.add_argument("--only", default=",".join(every), help=f"comma-separated: {', '.join(every)}")
    parser.add_argument("--skip", default="", help="comma-separated sections not to run")
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes N (the first is the main one)")
    parser.add_argument("--quick", action="store_true", help="smoke run: N=100, small samples")
    parser.add_argument("--pages", type=Path, help="a directory of saved HTML pages to use instead of the demo corpus")
    parser.add_argument("--peer-pages", type=int, default=300, help="pages timed with each peer library")
    parser.add_argument("--limit-pages", type=int, default=1000, help="pages timed for the library limit")
    parser.add_argument("--repeats", type=int, default=2,
                        help="rounds of the pipeline runs and the bare libraries; the best run of each counts")
    parser.add_argument("--memory-extractors", default="", help="extractors of the memory runs (default: all)")
    parser.add_argument("--profile-pages", type=int, default=200)
    parser.add_argument("--celery-articles", type=int, default=600,
                        help="generated articles of the celery section (its fixed Airflow overhead weighs less on more)")
    parser.add_argument("--celery-task-batch", type=int, default=None,
                        help="articles per mapped task in the celery section (default: the task_batch_size setting)")
    parser.add_argument("--latency-sizes", default="10000,100000",
                        help="index sizes of the search-latency section (each backend is loaded up to each in turn)")
    parser.add_argument("--without", default="",
                        help="comma-separated extractors left out of the 'all extractors' runs (e.g. embedding)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave README.md and results alone")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.peer_pages, args.limit_pages, args.profile_pages = "100,300", 20, 100, 60
        args.repeats = 1
    sizes = tuple(int(s) for s in args.sizes.split(","))
    CELERY_ARTICLES[0] = args.celery_articles
    CELERY_TASK_BATCH[0] = args.celery_task_batch
    CELERY_ROUNDS[0] = max(1, args.repeats)
    LATENCY_SIZES[0] = tuple(int(s) for s in args.latency_sizes.split(","))
    wanted = [name for name in args.only.split(",") if name and name not in args.skip.split(",")]
    unknown = set(wanted) - set(every)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}")
    machine = (f"{dt.datetime.now():%Y-%m-%d %H:%M} · {os.cpu_count()} cores · "
               f"{cpu_model()} · Python {platform.python_version()}")
    out = HERE / "results" / "latest.json"
    results: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = machine
    produced: dict[str, Any] = {}
    throughput_sections = {name for name in wanted if name in THROUGHPUT}
    if throughput_sections:
        from benchmarks import throughput

        options = throughput.Options(
            sizes=sizes, pages_dir=args.pages, peer_pages=args.peer_pages, limit_pages=args.limit_pages,
            repeats=max(1, args.repeats),
            memory_chain=tuple(args.memory_extractors.split(",")) if args.memory_extractors else None,
            profile_pages=args.profile_pages, sections=throughput_sections,
            full_chain=_chain_without(args.without.split(",")) if args.without else None,
        )
        produced.update(throughput.run(options))
    missing: list[str] = []
    for name in wanted:
        if name in SECTIONS:
            try:
                produced[name] = SECTIONS[name](sizes)
            except FileNotFoundError as exc:  # a section's own corpus is missing: say so, go on
                print(f"\n## {name}\n\nNOT MEASURED: {exc}", file=sys.stderr)
                missing.append(name)
    if isinstance(produced.get("targets"), list):
        for row in produced.get("es-bulk", []):
            produced["targets"].append({"target": f"Elasticsearch bulk ≥ 0.8× raw helpers.bulk (N = {row['n']})",
                                        "figure": f"{row['ratio']}×", "met": "yes" if row["ratio"] >= 0.8 else "NO"})
    corpus = f"pages from {args.pages}" if args.pages else "the demo corpus scaled to N"
    for name, rows in produced.items():
        results[name] = rows
        print(f"\n## {name}\n")
        print(rows if isinstance(rows, str) else markdown_table(rows))
        if not args.no_record and name != "profile_tree":
            if name in QUALITY:
                record(name, rows, f"Measured {machine} · {QUALITY[name]}.")
                continue
            record(name, rows, f"Measured {machine} · {corpus} · N = {sizes[0]}"
                   + (f" and {', '.join(map(str, sizes[1:]))}" if len(sizes) > 1 and name == "memory" else "") + ".")
    if not args.no_record:
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    if missing:
        sys.exit(f"not measured (input missing): {', '.join(missing)}")


if __name__ == "__main__":
    main()
