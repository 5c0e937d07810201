"""A saved search: what ``newsflow alerts add`` stores, checked once, kept as JSON.

The query text, filters and mode are those of ``newsflow search`` (:mod:`newsflow.index.query`,
:class:`~newsflow.index.base.SearchQuery`); ``min_score`` is the cosine similarity a
document needs to match in the vector modes, which rank every document rather than
selecting some. Where a match goes (``target``) is a webhook URL (``http``/``https``) or a
JSONL file path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from newsflow.errors import ConfigError, QueryError
from newsflow.index.base import FACET_FIELDS, SearchQuery
from newsflow.index.fusion import MODES, Mode, check_mode

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_MIN_SCORE = 0.85
"""Cosine similarity a document needs to match a semantic alert (and the semantic half of a
hybrid one) unless ``--min-score`` says otherwise. multilingual-e5 scores crowd together: on
four queries we wrote against seven short articles of ours, the article each query was about
scored 0.83-0.93 and the others up to 0.83 (those sharing its words), a German translation of
the matching one 0.81; 0.85 keeps the others out at the cost of the weakest match (0.83)."""

TargetKind = Literal["webhook", "file"]


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """One alert's search. ``filters``: facet field → accepted values (as ``--filter``)."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mode: Mode = "keyword"
    min_score: float = DEFAULT_MIN_SCORE

    def check(self) -> SavedSearch:
        """Itself, or :class:`QueryError` saying what is wrong (unknown filter field, mode,
        a vector mode without words, a similarity outside 0..1)."""
        unknown = sorted(set(self.filters) - set(FACET_FIELDS))
        if unknown:
            raise QueryError(f"cannot filter on {', '.join(unknown)}; filterable fields: {', '.join(FACET_FIELDS)}")
        if self.mode not in MODES:
            raise QueryError(f"--mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        check_mode(self.mode, self.text, "relevance", None)
        if not 0.0 <= self.min_score <= 1.0:
            raise QueryError(f"--min-score must be a cosine similarity between 0 and 1, not {self.min_score}")
        return self

    def query(self, indexed_since: datetime, *, mode: Mode | None = None, size: int = 100,
              cursor: str | None = None) -> SearchQuery:
        """The search over documents indexed from ``indexed_since`` on (``mode`` overrides the
        saved one: a hybrid alert runs a keyword and a semantic search)."""
        mode = mode or self.mode
        return SearchQuery(
            text=self.text, filters=dict(self.filters), indexed_since=indexed_since, mode=mode, size=size,
            sort="date" if mode == "keyword" else "relevance", search_after=cursor,
        )

    def to_json(self) -> str:
        data: dict[str, Any] = {"text": self.text, "filters": {k: list(v) for k, v in sorted(self.filters.items())},
                                "mode": self.mode}
        if self.mode != "keyword":
            data["min_score"] = self.min_score
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> SavedSearch:
        """The saved search stored as ``raw``; :class:`QueryError` when it is not one."""
        try:
            data = json.loads(raw)
            filters = {str(k): tuple(str(v) for v in vs) for k, vs in (data.get("filters") or {}).items()}
            saved = cls(text=str(data.get("text", "")), filters=filters, mode=data.get("mode", "keyword"),
                        min_score=float(data.get("min_score", DEFAULT_MIN_SCORE)))
        except (ValueError, TypeError, AttributeError) as exc:
            raise QueryError(f"the stored search {raw[:200]!r} is not a saved search: {exc}") from exc
        return saved.check()


def check_name(name: str) -> str:
    """``name``, or :class:`ConfigError` unless it is 1–64 letters, digits, ``.``, ``_``, ``-``."""
    if not NAME.match(name):
        raise ConfigError(f"alert name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def target_kind(target: str) -> TargetKind:
    """``webhook`` for an ``http(s)://`` URL, else ``file`` (a JSONL path)."""
    return "webhook" if urlsplit(target).scheme.lower() in ("http", "https") else "file"


def check_target(target: str) -> str:
    """The target as stored: a webhook URL with a host, or an absolute JSONL file path whose
    directory exists. :class:`ConfigError` otherwise (a URL's addresses are checked by the
    SSRF guard when it is used: loopback and private ones need ``allow_hosts``)."""
    if target_kind(target) == "webhook":
        if not urlsplit(target).hostname:
            raise ConfigError(f"--to {target!r}: a webhook URL needs a host, e.g. https://hooks.example.org/news")
        return target
    if "://" in target:
        raise ConfigError(f"--to {target!r}: give an http(s) webhook URL or a file path")
    path = Path(target).expanduser().resolve()
    if not path.parent.is_dir():
        raise ConfigError(f"--to {target!r}: the directory {path.parent} does not exist")
    if path.is_dir():
        raise ConfigError(f"--to {target!r} is a directory; give a file path such as {path / 'alerts.jsonl'}")
    return str(path)
