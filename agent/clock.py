"""Time, injected: logic asks a clock object, never the wall clock directly."""

from __future__ import annotations

import time

from datetime import datetime, timezone

__all__ = ["Clock", "SystemClock", "utc_iso", "parse_utc", "wait_until"]

class Clock:
    """Interface: wall time (aware UTC) and a monotonic counter in seconds."""

    def now(self) -> datetime:  # pragma: no cover - interface
        raise NotImplementedError

    def monotonic(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

def utc_iso(moment: datetime) -> str:
    """Store form of a time: UTC, ISO 8601 with microseconds, sortable as text."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)

def wait_until(predicate, timeout: float, poll: float = 0.005) -> bool:
    """Poll a condition until it holds or `timeout` seconds pass (demo and benchmark scripts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return False
