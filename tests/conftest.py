"""Shared fixtures: a config in a temp folder, a simulated modem on a real pty, a running agent."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from agent.clock import Clock
from agent.config import Config, parse_config
from agent.daemon.service import Service
from agent.simulator import SimulatedModem
from agent.store import Store

ALL_WEEK = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def pytest_collection_modifyitems(items: list) -> None:
    """Tests marked `long` (the chaos soak, the installer) go first: with several workers they then
    run beside the rest instead of after it."""
    items.sort(key=lambda item: (item.get_closest_marker("long") is None, "soak" not in item.nodeid))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--port", default=None, help="a real modem's AT port for the opt-in hardware tests")


class SteppedClock(Clock):
    """The system's clocks, with a wall clock that can be stepped (NTP after a boot without RTC)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def monotonic(self) -> float:
        return time.monotonic()


def holds_within(predicate: Callable[[], Any], timeout: float, every: float = 0.01) -> Any:
    """Poll a condition until it holds (its value) or `timeout` passes (its last, false value):
    for a test that goes on to show what a late answer costs."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll a condition until it holds; fail the test naming it when it does not in time."""
    value = holds_within(predicate, timeout)
    if not value:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")
    return value


def watch_status(agent: "RunningAgent", good: Callable[[dict], bool], timeout: float) -> tuple[bool, list]:
    """Poll the status page's state until `good(state)` holds (True) or `timeout` passes (False);
    the distinct (seconds, online, deaf_reason) seen on the way, for the failure message."""
    seen: list[tuple[float, Any, Any]] = []
    began = time.monotonic()

    def looked() -> bool:
        state = agent.store.modem_state()
        entry = (state.get("online"), state.get("deaf_reason"))
        if not seen or seen[-1][1:] != entry:
            seen.append((round(time.monotonic() - began, 1), *entry))
        return good(state)

    return bool(holds_within(looked, timeout, every=0.05)), seen


def make_config(tmp_path: Path, port: str = "/dev/null", **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {
        "modem": {"port": port, "ring_timeout_margin": 0.5},
        "storage": {"database": str(tmp_path / "textback.db")},
        "business": {"name": "Brightside Dental", "timezone": "Europe/London", "country": "GB"},
        "rules": {"delay_seconds": 0, "dedup_hours": 24},
        "hours": dict(ALL_WEEK),
        "owner": {"phone": "+447911000001"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return parse_config(data, source="test-config.toml", base_dir=tmp_path)


@dataclass
class RunningAgent:
    sim: SimulatedModem
    service: Service
    store: Store
    config: Config
    stop_event: threading.Event
    thread: threading.Thread
    stopped: bool = field(default=False)

    def wait_ready(self, timeout: float = 10.0) -> None:
        wait_for(self.service.ready.is_set, timeout, "the agent to initialise the modem")

    def wait_sent(self, count: int, timeout: float = 5.0) -> list:
        wait_for(lambda: len(self.sim.sent) >= count, timeout, f"{count} text(s) at the modem")
        return self.sim.sent

    def wait_settled(self, timeout: float = 10.0) -> None:
        """The agent's start-up work (storage sweep, missed-calls list, the SIM's facts) is over and no AT command is
        in flight, so a fault lands between commands, not under one (one under a command costs that
        command's time-out; docs/modems.md)."""
        def idle() -> bool:
            link = self.service.link
            started = self.service.set_up_done.is_set()
            quiet = link is not None and link.busy_until is None and self.service.line_worker.idle()
            return started and quiet and not self.service.jobs.peek(object)
        wait_for(idle, timeout, "the agent's start-up work done")

    def calls(self) -> list:
        return self.store.calls(limit=1000)

    def wait_calls(self, count: int, timeout: float = 5.0) -> list:
        def settled() -> list:
            calls = self.calls()
            return calls if len(calls) >= count and all(c.outcome != "pending" for c in calls) else []
        return wait_for(settled, timeout, f"{count} call(s) recorded and decided")

    def stop(self) -> None:
        if not self.stopped:
            self.stop_event.set()
            self.service.wake()
            self.thread.join(timeout=10)
            self.stopped = True


@pytest.fixture
def start_agent(tmp_path: Path):
    """start_agent(family="sim800", **config sections) → a RunningAgent on a fresh simulator."""
    running: list[RunningAgent] = []
    sims: list[SimulatedModem] = []

    def start(family: str = "sim800", sim: SimulatedModem | None = None, ring_interval: float = 0.2,
              service_options: dict[str, Any] | None = None, ready_timeout: float = 10.0,
              **sections: dict[str, Any]) -> RunningAgent:
        if sim is None:
            sim = SimulatedModem(family, ring_interval=ring_interval, link_path=tmp_path / "modem").start()
            sims.append(sim)
        config = make_config(tmp_path, port=sim.port, **sections)
        store = Store.open(config.storage.database)
        service = Service(config, store, **(service_options or {}))
        stop = threading.Event()
        thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
        thread.start()
        agent = RunningAgent(sim, service, Store.open(config.storage.database), config, stop, thread)
        running.append(agent)
        agent.wait_ready(ready_timeout)
        return agent

    yield start
    for agent in running:
        agent.stop()
    for sim in sims:
        sim.stop()


@pytest.fixture
def modems(tmp_path: Path):
    """modems(cls, *args, **kwargs) → a started simulator of that class at tmp_path/modem; stopped at the end."""
    made: list[SimulatedModem] = []

    def make(cls: type = SimulatedModem, *args: Any, **kwargs: Any) -> SimulatedModem:
        kwargs.setdefault("ring_interval", 0.3)
        sim = cls(*args, link_path=tmp_path / "modem", **kwargs)
        made.append(sim)
        return sim.start()

    yield make
    for sim in made:
        sim.stop()


@pytest.fixture
def launch(tmp_path: Path):
    """launch(sim) → a RunningAgent that is NOT waited on to become ready (a modem that can never
    hear calls never makes it ready); stopped at the end."""
    running: list[RunningAgent] = []

    def start(sim: SimulatedModem, **sections: dict[str, Any]) -> RunningAgent:
        config: Config = make_config(tmp_path, port=sim.port, **sections)
        service = Service(config, Store.open(config.storage.database))
        stop = threading.Event()
        thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
        thread.start()
        agent = RunningAgent(sim, service, Store.open(config.storage.database), config, stop, thread)
        running.append(agent)
        return agent

    yield start
    for agent in running:
        agent.stop()
