"""The modem: start-up sequence and the few AT commands TextBack needs, over a SerialLink.

Start-up order matters: nothing before AT+CLIP=1 waits on the network, so the box is ready for
calls as soon as the SIM is; registration and signal are read later, by the status poll.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from agent.config import ModemConfig
from agent.errors import CommandError, ModemError, ModemTimeout, SimPinRequired
from agent.modem.dialects import Dialect, detect_dialect, dialect_named
from agent.modem.link import SerialLink
from agent.modem.urc import fields

__all__ = ["Modem", "ModemInfo", "StoredSms", "NetworkStatus", "signal_bars"]

log = logging.getLogger(__name__)

CLIP_ATTEMPTS = 30
CLIP_RETRY_SECONDS = 1.0
CNMI_CHOICES = ("AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,0,0", "AT+CNMI=1,1,0,0,0")


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

    @property
    def dialect(self) -> Dialect:
        return self.info.dialect if self.info else dialect_named("generic")

    def initialise(self) -> ModemInfo:
        self.sync()
        self._tolerate("ATE0")
        self._tolerate("AT+CMEE=1")
        self._unlock_sim()
        info = self._identify()
        self.caller_id = self._caller_id_on()   # from here on, calls carry caller ID
        self.info = info
        self.pdu_mode = self._tolerate("AT+CMGF=0")
        if not self.pdu_mode:   # in text mode AT+CMGS=<n> would text the number <n>: send nothing
            log.error("the modem refused PDU mode (AT+CMGF=0): texts wait until it accepts it")
        for choice in CNMI_CHOICES:
            if self._tolerate(choice):
                break
        for extra in info.dialect.init:
            self._tolerate(extra)
        log.info("modem ready: %s %s (%s dialect)", info.manufacturer, info.model, info.dialect.name)
        return info

    def retry_pdu_mode(self) -> bool:
        if not self.pdu_mode and self._tolerate("AT+CMGF=0"):
            self.pdu_mode = True
            log.info("PDU mode is on now; queued texts go out")
        return self.pdu_mode

    def retry_caller_id(self) -> bool:
        """Called by the service while caller ID is still off (a SIM busy for longer than start-up)."""
        if not self.caller_id and self._tolerate("AT+CLIP=1"):
            self.caller_id = True
            log.info("caller ID is on now")
        return self.caller_id

    def _caller_id_on(self) -> bool:
        """AT+CLIP=1, retried for up to ~30 s: a SIM still starting answers +CME ERROR 14 (SIM busy),
        and the box is not ready for calls until caller ID is on."""
        for _ in range(CLIP_ATTEMPTS):
            if self._tolerate("AT+CLIP=1"):
                return True
            threading.Event().wait(CLIP_RETRY_SECONDS)
        log.error("caller ID could not be switched on (AT+CLIP=1): callers will look withheld")
        return False

    def sync(self) -> None:
        """A modem that just booted may answer late or echo: try a few times before giving up."""
        last: ModemError | None = None
        for _ in range(5):
            try:
                self.link.command("AT", timeout=1.0)
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

    def _unlock_sim(self) -> None:
        try:
            lines = self.link.command("AT+CPIN?", timeout=10)
        except CommandError as e:
            if e.code == 10:
                raise ModemError("no SIM card in the modem (+CME ERROR: 10)") from None
            raise
        state = _first_value(lines, "+CPIN:").upper()
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
        """Every SMS in the current storage (AT+CMGL=4: all), with its index."""
        lines = self.link.command("AT+CMGL=4", timeout=20)
        found: list[StoredSms] = []
        for number, line in enumerate(lines):
            if line.startswith("+CMGL:") and number + 1 < len(lines):
                values = fields(line)
                if values and values[0].isdigit():
                    stat = int(values[1]) if len(values) > 1 and values[1].isdigit() else 0
                    found.append(StoredSms(int(values[0]), stat, lines[number + 1].strip()))
        return found

    def read_message(self, index: int) -> str | None:
        lines = self.link.command(f"AT+CMGR={index}", timeout=10)
        for number, line in enumerate(lines):
            if line.startswith("+CMGR:") and number + 1 < len(lines):
                return lines[number + 1].strip()
        return None

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

    def hang_up(self) -> None:
        """End the ringing call (AT+CHUP, the 27.007 form; ATH where that is missing)."""
        try:
            self.link.command("AT+CHUP", timeout=5)
        except CommandError:
            self.link.command("ATH", timeout=5)

    def ping(self) -> None:
        self.link.command("AT", timeout=3.0)
