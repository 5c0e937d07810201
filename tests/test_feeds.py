"""The feed list: the shipped seeds, every kind of bad entry (with its line), OPML in and out."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from newsflow.config import SEEDS_DIR
from newsflow.errors import ConfigError
from newsflow.feeds import (
    ALLOWED_KEYS,
    dump_feed_list,
    export_opml,
    import_opml,
    load_feed_list,
    merge_feeds,
)
from newsflow.models import FeedSource
from newsflow.urls import normalize_url

GOOD = """\
feeds:
  - name: Alpha News
    url: https://alpha.example/rss.xml
    language: en
    tags: [world]
"""


def write(tmp_path: Path, text: str, name: str = "feeds.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_feed_list(path, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


# --------------------------------------------------------------------------- shipped list


def test_shipped_feed_list_loads() -> None:
    feeds = load_feed_list(SEEDS_DIR / "feeds.yaml")
    assert len(feeds) >= 30
    languages = {f.language for f in feeds}
    assert len(languages) >= 5
    assert {"en", "fr", "de", "es", "it", "pt", "ar", "ja", "zh"} <= languages
    assert all(f.url.startswith("https://") for f in feeds)
    assert all(f.language and f.tags for f in feeds)
    assert len({f.name for f in feeds}) == len(feeds)
    assert len({normalize_url(f.url) for f in feeds}) == len(feeds)
    assert not any("reuters.com" in f.url for f in feeds)  # Reuters dropped its public feeds


def test_good_entry_and_optional_fields(tmp_path: Path) -> None:
    more = (
        "  - name: Beta\n"
        "    url: http://beta.example/feed\n"
        "  - name: Gamma Nytt\n"
        "    url: https://gamma.example/atom\n"
        "    language: no\n"
        "    tags:\n"
        "      - nordic\n"
        "      - world\n"
        "      - nordic\n"
    )
    path = write(tmp_path, GOOD + more)
    feeds = load_feed_list(path)
    assert feeds == [
        FeedSource(
            url="https://alpha.example/rss.xml", name="Alpha News", language="en", tags=("world",)
        ),
        FeedSource(url="http://beta.example/feed", name="Beta"),
        # "no" is Norwegian here, not YAML 1.1's False; repeated tags are dropped
        FeedSource(
            url="https://gamma.example/atom",
            name="Gamma Nytt",
            language="no",
            tags=("nordic", "world"),
        ),
    ]


def test_base_placeholder(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - name: Demo\n    url: '{{BASE}}/feeds/world.xml'\n")
    assert load_feed_list(path)[0].url == "{{BASE}}/feeds/world.xml"
    substituted = load_feed_list(path, base_url="http://127.0.0.1:8123/")
    assert substituted[0].url == "http://127.0.0.1:8123/feeds/world.xml"


# --------------------------------------------------------------------------- bad entries

BAD_ENTRIES = {
    # case: (YAML, line the error must name, words the message must contain)
    "missing name": (
        GOOD + "  - url: https://b.example/rss\n    language: en\n",
        6,
        ["missing or empty 'name'"],
    ),
    "empty name": (
        GOOD + "  - name: ''\n    url: https://b.example/rss\n",
        6,
        ["missing or empty 'name'"],
    ),
    "null name": (
        GOOD + "  - name:\n    url: https://b.example/rss\n",
        6,
        ["missing or empty 'name'"],
    ),
    "missing url": (
        GOOD + "  - name: Beta\n    language: en\n",
        6,
        ["feed 2 (Beta)", "missing or empty 'url'"],
    ),
    "unquoted placeholder url": (
        GOOD + "  - name: Demo\n    url: {{BASE}}\n",
        7,
        ["url must be text, found a mapping", "quote it"],
    ),
    "name is a list": (
        GOOD + "  - name: [a, b]\n    url: https://b.example/rss\n",
        6,
        ["missing or empty 'name', found a list"],
    ),
    "ftp url": (
        GOOD + "  - name: Beta\n    url: ftp://b.example/rss\n",
        7,
        ["'ftp://b.example/rss'", "not an http(s) URL"],
    ),
    "relative url": (
        GOOD + "  - name: Beta\n    url: /feeds/rss.xml\n",
        7,
        ["not an http(s) URL"],
    ),
    "url without host": (
        GOOD + "  - name: Beta\n    url: 'https:///rss.xml'\n",
        7,
        ["has no host"],
    ),
    "duplicate name": (
        GOOD + "  - name: alpha news\n    url: https://other.example/rss\n",
        6,
        ["duplicate name", "first at line 2"],
    ),
    "duplicate normalised url": (
        GOOD
        + "  - name: Alpha again\n    url: HTTPS://Alpha.Example:443/rss.xml?utm_source=x#top\n",
        7,
        ["duplicate url", "same feed as line 3"],
    ),
    "unknown key": (
        GOOD + "  - name: Beta\n    url: https://b.example/rss\n    titel: Beta\n",
        8,
        ["unknown key 'titel'", "allowed keys: " + ", ".join(ALLOWED_KEYS)],
    ),
    "repeated key": (
        GOOD + "  - name: Beta\n    url: https://b.example/rss\n    name: Beta 2\n",
        8,
        ["'name' appears twice"],
    ),
    "language word": (
        GOOD + "  - name: Beta\n    url: https://b.example/rss\n    language: english\n",
        8,
        ["'english'", "2–3 letter"],
    ),
    "language region": (
        GOOD + "  - name: Beta\n    url: https://b.example/rss\n    language: en-US\n",
        8,
        ["'en-US'", "2–3 letter"],
    ),
    "tags not a list": (
        GOOD + "  - name: Beta\n    url: https://b.example/rss\n    tags: world\n",
        8,
        ["tags must be a list of strings"],
    ),
    "tags with a mapping": (
        GOOD
        + "  - name: Beta\n    url: https://b.example/rss\n    tags:\n      - world\n      - {a: b}\n",
        10,
        ["tags must be a list of non-empty strings"],
    ),
    "entry not a mapping": (
        GOOD + "  - https://b.example/rss\n",
        6,
        ["feed 2", "must be a mapping"],
    ),
    "top level list": (
        "- name: Alpha\n  url: https://a.example/rss\n",
        1,
        ["top level must be a mapping", "'feeds:'"],
    ),
    "no feeds key": (
        "# a comment\nsources:\n  - name: Alpha\n",
        2,
        ["unknown top-level key 'sources'"],
    ),
    "feeds not a list": (
        "feeds:\n  name: Alpha\n  url: https://a.example/rss\n",
        2,
        ["'feeds:' must be a list"],
    ),
    "empty file": (
        "# nothing but a comment\n",
        1,
        ["empty"],
    ),
    "yaml syntax error": (
        GOOD + "  - name: Beta\n    url: [https://b.example/rss\n  - name: Gamma\n",
        8,
        ["YAML syntax error"],
    ),
    "bad indentation": (
        GOOD + "  - name: Beta\n   url: https://b.example/rss\n",
        7,
        ["YAML syntax error"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_bad_entry_names_its_line(tmp_path: Path, case: str) -> None:
    text, line, words = BAD_ENTRIES[case]
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    message = error_of(path)
    assert f"{path}:{line}:" in message, message
    for word in words:
        assert word in message, message


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        feeds:
          - name: One
            url: ftp://one.example/rss
          - name: Two
            url: https://two.example/rss
            language: english
          - url: https://three.example/rss
          - name: Four
            url: https://four.example/rss
            colour: red
        """,
    )
    message = error_of(path)
    assert message.startswith(f"{path}: 4 problems in the feed list:")
    for line in (3, 6, 7, 10):
        assert f"{path}:{line}:" in message
    assert "unknown key 'colour'; allowed keys: name, url, language, tags" in message


