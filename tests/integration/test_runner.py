"""The agent under systemd: READY=1 and watchdog pings while the loop turns, none once it is stuck."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agent.daemon.runner import LOOP_STUCK_SECONDS, loop_is_healthy
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


@pytest.mark.parametrize("tls", [False, True])
def test_textback_run_serves_the_web_ui_beside_the_agent(tmp_path, tls):
    """Both ways an installed box may serve: plain HTTP ([web] tls = false, behind a proxy) and
    HTTPS with the certificate the box makes for itself (the default)."""
    import ssl
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SimulatedModem("huawei", link_path=tmp_path / "modem") as sim:
        config = tmp_path / "config.toml"
        config.write_text(f'[modem]\nport = "{sim.port}"\n[storage]\ndatabase = "{tmp_path / "db.sqlite"}"\n'
                          f'[web]\nhost = "127.0.0.1"\nport = {port}\ntls = {str(tls).lower()}\n'
                          '[rules]\ndelay_seconds = 0\n')
        process = subprocess.Popen([str(TEXTBACK), "run", "--config", str(config)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            unverified = ssl.create_default_context()       # the box's own certificate, trusted by hand
            unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE

            def page() -> str:
                try:
                    with urllib.request.urlopen(f"{'https' if tls else 'http'}://127.0.0.1:{port}/", timeout=2,
                                                context=unverified) as response:
                        return response.read().decode()
                except urllib.error.HTTPError as refused:    # 503 until a password is set
                    return refused.read().decode()
                except OSError:
                    return ""
            html = wait_for(page, 15, "the web UI to answer")
            assert "Setup code" in html                      # first run: no password yet
            wait_for(lambda: "AT+CLIP=1" in sim.commands, 10, "the agent to start the modem")
            sim.call("+447911123456", rings=2)
            wait_for(lambda: sim.sent, 10, "a text from the one-process box")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    assert process.returncode == 0
