"""The CLI as a user meets it: hostile text in data, piped output, errors without tracebacks."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings
from rich.console import Console

from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import DemoServer
from newsflow.errors import ServerError
from newsflow.index.base import Hit, SearchResult
from newsflow.models import FeedSource
from newsflow.render import (
    make_console,
    print_document,
    print_failure_groups,
    print_failures_brief,
    print_search,
    print_stats,
)
from newsflow.state import StateStore

WEIRD = "Weird [/] Gazette"
HOSTILE = "[/] [bold]not bold[/bold] [link=x]y[/link] \\[x] [red"


def cli(settings: Settings, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``newsflow`` in a subprocess whose output is a pipe (never a terminal)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_") and k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "--data-dir", str(settings.data_dir), *args],
        capture_output=True, text=True, timeout=300, env={**base, **(env or {})},
    )
    if check:
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def weird(tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer,
          demo_feeds: list[FeedSource]) -> Settings:
    """One demo feed named with markup characters, ingested, and listed in the feed list."""
    data = tmp_path_factory.mktemp("weird")
    first = demo_feeds[0]
    feeds_file = data / "feeds.yaml"
    feeds_file.write_text(f'feeds:\n  - name: "{WEIRD}"\n    url: {first.url}\n    language: en\n', encoding="utf-8")
    settings = make_settings(data, feeds_file=feeds_file, extractors=("keywords",), workers=1)
    summary = pipeline.run(settings, feeds=[FeedSource(url=first.url, name=WEIRD, language="en")])
    assert summary.articles_new > 0
    return settings


def test_markup_in_feed_names_and_queries_is_printed_not_parsed(weird: Settings) -> None:
    listed = cli(weird, "feeds", "list").stdout
    assert WEIRD in listed
    stats = cli(weird, "stats").stdout
    assert WEIRD in stats, "stats stays usable while a document from that feed exists"
    found = cli(weird, "search", "--facet", "source", "the").stdout
    assert f"{WEIRD} ·" in found and re.search(rf"^ *{re.escape(WEIRD)} +\d+ *$", found, re.M), found
    query = cli(weird, "search", "x [/] y").stdout
    assert "match 'x [/] y'" in query


def test_every_printer_escapes_what_comes_from_data() -> None:
    """Each human printer, fed markup in every field that holds data, prints it literally."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=10_000, soft_wrap=True, color_system=None)
    doc: dict[str, Any] = {
        "title": HOSTILE, "url": f"http://a.example/{HOSTILE}", "source": HOSTILE, "published_at": "2025-12-01",
        "persons": [HOSTILE], "topic_scores": {HOSTILE: 0.5},
        "quotes": [{"text": HOSTILE, "speaker": HOSTILE}], "entity_mentions": [{"name": HOSTILE, "label": HOSTILE}],
        "extractors": [{"name": HOSTILE, "version": HOSTILE}], "field_sources": {HOSTILE: HOSTILE}, "text": HOSTILE,
    }
    result = SearchResult(
        total=1, hits=[Hit(id=HOSTILE, score=1.0, document=doc, highlights={"text": [f"<mark>{HOSTILE}</mark> {HOSTILE}"]})],
        facets={"source": [(HOSTILE, 1)]}, histogram=[(HOSTILE, 1)], next_cursor=HOSTILE,
    )
    print_search(console, HOSTILE, result)
    print_document(console, doc)
    print_stats(console, {"backend": HOSTILE, "documents": 1, "feeds": 1, "articles": {HOSTILE: 1},
                          "by_source": {HOSTILE: 1}, "by_language": {HOSTILE: 1}, "by_month": {HOSTILE: 1}})
    state = StateStore(":memory:")
    state.record_failure(HOSTILE, f"http://a.example/{HOSTILE}", ServerError(HOSTILE), retryable=True)
    print_failure_groups(console, state.failures(), state.hosts())
    summary = pipeline.RunSummary()
    summary.add_failure(HOSTILE, f"http://a.example/{HOSTILE}", ServerError(HOSTILE))
    print_failures_brief(console, summary)
    state.close()
    text = buffer.getvalue()
    # 19 fields above hold the hostile text; each printed it whole, markup and all
    assert text.count(HOSTILE) >= 19, text


