import pytest

from newsflow.errors import InvalidURL
from newsflow.urls import doc_id, domain_of, normalize_url, scheme_twin


def test_tracking_parameters_and_case_are_normalised() -> None:
    a = normalize_url("HTTPS://WWW.Example.COM:443/News/Story?utm_source=rss&b=2&a=1&fbclid=x#comments")
    assert a == "https://www.example.com/News/Story?a=1&b=2"


def test_same_article_same_id_different_article_different_id() -> None:
    assert doc_id("http://example.com/a?utm_medium=feed") == doc_id("http://EXAMPLE.com:80/a")
    assert doc_id("http://example.com/a") != doc_id("http://example.com/b")
    assert doc_id("http://example.com/a?page=2") != doc_id("http://example.com/a?page=3")


def test_path_case_and_non_default_port_are_kept() -> None:
    assert normalize_url("http://127.0.0.1:8765/A") == "http://127.0.0.1:8765/A"
    assert normalize_url("http://example.com") == "http://example.com/"


def test_domain_drops_www() -> None:
    assert domain_of("https://www.bbc.co.uk/news") == "bbc.co.uk"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[2001:db8::1]/a", "http://[2001:db8::1]/a"),
        ("http://[2001:DB8:0:0::1]:8080/a#x", "http://[2001:db8::1]:8080/a"),
        ("https://[::1]:443/", "https://[::1]/"),
        ("http://[fe80::1%25eth0]/a", "http://[fe80::1%25eth0]/a"),
        ("http://user:secret@Example.com/a", "http://user@example.com/a"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://bücher.example/a", "http://bücher.example/a"),
        ("http://example.com/a%2Fb?q=%zz", "http://example.com/a%2Fb?q=%25zz"),
    ],
)
def test_unusual_but_valid_urls_normalise_idempotently(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
    assert normalize_url(expected) == expected  # doc_id normalises again: must be a fixed point
    assert doc_id(url) == doc_id(expected)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com:99999/a", "Port out of range"),
        ("http://example.com:abc/a", "Port could not be cast"),
        ("http://[::1/a", "Invalid IPv6 URL"),
        ("http://[2001:db8::zz]/a", "IPv6"),
        ("http://[1.2.3.4]/a", "IPv4 address cannot be in brackets"),
        ("http:///a", "has no host"),
        ("http://ex ample.com/a", "characters a host name cannot have"),
        ("http://exa\x00mple.com/a", "characters a host name cannot have"),
        ("http://" + "a" * 64 + ".example/", "too long"),
        ("http://" + "abcdefghi." * 26 + "example/", "too long"),
        ("http://xn--a.example/", "international domain name"),
        ("http://example.com/\ud800", "surrogates"),
        ("http://example.com/" + "a" * 9000, "longer than"),
    ],
)
def test_urls_no_client_could_fetch_raise_invalid_url(url: str, reason: str) -> None:
    with pytest.raises(InvalidURL, match=reason):
        normalize_url(url)
    with pytest.raises(ValueError):  # InvalidURL is a ValueError for callers that catch those
        doc_id(url)


def test_scheme_twin_swaps_http_and_https_only_on_default_ports() -> None:
    assert scheme_twin("http://example.org/a?b=1") == "https://example.org/a?b=1"
    assert scheme_twin("https://example.org/") == "http://example.org/"
    assert scheme_twin("https://example.org:8443/a") is None
    assert scheme_twin("ftp://example.org/a") is None
