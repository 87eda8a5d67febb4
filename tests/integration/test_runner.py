"""The agent under systemd: READY=1 and watchdog pings while the loop turns, none once it is stuck."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from agent.runner import LOOP_STUCK_SECONDS, loop_is_healthy
from agent.simulator import SimulatedModem
from tests.conftest import wait_for

TEXTBACK = Path(sys.executable).with_name("textback")


def test_loop_health_follows_the_loop(start_agent):
    agent = start_agent("sim800")
    assert loop_is_healthy(agent.service, agent.thread)
    stuck_later = agent.service.last_loop + LOOP_STUCK_SECONDS + 1
    assert not loop_is_healthy(agent.service, agent.thread, now=stuck_later)
    agent.stop()
    assert not loop_is_healthy(agent.service, agent.thread)


def test_textback_run_notifies_systemd_and_feeds_the_watchdog(tmp_path):
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(0.2)
    messages: list[str] = []
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        config = tmp_path / "config.toml"
        config.write_text(f'[modem]\nport = "{sim.port}"\n[storage]\ndatabase = "{tmp_path / "db.sqlite"}"\n')
        env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="2000000")
        process = subprocess.Popen([str(TEXTBACK), "agent", "--config", str(config)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def collect() -> bool:
            try:
                messages.append(notify.recv(4096).decode())
            except socket.timeout:
                pass
            return "READY=1" in messages and messages.count("WATCHDOG=1") >= 2
        try:
            wait_for(collect, 15, "READY=1 and two watchdog pings")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    notify.close()
    assert process.returncode == 0
