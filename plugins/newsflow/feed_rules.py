"""Per-feed and per-site rules of the feed list: which entries to keep, where a site's article
body is, and whether its articles are paywalled.

A :class:`Rule` (one feed's keys, or one ``sites:`` entry's; read and checked by
:mod:`newsflow.feed_rules_check`) holds ``include`` and ``exclude`` conditions, an article-body
``selector`` and a forced ``paywall`` flag. A feed's :class:`Rules` are its own rule and the
file's site table; for an entry, the feed's rule and the rule of the most specific site its
URL is on both apply (an entry must pass both; the feed's ``selector`` and ``paywall`` win
over the site's).

A condition is one of (:data:`CONDITION_KINDS`):

* ``url``: a glob (``fnmatch``: ``*`` any run of characters, ``/`` included; ``?`` one
  character; ``[abc]``) matched, case-sensitively, against the whole normalised entry URL;
* ``url_regex``: a Python regular expression searched in that URL (compiled once, on load);
* ``section``: a URL path prefix (``/sport/``);
* ``category``: one of the entry's feed categories (``<category>``, Atom ``term``, JSON Feed
  ``tags``), compared case-insensitively;
* ``language``: a BCP 47 tag (``de-AT`` is ``de``, :func:`~newsflow.langtags.normalize_language`);
* ``query``: the search query syntax (:mod:`newsflow.index.query`) over the entry's title
  and summary, matched on words as the index matches them (case and accents ignored).

An entry is excluded when any ``exclude`` condition matches, or when ``include`` is given and
none of its conditions match. Everything but the language is decided from the entry before
its page is fetched (:func:`screen_entries`). The language is the entry's (its feed's) when it
has one; otherwise a ``language`` condition waits until the page is cleaned and its language
detected (:func:`excluded_after_cleaning`); a language still unknown then matches nothing.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlsplit

import idna

from newsflow.index.query import ParsedQuery, Term, parse
from newsflow.langtags import normalize_language
from newsflow.models import FeedEntry, FeedSource, PageRules

CONDITION_KINDS = ("url", "url_regex", "section", "category", "language", "query")
"""The keys of one ``include``/``exclude`` condition (each condition has exactly one)."""
RULE_KEYS = ("include", "exclude", "selector", "paywall")
"""The rule keys a feed entry and a ``sites:`` entry may carry."""

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``{kind: value}`` of an ``include`` or ``exclude`` list, ready to match."""

    kind: str
    value: str
    """As written (a ``language`` normalised), what :meth:`as_yaml` writes back."""

    def matches(self, url: str, title: str | None, summary: str | None,
                categories: Sequence[str], language: str | None) -> bool | None:
        """Whether the entry matches; None when the condition needs a language not known yet."""
        if self.kind == "language":
            return None if language is None else normalize_language(language) == self.value
        if self.kind == "url":
            return fnmatch.fnmatchcase(url, self.value)
        if self.kind == "url_regex":
            return compiled_regex(self.value).search(url) is not None
        if self.kind == "section":
            return urlsplit(url).path.startswith(self.value)
        if self.kind == "category":
            wanted = self.value.casefold()
            return any(c.casefold() == wanted for c in categories)
        return query_matches(parsed_query(self.value), f"{title or ''}\n{summary or ''}")

    def as_yaml(self) -> dict[str, str]:
        return {self.kind: self.value}


@dataclass(frozen=True, slots=True)
class Rule:
    """One feed's or one site's rules."""

    include: tuple[Condition, ...] = ()
    exclude: tuple[Condition, ...] = ()
    selector: str | None = None
    """CSS selector, or XPath when it starts with ``/`` or ``(`` (:mod:`newsflow.body_selector`)."""
    paywall: bool | None = None
    """Force the ``paywalled`` flag (None: detect it from the page)."""

    def verdict(self, url: str, title: str | None, summary: str | None,
                categories: Sequence[str], language: str | None) -> str | None:
        """Why the entry is excluded, ``""`` when that waits for its language, None to keep it."""
        waiting = False
        for cond in self.exclude:
            hit = cond.matches(url, title, summary, categories, language)
            if hit:
                return f"excluded by exclude {cond.kind}: {cond.value!r}"
            waiting = waiting or hit is None
        if self.include:
            hits = [cond.matches(url, title, summary, categories, language) for cond in self.include]
            if not any(hits):
                if None in hits:
                    return ""
                return "matches no include condition (" + ", ".join(
                    f"{c.kind}: {c.value!r}" for c in self.include) + ")"
        return "" if waiting else None

    def as_yaml(self) -> dict[str, object]:
        """The rule as the feed list writes it (the keys of :data:`RULE_KEYS` that are set)."""
        out: dict[str, object] = {}
        if self.include:
            out["include"] = [c.as_yaml() for c in self.include]
        if self.exclude:
            out["exclude"] = [c.as_yaml() for c in self.exclude]
        if self.selector:
            out["selector"] = self.selector
        if self.paywall is not None:
            out["paywall"] = self.paywall
        return out


