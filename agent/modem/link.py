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

__all__ = ["Line", "SerialLink", "decode_line", "take_lines", "timeout_for", "answer_owns", "TIMEOUTS", "ANSWER_SHAPES"]

log = logging.getLogger(__name__)

_FINAL = re.compile(r"^(OK|ERROR|COMMAND NOT SUPPORT|TOO MANY PARAMETERS|\+CM[ES] ERROR:.*)$")
_OWNER = re.compile(r"^AT([+^*$#%][A-Z0-9]+)", re.IGNORECASE)
_EOL = re.compile(rb"[\r\n]")
_MAX_PARTIAL = 8192

# How long a command may take, by what it is (seconds). A congested network takes up to a minute
# to accept a text; AT+COPS? may search for minutes (vendors document up to 180 s) and is asked
# for with a bound; a keep-alive answers at once or the modem is in trouble.
TIMEOUTS: tuple[tuple[str, float], ...] = (
    ("AT+CMGS", 90.0), ("AT+COPS", 45.0), ("AT+CMGL", 15.0), ("AT+CPBR", 20.0), ("AT+CFUN", 30.0),
    ("AT+CPIN=", 15.0), ("AT+CPIN", 10.0), ("AT+CMGR", 10.0), ("AT+CMGD", 10.0), ("AT+CPMS", 10.0),
    ("AT+CCFC", 20.0), ("AT+CUSD", 20.0), ("AT+CLIP?", 3.0), ("AT+CNMI?", 3.0), ("AT+CMGF?", 3.0),
)
DEFAULT_TIMEOUT = 5.0

# What the answer of a query looks like, where an unsolicited line starts with the same prefix
# (27.007 read commands). A line of that prefix in any other shape, arriving while the query is in
# flight, is a URC: the caller ID of a call starting during the keep-alive's AT+CLIP? is
# `+CLIP: "07…",129,,,,0`, its answer `+CLIP: <n>,<m>` (§7.6: n 0–1, m 0–2); +CREG/+CGREG/+CEREG
# answer `<n>,<stat>[,…]` where the URC is `<stat>[,"<lac>",…]` (§7.2, §10.1.19, §10.1.22); +CUSD?
# answers `<n>` alone (§7.15). A query without a shape here (AT+CLCC, AT+CPMS?, AT+CPIN?) owns
# every line of its prefix: its answer and the URC cannot be told apart by their look.
ANSWER_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AT+CLIP?", re.compile(r"^\+CLIP:\s*[0-2]\s*(?:,\s*[0-2]\s*)?$")),
    ("AT+CREG?", re.compile(r"^\+CREG:\s*\d\s*,\s*\d+\s*(?:,.*)?$")),
    ("AT+CGREG?", re.compile(r"^\+CGREG:\s*\d\s*,\s*\d+\s*(?:,.*)?$")),
    ("AT+CEREG?", re.compile(r"^\+CEREG:\s*\d\s*,\s*\d+\s*(?:,.*)?$")),
    ("AT+CUSD?", re.compile(r"^\+CUSD:\s*\d\s*$")),
)
RESYNC_QUIET = 0.3          # seconds of silence before the marked AT of a resync
RESYNC_WAIT = 3.0           # how long the marker's answer may take
RESYNC_MARKER = "AT+CMEE?"  # a query whose own answer line tells its OK from a late one


def timeout_for(command: str) -> float:
    upper = command.upper()
    for prefix, seconds in TIMEOUTS:
        if upper.startswith(prefix):
            return seconds
    return DEFAULT_TIMEOUT


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


def answer_owns(command: str, text: str) -> bool:
    """Whether a line that arrives while `command` is in flight is part of its answer. A query or
    action (AT+CLCC, AT+CPIN?) owns the lines of its own prefix, in its answer's shape where
    ANSWER_SHAPES gives one; a set command (AT+CLIP=1) owns none, so a +CLIP URC arriving meanwhile
    is still a URC. Lines whose prefix is not a URC's are always the answer's (the link asks this
    only of URC-prefixed lines)."""
    match = _OWNER.match(command)
    if not match or "=" in command or not text.upper().startswith(match.group(1).upper()):
        return False
    upper = command.upper().strip()
    for query, shape in ANSWER_SHAPES:
        if upper == query:
            return bool(shape.match(text.strip()))
    return True


