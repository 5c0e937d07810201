"""Same documents before and after a speed-up of the cleaning stage or the extractor chain.

``python benchmarks/throughput_identity.py dump OUT.json [--generated N] [--demo] [--pages DIR]``
runs :func:`newsflow.pipeline.run` in this process (one worker, the default chain but the
embedding) over sites served on 127.0.0.1 — ``N`` pages of :func:`benchmarks.sitegen.generate`,
the demo article pages, a directory of saved pages (``*.html`` or ``*.html.gz``, unpacked into a
temporary directory) — and writes every indexed document, keyed by site and URL, without the
fields that change from run to run (:data:`VOLATILE`).

``python benchmarks/throughput_identity.py compare BEFORE.json AFTER.json`` lists the documents
and fields that differ (exit status 1 when any do).

``python benchmarks/throughput_identity.py profile [--generated N] [--top K]`` profiles the
CPU stages only (:func:`newsflow.workers.cpu_batch`: cleaning and the chain, no HTTP, no
index) over pages read from disk, with cProfile, and prints the top functions in ms/article.

Run the dump of the "before" code by putting its checkout first on ``PYTHONPATH``
(``git archive main | tar -x -C /tmp/before``) and this file by path.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import pstats
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VOLATILE = frozenset({"fetched_at", "indexed_at", "updated_at", "first_seen_at", "last_seen_at"})
"""Document fields stamped with the time of the run, not derived from the page."""
WITHOUT = ("embedding",)
GROUPS = ("story_id", "cluster_id")
"""Fields naming a group of documents by one member's id; which member that is depends on the
order the fetches finished in, so they are compared as the group's members."""


def _chain() -> tuple[str, ...]:
    from extractors.builtin import CHAIN

    return tuple(name for name in CHAIN if name not in WITHOUT)


def _sites(args: argparse.Namespace, work: Path) -> list[tuple[str, Any]]:
    from benchmarks import sitegen

    sites: list[tuple[str, Any]] = []
    if args.generated:
        sites.append(("generated", sitegen.generate(work / "generated", args.generated)))
    if args.demo:
        demo = work / "demo-pages"
        for path in sitegen.demo_pages():
            target = demo / path.relative_to(sitegen.DEMO_SITE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        sites.append(("demo", sitegen.from_pages(work / "demo", demo)))
    for directory in args.pages or ():
        plain = work / f"pages-{len(sites)}"
        plain.mkdir()
        for path in sorted(Path(directory).rglob("*")):
            if path.name.endswith((".html.gz", ".htm.gz")):
                (plain / path.name[:-3]).write_bytes(gzip.decompress(path.read_bytes()))
            elif path.suffix.lower() in {".html", ".htm"}:
                shutil.copyfile(path, plain / path.name)
        sites.append((f"pages:{directory}", sitegen.from_pages(work / f"site-{len(sites)}", plain, limit=args.limit)))
    return sites


def dump(args: argparse.Namespace) -> None:
    from newsflow import pipeline
    from newsflow.config import Settings
    from newsflow.demo_server import DemoServer
    from newsflow.index import open_backend
    from newsflow.models import FeedSource

    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="newsflow-identity-") as tmp:
        work = Path(tmp)
        for label, site in _sites(args, work):
            server = DemoServer(site.root).start()
            try:
                settings = Settings(data_dir=work / f"data-{len(out)}", allow_hosts=("127.0.0.1",), workers=1,
                                    extractors=_chain())
                feeds = [FeedSource(url=f"{server.base_url}/{p}", name=f"check-{i}") for i, p in enumerate(site.feeds)]
                started = time.perf_counter()
                summary = pipeline.run(settings, feeds=feeds)
                seconds = time.perf_counter() - started
                backend = open_backend(settings)
                try:
                    found = list(backend.iter_documents())
                finally:
                    backend.close()
            finally:
                server.stop()
            docs = _stable(found, server.base_url)
            print(f"{label}: {len(docs)} documents of {site.pages} pages in {seconds:.1f} s, "
                  f"stages {summary.as_dict().get('stage_seconds')}", flush=True)
            out[label] = docs
    Path(args.out).write_text(json.dumps(out, sort_keys=True, ensure_ascii=False, default=str))


def _stable(docs: list[dict[str, Any]], base: str) -> dict[str, Any]:
    """The documents by URL, without volatile fields; document ids (hashes of URLs, which
    hold the server's port) written as the URL of their document, the server's address as
    ``{{BASE}}`` (its host and port as ``{{HOST}}``)."""
    host = base.split("://", 1)[1]
    text = json.dumps({doc["url"]: {k: v for k, v in doc.items() if k not in VOLATILE} for doc in docs},
                      sort_keys=True, default=str)
    for doc in docs:
        text = text.replace(f'"{doc["id"]}"', json.dumps(f"id:{doc['url']}"))
    return dict(json.loads(text.replace(base, "{{BASE}}").replace(host, "{{HOST}}")))


