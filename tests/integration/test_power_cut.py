"""Power cuts: `kill -9` of a real `textback agent` process, then a restart on the same database."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agent.clock import utc_iso

from agent.simulator import SimulatedModem
from agent.store import Store
from tests.conftest import wait_for
from tests.db_rows import rows as db_rows

TEXTBACK = Path(sys.executable).with_name("textback")


class Agent:
    def __init__(self, tmp_path: Path, sim: SimulatedModem, delay: int):
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[modem]\nport = "{sim.port}"\nring_timeout_margin = 0.5\n'
            f'[storage]\ndatabase = "{tmp_path / "textback.db"}"\n'
            '[business]\nname = "Brightside Dental"\ncountry = "GB"\n'
            f'[rules]\ndelay_seconds = {delay}\ndedup_hours = 0\n'
            '[hours]\n' + "".join(f'{d} = ["00:00-24:00"]\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
        self.sim = sim
        self.process: subprocess.Popen | None = None
        self.store_path = tmp_path / "textback.db"

    def start(self) -> None:
        inits = self.sim.commands.count("AT+CLIP=1")
        self.process = subprocess.Popen([str(TEXTBACK), "agent", "--config", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.sim.commands.count("AT+CLIP=1") > inits, 20, "agent start-up")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def messages(self) -> list:
        store = Store.open(self.store_path)
        try:
            return db_rows(store, "SELECT * FROM messages WHERE direction = 'out' ORDER BY id")
        finally:
            store.close()


@pytest.fixture
def box(tmp_path):
    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=tmp_path / "modem").start()
    agents: list[Agent] = []

    def make(delay: int) -> Agent:
        agent = Agent(tmp_path, sim, delay)
        agents.append(agent)
        return agent
    yield make
    for agent in agents:
        agent.stop()
    sim.stop()


def test_queued_text_survives_kill_and_goes_out_once(box):
    agent = box(delay=3)
    agent.start()
    agent.sim.call("+447911123456", rings=2)
    wait_for(lambda: agent.messages(), 5, "text queued")
    agent.kill()
    agent.start()
    wait_for(lambda: agent.sim.sent, 10, "the queued text sent after restart")
    wait_for(lambda: agent.messages()[0]["status"] == "sent", 5, "marked sent")
    assert len(agent.sim.sent) == 1


def test_text_cut_off_mid_send_is_ambiguous_and_never_resent(box):
    agent = box(delay=0)
    agent.start()
    agent.sim.swallow_next_pdu = True
    agent.sim.call("+447911123456", rings=2)
    wait_for(lambda: agent.sim.cmgs_times, 5, "AT+CMGS under way")
    wait_for(lambda: agent.messages() and agent.messages()[0]["status"] == "sending", 5, "row marked sending")
    agent.kill()
    sends_before = len(agent.sim.cmgs_times)
    agent.start()
    wait_for(lambda: agent.messages()[0]["status"] == "ambiguous", 10, "ambiguous after restart")
    agent.sim.call("+447911222333", rings=2)          # the box still works
    wait_for(lambda: len(agent.sim.sent) == 1, 10, "next call texted")
    assert agent.sim.sent[0].number == "+447911222333"
    assert len(agent.sim.cmgs_times) == sends_before + 1


def test_text_that_fell_due_while_off_is_sent_at_start(box):
    agent = box(delay=1)
    agent.start()
    agent.sim.call("+447911123456", rings=2)
    wait_for(lambda: agent.messages(), 5, "text queued")
    agent.kill()
    wait_for(lambda: agent.messages()[0]["due_at"] < utc_iso(datetime.now(timezone.utc)), 5, "due time passed")
    agent.start()
    wait_for(lambda: agent.sim.sent, 10, "sent at start-up")
    assert len(agent.sim.sent) == 1


def test_call_recorded_but_not_decided_is_decided_at_start(box, tmp_path):
    """A power cut between the call's commit and its decision leaves it pending: decided at start."""
    from datetime import timedelta

    agent = box(delay=0)
    store = Store.open(agent.store_path)
    ended = datetime.now(timezone.utc) - timedelta(seconds=5)
    store.record_call(number="+447911123456", raw_number="07911123456", toa=129, started_at=ended,
                      ended_at=ended, rings=2, end_signal="NO CARRIER", now=ended)
    store.close()
    agent.start()
    wait_for(lambda: agent.sim.sent, 10, "the undecided call's text")
    assert [s.number for s in agent.sim.sent] == ["+447911123456"]
