"""The call tracker: RING / caller ID … end of call → exactly one MissedCall per call.

Fed events in arrival order, plus `tick(now)` so a modem that prints nothing when the caller
gives up still ends its call: after the measured ring interval plus a margin without a RING.
A family's own end lines (NO CARRIER, MISSED_CALL, +CLCC stat 6 …) can come several per call;
the first ends the call and the rest are recognised as the same call and dropped.

While a call rings, the modem worker asks the modem for its call list (AT+CLCC) and the answer
comes here in line order (`list_answer`): a call that has left the list, or shows stat 6, is
over — seconds before the RING that does not come would tell; stat 0 means someone answered it.
An empty list is believed only for a call this modem has listed before (or once the modem has
listed a ringing call in this set-up), and only when no RING came after the list was asked for.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from typing import Protocol
from datetime import datetime, timedelta

from agent.events import CallAnswered, CallEnded, CallerId, CallForwarded, CallListed, Event, Ring

__all__ = ["CallTracker", "MissedCall", "CallTiming", "CallListing", "ENDED_ECHO_SECONDS", "LIST_SIGNAL"]

log = logging.getLogger(__name__)

ENDED_ECHO_SECONDS = 60.0   # a late end line naming a call we already ended is the same call
UNKNOWN_ECHO_SECONDS = 5.0  # … or, for a call whose number we never learnt, any end line this soon after
MIN_RING_GAP = 0.15         # closer RINGs are one ring printed twice (RING and +CRING), not an interval
CLCC_ENDED = 6
CLCC_RINGING = (4, 5)       # 27.007 §7.18 <stat>: incoming, waiting
CLCC_ANSWERED = (0, 1)      # active, held
LIST_SIGNAL = "AT+CLCC"     # the end signal of a call found gone from the modem's call list
ANSWERED_ELSEWHERE = 26     # 24.008 cause #26 "non-selected user clearing": another phone on the number answered
FORWARD_NOTICE_SECONDS = 10.0   # a +CSSU: 0 this soon before a call's first RING belongs to it


class CallTiming(Protocol):
    """What the tracker needs to know of a modem family (agent/modem/dialects.py's Dialect has it)."""
    name: str
    silent: bool              # may print nothing at all when the caller gives up
    ring_interval: float      # typical seconds between RINGs, until measured


@dataclass(frozen=True)
class MissedCall:
    raw_number: str
    toa: int | None
    validity: int | None
    started_at: datetime
    ended_at: datetime
    rings: int
    end_signal: str
    answered: bool = False
    forwarded: bool = False       # the network said so (+CSSU: 0): forwarded here from another line


@dataclass(frozen=True)
class CallListing:
    """The modem's answer to AT+CLCC: its voice calls at `answered_at`, asked for at `asked_at`
    (monotonic seconds). `trusted`: this modem has listed a ringing call since it was set up, so an
    empty list means no call even for a call it has not listed yet."""
    calls: tuple[CallListed, ...]
    asked_at: float
    answered_at: float
    trusted: bool = False


@dataclass
class _Active:
    started_at: datetime
    started_mono: float
    last_ring: float
    rings: int = 0
    raw_number: str = ""
    toa: int | None = None
    validity: int | None = None
    answered: bool = False
    forwarded: bool = False
    forward_tentative: bool = False   # the +CSSU: 0 came after +CLIP: this call's, or the next caller's
    listed: bool = False          # seen in the modem's call list (+CLCC, ^DSCI, AT+CLCC)
    intervals: list[float] = field(default_factory=list)


class CallTracker:
    def __init__(self, dialect: CallTiming, margin: float = 3.0):
        self.dialect = dialect
        self.margin = margin
        self.call: _Active | None = None
        self._recent: list[tuple[float, str, bool]] = []   # (monotonic end, raw number, withheld) of ended calls
        self._forwarded_at: float | None = None   # +CSSU: 0 that came before the call's first RING

    # ---- input -------------------------------------------------------------------------------

    def feed(self, event: Event, mono: float, wall: datetime) -> MissedCall | None:
        """One event in; a finished call out (or None)."""
        if isinstance(event, Ring):
            self._ring(mono, wall)
        elif isinstance(event, CallerId):
            return self._caller(event.number, event.toa, event.validity, mono, wall)
        elif isinstance(event, CallListed):
            return self._listed(event, mono, wall)
        elif isinstance(event, CallAnswered):
            if self.call is not None:
                self.call.answered = True
        elif isinstance(event, CallForwarded):
            # sent during a call's set-up (27.007 §7.17): before its RING on most modems, or just
            # after. A call already named by +CLIP is past set-up, so the notice is the next one's:
            # on a silent modem an earlier caller's call can still be open when a new one rings.
            if self.call is not None:
                self.call.forwarded = True
                # once named, the call may be this caller's (notice while alerting) or, if another
                # caller's +CLIP follows, that next call's: decided then (_caller)
                self.call.forward_tentative = bool(self.call.raw_number)
            if self.call is None or self.call.forward_tentative:
                self._forwarded_at = mono
        elif isinstance(event, CallEnded):
            return self._ended(event, mono, wall)
        return None

    def list_answer(self, listing: CallListing, wall: datetime) -> MissedCall | None:
        """The modem's call list (AT+CLCC), in line order; `wall` is the wall time of its answer."""
        call = self.call
        if call is None:
            return None            # ended meanwhile by a line: nothing to learn
        mono = listing.answered_at
        asked_wall = wall - timedelta(seconds=max(0.0, mono - listing.asked_at))
        incoming = [entry for entry in listing.calls if entry.incoming]
        mine = [entry for entry in incoming if self._same_caller(entry.number)]
        if any(entry.stat == CLCC_ENDED for entry in mine):
            return self._finish(LIST_SIGNAL, mono, asked_wall)
        if any(entry.stat in CLCC_ANSWERED for entry in mine):
            call.answered = call.listed = True
            return None
        if any(entry.stat in CLCC_RINGING for entry in mine):
            call.listed = True
            return None
        if call.last_ring > listing.asked_at:
            return None            # a RING came after the list was asked for: the list is older news
        others = [entry for entry in incoming if entry.stat in CLCC_RINGING]
        if not (call.listed or listing.trusted or others):
            return None            # never seen listed: an empty list may be this modem's blind spot
        ended = self._finish(LIST_SIGNAL, mono, asked_wall)
        if others:                 # the first caller gave up and another rings: a new call
            entry = others[0]
            self.call = _Active(started_at=wall, started_mono=mono, last_ring=mono, raw_number=entry.number,
                                toa=entry.toa, listed=True)
        return ended

    def tick(self, mono: float, wall: datetime) -> MissedCall | None:
        """End a call whose RINGs stopped: for silent families this is the end-of-call signal."""
        if self.call is None or self.call.answered:
            return None
        deadline = self.deadline()
        if deadline is not None and mono >= deadline:
            silence = mono - self.call.last_ring
            return self._finish("ring-timeout", mono, wall - timedelta(seconds=max(0.0, silence - self.interval())))
        return None

    def end_now(self, signal: str, mono: float, wall: datetime) -> MissedCall | None:
        """We ended the call ourselves (ring-out after N rings)."""
        if self.call is None:
            return None
        return self._finish(signal, mono, wall)

    def deadline(self) -> float | None:
        """Monotonic time at which the active call counts as over if no RING comes first."""
        if self.call is None:
            return None
        wait = self.interval() + self.margin
        if not self.dialect.silent:
            wait += self.interval()   # its own end line is the signal; this is only a safety net
        return self.call.last_ring + wait

    def interval(self) -> float:
        if self.call and self.call.intervals:
            return statistics.median(self.call.intervals[-4:])
        return self.dialect.ring_interval

    # ---- state changes -----------------------------------------------------------------------

    def _start(self, mono: float, wall: datetime) -> _Active:
        if self.call is None:
            self.call = _Active(started_at=wall, started_mono=mono, last_ring=mono,
                                forwarded=self._take_forward_notice(mono))
        return self.call

    def _take_forward_notice(self, mono: float) -> bool:
        """A +CSSU: 0 seen shortly before belongs to the call starting now."""
        forwarded = self._forwarded_at is not None and mono - self._forwarded_at <= FORWARD_NOTICE_SECONDS
        self._forwarded_at = None
        return forwarded

    def _ring(self, mono: float, wall: datetime) -> None:
        call = self._start(mono, wall)
        if call.rings:
            gap = mono - call.last_ring
            if MIN_RING_GAP <= gap <= 30:
                call.intervals.append(gap)
        call.rings += 1
        call.last_ring = mono

    def _caller(self, number: str, toa: int | None, validity: int | None, mono: float,
                wall: datetime) -> MissedCall | None:
        """+CLIP. A different number while a call is open means the first caller gave up unseen (a silent
        modem) and a new caller is ringing: the first call ends here, the new one starts."""
        ended = None
        if self.call is not None and self._other_caller(number):
            rang = self.call
            if rang.forward_tentative:
                rang.forwarded = False          # the notice came after this caller was named: the next one's
            notice = self._take_forward_notice(mono)
            ended = self._finish("next-caller", mono, wall)
            self.call = _Active(started_at=wall, started_mono=mono, last_ring=mono,
                                rings=1 if rang.last_ring >= mono - MIN_RING_GAP else 0, forwarded=notice)
        call = self._start(mono, wall)
        if number or not call.raw_number:
            call.raw_number, call.toa, call.validity = number, toa, validity
        return ended

    def _same_caller(self, number: str) -> bool:
        """A listed call is ours unless both numbers are known and differ."""
        assert self.call is not None
        known = _digits(self.call.raw_number)[-9:]
        return not known or not _digits(number) or _digits(number)[-9:] == known

    def _other_caller(self, number: str) -> bool:
        assert self.call is not None
        known = _digits(self.call.raw_number)[-9:]
        return bool(known) and bool(_digits(number)) and _digits(number)[-9:] != known

    def _listed(self, event: CallListed, mono: float, wall: datetime) -> MissedCall | None:
        if not event.incoming:
            return None
        if event.stat == CLCC_ENDED:
            return self._ended(CallEnded(event.signal, event.number, event.toa), mono, wall)
        if event.stat in (4, 5):
            if self.call is not None and self._other_caller(event.number):
                return self._caller(event.number, event.toa, None, mono, wall)
            call = self._start(mono, wall)
            call.listed = True
            if event.number and not call.raw_number:
                call.raw_number, call.toa = event.number, event.toa
        elif event.stat == 0 and self.call is not None:
            self.call.answered = self.call.listed = True
        return None

    def _ended(self, event: CallEnded, mono: float, wall: datetime) -> MissedCall | None:
        self._recent = [entry for entry in self._recent if mono - entry[0] < ENDED_ECHO_SECONDS]
        if self.call is not None:
            if event.number and not self.call.raw_number:
                self.call.raw_number, self.call.toa = event.number, event.toa
            if event.cause == ANSWERED_ELSEWHERE:
                self.call.answered = True      # a twin SIM (or a parallel ringing phone) took it
            return self._finish(event.signal, mono, wall)
        if event.number and not self._echo(event.number, mono):
            # e.g. MISSED_CALL with no RING seen (RING lost, or printed while we were reconnecting)
            self.call = _Active(started_at=wall, started_mono=mono, last_ring=mono,
                                raw_number=event.number, toa=event.toa)
            return self._finish(event.signal, mono, wall)
        log.debug("end line %s for a call already ended; ignored", event.signal)
        return None

    def _echo(self, number: str, mono: float) -> bool:
        """A late end line for a call already ended: the same number, or — for a call whose number we
        never learnt (no caller ID line, not withheld) — any number within a few seconds (its
        MISSED_CALL names it after NO CARRIER). A withheld call never gets a number afterwards."""
        tail = _digits(number)[-9:]
        return any(_digits(n)[-9:] == tail if n else (not withheld and mono - t < UNKNOWN_ECHO_SECONDS)
                   for t, n, withheld in self._recent)

    def _finish(self, signal: str, mono: float, ended_at: datetime) -> MissedCall:
        call, self.call = self.call, None
        assert call is not None
        if call.forward_tentative:
            self._forwarded_at = None           # it was this call's notice after all
        withheld = call.toa == 128 or call.validity in (1, 2)
        self._recent.append((mono, call.raw_number, withheld))
        return MissedCall(raw_number=call.raw_number, toa=call.toa, validity=call.validity,
                          started_at=call.started_at, ended_at=ended_at, rings=call.rings,
                          end_signal=signal, answered=call.answered, forwarded=call.forwarded)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