@dataclass(frozen=True, slots=True)
class Rules:
    """The rules that apply to one feed's entries: its own, and the file's site table."""

    own: Rule | None = None
    sites: tuple[tuple[str, Rule], ...] = field(default=())
    """(host name in its ASCII form, :func:`ascii_host`; rule), as the ``sites:`` section lists them."""

    def site(self, url: str) -> Rule | None:
        """The rule of the most specific site ``url`` is on (``example.com`` covers
        ``www.example.com`` and ``news.example.com``), None when none."""
        host = ascii_host(urlsplit(url).hostname or "")
        best: tuple[int, Rule] | None = None
        for name, rule in self.sites:
            if (host == name or host.endswith("." + name)) and (best is None or len(name) > best[0]):
                best = (len(name), rule)
        return best[1] if best else None

    def for_entry(self, url: str) -> tuple[Rule, ...]:
        return tuple(r for r in (self.own, self.site(url)) if r is not None)


def screen_entries(feed: FeedSource, entries: Iterable[FeedEntry]
                   ) -> tuple[list[FeedEntry], list[tuple[FeedEntry, str]]]:
    """Apply ``feed``'s rules to its entries before any page is fetched.

    Returns the kept entries (each carrying, as ``page_rules``, what the later stages need:
    the selector, a forced paywall flag, the conditions that wait for the page's language)
    and ``(entry, reason)`` for each excluded one."""
    kept: list[FeedEntry] = []
    excluded: list[tuple[FeedEntry, str]] = []
    rules = feed.rules
    for entry in entries:
        applying = rules.for_entry(entry.url) if rules is not None else ()
        if not applying:
            kept.append(entry)
            continue
        reasons = [rule.verdict(entry.url, entry.title, entry.summary, entry.tags, entry.language)
                   for rule in applying]
        refused = next((r for r in reasons if r), None)
        if refused:
            excluded.append((entry, refused))
            continue
        waiting = tuple(
            (tuple((c.kind, c.value) for c in rule.include), tuple((c.kind, c.value) for c in rule.exclude))
            for rule, reason in zip(applying, reasons, strict=True) if reason == "")
        page = PageRules(
            selector=next((r.selector for r in applying if r.selector), None),
            paywall=next((r.paywall for r in applying if r.paywall is not None), None),
            waiting=waiting,
        )
        kept.append(replace(entry, page_rules=page) if page != PageRules() else entry)
    return kept, excluded


def excluded_after_cleaning(entry: FeedEntry, language: str | None) -> str | None:
    """Why the cleaned article of ``entry`` is excluded by a rule that waited for its
    (detected) ``language``; None to keep it. A language still unknown matches nothing."""
    page = entry.page_rules
    if page is None:
        return None
    known = language or "und"  # normalises to no language: matches no language condition
    for include, exclude in page.waiting:
        rule = Rule(include=tuple(Condition(k, v) for k, v in include),
                    exclude=tuple(Condition(k, v) for k, v in exclude))
        reason = rule.verdict(entry.url, entry.title, entry.summary, entry.tags, known)
        if reason:
            return reason
    return None


@lru_cache(maxsize=1024)
def ascii_host(host: str) -> str:
    """A host name lower-case and in its ASCII (IDNA) form, as site keys are compared:
    ``Bücher.example`` → ``xn--bcher-kva.example``; kept as given when it is no IDNA name."""
    host = host.strip().lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return host


@lru_cache(maxsize=256)
def compiled_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled once per process (checked when the feed list was loaded)."""
    return re.compile(pattern)


@lru_cache(maxsize=256)
def parsed_query(text: str) -> ParsedQuery:
    """``text`` parsed once per process (:func:`newsflow.index.query.parse`)."""
    return parse(text)


def words(text: str) -> list[str]:
    """The words of ``text`` as the index compares them: case-folded, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def query_matches(query: ParsedQuery, text: str) -> bool:
    """Whether ``text`` matches ``query`` as the index would: every group has a term whose
    words occur next to each other, in order, and no excluded term does."""
    tokens = words(text)

    def found(term: Term) -> bool:
        wanted = words(term.text)
        size = len(wanted)
        return bool(size) and any(tokens[i:i + size] == wanted for i in range(len(tokens) - size + 1))

    return all(any(found(t) for t in group) for group in query.groups) and not any(
        found(t) for t in query.excluded)
