"""Inline SVG for the pages: a date histogram and a map of places on a world outline shipped
with the package (``data/world.json``, Natural Earth 1:110m, made by
``scripts/make-world-outline``), so no page loads map tiles or anything from the internet."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

MAP_W, MAP_H = 720, 360
"""The map's size in SVG units: equirectangular, 2 units per degree."""
HIST_W, HIST_H = 720, 120
MAX_BAR = 24.0
"""The widest a histogram bar gets (few buckets)."""


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    height: float
    y: float
    count: int
    label: str
    """``YYYY-MM-DD: N``."""
    start: str
    end: str
    """The bucket's first day and the day after its last (``YYYY-MM-DD``)."""


@dataclass(frozen=True, slots=True)
class Map:
    view: tuple[float, float, float, float]
    """The SVG viewBox: :func:`view` of the places."""
    dots: list[Dot]
    """Most named first (the page labels the first few)."""
    font: float
    """Label size for the zoom."""


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    r: float
    name: str
    count: int


def project(lat: float, lon: float) -> tuple[float, float]:
    """(x, y) on the map of a point in degrees."""
    return round((lon + 180.0) * MAP_W / 360.0, 1), round((90.0 - lat) * MAP_H / 180.0, 1)


@functools.cache
def world_path() -> str:
    """The land outline as one SVG path (``d``), projected with :func:`project`."""
    data = json.loads(resources.files("newsflow.web").joinpath("data/world.json").read_text("utf-8"))
    parts = []
    for ring in data["rings"]:
        points = [project(lat, lon) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
    return "".join(parts)


def view(places: Sequence[tuple[str, float, float, int]]) -> tuple[float, float, float, float]:
    """The map's viewBox (x, y, width, height): the whole world, or the region around the
    places with a margin, at least a sixth of the world wide and 2:1 like the map."""
    if not places:
        return 0.0, 0.0, float(MAP_W), float(MAP_H)
    xs, ys = zip(*(project(lat, lon) for _, lat, lon, _ in places), strict=True)
    width = min(max(max(xs) - min(xs), 2 * (max(ys) - min(ys)), MAP_W / 6) * 1.5, MAP_W)
    height = width / 2
    x = min(max((max(xs) + min(xs) - width) / 2, 0.0), MAP_W - width)
    y = min(max((max(ys) + min(ys) - height) / 2, 0.0), MAP_H - height)
    return round(x, 1), round(y, 1), round(width, 1), round(height, 1)


def map_of(places: Sequence[tuple[str, float, float, int]]) -> Map:
    """The map of (name, lat, lon, count): zoomed by :func:`view`, a marker per place whose
    radius grows with the square root of its count."""
    top = max((c for *_, c in places), default=1) or 1
    box = view(places)
    scale = box[2] / MAP_W
    dots = []
    for name, lat, lon, count in places:
        x, y = project(lat, lon)
        r = (3.0 + 6.0 * math.sqrt(max(count, 0) / top)) * scale
        dots.append(Dot(x, y, round(r, 2), name, count))
    dots.sort(key=lambda d: (-d.count, d.name))
    return Map(box, dots, round(11.0 * scale, 2))


def bars(buckets: Sequence[tuple[str, int]], interval: str = "day") -> list[Bar]:
    """Histogram bars for (bucket start ``YYYY-MM-DD``, count), oldest first, placed on a time
    axis from the first bucket to the end of the last (missing buckets leave gaps)."""
    if not buckets:
        return []
    step = _STEPS.get(interval, _STEPS["day"])
    starts = [date.fromisoformat(d) for d, _ in buckets]
    first, last = starts[0], step(starts[-1])
    span = max((last - first).days, 1)
    top = max(c for _, c in buckets) or 1
    out = []
    for (day, count), start in zip(buckets, starts, strict=True):
        end = step(start)
        x = (start - first).days * HIST_W / span
        width = min(max((end - start).days * HIST_W / span - 1.0, 1.0), MAX_BAR)
        height = round(max(count / top * (HIST_H - 20), 1.0), 1)
        out.append(Bar(round(x, 1), round(width, 1), height, round(HIST_H - 14 - height, 1),
                       count, f"{day}: {count}", day, end.isoformat()))
    return out


def _add_months(start: date, months: int) -> date:
    total = start.month - 1 + months
    return date(start.year + total // 12, total % 12 + 1, 1)


_STEPS: dict[str, Callable[[date], date]] = {
    "day": lambda d: d + timedelta(days=1),
    "week": lambda d: d + timedelta(days=7),
    "month": lambda d: _add_months(d, 1),
    "year": lambda d: date(d.year + 1, 1, 1),
}
