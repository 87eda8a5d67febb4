"""Modem families the suite had not played: Telit (#-prefixed URCs), Sierra Wireless (!-commands, low
power), ZTE MF sticks (+ZUSIMR floods), Fibocom/Intel XMM (+XLEMA), SIMCom A76xx (*ATREADY, SMS DONE,
+CGEV), Quectel EC200 (+QIND), Neoway (MODEM:STARTUP / +PBREADY), and modems that cannot take calls at
all (Nordic nRF9160, data-only firmwares, a Huawei stick with voice disabled, an A7670 variant without
voice or SMS).

Each modem is a SimulatedModem subclass over a real pty, playing its identity, start-up lines, its own
answers to the set-up commands (agent/modem/modem.py `initialise`), its unsolicited lines and resets.
Checked: the modem is set up and a missed call is texted exactly once (the PDU decoded by the
simulator); or, when the modem cannot hear calls, the status (store.modem_state()) says so within
30 s, online False with a reason a person can act on; and `textback doctor` names the modem and what
is wrong. Each class and test names where the behaviour it plays comes from.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any, Callable

import pytest

from agent.simulator import SimulatedModem
from agent.tools.doctor import run_checks
from tests.conftest import RunningAgent, make_config, wait_for, watch_status

A = "+447911123456"
B = "+447911222333"
DEAF_WITHIN = 30.0          # the brief's bound: the status says the box cannot hear calls within 30 s


# ---- fixtures and helpers ----------------------------------------------------------------------

def texts_to(sim: SimulatedModem, number: str) -> list:
    return [sms for sms in sim.sent if sms.number == number]


def one_text(agent: RunningAgent, number: str, timeout: float = 10.0) -> None:
    """Exactly one text reached the modem for `number` (decoded from its PDU), it names the shop, the
    queue is empty and the call is in SQLite as texted."""
    got = [False]

    def texted() -> bool:
        got[0] = bool(texts_to(agent.sim, number))
        return got[0]

    try:
        wait_for(texted, timeout, f"a text to {number}")
    except AssertionError:
        calls = [(c.number, c.raw_number, c.outcome, c.skip_reason, c.rings) for c in agent.calls()]
        raise AssertionError(f"no text to {number} in {timeout} s; calls in SQLite: {calls}; "
                             f"modem state: {brief_state(agent)}") from None
    wait_for(lambda: agent.store.queue_length() == 0 and agent.service.line_worker.idle(), 5, "the queue drained")
    sent = texts_to(agent.sim, number)
    assert len(sent) == 1, f"{len(sent)} texts to {number}: {[s.text[:40] for s in sent]}"
    assert sent[0].text.startswith("Brightside Dental:"), sent[0].text
    outcomes = [c.outcome.value if hasattr(c.outcome, "value") else c.outcome
                for c in agent.calls() if c.number == number]
    assert "texted" in outcomes, outcomes


def brief_state(agent: RunningAgent) -> dict:
    state = agent.store.modem_state()
    return {key: state.get(key) for key in ("online", "deaf_reason", "last_error", "caller_id", "model",
                                            "dialect", "registration")}


watch_state = watch_status


def and_then(agent: RunningAgent, seen: list, seconds: float = 8.0) -> list:
    """After a failed watch: what the status says in the next `seconds` too (evidence only)."""
    _, later = watch_state(agent, lambda state: False, seconds)
    return seen + [(round(DEAF_WITHIN + t, 1), *rest) for t, *rest in later if tuple(rest) != tuple(seen[-1][1:])]


def deaf_saying(pattern: str) -> Callable[[dict], bool]:
    """The status says: not online, for a reason that matches `pattern` (case-insensitive)."""
    return lambda state: state.get("online") is False and bool(
        re.search(pattern, str(state.get("deaf_reason") or ""), re.IGNORECASE))


def keep_alive_just_done(agent: RunningAgent) -> None:
    """Wait until the agent has just sent its keep-alive (AT+CLIP?), so the next one is ~10 s away and a
    fault played now is found only by what the modem prints, not by the next keep-alive."""
    agent.wait_settled()
    sim = agent.sim
    asked = sim.commands.count("AT+CLIP?")
    wait_for(lambda: sim.commands.count("AT+CLIP?") > asked, 15, "a keep-alive (AT+CLIP?)")
    wait_for(lambda: agent.service.link is not None and agent.service.link.busy_until is None, 5,
             "the keep-alive answered")


# ==== Telit LE910 / ME910 ============================================================================

class TelitLe910(SimulatedModem):
    """Telit LE910C4: AT+CGMI "Telit", AT+CGMM "LE910C4-EU" (no family of ours matches: the generic
    dialect, AT+CRC=1). With AT+CRC=1 an incoming voice call is "+CRING: VOICE" (Telit HE910 user
    manual, "Unsolicited code ... +CRING: VOICE", 38.142.81.21/manual/telit-communications/he910nav2,
    p. 31); caller ID after it, NO CARRIER when the caller gives up. Telit's SIM status URC
    "#QSS: <status>" (0 SIM removed, 1 inserted, 2 unlocked, 3 ready) is turned on by ModemManager's
    telit plugin (AT#QSS=1; src/plugins/telit/mm-broadband-modem-telit.c, regex "#QSS:\\s*([0-3])",
    which it treats as a SIM hot swap); without a SIM, Telit answers AT+CPIN? and AT+CLCC=1 with
    "+CME ERROR: 10" (MaJerle/GSM_AT_commands_parser#11, a Telit GSM Click)."""

    sim_present = True
    SIM_COMMANDS = ("AT+CPIN", "AT+CLIP", "AT+CLCC", "AT+CMGL", "AT+CMGR", "AT+CPMS", "AT+CNUM", "AT+CIMI",
                    "AT+CPBS", "AT+CPBR", "AT+CCFC", "AT+CSCA")

    def __init__(self, **kwargs: Any):
        super().__init__("silent", manufacturer="Telit", model="LE910C4-EU", revision="25.21.660",
                         end=(("", "NO CARRIER"),), **kwargs)

    def pull_sim(self) -> None:
        self.sim_present = False
        self.emit("#QSS: 0")

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if not self.sim_present:
            if upper.startswith(self.SIM_COMMANDS):
                return self.emit("+CME ERROR: 10")
            if upper == "AT+CREG?":
                return self._ok("+CREG: 0,0")
            if upper == "AT+COPS?":
                return self._ok("+COPS: 0")
        return super()._answer(command)


def test_telit_le910_with_hash_urcs_and_cring_texts_a_missed_call_once(start_agent, modems):
    """Telit LE910C4 (class TelitLe910 for the sources). It says "#QSS: 1" (SIM inserted) while the box
    sets it up and again between two calls; calls come as +CRING: VOICE / +CLIP / NO CARRIER. Should
    be: set up as a generic modem, each caller texted once, the #-lines ignored."""
    sim = modems(TelitLe910)
    sim.emit("#QSS: 1")
    agent = start_agent(sim=sim)
    agent.wait_settled()
    sim.call(A, rings=3)
    one_text(agent, A)
    sim.emit("#QSS: 1")
    sim.call(B, rings=2)
    one_text(agent, B)
    assert agent.store.modem_state().get("model") == "LE910C4-EU", brief_state(agent)


def test_telit_sim_pulled_out_is_reported_within_30_s(start_agent, modems):
    """The SIM is knocked out of a Telit LE910C4 (a cleaner, a loose tray). The modem says
    "#QSS: 0" (SIM removed) at once and from then on answers AT+CPIN? with "+CME ERROR: 10" (27.007
    §9.2.1: SIM not inserted), AT+CREG? with 0,0 (class TelitLe910 for the sources). No call can
    reach the box. Should be: within 30 s the status says it cannot hear calls because of the SIM."""
    sim = modems(TelitLe910)
    agent = start_agent(sim=sim)
    keep_alive_just_done(agent)
    sim.pull_sim()
    ok, seen = watch_state(agent, deaf_saying(r"\bSIM\b"), DEAF_WITHIN)
    asked = [c for c in sim.commands[-12:]]
    assert ok, (f"SIM pulled (#QSS: 0, +CPIN? → +CME ERROR: 10): status over {DEAF_WITHIN:.0f} s "
                f"(s, online, reason): {seen}; last commands: {asked}")


# ==== Sierra Wireless MC7455 / EM7565 ================================================================

class SierraLowPower(SimulatedModem):
    """Sierra Wireless EM7565: AT+CGMI "Sierra Wireless, Incorporated", AT+CGMM "EM7565", AT+CGMR
    "SWI9X50C_01.14.02.00 2e210b jenkins 2020/08/19 14:18:39" (the mmcli dump in the Sierra forum
    thread "EM7565, how to enable radio", forum.sierrawireless.com/t/26668). Its own commands start
    with "!" (AT!RESET is its reset in ModemManager's sierra plugin, src/plugins/sierra/
    mm-broadband-modem-sierra.c). It comes up in low power, radio off, +CFUN: 4: FCC-locked cards stay so
    until unlocked (ModemManager data/dispatcher-fcc-unlock/1199, Lenovo EM7455), and ModemManager's
    sierra plugin meets it often enough to warn "not in full functionality status, power-up command is
    needed" and send AT+CFUN=1,0 ("works well if we previously switched off the power with CFUN=4",
    src/plugins/sierra/mm-common-sierra.c). ModemManager's generic enable always asks AT+CFUN? and
    sends AT+CFUN=1 (src/mm-broadband-modem.c modem_load_power_state / modem_power_up). While the
    radio is off it is not registered (+CREG: 0,0) and no call can reach it; AT+CFUN=1 turns it on."""

    def __init__(self, **kwargs: Any):
        super().__init__("silent", manufacturer="Sierra Wireless, Incorporated", model="EM7565",
                         revision="SWI9X50C_01.14.02.00 2e210b jenkins 2020/08/19 14:18:39",
                         end=(("", "NO CARRIER"),), reset_commands=("AT!RESET", "AT+CFUN=1,1"), **kwargs)
        self.state.cfun = 4

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if self.state.cfun != 1:
            if upper == "AT+CREG?":
                return self._ok("+CREG: 0,0")
            if upper == "AT+COPS?":
                return self._ok("+COPS: 0")
            if upper == "AT+CSQ":
                return self._ok("+CSQ: 99,99")
        return super()._answer(command)


def test_sierra_card_left_in_low_power_is_switched_on_or_reported(start_agent, modems):
    """A Sierra EM7565 in low power, +CFUN: 4 (class SierraLowPower for the sources). Should be:
    the box turns the radio on (AT+CFUN=1, as ModemManager does) and is registered, or, where it
    cannot, the status says within 30 s that the modem's radio is off, not "no network" (which sends
    the owner to move the aerial)."""
    sim = modems(SierraLowPower)
    agent = start_agent(sim=sim)

    def good(state: dict) -> bool:
        switched_on = sim.state.cfun == 1 and state.get("online") is True
        return switched_on or deaf_saying(r"radio|flight|low.power|CFUN")(state)

    ok, seen = watch_state(agent, good, DEAF_WITHIN)
    cfun = [c for c in sim.commands if c.upper().startswith("AT+CFUN")]
    assert ok, (f"EM7565 at +CFUN: 4: CFUN commands sent {cfun}; status over {DEAF_WITHIN:.0f} s "
                f"(s, online, reason): {seen}")


# ==== ZTE MF sticks ====================================================================================

class ZteStick(SimulatedModem):
    """ZTE MF-series stick: ATI "Manufacturer: ZTE INCORPORATED / Model: MF100 / Revision:
    BD_BLNP671A1V1.0.0B02" (ordinary-developer/info_files dictionary/library/net/3g_config.md). It
    floods "+ZUSIMR:2" until the host asks AT+CPMS?; ModemManager does so because the flood "eventually
    fill[s] up the device's buffers and make[s] it crash" (src/plugins/zte/mm-broadband-modem-zte.c,
    modem_after_sim_unlock): played here as the stick going dead after `crash_after` s of flooding.
    ModemManager's zte plugin also takes +ZPASR: <act> (access technology), +ZDONR, +ZPSTM and +ZEND
    as unsolicited (src/plugins/zte/mm-common-zte.c); +ZPAS answers look like
    '+ZPAS: "GPRS/EDGE","CS_ONLY"' (MF626 sample, mm-broadband-modem-zte.c). A ZTE incoming call is
    "+CRING: VOICE" then '+CLIP: "+27820001234",145,,,,0' (babca/python-gsmmodem test/fakemodems.py
    ZteK3565Z); nothing was captured for the caller giving up: played as nothing (ring time-out)."""

    crash_after = 10.0

    def __init__(self, **kwargs: Any):
        super().__init__("silent", manufacturer="ZTE INCORPORATED", model="MF100", revision="BD_BLNP671A1V1.0.0B02",
                         clip='+CLIP: "{number}",{toa},,,,0', **kwargs)
        self.cpms_asked = threading.Event()
        self.flooded = 0

    def flood(self) -> threading.Thread:
        def run() -> None:
            began = time.monotonic()
            while self._alive and not self.cpms_asked.is_set():
                if time.monotonic() - began > self.crash_after:
                    self.mute = True          # buffers full: the stick stops answering
                    return
                self.emit("+ZUSIMR:2")
                self.flooded += 1
                time.sleep(0.05)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def _received(self, command: str) -> None:
        if command.upper().startswith("AT+CPMS"):
            self.cpms_asked.set()


def test_zte_stick_flooding_zusimr_and_zte_urcs_still_texts_a_missed_call_once(start_agent, modems):
    """A ZTE MF stick (class ZteStick for the sources) floods +ZUSIMR:2 from power-up, prints
    +ZPASR/+ZEND between calls. Should be: the box stops the flood (AT+CPMS?, as ModemManager does)
    before it kills the stick, and the caller is texted once."""
    sim = modems(ZteStick)
    sim.flood()
    agent = start_agent(sim=sim)
    wait_for(sim.cpms_asked.is_set, ZteStick.crash_after, "AT+CPMS? asked before the flood kills the stick")
    agent.wait_settled()
    sim.emit('+ZPASR: "UMTS"')
    sim.emit("+ZEND")
    sim.call(A, rings=3)
    one_text(agent, A)


# ==== Fibocom L850 (Intel XMM) ========================================================================

class FibocomL850(SimulatedModem):
    """Fibocom L850-GL (Intel XMM7360): AT+GMM "L850 LTE Module", AT+GTPKGVER?
    "18500.5001.00.05.27.16_5001.05.001.033" (4IceG/luci-app-modemband#2, 4IceG/luci-app-3ginfo-lite#82;
    the AT+CGMI string is not in those logs: "Fibocom" here). Intel XMM modems report the emergency
    number list as a burst of "+XLEMA: <index>,<total>,"<number>",<category>,<presence>" lines
    (oFono drivers/ifxmodem/voicecall.c xlema_notify; it is sent again when the list changes, e.g. on
    a network change). Played: the burst arrives between a call's first +CRING and its +CLIP."""

    XLEMA = ('+XLEMA: 1,4,"112",0,1', '+XLEMA: 2,4,"911",0,1', '+XLEMA: 3,4,"999",0,1', '+XLEMA: 4,4,"08",0,1')

    def __init__(self, **kwargs: Any):
        super().__init__("silent", manufacturer="Fibocom", model="L850 LTE Module",
                         revision="18500.5001.00.05.27.16_5001.05.001.033", **kwargs)
        self._burst_due = False

    def arm_burst(self) -> None:
        self._burst_due = True

    def emit(self, line: str) -> None:
        super().emit(line)
        if self._burst_due and line.startswith("+CRING"):
            self._burst_due = False
            for entry in self.XLEMA:
                super().emit(entry)


def test_fibocom_l850_xlema_burst_between_ring_and_caller_id_texts_once(start_agent, modems):
    """A Fibocom L850-GL (class FibocomL850 for the sources): the +XLEMA burst at start-up and again
    between the first +CRING and its +CLIP. Should be: the caller texted once, the burst ignored."""
    sim = modems(FibocomL850)
    for entry in FibocomL850.XLEMA:
        sim.emit(entry)
    agent = start_agent(sim=sim)
    agent.wait_settled()
    sim.arm_burst()
    sim.call(A, rings=3)
    one_text(agent, A)


# ==== SIMCom A76xx =====================================================================================

A76XX_BOOT = ("*ATREADY: 1", "+CPIN: READY", "SMS DONE", "+CGEV: EPS PDN ACT 1", "PB DONE")


def a76xx_boot(sim: SimulatedModem, pb_done_after: float) -> threading.Thread:
    """An A76xx coming up as in Xinyuan-LilyGO/LilyGo-Modem-Series#138 (T-A7670E): "*ATREADY: 1",
    "+CPIN: READY", "SMS DONE", then "+CGEV: …" and, seconds and several commands later, "PB DONE"
    (#247 shows the same *ATREADY: 1 / +CPIN: READY opening). The timing is the modem's: the point."""
    def run() -> None:
        for pause, line in ((0.1, "*ATREADY: 1"), (0.3, "+CPIN: READY"), (0.4, "SMS DONE"),
                            (0.05, "+CGEV: EPS PDN ACT 1"), (pb_done_after, "PB DONE")):
            time.sleep(pause)
            sim.emit(line)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a76xx_reset_with_its_spread_out_start_up_lines_texts_the_caller_ringing_meanwhile(start_agent, modems):
    """A SIMCom A7682E (voice-capable A76xx; its unanswered-call lines in docs/modems.md, the simulator's
    "a76xx") reboots by itself with the port kept (brown-out, watchdog): factory settings, then the
    start-up lines of a76xx_boot, PB DONE 3 s after the rest. A customer starts ringing 1.2 s after
    *ATREADY: 1 and rings five times. Should be: the box sets the modem up again (the late PB DONE
    may cause a second set-up mid-call) and texts that caller exactly once."""
    sim = modems(SimulatedModem, "a76xx", ring_interval=0.8)
    agent = start_agent(sim=sim)
    agent.wait_settled()
    sim.reset(boot_lines=False, delay=0.05)
    boot = a76xx_boot(sim, pb_done_after=3.0)
    time.sleep(1.2)
    sim.call(A, rings=5)
    boot.join()
    one_text(agent, A, timeout=15)


class A7670NoVoiceNoSms(SimulatedModem):
    """SIMCom A7670E-LNXY-UBL: "does not support voice and SMS" (LilyGO example Voice_Call.py, quoted in
    docs/modems.md; LilyGO-Modem-Series#131 says the same of the SIM7670G). Its identity from
    AT+SIMCOMATI in Xinyuan-LilyGO/LilyGo-Modem-Series#247: "SIMCOM INCORPORATED", "A7670E-LNXY-UBL",
    "A7670M4_B01V01_230724"; its start-up stops after "*ATREADY: 1" / "+CPIN: READY" (no SMS DONE:
    "Can't wait from sms register") and it answers AT+CMGF=1 and AT+CMGS with ERROR there. Played: every
    AT+CMGF and AT+CMGS answered ERROR; how it answers AT+CLIP=1 is not shown anywhere, so AT+CLIP=1
    is accepted (the setting exists on every A76xx firmware) and calls simply never ring."""

    def __init__(self, **kwargs: Any):
        super().__init__("a76xx", manufacturer="SIMCOM INCORPORATED", model="A7670E-LNXY-UBL",
                         revision="A7670M4_B01V01_230724", boot=("*ATREADY: 1", "+CPIN: READY"), **kwargs)

    def _answer(self, command: str) -> None:
        if command.upper().startswith(("AT+CMGF", "AT+CMGS")):
            return self.emit("ERROR")
        return super()._answer(command)


def test_a7670_variant_without_voice_or_sms_is_not_reported_online(launch, modems):
    """An A7670E-LNXY-UBL (class A7670NoVoiceNoSms for the sources) is put in the box. It can neither
    hear calls nor send texts. Should be: within 30 s the status is not online and says the modem
    cannot take calls (the model is one the docs name as voiceless)."""
    sim = modems(A7670NoVoiceNoSms)
    agent = launch(sim)
    ok, seen = watch_state(agent, deaf_saying(r"voice|calls"), DEAF_WITHIN)
    assert ok, (f"A7670E-LNXY-UBL (no voice, AT+CMGF refused): status over {DEAF_WITHIN:.0f} s "
                f"(s, online, reason): {seen}; last_error: {brief_state(agent).get('last_error')!r}")


# ==== Quectel EC200 =====================================================================================

def test_quectel_ec200u_without_dsci_and_with_qind_noise_texts_once_and_again_after_a_reset(start_agent, modems):
    """Quectel EC200U-EU (firmware "EC200UEUAAR02A02M08_HJ", a MYD-LR3568 board's module notes; voice
    calls supported on EC200U per python.quectel.com/doc/API_reference/en/iotlib/voiceCall.html). It is
    not an EC2x: AT^DSCI=1 is refused here (the ^DSCI end line is an EC2x manual feature), so calls end
    by NO CARRIER. +QIND lines that are not start-up lines come between rings: '+QIND: "csq",27,99'
    (asterisk-chan-quectel's debug log) and '+QIND: "act","LTE"' (an AT parser's test of a Quectel
    modem's URCs). Then the modem resets and prints the Quectel start-up lines (RDY, +CFUN: 1,
    +CPIN: READY, +QUSIM: 1, +QIND: SMS DONE, +QIND: PB DONE: the EC2x manual's URC table and
    ModemManager's quectel plugin, "RDY" = reset). Should be: each caller texted once, and the box set
    up again after the reset."""
    switches = frozenset({'AT+QURCCFG="urcport","usbat"', "AT+CRC=1"})
    sim = modems(SimulatedModem, "quectel", manufacturer="Quectel", model="EC200U",
                 revision="EC200UEUAAR02A02M08_HJ", switches=switches,
                 noise=('+QIND: "csq",27,99',),
                 boot=("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"))
    agent = start_agent(sim=sim)
    agent.wait_settled()
    sim.emit('+QIND: "act","LTE"')
    sim.call(A, rings=3)
    one_text(agent, A)
    resets = sim.commands.count("AT+CLIP=1")
    sim.reset(boot_lines=True)
    wait_for(lambda: sim.commands.count("AT+CLIP=1") > resets, 10, "the modem set up again after RDY")
    agent.wait_settled()
    sim.call(B, rings=3)
    one_text(agent, B)


# ==== Neoway ==========================================================================================

class Neoway(SimulatedModem):
    """Neoway N720: AT+CGMI "Neoway", AT+CGMM "N720". Neoway modules print "MODEM:STARTUP" when they boot
    and "+PBREADY" once the SIM's phonebook is read: TinyGSM's Neoway M590 driver waits for them after
    its reset (vshymanskyy/TinyGSM src/TinyGsmClientM590.h restartImpl: AT+CFUN=15, "// MODEM:STARTUP",
    waitResponse("+PBREADY")), and hosts of Neoway modules match "MODEM:STARTUP" as "modem reset -
    POWER problem" (a public M590 host's line parser). That the N720 prints the same two lines is an
    inference from the maker's other modules. A reboot brings factory settings: caller ID off."""

    def __init__(self, **kwargs: Any):
        super().__init__("silent", manufacturer="Neoway", model="N720", revision="N720",
                         end=(("", "NO CARRIER"),), boot=("MODEM:STARTUP", "+PBREADY"),
                         reset_commands=("AT+CFUN=15",), **kwargs)


def test_neoway_reset_announced_by_modem_startup_is_set_up_again_before_the_next_call(start_agent, modems):
    """A Neoway N720 (class Neoway for the sources) browns out and reboots with the port kept, just after
    the box's keep-alive: it prints MODEM:STARTUP, then +PBREADY; caller ID is off again. A customer
    rings 0.5 s later. Should be: those start-up lines are taken for the reset they are, the modem is
    set up again at once and the caller is texted once."""
    sim = modems(Neoway, ring_interval=0.5)
    agent = start_agent(sim=sim)
    keep_alive_just_done(agent)
    sim.reset(boot_lines=True, delay=0.05)
    time.sleep(0.5)
    sim.call(A, rings=3)
    one_text(agent, A, timeout=6)


# ==== modems that cannot take calls =====================================================================

class Nrf9160(SimulatedModem):
    """Nordic nRF9160 (LTE-M/NB-IoT, no voice): AT+CGMI "Nordic Semiconductor ASA", AT+CGMM
    "nRF9160-SICA", AT+CGMR "mfw_nrf9160_1.2.0", AT+CEMODE? "+CEMODE: 0" (PS mode 2, data only: 27.007
    §10.1.28), from a Thingy:91 session (pastebin.com/wUPTNrp6). Its AT set has no call commands at
    all (nRF9160 AT Commands reference, docs.nordicsemi.com: no +CLIP, +CRC, +CLCC, ATH, ATS0, +CSCS):
    each is answered ERROR. It boots at +CFUN=0 and does not attach until the host sends AT+CFUN=1
    (docs.nordicsemi.com, "Initial state at power-on ... boots at +CFUN=0"): +CREG: 0,0 meanwhile.
    +CNMI takes only <mt> 0 or 2 (played as its test answer "(0,3),(0,2),(0),(0,1)")."""

    NOT_IN_ITS_AT_SET = ("AT+CLIP", "AT+CRC", "AT+CLCC", "ATH", "AT+CHUP", "ATS0", "AT+CSCS", "AT+CSSN",
                         "AT+CTZU", "ATA", "AT+CPBS", "AT+CPBR", "AT+CCFC")

    def __init__(self, **kwargs: Any):
        super().__init__("silent", manufacturer="Nordic Semiconductor ASA", model="nRF9160-SICA",
                         revision="mfw_nrf9160_1.2.0", reset_commands=(), mc_supported=False, **kwargs)
        self.state.cfun = 0

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if upper.startswith(self.NOT_IN_ITS_AT_SET):
            return self.emit("ERROR")
        if upper == "AT+CEMODE?":
            return self._ok("+CEMODE: 0")
        if upper == "AT+CNMI=?":
            return self._ok("+CNMI: (0,3),(0,2),(0),(0,1)")
        if upper.startswith("AT+CNMI="):
            values = upper.split("=", 1)[1].split(",")
            if len(values) < 2 or values[0] not in ("0", "3") or values[1] not in ("0", "2"):
                return self.emit("ERROR")
        if self.state.cfun != 1 and upper in ("AT+CREG?", "AT+COPS?", "AT+CSQ"):
            return self._ok({"AT+CREG?": "+CREG: 0,0", "AT+COPS?": "+COPS: 0", "AT+CSQ": "+CSQ: 99,99"}[upper])
        return super()._answer(command)


def test_nrf9160_without_voice_is_reported_within_30_s(launch, modems):
    """A Nordic nRF9160 (class Nrf9160 for the sources) is plugged in: it refuses AT+CLIP=1 with a plain
    ERROR because it has no voice at all. Should be: within 30 s the status is not online and says this
    modem cannot take voice calls (not "starting up", not a caller-ID setting to fix)."""
    sim = modems(Nrf9160)
    agent = launch(sim)
    ok, seen = watch_state(agent, deaf_saying(r"voice|cannot (take|receive|hear) calls"), DEAF_WITHIN)
    clip = sim.commands.count("AT+CLIP=1")
    assert ok, (f"nRF9160 (no voice): AT+CLIP=1 sent {clip} times in {DEAF_WITHIN:.0f} s; status "
                f"(s, online, reason): {and_then(agent, seen)}")


class DataOnlyDongle(SimulatedModem):
    """A data-only LTE-M modem: u-blox SARA-R410M-02B ("SARA-R4/R5 and SARA-N are LTE-M/NB-IoT: no
    circuit-switched voice", docs/modems.md; model name from ModemManager's ublox model table there).
    Every voice command is refused with one error: "+CME ERROR: 4" (27.007 §9.2.1 "operation not
    supported", numeric after AT+CMEE=1), its verbose form for a firmware that keeps AT+CMEE=2 (the
    T-SIM7600X#77 log shows +CMEE: 2 as a SIMCom default), or "+CME ERROR: 100" ("unknown", which modems
    also give for what they do not support: gammu/gammu#358, AT+MODE=2 → +CME ERROR: 100, gammu
    "Seems not to be supported"). ModemManager takes an error to ATH as "no voice" (src/mm-broadband-
    modem.c modem_voice_check_support)."""

    VOICE = ("AT+CLIP", "AT+CRC", "AT+CLCC", "ATH", "AT+CHUP", "ATA", "AT+UCALLSTAT", "AT+CSSN", "AT+CCFC")
    error = "+CME ERROR: 4"

    def __init__(self, **kwargs: Any):
        super().__init__("ublox", manufacturer="u-blox", model="SARA-R410M-02B", revision="L0.0.00.00.05.08",
                         **kwargs)

    def _answer(self, command: str) -> None:
        if command.upper().startswith(self.VOICE):
            return self.emit(self.error)
        return super()._answer(command)


@pytest.mark.parametrize("error", ["+CME ERROR: 4", "+CME ERROR: operation not supported", "+CME ERROR: 100"],
                         ids=["cme-4", "cme-verbose", "cme-100"])
def test_data_only_modem_refusing_voice_commands_is_reported_within_30_s(launch, modems, error):
    """A data-only SARA-R410M (class DataOnlyDongle for the sources) refuses AT+CLIP=1, AT+CRC=1,
    AT+CLCC and ATH with `error`. Should be: within 30 s the status is not online and says the modem
    cannot take voice calls; an "operation not supported" is not retried for half a minute as if the
    SIM were busy."""
    sim = modems(DataOnlyDongle)
    sim.error = error
    agent = launch(sim)
    ok, seen = watch_state(agent, deaf_saying(r"voice|cannot (take|receive|hear) calls"), DEAF_WITHIN)
    clip = sim.commands.count("AT+CLIP=1")
    assert ok, (f"data-only modem answering {error!r}: AT+CLIP=1 sent {clip} times in {DEAF_WITHIN:.0f} s; "
                f"status (s, online, reason): {and_then(agent, seen)}")


class HuaweiVoiceDisabled(SimulatedModem):
    """A Huawei E303 stick whose firmware has voice disabled: AT^CVOICE? answers ERROR ("^CVOICE:0,8000,
    16,20 means voice is enabled; +CME ERROR/ERROR means a data-only firmware — many E3372 builds have
    no voice at all", docs/modems.md; ModemManager's huawei plugin asks AT^CVOICE? to learn voice
    support, src/plugins/huawei/mm-broadband-modem-huawei.c modem_voice_check_support, and parses
    "^CVOICE: <0=supported,1=unsupported>,…", mm-modem-helpers-huawei.c; a public SMS/voice pool design
    for 98 E303 sticks checks AT^CVOICE? first: "ERROR → voz bloqueada"). Everything else is a normal
    Huawei (AT+CLIP=1 OK), but calls never reach the AT port: no RING, no +CLIP."""

    def __init__(self, **kwargs: Any):
        super().__init__("huawei", model="E303", **kwargs)

    def _answer(self, command: str) -> None:
        if command.upper().startswith("AT^CVOICE"):
            return self.emit("ERROR")
        return super()._answer(command)


def test_huawei_stick_with_voice_disabled_is_not_reported_online(launch, modems):
    """A Huawei E303 with a data-only firmware (class HuaweiVoiceDisabled for the sources): it takes
    every set-up command, but AT^CVOICE? is ERROR and no call ever rings. Should be: within 30 s the
    status is not online and says this stick's firmware has no voice (asking AT^CVOICE? as ModemManager
    does), never "online" while every call goes unheard."""
    sim = modems(HuaweiVoiceDisabled)
    agent = launch(sim)
    ok, seen = watch_state(agent, deaf_saying(r"voice|cannot (take|receive|hear) calls"), DEAF_WITHIN)
    cvoice = [c for c in sim.commands if c.upper().startswith("AT^CVOICE")]
    assert ok, (f"Huawei E303, voice disabled (^CVOICE? → ERROR): ^CVOICE asked {cvoice}; status over "
                f"{DEAF_WITHIN:.0f} s (s, online, reason): {seen}")


# ==== textback doctor ====================================================================================

DOCTOR_CASES: dict[str, tuple[type, str, str]] = {
    # modem class, what doctor must name, what it must say is wrong (regex)
    "nrf9160-no-voice": (Nrf9160, "nRF9160", r"voice|cannot (take|receive|hear) calls"),
    "a7670-no-voice-no-sms": (A7670NoVoiceNoSms, "A7670E-LNXY-UBL", r"voice|cannot (take|receive|hear) calls"),
    "sierra-radio-off": (SierraLowPower, "EM7565", r"radio|flight|low.power|CFUN"),
}


@pytest.mark.parametrize("case", DOCTOR_CASES)
def test_doctor_names_the_modem_and_says_what_stops_it_hearing_calls(tmp_path, modems, case):
    """`textback doctor` (agent/tools/doctor.py run_checks) on three modems above: the nRF9160 (no voice,
    AT+CLIP refused), the A7670E-LNXY-UBL (no voice, no SMS) and the Sierra EM7565 in low power
    (+CFUN: 4). Should be: a failing check that names the modem and says in plain words what is wrong
    (no voice calls on this model; the radio is off), not only "Network: not searching — move the box
    near a window"."""
    cls, name, wrong = DOCTOR_CASES[case]
    sim = modems(cls)
    checks = run_checks(make_config(tmp_path, port=sim.port, web={"port": 18096}))
    text = [(c.name, c.verdict, c.found, c.fix) for c in checks]
    named = [c for c in checks if name in c.found]
    assert named, f"doctor never names {name}: {text}"
    told = [c for c in checks if c.verdict == "fail" and re.search(wrong, f"{c.name} {c.found} {c.fix}", re.I)]
    assert told, f"doctor names {name} but no failing check says /{wrong}/: {text}"
