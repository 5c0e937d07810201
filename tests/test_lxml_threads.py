"""lxml stays on one thread per process.

lxml (libxml2 underneath) is safe across threads only with care: a tree, a parser or a
compiled XPath must not be shared between threads, and a heap corruption seen once in a demo
run (``Tried to unregister unknown proxy``, then ``munmap_chunk(): invalid pointer``) had lxml
on the poll stage's threads. The rule since: the poll, fetch and WebSub threads read feeds and
headers with the standard library (expat, ``html.parser``); lxml runs only where the CPU stage
cleans pages (the one thread that runs it, or a worker process). These tests run a real pipeline over the
demo corpus with every lxml parsing entry point watched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.models import FeedSource
from newsflow.polling import _plain

_WATCHED = {
    lxml.etree: ("fromstring", "iterparse", "parse", "XML", "HTML", "XPath", "XPathEvaluator"),
    lxml.html: ("fromstring", "document_fromstring", "fragment_fromstring", "fragments_fromstring", "parse"),
}


@pytest.fixture
def lxml_callers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every (thread name, function) that called an lxml parsing entry point off the main thread."""
    seen: list[tuple[str, str]] = []

    def watched(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not threading.main_thread():
                seen.append((threading.current_thread().name, name))
            return call(*args, **kwargs)
        return wrapper

    for module, names in _WATCHED.items():
        for name in names:
            monkeypatch.setattr(module, name, watched(f"{module.__name__}.{name}", getattr(module, name)))
    yield seen


def test_a_run_parses_with_lxml_only_on_the_main_thread(
    tmp_path: Path, demo_feeds: list[FeedSource], lxml_callers: list[tuple[str, str]],
) -> None:
    settings = make_settings(tmp_path, workers=1, extractors=["language"])
    summary = pipeline.run(settings, feeds=demo_feeds)
    assert summary.feeds_polled == 6 and summary.articles_new > 0, "the run polled and processed"
    assert summary.feeds_failed == summary.articles_failed == 0
    assert lxml_callers == [], sorted(set(lxml_callers))


@pytest.mark.parametrize(("summary", "text"), [
    ("<b>Pilings</b> checked.", "Pilings checked."),
    ("<p>One</p><p>Two &amp; three</p>", "One Two & three"),
    ("a < b and c > d", "a < b and c > d"),
    ("<script>var x = 1;</script>Hello<br>world<style>p{}</style>", "Hello world"),
    ("Fish &amp chips &#8211; &eacute;t&eacute;", "Fish & chips – été"),
    ("<p>unclosed <i>ital", "unclosed ital"),
    ("\x00bad\x01 text\x7f", "bad text"),
    ("<!-- note -->z<![CDATA[ignored]]>", "z"),
    ("   ", None),
])
def test_feed_summaries_keep_their_text_only(summary: str, text: str | None) -> None:
    assert _plain(summary) == text


def test_summaries_read_the_same_from_many_threads() -> None:
    summaries = [f"<p>Item {n} &amp; <b>more</b></p><script>x={n}</script>" for n in range(400)]
    expected = [f"Item {n} & more" for n in range(400)]
    results: dict[int, list[str | None]] = {}

    def read(worker: int) -> None:
        results[worker] = [_plain(s) for s in summaries]

    threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[n] == expected for n in range(8))
