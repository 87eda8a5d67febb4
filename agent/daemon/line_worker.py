"""The line worker: every line the modem prints is handled in arrival order, the moment it arrives.

The serial reader thread splits bytes into lines and hands them here. This one thread turns them
into events and acts on those that need no AT command: calls go through the call tracker (with
the modem's call list, AT+CLCC, which the modem worker asks for while a call rings and queues here
behind the lines that came before its answer) and the finished call is committed to SQLite within
milliseconds (write ahead), whatever the modem worker is doing — even in the middle of a 60 s AT+CMGS. What needs the modem (reading a stored SMS,
hanging up, setting a reset modem up again) becomes a job for the modem worker, which owns every
AT command. So no line ever waits behind a send (principle 8), and order is kept (principle 5).
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Callable

from agent.daemon.call_recorder import CallRecorder
from agent.rules.call_tracker import CallListing, CallTracker, MissedCall
from agent.clock import Clock
from agent.events import (ModemRestarted, SmsDelivered, SmsStored, StatusReportDelivered, StatusReportStored,
                          StorageFull, Unknown)
from agent.daemon.inbound import Inbound
from agent.modem.dialects import Dialect, dialect_named
from agent.modem.link import Line
from agent.modem.urc import parse_urc

__all__ = ["LineWorker", "ReadStored", "HangUp", "SetUpAgain", "FreeStorage", "Job", "JobQueue"]

log = logging.getLogger(__name__)

RETRY_EVERY = 0.5     # seconds between tries to write what the database refused


@dataclass(frozen=True)
class ReadStored:
    storage: str
    index: int


@dataclass(frozen=True)
class HangUp:
    rings: int


@dataclass(frozen=True)
class SetUpAgain:
    reason: str
    at: float           # monotonic time of the line that asked for it
    power: bool = False


@dataclass(frozen=True)
class FreeStorage:
    storage: str


Job = ReadStored | HangUp | SetUpAgain | FreeStorage


class JobQueue:
    """Work for the modem worker, in order; `wake` is set whenever something is added."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self.wake = threading.Event()

    def put(self, job: Job) -> None:
        with self._lock:
            if job not in self._jobs:
                self._jobs.append(job)
        self.wake.set()

    def take(self, kinds: tuple[type, ...] | None = None) -> Job | None:
        with self._lock:
            for job in self._jobs:
                if kinds is None or isinstance(job, kinds):
                    self._jobs.remove(job)
                    return job
        return None

    def peek(self, kind: type) -> Job | None:
        with self._lock:
            return next((job for job in self._jobs if isinstance(job, kind)), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)


