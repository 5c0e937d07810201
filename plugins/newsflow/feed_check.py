"""Checking a parsed YAML feed list: every entry's keys, name, url, language, tags and type, with
*all* problems collected as ``FILE:LINE: what is wrong; how to fix it`` lines (the schema is
in :mod:`newsflow.feeds`), and :func:`url_problem`, the one test of a usable feed address.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from newsflow.feed_rules import RULE_KEYS, Rules
from newsflow.langtags import normalize_language
from newsflow.models import SOURCE_TYPES, FeedSource
from newsflow.urls import normalize_url

ALLOWED_KEYS = ("name", "url", "language", "tags", "type", *RULE_KEYS)
TOP_LEVEL_KEYS = ("feeds", "sites")
REQUIRED_KEYS = ("name", "url")
BASE_PLACEHOLDER = "{{BASE}}"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")
_NULL_TAG = "tag:yaml.org,2002:null"
_EXAMPLE = "feeds:\n  - name: Example News\n    url: https://example.com/rss.xml\n    language: en\n    tags: [world]"



def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == _NULL_TAG:
        return "nothing"
    return f"the value {node.value!r}"


def _text(node: yaml.Node) -> str | None:
    """A scalar's text as written (None for null/empty or a non-scalar)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return None
    value = str(node.value).strip()
    return value or None


