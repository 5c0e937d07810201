"""Drive Debian's chromium with Playwright (never a browser Playwright downloads) through the
search page: type a query, click a facet, open an entity page, see its map; open the story
threads and one thread's articles. Used by
``tests/test_web_browser.py`` and, over the demo index, to make the README's screenshots::

    python tests/web_browser.py INDEX_FILE OUT_DIR "QUERY" FACET_VALUE
"""

from __future__ import annotations

import contextlib
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` on a free loopback port in a thread; yields its base URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
            if not thread.is_alive():
                raise RuntimeError("the web app did not start")
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def walk(base: str, out: Path, query: str, facet_value: str) -> dict[str, str]:
    """The walk through the page; returns what it saw (texts to assert on; ``elsewhere``: every
    URL the browser requested outside ``base``) and writes
    ``search.png``, ``facet.png``, ``entity.png`` under ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="nf-chromium-") as profile, sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1280, "height": 900})
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.goto(base + "/")
            page.get_by_label("query").fill(query)
            page.get_by_label("query").press("Enter")
            page.wait_for_url("**/?q=*")
            seen["total"] = page.get_by_test_id("total").inner_text()
            seen["marks"] = str(page.locator("article.hit mark").count())
            page.screenshot(path=str(out / "search.png"), full_page=True)
            page.locator(f'.facet a[data-value="{facet_value}"]').first.click()
            page.wait_for_url("**filter=*")
            seen["faceted_total"] = page.get_by_test_id("total").inner_text()
            seen["chips"] = " | ".join(page.locator("a.chip").all_inner_texts())
            page.screenshot(path=str(out / "facet.png"), full_page=True)
            page.locator(".facet a[data-entity]").first.click()
            page.wait_for_url("**/entity/**")
            seen["entity"] = page.get_by_test_id("entity").inner_text()
            page.get_by_test_id("map").wait_for(state="visible")
            seen["map_dots"] = str(page.locator("svg.map circle").count())
            box = page.get_by_test_id("map").bounding_box()
            seen["map_width"] = str(box["width"] if box else 0)
            page.screenshot(path=str(out / "entity.png"), full_page=True)
            seen["elsewhere"] = " ".join(u for u in requested if not u.startswith(base + "/"))
        finally:
            browser.close()
    return seen


def walk_stories(base: str, out: Path) -> dict[str, str]:
    """Open ``/stories`` from the search page's header, click the first thread and see its
    articles; returns what it saw and writes ``stories.png`` and ``story.png`` under ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="nf-chromium-") as profile, sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1280, "height": 900})
        try:
            page = browser.new_page()
            page.goto(base + "/")
            page.locator("header a", has_text="Stories").click()
            page.wait_for_url("**/stories")
            seen["threads"] = " | ".join(page.locator("article.thread h2").all_inner_texts())
            page.screenshot(path=str(out / "stories.png"), full_page=True)
            page.locator("article.thread h2 a").first.click()
            page.wait_for_url("**filter=story_id*")
            seen["total"] = page.get_by_test_id("total").inner_text()
            seen["chips"] = " | ".join(page.locator("a.chip").all_inner_texts())
            seen["hits"] = " | ".join(page.locator("article.hit h2").all_inner_texts())
            page.screenshot(path=str(out / "story.png"), full_page=True)
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    import functools

    from newsflow.index.embedded import EmbeddedBackend
    from newsflow.web.app import create_app

    index, out_dir, text, value = sys.argv[1:5]
    with serving(create_app(functools.partial(EmbeddedBackend, index))) as url:
        print(walk(url, Path(out_dir), text, value))
