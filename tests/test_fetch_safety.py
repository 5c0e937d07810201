"""Unit-level checks of the SSRF guard, the XML guard, bounded decoding, charsets and Retry-After."""

from __future__ import annotations

import gzip
import ipaddress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from fault_server import BILLION_LAUGHS, EXTERNAL_DTD, XXE, deflate, gzip_bomb

from newsflow.bodies import read_limited, sniff_binary
from newsflow.config import load_settings
from newsflow.errors import BadContent, ConfigError, UnsafeFeed, UnsafeURL
from newsflow.fetching import Response, decode_html, parse_retry_after
from newsflow.safety import blocked_reason, check_host, parse_allow_hosts
from newsflow.xmlguard import check_feed_xml

NOBODY = parse_allow_hosts(())


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.1", "private"), ("192.168.1.20", "private"),
    ("172.16.0.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"), ("::ffff:127.0.0.1", "loopback (embedded in ::ffff:7f00:1)"),
    ("2002:7f00:1::", "loopback (embedded in 2002:7f00:1::)"), ("fd00::1", "private"),
])
def test_blocked_addresses(address: str, reason: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_names_are_checked_after_resolution_and_the_allowlist_takes_names_ips_and_networks() -> None:
    with pytest.raises(UnsafeURL, match=r"localhost \(127\.0\.0\.1\) is a loopback address"):
        check_host("localhost", 80, NOBODY, url="http://localhost/")
    with pytest.raises(UnsafeURL, match="allow_hosts"):
        check_host("2130706433", 80, NOBODY, url="http://2130706433/")  # 127.0.0.1 as one number
    assert check_host("localhost", 80, parse_allow_hosts(["localhost"]), url="http://localhost/")
    assert check_host("127.0.0.1", 80, parse_allow_hosts(["127.0.0.0/8"]), url="http://127.0.0.1/")
    assert check_host("::1", 80, parse_allow_hosts(["::1"]), url="http://[::1]/")
    with pytest.raises(UnsafeURL):
        check_host("10.0.0.1", 80, parse_allow_hosts(["127.0.0.1"]), url="http://10.0.0.1/")
    allow = parse_allow_hosts([".example.org"])
    assert allow.allows_name("feeds.example.org") and not allow.allows_name("example.org.evil.net")


def test_a_bad_allow_hosts_entry_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="allow_hosts"):
        load_settings(environ={"NEWSFLOW_ALLOW_HOSTS": "127.0.0.1,10.0.0.0/33"})
    with pytest.raises(ConfigError, match="neither a host name"):
        load_settings(environ={"NEWSFLOW_ALLOW_HOSTS": "http://x/"})
    assert load_settings(environ={"NEWSFLOW_ALLOW_HOSTS": "localhost, 10.0.0.0/8"}).allow_hosts == (
        "localhost", "10.0.0.0/8")


def test_the_test_hook_is_not_a_setting() -> None:
    # the kill tests pause the CLI from tests/kill_harness.py: newsflow knows no variable of theirs
    with pytest.raises(ConfigError, match=r"unknown environment variable.*NEWSFLOW_TEST_PAUSE_AT"):
        load_settings(environ={"NEWSFLOW_TEST_PAUSE_AT": "mid-fetch"})


@pytest.mark.parametrize(("body", "reason"), [
    (BILLION_LAUGHS, "declares XML entities"),
    (XXE, "declares XML entities"),
    (EXTERNAL_DTD, "references an external DTD"),
    (b'<?xml version="1.0"?><!-- <rss> --><!DOCTYPE r [<!ENTITY a "b">]><rss/>', "declares XML entities"),
    (b"\xef\xbb\xbf" + XXE, "declares XML entities"),
    (XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16"),
     "declares XML entities"),
    (XXE.decode().replace('<?xml version="1.0"?>', "").encode("utf-16-be"), "declares XML entities"),
    (b'<!DOCTYPE rss PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://10.0.0.1/x.dtd"><rss/>', "external DTD"),
])
def test_xml_attacks_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(UnsafeFeed, match=reason):
        check_feed_xml(body, "http://example.org/feed")


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
    b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel/></rss>',
    b'<rss><channel><item><description><![CDATA[How <!DOCTYPE x [<!ENTITY y SYSTEM "file:///">]> works]]>'
    b"</description></item></channel></rss>",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
])
def test_ordinary_feeds_pass_the_xml_guard(body: bytes) -> None:
    check_feed_xml(body, "http://example.org/feed")


