"""Modem behaviour and faults off the beaten path: resets at awkward moments, a clock that steps
under the dedup window, a STOP the database could not take, quirky answers to the keep-alive.

Each test drives the real agent over a pty against the simulator. Each began as a bug it found
(STOP unsaved during a lock, dedup after a clock step, sends in text mode after a reset, a reset
during set-up, an echoed command taken for a reset, a lost SIM unreported) and now guards its fix.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from agent.clock import Clock
from agent.simulator import SimulatedModem
from tests.conftest import SteppedClock, wait_for
from tests.db_rows import lock_database

CALLER = "+447911123456"
FAST_KEEPALIVE = {"ping_every": 1.0}


def clip_count(sim: SimulatedModem) -> int:
    return sum(1 for command in sim.commands if command.upper() == "AT+CLIP=1")


def settled(agent) -> None:
    agent.wait_settled()


def drained(agent, timeout: float = 10) -> None:
    wait_for(lambda: agent.store.queue_length() == 0 and agent.service.line_worker.idle(), timeout,
             "the queue drained")


def texts_to(sim: SimulatedModem, number: str) -> list:
    return [s for s in sim.sent if s.number == number]




# ---- resets the agent does not wait out --------------------------------------------------------

class ResetAfterFirstPart(SimulatedModem):
    """Confirms the first part of a long text, then reboots at once (a brown-out right after the
    network took the part): factory state, boot lines straight after the OK."""

    armed = False

    def _submit(self, pdu: str) -> None:
        super()._submit(pdu)
        if self.armed and len(self.submitted) == 1:
            self.armed = False
            self.resets.append(time.monotonic())
            self.state = self._factory_state()
            self.cpms = list(self.family.cpms_default)
            for line in self.family.boot:
                self.emit(line)


def test_reset_between_parts_of_a_long_text_sends_nothing_in_text_mode(start_agent, tmp_path):
    sim = ResetAfterFirstPart("sim800", ring_interval=0.2, link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim)
        settled(agent)
        sim.armed = True
        now = datetime.now(timezone.utc)
        agent.store.queue_text(number=CALLER, body="Your appointment is confirmed. " * 8, kind="owner_answer",
                               due_at=now, now=now)
        agent.service.wake()
        wait_for(lambda: sim.resets, 10, "the reset after the first part")
        wait_for(agent.service.ready.is_set, 10, "set up again")
        drained(agent)
        assert sim.text_mode_sends == [], sim.text_mode_sends
    finally:
        sim.stop()


def test_text_due_just_after_a_silent_reset_is_not_sent_in_text_mode(start_agent):
    agent = start_agent("sim800")
    settled(agent)
    agent.sim.reset(boot_lines=False, delay=0.05).join(2)
    now = datetime.now(timezone.utc)
    agent.store.queue_text(number=CALLER, body="Thanks, we will call you back today.", kind="owner_answer",
                           due_at=now, now=now)
    agent.service.wake()
    wait_for(lambda: any(c.upper().startswith("AT+CMGS") for c in agent.sim.commands)
             or agent.sim.text_mode_sends, 10, "the send tried")
    wait_for(lambda: agent.store.queue_length() == 0 or clip_count(agent.sim) > 1, 15, "the text settled")
    assert agent.sim.text_mode_sends == [], agent.sim.text_mode_sends


class ResetDuringSetUp(SimulatedModem):
    """Reboots in the middle of the agent's set-up, just after accepting AT+CNMI (a weak supply
    that browns the modem out again as soon as it draws current)."""

    armed = False

    def _answer(self, command: str) -> None:
        super()._answer(command)
        if self.armed and command.upper().startswith("AT+CNMI="):
            self.armed = False
            self.resets.append(time.monotonic())
            self.reset_at_command = len(self.commands)
            self.state = self._factory_state()
            self.cpms = list(self.family.cpms_default)
            for line in self.family.boot:
                self.emit(line)


def test_reset_in_the_middle_of_set_up_is_set_up_again(start_agent, tmp_path):
    sim = ResetDuringSetUp("huawei", ring_interval=0.2, link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim)
        settled(agent)
        before = clip_count(sim)
        sim.armed = True
        sim.reset(boot_lines=True)                 # the first reboot; the second comes during its set-up
        wait_for(lambda: len(sim.resets) >= 2, 10, "the second reboot, inside the set-up")
        wait_for(lambda: agent.service.line_worker.idle() and not agent.service.line_worker.setting_up, 10,
                 "the set-up finished")
        wait_for(lambda: "AT+CLIP=1" in [c.upper() for c in sim.commands[sim.reset_at_command:]], 5,
                 "caller ID switched on again after the reboot inside the set-up")
        assert clip_count(sim) >= before + 2
    finally:
        sim.stop()


# ---- texted twice --------------------------------------------------------------------------------

def test_clock_step_forward_does_not_open_the_dedup_window(start_agent):
    clock = SteppedClock()
    agent = start_agent("sim800", service_options={"clock": clock})
    agent.sim.call(CALLER, rings=2)
    agent.wait_sent(1, timeout=10)
    agent.wait_calls(1)
    clock.offset = timedelta(hours=25)             # the Pi booted with an old clock; NTP steps it
    wait_for(lambda: agent.store.modem_state().get("clock_step"), 5, "the step noticed")
    agent.sim.call(CALLER, rings=2)
    agent.wait_calls(2, timeout=10)
    drained(agent)
    assert len(texts_to(agent.sim, CALLER)) == 1


def test_clock_step_backwards_keeps_a_callers_delay(start_agent):
    clock = SteppedClock()
    agent = start_agent("sim800", service_options={"clock": clock}, rules={"delay_seconds": 3})
    agent.sim.call(CALLER, rings=2)
    ended = agent.sim.call_ends[-1]
    agent.wait_calls(1)
    clock.offset = -timedelta(hours=2)             # a wrong clock stepped back
    [text] = agent.wait_sent(1, timeout=10)
    waited = agent.sim.cmgs_times[-1] - ended
    assert text.number == CALLER and 2.5 <= waited <= 5.0, waited
    [call] = agent.wait_calls(1)
    wait_for(lambda: agent.store.message(call.message_id).status == "sent", 5, "marked sent")


# ---- after STOP ----------------------------------------------------------------------------------

def test_stop_received_while_the_database_is_locked_is_honoured_by_a_text_from_memory(start_agent):
    agent = start_agent("sim800")
    settled(agent)
    locker = lock_database(agent.config.storage.database, 5)
    try:
        agent.sim.receive_sms(CALLER, "STOP")
        wait_for(lambda: any(c.upper().startswith("AT+CMGR=") for c in agent.sim.commands), 5, "the STOP read")
        agent.sim.call(CALLER, rings=2)
        wait_for(lambda: agent.service.recorder.holding, 5, "the call held in memory")
    finally:
        locker.wait(20)
        locker.stdout.close()
    wait_for(lambda: agent.service.recorder.holding == 0, 10, "the held call written")
    agent.wait_calls(1)
    drained(agent)
    assert [t for t in texts_to(agent.sim, CALLER) if "won't get any more" not in t.text] == []


def test_stop_read_during_a_lock_is_honoured_soon_after_the_lock(start_agent):
    agent = start_agent("sim800")
    settled(agent)
    locker = lock_database(agent.config.storage.database, 3)
    try:
        agent.sim.receive_sms(CALLER, "STOP")
        wait_for(lambda: any(c.upper().startswith("AT+CMGR=") for c in agent.sim.commands), 5, "the STOP read")
    finally:
        locker.wait(20)
        locker.stdout.close()
    wait_for(lambda: agent.store.is_opted_out(CALLER), 5, "the STOP honoured after the lock")


# ---- the keep-alive must not cry wolf, nor miss a lost SIM --------------------------------------

def test_clip_query_always_error_is_not_taken_for_a_reset(start_agent):
    agent = start_agent("sim800", service_options=FAST_KEEPALIVE)
    agent.sim.refuse = {"AT+CLIP?"}
    settled(agent)
    before = clip_count(agent.sim)
    wait_for(lambda: agent.sim.commands.count("AT+CLIP?") >= 4, 10, "four keep-alives")
    assert clip_count(agent.sim) == before and agent.service.ready.is_set()
    agent.sim.call(CALLER, rings=2)
    [text] = agent.wait_sent(1, timeout=10)
    assert text.number == CALLER


def test_resync_works_on_a_modem_without_cmee_query(start_agent):
    """AT+CMEE? is the resync marker; a modem that answers it with ERROR still resyncs (plain AT)."""
    agent = start_agent("sim800", service_options=FAST_KEEPALIVE)
    agent.sim.refuse = {"AT+CMEE?"}
    settled(agent)
    agent.sim.stall("AT+CLIP?", 4.0)            # one keep-alive times out (3 s): a resync follows
    wait_for(lambda: agent.sim.commands.count("AT+CMEE?") >= 1, 15, "the marked resync tried")
    agent.sim.call(CALLER, rings=2)
    [text] = agent.wait_sent(1, timeout=15)
    assert text.number == CALLER and agent.sim.text_mode_sends == []


class EchoesCsq(SimulatedModem):
    """Echoes AT+CSQ even after ATE0 (a firmware quirk); every other command obeys ATE0."""

    def _received(self, command: str) -> None:
        if command.upper() == "AT+CSQ" and not self.state.echo:
            self.write(b"AT+CSQ\r\r\n")


def test_echo_of_a_single_command_is_not_a_reset(start_agent, tmp_path):
    sim = EchoesCsq("sim800", ring_interval=0.2, link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim, service_options=FAST_KEEPALIVE)
        wait_for(lambda: "AT+CSQ" in sim.commands, 10, "the first status poll")
        wait_for(lambda: sim.commands.count("AT+CLIP?") >= 3, 10, "three keep-alives after it")
        assert clip_count(sim) == 1
    finally:
        sim.stop()


class LosesItsSim(SimulatedModem):
    """The SIM goes (a bad contact): +CPIN: NOT READY, then the SIM's commands fail with +CME ERROR: 10."""

    sim_lost = False

    def lose_sim(self) -> None:
        self.sim_lost = True
        self.emit("+CPIN: NOT READY")

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if self.sim_lost and upper == "AT+CPIN?":
            return self._ok("+CPIN: NOT READY")
        if self.sim_lost and upper.startswith(("AT+CMG", "AT+CPMS", "AT+CPB", "AT+CNMI")):
            return self.emit("+CME ERROR: 10")
        super()._answer(command)


