"""Page URLs and safe markup: the search page's state lives in its query string, so a facet
value is a link that adds a filter and a filter chip a link that removes it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import quote, urlencode

from markupsafe import Markup

Params = Sequence[tuple[str, str]]
"""A query string as (name, value) pairs, repeats allowed (``filter`` is repeated)."""

_MARK = re.compile(r"&lt;(/?)mark&gt;")


def search_url(params: Params, *, add: tuple[str, str] | None = None,
               remove: tuple[str, str] | None = None, drop: Sequence[str] = ("page", "cursor")) -> str:
    """``/?…`` for ``params`` with one pair added or removed (and paging reset)."""
    pairs = [(k, v) for k, v in params if k not in drop and (k, v) != remove]
    if add is not None and add not in pairs:
        pairs.append(add)
    return "/?" + urlencode(pairs) if pairs else "/"


def entity_url(kind: str, name: str) -> str:
    return f"/entity/{quote(kind, safe='')}/{quote(name, safe='')}"


def article_url(doc_id: str) -> str:
    return f"/article/{quote(doc_id, safe='')}"


def highlighted(fragment: str) -> Markup:
    """A search highlight as markup: everything escaped except the backends' ``<mark>`` tags."""
    return Markup(_MARK.sub(r"<\1mark>", html.escape(fragment, quote=False)))
