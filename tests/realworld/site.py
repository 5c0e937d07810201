"""Write a small publisher site (feeds + article pages) into a directory for the demo server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

from newsflow.demo_server import DemoServer, serving

BODY = (
    "<p>The river ferry between {place} and the old mill resumed on its summer timetable, the"
    " operator said, after the spring floods had kept it moored for eleven days.</p>"
    "<p>Volunteers repainted the landing stage and the council paid for new mooring ropes, while"
    " the café on the far bank reopened its terrace for the first crossings of the morning.</p>"
    "<p>Regular passengers said the detour over the motorway bridge had added half an hour to"
    " their trips, and a cyclists' club asked for bicycle racks to be added on the upper deck.</p>"
)


def page(title: str, place: str, *, head: str = "", before: str = "", lang: str = "en") -> str:
    """An article page; ``head`` goes into <head>, ``before`` above the body paragraphs."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"{head}</head><body><nav><a href=\"/\">Home</a></nav><article><h1>{escape(title)}</h1>"
        f"{before}{BODY.format(place=escape(place))}</article></body></html>"
    )


def rss(items: list[tuple[str, str | None]], *, language: str | None = None,
        creators: dict[str, str] | None = None) -> str:
    """An RSS 2.0 feed of ``(path, pubDate or None)``; links use the server's ``{{BASE}}``;
    ``creators`` maps a path to its entry's ``dc:creator``."""
    lang = f"<language>{language}</language>" if language else ""
    creators = creators or {}
    entries = "".join(
        f"<item><title>Story {i}</title><link>{{{{BASE}}}}{path}</link>"
        + (f"<pubDate>{escape(date)}</pubDate>" if date is not None else "")
        + (f"<dc:creator>{escape(creators[path])}</dc:creator>" if path in creators else "")
        + "</item>"
        for i, (path, date) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Ferry news</title>'
        f"<link>{{{{BASE}}}}/</link>{lang}{entries}</channel></rss>"
    )


@contextmanager
def site(root: Path, files: dict[str, str]) -> Iterator[DemoServer]:
    """Serve ``files`` (relative path → text) from ``root`` on 127.0.0.1."""
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    with serving(root) as server:
        yield server
