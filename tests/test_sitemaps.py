"""Reading one sitemap body (:mod:`newsflow.sitemaps`): urlsets, indexes, Google News fields,
odd or missing namespaces, whitespace in ``<loc>``, sitemaps.org's one-host rule, gzip (and
gzip bombs), and XML that is broken or declares a DTD. Also the feed list's ``type:`` key."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.errors import ConfigError, SitemapError
from newsflow.feeds import dump_feed_list, export_opml, load_feed_list
from newsflow.sitemap_poll import entry_of
from newsflow.sitemaps import NEWS_NS, SITEMAP_NS, SitemapURL, parse_sitemap, unpack

BASE = "https://paper.test"


def urlset(body: str, *, ns: str = f' xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}"') -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset{ns}>{body}</urlset>'.encode()


def read(xml: bytes, *, max_urls: int = 100, url: str = f"{BASE}/sitemap.xml") -> list[SitemapURL]:
    return parse_sitemap(xml, url, max_urls=max_urls).urls


def test_a_news_sitemap_gives_title_date_and_language() -> None:
    xml = urlset(f"""<url><loc>{BASE}/2025/03/bridge</loc><lastmod>2025-03-04T10:00:00+01:00</lastmod>
      <news:news><news:publication><news:name>The Paper</news:name><news:language>de</news:language></news:publication>
      <news:publication_date>2025-03-04T09:15:00+01:00</news:publication_date>
      <news:title>  The old bridge  reopens </news:title></news:news></url>""")
    (item,) = read(xml)
    assert item == SitemapURL(f"{BASE}/2025/03/bridge", "2025-03-04T10:00:00+01:00", "The old bridge  reopens",
                              "2025-03-04T09:15:00+01:00", "de")


def test_the_entry_carries_the_sitemaps_fields_as_feed_fields() -> None:
    from newsflow.models import FeedSource

    source = FeedSource(url=f"{BASE}/news.xml", name="The Paper", tags=("local",), type="sitemap")
    entry, lastmod = entry_of(source, SitemapURL(f"{BASE}/a", "2025-03-04", "  Two   words ", "2025-03-04T09:15:00+01:00",
                                                 "fr"))
    assert (entry.title, entry.published_at, entry.published_day, entry.published_offset) == (
        "Two words", "2025-03-04T08:15:00Z", "2025-03-04", "+01:00")
    assert (entry.language, entry.source, entry.feed_url, entry.tags) == ("fr", "The Paper", source.url, ("local",))
    assert lastmod == "2025-03-04T00:00:00Z"
    plain, unreadable = entry_of(source, SitemapURL(f"{BASE}/b", "last tuesday"))
    assert (plain.title, plain.published_at, unreadable) == (None, None, None)


@pytest.mark.parametrize("ns", [
    "",  # no namespace at all
    ' xmlns="http://www.google.com/schemas/sitemap/0.84"',  # the old Google namespace
    ' xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9"',  # declared under a prefix, elements unprefixed
])
def test_missing_or_odd_namespaces_are_read_by_local_name(ns: str) -> None:
    xml = urlset(f"<url><loc>{BASE}/a</loc><lastmod>2025-01-01</lastmod></url>", ns=ns)
    assert [(u.url, u.lastmod) for u in read(xml)] == [(f"{BASE}/a", "2025-01-01")]


def test_whitespace_around_loc_is_dropped_and_urls_are_normalised_and_deduplicated() -> None:
    xml = urlset(f"<url><loc>\n\t  {BASE}/a?b=2&amp;a=1&amp;utm_source=x  \n</loc></url>"
                 f"<url><loc>{BASE}/a?a=1&amp;b=2</loc></url><url><loc>HTTPS://PAPER.test/c#top</loc></url>")
    assert [u.url for u in read(xml)] == [f"{BASE}/a?a=1&b=2", f"{BASE}/c"]


def test_relative_off_site_and_non_http_locs_are_rejected_with_a_reason() -> None:
    xml = urlset(f"<url><loc>/relative/path</loc></url><url><loc>https://elsewhere.test/a</loc></url>"
                 f"<url><loc>ftp://paper.test/file</loc></url><url><loc>{BASE}/a b</loc></url>"
                 f"<url><lastmod>2025-01-01</lastmod></url><url><loc>http://paper.test/ok</loc></url>")
    found = parse_sitemap(xml, f"{BASE}/sitemap.xml", max_urls=100)
    assert [u.url for u in found.urls] == ["http://paper.test/ok"], "either scheme, same host"
    reasons = dict(found.rejected)
    assert "not an absolute URL" in reasons["/relative/path"]
    assert "host 'elsewhere.test'" in reasons["https://elsewhere.test/a"]
    assert "not an http(s) URL" in reasons["ftp://paper.test/file"]
    assert "no <loc>" in reasons[""]
    assert len(found.rejected) == 5


def test_a_host_the_request_was_redirected_to_is_allowed_too() -> None:
    xml = urlset("<url><loc>https://www.paper.test/a</loc></url>")
    assert read(xml) == []
    assert [u.url for u in parse_sitemap(xml, f"{BASE}/s.xml", max_urls=5, hosts=frozenset({"www.paper.test"})).urls]


def test_an_index_lists_its_sitemaps_on_its_own_host_only() -> None:
    xml = (f'<sitemapindex xmlns="{SITEMAP_NS}"><sitemap><loc>{BASE}/s1.xml.gz</loc><lastmod>2025-01-02</lastmod>'
           f"</sitemap><sitemap><loc>https://cdn.test/s2.xml</loc></sitemap></sitemapindex>").encode()
    index = parse_sitemap(xml, f"{BASE}/index.xml", max_urls=10)
    assert index.kind == "index" and index.sitemaps == [(f"{BASE}/s1.xml.gz", "2025-01-02")]
    assert [loc for loc, _ in index.rejected] == ["https://cdn.test/s2.xml"]


def test_entries_past_max_urls_are_not_read() -> None:
    xml = urlset("".join(f"<url><loc>{BASE}/{n}</loc></url>" for n in range(10)))
    found = parse_sitemap(xml, f"{BASE}/s.xml", max_urls=3)
    assert [u.url for u in found.urls] == [f"{BASE}/0", f"{BASE}/1", f"{BASE}/2"] and found.truncated
    assert not parse_sitemap(xml, f"{BASE}/s.xml", max_urls=10).truncated


@pytest.mark.parametrize(("xml", "words"), [
    (b"<urlset><url><loc>https://paper.test/a</loc></url>", "not well-formed"),
    (b"", "not well-formed"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element is <rss>"),
    (b'<!DOCTYPE urlset [<!ENTITY x "y">]><urlset><url><loc>https://paper.test/&x;</loc></url></urlset>',
     "DTDs and entities are not accepted"),
    (b'<!DOCTYPE urlset SYSTEM "http://10.0.0.1/evil.dtd"><urlset/>', "DTDs and entities are not accepted"),
    (b'<?xml version="1.0" encoding="x-no-such-codec"?><urlset/>', "cannot be decoded"),
])
def test_broken_or_unsafe_xml_is_a_sitemap_error(xml: bytes, words: str) -> None:
    with pytest.raises(SitemapError, match=words):
        parse_sitemap(xml, f"{BASE}/s.xml", max_urls=10)


def test_gzip_is_unpacked_by_its_magic_bytes_and_plain_xml_passes() -> None:
    xml = urlset(f"<url><loc>{BASE}/a</loc></url>")
    assert unpack(gzip.compress(xml), f"{BASE}/s.xml", "application/xml", max_bytes=10_000) == xml
    assert unpack(gzip.compress(xml) + gzip.compress(xml), f"{BASE}/s.xml.gz", None, max_bytes=10_000) == xml + xml
    # announced as gzip (.gz, a gzip type) but already decompressed on the way: read as it is
    assert unpack(xml, f"{BASE}/s.xml.gz", "application/x-gzip", max_bytes=10_000) == xml


@pytest.mark.parametrize(("body", "url", "words"), [
    (b"\x1f\x8b\x08\x00garbage-after-the-magic", f"{BASE}/s.xml.gz", "broken gzip"),
    (gzip.compress(b"<urlset>" + b" " * 5000)[:-12], f"{BASE}/s.xml.gz", "truncated gzip"),
    (b"PK\x03\x04 a zip file", f"{BASE}/s.xml.gz", "neither gzip nor XML"),
    (gzip.compress(b"<urlset>" + b" " * 50_000 + b"</urlset>"), f"{BASE}/s.xml.gz", "once decompressed"),
    (b"<urlset>" + b" " * 50_000 + b"</urlset>", f"{BASE}/s.xml", "byte limit"),
])
def test_wrong_broken_or_oversized_gzip_is_refused(body: bytes, url: str, words: str) -> None:
    with pytest.raises(SitemapError, match=words):
        unpack(body, url, None, max_bytes=10_000)


def test_a_gzip_bomb_is_stopped_at_the_limit_without_inflating_it() -> None:
    import tracemalloc

    from fault_server import gzip_bomb

    bomb = gzip_bomb(256 << 20)  # 256 MiB of zeros, ~250 KB compressed
    tracemalloc.start()
    try:
        with pytest.raises(SitemapError, match="once decompressed"):
            unpack(bomb, f"{BASE}/s.xml.gz", None, max_bytes=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"peak {peak} bytes while refusing the bomb"


# --- the feed list's type: key -----------------------------------------------------------

def test_the_feed_list_declares_sitemaps_and_sites_and_writes_them_back(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n"
                    "  - name: Paper news\n    url: https://paper.test/news-sitemap.xml\n    type: sitemap\n"
                    "  - name: Paper site\n    url: https://paper.test/\n    type: Site\n"
                    "  - name: Paper feed\n    url: https://paper.test/rss\n", encoding="utf-8")
    feeds = load_feed_list(path)
    assert [f.type for f in feeds] == ["sitemap", "site", "feed"]
    dump_feed_list(feeds, tmp_path / "again.yaml")
    assert load_feed_list(tmp_path / "again.yaml") == feeds
    opml = export_opml(feeds)
    assert "https://paper.test/rss" in opml and "sitemap" not in opml, "OPML lists feeds only"


def test_an_unknown_type_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - name: A\n    url: https://a.test/rss\n"
                    "  - name: B\n    url: https://b.test/s.xml\n    type: sitemaps\n"
                    "  - name: C\n    url: https://c.test/s.xml\n    type: [sitemap]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_feed_list(path)
    message = str(excinfo.value)
    assert f"{path}:6: feed 2 (B): type 'sitemaps' is not one of feed, sitemap, site" in message
    assert f"{path}:9: feed 3 (C): type a list is not one of" in message


# --- mutated sitemaps --------------------------------------------------------------------

_GOOD = urlset(f"""<url><loc>{BASE}/a</loc><lastmod>2025-01-01</lastmod><news:news><news:publication>
<news:language>en</news:language></news:publication><news:publication_date>2025-01-01</news:publication_date>
<news:title>A</news:title></news:news></url><url><loc>{BASE}/b</loc></url>""")


@settings(derandomize=True, database=None, deadline=None, max_examples=300,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_GOOD)), st.integers(0, 40), st.binary(max_size=12)), max_size=6),
       st.booleans())
def test_a_mutated_sitemap_is_read_or_refused_never_crashes(edits: list[tuple[int, int, bytes]], zipped: bool) -> None:
    """Any cut, splice or garbage in a sitemap (gzip or plain) gives a Sitemap or a SitemapError."""
    body = _GOOD
    for at, cut, insert in edits:
        body = body[:at] + insert + body[at + cut:]
    if zipped:
        body = gzip.compress(body)[: len(body) // 2 + 20] if edits and edits[0][2][:1] == b"\0" else gzip.compress(body)
    try:
        found = parse_sitemap(unpack(body, f"{BASE}/s.xml.gz", None, max_bytes=100_000), f"{BASE}/s.xml", max_urls=10)
    except SitemapError:
        return
    assert all(u.url.startswith(("http://paper.test/", "https://paper.test/")) for u in found.urls)
