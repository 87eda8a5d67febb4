"""The serial line to the modem: one reader thread, one lock around "send a command and wait".

The reader splits bytes into lines on CR or LF (so RING framed CR CR LF is one line), decodes
them without ever dying on bad bytes, and routes each line: the reply of the command in flight,
or an unsolicited line (URC) — a RING arriving in the middle of a reply is still a RING.
"""

from __future__ import annotations

import logging
import re
import termios
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import serial

from agent.errors import CommandError, ModemError, ModemGone, ModemTimeout
from agent.modem.urc import PDU_FOLLOWS, URC_PREFIXES

__all__ = ["Line", "SerialLink", "decode_line", "take_lines"]

log = logging.getLogger(__name__)

_FINAL = re.compile(r"^(OK|ERROR|COMMAND NOT SUPPORT|TOO MANY PARAMETERS|\+CM[ES] ERROR:.*)$")
_OWNER = re.compile(r"^AT([+^*$#%][A-Z0-9]+)", re.IGNORECASE)
_EOL = re.compile(rb"[\r\n]")
_MAX_PARTIAL = 8192


@dataclass(frozen=True)
class Line:
    """One unsolicited line, when it arrived (monotonic seconds), and its PDU line if it has one."""
    text: str
    at: float
    pdu: str | None = None


