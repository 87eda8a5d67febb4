"""A modem that speaks AT over a real pseudo-terminal, for tests and `textback demo`.

The agent opens `sim.port` with pyserial exactly as it opens /dev/ttyUSB2 on a Pi. The simulator
plays a family's lines (simulated_families.py), decodes every SMS-SUBMIT it is given with
python-gsmmodem's decoder — an implementation independent of ours — builds the SMS it delivers
with simulated_pdus.py (independent of agent/sms/pdu.py too), and can inject faults: +CMS
errors, silence, garbage, slow or late answers, resets with the port kept open, brown-outs, a
full SIM, and being unplugged and plugged back in. It keeps the call that is ringing and
answers AT+CLCC with it, as the family's real modem does (or ERROR where that has none).
docs/simulator.md lists what it plays and where each behaviour comes from.

Two threads serve the port: a reader that splits what the agent writes into command lines (and
the PDU after an AT+CMGS prompt) and queues them, and a worker that answers them in order. So a
command can be answered late (`stall`, `cmgs_delay`) while the reader keeps taking lines, and
unsolicited lines (RING, +CMTI, boot lines…) written while a command is being answered are held
back and written right after its final result code, as V.250 §5.7.1 and 27.007 §3 describe
(`hold_urcs`).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import select
import threading
import time
import tty
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from gsmmodem.pdu import decodeSmsPdu

from agent.simulator.families import FAMILIES, SimFamily
from agent.simulator.pdus import deliver_pdus, tpdu_length

__all__ = ["SimulatedModem", "SentSms", "Submitted", "TextModeSend", "MC_TOTAL"]

log = logging.getLogger(__name__)

MC_TOTAL = 10                  # entries the missed-calls phonebook keeps; the oldest is dropped
SM_PHONEBOOK_TOTAL = 250
_STAT_NAMES = {0: "REC UNREAD", 1: "REC READ", 2: "STO UNSENT", 3: "STO SENT", 4: "ALL"}
_STAT_CODES = {name: code for code, name in _STAT_NAMES.items()}


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


@dataclass(frozen=True)
class TextModeSend:
    """What the agent wrote after AT+CMGS=<x> while the modem was in text mode (AT+CMGF=1): the
    modem takes <x> as the phone number and the data as the text (27.005 §3.5.1)."""
    number: str
    text: str
    at: float


def _join_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@dataclass
class _Call:
    """The call in progress, as AT+CLCC lists it (27.007 §7.18 <stat>: 4 incoming, 0 active)."""
    number: str
    toa: int
    stat: int = 4


@dataclass
class _State:
    """Settings the modem forgets when it resets (the SIM storages live on the SIM)."""
    echo: bool = True
    unlocked: bool = False
    switches: set[str] = field(default_factory=set)
    cnmi: tuple[int, int, int, int, int] = (2, 1, 0, 0, 0)
    storage: dict[int, str] = field(default_factory=dict)     # the "SM" storage, index → PDU hex
    cmgf: int = 0                                              # 0 PDU mode, 1 text mode
    cfun: int = 1
    phonebook: str = "SM"
    cmee: int = 0                                              # 27.007 §9.1: 0 plain ERROR, 1 numeric, 2 verbose

    @property
    def cnmi_mt(self) -> int:
        return self.cnmi[1]

    @cnmi_mt.setter
    def cnmi_mt(self, mt: int) -> None:
        self.cnmi = (self.cnmi[0], mt, *self.cnmi[2:])


class SimulatedModem:
    def __init__(self, family: str | SimFamily = "sim800", *, pin: str | None = None,
                 ring_interval: float = 0.25, link_path: str | Path | None = None, **family_options: Any):
        """`family_options` override fields of the family (simulated_families.SimFamily), e.g.
        cpms_default=("ME", "ME", "SM"), cpms_fixed=True, empty_read="bare_ok", mc_supported=False."""
        base = family if isinstance(family, SimFamily) else FAMILIES[family]
        self.family: SimFamily = replace(base, **family_options) if family_options else base
        self.pin = pin
        self.ring_interval = ring_interval
        self.link_path = Path(link_path) if link_path else None
        self.state = _State(unlocked=pin is None)
        self.commands: list[str] = []
        self.command_times: list[float] = []   # monotonic time each command line was taken, as `commands`
        self.submitted: list[Submitted] = []
        self.sent: list[SentSms] = []
        self.text_mode_sends: list[TextModeSend] = []
        self.cms_errors: deque[int | str] = deque()
        self.mute = False                 # answer nothing at all (a hung modem)
        self.refuse: set[str] = set()     # commands answered ERROR (a modem that lacks them)
        self.hung_up = False              # the agent ended the ringing call (AT+CHUP / ATH)
        self.active_call: _Call | None = None     # what AT+CLCC lists now
        self.during_send: list[str] = []  # command lines that arrived while an AT+CMGS was unanswered
        self.swallow_next_pdu = False     # take one PDU and never answer (power cut mid-send)
        self.reference = 0
        self.call_ends: list[float] = []      # monotonic time each call's first end line was written
        self.cmgs_times: list[float] = []     # monotonic time each AT+CMGS command arrived
        # ---- timing ----
        self.hold_urcs = True             # unsolicited lines wait while a command is answered
        self.cmgs_delay = 0.0             # seconds between the PDU and +CMGS: <ref> (network)
        self.auto_answer_rings = 0        # ATS0 (kept over resets, as AT&W keeps it); never answers here
        self.charset = "IRA"              # AT+CSCS; numbers are printed as plain digits whatever it is
        self.after_submit: Callable[[Submitted], None] | None = None   # a test's fault, once an answer is out
        self.cfun_reset_delay = 0.2       # AT+CFUN=1,1 answers OK, then reboots after this
        self.power_down_seconds = 1.0     # silence after UNDER-VOLTAGE POWER DOWN
        self.resets: list[float] = []     # monotonic time of every reset
        # ---- SMS storages (27.005 §3.2.2) ----
        self.capacity: dict[str, int] = dict(self.family.capacity)
        self.storages: dict[str, dict[int, str]] = {name: {} for name in self.capacity}
        self.storages["SM"] = self.state.storage
        self.capacity.setdefault("SM", 30)
        self.stats: dict[str, dict[int, int]] = {name: {} for name in self.storages}
        self.cpms: list[str] = list(self.family.cpms_default)
        self.cpms_fixed: bool = self.family.cpms_fixed
        self.held: list[str] = []         # SMS the network holds while <mem3> is full (RP-ERROR 22)
        # ---- phonebooks ----
        self.missed_calls: list[tuple[str, int]] = []    # oldest first; AT+CPBR lists newest first
        self.mc_supported: bool = self.family.mc_supported
        # ---- internals ----
        self._partial: dict[tuple[str, int, int], dict[int, Submitted]] = {}
        self._lock = threading.RLock()
        self._tl = threading.local()
        self._master = self._slave = -1
        self._alive = False
        self._run: object | None = None
        self._thread: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._tty_name = ""
        self._generation = 0              # bumped by every reset: what was under way is dropped
        self._spans: set[int] = set()     # commands received and not yet answered
        self._span_seq = 0
        self._held_out: list[bytes] = []  # unsolicited output waiting for a final result code
        self._after: list[Callable[[], None]] = []   # run once the current command's answer is out
        self._silent_until = 0.0          # booting or powered down: nothing in, nothing out
        self._stalls: list[list[Any]] = []
        self._answers: dict[str, tuple[str, ...]] = {}
        self._cmgs_target: str = ""
        self._cmgs_span: int | None = None     # the AT+CMGS being answered (reader's view)
        self._memory_available = False    # AT+CNMA seen since <mem3> filled
        self._full_announced = False

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
        self._stopping = threading.Event()
        self._queue = queue.Queue()
        with self._lock:
            self._spans.clear()
            self._held_out.clear()
        run = self._run = object()
        self._alive = True
        self._thread = threading.Thread(target=self._serve, args=(run,), name=f"sim-{self.family.name}", daemon=True)
        self._worker = threading.Thread(target=self._work, args=(run,), name=f"sim-{self.family.name}-at",
                                        daemon=True)
        self._thread.start()
        self._worker.start()
        return self

    def stop(self) -> None:
        self._alive = False
        self._run = None
        self._stopping.set()
        for thread in (self._thread, self._worker):
            if thread and thread is not threading.current_thread():
                thread.join(timeout=2)
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._master = self._slave = -1
            self._spans.clear()
            self._held_out.clear()
        if self.link_path:
            self.link_path.unlink(missing_ok=True)

    unplug = stop

    def replug(self, factory: bool = False) -> None:
        """Back on the bus, freshly booted (echo on, switches off), at the same stable path.
        With `factory`, also in the factory state `reset()` leaves (text mode, no new-SMS notices)."""
        self.state = self._factory_state() if factory else _State(unlocked=self.pin is None,
                                                                  storage=self.storages["SM"])
        self.cpms = list(self.family.cpms_default)
        self.start()
        self.emit("RDY")

    def __enter__(self) -> "SimulatedModem":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- output ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Bytes to the agent. While a command is being answered, anything not part of the answer
        (written from another thread, or as an unsolicited line) is held until the answer's final
        result code is out, when `hold_urcs` is on."""
        with self._lock:
            if self._master < 0 or self.mute or self._is_silent():
                return
            if self.hold_urcs and self._spans and not self._answering():
                self._held_out.append(data)
                return
            self._raw_write(data)

    def emit(self, line: str) -> None:
        self.write(f"\r\n{line}\r\n".encode())

    def _raw_write(self, data: bytes) -> None:
        try:
            os.write(self._master, data)
        except OSError:
            pass

    def _answering(self) -> bool:
        return getattr(self._tl, "answer", False) and not getattr(self._tl, "urc", False)

    def _urc(self, line: str) -> None:
        """An unsolicited line, held like any other while a command is answered (even when it is
        the worker that produces it, e.g. a held SMS delivered after AT+CMGD)."""
        self._urc_write(f"\r\n{line}\r\n".encode(), line)

    def _urc_write(self, data: bytes, line: str | None = None) -> None:
        previous = getattr(self._tl, "urc", False)
        self._tl.urc = True
        try:
            if line is not None:
                self.emit(line)          # through emit, so a variant's framing applies
            else:
                self.write(data)
        finally:
            self._tl.urc = previous

    def _is_silent(self) -> bool:
        return bool(self._silent_until) and time.monotonic() < self._silent_until

    def _open_span(self) -> int:
        with self._lock:
            self._span_seq += 1
            self._spans.add(self._span_seq)
            return self._span_seq

    def _close_span(self, span: int) -> None:
        with self._lock:
            self._spans.discard(span)
            if self._spans or not self._held_out:
                return
            data, self._held_out = b"".join(self._held_out), []
            if self._master >= 0 and not self.mute and not self._is_silent():
                self._raw_write(data)

    def _sleep(self, seconds: float) -> bool:
        """Wait without blocking the reader; False when stopped or reset meanwhile."""
        generation = self._generation
        self._stopping.wait(seconds)
        return not self._stopping.is_set() and generation == self._generation

    # ---- scripted events ---------------------------------------------------------------------

    def call(self, number: str, toa: int | None = None, *, rings: int = 2, withheld: bool = False,
             wait: bool = True, answered: bool = False, linger: float | None = None,
             talk: float | None = None, forwarded: bool = False) -> threading.Thread:
        """An incoming call: rings, then the caller gives up `linger` s after the last RING (half
        a ring interval unless given), or, with `answered`, someone picks up then and the family
        prints its answered line — SIM7600 `VOICE CALL: BEGIN`, +CLCC stat 0 where AT+CLCC=1 is
        on — and the call ends `talk` s later (a ring interval unless given). AT+CLCC lists the
        call from its first line until its end (stat 4, then 0 once answered). An unanswered call
        with a number goes into the missed-calls phonebook. `forwarded`: the call was forwarded here
        from another line; with AT+CSSN=1,1 on, the network's "+CSSU: 0" comes before the first RING
        (27.007 §7.17: code2 0 is sent during mobile-terminated call set-up)."""
        toa = toa if toa is not None else (145 if number.startswith("+") else 129)
        thread = threading.Thread(target=self._play_call, args=(number, toa, rings, withheld, answered, linger,
                                                                talk, forwarded), daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def _play_call(self, number: str, toa: int, rings: int, withheld: bool, answered: bool = False,
                   linger: float | None = None, talk: float | None = None, forwarded: bool = False) -> None:
        values = {"number": "" if withheld else number, "toa": 128 if withheld else toa,
                  "time": time.strftime("%I:%M%p").lstrip("0")}
        family = self.family
        self.hung_up = False
        call = self.active_call = _Call(values["number"], values["toa"])
        if forwarded and "AT+CSSN=1,1" in self.state.switches:
            self.emit("+CSSU: 0")
        for switch, line in family.start:
            if not switch or switch in self.state.switches:
                self.emit(line.format(**values))
        for ring in range(rings):
            if ring:
                time.sleep(self.ring_interval)
            if self.hung_up:
                self._call_gone(call)
                self._missed(number, toa, withheld)
                return
            if "AT+CRC=1" in self.state.switches:
                self.emit("+CRING: VOICE")
            else:
                self.write(family.ring.encode())
            if "AT+CLIP=1" in self.state.switches:
                self.emit((family.withheld_clip if withheld else family.clip).format(**values))
            for noise in family.noise[:1]:
                self.emit(noise)
        end = family.end
        time.sleep(self.ring_interval / 2 if linger is None else linger)
        if answered:
            call.stat = 0
            for switch, line in family.answered:
                if not switch or switch in self.state.switches:
                    self.emit(line.format(**values))
            time.sleep(self.ring_interval if talk is None else talk)
            end = family.answered_end if family.answered_end is not None else family.end
        self.call_ends.append(time.monotonic())
        if not end:
            self._call_gone(call)          # nothing printed: the call list is the only sign
        for switch, line in end:
            if not switch or switch in self.state.switches:
                self.emit(line.format(**values))
        self._call_gone(call)              # after its end lines, so a list asked meanwhile still has it
        if not answered:
            self._missed(number, toa, withheld)

    def _call_gone(self, call: _Call) -> None:
        with self._lock:
            if self.active_call is call:
                self.active_call = None

    def _missed(self, number: str, toa: int, withheld: bool) -> None:
        """The modem's missed-calls list ("MC" phonebook, 27.007 §8.11): numbered calls only."""
        if withheld or not number:
            return
        with self._lock:
            self.missed_calls.append((number, toa))
            del self.missed_calls[:-MC_TOTAL]

    def receive_sms(self, sender: str, text: str, *, at: datetime | None = None) -> list[int]:
        """An SMS arrives from `sender`: stored in <mem3> and announced with +CMTI (or given
        whole with +CMT when CNMI mt=2). Returns the indexes it was stored at (none for +CMT, or
        for parts the network holds because the storage is full)."""
        pdus = deliver_pdus(sender, text, sent_at=at or datetime.now(timezone.utc),
                            ref=(len(self.state.storage) * 7 + 3) % 256)
        indexes = []
        for pdu in pdus:
            index = self.receive_pdu(pdu)
            if index is not None:
                indexes.append(index)
        return indexes

    def receive_pdu(self, pdu_hex: str) -> int | None:
        """Any SMS-DELIVER PDU arrives (27.005 §3.4.1): with CNMI mt=2 it is printed with +CMT;
        otherwise stored in <mem3> at the lowest free index and, with mt=1 (or 3), announced
        `+CMTI: "<mem3>",<index>` (mt=0: stored silently). When <mem3> is full it is not stored:
        the network holds it (RP-ERROR 22, 24.011 §8.2.5.4) in `held`, and the family's full
        notice is printed once. Returns the index, or None."""
        pdu_hex = pdu_hex.strip().upper()
        with self._lock:
            mt = self.state.cnmi_mt
            if mt == 2:
                self._urc_write(self._cmt(pdu_hex))
                return None
            mem = self.cpms[2]
            index = self._free_index(mem)
            if index is None:
                self.held.append(pdu_hex)
                self._memory_available = False
                if self.family.full_notice and not self._full_announced:
                    self._full_announced = True
                    self._urc(self.family.full_notice.format(mem=mem))
                return None
            self.storages[mem][index] = pdu_hex
            self.stats.setdefault(mem, {})[index] = 0
            if mt in (1, 3):
                self._urc(f'+CMTI: "{mem}",{index}')
            return index

    def preload(self, pdu_hex: str, *, stat: int = 1, storage: str = "SM") -> int:
        """A message already on the SIM (an old phone's inbox, drafts with stat 2, sent texts
        with stat 3): stored at the lowest free index, announced to nobody."""
        storage = storage.upper()
        with self._lock:
            index = self._free_index(storage)
            if index is None:
                raise ValueError(f"{storage} is full")
            self.storages[storage][index] = pdu_hex.strip().upper()
            self.stats.setdefault(storage, {})[index] = stat
            return index

    def reset(self, boot_lines: bool = True, delay: float = 0.05) -> threading.Thread:
        """The modem reboots with the port kept open (a brown-out or a watchdog reset while USB
        stays; MODEMS.md "When a modem resets by itself"). What was under way is dropped and the
        factory state returns: echo on, caller ID off, every switch forgotten, CNMI 0,0,0,0,0
        (new SMS stored, not announced), text mode, CPMS the family default, the SIM locked
        again if it has a PIN. SIM storages and the missed-calls list are kept. Nothing is
        answered for `delay` s; then the family's boot lines are printed a few ms apart."""
        with self._lock:
            self._generation += 1
            self.resets.append(time.monotonic())
            self._spans.clear()
            self._held_out.clear()
            self._after.clear()
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self.state = self._factory_state()
            self.cpms = list(self.family.cpms_default)
            self._silent_until = time.monotonic() + delay if delay > 0 else 0.0
            self.hung_up = True           # a call that was ringing is gone with the reboot
            self.active_call = None
        thread = threading.Thread(target=self._boot, args=(delay, boot_lines, self._generation), daemon=True)
        thread.start()
        return thread

    def _factory_state(self) -> _State:
        return _State(echo=True, unlocked=self.pin is None, storage=self.storages["SM"],
                      cnmi=(0, 0, 0, 0, 0), cmgf=1)

    def _boot(self, delay: float, boot_lines: bool, generation: int) -> None:
        if delay > 0:
            self._stopping.wait(delay)
        if generation != self._generation:
            return
        self._silent_until = 0.0
        if not boot_lines:
            return
        for line in self.family.boot:
            if line == "+CPIN: READY" and not self.state.unlocked:
                self._urc("+CPIN: SIM PIN")
                return                     # the rest comes only once the SIM is unlocked
            self._urc(line)
            if self._stopping.wait(0.005) or generation != self._generation:
                return

    def under_voltage(self, power_down: bool = False) -> threading.Thread | None:
        """A weak supply (SIM800 AT manual V1.09, "UNDER-VOLTAGE WARNNING", spelt so). With
        `power_down` the modem prints `UNDER-VOLTAGE POWER DOWN` at once (it is not held: the
        supply is collapsing), answers nothing for `power_down_seconds`, then boots like
        `reset()`. Families without these lines only do the silent power-down."""
        warning, down = self.family.under_voltage
        if not power_down:
            if warning:
                self._urc(warning)
            return None

        def run() -> None:
            with self._lock:
                if down and self._master >= 0 and not self.mute:
                    self._raw_write(f"\r\n{down}\r\n".encode())
                self._spans.clear()
                self._held_out.clear()
                self._generation += 1
                self._silent_until = time.monotonic() + self.power_down_seconds
            if self._stopping.wait(self.power_down_seconds):
                return
            self.reset(boot_lines=True, delay=0)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def stall(self, prefix: str, seconds: float, times: int = 1) -> None:
        """The next `times` commands starting with `prefix` (e.g. "AT+COPS?") are answered in
        full only after `seconds` — a late answer, as gammu/gammu#4 and ModemManager's time-out
        handling (src/mm-base-modem.c) meet. Lines that arrive meanwhile are queued and answered
        in order afterwards."""
        with self._lock:
            self._stalls.append([prefix.upper(), seconds, times])

    def _take_stall(self, command: str) -> float:
        with self._lock:
            upper = command.upper()
            for stall in self._stalls:
                if upper.startswith(stall[0]) and stall[2] > 0:
                    stall[2] -= 1
                    if stall[2] <= 0:
                        self._stalls.remove(stall)
                    return stall[1]
        return 0.0

    # ---- the AT engine -----------------------------------------------------------------------

    def _serve(self, run: object) -> None:
        """Reader: command lines (and the data after AT+CMGS) off the port, into the queue."""
        buffer = b""
        data_for: int | None = None
        generation = self._generation
        while self._alive and self._run is run:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                chunk = os.read(self._master, 4096)
            except (OSError, ValueError):
                time.sleep(0.05)
                continue
            if generation != self._generation:        # reset: whatever was half-read is lost
                generation, buffer, data_for = self._generation, b"", None
            if self._is_silent():
                continue
            buffer += chunk
            while True:
                if data_for is not None:
                    end = re.search(rb"[\x1a\x1b]", buffer)
                    if not end:
                        break
                    raw_data, cancel = buffer[:end.start()], buffer[end.start()] == 0x1B
                    buffer = buffer[end.end():]
                    self._queue.put(("data", raw_data, cancel, data_for))
                    data_for = None
                    continue
                if b"\r" not in buffer:
                    break
                raw, buffer = buffer.split(b"\r", 1)
                command = raw.decode(errors="replace").strip()
                if not command:
                    continue
                with self._lock:
                    if self._cmgs_span is not None and self._cmgs_span in self._spans:
                        self.during_send.append(command)
                span = self._open_span()
                expects_data = not self.mute and self._cmgs_data_expected(command)
                self._queue.put(("command", raw, command, span, expects_data))
                if expects_data:
                    data_for = span
                    self._cmgs_span = span

    def _cmgs_data_expected(self, command: str) -> bool:
        if not command.upper().startswith("AT+CMGS="):
            return False
        argument = command.split("=", 1)[1].split(",")[0].strip()
        if self.state.cmgf == 1:
            return bool(argument)
        return argument.isdigit()

    def _work(self, run: object) -> None:
        """Worker: answers the queued lines one after the other (so a stalled one delays those
        behind it, as on a real modem)."""
        self._tl.answer = True
        while self._alive and self._run is run:
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            span = item[3]
            keep_open = False
            try:
                if item[0] == "command":
                    keep_open = self._take_command(item[1], item[2], item[4])
                else:
                    self._take_data(item[1], item[2])
            except Exception:          # a bug here must not kill the modem
                log.exception("simulator failed on %r", item[:3])
            if not keep_open:
                self._close_span(span)
                after, self._after = self._after, []
                for action in after:
                    try:
                        action()
                    except Exception:
                        log.exception("simulator follow-up failed")

    def _take_command(self, raw: bytes, command: str, expects_data: bool) -> bool:
        """One command line; True when its answer waits for the data after a prompt."""
        self.command_times.append(time.monotonic())
        self.commands.append(command)
        if self._is_silent():
            return expects_data
        if self.state.echo:
            self._echo(raw)
        self._received(command)
        if self.mute:
            return expects_data
        delay = self._take_stall(command)
        if delay and not self._sleep(delay):
            return False
        if expects_data:
            self.cmgs_times.append(time.monotonic())
            self._cmgs_target = command.split("=", 1)[1].split(",")[0].strip().strip('"')
            self._prompt()
            return True
        if command.upper().startswith("AT+CMGS="):      # a length that is not a number
            self.emit("+CMS ERROR: 304")
            return False
        self._answer(command)
        return False

    def _take_data(self, raw_data: bytes, cancel: bool) -> None:
        if self._is_silent():
            return
        if self.state.echo:
            self.write(raw_data + b"\x1a")      # a modem in echo mode echoes the PDU too
        if cancel or self.mute:
            return
        if self.state.cmgf == 1:
            self._submit_text(self._cmgs_target, raw_data.decode("latin-1"))
        else:
            self._submit(raw_data.decode(errors="replace").strip())

    # hooks a variant modem overrides (tests of modems we have not seen)

    def _echo(self, raw: bytes) -> None:
        self.write(raw + b"\r")

    def _received(self, command: str) -> None:
        """Called for every command line, after its echo and before the answer."""

    def _prompt(self) -> None:
        self.write(b"\r\n> ")

    def _ok(self, *lines: str) -> None:
        self.write("".join(f"\r\n{line}\r\n" for line in lines).encode() + b"\r\nOK\r\n")

    def answer(self, prefix: str, *lines: str) -> None:
        """From now on, commands starting with `prefix` get exactly `lines` (the last one is the
        final result: "OK", "ERROR", "+CME ERROR: 30" …). For the queries whose answers depend
        on the SIM and the network: AT+CCFC (forwarding), AT+CNUM, AT+CIMI, AT+COPS?, AT+CSCA?.
        `answer(prefix)` with no lines goes back to the simulator's own answer."""
        with self._lock:
            if lines:
                self._answers[prefix.upper()] = tuple(lines)
            else:
                self._answers.pop(prefix.upper(), None)

    def _scripted(self, upper: str) -> tuple[str, ...] | None:
        with self._lock:
            for prefix, lines in self._answers.items():
                if upper.startswith(prefix):
                    return lines
        return None

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if command in self.refuse:
            return self.emit("ERROR")
        scripted = self._scripted(upper)
        if scripted is not None:
            self.write("".join(f"\r\n{line}\r\n" for line in scripted).encode())
            return
        family = self.family
        state = self.state
        if upper in ("AT", "ATZ"):
            return self._ok()
        if upper in ("AT+CHUP", "ATH", "ATH0"):
            self.hung_up = True
            self.active_call = None
            return self._ok()
        if upper in ("ATE0", "ATE1"):
            state.echo = upper == "ATE1"
            return self._ok()
        if upper.startswith("AT+CMEE"):
            return self._cmee(upper)
        if upper.startswith("ATS0"):       # V.250 §6.3.8: answer after n rings (0 = never); AT&W keeps it
            if upper == "ATS0?":
                return self._ok(f"{self.auto_answer_rings:03d}")
            value = upper[5:] if upper.startswith("ATS0=") else ""
            if not value.isdigit() or int(value) > 255:
                return self.emit("ERROR")
            self.auto_answer_rings = int(value)
            return self._ok()
        if upper == "AT^CVOICE?" and self.family.name == "huawei":   # voice on (a data-only firmware: ERROR)
            return self._ok("^CVOICE: 0,8000,16,20")
        if upper.startswith("AT+CSCS"):    # 27.007 §5.5: the character set of strings (numbers too)
            if upper == "AT+CSCS=?":
                return self._ok('+CSCS: ("IRA","GSM","UCS2")')
            if upper == "AT+CSCS?":
                return self._ok(f'+CSCS: "{self.charset}"')
            wanted = upper[8:].strip('"') if upper.startswith("AT+CSCS=") else ""
            if wanted not in ("IRA", "GSM", "UCS2"):
                return self.emit("+CME ERROR: 4")
            self.charset = wanted
            return self._ok()
        if upper.startswith("AT+CSMP"):
            return self._ok()
        if upper.startswith("AT+CMGF"):
            return self._cmgf(upper)
        if upper.startswith("AT+CFUN") or upper in family.reset_commands:
            return self._cfun(upper)
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
        if upper in ("AT+CLIP=1", "AT+CLIP=0"):
            (state.switches.add if upper.endswith("1") else state.switches.discard)("AT+CLIP=1")
            return self._ok()
        if upper == "AT+CLIP?":      # 27.007 §7.6: <n> as set, <m> 1 = CLIP provisioned
            return self._ok(f"+CLIP: {1 if 'AT+CLIP=1' in state.switches else 0},1")
        if upper == "AT+CLIP=?":
            return self._ok("+CLIP: (0,1)")
        if upper.startswith("AT+CNMI"):
            return self._cnmi(upper)
        if upper.startswith("AT+CLCC"):
            return self._clcc(upper)
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
        if upper.startswith("AT+CPMS"):
            return self._cpms(upper)
        if upper.startswith("AT+CCFC="):     # 27.007 §7.11 query (mode 2): not active, voice
            return self._ok("+CCFC: 0,1")
        if upper.startswith("AT+CSSN="):    # 27.007 §7.17 <n>,<m>: +CSSI / +CSSU on or off
            (state.switches.add if upper == "AT+CSSN=1,1" else state.switches.discard)("AT+CSSN=1,1")
            return self._ok()
        if upper == "AT+CNUM":              # 27.007 §7.1; many SIMs hold no own number (bare OK)
            return self._ok('+CNUM: "","+447700900123",145')
        if upper == "AT+CIMI":              # 27.007 §5.6: MCC 234 (UK), MNC 15
            return self._ok("234150123456789")
        if upper.startswith("AT+CMGL"):
            return self._cmgl(upper)
        if upper.startswith("AT+CMGR="):
            return self._cmgr(upper)
        if upper.startswith("AT+CMGD="):
            return self._cmgd(upper)
        if upper == "AT+CNMA":
            return self._cnma()
        if upper.startswith("AT+CPBS") or upper.startswith("AT+CPBR"):
            return self._phonebook(upper)
        self.emit("ERROR")

    # ---- settings ----------------------------------------------------------------------------

    def _cmee(self, upper: str) -> None:
        """27.007 §9.1: AT+CMEE? → +CMEE: <n>, as set (0 after a reset)."""
        if upper == "AT+CMEE?":
            return self._ok(f"+CMEE: {self.state.cmee}")
        if upper == "AT+CMEE=?":
            return self._ok("+CMEE: (0-2)")
        if upper in ("AT+CMEE", "AT+CMEE=0", "AT+CMEE=1", "AT+CMEE=2"):
            self.state.cmee = int(upper[-1]) if upper[-1].isdigit() else 0
            return self._ok()
        self.emit("ERROR")

    def _clcc(self, upper: str) -> None:
        """27.007 §7.18: AT+CLCC lists the current calls, one line each in the family's form, and a
        bare OK when there is none; the test form answers OK (or "+CLCC: (0-1)" where AT+CLCC=1
        turns on +CLCC URCs, as on SIMCom: ModemManager plugins/simtech). A family without a call
        list (`call_list` empty) answers ERROR to every form."""
        family = self.family
        if not family.call_list:
            return self.emit("ERROR")
        urcs = "AT+CLCC=1" in family.switches
        if upper == "AT+CLCC=?":
            return self._ok("+CLCC: (0-1)") if urcs else self._ok()
        if upper in ("AT+CLCC=0", "AT+CLCC=1") and urcs:
            (self.state.switches.add if upper.endswith("1") else self.state.switches.discard)("AT+CLCC=1")
            return self._ok()
        if upper != "AT+CLCC":
            return self.emit("ERROR")
        call = self.active_call
        if call is None:
            return self._ok()
        return self._ok(family.call_list.format(stat=call.stat, number=call.number, toa=call.toa))

    def _cmgf(self, upper: str) -> None:
        """27.005 §3.2.3: 0 PDU mode, 1 text mode."""
        if upper == "AT+CMGF?":
            return self._ok(f"+CMGF: {self.state.cmgf}")
        if upper == "AT+CMGF=?":
            return self._ok("+CMGF: (0,1)")
        if upper in ("AT+CMGF=0", "AT+CMGF=1"):
            self.state.cmgf = int(upper[-1])
            return self._ok()
        self.emit("ERROR")

    def _cnmi(self, upper: str) -> None:
        """27.005 §3.4.1: <mode>,<mt>,<bm>,<ds>,<bfr>; an omitted value is 0."""
        if upper == "AT+CNMI?":
            return self._ok("+CNMI: " + ",".join(str(v) for v in self.state.cnmi))
        if upper == "AT+CNMI=?":
            return self._ok("+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)")
        values = [v.strip() for v in upper.split("=", 1)[1].split(",")]
        if len(values) > 5 or not all(v.isdigit() or v == "" for v in values) or not values[0]:
            return self.emit("+CMS ERROR: 303")
        numbers = [int(v or 0) for v in values] + [0] * (5 - len(values))
        self.state.cnmi = tuple(numbers)        # type: ignore[assignment]
        self._ok()

    def _cfun(self, upper: str) -> None:
        """27.007 §8.2. The family's reset command (AT+CFUN=1,1; u-blox AT+CFUN=16; Huawei
        AT^RESET; Wavecom AT+CFUN=1) answers OK, then the modem reboots after
        `cfun_reset_delay` as in `reset()`."""
        if upper == "AT+CFUN?":
            return self._ok(f"+CFUN: {self.state.cfun}")
        if upper == "AT+CFUN=?":
            return self._ok("+CFUN: (0,1,4),(0,1)")
        if upper in self.family.reset_commands:
            self._ok()
            generation = self._generation

            def later() -> None:
                if not self._stopping.wait(self.cfun_reset_delay) and generation == self._generation:
                    self.reset(boot_lines=True)
            threading.Thread(target=later, daemon=True).start()
            return None
        match = re.fullmatch(r"AT\+CFUN=([014])(?:,0)?", upper)
        if match:
            self.state.cfun = int(match.group(1))
            return self._ok()
        self.emit("+CME ERROR: 4")

    # ---- SMS storages (27.005 §3.2.2, §3.4, §3.5) ---------------------------------------------

    def _used(self, mem: str) -> int:
        return len(self.storages.get(mem, {}))

    def _free_index(self, mem: str) -> int | None:
        store = self.storages.get(mem)
        if store is None:
            return None
        for index in range(1, self.capacity.get(mem, 0) + 1):
            if index not in store:
                return index
        return None

    def _stat(self, mem: str, index: int) -> int:
        return self.stats.setdefault(mem, {}).get(index, 0)

    def _mark_read(self, mem: str, index: int) -> None:
        if self._stat(mem, index) == 0:
            self.stats[mem][index] = 1

    def _cpms(self, upper: str) -> None:
        """27.005 §3.2.2: AT+CPMS? names and fills <mem1>,<mem2>,<mem3>; AT+CPMS="X"[,"Y"[,"Z"]]
        sets them and answers used,total for each. A modem with `cpms_fixed` (the MC75i case)
        lets only <mem1> move; an unknown storage is +CMS ERROR: 302."""
        if upper == "AT+CPMS?":
            return self._ok("+CPMS: " + ",".join(f'"{m}",{self._used(m)},{self.capacity.get(m, 0)}'
                                                 for m in self.cpms))
        names = ",".join(f'"{name}"' for name in self.storages)
        if upper == "AT+CPMS=?":
            return self._ok(f"+CPMS: ({names}),({names}),({names})")
        wanted = [v.strip().strip('"') for v in upper.split("=", 1)[1].split(",")]
        if not wanted[0] or len(wanted) > 3 or any(v and v not in self.storages for v in wanted):
            return self.emit("+CMS ERROR: 302")
        new = list(self.cpms)
        for position, name in enumerate(wanted):
            if name:
                new[position] = name
        if self.cpms_fixed and new[1:] != self.cpms[1:]:
            return self.emit("+CMS ERROR: 302")
        self.cpms = new
        self._after.append(self._memory_freed)
        self._ok("+CPMS: " + ",".join(f"{self._used(m)},{self.capacity.get(m, 0)}" for m in new))

    def _listing(self, mem: str, index: int) -> tuple[str, str]:
        """(+CMGL/+CMGR header fields after the index, the second line) in the current mode."""
        pdu = self.storages[mem][index]
        stat = self._stat(mem, index)
        if self.state.cmgf == 0:
            return f"{stat},,{tpdu_length(pdu)}", pdu
        return self._text_fields(pdu, stat)

    def _text_fields(self, pdu: str, stat: int) -> tuple[str, str]:
        """27.005 §3.4.3 text-mode rendering: "<stat>","<oa/da>",,"<scts>" and the text."""
        try:
            decoded = decodeSmsPdu(pdu)
        except Exception:
            return f'"{_STAT_NAMES.get(stat, "REC READ")}","",,""', pdu
        text = _join_surrogates(decoded.get("text", "") or "")
        number = decoded.get("number") or ""
        moment = decoded.get("time")
        if isinstance(moment, datetime):
            offset = moment.utcoffset()
            quarters = int(offset.total_seconds() // 900) if offset else 0
            stamp = moment.strftime("%y/%m/%d,%H:%M:%S") + f"{quarters:+03d}"
            return f'"{_STAT_NAMES.get(stat)}","{number}",,"{stamp}"', text
        return f'"{_STAT_NAMES.get(stat)}","{number}",', text

    def _cmt(self, pdu: str) -> bytes:
        if self.state.cmgf == 1:
            fields, text = self._text_fields(pdu, 0)
            number_and_time = fields.split(",", 1)[1]          # drop the stat: +CMT: <oa>,,<scts>
            return f"\r\n+CMT: {number_and_time}\r\n{text}\r\n".encode()
        return f"\r\n+CMT: ,{tpdu_length(pdu)}\r\n{pdu}\r\n".encode()

    def _index(self, value: str) -> int | None:
        value = value.strip()
        return int(value) if value.isdigit() else None

    def _cmgl(self, upper: str) -> None:
        """27.005 §3.4.2: every message in <mem1> with the stat asked (4 / "ALL" = all; PDU mode
        takes numbers, text mode names). Unread messages listed become read."""
        argument = upper.split("=", 1)[1].strip() if "=" in upper else ""
        if argument == "?":
            return self._ok("+CMGL: (0-4)" if self.state.cmgf == 0 else
                            '+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")')
        if self.state.cmgf == 0:
            if argument and not argument.isdigit():
                return self.emit("+CMS ERROR: 304")
            wanted = int(argument or 0)
        else:
            name = argument.strip('"') or "REC UNREAD"
            if name not in _STAT_CODES:
                return self.emit("+CMS ERROR: 305")
            wanted = _STAT_CODES[name]
        if wanted not in _STAT_NAMES:
            return self.emit("+CMS ERROR: 302")
        mem = self.cpms[0]
        lines = []
        for index in sorted(self.storages[mem]):
            if wanted != 4 and self._stat(mem, index) != wanted:
                continue
            fields, second = self._listing(mem, index)
            lines.append(f"+CMGL: {index},{fields}\r\n{second}")
            self._mark_read(mem, index)
        self._ok(*lines)

    def _cmgr(self, upper: str) -> None:
        """27.005 §3.4.3: one message of <mem1>; it becomes read. An index beyond the storage is
        +CMS ERROR: 321; an empty one is that too, or a bare OK on Huawei and Quectel."""
        index = self._index(upper.split("=", 1)[1])
        mem = self.cpms[0]
        if index is None:
            return self.emit("ERROR")
        if not 1 <= index <= self.capacity.get(mem, 0):
            return self.emit("+CMS ERROR: 321")
        if index not in self.storages[mem]:
            return self._ok() if self.family.empty_read == "bare_ok" else self.emit("+CMS ERROR: 321")
        fields, second = self._listing(mem, index)
        self._mark_read(mem, index)
        self._ok(f"+CMGR: {fields}\r\n{second}")

    def _cmgd(self, upper: str) -> None:
        """27.005 §3.5.4: AT+CMGD=<index>[,<delflag>] in <mem1>: delflag 0 that index, 1 every
        read message, 2 read and sent, 3 read, sent and unsent, 4 all (the index is ignored)."""
        values = [v.strip() for v in upper.split("=", 1)[1].split(",")]
        index = self._index(values[0]) if values[0] else 0
        flag = self._index(values[1]) if len(values) > 1 and values[1] else 0
        mem = self.cpms[0]
        if index is None or flag is None or flag > 4 or len(values) > 2:
            return self.emit("ERROR")
        store, stats = self.storages[mem], self.stats.setdefault(mem, {})
        if flag == 0:
            if not 1 <= index <= self.capacity.get(mem, 0):
                return self.emit("+CMS ERROR: 321")
            doomed = [index] if index in store else []
        else:
            kinds = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}[flag]
            doomed = [i for i in store if self._stat(mem, i) in kinds]
        for i in doomed:
            store.pop(i, None)
            stats.pop(i, None)
        if doomed:
            self._after.append(self._memory_freed)
        self._ok()

    def _cnma(self) -> None:
        """AT+CNMA: here, the ME telling the network it has room again (27.005 §3.4.4, the
        memory-available notification of 24.011 §7.3.2 on modems that need the TE to ask)."""
        self._memory_available = True
        self._after.append(self._memory_freed)
        self._ok()

    def _memory_freed(self) -> None:
        """After a delete (or AT+CNMA): held messages come in, oldest first, while there is room
        — at once on families with `auto_memory_available`, else once AT+CNMA was given."""
        with self._lock:
            mem = self.cpms[2]
            if self._free_index(mem) is None:
                return
            self._full_announced = False
            if not self.held or not (self.family.auto_memory_available or self._memory_available):
                return
            while self.held and self._free_index(mem) is not None:
                self.receive_pdu(self.held.pop(0))

    # ---- phonebooks (27.007 §8.11, §8.12) ------------------------------------------------------

    def _phonebook(self, upper: str) -> None:
        """AT+CPBS selects "SM" or "MC" (missed calls, where the family has it: else +CME ERROR:
        3); AT+CPBR=<a>[,<b>] lists entries, newest missed call first."""
        state = self.state
        total = MC_TOTAL if state.phonebook == "MC" else SM_PHONEBOOK_TOTAL
        if upper == "AT+CPBS?":
            used = len(self.missed_calls) if state.phonebook == "MC" else 0
            return self._ok(f'+CPBS: "{state.phonebook}",{used},{total}')
        if upper == "AT+CPBS=?":
            return self._ok('+CPBS: ("SM","MC")' if self.mc_supported else '+CPBS: ("SM")')
        if upper.startswith("AT+CPBS="):
            name = upper.split("=", 1)[1].strip().strip('"')
            if name == "SM" or (name == "MC" and self.mc_supported):
                state.phonebook = name
                return self._ok()
            return self.emit("+CME ERROR: 3")
        if upper == "AT+CPBR=?":
            return self._ok(f"+CPBR: (1-{total}),40,18")
        if upper.startswith("AT+CPBR="):
            values = [self._index(v) for v in upper.split("=", 1)[1].split(",")]
            if not values or None in values or len(values) > 2:
                return self.emit("+CME ERROR: 21")
            first, last = values[0], values[-1]
            if not 1 <= first <= last <= total:
                return self.emit("+CME ERROR: 21")
            entries = list(reversed(self.missed_calls)) if state.phonebook == "MC" else []
            lines = [f'+CPBR: {i},"{number}",{toa},""' for i, (number, toa) in enumerate(entries, start=1)
                     if first <= i <= last]
            return self._ok(*lines)
        self.emit("ERROR")

    # ---- sends ---------------------------------------------------------------------------------

    def _submit(self, pdu: str) -> None:
        if self.swallow_next_pdu:
            self.swallow_next_pdu = False
            return
        if self.cmgs_delay > 0 and not self._sleep(self.cmgs_delay):
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
        if self.after_submit is not None:
            hook = self.after_submit
            self._after.append(lambda: hook(part))

    def _submit_text(self, number: str, text: str) -> None:
        """Text mode: whatever followed AT+CMGS=<number> is a text to <number>."""
        if self.cmgs_delay > 0 and not self._sleep(self.cmgs_delay):
            return
        if self.cms_errors:
            return self.emit(f"+CMS ERROR: {self.cms_errors.popleft()}")
        self.text_mode_sends.append(TextModeSend(number, text, time.monotonic()))
        self.reference = (self.reference + 1) % 256
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
