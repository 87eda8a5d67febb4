"""The agent's main loop: one thread owns the modem and handles its lines in arrival order.

The serial reader thread only splits lines and queues them. This loop takes them one by one
(RING before NO CARRIER), ends silent calls on time, sends due texts, polls the modem's health,
and reconnects with backoff when the port goes away. Every AT command is issued from here.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime, timedelta
from typing import Callable

from agent.call_outcome import settle_call, settle_pending_calls
from agent.call_tracker import CallTracker, MissedCall
from agent.clock import Clock, SystemClock, parse_utc
from agent.config import Config
from agent.errors import CommandError, ModemError, SimPinRequired
from agent.events import SmsDelivered, SmsStored, StatusReportDelivered, StatusReportStored, Unknown
from agent.inbound import Inbound
from agent.modem.link import Line, SerialLink
from agent.modem.modem import Modem
from agent.modem.urc import parse_urc
from agent.numbers import caller_number
from agent.sender import BACKOFF_SECONDS, Sender
from agent.scheduler import start_jobs
from agent.store import Store

__all__ = ["Service"]

log = logging.getLogger(__name__)

RECONNECT_BACKOFF = (1, 2, 5, 10, 30)
PING_EVERY = 10.0          # seconds between keep-alive ATs: a silent unplug is noticed within ~10 s
STATUS_EVERY = 60.0
SWEEP_EVERY = 60.0         # list the SIM's messages and close overdue partial messages
PING_FAILURES_BEFORE_RESET = 2


class Service:
    def __init__(self, config: Config, store: Store, clock: Clock | None = None,
                 on_missed_call: Callable[[int], None] | None = None, *, ping_every: float = PING_EVERY,
                 retry_backoff: tuple[float, ...] = BACKOFF_SECONDS, followup_every: float = 60.0):
        self.config = config
        self.store = store
        self.clock = clock or SystemClock()
        self.lines: "queue.Queue[Line | None]" = queue.Queue()
        self.link: SerialLink | None = None
        self.modem: Modem | None = None
        self.tracker: CallTracker | None = None
        self.sender: Sender | None = None
        self.on_missed_call = on_missed_call
        self.ping_every = ping_every
        self.retry_backoff = retry_backoff
        self.followup_every = followup_every
        self.ready = threading.Event()       # set once caller ID is on
        self.last_loop = self.clock.monotonic()
        self._next_connect = 0.0
        self._connect_failures = 0
        self._next_ping = 0.0
        self._next_status = 0.0
        self._next_sweep = 0.0
        self.inbound = Inbound(store, self.clock)
        self._ping_failures = 0
        self._pin_rejected = False

    # ---- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        now = self.clock.now()
        self.store.seed_settings(self.config, now)
        settle_pending_calls(self.store, now)
        interrupted = self.store.recover_interrupted()
        if interrupted:
            log.warning("%d text(s) were being sent when the box stopped; marked ambiguous", interrupted)
        self.store.set_modem_state(now, online=False, last_error="", started_at=now.isoformat())

    def run(self, stop: threading.Event) -> None:
        self.start()
        threading.Thread(target=lambda: (stop.wait(), self.wake()), name="agent-stop", daemon=True).start()
        jobs = start_jobs(self.config, self.store, self.clock, self.followup_every)
        try:
            while not stop.is_set():
                self.step()
        finally:
            jobs.shutdown(wait=False)
            self._disconnect("stopped")

    def wake(self) -> None:
        """Cut the loop's wait short (after a stop request, or new work from another thread)."""
        self.lines.put(None)

    def step(self) -> None:
        """One turn of the loop. Never raises: a fault is logged, recorded and retried."""
        self.last_loop = self.clock.monotonic()
        try:
            if self.link is None or not self.link.alive:
                if self.link is not None:
                    self._disconnect(f"port lost: {self.link.failure}")
                self._connect()
            line = self._next_line()
            if line is not None:
                self._handle(line)
            self._tick()
            if self.sender is not None:
                self.sender.send_due()
            self._housekeeping()
        except CommandError as error:
            # the modem answered, just not with OK (a message index gone, a command it lacks): carry on
            log.warning("modem refused a command: %s", error)
        except ModemError as error:
            self._disconnect(str(error))
        except Exception:  # the loop's top: log and carry on, never stop the shop's service
            log.exception("unexpected error in the agent loop")
            self.clock_sleep(0.5)

    def clock_sleep(self, seconds: float) -> None:
        threading.Event().wait(seconds)

    # ---- connection --------------------------------------------------------------------------

    def _connect(self) -> None:
        if self.clock.monotonic() < self._next_connect:
            self.clock_sleep(min(0.2, self._next_connect - self.clock.monotonic()))
            return
        cfg = self.config.modem
        link = SerialLink(cfg.port, cfg.baudrate, flow_control=cfg.flow_control, trace=cfg.trace_at,
                          on_line=self.lines.put, monotonic=self.clock.monotonic)
        try:
            link.open()
            modem = Modem(link, cfg, try_pin=not self._pin_rejected)
            info = modem.initialise()
        except ModemError as error:
            link.close()
            if isinstance(error, SimPinRequired) and error.pin_rejected:
                self._pin_rejected = True
            self._connect_failures += 1
            wait = RECONNECT_BACKOFF[min(self._connect_failures - 1, len(RECONNECT_BACKOFF) - 1)]
            self._next_connect = self.clock.monotonic() + wait
            level = logging.ERROR if isinstance(error, SimPinRequired) else logging.WARNING
            log.log(level, "modem not ready (%s); next try in %d s", error, wait)
            self.store.set_modem_state(self.clock.now(), online=False, last_error=str(error))
            return
        self.link, self.modem = link, modem
        if self.tracker is None or self.tracker.dialect != info.dialect:
            self.tracker = CallTracker(info.dialect, margin=cfg.ring_timeout_margin)
        settings = self.store.load_settings()
        self.sender = Sender(self.store, modem, self.clock, settings.max_late_minutes, backoff=self.retry_backoff)
        self._connect_failures = 0
        self._ping_failures = 0
        self._next_ping = self.clock.monotonic() + self.ping_every
        self._next_status = self.clock.monotonic() + 1.0
        self._next_sweep = self.clock.monotonic() + SWEEP_EVERY
        problem = ("" if modem.pdu_mode else "the modem refused PDU mode (AT+CMGF=0): texts wait; ") + \
                  ("" if modem.caller_id else "caller ID (AT+CLIP=1) refused by the modem")
        self.store.set_modem_state(self.clock.now(), online=True, caller_id=modem.caller_id,
                                   last_error=problem.strip("; "),
                                   manufacturer=info.manufacturer,
                                   model=info.model, revision=info.revision, dialect=info.dialect.name,
                                   connected_at=self.clock.now().isoformat())
        self.ready.set()
        try:
            self._import_stored_sms()
        except CommandError as error:
            log.warning("could not list the SIM's stored messages (%s); relying on +CMTI", error)

    def _disconnect(self, reason: str) -> None:
        if self.link is not None:
            log.log(logging.INFO if reason == "stopped" else logging.WARNING, "modem offline: %s", reason)
            self.link.close()
            self.store.set_modem_state(self.clock.now(), online=False, last_error=reason,
                                       offline_since=self.clock.now().isoformat())
        self.link = self.modem = self.sender = None
        self.ready.clear()
        self._next_connect = self.clock.monotonic() + RECONNECT_BACKOFF[0]

    # ---- lines and calls ---------------------------------------------------------------------

    def _next_line(self) -> Line | None:
        try:
            return self.lines.get(timeout=self._wait_time())
        except queue.Empty:
            return None

    def _wait_time(self) -> float:
        wait = 0.5
        if self.tracker is not None and self.tracker.deadline() is not None:
            wait = min(wait, max(0.0, self.tracker.deadline() - self.clock.monotonic()))
        next_due = self.store.next_due_at() if self.sender is not None else None
        if next_due is not None:
            wait = min(wait, max(0.0, (parse_utc(next_due) - self.clock.now()).total_seconds()))
        return wait

    def _wall(self, mono: float) -> datetime:
        return self.clock.now() - timedelta(seconds=max(0.0, self.clock.monotonic() - mono))

    def _handle(self, line: Line) -> None:
        event = parse_urc(line.text, line.pdu)
        if isinstance(event, Unknown):
            log.info("ignoring unknown line from the modem: %r", event.text[:120])
            return
        if isinstance(event, (SmsStored, StatusReportStored)):
            self._read_stored(event.index)
            return
        if isinstance(event, (SmsDelivered, StatusReportDelivered)):
            self.inbound.receive_pdu(event.pdu)
            return
        if self.tracker is not None:
            missed = self.tracker.feed(event, line.at, self._wall(line.at))
            if missed is None:
                missed = self._ring_out()
            if missed is not None:
                self._on_call_ended(missed)

    def _ring_out(self) -> MissedCall | None:
        """[line] ring_out_after_rings: nobody can answer on the box, so end the call and text now."""
        limit = self.config.line.ring_out_after_rings
        call = self.tracker.call if self.tracker is not None else None
        if not limit or call is None or call.rings < limit or self.modem is None:
            return None
        self.modem.hang_up()
        log.info("ended a call after %d rings ([line] ring_out_after_rings)", call.rings)
        return self.tracker.end_now(f"ring-out after {call.rings} rings", self.clock.monotonic(), self.clock.now())

    def _tick(self) -> None:
        if self.tracker is not None and self.lines.empty():
            missed = self.tracker.tick(self.clock.monotonic(), self.clock.now())
            if missed is not None:
                self._on_call_ended(missed)

    def _on_call_ended(self, missed: MissedCall) -> None:
        settings = self.store.load_settings()
        number = caller_number(missed.raw_number, missed.toa, missed.validity, settings.country)
        now = self.clock.now()
        call_id = self.store.record_call(number=number.e164, raw_number=number.raw, toa=missed.toa,
                                         started_at=missed.started_at, ended_at=missed.ended_at,
                                         rings=missed.rings, end_signal=missed.end_signal, now=now)
        settle_call(self.store, call_id, number.e164, missed.ended_at, missed.answered, now)
        if self.on_missed_call is not None:
            self.on_missed_call(call_id)

    # ---- housekeeping ------------------------------------------------------------------------

    def _housekeeping(self) -> None:
        if self.modem is None:
            return
        mono = self.clock.monotonic()
        if mono >= self._next_ping and (self.tracker is None or self.tracker.call is None):
            self._next_ping = mono + self.ping_every
            try:
                self.modem.ping()
                self._ping_failures = 0
                if not self.modem.caller_id and self.modem.retry_caller_id():
                    self.store.set_modem_state(self.clock.now(), caller_id=True, last_error="")
                if not self.modem.pdu_mode and self.modem.retry_pdu_mode():
                    self.store.set_modem_state(self.clock.now(), last_error="")
            except ModemError as error:
                self._ping_failures += 1
                if self._ping_failures >= PING_FAILURES_BEFORE_RESET:
                    raise
                log.warning("modem did not answer a keep-alive (%s)", error)
        if mono >= self._next_sweep and (self.tracker is None or self.tracker.call is None):
            self._next_sweep = mono + SWEEP_EVERY
            self._import_stored_sms()
            self.inbound.flush_partials()
        if mono >= self._next_status:
            self._next_status = mono + STATUS_EVERY
            status = self.modem.network_status()
            self.store.set_modem_state(self.clock.now(), registered=status.registered,
                                       registration=status.registration, operator=status.operator,
                                       rssi=status.rssi, bars=status.bars, queue=self.store.queue_length())

    def _read_stored(self, index: int) -> None:
        """Write ahead: committed to SQLite first, deleted from the SIM after."""
        if self.modem is None:
            return
        pdu = self.modem.read_message(index)
        if pdu is None or self.inbound.receive_pdu(pdu):
            self.modem.delete_message(index)

    def _import_stored_sms(self) -> None:
        """Everything waiting on the SIM: at connect, and every minute (a second +CMTI in one burst can
        be lost, and a SIM left full stops taking messages)."""
        if self.modem is None:
            return
        for sms in self.modem.stored_messages():
            if sms.stat in (0, 1) and self.inbound.receive_pdu(sms.pdu):
                self.modem.delete_message(sms.index)
