"""Due texts → the modem. queued → sending (durable) → AT+CMGS per part → sent / retry / failed.

A +CMS ERROR is a definite "not sent": transient codes are retried with backoff, permanent ones
fail with the code and its meaning stored. A timeout or a lost port after the PDU was written is
not definite: the text is `ambiguous`, shown to the owner, and never resent automatically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.clock import Clock, parse_utc
from agent.rules.replies import confirmation_too_late
from agent.errors import CommandError, ModemError, ModemResetFound, StorageError
from agent.daemon.followup import followup_still_wanted
from agent.modem.modem import Modem
from agent.sms.pdu import encode_submit, segment_info
from agent.store import Message, Store

__all__ = ["Sender", "write_owed", "DirectResult", "AUTO_KINDS", "TRANSIENT_CMS", "CMS_MEANINGS", "BACKOFF_SECONDS", "cms_meaning"]

log = logging.getLogger(__name__)

# 3GPP TS 27.005 §3.2.5 and 24.011 causes seen on sends; transient ones are worth another try.
TRANSIENT_CMS = frozenset({38, 41, 42, 47, 98, 111, 314, 331, 332, 500, 512, 513, 514, 515})
CMS_MEANINGS: dict[int, str] = {
    1: "unassigned (unallocated) number", 8: "operator determined barring", 10: "call barred",
    21: "short message transfer rejected", 27: "destination out of service", 28: "unidentified subscriber",
    29: "facility rejected", 30: "unknown subscriber", 38: "network out of order",
    41: "temporary failure", 42: "congestion", 47: "resources unavailable", 50: "requested facility not subscribed",
    69: "requested facility not implemented", 96: "invalid message", 98: "message type not compatible with state",
    111: "protocol error", 300: "ME failure", 301: "SMS service of ME reserved", 302: "operation not allowed",
    303: "operation not supported", 304: "invalid PDU mode parameter", 305: "invalid text mode parameter",
    310: "SIM not inserted", 311: "SIM PIN required", 313: "SIM failure", 314: "SIM busy",
    320: "memory failure", 322: "memory full", 330: "SMSC address unknown (set AT+CSCA)",
    331: "no network service", 332: "network timeout", 500: "unknown error",
}
BACKOFF_SECONDS = (10, 30, 120, 600, 1800)
AUTO_KINDS = frozenset({"missed_open", "missed_closed", "followup"})
# sent even to an opted-out number: the STOP's one confirmation, the owner's own alerts, and the
# answer to HELP (CTIA: HELP is answered whatever the subscription state; once a day a number)
NEVER_CANCELLED_KINDS = frozenset({"optout_confirm", "owner_alert", "help"})


_CODE_BY_MEANING = {meaning.lower(): code for code, meaning in CMS_MEANINGS.items()}
_CODE_BY_MEANING.update({"network timeout": 332, "no network service": 331, "sim busy": 314,
                         "temporary failure": 41, "congestion": 42, "unknown error": 500, "unknown": 500})


def cms_code(error: CommandError) -> int | None:
    """The +CMS code, also from the verbose form some modems print ("+CMS ERROR: Network timeout")."""
    if error.code is not None:
        return error.code
    return _CODE_BY_MEANING.get(error.text.strip().lower())


def cms_meaning(code: int | None) -> str:
    if code is None:
        return "modem answered ERROR"
    return CMS_MEANINGS.get(code, "network error")


@dataclass
class _InFlight:
    """The text being sent: its parts, and how far it got."""
    message: Message
    parts: list
    refs: list[int]
    next_part: int


@dataclass(frozen=True)
class DirectResult:
    """A text sent straight from memory (the database could not be written)."""
    status: str                 # sent, failed or ambiguous
    refs: tuple[int, ...]
    parts: int
    encoding: str
    error: str = ""


def write_owed(owed: list) -> None:
    """The writes a locked or full database refused after a send, in order, as far as it takes them."""
    while owed:
        try:
            owed[0]()
        except StorageError:
            return
        owed.pop(0)


class Sender:
    """Sends at most one SMS part per call of `send_next_part`, so the agent loop reads the modem's
    lines and runs its other work between the parts of a long text and between texts."""

    def __init__(self, store: Store, modem: Modem, clock: Clock, backoff: tuple[float, ...] = BACKOFF_SECONDS,
                 unsaved_optouts: set[str] | None = None, owed: list | None = None):
        self.unsaved_optouts: set[str] = unsaved_optouts if unsaved_optouts is not None else set()
        self.backoff = backoff
        self.store = store
        self.modem = modem
        self.clock = clock
        self.current: _InFlight | None = None
        # writes the database refused after a part went out; the list outlives this sender (the
        # agent hands it to the next one after a reconnect or a reset), so none is ever dropped
        self.owed: list = owed if owed is not None else []

    def _after_send(self, write) -> None:
        if self.owed:
            self.owed.append(write)
            return
        try:
            write()
        except StorageError as error:
            log.warning("the text went out but the database refused the record (%s); will retry", error)
            self.owed.append(write)

    def send_next_part(self) -> bool:
        """One step of the queue: send the next part of the text in progress, or start the next due
        text. Returns True when it did something (call again), False when nothing is due.
        ModemGone/ModemTimeout propagate (after the text's state is recorded) so the agent can
        reconnect."""
        if not self.modem.pdu_mode:
            return False
        if self.current is None:
            due = self.store.due_messages(self.clock.now(), 1)
            if not due:
                return False
            if not self._begin(due[0]):
                return True
        return self._send_part()

    @property
    def busy(self) -> bool:
        """A text is half sent: its next part goes before anything else is started."""
        return self.current is not None

    def _begin(self, message: Message) -> bool:
        if message.kind == "optout_confirm" and confirmation_too_late(parse_utc(message.created_at), self.clock.now()):
            # the one text allowed after a STOP goes within 5 minutes (FCC) or not at all
            self.store.mark_stale(message.id, "opt-out confirmation not sent within 5 minutes of the STOP")
            return False
        if message.kind not in NEVER_CANCELLED_KINDS and (message.number in self.unsaved_optouts
                                                          or self.store.is_opted_out(message.number)):
            # queued before the STOP arrived (a delayed text, a follow-up, an owner's answer): never send
            self.store.cancel(message.id, "the number opted out (STOP) before this was sent", "opted_out")
            return False
        if message.kind == "followup" and not followup_still_wanted(self.store, message.call_id, message.number):
            self.store.cancel(message.id, "the caller replied; no follow-up needed")
            return False
        concat_ref = message.concat_ref if message.concat_ref is not None else (message.id * 37) % 256
        parts = encode_submit(message.number, message.body, concat_ref=concat_ref, status_report=True)
        encoding = segment_info(message.body).encoding
        if not self.store.claim(message.id, concat_ref, len(parts), encoding):
            return False
        self.current = _InFlight(message, parts, list(message.refs), message.parts_sent)
        return True

    def _send_part(self) -> bool:
        flight = self.current
        assert flight is not None
        message = flight.message
        part = flight.parts[flight.next_part]
        if not self.modem.still_in_pdu_mode():
            self.current = None
            if flight.next_part:
                self._after_send(lambda: self.store.mark_ambiguous(
                    message.id, f"the modem was reset after {flight.next_part} of {len(flight.parts)} parts; not resent"))
            else:   # nothing went out: back in the queue, due at once once the modem is set up again
                now = self.clock.now()
                self._after_send(lambda: self.store.mark_retry(message.id, now, None,
                                                               "the modem was reset before this was sent"))
            raise ModemResetFound("the modem is in text mode (+CMGF: 1): it was reset")
        try:
            reference = self.modem.send_pdu(part.tpdu_length, part.hex)
        except CommandError as error:
            self.current = None
            self._after_send(lambda error=error: self._refused(message, error))
            return True
        except ModemError as error:
            self.current = None
            if error.after_pdu or flight.next_part > 0:
                self._after_send(lambda error=error: self.store.mark_ambiguous(
                    message.id, f"no confirmation from the modem ({error}); not resent"))
            else:
                self._after_send(lambda error=error: self._retry(message, None, f"modem not ready: {error}"))
            raise
        flight.refs.append(reference if reference is not None else -1)
        flight.next_part += 1
        refs = list(flight.refs)
        self._after_send(lambda: self.store.part_sent(message.id, part.part, refs))
        if flight.next_part < len(flight.parts):
            return True
        self.current = None
        sent_at = self.clock.now()
        self._after_send(lambda: self.store.mark_sent(message.id, sent_at))
        log.info("text %d sent (%d part%s)", message.id, len(flight.parts), "s" if len(flight.parts) > 1 else "")
        return True

    def abandon(self, why: str) -> None:
        """Stop with a text half sent (the agent stops, the modem was lost or reset between two parts):
        it may have reached the phone in part, so it is ambiguous, never resent. A database that
        refuses the write leaves it owed, as after any send."""
        flight = self.current
        if flight is not None:
            self.current = None
            text = f"{why} after {flight.next_part} of {len(flight.parts)} parts; not resent"
            self._after_send(lambda: self.store.mark_ambiguous(flight.message.id, text))

    def send_direct(self, number: str, body: str) -> DirectResult:
        """Send a text that only exists in memory (its call could not be written to the database: a
        locked database or a full disk). The text needs no disk; the record is written later."""
        parts = encode_submit(number, body, concat_ref=(hash(number) & 0xFF), status_report=True)
        encoding = segment_info(body).encoding
        refs: list[int] = []
        try:
            for part in parts:
                if not self.modem.still_in_pdu_mode():
                    if refs:
                        return DirectResult("ambiguous", tuple(refs), len(parts), encoding, "the modem was reset")
                    raise ModemResetFound("the modem is in text mode (+CMGF: 1): it was reset")
                reference = self.modem.send_pdu(part.tpdu_length, part.hex)
                refs.append(reference if reference is not None else -1)
        except CommandError as error:
            return DirectResult("failed", tuple(refs), len(parts), encoding, str(error))
        except ModemError as error:
            if error.after_pdu or refs:
                return DirectResult("ambiguous", tuple(refs), len(parts), encoding, str(error))
            raise
        return DirectResult("sent", tuple(refs), len(parts), encoding)

    def _refused(self, message: Message, error: CommandError) -> None:
        code = cms_code(error) if error.kind == "CMS" else None
        if error.kind == "CMS" and code is None:
            meaning = error.text or "network error"      # a verbose form we do not know: retry, bounded
            transient = True
        elif error.kind == "CME":
            meaning = str(error)
            transient = error.code in (14, 515) or "busy" in error.text.lower()   # SIM/modem busy
        else:
            meaning = cms_meaning(code)
            transient = code in TRANSIENT_CMS or error.kind == "ERROR"
        if transient and message.attempts + 1 < len(self.backoff) + 1:
            self._retry(message, code, meaning)
        else:
            log.warning("text %d failed: +CMS ERROR %s (%s)", message.id, code, meaning)
            self.store.mark_failed(message.id, code, meaning)

    def _retry(self, message: Message, code: int | None, text: str) -> None:
        delay = self.backoff[min(message.attempts, len(self.backoff) - 1)]
        when: datetime = self.clock.now() + timedelta(seconds=delay)
        log.info("text %d: %s; retry in %g s", message.id, text, delay)
        self.store.mark_retry(message.id, when, code, text)
