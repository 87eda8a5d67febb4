"""The modem: start-up sequence and the few AT commands TextBack needs, over a SerialLink.

Start-up order matters: nothing before AT+CLIP=1 waits on the network, so the box is ready for
calls as soon as the SIM is; registration and signal are read later, by the status poll.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from agent.config import ModemConfig
from agent.errors import CommandError, ModemError, ModemTimeout, SimPinRequired
from agent.events import CallListed
from agent.modem.dialects import Dialect, detect_dialect, dialect_named
from agent.modem.link import SerialLink
from agent.modem.urc import fields, parse_urc

__all__ = ["Modem", "ModemInfo", "StoredSms", "NetworkStatus", "signal_bars", "cnmi_from_ranges"]

log = logging.getLogger(__name__)

CLIP_ATTEMPTS = 30
CLIP_RETRY_SECONDS = 1.0
SIM_SETTLE_SECONDS = 10.0   # a SIM busy or NOT READY for a moment is waited out this long at set-up
# New-SMS notices (27.005 §3.4.1 <mode>,<mt>,<bm>,<ds>,<bfr>): +CMTI for every SMS stored (mt 1).
# Tried in order; when all are refused the modem's own AT+CNMI=? ranges give the form, then the
# fallbacks: a Cinterion MC75i lists (0-3),(0,1),(0,2,3),(0,2),(1) and refuses the rest with
# +CMS ERROR: 538 (gammu/gammu#1206, #1207: bfr 1 only).
CNMI_CHOICES = ("AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,0,0", "AT+CNMI=1,1,0,0,0")
CNMI_FALLBACKS = ("AT+CNMI=2,1,0,2,1", "AT+CNMI=2,1,0,0,1", "AT+CNMI=2,1")
NOT_SUPPORTED_ATTEMPTS = 3  # AT+CLIP=1 answered "operation not supported": asked this often, not 30 times
SIM_GONE = {10: "no SIM card", 13: "SIM failure", 15: "wrong SIM"}   # 27.007 §9.2.1
# Data-only models (no circuit-switched voice): LTE-M/NB-IoT modules and the A7670 "UBL" builds
# (docs/modems.md, "Modems that cannot take calls").
VOICELESS_MODELS = re.compile(r"A7670E-LNXY-UBL|SIM7670G|SARA-[RN]\d|nRF91\d\d|\bBG95|\bBG77|\bBG600", re.I)
CALL_LIST_TIMEOUT = 3.0     # AT+CLCC reads the modem's own state: it answers at once or not at all


@dataclass(frozen=True)
class ModemInfo:
    manufacturer: str
    model: str
    revision: str
    dialect: Dialect


@dataclass(frozen=True)
class StoredSms:
    index: int
    stat: int        # 0 unread, 1 read, 2 unsent, 3 sent
    pdu: str


@dataclass(frozen=True)
class NetworkStatus:
    registered: bool
    registration: str
    operator: str
    rssi: int | None
    bars: int


_REGISTRATION = {0: "not searching", 1: "home network", 2: "searching", 3: "registration denied",
                 4: "unknown", 5: "roaming", 6: "home (SMS only)", 7: "roaming (SMS only)"}


def signal_bars(rssi: int | None) -> int:
    """AT+CSQ rssi (0–31, 99 unknown) → 0–4 bars, as phones show it."""
    if rssi is None or rssi == 99 or rssi < 2:
        return 0
    return 1 if rssi < 10 else 2 if rssi < 15 else 3 if rssi < 20 else 4


def _ranges(group: str) -> set[int]:
    """"0-3" / "0,2,3" / "1" (one parenthesised group of a test command's answer) → the values."""
    values: set[int] = set()
    for item in group.split(","):
        low, _, high = item.strip().partition("-")
        if low.strip().isdigit() and (not high or high.strip().isdigit()):
            values.update(range(int(low), int(high or low) + 1))
    return values


def cnmi_from_ranges(answer: str) -> str | None:
    """The AT+CNMI=? answer ("+CNMI: (0-3),(0,1),(0,2,3),(0,2),(1)") → the first form it allows:
    <mode> 2 else 1, <mt> 1, <bm> 0, <ds> 2, 1 or 0, <bfr> 0 or 1; values the answer does not list
    are left out. None when it allows no <mode> 1 or 2 or no <mt> 1 (no +CMTI to be had)."""
    groups = [_ranges(group) for group in re.findall(r"\(([^)]*)\)", answer)]
    if len(groups) < 2 or 1 not in groups[1]:
        return None
    mode = 2 if 2 in groups[0] else 1 if 1 in groups[0] else None
    if mode is None:
        return None
    values = [mode, 1]
    for allowed, preferred in zip(groups[2:5], ((0,), (2, 1, 0), (0, 1))):
        choice = next((value for value in preferred if value in allowed), None)
        if choice is None:
            break
        values.append(choice)
    return "AT+CNMI=" + ",".join(str(value) for value in values)


def voiceless_model(info: ModemInfo) -> str:
    """Why this model cannot take calls at all, or "" (docs/modems.md)."""
    if VOICELESS_MODELS.search(f"{info.manufacturer} {info.model} {info.revision}"):
        return (f"the {info.model or info.manufacturer} is a data-only modem: it cannot take voice calls; "
                f"TextBack needs a modem with voice")
    return ""


def _not_supported(error: CommandError) -> bool:
    """+CME ERROR: 4 or its words, "operation not supported" (27.007 §9.2.1): the modem does not do
    it. Not 3 ("not allowed") nor 100 ("unknown"): a SIM800 answers 3 until its SIM and network are
    up (Seeed-Studio/GPRS_SIM900#39), so those are waited out like a busy SIM."""
    return (error.kind == "CME" and error.code == 4) or "not supported" in str(error).lower()


def _first_value(lines: list[str], prefix: str) -> str:
    for line in lines:
        if line.upper().startswith(prefix.upper()):
            return line[len(prefix):].strip().strip('"')
    return " ".join(line for line in lines if line).strip()


def _identity(lines: list[str], prefix: str) -> str:
    """The first line of an identity answer ("SIMCOM_SIM7600E-H"), its prefix removed; noise a
    modem prints while booting ("SMS DONE") never becomes part of the model name."""
    for line in lines:
        if line.strip():
            text = line.strip()
            return text[len(prefix):].strip() if text.upper().startswith(prefix.upper()) else text
    return ""


class Modem:
    def __init__(self, link: SerialLink, config: ModemConfig, try_pin: bool = True):
        self.link = link
        self.config = config
        self.try_pin = try_pin          # False once the SIM refused our PIN: never risk locking it
        self.info: ModemInfo | None = None
        self.caller_id = False
        self.pdu_mode = False
        self.cnmi = ""                  # the AT+CNMI form the modem accepted
        self.call_list_works: bool | None = None   # AT+CLCC: None until asked in this set-up
        self.lists_ringing_calls = False           # its AT+CLCC has shown a ringing call in this set-up
        self._check_round = 0
        self.no_voice = ""              # why this modem cannot hear calls at all (data-only), or ""
        self.voice_refused = ""         # it refused caller ID as "not supported" (cleared if it takes it later)
        self.calls_arrived = False      # a call has reached this modem: it takes calls, whatever it says
        self.radio_off = ""             # why its radio stays off, or ""

    def heard_a_call(self) -> bool:
        """A call reached the line after all: whatever said this modem cannot hear calls was wrong
        (a firmware without AT^CVOICE, a model list out of date). True when that changed anything."""
        changed = bool(self.cannot_hear)
        self.no_voice = self.voice_refused = self.radio_off = ""
        self.calls_arrived = True       # and the next set-up (after a reset) does not say otherwise
        return changed

    @property
    def cannot_hear(self) -> str:
        """Why this modem cannot hear calls whatever is done next (data-only, voice off, radio off)."""
        return self.no_voice or self.voice_refused or self.radio_off

    @property
    def dialect(self) -> Dialect:
        return self.info.dialect if self.info else dialect_named("generic")

    def initialise(self) -> ModemInfo:
        """Set the modem up: at the first connect, and again whenever it was found reset."""
        self.link.expect_no_echo = False
        self.link.echo_seen = False
        self.call_list_works = None         # learnt again: a reset or another modem may differ
        self.lists_ringing_calls = False
        self.sync()
        if self._tolerate("ATE0"):
            self.link.expect_no_echo = True
        self._tolerate("ATS0=0")        # never answer a call ourselves: a saved ATS0=n (AT&W) survives power-off
        self._tolerate("AT+CMEE=1")
        self._tolerate('AT+CSCS="GSM"')   # numbers in digits, not the UCS2 hex ModemManager may have left
        self.radio_off = self._radio_on()
        self._unlock_sim()
        info = self._identify()
        self.no_voice = "" if self.calls_arrived else voiceless_model(info)
        self.voice_refused = ""
        self.caller_id = self._caller_id_on()   # from here on, calls carry caller ID
        self.info = info
        if not self.no_voice and not self.calls_arrived and info.dialect.voice_query:
            self.no_voice = self._voice_off(info)
        self.pdu_mode = self._tolerate("AT+CMGF=0")
        if not self.pdu_mode:   # in text mode AT+CMGS=<n> would text the number <n>: send nothing
            log.error("the modem refused PDU mode (AT+CMGF=0): texts wait until it accepts it")
        self.cnmi = self._new_message_notices()
        for extra in info.dialect.init:
            self._tolerate(extra)
        self._tolerate("AT+CTZU=1")     # network time into the modem's clock (NITZ), for AT+CCLK?
        self._tolerate("AT+CSSN=1,1")   # +CSSU: 0 marks a call forwarded here (27.007 §7.17), where supported
        log.info("modem ready: %s %s (%s dialect)", info.manufacturer, info.model, info.dialect.name)
        return info

    def _new_message_notices(self) -> str:
        """The first AT+CNMI form the modem takes (CNMI_CHOICES, then one built from its AT+CNMI=?
        answer, then CNMI_FALLBACKS), or "" when it takes none: new texts are then found by the
        storage sweep only."""
        for choice in CNMI_CHOICES:
            if self._tolerate(choice):
                return choice
        built = cnmi_from_ranges(" ".join(self._ask("AT+CNMI=?")))
        for choice in dict.fromkeys(([built] if built else []) + list(CNMI_FALLBACKS)):
            if choice not in CNMI_CHOICES and self._tolerate(choice):
                return choice
        log.warning("the modem refused every AT+CNMI form: no notice of new texts, found by the sweep only")
        return ""

    def retry_pdu_mode(self) -> bool:
        if not self.pdu_mode and self._tolerate("AT+CMGF=0"):
            self.pdu_mode = True
            log.info("PDU mode is on now; queued texts go out")
        return self.pdu_mode

    def retry_caller_id(self) -> bool:
        """Called by the service while caller ID is still off (a SIM busy for longer than start-up)."""
        if not self.caller_id and self._tolerate("AT+CLIP=1"):
            self.caller_id = True
            self.voice_refused = ""
            log.info("caller ID is on now")
        return self.caller_id

    def _caller_id_on(self) -> bool:
        """AT+CLIP=1, retried for up to ~30 s: a SIM still starting answers +CME ERROR 14 (SIM busy),
        and the box is not ready for calls until caller ID is on. A modem that says it does not
        support it ("operation not supported", 27.007 §9.2.1: a data-only modem) is asked a few
        times only, and the reason is kept for the status page (no_voice)."""
        attempts = 1 if self.no_voice else CLIP_ATTEMPTS      # a data-only model: no SIM to wait for
        in_a_row = 0                                          # "not supported" refusals, one after another
        for _ in range(attempts):
            try:
                self.link.command("AT+CLIP=1")
                return True
            except CommandError as error:
                log.info("modem refused AT+CLIP=1 (%s)", error)
                in_a_row = in_a_row + 1 if _not_supported(error) else 0
                if in_a_row >= NOT_SUPPORTED_ATTEMPTS:
                    self.voice_refused = (f"this modem does not take voice calls (it refuses caller ID: "
                                          f"{str(error).removeprefix('AT+CLIP=1: ')}); TextBack needs a modem "
                                          f"with voice")
                    break
            threading.Event().wait(CLIP_RETRY_SECONDS)
        log.error("caller ID could not be switched on (AT+CLIP=1): callers will look withheld")
        return False

    def _radio_on(self) -> str:
        """A modem left in low power or flight mode (+CFUN: 0 or 4: ModemManager, an FCC lock, a
        saved setting) hears no calls: switch the radio on (AT+CFUN=1). Returns why it is still
        off, or "" (also when the modem does not answer AT+CFUN?)."""
        value = self._query("AT+CFUN?", "+CFUN:")
        level = value.split(",")[0].strip() if value else ""
        if not level.isdigit() or level == "1":
            return ""
        log.warning("the modem's radio is off (+CFUN: %s); switching it on", level)
        self._tolerate("AT+CFUN=1")
        for _ in range(10):
            again = self._query("AT+CFUN?", "+CFUN:")
            if again is not None and again.split(",")[0].strip() == "1":
                return ""
            threading.Event().wait(0.5)
        return (f"the modem's radio is off (+CFUN: {level}, low power or flight mode) and it refused "
                f"AT+CFUN=1: it cannot hear calls")

    def _voice_off(self, info: ModemInfo) -> str:
        """The family's own voice question (Huawei AT^CVOICE?): "" when voice is on."""
        query, on = info.dialect.voice_query
        try:
            lines = self.link.command(query)
        except CommandError as error:
            return (f"this {info.model or info.manufacturer} may have voice calls turned off in its firmware "
                    f"({query} answered {str(error).removeprefix(query + ': ')}; many E3372 and E303 builds "
                    f"have none): no call will reach the box until a call shows otherwise")
        answer = " ".join(lines)
        if re.search(on, answer):
            return ""
        return (f"this {info.model or info.manufacturer} has voice calls turned off in its firmware "
                f"({query} answered {answer.strip() or 'nothing'}): it cannot hear calls")

    def sync(self) -> None:
        """A modem that just booted may answer late or echo: try a few times before giving up."""
        last: ModemError | None = None
        for _ in range(5):
            try:
                self.link.command("AT", timeout=1.0, resync=False)   # probing: no resync between tries
                return
            except (ModemTimeout, CommandError) as e:
                last = e
        raise ModemTimeout(f"{self.link.port}: the modem does not answer AT ({last})")

    def _tolerate(self, command: str) -> bool:
        try:
            self.link.command(command)
            return True
        except CommandError as e:
            log.info("modem refused %s (%s); carrying on", command, e)
            return False

    def _sim_state(self) -> str:
        """AT+CPIN?'s state. A SIM that is busy (+CME ERROR: 14) or NOT READY for a moment (a SIM
        refresh, SIM toolkit, just after power-on: TinyGSM#60) is asked again for up to
        SIM_SETTLE_SECONDS rather than failing the set-up (three failed set-ups reset the modem)."""
        deadline = time.monotonic() + SIM_SETTLE_SECONDS
        while True:
            try:
                lines = self.link.command("AT+CPIN?", timeout=10)
            except CommandError as e:
                if e.code == 10:
                    raise ModemError("no SIM card in the modem (+CME ERROR: 10)") from None
                if e.kind != "CME" or e.code != 14 or time.monotonic() >= deadline:
                    raise
                state = "SIM BUSY"
            else:
                state = _first_value(lines, "+CPIN:").upper()
                if state != "NOT READY" or time.monotonic() >= deadline:
                    return state
            log.info("the SIM is not ready yet (%s); asking again", state)
            threading.Event().wait(CLIP_RETRY_SECONDS)

    def _unlock_sim(self) -> None:
        state = self._sim_state()
        if state == "READY":
            return
        if state == "SIM PIN":
            if not self.config.pin:
                raise SimPinRequired("the SIM asks for a PIN: set [modem] pin in config.toml")
            if not self.try_pin:
                raise SimPinRequired("the SIM refused the PIN in config.toml ([modem] pin) once; not trying it "
                                     "again (three wrong tries lock the SIM): fix the PIN and restart TextBack")
            try:
                self.link.command(f'AT+CPIN="{self.config.pin}"', timeout=15)
            except CommandError:
                error = SimPinRequired("the SIM refused the PIN in config.toml ([modem] pin); fix it and restart "
                                       "TextBack (it will not try again: three wrong tries lock the SIM)")
                error.pin_rejected = True
                raise error from None
            return
        if "PUK" in state:
            raise SimPinRequired("the SIM is locked and wants its PUK: unlock it in a phone first")
        raise ModemError(f"SIM not ready: {state or 'no answer to AT+CPIN?'}")

    def _identify(self) -> ModemInfo:
        manufacturer = _identity(self._ask("AT+CGMI"), "+CGMI:")
        model = _identity(self._ask("AT+CGMM"), "+CGMM:")
        revision = _identity(self._ask("AT+CGMR"), "+CGMR:")
        if self.config.family != "auto":
            dialect = dialect_named(self.config.family)
        else:
            dialect = detect_dialect(f"{manufacturer} {model} {revision}")
        return ModemInfo(manufacturer, model, revision, dialect)

    def _ask(self, command: str) -> list[str]:
        """A question whose answer is nice to have: ERROR or silence gives [] (the keep-alive ping is
        what decides that a silent modem is hung)."""
        try:
            return self.link.command(command)
        except (CommandError, ModemTimeout):
            return []

    # ---- texts -------------------------------------------------------------------------------

    def send_pdu(self, tpdu_length: int, pdu_hex: str) -> int | None:
        return self.link.send_pdu(tpdu_length, pdu_hex)

    def stored_messages(self) -> list[StoredSms]:
        """Every SMS in the read storage <mem1> (AT+CMGL=4: all), with its index and stat."""
        lines = self.link.command("AT+CMGL=4")
        found: list[StoredSms] = []
        for number, line in enumerate(lines):
            if line.startswith("+CMGL:") and number + 1 < len(lines):
                values = fields(line)
                if values and values[0].isdigit():
                    stat = int(values[1]) if len(values) > 1 and values[1].isdigit() else 0
                    found.append(StoredSms(int(values[0]), stat, lines[number + 1].strip().strip('"')))
        return found

    def read_message(self, index: int) -> StoredSms | None | bool:
        """AT+CMGR=<index> in <mem1>: the message, or False for an empty index (Huawei and Quectel
        answer a bare OK, others +CMS ERROR: 321), or None when the answer was not a +CMGR answer at
        all (a late answer to another command): then the link resynchronises and nothing may be
        deleted on the strength of it."""
        try:
            lines = self.link.command(f"AT+CMGR={index}")
        except CommandError as error:
            if error.kind == "CMS" and error.code == 321:     # invalid memory index: nothing there
                return False
            raise
        for number, line in enumerate(lines):
            if line.startswith("+CMGR:") and number + 1 < len(lines):
                values = fields(line)
                stat = int(values[0]) if values and values[0].isdigit() else 0
                return StoredSms(index, stat, lines[number + 1].strip().strip('"'))
        if not lines:
            return False
        log.warning("AT+CMGR=%d answered %r, not a +CMGR answer: resynchronising", index, lines[:3])
        self.link.out_of_step()
        return None

    def storages(self) -> list[tuple[str, int, int]] | None:
        """AT+CPMS?: [(mem1, used, total), (mem2, …), (mem3, …)] (27.005 §3.2.2), or None."""
        value = self._query("AT+CPMS?", "+CPMS:")
        if value is None:
            return None
        values = fields("x:" + value)
        found = []
        for at in range(0, len(values) - 2, 3):
            name, used, total = values[at:at + 3]
            if used.isdigit() and total.isdigit():
                found.append((name.upper(), int(used), int(total)))
        return found or None

    def select_storages(self, *names: str) -> bool:
        """AT+CPMS="<mem1>"[,"<mem2>"[,"<mem3>"]]; False when the modem refuses."""
        quoted = ",".join(f'"{name}"' for name in names)
        try:
            self.link.command(f"AT+CPMS={quoted}")
            return True
        except CommandError as error:
            log.info("modem refused AT+CPMS=%s (%s)", quoted, error)
            return False

    def memory_available(self) -> bool:
        """Tell the network there is room again, where the modem needs telling (AT+CNMA; most send
        the memory-available notification by themselves once a message is deleted)."""
        return self._tolerate("AT+CNMA")

    def delete_message(self, index: int) -> None:
        self.link.command(f"AT+CMGD={index}", timeout=10)

    # ---- status ------------------------------------------------------------------------------

    def network_status(self) -> NetworkStatus:
        rssi = None
        match = re.match(r"^\s*(\d+)", _first_value(self._ask("AT+CSQ"), "+CSQ:"))
        if match:
            rssi = int(match.group(1))
        reg_values = fields("x:" + _first_value(self._ask("AT+CREG?"), "+CREG:"))
        stat = int(reg_values[1]) if len(reg_values) > 1 and reg_values[1].isdigit() else None
        operator_values = fields("x:" + _first_value(self._ask("AT+COPS?"), "+COPS:"))
        operator = operator_values[2] if len(operator_values) > 2 else ""
        return NetworkStatus(registered=stat in (1, 5, 6, 7), registration=_REGISTRATION.get(stat, "unknown"),
                             operator=operator, rssi=rssi, bars=signal_bars(rssi))

    def call_list(self) -> list[CallListed] | None:
        """AT+CLCC (27.007 §7.18): the voice calls the modem has now, one `+CLCC: <id>,<dir>,<stat>,
        <mode>,<mpty>[,<number>,<type>…]` line each (stat 4 incoming, 5 waiting, 0 active; 6
        released on some families); a bare OK is no call at all. Data and fax calls are left out.
        None where the modem has no call list: one ERROR is learnt for the rest of this set-up and
        the command is not sent again until the next (the ring time-out then ends its calls)."""
        if self.call_list_works is False:
            return None
        try:
            lines = self.link.command("AT+CLCC", timeout=CALL_LIST_TIMEOUT)
        except CommandError as error:
            self.call_list_works = False
            log.info("the modem has no call list (AT+CLCC: %s): calls end by the ring time-out", error)
            return None
        self.call_list_works = True
        calls = [event for event in (parse_urc(line) for line in lines if line.upper().startswith("+CLCC:"))
                 if isinstance(event, CallListed)]
        if any(call.incoming and call.stat in (4, 5) for call in calls):
            self.lists_ringing_calls = True
        return calls

    def no_call_list(self, why: str) -> None:
        """Stop asking AT+CLCC until the next set-up (it did not answer in time)."""
        if self.call_list_works is not False:
            log.warning("not asking the modem for its call list again until it is set up anew: %s", why)
        self.call_list_works = False

    def hang_up(self) -> None:
        """End the ringing call (AT+CHUP, the 27.007 form; ATH where that is missing)."""
        try:
            self.link.command("AT+CHUP", timeout=5)
        except CommandError:
            self.link.command("ATH", timeout=5)

    def ping(self) -> None:
        self.link.command("AT", timeout=3.0)

    # ---- is it still set up as we left it? -----------------------------------------------------

    def check_settings(self) -> str | None:
        """The keep-alive: AT+CLIP? every time, and one of CNMI / CMGF / CPIN in turn. Returns why the
        modem must be set up again (it was reset, silently or not), or None. A modem that refuses a
        query tells us nothing (None); a time-out raises ModemTimeout like any dead command."""
        echoed = self.link.echo_seen
        if self.caller_id:
            value = self._query("AT+CLIP?", "+CLIP:")
            if value is not None and value.split(",")[0].strip() == "0":
                return "caller ID is off (+CLIP: 0): the modem was reset"
            if echoed and value is None:
                return "the modem echoes commands again (it was reset)"
        if echoed:
            # an echo alone is only a hint: caller ID is still on, so this modem echoes some commands
            # whatever ATE0 said (seen on real modems); switch echo off again and carry on
            log.info("the modem echoed a command after ATE0 but kept its settings: not a reset")
            self.link.echo_seen = False
            self._tolerate("ATE0")
        self._check_round += 1
        which = self._check_round % 3
        if which == 0 and self.cnmi:
            value = self._query("AT+CNMI?", "+CNMI:")
            wanted = self.cnmi.split("=", 1)[1].split(",")
            if value is not None and [v.strip() for v in value.split(",")[:2]] != wanted[:2]:
                return f"new-SMS notices are off (+CNMI: {value}): the modem was reset"
        elif which == 1 and self.pdu_mode:
            value = self._query("AT+CMGF?", "+CMGF:")
            if value is not None and value.strip() != "0":
                return "the modem is in text mode (+CMGF: 1): it was reset"
        elif which == 2:
            try:
                lines = self.link.command("AT+CPIN?")
            except CommandError as error:     # a SIM pulled out or failed: +CME ERROR 10 / 13 / 15
                if error.kind == "CME" and error.code in SIM_GONE:
                    return f"the SIM is not ready ({SIM_GONE[error.code]}, +CME ERROR: {error.code})"
                return None
            value = next((line[6:].strip() for line in lines if line.upper().startswith("+CPIN:")), None)
            if value is not None and value.strip().upper() != "READY":
                return f"the SIM is not ready (+CPIN: {value})"
        return None

    def still_in_pdu_mode(self) -> bool:
        """Asked before each SMS part: a modem reset back to text mode would take AT+CMGS=<n> as a
        text to the number <n> (and the PDU as its words). False only on a definite +CMGF: 1."""
        value = self._query("AT+CMGF?", "+CMGF:")
        if value is not None and value.strip() == "1":
            self.pdu_mode = False
            return False
        return True

    def _query(self, command: str, prefix: str) -> str | None:
        """The value of a read command ("1,1" for +CLIP: 1,1); None when refused or not answered
        with its own prefix (only a real answer counts)."""
        try:
            lines = self.link.command(command)
        except CommandError:
            return None
        for line in lines:
            if line.upper().startswith(prefix.upper()):
                return line[len(prefix):].strip()
        return None

    def reset(self) -> bool:
        """The family's own full reset (AT+CFUN=1,1 or its equivalent). True when one was accepted;
        the modem then reboots and prints its start-up lines, or nothing."""
        for command in self.dialect.reset:
            try:
                self.link.command(command, timeout=30, resync=False)
                log.warning("modem reset with %s", command)
                return True
            except CommandError as error:
                log.info("modem refused %s (%s)", command, error)
        return False

    def network_time(self) -> "datetime | None":
        """The network's time (AT+CCLK?, kept by the modem from NITZ once AT+CTZU/AT+CLTS is on), in
        UTC; None when the modem does not know it (a year before 2024 is a clock never set)."""
        value = self._query("AT+CCLK?", "+CCLK:")
        match = re.match(r'^"?(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d+)?"?$', (value or "").strip())
        if not match:
            return None
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        quarters = int(match.group(7) or 0)
        try:
            local = datetime(2000 + year, month, day, hour, minute, second, tzinfo=timezone.utc)
        except ValueError:
            return None
        if local.year < 2024:
            return None
        return local - timedelta(minutes=15 * quarters)

    def missed_call_list(self, limit: int = 20) -> list[tuple[str, int | None]] | None:
        """The modem's own missed-calls phonebook (AT+CPBS="MC", AT+CPBR), newest first as stored:
        (number, type) pairs. None where the family has none. It has no reliable times, so what is
        in it is only ever shown to the owner, never texted on its own."""
        try:
            self.link.command('AT+CPBS="MC"')
        except CommandError:
            return None
        try:
            size = fields("x:" + (self._query("AT+CPBS?", "+CPBS:") or ""))     # "MC",<used>,<total>
            used = int(size[1]) if len(size) > 2 and size[1].isdigit() else None
            total = int(size[2]) if len(size) > 2 and size[2].isdigit() else limit
            # reading past the phonebook's size is an error (27.007 §8.12): ask only for what exists
            lines = [] if used == 0 else self.link.command(f"AT+CPBR=1,{max(1, min(total, limit))}")
        except CommandError as error:
            if error.code != 22:        # only "not found" means an empty list; anything else: unknown
                return None
            lines = []
        finally:
            self._tolerate('AT+CPBS="SM"')
        found = []
        for line in lines:
            if line.startswith("+CPBR:"):
                values = fields(line) + ["", ""]
                if values[1]:
                    found.append((values[1], int(values[2]) if values[2].isdigit() else None))
        return found
