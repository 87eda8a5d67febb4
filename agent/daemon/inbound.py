"""Received SMS: every PDU the modem gives (+CMGR, +CMGL, +CMT, +CDS), stored once and acted on once.

`Inbound.receive_pdu` commits the part, the whole message once every part is in (reassembly.py)
and every text it causes (replies.py, deciding with agent.rules.replies) in ONE transaction; only
then may the service delete it from the SIM. The same PDU handed twice (a crash between the commit
and AT+CMGD) finds its part already stored and does nothing. Delivery reports go to
delivery_reports.py; picture messages, data and indications are recorded, never read as words.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from agent.clock import Clock
from agent.daemon.delivery_reports import DeliveryReports, report_meaning
from agent.daemon.reassembly import PARTIAL_TIMEOUT, first_of_each, join
from agent.daemon.replies import Received, Replies
from agent.errors import StorageError
from agent.rules.keywords import classify
from agent.rules.numbers import to_e164
from agent.rules.replies import (OWNER_NOTES_PER_HOUR, RELAYS_PER_CALLER_PER_HOUR, RELAYS_PER_HOUR, is_carrier)
from agent.rules.settings import Settings
from agent.rules.vocabulary import InKind, InStatus
from agent.sms.pdu import Deliver, PduError, StatusReport, decode_pdu
from agent.sms.user_data import join_split_halves
from agent.store import Store, Transaction

__all__ = ["Inbound", "PARTIAL_TIMEOUT", "RELAYS_PER_CALLER_PER_HOUR", "RELAYS_PER_HOUR", "OWNER_NOTES_PER_HOUR",
           "report_meaning"]

log = logging.getLogger(__name__)

def _describe(sms: Deliver, content: str) -> str:
    try:
        from agent.sms.pdu import describe_non_text
        return describe_non_text(sms)
    except ImportError:
        return {"binary": "sent a data message (settings or an app message), not shown",
                "indication": "a voicemail or message-waiting indication",
                "silent": "a silent network message (type 0)"}.get(content, "a message that is not text")


PICTURE_MESSAGE = "sent a picture message (it can't be shown here; call or text them back)"


def _content(sms: Deliver) -> str:
    return getattr(sms, "content", "text")


class Inbound:
    def __init__(self, store: Store, clock: Clock, import_max_age_hours: int = 24,
                 unsaved_optouts: set[str] | None = None):
        self.store = store
        self.clock = clock
        # STOPs read but not yet committed (the database was locked or full): honoured from memory
        self.unsaved_optouts: set[str] = unsaved_optouts if unsaved_optouts is not None else set()
        self.max_age = timedelta(hours=import_max_age_hours)
        self.history_imported = 0
        self.replies = Replies(store, self.unsaved_optouts)
        self.reports = DeliveryReports(store)

    def take_stored(self, pdu_hex: str, stat: int) -> bool:
        """A message read from a SIM storage (stat as 27.005: 0 unread, 1 read, 2 unsent, 3 sent).
        Drafts and sent messages an old phone left are not customer messages: kept as that phone's
        history. True once committed, so the SIM copy may be deleted."""
        if stat in (2, 3):
            try:
                decoded = decode_pdu(pdu_hex)
                number = getattr(decoded, "recipient", "") or getattr(decoded, "number", "") or ""
                body = getattr(decoded, "text", "") or ""
            except PduError as error:
                number, body = "", f"(unreadable: {error})"
            try:
                if self.store.add_sim_history(stat=stat, number=str(number), body=str(body), pdu=pdu_hex,
                                              now=self.clock.now()):
                    self.history_imported += 1
            except StorageError as error:
                log.error("could not keep a SIM draft (%s); it stays on the SIM", error)
                return False
            return True
        return self.receive_pdu(pdu_hex)

    # ---- from the modem ------------------------------------------------------------------------

    def receive_pdu(self, pdu_hex: str) -> bool:
        """Store (and act on) one PDU; True once committed, so the SIM copy may be deleted."""
        now = self.clock.now()
        try:
            decoded = decode_pdu(pdu_hex)
        except PduError as error:
            decoded = error
        try:
            if isinstance(decoded, PduError):
                log.warning("unreadable SMS PDU kept aside (%s)", decoded)
                self.store.record_unreadable(str(pdu_hex), str(decoded), now)
            elif isinstance(decoded, Deliver):
                self._deliver(decoded, now)
            elif isinstance(decoded, StatusReport):
                self.reports.receive(decoded, pdu_hex, now)
            else:
                self.store.record_unreadable(pdu_hex, "an SMS-SUBMIT (a text to send), not a received one", now)
        except StorageError as error:
            log.error("could not store a received SMS (%s); it stays on the SIM for another try", error)
            self._note_unsaved_stop(decoded)
            return False
        return True

    def _note_unsaved_stop(self, decoded: object) -> None:
        """A STOP that cannot be saved yet still counts at once: no text goes to that number from
        memory or from the queue until the store has it (principle: nothing after STOP)."""
        if not isinstance(decoded, Deliver) or _content(decoded) != "text" or classify(decoded.text) != "stop":
            return
        try:
            country = self.store.load_settings().country
        except StorageError:
            country = "GB"
        number = to_e164(decoded.sender, country) or decoded.sender
        self.unsaved_optouts.add(number)
        log.warning("STOP from %s could not be saved yet; honoured from memory meanwhile", number)

    def _deliver(self, sms: Deliver, now: datetime) -> None:
        settings = self.store.load_settings()
        history = sms.sent_at < now - self.max_age
        content = _content(sms)
        if content != "text":
            return self._non_text(sms, content, history, settings, now)
        concat = sms.concat
        if concat is None or concat.total < 2 or not 1 <= concat.seq <= concat.total:
            ref, total, seq = -1, 1, 1
        else:
            ref, total, seq = concat.ref, concat.total, concat.seq
        with self.store.transaction() as tx:
            part_id = self.store.add_part(tx, sender=sms.sender, sender_toa=sms.sender_toa, sent_at=sms.sent_at,
                                          concat_ref=ref, total=total, seq=seq, text=sms.text,
                                          encoding=sms.encoding, now=now)
            if part_id is None:
                log.info("SMS part from %s read again; already stored", sms.sender)
                return
            if ref == -1:
                self._store_whole(tx, settings, sms.sender, sms.sender_toa, sms.text, sms.encoding,
                                  sms.sent_at, [part_id], partial=False, now=now, history=history)
                return
            parts = first_of_each(self.store.waiting_parts(sms.sender, ref, total))
            if len(parts) < total:
                log.info("SMS part %d of %d from %s stored; waiting for the rest", seq, total, sms.sender)
                return
            self._join(tx, settings, parts, total, now)

    def flush_partials(self) -> int:
        """Store multipart messages still missing parts after PARTIAL_TIMEOUT; returns how many."""
        now = self.clock.now()
        settings = self.store.load_settings()
        flushed = 0
        for sender, ref, total in self.store.overdue_part_groups(now - PARTIAL_TIMEOUT):
            with self.store.transaction() as tx:
                parts = first_of_each(self.store.waiting_parts(sender, ref, total))
                if parts:
                    log.warning("SMS from %s: %d of %d parts after %s; stored as partial", sender, len(parts),
                                total, PARTIAL_TIMEOUT)
                    self._join(tx, settings, parts, total, now)
                    flushed += 1
        return flushed

    def _join(self, tx: Transaction, settings: Settings, parts: dict, total: int, now: datetime) -> None:
        whole = join(parts, total)
        self._store_whole(tx, settings, whole.sender, whole.sender_toa, whole.body, whole.encoding, whole.sent_at,
                          list(whole.part_ids), partial=whole.partial, now=now)

    def _store_whole(self, tx: Transaction, settings: Settings, sender: str, toa: int, body: str,
                     encoding: str, sent_at: datetime, part_ids: list[int], *, partial: bool, now: datetime,
                     history: bool = False) -> None:
        body = join_split_halves(body)
        carrier = is_carrier(sender, toa)
        number = sender if carrier else (to_e164(sender, settings.country) or sender)
        history = history or sent_at < now - self.max_age
        kind = InKind.CARRIER if carrier else (InKind.HISTORY if history else InKind.SMS)
        message_id = self.store.add_inbound(tx, number=number, body=body, kind=kind,
                                            status=InStatus.PARTIAL if partial else InStatus.RECEIVED, sent_at=sent_at,
                                            encoding=encoding, part_ids=part_ids, now=now)
        if history:
            # an old SIM's inbox (or a message the network held for days): the conversation keeps it,
            # nothing is answered or relayed; but a STOP is a STOP however late it arrives: the number
            # is opted out at once, silently (the confirmation is due within 5 minutes or not at all)
            self.history_imported += 1
            log.info("message %d from %s sent %s is older than %s: kept as history", message_id, number,
                     sent_at.isoformat(), self.max_age)
            if not carrier and number != settings.owner_phone and classify(body) == "stop":
                self.unsaved_optouts.discard(number)
                if self.store.add_optout_in(tx, number, now, body.strip()[:40]):
                    log.info("%s opted out by a STOP sent %s (message %d); not confirmed, it is too late",
                             number, sent_at.isoformat(), message_id)
            return
        self.replies.act(tx, settings, Received(message_id, number, body, partial, carrier), now)

    def _non_text(self, sms: Deliver, content: str, history: bool, settings: Settings, now: datetime) -> None:
        """Picture messages, data, indications, silent type-0: never read as words, never answered.
        A caller's picture message is shown and relayed as a sentence; the rest are records only."""
        carrier = is_carrier(sms.sender, sms.sender_toa)
        number = sms.sender if carrier else (to_e164(sms.sender, settings.country) or sms.sender)
        concat = sms.concat
        ref, total, seq = (concat.ref, concat.total, concat.seq) if concat and concat.total > 1 else (-1, 1, 1)
        body = PICTURE_MESSAGE if content == "mms" else _describe(sms, content)
        with self.store.transaction() as tx:
            part_id = self.store.add_part(tx, sender=sms.sender, sender_toa=sms.sender_toa, sent_at=sms.sent_at,
                                          concat_ref=ref if ref != -1 else -2, total=total, seq=seq,
                                          text=f"{content}:{getattr(sms, 'data', b'').hex()}"[:4000],
                                          encoding=content, now=now)
            if part_id is None or seq != 1 and content != "mms":
                return          # read again, or a later part of a data message: the first part speaks for it
            if content == "mms" and seq != 1:
                return          # one picture message is one conversation entry (its first part)
            kind = InKind.HISTORY if history else (InKind.MMS if content == "mms" else InKind.NONTEXT)
            message_id = self.store.add_inbound(tx, number=number, body=body, kind=kind, status=InStatus.RECEIVED,
                                                sent_at=sms.sent_at, encoding=content, part_ids=[part_id], now=now)
            if content == "mms" and not history and not carrier and number != settings.owner_phone:
                self.replies.relay(tx, settings, Received(message_id, number, body, False, False), now)
        if content == "indication" and not history:
            indication = getattr(sms, "indication", None)
            waiting = indication is None or (indication.active and indication.count != 0)
            # a "voicemail waiting" notice means voicemail is on for the SIM; "cleared" takes it back
            self.store.set_modem_state(now, voicemail_indication=body if waiting else "")