def test_unknown_key_suggests_close_match(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "    lang: en\n")
    message = error_of(path)
    assert "unknown key 'lang' (did you mean 'language'?)" in message
    assert f"{path}:6:" in message


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert "feed list not found" in error_of(missing)
    assert str(missing) in error_of(missing)
    assert "cannot read feed list" in error_of(tmp_path)  # a directory
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("feeds:\n  - name: Caf\xe9\n".encode("latin-1"))
    assert "not UTF-8" in error_of(latin1)


def test_bad_base_substitution_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - name: Demo\n    url: '{{BASE}}/feed.xml'\n")
    message = error_of(path, base_url="127.0.0.1:80")
    assert f"{path}:3:" in message and "not an http(s) URL" in message


# --------------------------------------------------------------------------- dump / merge


def test_dump_round_trip(tmp_path: Path) -> None:
    feeds = load_feed_list(SEEDS_DIR / "feeds.yaml")
    feeds.append(
        FeedSource(url="https://x.example/a?b=1", name="No: colon 'quotes' # hash", language="no")
    )
    target = tmp_path / "sub" / "out.yaml"
    dump_feed_list(feeds, target)
    assert load_feed_list(target) == feeds
    assert "tags: [world]" in target.read_text(encoding="utf-8")


def test_merge_skips_duplicates_and_renames_clashes() -> None:
    existing = [FeedSource(url="https://a.example/rss", name="World")]
    imported = [
        FeedSource(url="https://A.example/rss?utm_medium=rss", name="Anything"),  # same URL
        FeedSource(url="https://b.example/rss", name="World"),  # name clash
        FeedSource(url="https://c.example/rss", name="C"),
        FeedSource(url="https://c.example/rss#x", name="C again"),  # duplicate within import
    ]
    merged, added = merge_feeds(existing, imported)
    assert added == 2
    assert [f.name for f in merged] == ["World", "World (b.example)", "C"]


# --------------------------------------------------------------------------- OPML


def test_opml_round_trip(tmp_path: Path) -> None:
    feeds = load_feed_list(SEEDS_DIR / "feeds.yaml")
    text = export_opml(feeds)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<opml version="2.0">' in text
    path = tmp_path / "feeds.opml"
    path.write_text(text, encoding="utf-8")
    assert import_opml(path) == feeds


