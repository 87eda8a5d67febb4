"""Asking the modem for its call list while a call rings: the end of a call a modem does not print.

Many modems print nothing when the caller gives up; the RINGs just stop (MODEMS.md). Waiting for
the RING that does not come costs a ring interval plus `ring_timeout_margin` — 8 s with a 5 s
cadence. The call list (AT+CLCC, 27.007 §7.18) says at once whether the call is still there, so
the modem worker asks for it:

- only while the call tracker has a call, and only once POLL_EVERY has passed with no RING and
  no answer to an earlier AT+CLCC (a RING is itself the news that the call still rings: a modem
  that rings faster than that is never asked); ModemManager asks every 2 s while a call rings
  (src/mm-iface-modem-voice.c), chan_dongle on every RING;
- between two passes of the modem worker, the only thread that sends AT commands, so never while
  an AT+CMGS is in flight (one SMS part per pass: the list is asked for between parts);
- never again in this set-up once the modem answered ERROR (or nothing) to it: its calls end by
  the ring time-out, as before.

The answer goes to the line worker, behind every line the modem printed before it, and is handled
like a line: a call that left the list is committed within milliseconds by the call recorder.
"""

from __future__ import annotations

import logging

from agent.clock import Clock
from agent.errors import ModemTimeout
from agent.daemon.line_worker import LineWorker
from agent.modem.modem import Modem
from agent.rules.call_tracker import CallListing

__all__ = ["CallPoll", "POLL_EVERY"]

log = logging.getLogger(__name__)

POLL_EVERY = 1.0     # seconds without a RING (or an answer to the last AT+CLCC) before asking


class CallPoll:
    def __init__(self, line_worker: LineWorker, clock: Clock, every: float = POLL_EVERY):
        self.line_worker = line_worker
        self.clock = clock
        self.every = every
        self._last_answer = float("-inf")    # monotonic time of the last answer to AT+CLCC

    def due_at(self, modem: Modem | None) -> float | None:
        """Monotonic time of the next AT+CLCC, or None while there is nothing to ask about."""
        tracker = self.line_worker.tracker
        call = tracker.call if tracker is not None else None
        if call is None or modem is None or modem.call_list_works is False:
            return None
        return max(call.last_ring, self._last_answer) + self.every

    def poll(self, modem: Modem | None) -> bool:
        """Ask now if a call rings and the list is due; True when AT+CLCC was sent."""
        due = self.due_at(modem)
        if due is None or self.clock.monotonic() < due:
            return False
        assert modem is not None
        asked_at = self.clock.monotonic()
        try:
            calls = modem.call_list()
        except ModemTimeout as error:
            # the ring time-out still ends the call; whether the modem is hung is the keep-alive's call
            self._last_answer = self.clock.monotonic()
            modem.no_call_list(str(error))
            return True
        self._last_answer = self.clock.monotonic()
        if calls is None:
            return True
        self.line_worker.put_call_list(CallListing(tuple(calls), asked_at, self._last_answer,
                                                   trusted=modem.lists_ringing_calls))
        return True
