"""The agent's clock: a step of the system clock reaches it only when the modem worker takes it up."""

from __future__ import annotations

from datetime import timedelta

from agent.clock import AnchoredClock
from tests.clocks import FakeClock


def test_a_step_is_not_seen_until_the_clock_is_anchored_again():
    base = FakeClock()
    clock = AnchoredClock(base)
    start = clock.now()
    base.current += timedelta(hours=3)          # NTP steps the system clock
    assert clock.now() == start                 # no thread judges a text due by the new time yet
    assert abs(clock.drift() - 3 * 3600) < 1e-3
    clock.anchor()
    assert abs((clock.now() - start).total_seconds() - 3 * 3600) < 1e-3
    assert abs(clock.drift()) < 1e-3


def test_between_anchorings_it_moves_with_the_monotonic_clock():
    base = FakeClock()
    clock = AnchoredClock(base)
    start = clock.now()
    base.advance(2.5)
    assert abs((clock.now() - start).total_seconds() - 2.5) < 1e-3
    assert abs(clock.drift()) < 1e-3
    base.current -= timedelta(seconds=40)        # stepped back
    assert abs(clock.drift() + 40) < 1e-3
    assert clock.monotonic() == base.monotonic()