class Checker:
    """Collects the problems of one feed list (``errors``) while turning its entries into feeds."""

    def __init__(self, path: Path, base_url: str | None) -> None:
        self.path = path
        self.base_url = base_url.rstrip("/") if base_url else None
        self.errors: list[str] = []
        self.names: dict[str, int] = {}
        """Case-folded name → line of its first use."""
        self.urls: dict[str, int] = {}
        """Normalised URL → line of its first use."""

    def error(self, node: yaml.Node | int, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.errors.append(f"{self.path}:{line}: {message}")

    def check(self, root: yaml.Node | None) -> list[FeedSource]:
        if root is None:
            self.errors.append(f"{self.path}:1: the feed list is empty; expected:\n{_EXAMPLE}")
            return []
        if not isinstance(root, yaml.MappingNode):
            self.error(
                root, f"the top level must be a mapping with a 'feeds:' list, found {_kind(root)}"
            )
            return []
        feeds_node: yaml.Node | None = None
        sites_node: yaml.Node | None = None
        for key, value in root.value:
            name = _text(key)
            if name == "feeds":
                if feeds_node is not None:
                    self.error(key, "'feeds:' appears twice; keep one list")
                feeds_node = value
            elif name == "sites":
                if sites_node is not None:
                    self.error(key, "'sites:' appears twice; keep one")
                sites_node = value
            else:
                self.error(key, f"unknown top-level key {name!r}; allowed keys: {', '.join(TOP_LEVEL_KEYS)}")
        if feeds_node is None:
            self.error(root, "no 'feeds:' list at the top level; the file must start with 'feeds:'")
            return []
        if not isinstance(feeds_node, yaml.SequenceNode):
            self.error(
                feeds_node,
                f"'feeds:' must be a list of entries ('- name: ...'), found {_kind(feeds_node)}",
            )
            return []
        out: list[FeedSource] = []
        for index, entry in enumerate(feeds_node.value, start=1):
            feed = self.entry(index, entry)
            if feed is not None:
                out.append(feed)
        return self.with_sites(out, sites_node)

    def with_sites(self, feeds: list[FeedSource], sites_node: yaml.Node | None) -> list[FeedSource]:
        """``feeds`` with the ``sites:`` section's rules (:mod:`newsflow.feed_rules`)."""
        # feed_rules_check reads nodes with this module's helpers: imported here, not at the top
        from newsflow.feed_rules_check import check_sites

        sites = check_sites(self.error, sites_node) if sites_node is not None else ()
        if not sites:
            return feeds
        return [replace(f, rules=Rules(f.rules.own if f.rules else None, sites)) for f in feeds]

    def entry(self, index: int, node: yaml.Node) -> FeedSource | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(
                node,
                f"feed {index}: an entry must be a mapping with keys {', '.join(ALLOWED_KEYS)}, found {_kind(node)}",
            )
            return None
        before = len(self.errors)
        fields: dict[str, yaml.Node] = {}
        pairs = [(_text(k), k, v) for k, v in node.value]
        name = next((_text(v) for key, _k, v in pairs if key == "name"), None)
        label = f"feed {index} ({name})" if name else f"feed {index}"
        for key, key_node, value_node in pairs:
            if key is None or key not in ALLOWED_KEYS:
                hint = difflib.get_close_matches(str(key), ALLOWED_KEYS, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.error(
                    key_node,
                    f"{label}: unknown key {key!r}{suggestion}; allowed keys: {', '.join(ALLOWED_KEYS)}",
                )
            elif key in fields:
                self.error(
                    key_node,
                    f"{label}: key {key!r} appears twice (first at line {_line(fields[key])}); keep one",
                )
            else:
                fields[key] = value_node
        name = _text(fields["name"]) if "name" in fields else None
        if name is None:
            found = fields.get("name")
            what = f", found {_kind(found)}" if isinstance(found, yaml.CollectionNode) else ""
            self.error(
                fields.get("name", node),
                f"{label}: missing or empty 'name'{what}; give each feed a unique name",
            )
        else:
            name_line = _line(fields["name"])
            first = self.names.setdefault(name.casefold(), name_line)
            if first != name_line:
                self.error(
                    name_line,
                    f"{label}: duplicate name {name!r} (first at line {first}); names must be unique",
                )
        url = self.url(label, node, fields.get("url"))
        if url is not None:
            url_line = _line(fields["url"])
            first = self.urls.setdefault(normalize_url(url), url_line)
            if first != url_line:
                self.error(
                    url_line,
                    f"{label}: duplicate url {url!r} (same feed as line {first}); remove one of them",
                )
        language = self.language(label, fields.get("language"))
        tags = self.tags(label, fields.get("tags"))
        rules = self.rules(label, fields)
        source_type = self.source_type(label, fields.get("type"))
        if len(self.errors) > before or name is None or url is None:
            return None
        return FeedSource(url=url, name=name, language=language, tags=tags, rules=rules, type=source_type)

    def rules(self, label: str, fields: dict[str, yaml.Node]) -> Rules | None:
        """The feed's own include/exclude, selector and paywall rules (None when it has none)."""
        # feed_rules_check reads nodes with this module's helpers: imported here, not at the top
        from newsflow.feed_rules_check import check_rule

        own = check_rule(self.error, label, fields)
        return Rules(own) if own is not None else None

    def source_type(self, label: str, node: yaml.Node | None) -> str:
        """``feed`` when absent; else one of :data:`~newsflow.models.SOURCE_TYPES` (error recorded otherwise)."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            return "feed"
        raw = _text(node)
        if raw is None or not isinstance(node, yaml.ScalarNode) or raw.lower() not in SOURCE_TYPES:
            shown = repr(raw) if raw is not None else _kind(node)
            self.error(
                node,
                f"{label}: type {shown} is not one of {', '.join(SOURCE_TYPES)}; write 'type: sitemap' for an "
                "XML sitemap (or index) at url, 'type: site' to read the sitemaps the site's robots.txt declares",
            )
            return "feed"
        return raw.lower()

    def url(self, label: str, entry: yaml.Node, node: yaml.Node | None) -> str | None:
        if node is not None and not isinstance(node, yaml.ScalarNode):
            self.error(
                node,
                f"{label}: url must be text, found {_kind(node)}; "
                "quote it if it starts with '{' or '[' (url: '{{BASE}}/feed.xml')",
            )
            return None
        raw = _text(node) if node is not None else None
        if raw is None:
            self.error(
                node or entry, f"{label}: missing or empty 'url'; give the feed's http(s) address"
            )
            return None
        url = raw
        if url.startswith(BASE_PLACEHOLDER):
            if self.base_url is None:
                return url  # demo feed list: the caller substitutes {{BASE}} later
            url = self.base_url + url[len(BASE_PLACEHOLDER) :]
        problem = url_problem(url)
        if problem:
            self.error(node or entry, f"{label}: url {raw!r} {problem}")
            return None
        return url

    def language(self, label: str, node: yaml.Node | None) -> str | None:
        """The code as :func:`~newsflow.langtags.normalize_language` writes it (``DEU`` → ``de``);
        None when absent or invalid (error recorded)."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            return None
        raw = _text(node)
        code = normalize_language(raw) if raw is not None and _LANGUAGE.match(raw) else None
        if code is None:
            shown = repr(raw) if raw is not None else _kind(node)
            self.error(
                node,
                f"{label}: language {shown} is not a 2–3 letter ISO 639 code; write e.g. 'en', 'fr' or 'de' (not 'en-US')",
            )
            return None
        return code

    def tags(self, label: str, node: yaml.Node | None) -> tuple[str, ...]:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.error(
                node,
                f"{label}: tags must be a list of strings, e.g. tags: [world, europe]; found {_kind(node)}",
            )
            return ()
        tags: list[str] = []
        for item in node.value:
            text = _text(item)
            if text is None or not isinstance(item, yaml.ScalarNode):
                self.error(
                    item, f"{label}: tags must be a list of non-empty strings; found {_kind(item)}"
                )
                return ()
            tags.append(text)
        return tuple(dict.fromkeys(tags))


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable feed address (None when it is)."""
    if any(ch.isspace() for ch in url):
        return "contains spaces; write the address without spaces (encode them as %20)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"is not a valid URL ({exc}); write e.g. https://example.com/rss.xml"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL; write the full address, e.g. https://example.com/rss.xml"
    if not parts.hostname:
        return "has no host; write the full address, e.g. https://example.com/rss.xml"
    return None