def _response(body: bytes, encoding: str = "") -> httpx.Response:
    headers = {"content-encoding": encoding} if encoding else {}
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))


def test_decoding_is_bounded_by_the_decoded_size() -> None:
    far = 10**12
    bomb = gzip_bomb(32 << 20)
    assert len(bomb) < 100_000
    with pytest.raises(BadContent, match="decompressed body larger than the 1000000 byte limit"):
        read_limited(_response(bomb, "gzip"), max_bytes=1_000_000, deadline=far, url="u")
    deflated = deflate(b"\0" * (8 << 20))
    with pytest.raises(BadContent, match="decompressed body larger"):
        read_limited(_response(deflated, "deflate"), max_bytes=1_000_000, deadline=far, url="u")
    text = b"<p>hello</p>" * 1000
    assert read_limited(_response(gzip.compress(text), "gzip"), max_bytes=20_000, deadline=far, url="u") == text
    for raw in (False, True):
        assert read_limited(_response(deflate(text, raw=raw), "deflate"), max_bytes=20_000, deadline=far, url="u") == text
    with pytest.raises(BadContent, match="larger than the 100 byte limit"):
        read_limited(_response(text), max_bytes=100, deadline=far, url="u")
    with pytest.raises(BadContent, match="could not be decompressed"):
        read_limited(_response(b"not gzip at all", "gzip"), max_bytes=100, deadline=far, url="u")
    with pytest.raises(BadContent, match="unsupported Content-Encoding 'zstd'"):
        read_limited(_response(b"x", "zstd"), max_bytes=100, deadline=far, url="u")


def _page(body: bytes, charset: str | None) -> Response:
    return Response(url="u", final_url="u", status=200, content_type="text/html", charset=charset, body=body)


@pytest.mark.parametrize(("body", "charset", "expected"), [
    ("Zürich café".encode(), "utf-8", "Zürich café"),
    ("Zürich café".encode("cp1252"), "utf-8", "Zürich café"),            # wrong HTTP charset
    ("<meta charset='windows-1251'>Порт".encode("cp1251"), None, "Порт"),  # absent HTTP charset, meta
    ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">Łódź'.encode("iso-8859-2"), None, "Łódź"),
    (b"\xef\xbb\xbf" + "Grüße".encode(), "iso-8859-1", "Grüße"),          # BOM wins
    ("Grüße".encode(), "x-no-such-charset", "Grüße"),                     # unknown charset name
    ("Grüße".encode(), None, "Grüße"),                                    # nothing declared
])
def test_html_charsets(body: bytes, charset: str | None, expected: str) -> None:
    assert expected in decode_html(_page(body, charset))


def test_undecodable_bytes_never_crash() -> None:
    text = decode_html(_page(b"ok \x81\x8d\x8f\x90\x9d \xff\xfe end", "utf-8"))
    assert text.startswith("ok") and text.endswith("end")


def test_binary_sniffing() -> None:
    assert sniff_binary(b"\x89PNG\r\n\x1a\n....") == "a PNG image"
    assert sniff_binary(b"%PDF-1.7") == "a PDF document"
    assert sniff_binary(b"<html>\x00\x01</html>") == "binary data (NUL bytes)"
    assert sniff_binary("<rss/>".encode("utf-16")) is None
    assert sniff_binary(b"<html>fine</html>") is None


