"""Clocks for tests: they move only when told to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from agent.clock import Clock

__all__ = ["FakeClock"]


@dataclass
class FakeClock(Clock):
    """A clock that moves only when told to (unit tests)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc))
    mono: float = 1000.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.mono += seconds
