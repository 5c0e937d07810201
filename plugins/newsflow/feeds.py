"""The feed list: a YAML file of :class:`~newsflow.models.FeedSource` entries, and OPML.

The YAML schema is exactly::

    feeds:
      - name: BBC News – World     # required, unique
        url: https://feeds.bbci.co.uk/news/world/rss.xml   # required, http(s), unique
        language: en               # optional, ISO 639 code (2–3 letters)
        tags: [world]              # optional, list of strings
        type: feed                 # optional: feed (default), sitemap or site (see newsflow.sitemap_poll)
        exclude: [{section: /sport/}]  # optional rules: include, exclude, selector, paywall
    sites:                         # optional: rules per site, for every feed's entries on it
      example.com: {selector: "article .story-body", paywall: true}

The rules are read by :mod:`newsflow.feed_rules_check` and mean what :mod:`newsflow.feed_rules`
says.

:func:`load_feed_list` checks every entry, collects *all* problems and raises one
:class:`~newsflow.errors.ConfigError` whose lines read ``FILE:LINE: what is wrong; how to
fix it``. Scalars are read as written (``language: no`` is Norwegian, not ``False``).

A URL may start with ``{{BASE}}`` (the offline demo's feed list); the caller passes
``base_url`` to substitute it.

The checks live in :mod:`newsflow.feed_check`, OPML import/export in :mod:`newsflow.opml`
(both re-exported here).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from newsflow.errors import ConfigError
from newsflow.feed_check import ALLOWED_KEYS, BASE_PLACEHOLDER, REQUIRED_KEYS, Checker, url_problem
from newsflow.files import replacing
from newsflow.models import FeedSource
from newsflow.opml import export_opml, import_opml
from newsflow.urls import domain_of, normalize_url

__all__ = [
    "ALLOWED_KEYS",
    "BASE_PLACEHOLDER",
    "REQUIRED_KEYS",
    "dump_feed_list",
    "export_opml",
    "import_opml",
    "load_feed_list",
    "merge_feeds",
    "url_problem",
]


def load_feed_list(path: str | os.PathLike[str], base_url: str | None = None) -> list[FeedSource]:
    """Read and check a YAML feed list; substitute ``{{BASE}}`` with ``base_url`` if given.

    Raises :class:`ConfigError` listing every problem with its file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: feed list not found; check the path (setting feeds_file, "
            "NEWSFLOW_FEEDS_FILE or --feeds)"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: feed list is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read feed list: {exc.strerror or exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(_yaml_error(path, exc)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {exc}") from None
    checker = Checker(path, base_url)
    feeds = checker.check(root)
    if checker.errors:
        count = len(checker.errors)
        lines = "\n".join(f"  - {err}" for err in checker.errors)
        raise ConfigError(
            f"{path}: {count} problem{'s' if count > 1 else ''} in the feed list:\n{lines}"
        )
    return feeds


def _yaml_error(path: Path, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    if exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
        what += f" (the construct started at line {exc.context_mark.line + 1})"
    return f"{where}: YAML syntax error: {what or exc}; fix the YAML there (indentation, quotes, brackets, colons)"


def dump_feed_list(feeds: Iterable[FeedSource], path: str | os.PathLike[str]) -> None:
    """Write ``feeds`` as a YAML feed list (atomically) that :func:`load_feed_list` reads back."""
    path = Path(path)
    feeds = list(feeds)
    entries: list[dict[str, Any]] = []
    for feed in feeds:
        entry: dict[str, Any] = {"name": feed.name, "url": feed.url}
        if feed.language:
            entry["language"] = feed.language
        if feed.tags:
            entry["tags"] = _FlowList(feed.tags)
        if feed.rules is not None and feed.rules.own is not None:
            entry.update(feed.rules.own.as_yaml())
        if feed.type != "feed":
            entry["type"] = feed.type
        entries.append(entry)
    document: dict[str, Any] = {"feeds": entries}
    sites = next((f.rules.sites for f in feeds if f.rules is not None and f.rules.sites), ())
    if sites:
        document["sites"] = {host: rule.as_yaml() for host, rule in sites}
    body = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000
    )
    header = "# newsflow feed list: name (unique), url (http/https), language (ISO 639), tags\n"
    try:
        with replacing(path) as partial:
            partial.write_text(header + body, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write feed list: {exc.strerror or exc}") from None


class _FlowList(list[str]):
    """A list dumped in flow style (``[a, b]``)."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


def _represent_flow(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(data), flow_style=True)


_Dumper.add_representer(_FlowList, _represent_flow)


def merge_feeds(
    existing: Sequence[FeedSource], imported: Iterable[FeedSource]
) -> tuple[list[FeedSource], int]:
    """Append ``imported`` feeds whose normalised URL is new; returns ``(merged, added)``.

    A clashing name gets the feed's domain (then a number) appended so the merged list
    still loads.
    """
    merged = list(existing)
    urls = {normalize_url(f.url) for f in merged}
    names = {f.name.casefold() for f in merged}
    added = 0
    for feed in imported:
        key = normalize_url(feed.url)
        if key in urls:
            continue
        name = feed.name
        if name.casefold() in names:
            name = f"{feed.name} ({domain_of(feed.url) or 'feed'})"
            number = 2
            while name.casefold() in names:
                name = f"{feed.name} ({number})"
                number += 1
            feed = FeedSource(url=feed.url, name=name, language=feed.language, tags=feed.tags)
        merged.append(feed)
        urls.add(key)
        names.add(name.casefold())
        added += 1
    return merged, added