class LineWorker:
    def __init__(self, recorder: CallRecorder, inbound: Inbound, jobs: JobQueue, clock: Clock, *,
                 margin: float, ring_out_after: int = 0,
                 on_progress: Callable[[], None] = lambda: None,
                 on_restart: Callable[[str], None] = lambda why: None):
        self.recorder = recorder
        self.inbound = inbound
        self.jobs = jobs
        self.clock = clock
        self.margin = margin
        self.ring_out_after = ring_out_after
        self.on_progress = on_progress
        self.on_restart = on_restart
        self.lines: "queue.Queue[Line | CallListing | None]" = queue.Queue()
        # a tracker from the start: a call that rings between AT+CLIP=1 and the end of set-up is
        # tracked (every family's end lines are known whatever the dialect); set_dialect refines it
        self.tracker: CallTracker | None = CallTracker(dialect_named("generic"), margin=margin)
        self.setting_up = False          # the modem worker is running the start-up sequence
        self.held_pdus: list[str] = []   # +CMT messages the database could not take yet
        self._lock = threading.Lock()
        self._next_retry = 0.0
        self._busy = False

    # ---- from other threads ---------------------------------------------------------------------

    def put(self, line: Line) -> None:
        """Called by the serial reader thread for each unsolicited line."""
        self.lines.put(line)

    def put_call_list(self, listing: CallListing) -> None:
        """Called by the modem worker with the modem's answer to AT+CLCC: it is handled after every
        line that came before the answer, like a line (the call's end is committed the same way)."""
        self.lines.put(listing)

    def wake(self) -> None:
        self.lines.put(None)

    def set_dialect(self, dialect: Dialect) -> None:
        """The family is known: the tracker keeps any call in progress and takes its timings."""
        with self._lock:
            if self.tracker is None:
                self.tracker = CallTracker(dialect, margin=self.margin)
            else:
                self.tracker.dialect = dialect

    def idle(self) -> bool:
        """Every line that has arrived has been handled (and its call committed or held)."""
        return self.lines.empty() and not self._busy

    def wait_idle(self, timeout: float) -> bool:
        deadline = self.clock.monotonic() + timeout
        while not self.idle():
            if self.clock.monotonic() >= deadline:
                return False
            threading.Event().wait(0.002)
        return True

    @property
    def call_in_progress(self) -> bool:
        tracker = self.tracker
        return tracker is not None and tracker.call is not None

    # ---- the thread ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Until `stop`, then until every queued line is handled."""
        while True:
            try:
                line = self.lines.get(timeout=self._wait_time())
            except queue.Empty:
                line = None
            if line is None and stop.is_set() and self.lines.empty():
                self._tick()
                return
            self._busy = True
            try:
                if line is not None:
                    self._handle(line)
                self._tick()
            except Exception:  # the loop's top: a bad line must not stop the box hearing calls
                log.exception("error handling a modem line")
            finally:
                self._busy = False

    def drain(self) -> None:
        """Handle every line queued now (from the thread that stops the agent, after this one ended)."""
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self._handle(line)
        self._tick()

    def _wait_time(self) -> float:
        wait = 0.25
        tracker = self.tracker
        deadline = tracker.deadline() if tracker is not None else None
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - self.clock.monotonic()))
        return wait

    def _handle(self, line: Line | CallListing) -> None:
        self.on_progress()
        if isinstance(line, CallListing):
            self._call_list(line)
            return
        event = parse_urc(line.text, line.pdu)
        if isinstance(event, Unknown):
            log.info("ignoring unknown line from the modem: %r", event.text[:120])
            return
        if isinstance(event, ModemRestarted):
            if self.setting_up and not event.power:
                log.info("start-up line %r while setting the modem up", event.text)
            else:
                log.warning("modem start-up line %r: it was reset; setting it up again", event.text)
                self.on_restart(f"the modem restarted ({event.text})")
            self.jobs.put(SetUpAgain(event.text, line.at, power=event.power))
            return
        if isinstance(event, StorageFull):
            log.warning("the modem says its SMS storage %s is full", event.storage)
            self.jobs.put(FreeStorage(event.storage))
            return
        if isinstance(event, (SmsStored, StatusReportStored)):
            self.jobs.put(ReadStored(event.storage, event.index))
            return
        if isinstance(event, (SmsDelivered, StatusReportDelivered)):
            self._receive_direct(event.pdu)
            return
        tracker = self.tracker
        if tracker is None:
            return
        missed = tracker.feed(event, line.at, self._wall(line.at))
        if missed is None:
            missed = self._ring_out(tracker)
        if missed is not None:
            self._ended(missed)

    def _call_list(self, listing: CallListing) -> None:
        tracker = self.tracker
        if tracker is None:
            return
        missed = tracker.list_answer(listing, self._wall(listing.answered_at))
        if missed is not None:
            self._ended(missed)

    def _ring_out(self, tracker: CallTracker) -> MissedCall | None:
        """[line] ring_out_after_rings: nobody can answer on the box, so end the call and text now."""
        call = tracker.call
        if not self.ring_out_after or call is None or call.rings < self.ring_out_after:
            return None
        self.jobs.put(HangUp(call.rings))
        log.info("ending a call after %d rings ([line] ring_out_after_rings)", call.rings)
        return tracker.end_now(f"ring-out after {call.rings} rings", self.clock.monotonic(), self.clock.now())

    def _tick(self) -> None:
        tracker = self.tracker
        if tracker is not None and self.lines.empty():
            missed = tracker.tick(self.clock.monotonic(), self.clock.now())
            if missed is not None:
                self._ended(missed)
        if self.clock.monotonic() >= self._next_retry and (self.recorder.holding or self.held_pdus):
            self._next_retry = self.clock.monotonic() + RETRY_EVERY
            self.recorder.retry()
            self._retry_pdus()

    def _ended(self, missed: MissedCall) -> None:
        self.recorder.record(missed)

    def _receive_direct(self, pdu: str) -> None:
        """+CMT: the modem handed the SMS over and keeps no copy, so a refused write keeps it here."""
        if not self.inbound.receive_pdu(pdu):
            self.held_pdus.append(pdu)

    def _retry_pdus(self) -> None:
        while self.held_pdus:
            if not self.inbound.receive_pdu(self.held_pdus[0]):
                return
            self.held_pdus.pop(0)

    def _wall(self, mono: float):
        from datetime import timedelta
        return self.clock.now() - timedelta(seconds=max(0.0, self.clock.monotonic() - mono))

