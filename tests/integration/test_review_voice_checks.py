"""The new "cannot hear calls" checks (agent/modem/modem.py initialise: _radio_on, _caller_id_on,
_voice_off, voiceless_model, check_settings; agent/daemon/service.py _set_up, _keep_alive) played
against real VOICE modems whose start-up or quirks look like a voiceless one. The danger is a false
"cannot hear calls", a set-up loop or a missed text. Each class and test names its source."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from agent.simulator import SimulatedModem
from tests.conftest import RunningAgent, wait_for, watch_status

A = "+447911123456"
B = "+447911222333"
VOICELESS = r"does not take voice|cannot hear calls|voice calls turned off|data-only|radio is off"


def state_of(agent: RunningAgent) -> tuple:
    s = agent.store.modem_state()
    return s.get("online"), s.get("deaf_reason"), s.get("last_error")


watch = watch_status


def online(state: dict) -> bool:
    return state.get("online") is True


def texted_once(agent: RunningAgent, number: str, timeout: float = 10.0) -> None:
    try:
        wait_for(lambda: any(s.number == number for s in agent.sim.sent), timeout, f"a text to {number}")
    except AssertionError:
        calls = [(c.number, c.outcome, c.skip_reason) for c in agent.calls()]
        raise AssertionError(f"no text to {number} in {timeout} s; calls {calls}; state {state_of(agent)}") from None
    wait_for(lambda: agent.store.queue_length() == 0, 5, "queue drained")
    assert len([s for s in agent.sim.sent if s.number == number]) == 1


# ==== AT+CLIP=1 refused with +CME ERROR: 3 while the SIM/network is still starting ==================

class StartingSim800(SimulatedModem):
    """A SIM800L just powered on: until "+CPIN: READY / Call Ready / SMS Ready" it refuses commands
    (Seeed-Studio/GPRS_SIM900#39, SIM800L: "this command works only after the module put these
    lines on the serial ... +CPIN: READY, Call Ready, SMS Ready"). Played: AT+CLIP=1 answered with
    the errors in `refusals` (in order, one per try), then taken; "Call Ready" is printed then."""

    refusals: list[str] = []

    def __init__(self, family: str = "sim800", **kwargs: Any):
        super().__init__(family, **kwargs)
        self.refusals = list(type(self).refusals)
        self.clip_tries: list[float] = []
        self.accepted_at: float | None = None

    def _answer(self, command: str) -> None:
        if command.upper() == "AT+CLIP=1":
            self.clip_tries.append(time.monotonic())
            if self.refusals:
                return self.emit(self.refusals.pop(0))
            if self.accepted_at is None:
                self.accepted_at = time.monotonic()
        return super()._answer(command)


@pytest.mark.parametrize("family", ["sim800", "sim7600", "quectel"])
def test_caller_id_refused_with_cme_3_for_the_first_seconds_is_not_called_voiceless(launch, modems, family):
    """A SIM800 / SIM7600 / EC25 just powered on answers AT+CLIP=1 with "+CME ERROR: 3" (operation
    not allowed, 27.007 §9.2.1) for its first ~4 s (class StartingSim800), then takes it. Should be:
    online within 3 s of the modem taking AT+CLIP=1 (as the 30-try retry gave before), never a
    status saying this voice modem "does not take voice calls"."""
    StartingSim800.refusals = ["+CME ERROR: 3"] * 4
    sim = modems(StartingSim800, family)
    agent = launch(sim)
    ok, seen = watch(agent, online, 25)
    false_alarm = [s for s in seen if s[2] and re.search(VOICELESS, s[2], re.I)]
    took = sim.accepted_at
    assert ok and not false_alarm, (f"{family}: status seen {seen}; AT+CLIP=1 tried {len(sim.clip_tries)} "
                                    f"times, taken: {took is not None}")
    first_online = next(t for t, on, _ in seen if on is True)
    began = sim.clip_tries[0]
    assert first_online < (took - began) + 3 + 2, (
        f"{family}: AT+CLIP=1 taken {took - began:.1f} s after the first try, online only at "
        f"{first_online} s: {seen}")
    sim.call(A, rings=3)
    texted_once(agent, A)


def test_one_cme_3_after_sim_busy_tries_is_not_three_not_supported(launch, modems):
    """A SIM7600 whose SIM is busy for 3 s ("+CME ERROR: 14", the case the 30 tries are for) and
    then, registering, says "+CME ERROR: 3" once before taking AT+CLIP=1. One "not allowed" is not
    "refused three times" (docs/modems.md): should be online as soon as it takes it, never called
    voiceless."""
    StartingSim800.refusals = ["+CME ERROR: 14"] * 3 + ["+CME ERROR: 3"]
    sim = modems(StartingSim800, "sim7600")
    agent = launch(sim)
    ok, seen = watch(agent, online, 25)
    false_alarm = [s for s in seen if s[2] and re.search(VOICELESS, s[2], re.I)]
    assert ok and not false_alarm, (f"status seen {seen}; AT+CLIP=1 tried {len(sim.clip_tries)} times "
                                    f"(14,14,14,3 then OK)")
    first_online = next(t for t, on, _ in seen if on is True)
    assert first_online < 9, f"online only at {first_online} s (AT+CLIP=1 takeable from the 5th try, ~4 s): {seen}"


# ==== AT+CFUN? answers ================================================================================

class CfunVariant(SimulatedModem):
    """AT+CFUN? answers: u-blox "+CFUN: <power_mode>,<STK_mode>" e.g. "+CFUN: 1,0" (u-blox AT
    commands manual, +CFUN read); Telit "+CFUN: 5" = full functionality with power saving (Telit AT
    commands reference, AT+CFUN <fun> 5); SIMCom SIM7600 "+CFUN: 7" = offline mode (SIM7500/7600
    AT manual, AT+CFUN 7); a modem without the read form (plain ERROR). AT+CFUN=1 is taken and
    sets 1."""

    def __init__(self, reply: str, **kwargs: Any):
        super().__init__("silent", manufacturer="Telit", model="LE910C4-EU", revision="25.21.660", **kwargs)
        self.reply = reply

    def _answer(self, command: str) -> None:
        if command.upper() == "AT+CFUN?" and self.reply in ("ERROR", "+CFUN: 1,0"):
            return self.emit("ERROR") if self.reply == "ERROR" else self._ok(self.reply)
        return super()._answer(command)


@pytest.mark.parametrize("reply,start", [("+CFUN: 1,0", 1), ("ERROR", 1), ("+CFUN: 5", 5), ("+CFUN: 7", 7)])
def test_cfun_read_variants_end_online_and_text(launch, modems, reply, start):
    """See class CfunVariant. Should be: online and a missed call texted; "+CFUN: 1,0" / ERROR get no
    AT+CFUN=1."""
    sim = modems(CfunVariant, reply)
    sim.state.cfun = start
    agent = launch(sim)
    ok, seen = watch(agent, online, 15)
    cfun = [c for c in sim.commands if c.upper().startswith("AT+CFUN")]
    assert ok, f"{reply}: status {seen}; CFUN commands {cfun}"
    if start == 1:
        assert "AT+CFUN=1" not in cfun, cfun
    sim.call(A, rings=3)
    texted_once(agent, A)


class SlowRadio(SimulatedModem):
    """An EC25 left at +CFUN: 4 (flight mode): AT+CFUN=1 answers OK, but the radio takes `rise`
    seconds to come up and AT+CFUN? says 4 until then (Quectel EC2x AT manual: AT+CFUN maximum
    response time 15 s, "determined by network")."""

    rise = 3.0

    def __init__(self, **kwargs: Any):
        super().__init__("quectel", **kwargs)
        self.state.cfun = 4
        self.on_at: float | None = None

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if upper == "AT+CFUN=1":
            self.on_at = time.monotonic() + self.rise
            return self._ok()
        if upper == "AT+CFUN?" and self.on_at is not None:
            if time.monotonic() >= self.on_at:
                self.state.cfun = 1
        return super()._answer(command)


def test_radio_coming_up_slowly_after_cfun_1_is_not_called_off(launch, modems):
    """Class SlowRadio, the radio up 3 s after AT+CFUN=1. Should be: online, never "radio is off"."""
    sim = modems(SlowRadio)
    agent = launch(sim)
    ok, seen = watch(agent, online, 20)
    assert ok and not [s for s in seen if s[2] and "radio" in s[2]], f"status {seen}"
    sim.call(A, rings=3)
    texted_once(agent, A)


class WavecomOff(SimulatedModem):
    """A Wavecom Q2406B left at +CFUN: 0: on a Wavecom AT+CFUN=1 is its reset (families.py "AT+CFUN=1
    resets the module there"; docs/modems.md): OK, reboot, +WIND: 3 / +WIND: 4, factory settings."""

    def __init__(self, **kwargs: Any):
        super().__init__("wavecom", **kwargs)
        self.state.cfun = 0


def test_wavecom_whose_cfun_1_reboots_ends_set_up_without_a_loop(launch, modems):
    sim = modems(WavecomOff)
    agent = launch(sim)
    ok, seen = watch(agent, online, 20)
    assert ok, f"status {seen}; commands {sim.commands[-20:]}"
    setups = sim.commands.count("AT+CLIP=1")
    sim.call(A, rings=3)
    texted_once(agent, A)
    assert len(sim.resets) <= 1 and setups <= 3, f"{len(sim.resets)} resets, {setups} set-ups"


# ==== Huawei AT^CVOICE? ================================================================================

class HuaweiCvoice(SimulatedModem):
    """A Huawei E1752 with voice, whose AT^CVOICE? answer is `reply` (lines); `noise` is printed in
    the middle. ModemManager's huawei plugin parses "^CVOICE: <0=supported>,…"
    (mm-modem-helpers-huawei.c); old E173/E1752 firmwares lack the command: ERROR although voice
    works (docs/modems.md: "ERROR is not proof")."""

    def __init__(self, reply: tuple[str, ...], noise: str = "", **kwargs: Any):
        super().__init__("huawei", model="E1752", **kwargs)
        self.reply, self.noise = reply, noise

    def _answer(self, command: str) -> None:
        if command.upper() == "AT^CVOICE?":
            if self.noise:
                self.emit(self.noise)
            if self.reply == ("ERROR",):
                return self.emit("ERROR")
            return self._ok(*self.reply)
        return super()._answer(command)


@pytest.mark.parametrize("reply,noise", [(("^CVOICE:0,8000,16,20",), ""),
                                         (("^CVOICE: 0,8000,16,20,1",), "^RSSI:17"),
                                         (("^CVOICE: 0",), "^BOOT:20952548,0,0,0,72")])
def test_huawei_cvoice_answer_shapes_are_voice_on(launch, modems, reply, noise):
    sim = modems(HuaweiCvoice, reply, noise)
    agent = launch(sim)
    ok, seen = watch(agent, online, 15)
    assert ok, f"^CVOICE? → {reply} (noise {noise!r}): status {seen}"
    sim.call(A, rings=3)
    texted_once(agent, A)


def test_huawei_with_voice_answering_cvoice_error_is_texted_and_stays_online_after_a_reset(launch, modems):
    """An E1752 whose old firmware answers ERROR to AT^CVOICE? but takes calls. Should be: the first
    call is texted, the status turns online within a keep-alive (10 s); after the stick reboots
    (^SYSSTART, set up again) it is still known to take calls, not "voice turned off" again."""
    sim = modems(HuaweiCvoice, ("ERROR",))
    agent = launch(sim)
    wait_for(agent.service.set_up_done.is_set, 15, "set-up done")
    sim.call(A, rings=3)
    texted_once(agent, A)
    ok, seen = watch(agent, online, 15)
    assert ok, f"a call was heard and texted, status still {seen}"
    setups = sim.commands.count("AT+CLIP=1")
    sim.reset(boot_lines=True)
    wait_for(lambda: sim.commands.count("AT+CLIP=1") > setups and agent.service.set_up_done.is_set(), 15,
             "set up again after ^SYSSTART")
    ok, seen = watch(agent, online, 5)
    assert ok, f"after a reboot the stick that took a call is called voiceless again: {seen}"


# ==== SIM briefly not ready ============================================================================

class SimRefresh(SimulatedModem):
    """A SIM800 whose SIM does a refresh (SIM toolkit REFRESH from the network, or the SIM re-read
    after AT+CFUN): "+CPIN: NOT READY" is printed, AT+CPIN? answers `busy_answer` for `busy` s, then
    "+CPIN: READY" (TinyGSM#60, SIM900: "+CPIN: NOT READY" unsolicited while the SIM restarts;
    27.007 §9.2.1 error 14 "SIM busy"). Settings are kept: it is not a reset."""

    busy = 2.0
    busy_answer = "+CME ERROR: 14"

    def __init__(self, **kwargs: Any):
        super().__init__("sim800", **kwargs)
        self.until = 0.0

    def refresh(self) -> None:
        self.until = time.monotonic() + self.busy
        self.emit("+CPIN: NOT READY")
        threading.Timer(self.busy, lambda: self.emit("+CPIN: READY")).start()

    def _answer(self, command: str) -> None:
        if time.monotonic() < self.until and command.upper().startswith(("AT+CPIN", "AT+CLIP", "AT+CMGL", "AT+CPMS")):
            return self.emit(self.busy_answer) if self.busy_answer.startswith("+CME") else self._ok(self.busy_answer)
        return super()._answer(command)


@pytest.mark.parametrize("answer", ["+CME ERROR: 14", "+CPIN: NOT READY"])
def test_sim_refresh_is_not_a_reset_loop(start_agent, modems, answer):
    """Class SimRefresh. Should be: no AT+CFUN=1,1 (the modem is not reset for a 2 s SIM refresh),
    online again within 8 s, the next caller texted."""
    sim = modems(SimRefresh)
    sim.busy_answer = answer
    agent = start_agent(sim=sim)
    agent.wait_settled()
    asked = sim.commands.count("AT+CPIN?")
    sim.refresh()
    wait_for(lambda: sim.commands.count("AT+CPIN?") > asked, 10, "the agent asking after the SIM")
    ok, seen = watch(agent, online, 8)
    resets = [c for c in sim.commands if c.upper() in ("AT+CFUN=1,1",)]
    assert ok and not resets, f"SIM refresh ({answer} for 2 s): status {seen}; resets sent {resets}; " \
                              f"set-ups {sim.commands.count('AT+CLIP=1')}"
    sim.call(A, rings=3)
    texted_once(agent, A)


class KeepAliveSimBusy(SimulatedModem):
    """A SIM800 answering the keep-alive's AT+CPIN? once with "+CME ERROR: 14" (SIM busy: a SIM
    toolkit session)."""

    def __init__(self, **kwargs: Any):
        super().__init__("sim800", **kwargs)
        self.busy_once = False

    def _answer(self, command: str) -> None:
        if command.upper() == "AT+CPIN?" and self.busy_once:
            self.busy_once = False
            return self.emit("+CME ERROR: 14")
        return super()._answer(command)


def test_keep_alive_cpin_sim_busy_does_not_set_up_again(start_agent, modems):
    sim = modems(KeepAliveSimBusy)
    agent = start_agent(sim=sim)
    agent.wait_settled()
    setups = sim.commands.count("AT+CLIP=1")
    sim.busy_once = True
    wait_for(lambda: not sim.busy_once, 40, "the keep-alive's AT+CPIN?")
    keep_alives = sim.commands.count("AT+CLIP?")
    wait_for(lambda: sim.commands.count("AT+CLIP?") > keep_alives, 15, "the next keep-alive, after the SIM busy")
    assert sim.commands.count("AT+CLIP=1") == setups, "set up again for a SIM busy"
    assert agent.store.modem_state().get("online") is True, state_of(agent)


def test_telit_qss_1_2_3_are_not_a_reset(start_agent, modems):
    """Telit #QSS: 1 inserted, 2 unlocked, 3 ready (ModemManager telit plugin "#QSS:\\s*([0-3])")."""
    sim = modems(SimulatedModem, "silent", manufacturer="Telit", model="LE910C4-EU", revision="25.21.660")
    agent = start_agent(sim=sim)
    agent.wait_settled()
    setups = sim.commands.count("AT+CLIP=1")
    for status in ("#QSS: 1", "#QSS: 2", "#QSS: 3", "#QSS:2"):
        sim.emit(status)
    keep_alives = sim.commands.count("AT+CLIP?")
    wait_for(lambda: sim.commands.count("AT+CLIP?") > keep_alives and agent.service.line_worker.idle(), 15,
             "the lines handled and the next keep-alive sent")
    assert sim.commands.count("AT+CLIP=1") == setups, "a #QSS status other than 0 was taken for a reset"
    assert agent.store.modem_state().get("online") is True, state_of(agent)


# ==== model names =====================================================================================

@pytest.mark.parametrize("family,manufacturer,model,revision", [
    ("sim7600", "SIMCOM INCORPORATED", "SIMCOM_SIM7600G-H", "LE20B04SIM7600G22"),
    ("ublox", "u-blox", "SARA-U201", "23.41"),
    ("quectel", "Quectel", "BG96", "BG96MAR02A07M1G"),
    ("quectel", "Quectel", "EG95", "EG95EXGAR08A05M1G"),
    ("ublox", "u-blox", "LARA-R211", "30.31"),
])
def test_voice_models_are_not_taken_for_data_only(launch, modems, family, manufacturer, model, revision):
    sim = modems(SimulatedModem, family, manufacturer=manufacturer, model=model, revision=revision)
    agent = launch(sim)
    ok, seen = watch(agent, online, 15)
    assert ok, f"{model}: status {seen}"
    sim.call(A, rings=3)
    texted_once(agent, A)
