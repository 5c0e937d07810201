"""The identity rules on their own: URL helpers, the page head, the decision."""

from __future__ import annotations

from pathlib import Path

from newsflow.identity import decide, entry_urls, head_links
from newsflow.urls import is_site_root_or_section, resolve_url, same_site, site_of, unwrap_redirect


def test_tracker_and_aggregator_wrappers_are_unwrapped() -> None:
    assert (
        unwrap_redirect("https://www.google.com/url?q=https://pub.example/a%3Fx%3D1&sa=t")
        == "https://pub.example/a?x=1"
    )
    assert (
        unwrap_redirect("https://agg.example/click?id=9&url=https%3A%2F%2Fpub.example%2Fb")
        == "https://pub.example/b"
    )
    # a parameter naming a page on the same host is not a redirect; nor is a non-URL value
    assert (
        unwrap_redirect("https://pub.example/a?url=https://pub.example/b")
        == "https://pub.example/a?url=https://pub.example/b"
    )
    assert (
        unwrap_redirect("https://pub.example/search?q=bridge")
        == "https://pub.example/search?q=bridge"
    )


def test_sites_are_registrable_domains() -> None:
    assert site_of("https://news.bbc.co.uk/a") == "bbc.co.uk"
    assert same_site("https://amp.pub.example.com/x", "https://www.pub.example.com/y")
    assert not same_site("https://pub.example.com/x", "https://other.example.org/x")
    assert not same_site("http://127.0.0.1:80/a", "http://127.0.0.2:80/a")
    assert same_site("https://blog.stössenseer.de/a", "https://blog.xn--stssenseer-fcb.de/a")
    assert not same_site("https://.tramino.de", "https://www.oberstdorf.example/a")


def test_home_pages_and_sections_are_not_articles() -> None:
    story = "https://pub.example/world/2025/story"
    assert is_site_root_or_section("https://pub.example/", story)
    assert is_site_root_or_section("https://pub.example/index.html", story)
    assert is_site_root_or_section("https://pub.example/world/", story)
    assert not is_site_root_or_section(story, story)
    assert not is_site_root_or_section("https://pub.example/?p=123", "https://pub.example/?p=123")
    assert not is_site_root_or_section("https://pub.example/world/2025/other", story)
    # an AMP, print, slide or page view's canonical is the article above it, not a section
    assert not is_site_root_or_section(story, story + "/amp")
    assert not is_site_root_or_section(
        "https://pub.example/jokes/", "https://pub.example/jokes/slide/2"
    )
    assert is_site_root_or_section(
        "https://pub.example/jokes/", "https://pub.example/jokes/best-one/amp"
    )


def test_relative_and_protocol_relative_urls_are_resolved_others_refused() -> None:
    assert (
        resolve_url("//cdn.example/a.jpg", "http://pub.example/n/1") == "http://cdn.example/a.jpg"
    )
    assert (
        resolve_url("../img/a.jpg", "https://pub.example/n/1/") == "https://pub.example/n/img/a.jpg"
    )
    assert resolve_url("/a.jpg", None) is None
    for bad in (
        "javascript:alert(1)",
        "data:image/png;base64,AAA",
        "",
        "   ",
        None,
        7,
        "http://[::1",
    ):
        assert resolve_url(bad, "https://pub.example/") is None


def test_head_links_use_the_base_element_and_prefer_rel_canonical() -> None:
    html = (
        "<html><head><base href='https://cdn.pub.example/en/'>"
        "<meta property='og:url' content='https://pub.example/og'>"
        "<link rel='alternate canonical' href='story?id=1&amp;b=2'></head><body>"
        "<link rel='canonical' href='/not-in-head'></body></html>"
    )
    links = head_links(html, "https://pub.example/x")
    assert links.base == "https://cdn.pub.example/en/"
    assert links.canonical == "https://cdn.pub.example/en/story?id=1&b=2"
    assert (
        head_links(
            "<head><meta property='og:url' content='/og'></head>", "https://p.example/a"
        ).canonical
        == "https://p.example/og"
    )
    assert head_links("plain text", "https://p.example/a").canonical is None