def test_sim_lost_mid_run_is_reported_at_once(start_agent, tmp_path):
    sim = LosesItsSim("sim800", ring_interval=0.2, link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim)
        settled(agent)
        wait_for(lambda: agent.store.modem_state().get("online") is True, 5, "online")
        sim.lose_sim()
        wait_for(lambda: agent.store.modem_state().get("online") is False, 4, "the box says it cannot hear")
    finally:
        sim.stop()


# ---- a database that cannot be written, with no owner to tell ------------------------------------

def test_locked_database_with_no_owner_phone_still_texts_the_caller_once(start_agent):
    agent = start_agent("sim800", owner={"phone": ""})
    settled(agent)
    locker = lock_database(agent.config.storage.database, 4.5)
    try:
        agent.sim.call(CALLER, rings=2)
        wait_for(lambda: texts_to(agent.sim, CALLER), 10, "texted from memory")
    finally:
        locker.wait(20)
        locker.stdout.close()
    wait_for(lambda: agent.service.recorder.holding == 0, 10, "the held call written")
    [call] = agent.wait_calls(1)
    assert agent.store.message(call.message_id).status == "sent"
    agent.sim.call(CALLER, rings=2)
    agent.wait_calls(2)
    drained(agent)
    assert len(agent.sim.sent) == 1                 # no second text, and no owner to tell
