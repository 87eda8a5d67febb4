"""A modem that speaks AT over a real pseudo-terminal, for tests and `textback demo`.

The agent opens `sim.port` with pyserial exactly as it opens /dev/ttyUSB2 on a Pi. The simulator
plays a family's lines (simulated_families.py), decodes every SMS-SUBMIT it is given with
python-gsmmodem's decoder — an implementation independent of ours — and can inject faults:
+CMS errors, silence, garbage, and being unplugged and plugged back in.
"""

from __future__ import annotations

import logging
import os
import re
import select
import threading
import time
import tty
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from gsmmodem.pdu import decodeSmsPdu

from agent.modem.pdu import encode_deliver
from agent.simulated_families import FAMILIES, SimFamily

__all__ = ["SimulatedModem", "SentSms", "Submitted"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """One SMS-SUBMIT part as the modem received it."""
    pdu: str
    number: str
    text: str
    concat: tuple[int, int, int] | None   # (ref, total, seq)
    status_report: bool
    at: float


@dataclass(frozen=True)
class SentSms:
    """A whole text as the network would deliver it (parts joined)."""
    number: str
    text: str
    parts: int
    at: float


def _join_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@dataclass
class _State:
    echo: bool = True
    unlocked: bool = False
    switches: set[str] = field(default_factory=set)
    cnmi_mt: int = 1
    storage: dict[int, str] = field(default_factory=dict)


class SimulatedModem:
    def __init__(self, family: str = "sim800", *, pin: str | None = None, ring_interval: float = 0.25,
                 link_path: str | Path | None = None):
        self.family: SimFamily = FAMILIES[family]
        self.pin = pin
        self.ring_interval = ring_interval
        self.link_path = Path(link_path) if link_path else None
        self.state = _State(unlocked=pin is None)
        self.commands: list[str] = []
        self.submitted: list[Submitted] = []
        self.sent: list[SentSms] = []
        self.cms_errors: deque[int] = deque()
        self.mute = False                 # answer nothing at all (a hung modem)
        self.refuse: set[str] = set()     # commands answered ERROR (a modem that lacks them)
        self.hung_up = False              # the agent ended the ringing call (AT+CHUP / ATH)
        self.swallow_next_pdu = False     # take one PDU and never answer (power cut mid-send)
        self.reference = 0
        self.call_ends: list[float] = []      # monotonic time each call's first end line was written
        self.cmgs_times: list[float] = []     # monotonic time each AT+CMGS command arrived
        self._partial: dict[tuple[str, int, int], dict[int, Submitted]] = {}
        self._lock = threading.RLock()
        self._master = self._slave = -1
        self._alive = False
        self._thread: threading.Thread | None = None
        self._tty_name = ""

    # ---- plugging ----------------------------------------------------------------------------

    @property
    def port(self) -> str:
        return str(self.link_path) if self.link_path else self._tty_name

    def start(self) -> "SimulatedModem":
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self._tty_name = os.ttyname(self._slave)
        if self.link_path:
            self.link_path.unlink(missing_ok=True)
            self.link_path.symlink_to(self._tty_name)
        self._alive = True
        self._thread = threading.Thread(target=self._serve, name=f"sim-{self.family.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._alive = False
        if self._thread:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = -1
        if self.link_path:
            self.link_path.unlink(missing_ok=True)

    unplug = stop

    def replug(self) -> None:
        """Back on the bus, freshly booted (echo on, switches off), at the same stable path."""
        self.state = _State(unlocked=self.pin is None, storage=self.state.storage)
        self.start()
        self.emit("RDY")

    def __enter__(self) -> "SimulatedModem":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- output ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._master >= 0 and not self.mute:
                try:
                    os.write(self._master, data)
                except OSError:
                    pass

    def emit(self, line: str) -> None:
        self.write(f"\r\n{line}\r\n".encode())

    # ---- scripted events ---------------------------------------------------------------------

    def call(self, number: str, toa: int | None = None, *, rings: int = 2, withheld: bool = False,
             wait: bool = True) -> threading.Thread:
        """An incoming call that nobody answers: rings, then the caller gives up."""
        toa = toa if toa is not None else (145 if number.startswith("+") else 129)
        thread = threading.Thread(target=self._play_call, args=(number, toa, rings, withheld), daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def _play_call(self, number: str, toa: int, rings: int, withheld: bool) -> None:
        values = {"number": "" if withheld else number, "toa": 128 if withheld else toa,
                  "time": time.strftime("%I:%M%p").lstrip("0")}
        family = self.family
        for switch, line in family.start:
            if not switch or switch in self.state.switches:
                self.emit(line.format(**values))
        self.hung_up = False
        for ring in range(rings):
            if ring:
                time.sleep(self.ring_interval)
            if self.hung_up:
                return
            if "AT+CRC=1" in self.state.switches:
                self.emit("+CRING: VOICE")
            else:
                self.write(family.ring.encode())
            if "AT+CLIP=1" in self.state.switches:
                self.emit((family.withheld_clip if withheld else family.clip).format(**values))
            for noise in family.noise[:1]:
                self.emit(noise)
        time.sleep(self.ring_interval / 2)
        self.call_ends.append(time.monotonic())
        for switch, line in family.end:
            if not switch or switch in self.state.switches:
                self.emit(line.format(**values))

    def receive_sms(self, sender: str, text: str, *, at: datetime | None = None) -> list[int]:
        """An SMS arrives from `sender`: stored and announced with +CMTI (or +CMT when CNMI mt=2)."""
        pdus = encode_deliver(sender, text, sent_at=at or datetime.now(timezone.utc),
                              concat_ref=(len(self.state.storage) * 7 + 3) % 256)
        indexes = []
        for pdu in pdus:
            if self.state.cnmi_mt == 2:
                self.write(f"\r\n+CMT: ,{len(pdu) // 2 - 1}\r\n{pdu}\r\n".encode())
                continue
            index = max(self.state.storage, default=0) + 1
            self.state.storage[index] = pdu
            indexes.append(index)
            self.emit(f'+CMTI: "SM",{index}')
        return indexes

    # ---- the AT engine -----------------------------------------------------------------------

    def _serve(self) -> None:
        buffer = b""
        pdu_for: int | None = None
        while self._alive:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                chunk = os.read(self._master, 4096)
            except OSError:
                time.sleep(0.05)
                continue
            buffer += chunk
            while True:
                if pdu_for is not None:
                    end = re.search(rb"[\x1a\x1b]", buffer)
                    if not end:
                        break
                    raw_pdu, cancel = buffer[:end.start()], buffer[end.start()] == 0x1B
                    buffer = buffer[end.end():]
                    pdu_for = None
                    if self.state.echo:
                        self.write(raw_pdu + b"\x1a")      # a modem in echo mode echoes the PDU too
                    if not cancel:
                        self._submit(raw_pdu.decode(errors="replace").strip())
                    continue
                if b"\r" not in buffer:
                    break
                raw, buffer = buffer.split(b"\r", 1)
                command = raw.decode(errors="replace").strip()
                if not command:
                    continue
                self.commands.append(command)
                if self.state.echo:
                    self._echo(raw)
                self._received(command)
                if self.mute:
                    continue
                if command.upper().startswith("AT+CMGS="):
                    self.cmgs_times.append(time.monotonic())
                    pdu_for = int(command.split("=")[1] or 0)
                    self._prompt()
                    continue
                self._answer(command)

    # hooks a variant modem overrides (tests of modems we have not seen)

    def _echo(self, raw: bytes) -> None:
        self.write(raw + b"\r")

    def _received(self, command: str) -> None:
        """Called for every command line, after its echo and before the answer."""

    def _prompt(self) -> None:
        self.write(b"\r\n> ")

    def _ok(self, *lines: str) -> None:
        self.write("".join(f"\r\n{line}\r\n" for line in lines).encode() + b"\r\nOK\r\n")

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if command in self.refuse:
            return self.emit("ERROR")
        family = self.family
        state = self.state
        if upper in ("AT", "ATZ"):
            return self._ok()
        if upper in ("AT+CHUP", "ATH", "ATH0"):
            self.hung_up = True
            return self._ok()
        if upper in ("ATE0", "ATE1"):
            state.echo = upper == "ATE1"
            return self._ok()
        if upper.startswith("AT+CMEE") or upper.startswith("AT+CMGF=0") or upper.startswith("AT+CSMP"):
            return self._ok()
        if not state.unlocked and not upper.startswith("AT+CPIN") and not upper.startswith("AT+CG"):
            return self.emit("+CME ERROR: 11")
        if upper == "AT+CPIN?":
            return self._ok("+CPIN: READY" if state.unlocked else "+CPIN: SIM PIN")
        if upper.startswith("AT+CPIN="):
            if command.split("=", 1)[1].strip('"') == self.pin:
                state.unlocked = True
                return self._ok()
            return self.emit("+CME ERROR: 16")
        if upper == "AT+CGMI":
            return self._ok(family.manufacturer)
        if upper == "AT+CGMM":
            return self._ok(family.model)
        if upper == "AT+CGMR":
            return self._ok(family.revision)
        if upper == "AT+CLIP=1":
            state.switches.add("AT+CLIP=1")
            return self._ok()
        if upper.startswith("AT+CNMI="):
            state.cnmi_mt = int(command.split("=")[1].split(",")[1] or 1)
            return self._ok()
        if command in family.switches:
            state.switches.add(command)
            return self._ok()
        if upper == "AT+CSQ":
            return self._ok("+CSQ: 21,99")
        if upper == "AT+CREG?":
            return self._ok("+CREG: 0,1")
        if upper == "AT+COPS?":
            return self._ok('+COPS: 0,0,"Simulated Mobile",7')
        if upper == "AT+CSCA?":
            return self._ok('+CSCA: "+447785016005",145')
        if upper == "AT+CPMS?":
            used = len(state.storage)
            return self._ok(f'+CPMS: "SM",{used},30,"SM",{used},30,"SM",{used},30')
        if upper.startswith("AT+CCFC=2,2"):
            return self._ok("+CCFC: 0,1")
        if upper == "AT+CMGL=4":
            return self._ok(*[f"+CMGL: {i},0,,{len(p) // 2 - 1}\r\n{p}" for i, p in sorted(state.storage.items())])
        if upper.startswith("AT+CMGR="):
            pdu = state.storage.get(int(command.split("=")[1]))
            return self._ok(f"+CMGR: 0,,{len(pdu) // 2 - 1}\r\n{pdu}") if pdu else self.emit("+CMS ERROR: 321")
        if upper.startswith("AT+CMGD="):
            state.storage.pop(int(command.split("=")[1].split(",")[0]), None)
            return self._ok()
        self.emit("ERROR")

    def _submit(self, pdu: str) -> None:
        if self.swallow_next_pdu:
            self.swallow_next_pdu = False
            return
        if self.cms_errors:
            return self.emit(f"+CMS ERROR: {self.cms_errors.popleft()}")
        try:
            decoded = decodeSmsPdu(pdu)
        except Exception as error:  # the PDU is what is under test: report, never crash
            log.warning("simulator could not decode PDU %s: %s", pdu, error)
            return self.emit("+CMS ERROR: 304")
        concat = None
        for element in decoded.get("udh", []) or []:
            if getattr(element, "parts", None):
                concat = (element.reference, element.parts, element.number)
        part = Submitted(pdu=pdu, number=decoded["number"], text=_join_surrogates(decoded.get("text", "")),
                         concat=concat, status_report=bool(int(pdu[2:4], 16) & 0x20), at=time.monotonic())
        self.reference = (self.reference + 1) % 256
        self.submitted.append(part)
        self._assemble(part)
        self._ok(f"+CMGS: {self.reference}")

    def _assemble(self, part: Submitted) -> None:
        if part.concat is None:
            self.sent.append(SentSms(part.number, part.text, 1, part.at))
            return
        ref, total, seq = part.concat
        pieces = self._partial.setdefault((part.number, ref, total), {})
        pieces[seq] = part
        if len(pieces) == total:
            del self._partial[(part.number, ref, total)]
            text = _join_surrogates("".join(pieces[i].text for i in sorted(pieces)))
            self.sent.append(SentSms(part.number, text, total, part.at))
