"""The search page in a real browser: Debian's chromium driven by Playwright types a query,
clicks a facet, opens an entity page and sees its map, then opens the story threads and one
thread's articles. Screenshots go to
``$NEWSFLOW_SCREENSHOTS`` (else the test's tmp dir). Without chromium or Playwright the test
skips on a developer's machine and fails under CI (tests/ci.py)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ci import unavailable
from web_app import app_over, embedded_index
from web_browser import CHROMIUM, serving, walk, walk_stories
from web_stories import story_app, story_settings


def test_query_facet_entity_page_and_map_in_chromium(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        unavailable(f"no {CHROMIUM} (Debian package chromium; scripts/install-test-deps)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is not installed (the dev extra)")
    out = Path(os.environ.get("NEWSFLOW_SCREENSHOTS") or tmp_path / "screenshots")
    app = app_over(embedded_index(tmp_path / "index.db"), semantic_available=False)
    with serving(app) as base:
        seen = walk(base, out, "drought", "Plateau Daily")
    assert seen["total"] == "3 articles"  # w2, w4, w6
    assert int(seen["marks"]) >= 3  # every hit shows its highlighted match
    assert seen["faceted_total"] == "2 articles" and "source=Plateau Daily" in seen["chips"]
    # the first timeline link of the faceted page: the people facet's top value
    assert seen["entity"].startswith("Jon Berg")
    assert seen["map_dots"] == "3" and float(seen["map_width"]) > 300  # Madrid, Valencia, Lisbon
    assert seen["elsewhere"] == ""  # no tiles, fonts or scripts from anywhere else
    for name in ("search.png", "facet.png", "entity.png"):
        assert (out / name).stat().st_size > 10_000, name
    with serving(story_app(story_settings(tmp_path / "stories"))) as base:
        story = walk_stories(base, out)
    assert story["threads"] == "Ferry crews strike in Bergen | Old bridge closed for repairs in Bergen"
    assert story["total"] == "3 articles" and story["chips"] == "story: Ferry crews strike in Bergen ✕"
    assert story["hits"] == ("Grève des équipages de ferry à Bergen | Fährpersonal streikt in Bergen"
                             " | Ferry crews strike in Bergen")  # newest first
    for name in ("stories.png", "story.png"):
        assert (out / name).stat().st_size > 10_000, name
