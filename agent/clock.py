"""Time, injected: logic asks a clock object, never the wall clock directly."""

from __future__ import annotations

import time

from datetime import datetime, timezone

__all__ = ["Clock", "SystemClock", "AnchoredClock", "utc_iso", "parse_utc", "wait_until"]

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

class AnchoredClock(Clock):
    """Wall time that, between two anchorings, moves only with the monotonic clock.

    The agent's threads all read this one: when NTP steps the system clock, none of them sees the
    step until the modem worker re-anchors it, in the same pass that moves the records of this run
    with the step. So a text is never judged due by a clock the queue has not been moved for."""

    def __init__(self, base: Clock):
        self.base = base
        self._offset = self._base_offset()

    def _base_offset(self) -> float:
        return self.base.now().timestamp() - self.base.monotonic()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._offset + self.base.monotonic(), timezone.utc)

    def monotonic(self) -> float:
        return self.base.monotonic()

    def drift(self) -> float:
        """Seconds the system's wall clock has moved against this one since the last anchoring."""
        return self._base_offset() - self._offset

    def anchor(self) -> None:
        """Take up the system's wall clock again."""
        self._offset = self._base_offset()


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
