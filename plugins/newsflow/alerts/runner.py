"""Running the saved searches: each alert over the documents new since its last run, each new
match recorded, then delivered once.

One alert's run, in order:

1. claim the alert (a lease of ``lease_seconds``, renewed per delivery) so two runs never
   work on it at once; a killed run's claim lapses;
2. search the documents indexed from ``alert_lookback`` seconds before its previous run
   started on, never before the alert was created (:mod:`newsflow.alerts.matching`);
3. record every match it never had as ``pending``, with the payload and ``delivery_id`` it
   will be sent with, and this run's start as the alert's last run, in one transaction;
4. deliver every match still waiting (this run's and any an earlier run could not send),
   each marked ``sending`` before and ``delivered`` after: a run killed between the two
   sends it again, with the same ``delivery_id``, on the next run (a JSONL file is checked
   for it first, so a file never gets a line twice).

A failure (the search, a receiver that is down or answers an error, a file that cannot be
written) is recorded as that alert's failure with its reason, its undelivered matches wait
for the next run, and the other alerts go on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from newsflow.alerts import deliver
from newsflow.alerts.matching import delivery_id, new_matches, payload
from newsflow.alerts.saved import SavedSearch, target_kind
from newsflow.config import Settings
from newsflow.errors import NewsflowError
from newsflow.index.base import IndexBackend
from newsflow.state import StateStore
from newsflow.state.clock import from_iso, now, to_iso
from newsflow.state.tables.alerts import Alert, Delivery

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AlertOutcome:
    """What one run did for one alert: matches ``found`` new, ``delivered`` now (earlier
    ones included), ``waiting`` still undelivered, and the ``error`` when it failed."""

    name: str
    found: int = 0
    delivered: int = 0
    waiting: int = 0
    error: str | None = None
    skipped: str | None = None
    """Why the alert was not run, or not to the end (another run holds it)."""


@dataclass(slots=True)
class AlertsReport:
    outcomes: list[AlertOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[AlertOutcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def exit_code(self) -> int:
        """0, or 1 when an alert failed (its failure is recorded; the next run retries)."""
        return 1 if self.failed else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "alerts": [{f: getattr(o, f) for f in o.__dataclass_fields__} for o in self.outcomes],
            "found": sum(o.found for o in self.outcomes),
            "delivered": sum(o.delivered for o in self.outcomes),
            "failed": [o.name for o in self.failed],
        }


def run_alerts(settings: Settings, names: Sequence[str] | None = None, *, state: StateStore | None = None,
               backend: IndexBackend | None = None) -> AlertsReport:
    """Run every alert (or those of ``names``) once; see the module docstring. Opens the state
    store and the index from ``settings`` unless given. Never raises for one alert's failure;
    :class:`~newsflow.errors.ConfigError` when the state store or index cannot be opened."""
    with contextlib.ExitStack() as stack:
        if state is None:
            state = stack.enter_context(contextlib.closing(StateStore(settings.state_location)))
        alerts = [a for a in state.alerts() if names is None or a.name in names]
        report = AlertsReport()
        if not alerts:
            return report
        if backend is None:
            from newsflow.index import open_backend

            backend = stack.enter_context(contextlib.closing(open_backend(settings)))
        runner = _Runner(settings, state, backend, stack)
        for alert in alerts:
            report.outcomes.append(runner.run(alert))
    return report


class _Runner:
    """One process's run over the alerts: its owner id, index, state and (lazily) HTTP client."""

    def __init__(self, settings: Settings, state: StateStore, backend: IndexBackend,
                 stack: contextlib.ExitStack) -> None:
        self.settings, self.state, self.backend, self.stack = settings, state, backend, stack
        self.owner = f"alerts:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            from newsflow.fetching import build_client

            self._client = self.stack.enter_context(contextlib.closing(build_client(self.settings)))
        return self._client

    def run(self, alert: Alert) -> AlertOutcome:
        outcome = AlertOutcome(alert.name)
        if not self._hold(alert.name):
            outcome.skipped = "another run is working on it"
            return outcome
        try:
            self._search(alert, outcome)
            self._deliver(alert, outcome)
        except Exception as exc:  # one alert's failure never stops the others
            outcome.error = _reason(exc)
            if not isinstance(exc, NewsflowError):
                log.exception("alert %s failed", alert.name)
            self.state.alert_failed(alert.name, outcome.error, getattr(exc, "delivery_id", None))
        finally:
            self.state.release_alert(alert.name, self.owner)
        outcome.waiting = len(self.state.waiting_deliveries(alert.name))
        log.info("alert %s: %d new, %d delivered, %d waiting%s", alert.name, outcome.found, outcome.delivered,
                 outcome.waiting, f" ({outcome.error})" if outcome.error else "")
        return outcome

    def _hold(self, name: str) -> bool:
        return self.state.claim_alert(name, self.owner, self.settings.lease_seconds)

    def _search(self, alert: Alert, outcome: AlertOutcome) -> None:
        search = SavedSearch.from_json(alert.search)
        started = now()
        checked = self.state.alert_checked_at(alert.name) or started
        since = datetime.fromtimestamp(max(from_iso(alert.created_at), checked - self.settings.alert_lookback), UTC)
        found_at = to_iso(started) or ""
        matches = []
        for hit in new_matches(self.backend, search, since):
            key = delivery_id(alert.name, alert.created_at, hit.id)
            matches.append((hit.id, key, payload(alert.name, search, hit, key, found_at)))
        outcome.found = self.state.record_matches(alert.name, matches, started)

    def _deliver(self, alert: Alert, outcome: AlertOutcome) -> None:
        waiting = self.state.waiting_deliveries(alert.name)
        if not waiting:
            return
        if target_kind(alert.target) == "webhook":
            self._post_each(alert, waiting, outcome)
        else:
            self._append(alert, waiting, outcome)

    def _post_each(self, alert: Alert, waiting: Sequence[Delivery], outcome: AlertOutcome) -> None:
        s = self.settings
        for item in waiting:
            if not self._hold(alert.name):  # held past its lease and taken over: leave the rest to that run
                outcome.skipped = "another run took it over"
                return
            self.state.delivery_sending(item.delivery_id)
            deliver.post(self.client, alert.target, item.payload, item.delivery_id, attempts=s.alert_attempts,
                         retry_delay=s.alert_retry_delay)
            self.state.deliveries_done(alert.name, [item.delivery_id])
            outcome.delivered += 1

    def _append(self, alert: Alert, waiting: Sequence[Delivery], outcome: AlertOutcome) -> None:
        path = Path(alert.target)
        maybe_sent = [d.delivery_id for d in waiting if d.status == "sending"]
        written = deliver.already_in(path, maybe_sent)
        if written:  # a killed run wrote them but did not record it
            self.state.deliveries_done(alert.name, sorted(written))
            outcome.delivered += len(written)
        todo = [d for d in waiting if d.delivery_id not in written]
        for item in todo:
            self.state.delivery_sending(item.delivery_id)
        deliver.append(path, [d.payload for d in todo])
        self.state.deliveries_done(alert.name, [d.delivery_id for d in todo])
        outcome.delivered += len(todo)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
