"""What the WebSub callback endpoint answers (W3C WebSub §5.3 and §7–8), without the HTTP layer.

- **Intent verification** (``GET``): the challenge is echoed (200) only for a request we
  actually made: the callback id is one of our subscriptions, ``hub.topic`` is its topic,
  ``hub.mode`` is what we asked for (``subscribe`` with a request outstanding, ``unsubscribe``
  for a feed we are leaving); anything else is 404. ``hub.mode=denied`` records the hub's
  reason as the feed's failure.
- **Content distribution** (``POST``): the body must carry ``X-Hub-Signature:
  method=hex`` (sha1, sha256, sha384 or sha512), the HMAC of the body with the subscription's
  secret, compared in constant time. Unsigned or badly signed content is acknowledged with 202,
  as the spec allows (so the signature cannot be probed), ignored and recorded as the feed's
  failure (:class:`~newsflow.errors.BadSignature`). Signed content is read by the same feed
  parser as a poll (after the XML guard) and its entries become pending entries at once,
  deduplicated by URL like polled ones. An unknown or ended subscription gets 410 Gone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from newsflow import jsonfeed
from newsflow.errors import BadSignature, HubError, StageError
from newsflow.fetching import Response
from newsflow.models import FeedSource
from newsflow.pipeline.poll_stage import admit_entries
from newsflow.polling import parse_feed
from newsflow.state import StateStore
from newsflow.websub.subscriber import STAGE
from newsflow.xmlguard import check_feed_xml

log = logging.getLogger(__name__)

DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
"""The signature methods WebSub hubs may use."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The endpoint's answer: HTTP status, body, and the URLs of new pending entries to process."""

    status: int
    body: bytes = b""
    new_urls: list[str] = field(default_factory=list)


NOT_FOUND = Reply(404, b"unknown subscription")
GONE = Reply(410, b"no such subscription")


def verify_intent(state: StateStore, callback_id: str, params: Mapping[str, str], *, default_lease: float) -> Reply:
    """Answer a hub's verification ``GET`` (``params``: its query). ``default_lease``: seconds
    assumed when a subscribe verification carries no valid ``hub.lease_seconds``."""
    sub = state.subscription_by_callback(callback_id)
    mode, topic = params.get("hub.mode", ""), params.get("hub.topic", "")
    if sub is None or topic != sub.topic:
        return NOT_FOUND
    challenge = params.get("hub.challenge", "").encode("utf-8")
    if mode == "subscribe" and sub.requested_at and sub.status in ("requested", "active") and challenge:
        state.subscription_verified(sub.feed_url, _lease(params.get("hub.lease_seconds"), default_lease))
        log.info("websub: subscription to %s verified by its hub", topic)
        return Reply(200, challenge)
    if mode == "unsubscribe" and sub.status == "unsubscribing" and challenge:
        state.forget_subscription(sub.feed_url)
        log.info("websub: unsubscription from %s verified by its hub", topic)
        return Reply(200, challenge)
    if mode == "denied" and sub.requested_at:
        reason = " ".join(params.get("hub.reason", "").split())[:300] or "no reason given"
        state.subscription_status(sub.feed_url, "denied", error=reason)
        state.record_failure(STAGE, sub.feed_url, HubError(f"hub {sub.hub} denied the subscription to {topic}: "
                                                           f"{reason}", url=sub.feed_url), retryable=False)
        return Reply(200)
    return NOT_FOUND


def _lease(value: str | None, default: float) -> float:
    try:
        lease = float(value) if value is not None else default
    except ValueError:
        return default
    return lease if lease > 0 else default


def signature_problem(secret: str | None, header: str | None, body: bytes) -> str | None:
    """Why ``header`` (``X-Hub-Signature``) is not a valid signature of ``body``, or None."""
    if not header:
        return "unsigned (no X-Hub-Signature)"
    method, _, given = header.strip().partition("=")
    digest = DIGESTS.get(method.strip().lower())
    if digest is None or not given:
        return f"X-Hub-Signature method {method.strip()[:20]!r} is not one of {', '.join(DIGESTS)}"
    if not secret:
        return "no secret was agreed for this subscription"
    expected = hmac.new(secret.encode("utf-8"), body, digest).hexdigest()
    if not hmac.compare_digest(expected, given.strip().lower()):
        return f"X-Hub-Signature ({method.strip().lower()}) does not match the body"
    return None


def distribute(
    state: StateStore,
    callback_id: str,
    headers: Mapping[str, str],
    body: bytes,
    source_of: Callable[[str], FeedSource],
) -> Reply:
    """Take a hub's content distribution ``POST`` (``headers`` lower-cased). ``source_of``
    gives the feed list's entry of a feed URL (its name, language, tags)."""
    sub = state.subscription_by_callback(callback_id)
    if sub is None or sub.status != "active":
        return GONE
    problem = signature_problem(sub.secret, headers.get("x-hub-signature"), body)
    if problem is not None:
        state.record_failure(STAGE, sub.feed_url, BadSignature(
            f"content pushed for {sub.topic} ignored: {problem}", url=sub.feed_url), retryable=False)
        log.warning("websub: content pushed for %s ignored: %s", sub.topic, problem)
        return Reply(202, b"ignored")
    feed = source_of(sub.feed_url)
    content_type, _, params = headers.get("content-type", "").partition(";")
    charset = params.partition("charset=")[2].strip().strip('"') or None
    response = Response(url=sub.topic, final_url=sub.topic, status=200, content_type=content_type.strip().lower(),
                        charset=charset, body=body, headers=tuple(headers.items()))
    rejected: list[tuple[str, StageError]] = []
    try:
        if not jsonfeed.looks_like_json(body, response.content_type):
            check_feed_xml(body, sub.topic)
        entries, _ = parse_feed(response, feed, rejected=rejected)
    except StageError as exc:
        state.record_failure(STAGE, sub.feed_url, exc, retryable=False)
        return Reply(202, b"unreadable")
    for link, error in rejected:
        state.record_failure("entry", link, error, retryable=error.retryable)
    new, _excluded = admit_entries(state, feed, entries)  # the feed list's rules apply to pushes too
    state.subscription_pushed(sub.feed_url)
    log.info("websub: %d entries pushed for %s, %d new", len(entries), sub.topic, len(new))
    return Reply(202, b"accepted", [e.url for e in new])
