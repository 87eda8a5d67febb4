"""Write ahead, and never drop a call: a finished call goes to SQLite the moment it ends.

When SQLite cannot take the write (another program holds its lock past the busy time-out, the
disk is full, the card fails), the call and its decision wait here in memory and are written on
the next try. A held call whose text is due is sent straight from memory (`due_direct`): the SMS
needs no disk. Its record, marked sent, is written with the call once the store takes writes
again. Nothing here is resent after a crash: a call that only lived in memory was either texted
(and the customer has it) or not, and is never texted twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from agent.daemon.call_outcome import decide_call, settle_call
from agent.rules.call_tracker import MissedCall
from agent.clock import Clock
from agent.errors import StorageError
from agent.rules.numbers import CallerNumber, caller_number
from agent.rules.policy import Decision
from agent.daemon.sender import DirectResult
from agent.store import Store

__all__ = ["CallRecorder", "HeldCall", "DIRECT_AFTER_SECONDS"]

log = logging.getLogger(__name__)

DIRECT_AFTER_SECONDS = 2.0     # a held call's due text goes out from memory after this long


@dataclass
class HeldCall:
    missed: MissedCall
    number: CallerNumber
    held_since: float                       # monotonic
    call_id: int | None = None              # set once the call row is written
    decision: Decision | None = None
    direct: DirectResult | None = None      # the text, sent from memory
    direct_at: datetime | None = None
    claimed: bool = False                   # being sent right now


class CallRecorder:
    """Used by the line worker (record, retry) and the modem worker (due_direct, sent_direct)."""

    def __init__(self, store: Store, clock: Clock, on_recorded: Callable[[int], None] | None = None,
                 unsaved_optouts: set[str] | None = None):
        self.unsaved_optouts: set[str] = unsaved_optouts if unsaved_optouts is not None else set()
        self.store = store
        self.clock = clock
        self.on_recorded = on_recorded
        self.held: list[HeldCall] = []
        self.last_error: StorageError | None = None
        self._lock = threading.Lock()

    def record(self, missed: MissedCall) -> int | None:
        """Commit the call and its decision; the call id, or None when it is held in memory."""
        settings = self.store.load_settings()
        number = caller_number(missed.raw_number, missed.toa, missed.validity, settings.country)
        held = HeldCall(missed, number, self.clock.monotonic())
        if self._write(held):
            return held.call_id
        with self._lock:
            self.held.append(held)
        log.error("call from %s kept in memory: %s", number.e164 or "a withheld number", self.last_error)
        return None

    def retry(self) -> int:
        """Write what is held; returns how many are still held."""
        with self._lock:
            waiting = [held for held in self.held if not held.claimed]
        for held in waiting:
            if self._write(held):
                with self._lock:
                    self.held.remove(held)
                log.info("held call from %s written to the database", held.number.e164 or "a withheld number")
        with self._lock:
            return len(self.held)

    @property
    def holding(self) -> int:
        with self._lock:
            return len(self.held)

    def texted_in_memory_at(self, number: str | None) -> datetime | None:
        with self._lock:
            times = [h.direct_at for h in self.held if h.number.e164 == number and h.direct_at is not None
                     and h.direct is not None and h.direct.status != "failed"]
        return max(times) if times else None

    # ---- the modem worker's side ------------------------------------------------------------

    def due_direct(self) -> HeldCall | None:
        """A held call whose text is due and has waited DIRECT_AFTER_SECONDS for the database."""
        now, mono = self.clock.now(), self.clock.monotonic()
        with self._lock:
            for held in self.held:
                decision = held.decision
                if (decision is not None and decision.text and held.direct is None and not held.claimed
                        and mono - held.held_since >= DIRECT_AFTER_SECONDS and decision.due_at is not None
                        and decision.due_at <= now and held.number.e164 not in self.unsaved_optouts
                        and self.store.is_opted_out(held.number.e164 or "") is False):
                    held.claimed = True
                    return held
        return None

    def sent_direct(self, held: HeldCall, result: DirectResult) -> None:
        with self._lock:
            held.direct, held.direct_at, held.claimed = result, self.clock.now(), False
        log.warning("text to %s sent from memory (%s); it is recorded when the database takes writes again",
                    held.number.e164, result.status)

    def release(self, held: HeldCall) -> None:
        with self._lock:
            held.claimed = False

    # ---- writing ----------------------------------------------------------------------------

    def _write(self, held: HeldCall) -> bool:
        missed, number = held.missed, held.number
        now = self.clock.now()
        try:
            if held.decision is None:
                held.decision = decide_call(self.store, number.e164, missed.ended_at, missed.answered, now,
                                            self.texted_in_memory_at(number.e164))
        except StorageError as error:     # even reads failed: decide on the next try
            self.last_error = error
            return False
        try:
            if held.call_id is None:
                held.call_id = self.store.record_call(
                    number=number.e164, raw_number=number.raw, toa=missed.toa, started_at=missed.started_at,
                    ended_at=missed.ended_at, rings=missed.rings, end_signal=missed.end_signal, now=now,
                    forwarded=missed.forwarded)
            if held.direct is not None:
                assert held.decision is not None and held.decision.body and held.number.e164
                self.store.insert_sent(
                    number=held.number.e164, body=held.decision.body, kind=held.decision.template or "missed_open",
                    status=held.direct.status, created_at=held.direct_at or now,
                    sent_at=held.direct_at if held.direct.status == "sent" else None, refs=list(held.direct.refs),
                    parts=held.direct.parts, encoding=held.direct.encoding, call_id=held.call_id,
                    variant=held.decision.variant,
                    error_text=(f"sent while the database could not be written; {held.direct.error}".strip("; ")
                                if held.direct.status != "sent" else "sent while the database could not be written"))
            else:
                settle_call(self.store, held.call_id, number.e164, missed.ended_at, missed.answered, now,
                            decision=held.decision)
        except StorageError as error:
            self.last_error = error
            return False
        self.last_error = None
        if self.on_recorded is not None:
            self.on_recorded(held.call_id)
        return True
