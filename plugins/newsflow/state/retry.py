"""When failed work is tried again: the state store's retry policy, apart from its storage.

Two schedules, both in seconds: an item (a URL in a stage) that failed transiently is retried
after an exponential delay with jitter, at most ``max_attempts`` times; a host that keeps
failing is backed off for a doubling time. Both are capped at ``max_delay`` and never shorter
than what the server asked for (``Retry-After``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def retry_delay(base: float, attempts: int, cap: float) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**(attempts-1)``, at most ``cap``."""
    full = min(base * 2 ** max(attempts - 1, 0), cap)
    return full * (0.5 + random.random() / 2)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``base_delay`` and ``max_delay`` in seconds; ``max_attempts`` counts the first try."""

    base_delay: float = 300.0
    max_attempts: int = 5
    max_delay: float = 86_400.0

    def item_delay(self, attempts: int, *, retryable: bool, retry_after: float | None = None) -> float | None:
        """Seconds until an item that has now failed ``attempts`` times is tried again, or None
        (a permanent failure, or ``max_attempts`` reached). Never before the server's
        ``retry_after`` seconds, never later than ``max_delay``."""
        if not retryable or attempts >= self.max_attempts:
            return None
        delay = retry_delay(self.base_delay, attempts, self.max_delay)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_delay))
        return delay

    def host_delay(self, failures: int, *, threshold: int, backoff: float, at_least: float | None = None) -> float:
        """Seconds to back off a host after ``failures`` consecutive transient failures: none
        below ``threshold`` (0 disables), then ``backoff`` doubling with each further failure;
        at once at least ``at_least`` (a 429's Retry-After); at most ``max_delay``. 0: no backoff."""
        delay = 0.0
        if threshold > 0 and failures >= threshold:
            delay = min(backoff * 2 ** (failures - threshold), self.max_delay)
        if at_least is not None:
            delay = max(delay, min(at_least, self.max_delay))
        return delay