HAND_WRITTEN = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News">
      <outline text="World">
        <outline type="rss" text="BBC World" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"
                 htmlUrl="https://www.bbc.co.uk/news/world" language="en-GB"/>
        <outline type="rss" title="Le Monde" text="lemonde" xmlUrl="https://www.lemonde.fr/international/rss_full.xml"
                 language="fr" category="/Europe/France,press"/>
      </outline>
      <outline type="rss" text="Tagesschau" xmlUrl="https://www.tagesschau.de/xml/rss2/" language="German"/>
    </outline>
    <outline title="Tech">
      <outline type="atom" text="" xmlUrl="https://blog.example.org/atom.xml"/>
    </outline>
    <outline type="link" text="Not a feed" url="https://example.com/"/>
  </body>
</opml>
"""


def test_import_hand_written_opml(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    assert import_opml(path) == [
        FeedSource(
            url="https://feeds.bbci.co.uk/news/world/rss.xml",
            name="BBC World",
            language="en",
            tags=("News", "World"),
        ),
        FeedSource(
            url="https://www.lemonde.fr/international/rss_full.xml",
            name="Le Monde",
            language="fr",
            tags=("News", "World", "Europe", "France", "press"),
        ),
        FeedSource(
            url="https://www.tagesschau.de/xml/rss2/",
            name="Tagesschau",
            language=None,
            tags=("News",),
        ),
        FeedSource(
            url="https://blog.example.org/atom.xml", name="blog.example.org", tags=("Tech",)
        ),
    ]


def test_import_then_merge_into_yaml(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(HAND_WRITTEN, encoding="utf-8")
    target = tmp_path / "feeds.yaml"
    existing = load_feed_list(SEEDS_DIR / "feeds.yaml")
    merged, added = merge_feeds(existing, import_opml(opml))
    assert added == 2  # BBC World and Le Monde International are in the seeds already
    dump_feed_list(merged, target)
    assert load_feed_list(target) == merged


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE opml SYSTEM "http://example.com/opml.dtd">\n<opml version="2.0"><body/></opml>',
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;">\n]>\n'
        '<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://a.example/rss"/></body></opml>',
        '<?xml version="1.0"?>\n<!doctype opml [<!entity xxe SYSTEM "file:///etc/passwd">]>\n'
        '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/rss"/></body></opml>',
    ],
    ids=["doctype", "billion-laughs", "external-entity"],
)
def test_opml_with_dtd_is_refused(tmp_path: Path, document: str) -> None:
    path = tmp_path / "evil.opml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("DOCTYPE or ENTITY declaration is refused")):
        import_opml(path)


def test_opml_utf16_doctype_is_refused(tmp_path: Path) -> None:
    document = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<opml version="2.0"><body/></opml>'
    path = tmp_path / "evil16.opml"
    path.write_bytes(document.encode("utf-16"))
    with pytest.raises(ConfigError, match="refused"):
        import_opml(path)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (
            "<opml version='2.0'><body><outline xmlUrl='https://a.example/rss'></body>",
            ["not well-formed"],
        ),
        ("<rss version='2.0'><channel/></rss>", ["not <opml>"]),
        ("<opml version='2.0'><head/></opml>", ["no <body>"]),
        (
            "<opml version='2.0'><body><outline text='x' xmlUrl='feed://a.example/rss'/></body></opml>",
            ["xmlUrl", "http(s)"],
        ),
    ],
    ids=["malformed", "not-opml", "no-body", "bad-url"],
)
def test_bad_opml(tmp_path: Path, document: str, words: list[str]) -> None:
    path = tmp_path / "bad.opml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        import_opml(path)
    for word in words:
        assert word in str(info.value)
    assert str(path) in str(info.value)


def test_missing_opml_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read OPML"):
        import_opml(tmp_path / "nope.opml")


def test_cli_exports_and_imports_opml(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("feeds:\n  - name: One\n    url: https://one.example/rss\n    language: en\n    tags: [world]\n")
    base = [sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path)]
    env = {**os.environ, "NEWSFLOW_FEEDS_FILE": str(feeds_file)}
    opml = tmp_path / "out.opml"
    subprocess.run([*base, "feeds", "export", "-o", str(opml)], check=True, env=env)
    assert "https://one.example/rss" in opml.read_text()
    other = tmp_path / "other.opml"
    other.write_text('<opml version="2.0"><body><outline text="Two" xmlUrl="https://two.example/atom"/>'
                     '<outline text="One again" xmlUrl="https://ONE.example/rss"/></body></opml>')
    done = subprocess.run([*base, "feeds", "import", str(other)], check=True, env=env, capture_output=True, text=True)
    assert "added 1 feed" in done.stdout
    listed = subprocess.run([*base, "feeds", "list", "--json"], check=True, env=env, capture_output=True, text=True)
    assert [f["url"] for f in json.loads(listed.stdout)] == ["https://one.example/rss", "https://two.example/atom"]
