"""The WebSub subscriber: subscription requests to hubs, lease renewal, unsubscription, and
the fallback poll filter.

Everything here runs only when setting ``websub_callback_url`` is set (push is opt-in).
:func:`maintain` is called after each polling run with the whole feed list (and periodically
by ``newsflow serve-websub``): a feed whose hub was discovered is subscribed, a subscription
past :data:`RENEW_AT` of its lease (or lapsed) is renewed, one whose feed left the list is
unsubscribed. A hub's refusal or failure is recorded as that feed's failure (stage
``websub``) and never stops the run; the feed is polled as before meanwhile.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import httpx

from newsflow.config import Settings
from newsflow.errors import HubError, StageError
from newsflow.fetching import network_error
from newsflow.models import FeedSource
from newsflow.state import StateStore
from newsflow.state.clock import from_iso, now
from newsflow.state.records import Subscription

if TYPE_CHECKING:
    from newsflow.pipeline.context import RunContext

log = logging.getLogger(__name__)

RENEW_AT = 0.8
"""A subscription is renewed once this fraction of the lease the hub granted has passed."""
STAGE = "websub"
"""The stage a WebSub failure is recorded under (its URL: the feed's)."""
_REDIRECTS = (307, 308)


def callback_url(settings: Settings, callback_id: str) -> str:
    """The callback URL of one subscription: ``websub_callback_url`` + ``/`` + its id."""
    base = settings.websub_callback_url or ""
    return f"{base.rstrip('/')}/{callback_id}"


def maintain(ctx: RunContext, feeds: Iterable[FeedSource]) -> None:
    """Bring subscriptions in line with ``feeds`` (the whole feed list): unsubscribe feeds
    that left it, subscribe or renew the listed ones that need it. No-op when push is off."""
    settings, state = ctx.settings, ctx.state
    if not settings.websub_callback_url:
        return
    listed = {f.url for f in feeds}
    retry_after = settings.min_poll_interval
    for sub in state.subscriptions():
        if sub.feed_url not in listed:
            _leave(ctx, sub, retry_after)
    for sub in state.subscriptions_due(renew_at=RENEW_AT, retry_after=retry_after):
        if sub.feed_url in listed:
            _request(ctx, sub, "subscribe")


def _leave(ctx: RunContext, sub: Subscription, retry_after: float) -> None:
    """The feed left the list: unsubscribe a live subscription, forget anything else (an
    unsubscription the hub never verified is forgotten after ``retry_after`` seconds)."""
    if sub.status in ("active", "requested") and sub.callback_id:
        _request(ctx, sub, "unsubscribe")
    elif sub.status != "unsubscribing" or not sub.requested_at or from_iso(sub.requested_at) + retry_after <= now():
        ctx.state.forget_subscription(sub.feed_url)


def _request(ctx: RunContext, sub: Subscription, mode: str) -> None:
    """Send one (un)subscription request; its failure is the feed's (stage ``websub``)."""
    settings, state = ctx.settings, ctx.state
    try:
        send_request(ctx.res.client, settings, state, sub, mode)
    except StageError as exc:
        ctx.record(STAGE, sub.feed_url, exc)
        return
    except Exception as exc:  # a bug or the state store failing: this feed's failure, not the run's
        ctx.record(STAGE, sub.feed_url, exc, retryable=True)
        return
    state.clear_failure(STAGE, sub.feed_url)


def send_request(client: httpx.Client, settings: Settings, state: StateStore, sub: Subscription, mode: str) -> None:
    """Ask ``sub.hub`` to ``mode`` (``subscribe``/``unsubscribe``) ``sub.topic`` for our callback.

    The request is recorded as outstanding *before* it is sent (a hub may verify before it
    answers). A subscription's callback id and secret are made once (random, 128 and 256
    bits) and kept across renewals. Raises :class:`~newsflow.errors.HubError` when the hub
    answers anything but 2xx (its reason in the message), or the network error's
    :class:`~newsflow.errors.StageError`; the row then records the error.
    """
    callback_id = sub.callback_id or secrets.token_urlsafe(16)
    secret = sub.secret or secrets.token_urlsafe(32)
    form = {"hub.mode": mode, "hub.topic": sub.topic, "hub.callback": callback_url(settings, callback_id)}
    if mode == "subscribe":
        form |= {"hub.lease_seconds": str(settings.websub_lease_seconds), "hub.secret": secret}
        state.subscription_requested(sub.feed_url, callback_id, secret)
    else:
        state.subscription_status(sub.feed_url, "unsubscribing", outstanding=True)
    try:
        _post(client, sub.hub, form, settings)
    except StageError as exc:
        state.subscription_failed(sub.feed_url, str(exc))
        raise
    log.info("websub: %s request for %s accepted by %s", mode, sub.topic, sub.hub)


def _post(client: httpx.Client, hub: str, form: Mapping[str, str], settings: Settings) -> None:
    target = hub
    try:
        for _ in range(settings.max_redirects + 1):
            resp = client.post(target, data=dict(form), timeout=settings.total_timeout)
            if resp.status_code in _REDIRECTS and resp.headers.get("location"):
                target = str(resp.url.join(resp.headers["location"]))
                continue
            break
    except httpx.HTTPError as exc:
        raise network_error(exc, hub, target) from exc
    if not 200 <= resp.status_code < 300:
        reason = " ".join(resp.text[:300].split()) or resp.reason_phrase
        raise HubError(f"hub {target} answered {resp.status_code} to hub.mode={form['hub.mode']}: {reason}", url=hub)


def fallback_due(state: StateStore, settings: Settings, feeds: Sequence[FeedSource]) -> list[FeedSource]:
    """``feeds`` without those pushed to us: a feed with an active subscription is polled only
    once ``websub_poll_interval`` has passed since its last poll. All of them when push is off."""
    if not settings.websub_callback_url:
        return list(feeds)
    active = state.pushed_feeds()
    if not active:
        return list(feeds)
    last = {f.url: f.last_polled_at for f in state.feeds() if f.url in active}
    cutoff = now() - settings.websub_poll_interval
    return [f for f in feeds if f.url not in active or not last.get(f.url) or from_iso(last[f.url] or "") <= cutoff]