def _ids_as_urls(site: dict[str, Any]) -> dict[str, Any]:
    """A dumped site with each document id written as ``id:<its URL>`` and any loopback
    host:port as ``{{HOST}}`` (for dumps whose ids still hash the server's port)."""
    text = json.dumps(site, sort_keys=True)
    for url, doc in site.items():
        if isinstance(doc.get("id"), str) and not doc["id"].startswith("id:"):
            text = text.replace(f'"{doc["id"]}"', json.dumps(f"id:{url}"))
    out = dict(json.loads(re.sub(r"127\.0\.0\.1:\d+", "{{HOST}}", text)))
    for name in GROUPS:  # a group by its members: its id is whichever member came first
        members: dict[Any, list[str]] = {}
        for url, doc in out.items():
            members.setdefault(doc.get(name), []).append(url)
        for doc in out.values():
            if doc.get(name) is not None:
                doc[name] = sorted(members[doc[name]])
    return out


def compare(args: argparse.Namespace) -> int:
    before, after = (
        {label: _ids_as_urls(site) for label, site in json.loads(Path(path).read_text()).items()}
        for path in (args.before, args.after)
    )
    differences = compared = 0
    for label in sorted(set(before) | set(after)):
        one, two = before.get(label, {}), after.get(label, {})
        for url in sorted(set(one) ^ set(two)):
            differences += 1
            print(f"{label} {url}: only in {'before' if url in one else 'after'}")
        for url in sorted(set(one) & set(two)):
            compared += 1
            a, b = one[url], two[url]
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    differences += 1
                    print(f"{label} {url} {name}:\n  before {str(a.get(name))[:300]}\n  after  {str(b.get(name))[:300]}")
        print(f"{label}: {len(one)} before, {len(two)} after, {len(set(one) & set(two))} compared")
    print(f"{compared} documents compared field by field, {differences} differences")
    return 1 if differences else 0


def profile(args: argparse.Namespace) -> None:
    from benchmarks import sitegen
    from extractors import resolve
    from newsflow.models import FeedEntry, FetchedPage
    from newsflow.workers import BatchResult, cpu_batch, warm_up

    base = "http://127.0.0.1:9"
    now = datetime(2025, 12, 1, tzinfo=UTC)

    def items_of(sites: list[Any]) -> list[Any]:
        items = []
        for site in sites:
            for path in site.page_files():
                url = f"{base}/{path.relative_to(site.root)}"
                text = path.read_text(encoding="utf-8", errors="replace").replace("{{BASE}}", base)
                items.append((FeedEntry(url=url, feed_url=f"{base}/feed.xml", source="check", title=path.stem),
                              FetchedPage(url=url, final_url=url, status=200, content_type="text/html",
                                          text=text, fetched_at=now)))
        return items

    with tempfile.TemporaryDirectory(prefix="newsflow-profile-") as tmp:
        items = items_of([site for _, site in _sites(args, Path(tmp))])
        warm = items_of([sitegen.generate(Path(tmp) / "warm", len(sitegen.demo_pages()), seed=11)])
    chain = resolve(_chain())
    warm_up(chain)
    cpu_batch(warm, chain)  # every language's lazy loads, on other pages (other seed) than the measured ones
    profiler = cProfile.Profile()
    started = time.process_time()
    if args.top:
        profiler.enable()
    result = BatchResult()
    for start in range(0, len(items), 32):
        result.merge(cpu_batch(items[start:start + 32], chain))
    profiler.disable()
    if args.save:
        profiler.dump_stats(args.save)
    seconds = time.process_time() - started
    n = len(items)
    print(f"{n} pages, {len(result.articles)} articles, {1000 * seconds / n:.1f} ms CPU/page"
          f"{' (under cProfile)' if args.top else ''}")
    for stage, secs in sorted(result.seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:24s} {1000 * secs / n:7.2f} ms/page")
    if not args.top:
        return
    stats = pstats.Stats(profiler)
    rows: list[tuple[float, float, int, str]] = []
    for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((cumtime, tottime, calls, f"{Path(file).name}:{line}({func})"))
    for own, title in ((False, "cumulative"), (True, "own time")):
        print(f"top {args.top} by {title} (ms/page: cumulative, own; calls/page)")
        for row in sorted(rows, key=lambda r: -(r[1] if own else r[0]))[: args.top]:
            print(f"  {1000 * row[0] / n:8.2f} {1000 * row[1] / n:8.2f} {row[2] / n:9.1f}  {row[3]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("dump", "profile"):
        p = sub.add_parser(mode)
        if mode == "dump":
            p.add_argument("out")
        p.add_argument("--generated", type=int, default=0)
        p.add_argument("--demo", action="store_true")
        p.add_argument("--pages", action="append", help="a directory of saved pages (repeatable)")
        p.add_argument("--limit", type=int, default=None, help="at most this many pages of each --pages directory")
        p.add_argument("--top", type=int, default=40, help="profile: this many functions (0: time only, no cProfile)")
        p.add_argument("--save", help="profile: also write the cProfile stats to this file")
    p = sub.add_parser("compare")
    p.add_argument("before")
    p.add_argument("after")
    args = parser.parse_args()
    if args.mode == "dump":
        dump(args)
    elif args.mode == "profile":
        profile(args)
    else:
        return compare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
