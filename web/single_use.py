"""One-time tokens for a form that must act once however often it is sent.

A double tap on "Send reply", or a browser sending the same form again, must not text the caller
twice. The page carries a fresh random token in a hidden field; the first request that spends it
acts, and a later request with the same token is recognised and does nothing (the view sends it
where the first one went).

Spent tokens are remembered in this process for an hour (at most 10,000 of them): long enough for
a double tap, a resend or Back-and-Send-again. The web UI is one process (`textback web`, or inside
`textback run`), so every request sees the same memory. Checking and spending happen under one
lock, so two taps that arrive together cannot both act. A form without a token (a page loaded
before tokens existed) acts as before.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["FIELD", "SingleUseTokens", "Use"]

FIELD = "once"
KEEP_SECONDS = 3600.0
LIMIT = 10_000


class Use:
    """One request's claim on a token: `already_spent` tells a repeat; `spend()` marks it spent
    once the action has really been done (a refused form leaves the token usable)."""

    def __init__(self, already_spent: bool) -> None:
        self.already_spent = already_spent
        self.spent = False

    def spend(self) -> None:
        self.spent = True


class SingleUseTokens:
    """Tokens handed out with a form, and the ones already spent (monotonic clock, bounded)."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS, limit: int = LIMIT,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._keep = keep_seconds
        self._limit = limit
        self._monotonic = monotonic
        self._spent: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def fresh() -> str:
        return secrets.token_urlsafe(16)

    @contextmanager
    def use(self, token: str) -> Iterator[Use]:
        """Hold the token while the action runs; it is spent at the end if the action called spend()."""
        with self._lock:
            now = self._monotonic()
            while self._spent and (now - next(iter(self._spent.values())) > self._keep
                                   or len(self._spent) > self._limit):
                self._spent.popitem(last=False)
            claim = Use(already_spent=bool(token) and token in self._spent)
            yield claim
            if claim.spent and token:
                self._spent[token] = now
