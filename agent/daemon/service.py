"""The agent: a modem worker that owns every AT command, and a line worker that handles every line.

Three threads, each with one job:
- the serial reader (agent/modem/link.py) splits the modem's bytes into lines;
- the line worker (agent/daemon/line_worker.py) handles each line in arrival order at once: a finished
  call is in SQLite within milliseconds, even while a send takes a minute;
- the modem worker (this module's loop) is the only one to send AT commands: it sets the modem
  up (again, whenever it finds it reset), runs the jobs lines ask for (read a stored SMS, hang
  up), asks for the call list while a call rings (call_poll.py), sends at most one SMS part per
  pass, checks the modem keeps its settings, reads its status, and reconnects or resets it when
  it stops answering.

Before each AT command the modem worker waits (briefly) until every line that has arrived has
been handled, so nothing the modem said is acted on out of turn.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from datetime import timedelta

from agent.daemon.call_outcome import settle_pending_calls
from agent.daemon.call_poll import CallPoll
from agent.daemon.call_recorder import CallRecorder
from agent.clock import AnchoredClock, Clock, SystemClock, parse_utc
from agent.config import Config
from agent.errors import CommandError, ModemError, ModemResetFound, ModemTimeout, SimPinRequired, StorageError
from agent.daemon.hearing import Hearing
from agent.daemon.inbound import Inbound
from agent.daemon.line_worker import FreeStorage, HangUp, JobQueue, LineWorker, ReadStored, SetUpAgain
from agent.modem.link import SerialLink
from agent.modem.modem import Modem
from agent.daemon.sim_facts import SIM_FACTS_EVERY, record_sim_facts
from agent.daemon.sender import AUTO_KINDS, BACKOFF_SECONDS, Sender, write_owed
from agent.daemon.scheduler import start_jobs
from agent.daemon.sms_storage import SmsStorage
from agent.store import Store
from agent.daemon.usb_rebind import UsbRebind

__all__ = ["Service", "STOP_GRACE", "SETUP_FAILURES_BEFORE_RESET"]

log = logging.getLogger(__name__)

RECONNECT_BACKOFF = (1, 2, 5, 10, 30)
PING_EVERY = 10.0          # seconds between keep-alive checks: a silent reset is found within ~10 s
STATUS_EVERY = 60.0
SWEEP_EVERY = 60.0         # list the SIM's messages and close overdue partial messages
SWEEP_RETRY = 2.0          # after a listing the modem refused: 2, 4, 8 … s, up to SWEEP_EVERY
NO_NOTICE_SWEEP = 10.0     # a modem that takes no AT+CNMI form announces nothing: list it this often
PING_FAILURES_BEFORE_RESET = 2
SETUP_FAILURES_BEFORE_RESET = 3    # then the family's own reset (AT+CFUN=1,1); after more, a USB re-bind
RESETS_BEFORE_REBIND = 2
BOOT_SETTLE = 0.3          # seconds of quiet after a start-up line before setting the modem up again
STOP_GRACE = 6.0           # seconds a send in flight may still take when the agent is stopping
CLOCK_STEP = 5.0           # a jump of the wall clock against the monotonic one larger than this is a step
LINE_WAIT = 0.5            # longest wait for the line worker before the next AT command
MODEM_STORE_BUSY = 2.0     # seconds the modem worker waits for another program's database lock


class Service:
    def __init__(self, config: Config, store: Store, clock: Clock | None = None,
                 on_missed_call=None, *, ping_every: float = PING_EVERY,
                 retry_backoff: tuple[float, ...] = BACKOFF_SECONDS, followup_every: float = 60.0,
                 rebind=None):
        self.config = config
        self.store = store
        self.clock = AnchoredClock(clock or SystemClock())   # a wall-clock step reaches us in _watch_clock
        self.jobs = JobQueue()
        # the line worker writes through its own connection, with a short busy time-out: a database
        # locked by another program holds a call in memory, never the thread that hears calls
        self.line_store = Store.open(store.path) if store.path != ":memory:" else store
        self.line_store.set_busy_timeout(0.25)
        self.store.set_busy_timeout(MODEM_STORE_BUSY)   # never let a locked database stall the modem long
        self.unsaved_optouts: set[str] = set()      # STOPs read while the database could not take them
        self.owed_writes: list = []                 # send records the database refused (Sender.owed)
        self.on_missed_call = on_missed_call
        self.recorder = CallRecorder(self.line_store, self.clock, on_recorded=self._recorded,
                                     unsaved_optouts=self.unsaved_optouts)
        self.line_worker = LineWorker(self.recorder, Inbound(self.line_store, self.clock, config.storage.import_max_age_hours,
                                                             self.unsaved_optouts), self.jobs, self.clock,
                                      margin=config.modem.ring_timeout_margin,
                                      ring_out_after=config.line.ring_out_after_rings, on_progress=self._progress,
                                      on_restart=self._interrupt)
        self.call_poll = CallPoll(self.line_worker, self.clock)
        self.hearing = Hearing(config, store, self.clock)
        self.inbound = Inbound(store, self.clock, config.storage.import_max_age_hours, self.unsaved_optouts)
        self.link: SerialLink | None = None
        self.modem: Modem | None = None
        self.sender: Sender | None = None
        self.storage: SmsStorage | None = None
        self.ping_every = ping_every
        self.retry_backoff = retry_backoff
        self.followup_every = followup_every
        self.rebind = rebind or UsbRebind(Path(store.path).parent if store.path != ":memory:" else ".")
        self.ready = threading.Event()       # set once caller ID is on
        self.set_up_done = threading.Event()  # the whole start-up sequence (sweep, lists, SIM facts) ran
        self.last_loop = self.clock.monotonic()
        self.started_at = self.clock.now()
        self._stopping = threading.Event()
        self._next_connect = 0.0
        self._connect_failures = 0
        self._next_ping = 0.0
        self._next_status = 0.0
        self._next_sweep = 0.0
        self._sweep_failures = 0
        self._call_heard = False            # the line worker committed a call since the last keep-alive
        self._next_unread = 0.0
        self._ping_failures = 0
        self._setup_failures = 0
        self._resets = 0
        self._pin_rejected = False
        self._stale_checked = False
        self._read_missed_list = True
        self._next_sim_facts = 0.0          # IMSI, own number, call forwarding: after the first set-up
        self._storage_problem = ""

    def _interrupt(self, why: str) -> None:
        link = self.link
        if link is not None:
            link.interrupt(why)

    def _recorded(self, call_id: int) -> None:
        """A call is committed (by the line worker): its text may be due now, so the modem worker
        stops waiting and looks at once."""
        self.wake()
        self._call_heard = True
        if self.on_missed_call is not None:
            self.on_missed_call(call_id)

    def _progress(self) -> None:
        self.last_loop = self.clock.monotonic()

    def healthy(self, now: float | None = None, stuck_after: float = 30.0) -> bool:
        """Real progress: a line handled or an AT exchange finished lately, or a command still inside
        its own time-out (a 60 s AT+CMGS on a congested network is progress, not a hang)."""
        now = self.clock.monotonic() if now is None else now
        link = self.link
        progress = max(self.last_loop, link.last_progress if link is not None else 0.0)
        if now - progress < stuck_after:
            return True
        busy_until = link.busy_until if link is not None else None
        return busy_until is not None and now < busy_until + 5.0

    # ---- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        now = self.clock.now()
        self.store.seed_settings(self.config, now)
        settle_pending_calls(self.store, now)
        interrupted = self.store.recover_interrupted()
        if interrupted:
            log.warning("%d text(s) were being sent when the box stopped; marked ambiguous", interrupted)
        self.hearing.at_start()
        self.store.set_modem_state(now, last_error="", started_at=now.isoformat())

    def run(self, stop: threading.Event) -> None:
        self.start()
        threading.Thread(target=self._watch_stop, args=(stop,), name="agent-stop", daemon=True).start()
        line_stop = threading.Event()
        line_thread = threading.Thread(target=self.line_worker.run, args=(line_stop,), name="agent-lines",
                                       daemon=True)
        line_thread.start()
        jobs = start_jobs(self.config, self.store, self.clock, self.followup_every)
        try:
            while not stop.is_set():
                self.step()
        finally:
            jobs.shutdown(wait=False)
            self._shut_down(line_stop, line_thread)

    def _watch_stop(self, stop: threading.Event) -> None:
        stop.wait()
        self._stopping.set()
        link = self.link
        if link is not None:
            link.abort_at = self.clock.monotonic() + STOP_GRACE   # a send in flight may finish, briefly
        self.wake()

    def _shut_down(self, line_stop: threading.Event, line_thread: threading.Thread) -> None:
        """Every line already received is handled and committed; the part in flight has finished or
        is ambiguous; no new send starts. Then the port is closed."""
        if self.sender is not None:
            self.sender.abandon("the agent stopped")
        write_owed(self.owed_writes)
        self.line_worker.wait_idle(2.0)
        if self.link is not None:
            self.link.close()           # the reader stops; lines it had are in the queue
        line_stop.set()
        self.line_worker.wake()
        line_thread.join(timeout=3.0)
        if line_thread.is_alive():
            log.error("the line worker did not finish in time")
        else:
            self.line_worker.drain()
        for _ in range(8):              # a held call gets a few more tries before the process ends
            if not self.recorder.holding:
                break
            self.recorder.retry()
            threading.Event().wait(0.25)
        if self.recorder.holding:
            log.error("%d call(s) could not be written before stopping: %s", self.recorder.holding,
                      self.recorder.last_error)
        self._disconnect("stopped")
        if self.line_store is not self.store:
            self.line_store.close()

    def wake(self) -> None:
        """Cut the modem worker's wait short (a stop request, or new work from another thread)."""
        self.jobs.wake.set()

    def step(self) -> None:
        """One pass of the modem worker. Never raises: a fault is logged, recorded and retried."""
        self._progress()
        try:
            self._watch_clock()
            write_owed(self.owed_writes)     # records of sends made, before anything else is sent
            if self.link is None or not self.link.alive:
                if self.link is not None:
                    self._disconnect(f"port lost: {self.link.failure}")
                self._connect()
                return
            self._before_command()
            if self._pending_setup():
                return
            if self._run_job():
                return
            if self.call_poll.poll(self.modem):
                return
            if self._send_held():
                return
            if self.sender is not None:
                if not self._stopping.is_set() and self.sender.send_next_part():
                    return
            self._housekeeping()
            self.hearing.tick()
            self._idle()
        except CommandError as error:
            # the modem answered, just not with OK (a message index gone, a command it lacks): carry on
            log.warning("modem refused a command: %s", error)
        except ModemResetFound as error:
            if self.modem is not None:
                self._set_up_again(str(error))
        except ModemError as error:
            self._disconnect(str(error))
        except StorageError as error:
            log.error("database: %s; carrying on", error)
            self._idle(0.25)
        except Exception:  # the loop's top: log and carry on, never stop the shop's service
            log.exception("unexpected error in the agent loop")
            self._idle(0.5)

    def _idle(self, most: float = 0.5) -> None:
        wait = most
        poll_at = self.call_poll.due_at(self.modem)
        if poll_at is not None:
            wait = min(wait, max(0.0, poll_at - self.clock.monotonic()))
        if self.sender is not None and self.sender.busy:
            wait = 0.0
        elif self.sender is not None:
            try:
                next_due = self.store.next_due_at()
            except StorageError:
                next_due = None
            if next_due is not None:
                wait = min(wait, max(0.0, (parse_utc(next_due) - self.clock.now()).total_seconds()))
        if wait > 0:
            self.jobs.wake.wait(wait)
        self.jobs.wake.clear()

    def _before_command(self) -> None:
        """Principle 8: every line that has arrived is handled before the next AT command goes out."""
        self.line_worker.wait_idle(LINE_WAIT)

    # ---- connection and set-up ---------------------------------------------------------------

    def _connect(self) -> None:
        if self._stopping.is_set():
            self._idle(0.2)
            return
        if self.clock.monotonic() < self._next_connect:
            self._idle(min(0.2, self._next_connect - self.clock.monotonic()))
            return
        cfg = self.config.modem
        link = SerialLink(cfg.port, cfg.baudrate, flow_control=cfg.flow_control, trace=cfg.trace_at,
                          on_line=self.line_worker.put, monotonic=self.clock.monotonic)
        try:
            link.open()
            modem = Modem(link, cfg, try_pin=not self._pin_rejected)
            self.link, self.modem = link, modem
            self._set_up(modem)
        except ModemError as error:
            link.close()
            self.link = self.modem = None
            if isinstance(error, SimPinRequired) and error.pin_rejected:
                self._pin_rejected = True
            self._connect_failures += 1
            wait = RECONNECT_BACKOFF[min(self._connect_failures - 1, len(RECONNECT_BACKOFF) - 1)]
            self._next_connect = self.clock.monotonic() + wait
            level = logging.ERROR if isinstance(error, SimPinRequired) else logging.WARNING
            log.log(level, "modem not ready (%s); next try in %d s", error, wait)
            self.hearing.deaf(_deaf_reason(error))
            self._record_state(last_error=str(error))
            if self._connect_failures >= SETUP_FAILURES_BEFORE_RESET + RESETS_BEFORE_REBIND and \
                    self._connect_failures % 3 == 0 and not isinstance(error, SimPinRequired):
                self._rebind(str(error))
            return
        self._connect_failures = 0

    def _set_up(self, modem: Modem) -> None:
        """The start-up sequence, at connect and whenever the modem is found reset."""
        self.set_up_done.clear()
        self.line_worker.setting_up = True
        began = self.clock.monotonic()
        try:
            info = modem.initialise()
        finally:
            self.line_worker.setting_up = False
        # start-up lines from before this set-up are answered by it; one that came during it means
        # the modem rebooted again under us (a weak supply): that job stays, and it is set up again
        while (job := self.jobs.peek(SetUpAgain)) is not None and job.at < began:
            self.jobs.take((SetUpAgain,))
        self.line_worker.set_dialect(info.dialect)
        self._retire_sender("the modem was set up again")
        self.sender = Sender(self.store, modem, self.clock, backoff=self.retry_backoff,
                             unsaved_optouts=self.unsaved_optouts, owed=self.owed_writes)
        self.storage = SmsStorage(modem, self.store, self.inbound, self.clock)
        self._setup_failures = 0
        self._ping_failures = 0
        self._next_ping = self.clock.monotonic() + self.ping_every
        self._next_status = self.clock.monotonic() + 1.0
        self._next_sweep = self.clock.monotonic() + SWEEP_EVERY
        problem = ("" if modem.pdu_mode else "the modem refused PDU mode (AT+CMGF=0): texts wait; ") + \
                  ("" if modem.cnmi else "the modem refused every new-SMS notice setting (AT+CNMI): replies "
                   f"are found by listing the SIM every {NO_NOTICE_SWEEP:.0f} s; ") + \
                  (modem.cannot_hear or ("" if modem.caller_id else "caller ID (AT+CLIP=1) refused by the modem"))
        self._record_state(caller_id=modem.caller_id, last_error=problem.strip("; "),
                           manufacturer=info.manufacturer, model=info.model, revision=info.revision,
                           dialect=info.dialect.name, connected_at=self.clock.now().isoformat())
        # a modem that cannot hear calls at all says why (data-only, radio off) rather than "online"
        deaf = modem.cannot_hear or ("" if modem.caller_id else "caller ID is off (the modem refused AT+CLIP=1)")
        if not deaf:
            self.hearing.heard()          # the status says "hearing" before anyone is told "ready"
            self.ready.set()
        else:
            self.hearing.deaf(deaf)
        self._mark_stale_once()
        try:
            self.storage.prepare()
        except CommandError as error:
            log.warning("could not choose the SIM's message storage (%s)", error)
        self._sweep()
        if self._read_missed_list:
            self._missed_list()
        if modem.caller_id and self.clock.monotonic() >= self._next_sim_facts:
            self._next_sim_facts = self.clock.monotonic() + SIM_FACTS_EVERY
            record_sim_facts(modem, self.store, self.clock.now())
        self.set_up_done.set()

    def _pending_setup(self) -> bool:
        job = self.jobs.peek(SetUpAgain)
        if job is None:
            return False
        assert isinstance(job, SetUpAgain)
        if self.clock.monotonic() - job.at < BOOT_SETTLE and not self._stopping.is_set():
            self._idle(0.05)  # let the burst of start-up lines finish first; nothing is sent meanwhile
            return True
        while self.jobs.take((SetUpAgain,)) is not None:
            pass
        reason = ("modem power supply too weak" if job.power else
                  "SIM not ready" if job.reason.startswith("+CPIN") else "modem restarted")
        self._set_up_again(f"{reason} ({job.reason})")
        return True

    def _set_up_again(self, why: str) -> None:
        """The modem lost its settings (a reset, silent or not): set it up again on the same port."""
        assert self.modem is not None
        log.warning("setting the modem up again: %s", why)
        self.ready.clear()
        self.hearing.deaf(why.split(" (")[0])
        self._record_state(last_error=why)
        self._retire_sender("the modem was reset")
        try:
            self._set_up(self.modem)
            self._read_missed_list = True
        except ModemError as error:
            self._setup_failures += 1
            log.warning("setting the modem up failed %d time(s): %s", self._setup_failures, error)
            if isinstance(error, SimPinRequired):
                raise
            if self._setup_failures >= SETUP_FAILURES_BEFORE_RESET:
                self._escalate(str(error))
            else:
                self.jobs.put(SetUpAgain(str(error), self.clock.monotonic() - BOOT_SETTLE))

    def _escalate(self, why: str) -> None:
        """Set-up keeps failing: the family's own reset first; after that, a USB re-bind."""
        assert self.modem is not None
        self._setup_failures = 0
        if self._resets < RESETS_BEFORE_REBIND:
            self._resets += 1
            self._record_state(recovery=f"resetting the modem (AT+CFUN=1,1), try {self._resets}")
            try:
                if self.modem.reset():
                    self.jobs.put(SetUpAgain("after our reset", self.clock.monotonic() + 3.0))
                    return
            except ModemError as error:
                log.warning("the modem's reset command failed: %s", error)
        self._resets = 0
        raise ModemTimeout(f"the modem cannot be set up ({why})")

    def _rebind(self, why: str) -> None:
        self._record_state(recovery="re-binding the modem's USB device")
        result = self.rebind(self.config.modem.port)
        log.warning("modem gone for good (%s): USB re-bind %s", why, result)
        self._record_state(recovery=f"USB re-bind: {result}")

    def _disconnect(self, reason: str) -> None:
        if self.link is not None:
            log.log(logging.INFO if reason == "stopped" else logging.WARNING, "modem offline: %s", reason)
            self.link.close()
            self._record_state(last_error=reason)
        self.hearing.deaf("TextBack stopped" if reason == "stopped" else _deaf_reason_text(reason))
        self._retire_sender(f"the modem went offline ({reason})")
        self.link = self.modem = self.sender = self.storage = None
        self.ready.clear()
        self._read_missed_list = True
        self._next_connect = self.clock.monotonic() + RECONNECT_BACKOFF[0]

    def _retire_sender(self, why: str) -> None:
        """The sender of a link that is gone: a text it had half sent is resolved (ambiguous) and
        the writes it still owed go on with the next sender, so no text stays 'sending'."""
        if self.sender is not None:
            self.sender.abandon(why)
            self.sender = None

    def _record_state(self, **values) -> None:
        try:
            self.store.set_modem_state(self.clock.now(), **values)
        except StorageError as error:
            log.warning("could not record the modem's state (%s)", error)

    # ---- jobs the lines asked for ------------------------------------------------------------

    def _run_job(self) -> bool:
        job = self.jobs.take((ReadStored, HangUp, FreeStorage))
        if job is None or self.modem is None:
            return False
        if isinstance(job, ReadStored):
            assert self.storage is not None
            self.storage.read(job.storage, job.index)
        elif isinstance(job, HangUp):
            self.modem.hang_up()
        elif isinstance(job, FreeStorage):
            assert self.storage is not None
            self.storage.free(job.storage)
        return True

    def _send_held(self) -> bool:
        """A call the database could not take: its text goes out from memory (the SMS needs no disk)."""
        if self.sender is None or self._stopping.is_set() or not self.modem or not self.modem.pdu_mode:
            return False
        held = self.recorder.due_direct()
        if held is None:
            return False
        assert held.decision is not None and held.decision.body and held.number.e164
        try:
            result = self.sender.send_direct(held.number.e164, held.decision.body)
        except ModemError:
            self.recorder.release(held)
            raise
        self.recorder.sent_direct(held, result)
        self._tell_owner_storage_problem()
        return True

    def _tell_owner_storage_problem(self) -> None:
        """Once per episode: the owner hears that the box texts but cannot save (disk full, locked)."""
        error = self.recorder.last_error
        if error is None or self._storage_problem == error.kind or self.sender is None:
            return
        self._storage_problem = error.kind
        try:
            owner = self.store.load_settings().owner_phone
        except StorageError:
            return
        if not owner:
            return
        what = "its memory card is full" if error.kind == "full" else "its database cannot be written"
        body = (f"TextBack: {what}. Missed callers are still texted, but calls and replies are not saved "
                "until this is fixed. Free some space or restart the box.")
        try:
            self.sender.send_direct(owner, body)
        except ModemError as send_error:
            log.warning("could not tell the owner about the database (%s)", send_error)

    # ---- keeping an eye on the modem -----------------------------------------------------------

    def _housekeeping(self) -> None:
        if self.modem is None:
            return
        if not self.recorder.holding:
            self._storage_problem = ""
        mono = self.clock.monotonic()
        quiet = not self.line_worker.call_in_progress
        if mono >= self._next_ping and quiet:
            self._next_ping = mono + self.ping_every
            self._keep_alive()
            return
        if self.storage is not None and self.storage.unread and mono >= self._next_unread:
            self._next_unread = mono + 1.0          # an SMS read while the database refused it: again soon
            self.storage.retry_unread()
            return
        if mono >= self._next_sweep and quiet and self.storage is not None:
            self._sweep()
            self.inbound.flush_partials()
            return
        if mono >= self._next_status:
            self._next_status = mono + STATUS_EVERY
            status = self.modem.network_status()
            self._record_state(registered=status.registered, registration=status.registration,
                               operator=status.operator, rssi=status.rssi, bars=status.bars,
                               queue=self.store.queue_length())
            self._follow_settings()
            if self.modem.caller_id and self.ready.is_set():
                if status.registration in ("not searching", "searching", "registration denied"):
                    self.hearing.deaf(f"no mobile network ({status.registration})")
                else:
                    self.hearing.heard()

    def _sweep(self) -> None:
        """List the SIM's messages. One the modem refuses (SIM busy just after start-up, +CMS ERROR
        314) is tried again within seconds, backing off, so a STOP waiting there is not left a minute;
        a modem that sends no new-SMS notices is listed every NO_NOTICE_SWEEP."""
        assert self.storage is not None and self.modem is not None
        try:
            self.storage.sweep()
        except CommandError as error:
            self._sweep_failures += 1
            wait = min(SWEEP_EVERY, SWEEP_RETRY * 2 ** (self._sweep_failures - 1))
            self._next_sweep = self.clock.monotonic() + wait
            log.warning("could not list the SIM's stored messages (%s); again in %.0f s", error, wait)
            return
        self._sweep_failures = 0
        self._next_sweep = self.clock.monotonic() + (SWEEP_EVERY if self.modem.cnmi else NO_NOTICE_SWEEP)

    def _follow_settings(self) -> None:
        """Settings the owner changes in the web UI (the wizard's ring-out after N rings) reach the
        line worker here, with no restart."""
        try:
            self.line_worker.ring_out_after = self.store.load_settings().ring_out_after_rings
        except StorageError:
            pass                     # the database is busy: the last value stands

    def _keep_alive(self) -> None:
        """AT+CLIP? and one more cheap query: a modem that answers AT but lost its settings is deaf."""
        assert self.modem is not None
        try:
            problem = self.modem.check_settings()
            self._ping_failures = 0
        except ModemTimeout as error:
            self._ping_failures += 1
            if self._ping_failures >= PING_FAILURES_BEFORE_RESET:
                raise
            log.warning("modem did not answer a keep-alive (%s)", error)
            return
        if problem:
            self._set_up_again(problem)
            return
        if self._call_heard and self.modem.caller_id and self.modem.heard_a_call():
            log.warning("a call reached the box: this modem does take calls after all")
            self._record_state(last_error="")
            self.hearing.heard()
            self.ready.set()
        self._call_heard = False
        if not self.modem.caller_id and self.modem.retry_caller_id():
            self._record_state(caller_id=True, last_error="")
            if not self.modem.cannot_hear:
                self.hearing.heard()
                self.ready.set()
        if not self.modem.pdu_mode and self.modem.retry_pdu_mode():
            self._record_state(last_error="")

    def _missed_list(self) -> None:
        """After an outage: the modem's own missed-calls list, for the owner to see (never auto-texted)."""
        self._read_missed_list = False
        if self.modem is None or not self.modem.caller_id:
            return
        try:
            listed = self.modem.missed_call_list()
        except (CommandError, ModemTimeout) as error:
            log.info("could not read the modem's missed-calls list (%s)", error)
            return
        if listed is None:
            return
        from agent.daemon.unheard import note_unheard_calls

        note_unheard_calls(self.store, listed, self.clock.now())

    # ---- time ----------------------------------------------------------------------------------

    def _watch_clock(self) -> None:
        """NTP steps the wall clock (a Pi has no real-time clock): queued texts keep their delays.
        Every thread reads self.clock, which takes up the step only here, after the move."""
        step = self.clock.drift()
        if abs(step) < CLOCK_STEP:
            self.clock.anchor()          # a slow drift (NTP slewing) is taken up as it comes
            return
        old_now = self.clock.now()
        moved = self.store.shift_times(step, old_now, self.started_at)
        self.clock.anchor()
        self.started_at += timedelta(seconds=step)
        log.warning("the wall clock stepped by %+.0f s; %d record(s) of this run moved with it", step, moved)
        self._record_state(clock_step=f"{step:+.0f} s at {self.clock.now().isoformat()}")

    def _mark_stale_once(self) -> None:
        """Texts that fell due while the box was off, too long ago, are not sent (stale). Lateness is
        judged once, at the first set-up, against the network's time where the modem has it (a Pi
        boots with an old clock until NTP). A text queued while the box runs is never stale."""
        if self._stale_checked or self.modem is None:
            return
        self._stale_checked = True
        network = None
        try:
            network = self.modem.network_time()
        except (CommandError, ModemTimeout):
            pass
        now = self.clock.now()
        if network is not None and abs((network - now).total_seconds()) > 60:
            log.warning("the system clock is %+.0f s off the network's time; judging late texts by the network",
                        (now - network).total_seconds())
            now = network
        minutes = self.store.load_settings().max_late_minutes
        count = self.store.mark_stale_before(now - timedelta(minutes=minutes), self.started_at, tuple(AUTO_KINDS))
        if count:
            log.warning("%d text(s) fell due more than %d min ago while the box was off: not sent (stale)",
                        count, minutes)


def _deaf_reason(error: ModemError) -> str:
    if isinstance(error, SimPinRequired):
        return "the SIM needs its PIN"
    return _deaf_reason_text(str(error))


def _deaf_reason_text(text: str) -> str:
    lower = text.lower()
    if "no such port" in lower or "port lost" in lower or "cannot open" in lower or "link is down" in lower:
        return "modem unplugged"
    if "sim" in lower:
        return "SIM not ready"
    if "no answer" in lower or "does not answer" in lower or "cannot be set up" in lower:
        return "modem not answering"
    return "modem not answering"

