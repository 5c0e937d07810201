"""Per-article time budgets for the CPU stages (cleaning, each extractor).

Every stage already gets a bounded input (``max_page_bytes`` for cleaning; extractors read at
most ``extractors.base.MAX_TEXT_CHARS`` of an article's text), so its time is bounded; the
budget turns a stage that is still too slow on one article into that article's failure
(:class:`~newsflow.errors.OverBudget`, with the stage and the limit) while the rest of the
batch goes on.

How: :func:`time_budget` arms ``SIGALRM`` (``setitimer``) around the block and the handler
raises :class:`Deadline` in the running Python code. ``Deadline`` derives from
``BaseException`` so library code that catches ``Exception`` cannot swallow it, and the
timer keeps re-firing every :data:`REFIRE` seconds until the block ends. C code that holds
the interpreter (one long regex, one lxml parse) is interrupted when it returns to Python.
Signals only reach the main thread: the CPU workers (processes) and in-process runs
(``workers = 1``) run the stages there. Elsewhere (a thread, or a platform without
``setitimer``) the block runs to its end and is failed afterwards if it took too long.
An outer ``SIGALRM`` timer (e.g. pytest-timeout's) is saved and re-armed with what is left
of it.

:func:`run_extractor` applies this to a batch extractor: the whole batch gets ``per_article
× len(batch)``; when that runs out, or the batch raises, each article runs alone with its
own budget, so one slow or poisonous article fails alone.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from extractors import Extractor, run_extractors
from extractors.registry import record_failure
from newsflow.errors import OverBudget
from newsflow.models import Article

REFIRE = 0.25
"""Seconds between repeated deadline signals while a block overruns."""


class Deadline(BaseException):
    """Raised inside the block when its budget is spent (turned into OverBudget on the way out)."""


_local = threading.local()


@contextmanager
def time_budget(seconds: float | None, what: str, *, url: str | None = None) -> Iterator[None]:
    """Run the block within ``seconds`` (None or ≤ 0: no limit); raise :class:`OverBudget`
    naming ``what`` when it takes longer. Not reentrant: an inner budget is ignored."""
    if not seconds or seconds <= 0 or getattr(_local, "active", False):
        yield
        return
    started = time.monotonic()
    deadline = started + seconds
    running = [True]  # cleared first thing on the way out: a late signal then does nothing
    armed = _arm(deadline, seconds, running)
    _local.active = True
    try:
        yield
    except Deadline:
        raise OverBudget(f"{what} took longer than its time budget of {seconds:g} s", url=url) from None
    finally:
        running[0] = False
        if armed is not None:
            _disarm(armed, started)
        _local.active = False
    if time.monotonic() > deadline:  # not interruptible here: fail it afterwards
        raise OverBudget(f"{what} took longer than its time budget of {seconds:g} s "
                         f"({time.monotonic() - started:.1f} s)", url=url)


def _arm(deadline: float, seconds: float, running: list[bool]) -> tuple[Any, float] | None:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return None
    previous: Any = signal.getsignal(signal.SIGALRM)
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    outer_deadline = time.monotonic() + outer_left if outer_left else None

    def handler(signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if outer_deadline is not None and now >= outer_deadline and callable(previous):
            previous(signum, frame)  # the outer timer's turn (e.g. a test timeout)
        if running[0] and now >= deadline:
            raise Deadline

    signal.signal(signal.SIGALRM, handler)
    first = seconds if outer_left == 0 else min(seconds, outer_left)
    signal.setitimer(signal.ITIMER_REAL, max(first, 1e-3), REFIRE)
    return previous, outer_left


def _disarm(armed: tuple[Any, float], started: float) -> None:
    previous, outer_left = armed
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
    if outer_left:
        signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-3))


def run_extractor(articles: Sequence[Article], extractor: Extractor,
                  per_article: float | None) -> list[tuple[Article, str, str]]:
    """Run one extractor over the batch like :func:`extractors.run_extractors` (same return
    value: ``(article, extractor name, message)`` per failure), within ``per_article`` seconds
    per article; a batch that runs out of time or raises is redone one article at a time."""
    if not articles:
        return []
    try:
        with time_budget(per_article * len(articles) if per_article else None, f"extractor {extractor.name}",
                         url=articles[0].url if len(articles) == 1 else None):
            errors = run_extractors(articles, [extractor])
    except OverBudget as exc:
        if len(articles) == 1:
            return [_over(articles[0], extractor, exc)]
    else:
        if not _batch_failed(errors, articles):
            return errors
    out: list[tuple[Article, str, str]] = []
    for article in articles:
        out.extend(_one(article, extractor, per_article))
    return out


def _one(article: Article, extractor: Extractor, per_article: float | None) -> list[tuple[Article, str, str]]:
    try:
        with time_budget(per_article, f"extractor {extractor.name}", url=article.url):
            return run_extractors([article], [extractor])
    except OverBudget as exc:
        return [_over(article, extractor, exc)]


def _over(article: Article, extractor: Extractor, exc: OverBudget) -> tuple[Article, str, str]:
    message = f"OverBudget: {exc}"
    record_failure(article, extractor, message)
    return article, extractor.name, message


def _batch_failed(errors: list[tuple[Article, str, str]], articles: Sequence[Article]) -> bool:
    """Whether the batch call itself raised (every article carries the same error)."""
    return len(articles) > 1 and len(errors) == len(articles) and len({m for _, _, m in errors}) == 1
