"""Modem start-up over the simulator: SIM PIN handling, family detection, init commands."""

from __future__ import annotations

import threading

from agent.daemon.service import Service
from agent.simulator import SimulatedModem
from agent.store import Store
from tests.conftest import make_config, wait_for


def run_service(tmp_path, sim, **sections):
    config = make_config(tmp_path, port=sim.port, **sections)
    store = Store.open(config.storage.database)
    service = Service(config, store)
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    return service, store, stop, thread


def test_pin_is_entered_and_caller_id_switched_on(tmp_path, start_agent):
    sim = SimulatedModem("sim800", pin="1234", link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim, modem={"pin": "1234"})
        assert 'AT+CPIN="1234"' in sim.commands
        assert sim.commands.index('AT+CPIN="1234"') < sim.commands.index("AT+CLIP=1")
        assert agent.store.modem_state()["dialect"] == "sim800"
    finally:
        sim.stop()


def test_wrong_pin_is_tried_once_only(tmp_path):
    sim = SimulatedModem("sim800", pin="1234", link_path=tmp_path / "modem").start()
    service, store, stop, thread = run_service(tmp_path, sim, modem={"pin": "9999"})
    try:
        wait_for(lambda: "refused the PIN" in (store.modem_state().get("last_error") or ""), 5, "PIN error recorded")
        wait_for(lambda: sim.commands.count("AT+CPIN?") >= 2, 10, "a second start-up attempt")
        assert sim.commands.count('AT+CPIN="9999"') == 1
        assert not service.ready.is_set()
        assert store.modem_state()["online"] is False
    finally:
        stop.set()
        thread.join(5)
        sim.stop()


def test_missing_pin_is_reported_in_plain_words(tmp_path):
    sim = SimulatedModem("sim800", pin="1234", link_path=tmp_path / "modem").start()
    service, store, stop, thread = run_service(tmp_path, sim)
    try:
        wait_for(lambda: "asks for a PIN" in (store.modem_state().get("last_error") or ""), 5, "PIN error")
    finally:
        stop.set()
        thread.join(5)
        sim.stop()


def test_each_family_gets_its_own_switches(start_agent):
    expected = {"sim800": "AT+CLCC=1", "quectel": "AT^DSCI=1", "huawei": "AT+CRC=1", "ublox": "AT+UCALLSTAT=1"}
    for family, switch in expected.items():
        agent = start_agent(family)
        assert switch in agent.sim.commands, family
        assert agent.store.modem_state()["dialect"] == family
        agent.stop()
        agent.sim.stop()


def test_caller_id_is_reported_on_and_no_error_after_a_clean_start(start_agent):
    agent = start_agent("sim7600")
    state = agent.store.modem_state()
    assert state["caller_id"] is True and state["last_error"] == "" and state["online"] is True
