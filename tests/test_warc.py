"""The raw archive and backfill: fetched pages kept in WARC files, re-cleaned from them with the
server stopped, and WARC files from elsewhere (written here with warcio, hostile ones too)
imported through the same pipeline."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_settings
from fault_server import article, rss
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsflow import pipeline
from newsflow.archive import INDEX_NAME, ArchiveIndex, payload_digest
from newsflow.demo_server import DemoServer, serving
from newsflow.errors import ConfigError
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore
from newsflow.urls import doc_id

CHAIN = ("language", "reading", "keywords", "simhash")
PLACES = ("Port Ellis", "Marrow Bay", "Lindqvist Sound")


def _site(root: Path) -> Path:
    """A small news site of ours: one feed, three articles."""
    root.mkdir(parents=True, exist_ok=True)
    paths = [f"/news/{i}.html" for i in range(len(PLACES))]
    for path, place in zip(paths, PLACES, strict=True):
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_text(article(f"Storm damage in {place}", extra=f"near {place}"), "utf-8")
    (root / "feed.xml").write_bytes(rss("{{BASE}}", *paths, title="Harbour News"))
    return root


@pytest.fixture
def site(tmp_path: Path) -> DemoServer:
    with serving(_site(tmp_path / "site")) as server:
        yield server


def _feeds(server: DemoServer) -> list[FeedSource]:
    return [FeedSource(url=server.base_url + "/feed.xml", name="Harbour News")]


def _records(directory: Path) -> list[tuple[str, str, dict[str, str], dict[str, str], bytes]]:
    """(type, target URI, WARC headers, HTTP headers, payload) of every record of the archive."""
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as handle:
            for rec in ArchiveIterator(handle):
                http = dict(rec.http_headers.headers) if rec.http_headers else {}
                out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI") or "",
                            dict(rec.rec_headers.headers), http, rec.content_stream().read()))
    return out


def test_fetched_pages_are_archived_with_request_and_headers_and_rotated(site: DemoServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", extractors=CHAIN, workers=1, archive_rotate_bytes=1)
    summary = pipeline.run(settings, feeds=_feeds(site))
    assert summary.articles_new == 3 and summary.pages_archived == 3 and summary.archive_errors == 0

    archive = settings.data_dir / "warc"
    assert len(list(archive.glob("*.warc.gz"))) == 3, "rotated at 1 byte: one page per file"
    records = _records(archive)
    responses = [r for r in records if r[0] == "response"]
    requests = [r for r in records if r[0] == "request"]
    assert len(responses) == len(requests) == 3 and sum(r[0] == "warcinfo" for r in records) == 3
    served = {f"{site.base_url}/news/{i}.html": (tmp_path / "site" / "news" / f"{i}.html").read_bytes()
              for i in range(3)}
    index = EmbeddedBackend(settings.index_file)
    for _kind, target, warc, http, payload in responses:
        assert payload == served[target], "the body as served"
        assert http["Content-Type"] == "text/html; charset=utf-8" and "ETag" in http
        assert warc["WARC-Payload-Digest"] == payload_digest(payload)
        doc = index.get(doc_id(target))
        assert doc is not None and doc["fetched_at"] == warc["WARC-Date"], "WARC-Date is the fetch time"
    for _, target, _warc, http, _ in requests:
        assert target in served and http["User-Agent"] == settings.user_agent
    index.close()

    lookup = ArchiveIndex(archive / INDEX_NAME)
    try:
        assert lookup.count() == 3
        first = lookup.latest([f"{site.base_url}/news/0.html"])
        assert first is not None and first.digest == payload_digest(served[first.target_uri])
        assert [r.url for r in lookup.by_digest(first.digest)] == [first.url]
    finally:
        lookup.close()

    again = pipeline.ingest_urls(settings, list(served))  # the same pages fetched again
    assert again.articles_new == 0 and again.pages_archived == 0, "an unchanged page is not archived twice"
    assert len(list(archive.glob("*.warc.gz"))) == 3


def test_a_failing_archive_is_recorded_and_the_articles_are_kept(site: DemoServer, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the archive directory should be", "utf-8")
    settings = make_settings(tmp_path / "data", extractors=CHAIN, workers=1, archive_dir=blocker / "warc")
    summary = pipeline.run(settings, feeds=_feeds(site))
    assert summary.articles_new == 3, "the articles are indexed anyway"
    assert summary.archive_errors == 3 and summary.exit_code == 1
    state = StateStore(settings.state_file)
    try:
        failed = state.failures("archive")
        assert len(failed) == 3 and {f.error_class for f in failed} == {"ArchiveError"}
        assert all("cannot open the archive" in f.message for f in failed)
        assert state.counts()["done"] == 3, "the articles themselves are done"
    finally:
        state.close()

    fixed = settings.replace(archive_dir=tmp_path / "warc")
    later = pipeline.ingest_urls(fixed, [f"{site.base_url}/news/{i}.html" for i in range(3)])
    assert later.pages_archived == 3 and later.archive_errors == 0 and later.exit_code == 0
    state = StateStore(settings.state_file)
    try:
        assert state.failures("archive") == [], "a later successful write clears the failure"
    finally:
        state.close()


def test_reclean_rebuilds_documents_from_the_archive_with_the_server_stopped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", extractors=CHAIN, workers=1)
    with serving(_site(tmp_path / "site")) as server:
        base = server.base_url
        first = pipeline.run(settings, feeds=_feeds(server))
        assert first.articles_new == 3
    # the server is gone: any request would now fail (connection refused)
    index = EmbeddedBackend(settings.index_file)
    try:
        target = doc_id(f"{base}/news/1.html")
        before = index.get(target)
        assert before is not None and "Marrow Bay" in before["text"]
        # what an older, buggy cleaner had produced: the text cut short and the title lost
        stale = {**before, "text": "Storm damage.", "title": "", "extractors": []}
        index.upsert([stale])
        assert index.get(target)["text"] == "Storm damage."  # type: ignore[index]
    finally:
        index.close()

    summary = pipeline.reprocess(settings, reclean=True)
    assert summary.articles_failed == 0 and summary.exit_code == 0, summary.failures
    assert summary.articles_updated == 1 and summary.articles_unchanged == 2
    index = EmbeddedBackend(settings.index_file)
    try:
        after = index.get(target)
        assert after is not None
        assert after["text"] == before["text"] and after["title"] == "Storm damage in Marrow Bay"
        assert after["fetched_at"] == before["fetched_at"], "the fetch time is the original one"
        assert {run["name"] for run in after["extractors"]} == set(CHAIN)
        assert after["source"] == "Harbour News", "the feed-side fields come from the stored entry"
    finally:
        index.close()
    state = StateStore(settings.state_file)
    try:
        assert state.failures() == [], "no fetch was attempted"
    finally:
        state.close()


def _response(writer: WARCWriter, url: str, body: bytes, *, date: str, status: str = "200 OK",
              content_type: str = "text/html; charset=utf-8", extra: tuple[tuple[str, str], ...] = (),
              warc_extra: dict[str, str] | None = None) -> None:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body),
        warc_headers_dict={"WARC-Date": date, **(warc_extra or {})},
        http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
    ))


def _cc_news_like(path: Path) -> dict[str, str]:
    """A gzipped WARC as a news crawl writes it, with hostile records among the good ones;
    returns the good pages' URL → WARC-Date."""
    good = {
        "http://harbour.example/2025/storm-port-ellis": "2025-12-01T09:15:00Z",
        "http://harbour.example/2025/ferries-marrow-bay": "2025-12-02T10:30:00Z",
        "http://islands.example/news/lindqvist-sound-pier": "2025-12-03T11:45:00Z",
    }
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "a test crawler"}))
    titles = iter(PLACES)
    for url, date in good.items():
        body = article(f"Storm damage in {next(titles)}", extra=f"({url.rsplit('/', 1)[1]})").encode()
        if url.startswith("http://islands"):  # served gzip-compressed, as crawlers keep it
            _response(writer, url, gzip.compress(body), date=date, extra=(("Content-Encoding", "gzip"),))
        else:
            _response(writer, url, body, date=date)
        writer.write_record(writer.create_warc_record(
            url, "request", warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", "harbour.example")], is_http_request=True)))
    _response(writer, "http://harbour.example/report.pdf", b"%PDF-1.7 not a page", date="2025-12-01T00:00:00Z",
              content_type="application/pdf")
    _response(writer, "http://harbour.example/huge", b"<html><body>" + b"x" * 40_000 + b"</body></html>",
              date="2025-12-01T00:00:00Z")
    _response(writer, "http://harbour.example/cut", article("Cut short").encode()[:300], date="2025-12-01T00:00:00Z",
              warc_extra={"WARC-Truncated": "length"})
    _response(writer, "http://harbour.example/gone", b"<html>gone</html>", date="2025-12-01T00:00:00Z",
              status="404 Not Found")
    data = bytearray(buf.getvalue())
    # one more page whose gzip member is damaged in the middle, then a last good one
    tail = io.BytesIO()
    later = WARCWriter(tail, gzip=True)
    _response(later, "http://harbour.example/damaged", article("Damaged").encode(), date="2025-12-04T00:00:00Z")
    damaged = bytearray(tail.getvalue())
    damaged[40:60] = b"\0" * 20
    last = io.BytesIO()
    _response(WARCWriter(last, gzip=True), "http://harbour.example/after-damage",
              article("The breakwater holds", extra="after the damaged record").encode(), date="2025-12-05T08:00:00Z")
    good["http://harbour.example/after-damage"] = "2025-12-05T08:00:00Z"
    path.write_bytes(bytes(data) + bytes(damaged) + last.getvalue())
    return good


def test_import_warc_ingests_pages_records_bad_ones_and_is_idempotent(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", extractors=CHAIN, workers=1, max_page_bytes=20_000)
    warc = tmp_path / "CC-NEWS-test.warc.gz"
    good = _cc_news_like(warc)
    plain = tmp_path / "cut.warc"  # an uncompressed file cut off in the middle of its record
    buf = io.BytesIO()
    _response(WARCWriter(buf, gzip=False), "http://harbour.example/plain", article("Plain").encode(),
              date="2025-12-06T00:00:00Z")
    plain.write_bytes(buf.getvalue()[:-400])
    missing = tmp_path / "nowhere.warc.gz"

    summary = pipeline.import_warc(settings, [warc, plain, missing])
    assert summary.articles_new == len(good) == 4
    reasons = {f["url"]: f["message"] for f in summary.failures}
    assert "is not HTML" in reasons["http://harbour.example/report.pdf"]
    assert "larger than max_page_bytes" in reasons["http://harbour.example/huge"]
    assert "WARC-Truncated" in reasons["http://harbour.example/cut"]
    assert "HTTP 404" in reasons["http://harbour.example/gone"]
    assert any("damaged WARC data" in m and "skipped to byte" in m for m in reasons.values())
    assert "truncated record" in reasons["http://harbour.example/plain"]
    assert "cannot open" in reasons[str(missing)]
    assert summary.articles_failed == len(reasons) == 7 and summary.exit_code == 1
    state = StateStore(settings.state_file)
    try:
        assert {f.url for f in state.failures("import")} == set(reasons)
    finally:
        state.close()

    index = EmbeddedBackend(settings.index_file)
    try:
        for url, date in good.items():
            doc = index.get(doc_id(url))
            assert doc is not None, url
            assert doc["fetched_at"] == date, "the WARC-Date is the fetch time"
            assert doc["text"].startswith("The harbour of Port Ellis reopened")
        assert index.get(doc_id("http://islands.example/news/lindqvist-sound-pier"))["title"] == (  # type: ignore[index]
            "Storm damage in Lindqvist Sound"), "a gzip-encoded body is decoded"
        count = index.count()
    finally:
        index.close()

    again = pipeline.import_warc(settings, [warc])
    assert again.articles_new == again.articles_updated == 0 and again.articles_unchanged == 4
    index = EmbeddedBackend(settings.index_file)
    try:
        assert index.count() == count
    finally:
        index.close()
    lookup = ArchiveIndex(settings.data_dir / "warc" / INDEX_NAME)
    try:
        assert lookup.count() == 4, "imported records are indexed once, pointing into the file"
        record = lookup.latest(["http://harbour.example/after-damage"])
        assert record is not None and record.origin == "import" and record.filename == str(warc.resolve())
    finally:
        lookup.close()

    recleaned = pipeline.reprocess(settings, reclean=True)  # the imported pages, read back from the file
    assert recleaned.articles_unchanged == 4 and recleaned.articles_failed == 0


def test_cli_import_warc_and_reclean(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    warc = tmp_path / "in.warc.gz"
    buf = io.BytesIO()
    _response(WARCWriter(buf, gzip=True), "http://harbour.example/cli", article("Storm damage in Port Ellis").encode(),
              date=datetime(2025, 12, 1, 9, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    warc.write_bytes(buf.getvalue())
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["NEWSFLOW_EXTRACTORS"] = ",".join(CHAIN)
    env["NEWSFLOW_WORKERS"] = "1"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "newsflow.cli", "--data-dir", str(settings.data_dir), *args],
                              capture_output=True, text=True, timeout=300, env=env)

    done = cli("import-warc", str(warc), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["articles_new"] == 1
    bad = cli("import-warc", str(tmp_path / "missing.warc.gz"), "--json")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert json.loads(bad.stdout)["failures"][0]["stage"] == "import"
    redo = cli("reprocess", "--reclean", "--json")
    assert redo.returncode == 0, redo.stderr
    assert json.loads(redo.stdout)["articles_unchanged"] == 1


def test_with_the_archive_off_nothing_is_kept_and_reclean_says_why(site: DemoServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", extractors=CHAIN, workers=1, archive=False)
    summary = pipeline.run(settings, feeds=_feeds(site))
    assert summary.articles_new == 3 and summary.pages_archived == 0 and summary.exit_code == 0
    assert not (settings.data_dir / "warc").exists()
    with pytest.raises(ConfigError, match="setting archive is off"):
        pipeline.reprocess(settings, reclean=True)
