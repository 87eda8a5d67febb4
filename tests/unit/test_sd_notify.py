"""agent.daemon.sd_notify against a real AF_UNIX datagram socket standing in for systemd."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from pathlib import Path

import pytest

from agent.daemon.sd_notify import Watchdog, notify, watchdog_interval


@pytest.fixture
def systemd_socket(monkeypatch):
    """A bound datagram socket at a short path (AF_UNIX paths are limited to 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="sdn"))
    path = folder / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()
    path.unlink(missing_ok=True)
    folder.rmdir()


def pending(sock: socket.socket) -> list[bytes]:
    """Every datagram waiting on the socket, without blocking."""
    sock.setblocking(False)
    messages = []
    try:
        while True:
            messages.append(sock.recv(4096))
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(2)
    return messages


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_notify_sends_the_state_to_the_socket(systemd_socket):
    assert notify("READY=1\nSTATUS=waiting for the modem") is True
    assert systemd_socket.recv(4096) == b"READY=1\nSTATUS=waiting for the modem"


def test_notify_reaches_an_abstract_socket(monkeypatch):
    name = f"textback-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify("WATCHDOG=1") is True
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_notify_outside_systemd_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False


def test_notify_to_a_missing_socket_returns_false(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert notify("READY=1") is False


def test_notify_ignores_a_malformed_socket_name(monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", "relative/path")
    assert notify("READY=1") is False


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, None),
        ({"WATCHDOG_USEC": "60000000"}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": str(os.getpid())}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "me"}, None),
    ],
)
def test_watchdog_interval_is_half_the_timeout_for_this_process(environ, expected):
    assert watchdog_interval(environ) == expected


def test_watchdog_pings_at_most_once_per_interval(systemd_socket):
    clock = FakeClock()
    dog = Watchdog(30.0, lambda: True, clock_monotonic=clock)
    assert dog.tick() is True  # the first tick pings at once
    for _ in range(100):
        assert dog.tick() is False
    clock.now += 29.9
    assert dog.tick() is False
    clock.now += 0.1
    assert dog.tick() is True
    assert pending(systemd_socket) == [b"WATCHDOG=1", b"WATCHDOG=1"]


def test_watchdog_is_silent_while_unhealthy_and_resumes_after(systemd_socket):
    clock = FakeClock()
    healthy = {"now": True}
    dog = Watchdog(30.0, lambda: healthy["now"], clock_monotonic=clock)
    assert dog.tick() is True
    healthy["now"] = False
    for _ in range(5):  # two and a half minutes of a stuck worker: systemd hears nothing
        clock.now += 30
        assert dog.tick() is False
    assert pending(systemd_socket) == [b"WATCHDOG=1"]
    healthy["now"] = True
    assert dog.tick() is True
    assert pending(systemd_socket) == [b"WATCHDOG=1"]


def test_watchdog_asks_for_health_only_when_a_ping_is_due(systemd_socket):
    clock = FakeClock()
    asked = []
    dog = Watchdog(30.0, lambda: asked.append(clock.now) or True, clock_monotonic=clock)
    for _ in range(50):
        dog.tick()
        clock.now += 1
    assert asked == [1000.0, 1030.0]


def test_a_crashing_health_check_counts_as_unhealthy(systemd_socket):
    def broken() -> bool:
        raise RuntimeError("worker state unreadable")

    dog = Watchdog(30.0, broken, clock_monotonic=FakeClock())
    assert dog.tick() is False
    assert pending(systemd_socket) == []


def test_watchdog_without_interval_never_pings(systemd_socket, monkeypatch):
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    dog = Watchdog.from_environment(lambda: True)
    assert not dog.enabled
    assert dog.tick() is False
    assert pending(systemd_socket) == []


def test_watchdog_from_environment_uses_systemds_interval(systemd_socket, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "60000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    dog = Watchdog.from_environment(lambda: True, clock_monotonic=FakeClock())
    assert dog.interval == 30.0
    assert dog.tick() is True
    assert systemd_socket.recv(4096) == b"WATCHDOG=1"