def test_piped_output_is_not_wrapped_and_stats_are_not_dict_reprs(weird: Settings) -> None:
    found = cli(weird, "search", "--facet", "source", "--size", "3", "the").stdout
    urls = re.findall(r"^  (http://\S+)$", found, re.M)
    assert urls and all(len(u) > 60 for u in urls), found
    assert max(len(line) for line in found.splitlines()) > 80, "a pipe is not an 80-column terminal"
    assert "facet: source" in found.splitlines() and "f\na\nc" not in found
    stats = cli(weird, "stats").stdout
    assert "{" not in stats and "}" not in stats, stats
    assert re.search(r"^by language\n +en +\d+", stats, re.M), stats


def test_a_query_may_start_with_a_minus(weird: Settings) -> None:
    everything = json.loads(cli(weird, "search", "the", "--json", "--size", "0").stdout)["total"]
    excluded = json.loads(cli(weird, "search", "-zzzunknownword", "--json", "--size", "0").stdout)
    assert excluded["total"] >= everything > 0
    words = cli(weird, "search", "the", "-zzzunknownword").stdout
    assert "match 'the -zzzunknownword'" in words
    typo = cli(weird, "search", "--facte", "source", check=False)
    assert typo.returncode == 2 and "--facte" in typo.stderr
    literal = cli(weird, "search", "--json", "--", "--facte")
    assert json.loads(literal.stdout)["total"] >= 0


def _offline_state(settings: Settings, hosts: int, per_host: int, extra: tuple[str, str] | None = None) -> list[str]:
    """Failures as a machine without DNS records them: every host fails to resolve."""
    state = StateStore(settings.state_file)
    urls = []
    for h in range(hosts):
        for i in range(per_host):
            url = f"https://feeds.publisher-{h}.example/section/{i}/a-rather-long-path/rss.xml"
            message = (f"connection failed (ConnectError: cannot resolve feeds.publisher-{h}.example: "
                       f"[Errno -3] Temporary failure in name resolution) for {url}")
            state.record_failure("poll", url, ServerError(message, url=url), retryable=True)
            urls.append(url)
    if extra:
        state.record_failure("fetch", extra[0], ServerError(extra[1], url=extra[0], status=500), retryable=True)
        urls.append(extra[0])
    state.close()
    return urls