@dataclass
class _Pending:
    command: str
    want_prompt: bool = False
    lines: list[str] = field(default_factory=list)
    final: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    prompt: threading.Event = field(default_factory=threading.Event)

    def owns(self, text: str) -> bool:
        return answer_owns(self.command, text)


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
        self.expect_no_echo = False     # set once ATE0 was answered OK: an echo after that means a reset
        self.echo_seen = False
        self.last_progress = monotonic()   # last byte from the modem or command finished
        self.busy_until: float | None = None   # deadline of the command in flight (watchdog)
        self.abort_at: float | None = None     # stopping: waits end here (monotonic)
        self._marker_works = True

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

    def command(self, command: str, timeout: float | None = None, *, resync: bool = True) -> list[str]:
        """Send one AT command; return its information lines; raise on ERROR / timeout / lost port.
        Without `timeout`, the bound for this kind of command (TIMEOUTS). `resync=False` sends it
        even to a modem out of step (a reset command for a modem that answers nothing else)."""
        timeout = timeout_for(command) if timeout is None else timeout
        with self._lock:
            if resync:
                self._resync_if_needed()
            pending = self._start(command, want_prompt=False)
            try:
                self._write(command.encode() + b"\r")
                if not self._wait(pending.done, timeout):
                    self._needs_resync = True
                    raise ModemTimeout(f"{command}: no answer within {timeout:g} s")
            finally:
                self._pending = None
                self.busy_until = None
            self._check(pending)
            _raise_for(command, pending.final or "ERROR")
            self.last_progress = self.monotonic()
            return pending.lines

    def _wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait for an answer, at most `timeout` seconds, and never past `abort_at` (stopping)."""
        deadline = self.monotonic() + timeout
        self.busy_until = deadline
        while True:
            end = deadline if self.abort_at is None else min(deadline, self.abort_at)
            left = end - self.monotonic()
            if left <= 0:
                return event.is_set()
            if event.wait(min(left, 0.25)):
                return True

    def send_pdu(self, tpdu_length: int, pdu_hex: str, timeout: float | None = None) -> int | None:
        """AT+CMGS in PDU mode, holding the lock across prompt and PDU so nothing can interleave
        (python-gsmmodem releases it in between: an SMS arriving mid-send corrupts the PDU).
        Returns the message reference. ModemTimeout.after_pdu tells whether the PDU was written."""
        command = f"AT+CMGS={tpdu_length}"
        timeout = timeout_for(command) if timeout is None else timeout
        written = False
        with self._lock:
            self._resync_if_needed()
            pending = self._start(command, want_prompt=True)
            try:
                self._write(command.encode() + b"\r")
                deadline = self.monotonic() + 10.0
                self.busy_until = deadline
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
                if not self._wait(pending.done, timeout):
                    self._needs_resync = True
                    raise ModemTimeout(f"{command}: no answer within {timeout:g} s after the PDU")
                self._check(pending)
            except ModemError as error:
                error.after_pdu = written
                raise
            finally:
                self._pending = None
                self.busy_until = None
            self.last_progress = self.monotonic()
            _raise_for(command, pending.final or "ERROR")
            for line in pending.lines:
                match = re.match(r"^\+CMGS:\s*(\d+)", line)
                if match:
                    return int(match.group(1))
            return None

    def interrupt(self, why: str) -> None:
        """The modem rebooted under a command (a start-up line came): no answer will come, so the
        command in flight ends now with ModemTimeout instead of waiting out its time-out."""
        pending = self._pending
        if pending is not None and not pending.done.is_set():
            pending.interrupted = why              # type: ignore[attr-defined]
            pending.done.set()

    def out_of_step(self) -> None:
        """An answer did not belong to its command: resynchronise before the next one."""
        self._needs_resync = True

    # ---- internals ---------------------------------------------------------------------------

    def _resync_if_needed(self) -> None:
        """After a time-out the modem may still answer the old command (a late "+COPS: …" then OK).
        Wait for silence, then send a marked AT (RESYNC_MARKER) and take only the OK that follows the
        marker's own answer line: whatever came before it was late, and nobody's answer."""
        if not self._needs_resync or not self.alive:
            return
        quiet_since = self.monotonic()
        seen = self.last_progress
        deadline = quiet_since + RESYNC_WAIT
        while self.monotonic() < deadline:          # silence: no byte for RESYNC_QUIET seconds
            if self.last_progress != seen:
                seen, quiet_since = self.last_progress, self.monotonic()
            if self.monotonic() - quiet_since >= RESYNC_QUIET:
                break
            threading.Event().wait(0.05)
        if self._marker_works and not self._resync_with(RESYNC_MARKER, marker="+CMEE:"):
            log.info("%s: no marked answer to %s; resynchronising with a plain AT from now on", self.port,
                     RESYNC_MARKER)
            self._marker_works = False
        if not self._marker_works and not self._resync_with("AT"):
            raise ModemTimeout(f"{self.port}: no answer to AT while resynchronising")
        self._needs_resync = False

    def _resync_with(self, command: str, marker: str | None = None) -> bool:
        pending = _Pending(command)
        pending.marker = marker                           # type: ignore[attr-defined]
        self._pending = pending
        try:
            self._write(command.encode() + b"\r")
            if not self._wait(pending.done, RESYNC_WAIT):
                return False
            if marker is None:
                quiet = _Pending("AT")            # absorbs a second final for a short moment
                self._pending = quiet
                quiet.done.wait(0.2)
            return True
        finally:
            self._pending = None
            self.busy_until = None

    def _start(self, command: str, want_prompt: bool) -> _Pending:
        if not self.alive:
            raise ModemGone(f"{self.port}: link is down ({self.failure or 'not open'})")
        pending = _Pending(command, want_prompt=want_prompt)
        self._pending = pending
        return pending

    def _check(self, pending: _Pending) -> None:
        if pending.final is None and self.failure is not None:
            raise ModemGone(f"{self.port}: {self.failure}")
        why = getattr(pending, "interrupted", None)
        if why is not None and pending.final is None:
            raise ModemTimeout(f"{pending.command}: {why}")

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
            self.last_progress = self.monotonic()
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
                if self.expect_no_echo:
                    self.echo_seen = True   # echo is back after ATE0: the modem was reset
                return  # echo (before ATE0 takes effect)
            marker = getattr(pending, "marker", None)
            if marker is not None:
                if text.startswith(marker):
                    pending.marker = None       # type: ignore[attr-defined]  # from here on, its OK is ours
                elif _FINAL.match(text):
                    log.info("late answer %r dropped while resynchronising", text)
                    return
                elif not text.startswith(URC_PREFIXES):
                    return                      # a line of a late answer

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
