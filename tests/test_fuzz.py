"""Fuzzing: mutated feeds, pages and URLs through polling, decoding, cleaning and every extractor.

Whatever the input, no exception escapes a stage: a bad entry, page or URL is that item's
recorded failure (a :class:`~newsflow.errors.StageError`), and a stage never runs past its
per-article time budget. Hypothesis with a fixed seed (``derandomize``), a bounded number of
examples and no example database, so CI runs the same inputs every time in seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from extractors import resolve
from newsflow import pipeline
from newsflow.demo_server import DemoServer, send, serving
from newsflow.encoding import decode_html
from newsflow.errors import InvalidURL, StageError
from newsflow.fetching import Response
from newsflow.models import FeedEntry, FeedSource, FetchedPage
from newsflow.polling import parse_feed
from newsflow.urls import doc_id, normalize_url
from newsflow.workers import cpu_batch
from newsflow.xmlguard import check_feed_xml

FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

ODD_LINKS = [
    "http://[2001:db8::1]/a", "http://[2001:db8::1]:8080/a?b=1", "http://[::1/a", "http://[fe80::1%25eth0]/",
    "http://user:pw@example.org/a", "http://example.org:99999/a", "http://example.org:/a", "http://example.org:x/",
    "http://bücher.example/ä?ö=ü", "http://xn--a.example/", "http://xn--bcher-kva.example/", "http://a_b.example/",
    "http://" + "a" * 70 + ".example/", "http://" + "ab." * 100 + "example/", "http://%41.example/",
    "http://example.org/%zz%", "http://example.org/\u202e", "https://example.org/a#frag", "http://./", "http:///x",
    "HTTP://EXAMPLE.ORG", "http://example.org/" + "x" * 9000, "http://[1.2.3.4]/", "http://0x7f.1/",
    "http://example.org/a?utm_source=x&b=&&=&a", "http://example.org\\@evil.example/", "http://ex ample.org/",
    "javascript:alert(1)", "mailto:a@example.org", "//example.org/a", "/relative", "",
]
TOKENS = [
    b"<", b">", b"&", b"&amp;", b"&nbsp;", b"&#0;", b"&#x110000;", b"&#xD800;", b"]]>", b"<![CDATA[", b"<!--",
    b"-->", b"<!DOCTYPE rss [", b'<!ENTITY e "x">', b"&e;", b'<!DOCTYPE rss SYSTEM "x<a">', b"<?xml ?>",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80", b"\xd0\x9f\xd1\x80", b"\x1b", b"\r", b"\t",
    b"</item>", b"<item>", b"<link>", b"</link>", b"<entry>", b"<pubDate>32 Foo 99999 99:99:99 +9999</pubDate>",
    b"<dc:date>-0001-13-45T25:61:61Z</dc:date>", b"<author>&lt;b&gt;</author>", b"<category/>",
    b'<link href="http://[::1/x"/>', b"<description><![CDATA[<p>x</p>]]></description>", b"\xe6\x97\xa5\xe6\x9c\xac",
]
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Coast news</title>
<link>http://news.example/</link><language>en-gb</language>
<item><title>Harbour reopens</title><link>{link0}</link><pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate>
<description>&lt;p&gt;Boats are back.&lt;/p&gt;</description><author>ada@example.org (Ada Lane)</author></item>
<item><title>Ferry resumes</title><link>{link1}</link><dc:date>2025-12-02T09:30:00+01:00</dc:date>
<category>Transport</category></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Coast</title><id>urn:x</id><updated>2025-12-01T00:00:00Z</updated>
<entry><title>Pier closed</title><link href="{link0}"/><id>{link1}</id><updated>2025-12-01T10:00:00Z</updated>
<author><name>Omar Diallo</name></author><summary type="html">&lt;b&gt;Pilings&lt;/b&gt; checked.</summary></entry>
</feed>"""
PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2025-12-01T08:00:00Z"></head><body>
<nav><a href="/">Home</a></nav><article><h1>{title}</h1>
<p>The harbour of Port Ellis reopened on Monday after three days of closure, the port authority said,
as crews cleared debris left by the storm that flooded the waterfront on 28 November.</p>
<p>"We will rebuild the quay by June," said Mayor Anna Schmidt, adding that 2,300 homes in Lyon and
Marseille were still without power and that prices rose by 3.5% in March.</p>
<p>{extra}</p></article><footer>© Example</footer></body></html>"""


@st.composite
def mutated(draw: st.DrawFn, template: bytes) -> bytes:
    """``template`` with a few tokens inserted, spans deleted or duplicated, bytes flipped."""
    data = bytearray(template)
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "repeat", "flip", "random"]))
        if op == "insert":
            data[where:where] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[where : where + draw(st.integers(1, 40))]
        elif op == "repeat":
            chunk = bytes(data[where : where + draw(st.integers(1, 60))])
            data[where:where] = chunk * draw(st.integers(1, 100))
        elif op == "flip" and data:
            at = min(where, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        else:
            data[where:where] = draw(st.binary(max_size=30))
    return bytes(data)


def feeds() -> st.SearchStrategy[bytes]:
    links = st.sampled_from(ODD_LINKS) | st.text(max_size=40).map(lambda t: "http://example.org/" + t)
    return st.tuples(st.sampled_from([RSS, ATOM]), links, links).flatmap(
        lambda t: mutated(t[0].format(link0=_xml(t[1]), link1=_xml(t[2])).encode("utf-8", "surrogatepass")))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@settings(FUZZ, max_examples=300)
@given(st.sampled_from(ODD_LINKS) | st.text(max_size=60) | st.text(max_size=30).map(lambda t: f"http://{t}/a"))
def test_urls_normalise_or_fail_with_invalid_url(url: str) -> None:
    try:
        normal = normalize_url(url)
    except InvalidURL:
        return
    assert normalize_url(normal) == normal
    assert len(doc_id(url)) == 20


@settings(FUZZ, max_examples=150)
@given(feeds(), st.sampled_from(["", "utf-8", "iso-8859-1", "bogus"]))
@example(RSS.format(link0="http://a.example/", link1="x").replace("utf-8", "\x80tf-8").encode("latin-1"), "")
@example(RSS.format(link0="http://a.example/", link1="x").replace("utf-8", "\x00tf-8").encode("latin-1"), "")
@example(RSS.format(link0="http://a.example/", link1="x").replace("utf-8", "rot13").encode(), "")
@example(RSS.format(link0="http://a.example/", link1="x").replace("<author>ada@example.org (Ada Lane)</author>",
                                                             "<author></author><dc:creator/>").encode(), "")
def test_mutated_feeds_parse_or_fail_as_stage_errors(body: bytes, charset: str) -> None:
    feed = FeedSource(url="http://news.example/feed.xml", name="fuzz")
    response = Response(feed.url, feed.url, 200, "application/rss+xml", charset or None, body)
    rejected: list[tuple[str, StageError]] = []
    try:
        check_feed_xml(body, feed.url)
        entries, _ = parse_feed(response, feed, rejected=rejected)
    except StageError:
        return
    for entry in entries:
        assert normalize_url(entry.url) == entry.url
        doc_id(entry.url)
    assert all(isinstance(error, StageError) for _, error in rejected)


@pytest.fixture(scope="module")
def feed_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    current = {"body": b""}
    root = tmp_path_factory.mktemp("fuzz-site")
    routes = {"/feed.xml": lambda h: send(h, 200, current["body"], "application/rss+xml")}
    with serving(root, routes=routes) as server:  # type: ignore[arg-type]
        yield server, current


@settings(FUZZ, max_examples=20)
@given(feeds())
def test_mutated_feeds_never_stop_a_poll(feed_server: tuple[DemoServer, dict[str, bytes]], tmp_path: Path,
                                         body: bytes) -> None:
    server, current = feed_server
    current["body"] = body
    settings_ = make_settings(tmp_path / f"data-{abs(hash(body))}", workers=1)
    summary = pipeline.RunSummary()
    with pipeline.Resources(settings_) as res:
        pipeline.poll(res, [FeedSource(url=f"{server.base_url}/feed.xml", name="fuzz")], summary,
                      pipeline.NO_PROGRESS)
        failures = res.state.failures()
    assert summary.feeds_polled == 1
    assert summary.feeds_failed + summary.feeds_changed + summary.feeds_unchanged == 1
    assert all(f.error_class != "StageError" for f in failures), [f.message for f in failures]  # no bug wrapped


def pages() -> st.SearchStrategy[bytes]:
    extra = st.sampled_from([
        "", "Short. " * 800, "x" * 8000, "<div>" * 3000 + "deep" + "</div>" * 3000, "&#0;&#x4;&#xFFFF;",
        "<script>alert(1)</script>" * 50, "« Quote » said Jean Dupont. " * 60, "\u202e\u200b\ufeff" * 100,
        "1 2 3 4 5 6 7 8 9 " * 300, "<table>" + "<tr><td>1</td></tr>" * 500 + "</table>",
        "On 31 February 2025 and 99/99/9999 and next Tuesday. " * 40, "\"Open quote never closed " * 100,
    ])
    return st.tuples(st.sampled_from(["en", "fr", "de", "ru", "xx", ""]), st.text(max_size=80), extra).flatmap(
        lambda t: mutated(PAGE.format(lang=t[0], title=_xml(t[1]), extra=t[2]).encode("utf-8", "surrogatepass")))


CHAIN = resolve(None)


@settings(FUZZ, max_examples=15)
@given(st.lists(pages(), min_size=1, max_size=2), st.sampled_from([None, "utf-8", "windows-1251", "x-bogus"]))
def test_mutated_pages_through_cleaning_and_every_extractor(bodies: list[bytes], charset: str | None) -> None:
    items = []
    for i, body in enumerate(bodies):
        url = f"http://news.example/{i}"
        decoded = decode_html(body, charset)  # never raises
        page = FetchedPage(url, url, 200, "text/html", decoded.text, datetime.now(UTC), decoded.provenance)
        items.append((FeedEntry(url=url, feed_url="", source="fuzz", title="T"), page))
    result = cpu_batch(items, CHAIN, budget=20.0)
    assert len(result.articles) + len(result.clean_failures) == len(items)
    assert all(isinstance(error, StageError) for _, error in result.clean_failures), result.clean_failures
    assert not result.extractor_errors, result.extractor_errors
