"""Sending matches: a webhook POST or a line appended to a JSONL file.

Webhook: one POST per match, the payload as the JSON body, its ``delivery_id`` also in the
``Idempotency-Key`` header; sent by our client (:func:`newsflow.fetching.build_client`: the
SSRF guard, so a loopback or private receiver needs ``allow_hosts``; our User-Agent; its
``connect_timeout`` and ``read_timeout``; redirects not followed). A 2xx answer delivers it; a network error, a
timeout, 408, 425, 429 or 5xx is tried again up to ``alert_attempts`` times in all, waiting
``alert_retry_delay`` seconds and doubling; any other answer fails at once.
:class:`DeliveryFailed` carries the reason.

JSONL: each match is one line, written with one ``write`` on a file opened for appending
(other writers' lines never interleave with it), then flushed to disk before it counts as
delivered. :func:`already_in` finds which of some delivery ids a file holds, so a run killed
between writing and recording does not write a match twice.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import httpx

from newsflow.errors import NewsflowError

RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_KEY = re.compile(r'\{"delivery_id":"([^"]+)"')


class DeliveryFailed(NewsflowError):
    """A match could not be delivered; the message says why (recorded as the alert's failure).
    ``delivery_id``: the match a webhook was sending (it waits for the next run)."""

    def __init__(self, message: str, delivery_id: str | None = None) -> None:
        super().__init__(message)
        self.delivery_id = delivery_id


def post(client: httpx.Client, url: str, body: str, key: str, *, attempts: int, retry_delay: float) -> None:
    """POST ``body`` (JSON) to ``url`` with ``Idempotency-Key: key`` until a 2xx answer (see the
    module docstring); each attempt has the client's timeouts. Raises :class:`DeliveryFailed`."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    reason = ""
    for attempt in range(max(attempts, 1)):
        if attempt:
            time.sleep(retry_delay * 2 ** (attempt - 1))
        try:
            resp = client.post(url, content=body.encode("utf-8"), headers=headers)
        except NewsflowError as exc:  # the SSRF guard: refused before connecting, never retried
            raise DeliveryFailed(f"webhook {url}: {exc}", key) from exc
        except httpx.HTTPError as exc:
            reason = f"webhook {url}: {type(exc).__name__}: {exc or 'no answer'}"
            continue
        if 200 <= resp.status_code < 300:
            return
        text = " ".join(resp.text[:200].split())
        reason = f"webhook {url} answered {resp.status_code}" + (f": {text}" if text else "")
        if resp.status_code not in RETRIED_STATUSES:
            break
    raise DeliveryFailed(f"{reason} (after {attempt + 1} attempt{'s' if attempt else ''})", key)


def append(path: Path, lines: Sequence[str]) -> None:
    """Append each of ``lines`` (JSON, no newline inside) to ``path`` as one line, creating the
    file; a last line left without its newline by a killed writer is ended first. Flushed to
    disk before returning. Raises :class:`DeliveryFailed` for a file that cannot be written."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if _unterminated(path):
                os.write(fd, b"\n")
            for line in lines:
                os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DeliveryFailed(f"cannot append to {path}: {exc.strerror or exc}") from exc


def _unterminated(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def already_in(path: Path, keys: Iterable[str]) -> set[str]:
    """Which of the delivery ids ``keys`` a line of ``path`` holds (none when it is missing);
    a line is one of ours when it starts as :func:`newsflow.alerts.matching.payload` writes it."""
    wanted = set(keys)
    if not wanted or not path.is_file():
        return set()
    found: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            match = _KEY.match(line)
            if match and match[1] in wanted:
                found.add(match[1])
    return found