def test_failures_are_grouped_by_host_and_reason_with_whole_urls(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    urls = _offline_state(settings, hosts=6, per_host=8)
    shown = cli(settings, "failures", env={"COLUMNS": "80"}).stdout
    lines = shown.splitlines()
    for url in urls:
        assert sum(url in line for line in lines) == 1, f"{url} whole, once"
    assert len(lines) <= len(urls) + 6 + 10, f"{len(lines)} lines for {len(urls)} failures"
    assert "looks offline" in shown
    assert len(re.findall(r"Temporary failure in name resolution", shown)) == 6, "the reason once per host"
    data = json.loads(cli(settings, "failures", "--json").stdout)
    assert data["looks_offline"] is True


def test_one_host_answering_means_the_machine_is_not_offline(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    url = "https://up.example/a.html"
    _offline_state(settings, hosts=2, per_host=1, extra=(url, f"HTTP 500 from server for {url}"))
    shown = cli(settings, "failures").stdout
    assert "looks offline" not in shown
    assert "HTTP 500 from server" in shown and shown.count(url) == 1


def test_an_unwritable_output_file_is_one_line_not_a_traceback(tmp_path: Path, weird: Settings) -> None:
    done = cli(weird, "feeds", "export", "-o", str(tmp_path / "missing" / "dir" / "feeds.opml"), check=False)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "No such file or directory" in done.stderr


def test_an_unexpected_exception_is_one_line_and_the_traceback_goes_to_the_log(tmp_path: Path) -> None:
    """A bug (here a command that divides by zero, added for the test) ends in one line that
    says where the traceback is, and exit code 3."""
    script = (
        "import sys\nfrom newsflow import cli\n"
        "@cli.app.command('boom', hidden=True)\ndef boom() -> None:\n    print(1 / 0)\n"
        "sys.argv = ['newsflow', '--data-dir', sys.argv[1], 'boom']\ncli.main()\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "ZeroDivisionError" in done.stderr
    log = Path(re.search(r"traceback is in (\S+)\)", done.stderr)[1])  # type: ignore[index]
    assert log.is_relative_to(tmp_path) and "Traceback" in log.read_text() and "in boom" in log.read_text()


def test_the_console_does_not_wrap_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    console = make_console(stderr=True)
    assert not console.is_terminal and console.width > 1000


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
  <outline text="Good one" xmlUrl="https://good-one.example/rss.xml"/>
  <outline text="Broken" xmlUrl="feed://broken.example/rss.xml"/>
  <outline text="Good two" xmlUrl="https://good-two.example/atom.xml"/>
</body></opml>
"""


def test_feeds_import_without_a_target_never_writes_the_packaged_list(tmp_path: Path) -> None:
    from newsflow.config import PACKAGED_FEEDS
    from newsflow.feeds import load_feed_list

    packaged = PACKAGED_FEEDS.read_bytes()
    settings = make_settings(tmp_path / "data")
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML, encoding="utf-8")
    done = cli(settings, "feeds", "import", str(opml))
    assert PACKAGED_FEEDS.read_bytes() == packaged, "the tracked, commented seeds/feeds.yaml is untouched"
    own = settings.data_dir / "feeds.yaml"
    assert "added 2 feed(s)" in done.stdout and str(own) in done.stdout
    assert "Broken" in done.stderr and "feed://broken.example/rss.xml" in done.stderr, "the bad outline is reported"
    urls = [f.url for f in load_feed_list(own)]
    assert urls[: len(load_feed_list(PACKAGED_FEEDS))] == [f.url for f in load_feed_list(PACKAGED_FEEDS)]
    assert urls[-2:] == ["https://good-one.example/rss.xml", "https://good-two.example/atom.xml"]
    listed = json.loads(cli(settings, "feeds", "list", "--json").stdout)
    assert [f["url"] for f in listed] == urls, "the imported list is the one in effect"
    refused = cli(settings, "feeds", "import", str(opml), "--into", str(PACKAGED_FEEDS), check=False)
    assert refused.returncode == 2 and "packaged" in refused.stderr
    assert PACKAGED_FEEDS.read_bytes() == packaged


def test_a_wrong_spacy_model_is_reported_on_stderr(tmp_path: Path, demo_feeds: list[FeedSource]) -> None:
    """The configured model cannot load: the run still works (rule matcher), but says so."""
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - name: One\n    url: {demo_feeds[0].url}\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data")
    env = {"NEWSFLOW_FEEDS_FILE": str(feeds_file), "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1", "NEWSFLOW_WORKERS": "1",
           "NEWSFLOW_EXTRACTORS": "entities", "NEWSFLOW_SPACY_MODEL": "en_no_such_model_xyz"}
    done = cli(settings, "run", env=env)
    assert "en_no_such_model_xyz" in done.stderr and "cannot be loaded" in done.stderr, done.stderr
    assert "articles new" in done.stdout


def test_a_logged_exception_is_one_line_unless_verbose() -> None:
    import logging

    from newsflow.cli import _LogFormatter

    try:
        {}["missing"]
    except KeyError as exc:
        record = logging.LogRecord("newsflow.pipeline", logging.ERROR, __file__, 1,
                                   "unexpected error in stage %s for %s", ("fetch", "http://a.example/x"), (KeyError, exc, exc.__traceback__))
    quiet = _LogFormatter(verbose=False).format(record)
    assert "\n" not in quiet and "Traceback" not in quiet
    assert "unexpected error in stage fetch for http://a.example/x" in quiet and "KeyError: 'missing'" in quiet
    assert "Traceback" in _LogFormatter(verbose=True).format(record)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("HTTP 503 from server (Retry-After: 120) for {u}", "HTTP 503 from server (Retry-After: 120)"),
        ("feed {u} has no entries", "feed has no entries"),
        ("refusing {u}: 192.168.0.1 is a private address", "refusing: 192.168.0.1 is a private address"),
        ("no article text found on {u} (0 characters extracted)", "no article text found (0 characters extracted)"),
    ],
)
def test_a_failure_reason_does_not_repeat_its_url(message: str, reason: str) -> None:
    from newsflow.render import reason_of

    url = "http://news.example/2025/12/story.html"
    assert reason_of(message.format(u=url), url) == reason


def test_a_run_summary_says_when_the_machine_looks_offline() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, soft_wrap=True, color_system=None)
    summary = pipeline.RunSummary()
    for host in ("a.example", "b.example", "c.example"):
        url = f"https://{host}/feed.xml"
        summary.add_failure("poll", url, ServerError(f"connection failed (ConnectError: cannot resolve {host}: "
                                                     f"[Errno -3] Temporary failure in name resolution) for {url}"))
    print_failures_brief(console, summary)
    assert "looks offline" in buffer.getvalue()
    summary.add_failure("fetch", "https://d.example/a.html", ServerError("HTTP 502 from server"))
    buffer.truncate(0)
    print_failures_brief(console, summary)
    assert "looks offline" not in buffer.getvalue(), "one host answered: the machine is online"
