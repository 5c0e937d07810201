"""The feed list: a YAML file of :class:`~newsflow.models.FeedSource` entries, and OPML.

The YAML schema is exactly::

    feeds:
      - name: BBC News – World     # required, unique
        url: https://feeds.bbci.co.uk/news/world/rss.xml   # required, http(s), unique
        language: en               # optional, ISO 639 code (2–3 letters)
        tags: [world]              # optional, list of strings

:func:`load_feed_list` checks every entry, collects *all* problems and raises one
:class:`~newsflow.errors.ConfigError` whose lines read ``FILE:LINE: what is wrong; how to
fix it``. Scalars are read as written (``language: no`` is Norwegian, not ``False``).

A URL may start with ``{{BASE}}`` (the offline demo's feed list); the caller passes
``base_url`` to substitute it.

OPML 2.0 import/export: :func:`import_opml` reads ``<outline xmlUrl=...>`` elements, turning
enclosing category outlines and the ``category`` attribute into tags;
:func:`export_opml` writes one outline per feed with its tags in ``category``. OPML files
with a DOCTYPE or entity declarations are refused before parsing (no entity expansion).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.parsers import expat

import yaml

from newsflow.errors import ConfigError
from newsflow.langtags import primary_subtag
from newsflow.models import FeedSource
from newsflow.urls import domain_of, normalize_url
from newsflow.xmlguard import dtd_problem

ALLOWED_KEYS = ("name", "url", "language", "tags")
REQUIRED_KEYS = ("name", "url")
BASE_PLACEHOLDER = "{{BASE}}"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")
_NULL_TAG = "tag:yaml.org,2002:null"
_EXAMPLE = "feeds:\n  - name: Example News\n    url: https://example.com/rss.xml\n    language: en\n    tags: [world]"


# --------------------------------------------------------------------------- YAML


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
    checker = _Checker(path, base_url)
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


class _Checker:
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
        for key, value in root.value:
            name = _text(key)
            if name == "feeds":
                if feeds_node is not None:
                    self.error(key, "'feeds:' appears twice; keep one list")
                feeds_node = value
            else:
                self.error(key, f"unknown top-level key {name!r}; the only allowed key is 'feeds'")
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
        return out

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
        if len(self.errors) > before or name is None or url is None:
            return None
        return FeedSource(url=url, name=name, language=language, tags=tags)

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
        """The lower-cased code; None when absent or invalid (error recorded)."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            return None
        raw = _text(node)
        if raw is None or not _LANGUAGE.match(raw):
            shown = repr(raw) if raw is not None else _kind(node)
            self.error(
                node,
                f"{label}: language {shown} is not a 2–3 letter ISO 639 code; write e.g. 'en', 'fr' or 'de' (not 'en-US')",
            )
            return None
        return raw.lower()

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


def dump_feed_list(feeds: Iterable[FeedSource], path: str | os.PathLike[str]) -> None:
    """Write ``feeds`` as a YAML feed list (atomically) that :func:`load_feed_list` reads back."""
    path = Path(path)
    entries: list[dict[str, Any]] = []
    for feed in feeds:
        entry: dict[str, Any] = {"name": feed.name, "url": feed.url}
        if feed.language:
            entry["language"] = feed.language
        if feed.tags:
            entry["tags"] = _FlowList(feed.tags)
        entries.append(entry)
    body = yaml.dump(
        {"feeds": entries}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000
    )
    header = "# newsflow feed list: name (unique), url (http/https), language (ISO 639), tags\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(header + body)
            os.chmod(tmp, mode)  # mkstemp creates 0600; keep the file readable as before
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
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


# --------------------------------------------------------------------------- OPML


def import_opml(path: str | os.PathLike[str], skipped: list[str] | None = None) -> list[FeedSource]:
    """The feeds of an OPML file, in document order.

    A bad outline (its ``xmlUrl`` is not an http(s) URL) raises :class:`ConfigError` listing
    every one, unless ``skipped`` is given: then each is described there and left out.

    Each ``<outline>`` with an ``xmlUrl`` is a feed: its name is ``title`` or ``text``,
    its tags the ``text`` of enclosing outlines without ``xmlUrl`` (categories) followed
    by the entries of its ``category`` attribute (``/A/B`` paths give ``A`` and ``B``),
    its language the ``language`` attribute's primary subtag when valid.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OPML file: {exc.strerror or exc}") from None
    _refuse_dtd(path, data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        raise ConfigError(
            f"{path}:{line}: not well-formed XML ({exc}); fix the OPML file"
        ) from None
    if _local(root.tag) != "opml":
        raise ConfigError(
            f"{path}: the root element is <{_local(root.tag)}>, not <opml>; is this an OPML file?"
        )
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise ConfigError(f"{path}: the OPML file has no <body>; nothing to import")
    feeds: list[FeedSource] = []
    problems: list[str] = []
    _walk(body, [], feeds, problems)
    if skipped is not None:
        skipped.extend(problems)
    elif problems:
        raise ConfigError(
            f"{path}: {len(problems)} bad outline(s):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return feeds


def _refuse_dtd(path: Path, data: bytes) -> None:
    """Refuse DOCTYPE and entity declarations (the shared :mod:`newsflow.xmlguard`), then
    anything that is not well-formed XML, before ElementTree parses the file."""
    problem = dtd_problem(data, allow_doctype=False)
    if problem:
        raise ConfigError(
            f"{path}: OPML with a DOCTYPE or ENTITY declaration is refused ({problem}); remove the declaration"
        )
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)}); fix the OPML file"
        ) from None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _walk(
    element: ET.Element, categories: list[str], feeds: list[FeedSource], problems: list[str]
) -> None:
    for outline in element:
        if _local(outline.tag) != "outline":
            continue
        attrs = {k.rsplit("}", 1)[-1]: v for k, v in outline.attrib.items()}
        label = (attrs.get("title") or attrs.get("text") or "").strip()
        xml_url = (attrs.get("xmlUrl") or attrs.get("xmlurl") or "").strip()
        if xml_url:
            problem = url_problem(xml_url)
            if problem:
                problems.append(f"outline {label or xml_url!r}: xmlUrl {xml_url!r} {problem}")
            else:
                tags = [*categories, *_categories(attrs.get("category", ""))]
                feeds.append(
                    FeedSource(
                        url=xml_url,
                        name=label or domain_of(xml_url) or xml_url,
                        language=_opml_language(attrs.get("language")),
                        tags=tuple(dict.fromkeys(t for t in tags if t)),
                    )
                )
            _walk(outline, categories, feeds, problems)
        else:
            _walk(outline, [*categories, label] if label else categories, feeds, problems)


def _categories(value: str) -> list[str]:
    out: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if item.startswith("/"):
            out.extend(part.strip() for part in item.split("/") if part.strip())
        elif item:
            out.append(item)
    return out


def _opml_language(value: str | None) -> str | None:
    primary = primary_subtag(value)
    return primary if primary and _LANGUAGE.match(primary) else None


def export_opml(feeds: Iterable[FeedSource], title: str = "newsflow feeds") -> str:
    """The feeds as an OPML 2.0 document, tags in each outline's ``category`` attribute."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.language:
            attrs["language"] = feed.language
        if feed.tags:
            # commas separate categories and a leading "/" starts a path: keep tags intact
            attrs["category"] = ",".join(t.replace(",", " ").lstrip("/") for t in feed.tags)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