def test_orig_link_wins_and_the_proxy_link_is_an_alias() -> None:
    raw = {
        "link": "https://proxy.example/~r/pub/1",
        "feedburner_origlink": "https://pub.example/a?utm_source=fb",
    }
    assert entry_urls(raw, raw["link"], None) == (
        "https://pub.example/a",
        ("https://proxy.example/~r/pub/1",),
    )
    other = {"pheedo_origlink": "/b"}
    assert (
        entry_urls(other, "https://proxy.example/x", "https://pub.example/feed")[0]
        == "https://pub.example/b"
    )


def test_decide_trusts_same_site_canonicals_only() -> None:
    entry = "https://proxy.example/~r/1"
    final = "https://www.pub.example/a?utm_medium=x"
    same = decide(entry, (), final, "https://pub.example/world/a")
    assert same.url == same.canonical == "https://pub.example/world/a"
    assert same.aliases == ("https://pub.example/world/a", "https://www.pub.example/a", entry)
    elsewhere = decide(entry, (), final, "https://wire.example/a")
    assert elsewhere.url == "https://www.pub.example/a" and elsewhere.canonical is None
    assert "https://wire.example/a" not in elsewhere.aliases
    home = decide(entry, (), final, "https://www.pub.example/")
    assert home.url == "https://www.pub.example/a" and home.canonical is None
    # a redirect that ends on the home page (an expired article) does not name the article
    gone = decide("https://pub.example/old/story", (), "https://pub.example/", None)
    assert gone.url == "https://pub.example/old/story"
    assert gone.aliases == ("https://pub.example/old/story",)


def test_two_proxy_links_to_one_orig_link_are_one_entry_with_both_aliases() -> None:
    from newsflow.errors import StageError
    from newsflow.fetching import Response
    from newsflow.models import FeedSource
    from newsflow.polling import parse_feed

    items = "".join(
        f"<item><title>A</title><link>https://proxy.example/~r/{n}</link>"
        "<feedburner:origLink>https://pub.example/a?utm_source=x</feedburner:origLink></item>"
        for n in (1, 2)
    )
    body = (
        "<?xml version='1.0'?><rss version='2.0' xmlns:feedburner='http://rssnamespace.org/feedburner/ext/1.0'>"
        f"<channel><title>t</title>{items}<item><title>B</title><link>mailto:x@pub.example</link></item></channel></rss>"
    ).encode()
    feed = FeedSource("https://proxy.example/feed", "Proxy")
    rejected: list[tuple[str, StageError]] = []
    response = Response(feed.url, feed.url, 200, "application/rss+xml", None, body)
    entries, _ = parse_feed(response, feed, rejected=rejected)
    (entry,) = entries
    assert entry.url == "https://pub.example/a"
    assert entry.aliases == ("https://proxy.example/~r/1", "https://proxy.example/~r/2")
    ((link, error),) = rejected
    assert link == "mailto:x@pub.example" and type(error).__name__ == "EntrySkipped"
    assert "no http(s) link ('mailto:x@pub.example')" in str(error)


def test_claim_identity_keeps_the_first_id_and_never_moves_an_alias(tmp_path: Path) -> None:
    from newsflow.state import StateStore

    state = StateStore(tmp_path / "state.db")
    try:
        assert state.claim_identity("id-a", ["https://p.example/a", "https://proxy.example/1"]) == (
            "id-a",
            ["https://p.example/a", "https://proxy.example/1"],
        )
        # a later arrival under the proxy alias joins id-a and adds its own URLs to it
        chosen, aliases = state.claim_identity(
            "id-new", ["https://p.example/a-new", "https://proxy.example/1"]
        )
        assert chosen == "id-a" and aliases[-1] == "https://p.example/a-new"
        # another document keeps its own id; an alias of id-a stays with id-a
        assert (
            state.claim_identity("id-b", ["https://p.example/b", "https://p.example/a"])[0]
            == "id-a"
        )
        assert state.claim_identity("id-c", ["https://p.example/c"]) == (
            "id-c",
            ["https://p.example/c"],
        )
        assert (
            state.claim_identity("id-x", ["https://p.example/c", "https://p.example/a"])[0]
            == "id-c"
        )
        assert "https://p.example/a" not in state.claim_identity("id-c", ["https://p.example/c"])[1]
    finally:
        state.close()