def test_retry_after_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(now + timedelta(minutes=5), usegmt=True), now=now) == 300
    assert parse_retry_after(format_datetime(now - timedelta(minutes=5), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_an_old_state_file_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    from newsflow.state import StateStore

    path = tmp_path / "state.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE feeds (url TEXT PRIMARY KEY, name TEXT NOT NULL, etag TEXT, last_modified TEXT,
            body_hash TEXT, last_status TEXT, last_http_status INTEGER, last_polled_at TEXT,
            last_changed_at TEXT, entries_total INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE articles (url TEXT PRIMARY KEY, doc_id TEXT NOT NULL, feed_url TEXT NOT NULL,
            status TEXT NOT NULL, entry TEXT NOT NULL, first_seen_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE failures (id INTEGER PRIMARY KEY, stage TEXT NOT NULL, url TEXT NOT NULL,
            error_class TEXT NOT NULL, message TEXT NOT NULL, retryable INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1, first_failed_at TEXT NOT NULL, last_failed_at TEXT NOT NULL,
            next_retry_at TEXT, UNIQUE (stage, url));
        INSERT INTO feeds (url, name, etag) VALUES ('http://example.org/f', 'f', '"x"');
        PRAGMA user_version=1;
    """)
    old.close()
    state = StateStore(path)
    feed = state.feed("http://example.org/f")
    assert feed is not None and feed.etag == '"x"' and feed.validators_trusted and feed.next_poll_at is None
    assert state.claim_due("me", 10) == []
    state.close()


@pytest.mark.parametrize(("body", "reason"), [
    # a quoted "<" in the SYSTEM id once ended the "prolog" early, hiding the entity after it
    (b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "x<a" [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b"<rss><channel><title>&e;</title></channel></rss>", "external DTD"),
    (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x<rss>">]><rss><channel><title>&e;</title></channel></rss>',
     "declares XML entities"),
    # a comment longer than any fixed look-ahead before the DOCTYPE
    (b'<?xml version="1.0"?><!--' + b"c" * (300 * 1024) + b'--><!DOCTYPE rss [<!ENTITY a "b">]><rss/>',
     "declares XML entities"),
    (b'<?xml version="1.0"?><?pi <rss> ?><!DOCTYPE rss [<!ENTITY % p "x">]><rss/>', "declares XML entities"),
    (b'<!DOCTYPE rss [<!ATTLIST rss xml:base CDATA "http://10.0.0.1/">]><rss/>', "ATTLIST"),
    ('<?xml version="1.0" encoding="windows-1251"?><!DOCTYPE rss [<!ENTITY a "б">]><rss/>'.encode("cp1251"),
     "declares XML entities"),
    ('<?xml version="1.0" encoding="Shift_JIS"?><!DOCTYPE rss [<!ENTITY a "日本">]><rss/>'.encode("shift_jis"),
     "declares XML entities"),
    (b'  \n<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]><rss/>', "declares XML entities"),
    (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a SYSTEM>]><rss/>', "could not be checked"),
    (b'junk<!DOCTYPE rss [<!ENTITY a "b">]><rss/>', "could not be checked"),
])
def test_the_xml_guard_sees_what_a_parser_sees(body: bytes, reason: str) -> None:
    with pytest.raises(UnsafeFeed, match=reason):
        check_feed_xml(body, "http://example.org/feed")


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE rss><rss version="2.0"><channel/></rss>',
    b'<?xml version="1.0"?><!--' + b"<!DOCTYPE x [<!ENTITY a 'b'>]>" * 20_000 + b'--><rss version="2.0"/>',
    '<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>Новости</title></channel></rss>'.encode("cp1251"),
])
def test_the_xml_guard_passes_harmless_prologs(body: bytes) -> None:
    check_feed_xml(body, "http://example.org/feed")


def test_wide_text_without_a_bom_is_not_binary() -> None:
    feed = "\n <?xml version='1.0' encoding='utf-32'?><rss version='2.0'><channel><title>Café</title>"
    for codec in ("utf-32-be", "utf-32-le", "utf-16-be", "utf-16-le"):
        assert sniff_binary(feed.encode(codec)) is None, codec
    assert sniff_binary('{"version": "https://jsonfeed.org/version/1.1"}'.encode("utf-32-be")) is None
    # NUL bytes in what is neither markup nor JSON stay binary
    assert sniff_binary(b"\x00\x00\x00\x01\x00\x00\x00\x02" * 16) == "binary data (NUL bytes)"
    assert sniff_binary("plain words".encode("utf-16-le")) == "binary data (NUL bytes)"