def decode_line(raw: bytes) -> str:
    """Bytes → text, never failing (python-gsmmodem's reader dies on non-UTF-8: babca PR #121)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return "".join(ch for ch in text if ch.isprintable() or ch == "\t").strip()


def take_lines(buffer: bytearray) -> list[str]:
    """Remove every complete line (ended by CR or LF) from the front of buffer; return them decoded,
    empty ones dropped. What follows the last CR/LF stays in buffer for the next read."""
    lines = []
    while True:
        match = _EOL.search(buffer)
        if match is None:
            return lines
        text = decode_line(bytes(buffer[:match.start()]))
        del buffer[:match.end()]
        if text:
            lines.append(text)


@dataclass
class _Pending:
    command: str
    want_prompt: bool = False
    lines: list[str] = field(default_factory=list)
    final: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    prompt: threading.Event = field(default_factory=threading.Event)

    def owns(self, text: str) -> bool:
        """A query or action (AT+CLCC, AT+CPIN?) owns its own prefix's lines; a set command
        (AT+CLIP=1) owns none, so a +CLIP URC arriving meanwhile is still a URC."""
        match = _OWNER.match(self.command)
        return bool(match) and "=" not in self.command and text.upper().startswith(match.group(1).upper())


def _raise_for(command: str, final: str) -> None:
    if final == "OK":
        return
    match = re.match(r"^\+(CM[ES]) ERROR:\s*(.*)$", final)
    if match:
        kind, detail = match.groups()
        code = int(detail) if detail.strip().isdigit() else None
        raise CommandError(command, kind, code, "" if code is not None else detail.strip())
    raise CommandError(command, "ERROR", None, final if final != "ERROR" else "")


class SerialLink:
    """Owns the port. `on_line` is called from the reader thread with each unsolicited Line."""

    def __init__(self, port: str, baudrate: int = 115200, *, flow_control: str = "none", trace: bool = False,
                 on_line: Callable[[Line], None] = lambda line: None, monotonic: Callable[[], float] = time.monotonic):
        self.port = port
        self.baudrate = baudrate
        self.flow_control = flow_control
        self.trace = trace
        self.on_line = on_line
        self.monotonic = monotonic
        self.failure: Exception | None = None
        self._serial: serial.Serial | None = None
        self._lock = threading.RLock()
        self._pending: _Pending | None = None
        self._pdu_header: str | None = None
        self._needs_resync = False
        self._alive = False
        self._reader: threading.Thread | None = None

    # ---- life cycle --------------------------------------------------------------------------

    def open(self) -> None:
        try:
            # Flow control is ours to choose: python-gsmmodem forces RTS/CTS + DSR/DTR on, which
            # times out on SIM800 boards and UART wiring (babca/python-gsmmodem#63, #102).
            self._serial = serial.Serial(self.port, self.baudrate, timeout=0.2, write_timeout=5,
                                         rtscts=self.flow_control == "rtscts", dsrdtr=False, exclusive=True)
        except FileNotFoundError:
            raise ModemGone(f"{self.port}: no such port (is the modem plugged in?)") from None
        except (serial.SerialException, OSError) as e:
            raise ModemGone(f"{self.port}: cannot open: {e}") from None
        self.failure = None
        self._alive = True
        self._reader = threading.Thread(target=self._read_loop, name="modem-reader", daemon=True)
        self._reader.start()

    def close(self) -> None:
        self._alive = False
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError, termios.error):
                pass
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=2)
        self._fail_pending()

    @property
    def alive(self) -> bool:
        return self._alive and self.failure is None and self._reader is not None and self._reader.is_alive()

    # ---- commands ----------------------------------------------------------------------------

    def command(self, command: str, timeout: float = 5.0) -> list[str]:
        """Send one AT command; return its information lines; raise on ERROR / timeout / lost port."""
        with self._lock:
            self._resync_if_needed()
            pending = self._start(command, want_prompt=False)
            try:
                self._write(command.encode() + b"\r")
                if not pending.done.wait(timeout):
                    self._needs_resync = True
                    raise ModemTimeout(f"{command}: no answer within {timeout:g} s")
            finally:
                self._pending = None
            self._check(pending)
            _raise_for(command, pending.final or "ERROR")
            return pending.lines

    def send_pdu(self, tpdu_length: int, pdu_hex: str, timeout: float = 60.0) -> int | None:
        """AT+CMGS in PDU mode, holding the lock across prompt and PDU so nothing can interleave
        (python-gsmmodem releases it in between: an SMS arriving mid-send corrupts the PDU).
        Returns the message reference. ModemTimeout.after_pdu tells whether the PDU was written."""
        command = f"AT+CMGS={tpdu_length}"
        written = False
        with self._lock:
            self._resync_if_needed()
            pending = self._start(command, want_prompt=True)
            try:
                self._write(command.encode() + b"\r")
                deadline = self.monotonic() + 10.0
                while not pending.prompt.is_set() and not pending.done.is_set():
                    if self.monotonic() > deadline or not self._alive:
                        self._write(b"\x1b")  # cancel: nothing was sent
                        self._needs_resync = True
                        raise ModemTimeout(f"{command}: no '>' prompt")
                    pending.prompt.wait(0.05)
                if pending.done.is_set() and not pending.prompt.is_set():
                    self._check(pending)
                    _raise_for(command, pending.final or "ERROR")   # refused (e.g. +CMS ERROR: 302)
                    # a bare OK before the prompt answers some earlier command, not ours: never write blind
                    self._write(b"\x1b")
                    self._needs_resync = True
                    raise ModemTimeout(f"{command}: a stray final result came instead of the '>' prompt")
                written = True
                self._write(pdu_hex.encode() + b"\x1a")
                if not pending.done.wait(timeout):
                    self._needs_resync = True
                    raise ModemTimeout(f"{command}: no answer within {timeout:g} s after the PDU")
                self._check(pending)
            except ModemError as error:
                error.after_pdu = written
                raise
            finally:
                self._pending = None
            _raise_for(command, pending.final or "ERROR")
            for line in pending.lines:
                match = re.match(r"^\+CMGS:\s*(\d+)", line)
                if match:
                    return int(match.group(1))
            return None

    # ---- internals ---------------------------------------------------------------------------

    def _resync_if_needed(self) -> None:
        """After a time-out the modem may still answer the old command: swallow that late answer with
        a plain AT before the next command, so no reply is taken for another command's."""
        if not self._needs_resync or not self.alive:
            return
        self._needs_resync = False
        pending = self._start("AT", want_prompt=False)
        try:
            self._write(b"AT\r")
            pending.done.wait(1.0)
            quiet = _Pending("AT")          # absorbs a second final for a short moment
            self._pending = quiet
            quiet.done.wait(0.2)
        finally:
            self._pending = None

    def _start(self, command: str, want_prompt: bool) -> _Pending:
        if not self.alive:
            raise ModemGone(f"{self.port}: link is down ({self.failure or 'not open'})")
        pending = _Pending(command, want_prompt=want_prompt)
        self._pending = pending
        return pending

    def _check(self, pending: _Pending) -> None:
        if pending.final is None and self.failure is not None:
            raise ModemGone(f"{self.port}: {self.failure}")

    def _write(self, data: bytes) -> None:
        if self.trace:
            log.debug("AT> %r", data)
        try:
            assert self._serial is not None
            self._serial.write(data)
            self._serial.flush()
        except (serial.SerialException, OSError, termios.error) as e:   # tcdrain on a vanished pty: termios.error
            self._lost(e)
            raise ModemGone(f"{self.port}: write failed: {e}") from None

    def _read_loop(self) -> None:
        buffer = bytearray()
        while self._alive:
            try:
                assert self._serial is not None
                chunk = self._serial.read(self._serial.in_waiting or 1)
            except (serial.SerialException, OSError, termios.error, TypeError, AttributeError) as e:
                if self._alive:
                    self._lost(e)
                return
            if not chunk:
                continue
            buffer += chunk
            for text in take_lines(buffer):
                self._route(text)
            pending = self._pending
            if pending is not None and pending.want_prompt and buffer.strip().startswith(b">"):
                buffer.clear()
                pending.prompt.set()
            if len(buffer) > _MAX_PARTIAL:
                log.warning("dropping %d bytes of unterminated noise from the modem", len(buffer))
                buffer.clear()

    def _route(self, text: str) -> None:
        if self.trace:
            log.debug("AT< %s", text)
        now = self.monotonic()
        if self._pdu_header is not None:
            header, self._pdu_header = self._pdu_header, None
            self._deliver(Line(header, now, pdu=text))
            return
        pending = self._pending
        if pending is not None and not pending.done.is_set():
            if text.upper() == pending.command.upper():
                return  # echo (before ATE0 takes effect)
            if pending.want_prompt and text.startswith(">"):
                pending.prompt.set()
                return
            if _FINAL.match(text):
                pending.final = text
                pending.done.set()
                return
            if not (text.startswith(URC_PREFIXES) and not pending.owns(text)):
                pending.lines.append(text)
                return
        if text.startswith(PDU_FOLLOWS):
            self._pdu_header = text
            return
        self._deliver(Line(text, now))

    def _deliver(self, line: Line) -> None:
        try:
            self.on_line(line)
        except Exception:  # the reader must outlive a faulty consumer
            log.exception("handler failed on %r", line.text)

    def _lost(self, error: Exception) -> None:
        log.warning("modem port %s lost: %s", self.port, error)
        self.failure = error
        self._alive = False
        self._fail_pending()

    def _fail_pending(self) -> None:
        pending = self._pending
        if pending is not None:
            pending.done.set()
            pending.prompt.set()
