"""Received SMS: reassemble, store, then act — opt-outs, HELP, owner relay, owner answers, delivery reports.

Each PDU read from the modem (+CMGR, +CMGL, +CMT, +CDS) is handed to `Inbound.receive_pdu`. The
part, the whole message (once every part is in) and every text it causes are committed in ONE
transaction; only then may the service delete it from the SIM. The same PDU handed twice (a crash
between the commit and AT+CMGD) finds its part already stored and does nothing: stored once, acted
on once. Parts are joined by (sender, concat ref, total) before anything reads the text.

What a whole message leads to, in this order:
1. carrier noise — an alphanumeric sender or a short code (at most 6 digits): stored, nothing else;
2. STOP and its spellings — opted out at once, one confirmation (only the first time);
   START / UNSTOP / YES from an opted-out number — opted in, one confirmation (from anyone else it
   is an ordinary reply); HELP / INFO — the help template (never to an opted-out number);
3. from the owner's phone — an answer command (keywords.owner_command) or a short usage reply;
4. anything else — relayed to the owner's phone, rate-limited per caller and overall.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.clock import Clock, parse_utc
from agent.errors import StorageError, TemplateError
from agent.rules.hours import describe_next_open, parse_hours
from agent.rules.keywords import classify, owner_command
from agent.sms.pdu import Deliver, PduError, StatusReport, decode_pdu
from agent.rules.numbers import pretty, to_e164
from agent.rules.settings import Settings
from agent.rules.vocabulary import InKind
from agent.store import InboundPart, Store, Transaction
from agent.rules.templates import DEFAULT_TEMPLATES, format_call_time, render

__all__ = ["Inbound", "PARTIAL_TIMEOUT", "RELAYS_PER_CALLER_PER_HOUR", "RELAYS_PER_HOUR",
           "OWNER_NOTES_PER_HOUR", "ANSWERS_PER_NUMBER_PER_HOUR", "report_meaning"]

log = logging.getLogger(__name__)

PARTIAL_TIMEOUT = timedelta(minutes=10)
RELAYS_PER_CALLER_PER_HOUR = 5
RELAYS_PER_HOUR = 30
OWNER_NOTES_PER_HOUR = 5             # usage replies and notices to the owner
ANSWERS_PER_NUMBER_PER_HOUR = 3      # HELP answers and START confirmations to one number
RELAY_TEXT_LIMIT = 600               # characters of a reply put in the relay; the inbox has it all
HOUR = timedelta(hours=1)

PARTIAL_ANSWER = "TextBack: part of your message never arrived, so nothing was sent. Please send it again."
USAGE = "TextBack: to answer #12 send R 12 <your answer>. To text any number send @07911123456 <text>."
NO_SUCH_MESSAGE = "TextBack: there is no customer message #{id}. Send R <number> <your answer>."
BAD_NUMBER = "TextBack: {number} is not a phone number I can text. Send @07911123456 <text>."
OPTED_OUT = "TextBack: {caller} has opted out (STOP); your answer was not sent."

# TP-ST values (3GPP TS 23.040 9.2.3.15); 0x6x are the 0x2x reasons after the network gave up.
_REPORT_REASONS = {
    0x20: "network congestion", 0x21: "the phone was busy", 0x22: "no answer from the phone",
    0x23: "service rejected", 0x24: "quality of service not available", 0x25: "error in the receiving phone",
    0x40: "remote procedure error", 0x41: "incompatible destination", 0x42: "the phone refused it",
    0x43: "number not reachable", 0x44: "quality of service not available", 0x45: "no interworking available",
    0x46: "it expired before the phone could take it", 0x47: "deleted by the sender",
    0x48: "deleted by the network", 0x49: "the network has no such text",
}


def report_meaning(status: int) -> str:
    """A failed delivery report's status as the owner reads it."""
    reason = _REPORT_REASONS.get(status) or _REPORT_REASONS.get(status - 0x40) or "network error"
    return f"not delivered: {reason} (status {status:#04x})"


def _describe(sms: Deliver, content: str) -> str:
    try:
        from agent.sms.pdu import describe_non_text
        return describe_non_text(sms)
    except ImportError:
        return {"binary": "sent a data message (settings or an app message), not shown",
                "indication": "a voicemail or message-waiting indication",
                "silent": "a silent network message (type 0)"}.get(content, "a message that is not text")


@dataclass(frozen=True)
class _Received:
    id: int
    number: str
    body: str
    partial: bool
    carrier: bool


def _is_carrier(sender: str, toa: int) -> bool:
    digits = sender.lstrip("+")
    return (toa >> 4) & 0x07 == 5 or not digits.isdigit() or len(digits) <= 6


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
                self._report(decoded, pdu_hex, now)
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
        with self.store.begin() as conn:
            part_id = self.store.add_part(conn, sender=sms.sender, sender_toa=sms.sender_toa, sent_at=sms.sent_at,
                                          concat_ref=ref, total=total, seq=seq, text=sms.text,
                                          encoding=sms.encoding, now=now)
            if part_id is None:
                log.info("SMS part from %s read again; already stored", sms.sender)
                return
            if ref == -1:
                self._store_whole(conn, settings, sms.sender, sms.sender_toa, sms.text, sms.encoding,
                                  sms.sent_at, [part_id], partial=False, now=now, history=history)
                return
            parts = self._first_of_each(self.store.waiting_parts(sms.sender, ref, total))
            if len(parts) < total:
                log.info("SMS part %d of %d from %s stored; waiting for the rest", seq, total, sms.sender)
                return
            self._join(conn, settings, parts, total, now)

    def flush_partials(self) -> int:
        """Store multipart messages still missing parts after PARTIAL_TIMEOUT; returns how many."""
        now = self.clock.now()
        settings = self.store.load_settings()
        flushed = 0
        for sender, ref, total in self.store.overdue_part_groups(now - PARTIAL_TIMEOUT):
            with self.store.begin() as conn:
                parts = self._first_of_each(self.store.waiting_parts(sender, ref, total))
                if parts:
                    log.warning("SMS from %s: %d of %d parts after %s; stored as partial", sender, len(parts),
                                total, PARTIAL_TIMEOUT)
                    self._join(conn, settings, parts, total, now)
                    flushed += 1
        return flushed

    @staticmethod
    def _first_of_each(rows: list[InboundPart]) -> dict[int, InboundPart]:
        parts: dict[int, InboundPart] = {}
        for row in rows:
            parts.setdefault(row.seq, row)
        return parts

    def _join(self, conn: Transaction, settings: Settings, parts: dict[int, InboundPart], total: int,
              now: datetime) -> None:
        first = parts[min(parts)]
        body = "".join(parts[n].text if n in parts else f"[part {n} of {total} missing]"
                       for n in range(1, total + 1))
        encodings = {row.encoding for row in parts.values()}
        self._store_whole(conn, settings, first.sender, first.sender_toa, body, "/".join(sorted(encodings)),
                          parse_utc(first.sent_at), [row.id for row in parts.values()],
                          partial=len(parts) < total, now=now)

    def _store_whole(self, conn: Transaction, settings: Settings, sender: str, toa: int, body: str,
                     encoding: str, sent_at: datetime, part_ids: list[int], *, partial: bool, now: datetime,
                     history: bool = False) -> None:
        carrier = _is_carrier(sender, toa)
        number = sender if carrier else (to_e164(sender, settings.country) or sender)
        history = history or sent_at < now - self.max_age
        kind = "carrier" if carrier else ("history" if history else "sms")
        message_id = self.store.add_inbound(conn, number=number, body=body, kind=kind,
                                            status="partial" if partial else "received", sent_at=sent_at,
                                            encoding=encoding, part_ids=part_ids, now=now)
        if history:
            # an old SIM's inbox (or a message held for days): the conversation keeps it, nothing acts on it
            self.history_imported += 1
            log.info("message %d from %s sent %s is older than %s: kept as history", message_id, number,
                     sent_at.isoformat(), self.max_age)
            return
        self._act(conn, settings, _Received(message_id, number, body, partial, carrier), now)

    def _non_text(self, sms: Deliver, content: str, history: bool, settings: Settings, now: datetime) -> None:
        """Picture messages, data, indications, silent type-0: never read as words, never answered.
        A caller's picture message is shown and relayed as a sentence; the rest are records only."""
        carrier = _is_carrier(sms.sender, sms.sender_toa)
        number = sms.sender if carrier else (to_e164(sms.sender, settings.country) or sms.sender)
        concat = sms.concat
        ref, total, seq = (concat.ref, concat.total, concat.seq) if concat and concat.total > 1 else (-1, 1, 1)
        body = PICTURE_MESSAGE if content == "mms" else _describe(sms, content)
        with self.store.begin() as conn:
            part_id = self.store.add_part(conn, sender=sms.sender, sender_toa=sms.sender_toa, sent_at=sms.sent_at,
                                          concat_ref=ref if ref != -1 else -2, total=total, seq=seq,
                                          text=f"{content}:{getattr(sms, 'data', b'').hex()}"[:4000],
                                          encoding=content, now=now)
            if part_id is None or seq != 1 and content != "mms":
                return          # read again, or a later part of a data message: the first part speaks for it
            if content == "mms" and seq != 1:
                return          # one picture message is one conversation entry (its first part)
            kind = "history" if history else ("mms" if content == "mms" else "nontext")
            message_id = self.store.add_inbound(conn, number=number, body=body, kind=kind, status="received",
                                                sent_at=sms.sent_at, encoding=content, part_ids=[part_id], now=now)
            if content == "mms" and not history and not carrier and number != settings.owner_phone:
                self._relay(conn, settings, _Received(message_id, number, body, False, False), now)
        if content == "indication" and not history:
            indication = getattr(sms, "indication", None)
            waiting = indication is None or (indication.active and indication.count != 0)
            # a "voicemail waiting" notice means voicemail is on for the SIM; "cleared" takes it back
            self.store.set_modem_state(now, voicemail_indication=body if waiting else "")

    # ---- what a message means --------------------------------------------------------------------

    def _act(self, conn: Transaction, settings: Settings, sms: _Received, now: datetime) -> None:
        if sms.carrier:
            log.info("message %d from %s is carrier noise: stored, not relayed", sms.id, sms.number)
            return
        owner = bool(settings.owner_phone) and sms.number == settings.owner_phone
        if owner:
            # the owner's texts are commands, never keywords: a "STOP" from the owner must not cut
            # the owner off from the relays; half an answer is never forwarded to a customer
            self.store.set_inbound_kind(conn, sms.id, "owner")
            if sms.partial:
                self._tell_owner(conn, settings, sms, PARTIAL_ANSWER, now)
            else:
                self._owner(conn, settings, sms, now)
            return
        keyword = None if sms.partial else classify(sms.body)
        if keyword == "stop":
            self.store.set_inbound_kind(conn, sms.id, "stop")
            self.unsaved_optouts.discard(sms.number)       # the store has it now
            if self.store.add_optout_in(conn, sms.number, now, sms.body.strip()[:40]):
                if self._answers_left(sms.number, now):
                    self._answer(conn, settings, sms, "optout_confirm", now)
                log.info("%s opted out (message %d)", sms.number, sms.id)
            return
        if keyword == "start" and self.store.is_opted_out(sms.number):
            self.store.set_inbound_kind(conn, sms.id, "start")
            self.store.remove_optout_in(conn, sms.number)
            self.unsaved_optouts.discard(sms.number)
            if self._answers_left(sms.number, now):
                self._answer(conn, settings, sms, "optin_confirm", now)
            log.info("%s opted back in (message %d)", sms.number, sms.id)
            return
        if keyword == "help":
            self.store.set_inbound_kind(conn, sms.id, "help")
            if not self.store.is_opted_out(sms.number) and self._answers_left(sms.number, now):
                self._answer(conn, settings, sms, "help", now)
            return
        self._relay(conn, settings, sms, now)

    def _answers_left(self, number: str, now: datetime) -> bool:
        sent = self.store.texts_since(("help", "optin_confirm", "optout_confirm"), now - HOUR, number)
        if sent >= ANSWERS_PER_NUMBER_PER_HOUR:
            log.warning("%s: %d automatic answers in the last hour; no more for now", number, sent)
            return False
        return True

    def _answer(self, conn: Transaction, settings: Settings, sms: _Received, template: str,
                now: datetime) -> None:
        body = self._render(settings, template, now, {})
        self.store.queue_linked(conn, number=sms.number, body=body, kind=template, now=now, reply_to=sms.id)

    def _render(self, settings: Settings, name: str, now: datetime, extra: dict[str, str]) -> str:
        tz = ZoneInfo(settings.timezone)
        hours = parse_hours(settings.hours, settings.holidays)
        values = {
            "business": settings.business_name,
            "next_open": describe_next_open(hours, now, tz) if any(hours.days) else "",
            "call_time": "",
            "owner_phone": pretty(settings.owner_phone, settings.country) if settings.owner_phone else "",
            **extra,
        }
        try:
            return render(settings.templates.get(name, DEFAULT_TEMPLATES[name]), values)
        except TemplateError as error:
            log.error("template %s cannot be filled (%s); using the default", name, error)
            return render(DEFAULT_TEMPLATES[name], values)

    # ---- to and from the owner --------------------------------------------------------------------

    def _relay(self, conn: Transaction, settings: Settings, sms: _Received, now: datetime) -> None:
        if not settings.owner_phone:
            self.store.set_relay(conn, sms.id, "no_owner", "not relayed: no owner phone set")
            return
        if self.store.relayed_since(now - HOUR, sms.number) >= RELAYS_PER_CALLER_PER_HOUR:
            log.warning("message %d from %s not relayed: %d relays from that number this hour", sms.id,
                        sms.number, RELAYS_PER_CALLER_PER_HOUR)
            self.store.set_relay(conn, sms.id, "limit_caller",
                                 f"not relayed: more than {RELAYS_PER_CALLER_PER_HOUR} from this number in an hour")
            return
        if self.store.relayed_since(now - HOUR) >= RELAYS_PER_HOUR:
            log.warning("message %d from %s not relayed: %d relays this hour", sms.id, sms.number, RELAYS_PER_HOUR)
            self.store.set_relay(conn, sms.id, "limit_all", f"not relayed: more than {RELAYS_PER_HOUR} in an hour")
            return
        called = self.store.latest_missed_call_at(sms.number)
        tz = ZoneInfo(settings.timezone)
        text = sms.body if len(sms.body) <= RELAY_TEXT_LIMIT else sms.body[:RELAY_TEXT_LIMIT - 3] + "..."
        body = self._render(settings, "owner_relay", now, {
            "ref": str(sms.id), "caller": pretty(sms.number, settings.country), "text": text,
            "call_time": format_call_time(parse_utc(called), tz) if called else "",
        })
        if not called:
            body = re.sub(r"\s*\((?:missed call\s*)?\)", "", body)   # "(missed call )" says nothing
        self.store.queue_linked(conn, number=settings.owner_phone, body=body, kind="owner_relay", now=now,
                                reply_to=sms.id)
        self.store.set_relay(conn, sms.id, "relayed")
        log.info("message %d from %s relayed to the owner", sms.id, sms.number)

    def _owner(self, conn: Transaction, settings: Settings, sms: _Received, now: datetime) -> None:
        self.store.set_inbound_kind(conn, sms.id, "owner")
        command = owner_command(sms.body)
        if command is None:
            return self._tell_owner(conn, settings, sms, USAGE, now)
        if command.message_id is not None:
            target = self.store.inbound_message(command.message_id)
            if (target is None or target.kind in (InKind.CARRIER, InKind.OWNER)
                    or not target.number.startswith("+")):
                return self._tell_owner(conn, settings, sms, NO_SUCH_MESSAGE.format(id=command.message_id), now)
            number, reply_to = target.number, target.id
        else:
            number = to_e164(command.number or "", settings.country)
            if number is None or number == settings.owner_phone:
                return self._tell_owner(conn, settings, sms, BAD_NUMBER.format(number=command.number), now)
            reply_to = self.store.latest_inbound_id(number)
        if self.store.is_opted_out(number):
            caller = pretty(number, settings.country)
            return self._tell_owner(conn, settings, sms, OPTED_OUT.format(caller=caller), now)
        self.store.queue_linked(conn, number=number, body=command.text, kind="owner_answer", now=now,
                                reply_to=reply_to)
        log.info("owner's answer (message %d) queued to %s", sms.id, number)

    def _tell_owner(self, conn: Transaction, settings: Settings, sms: _Received, body: str,
                    now: datetime) -> None:
        if self.store.texts_since(("owner_usage",), now - HOUR) >= OWNER_NOTES_PER_HOUR:
            log.warning("owner's message %d not understood; usage already sent %d times this hour", sms.id,
                        OWNER_NOTES_PER_HOUR)
            return
        self.store.queue_linked(conn, number=settings.owner_phone, body=body, kind="owner_usage", now=now,
                                reply_to=sms.id)

    # ---- delivery reports ---------------------------------------------------------------------------

    def _report(self, report: StatusReport, pdu_hex: str, now: datetime) -> None:
        settings = self.store.load_settings()
        recipient = to_e164(report.recipient, settings.country) or report.recipient
        with self.store.begin() as conn:
            sent = self.store.match_report(recipient, report.message_ref)
            new = self.store.add_report(conn, message_id=sent.id if sent else None, message_ref=report.message_ref,
                                        recipient=recipient, status=report.status, delivered=report.delivered,
                                        final=report.final, discharged_at=report.discharged_at, pdu=pdu_hex,
                                        now=now)
            if not new:
                return
            if sent is None:
                log.info("delivery report for %s (ref %d) matches no text of ours", recipient, report.message_ref)
                return
            if report.delivered:
                if len(sent.refs) >= sent.parts and set(sent.refs) <= self.store.delivered_refs(sent.id):
                    self.store.mark_delivered(conn, sent.id, report.discharged_at)
                    log.info("text %d delivered", sent.id)
            elif report.final:
                self.store.mark_undelivered(conn, sent.id, report.status, report_meaning(report.status))
                log.warning("text %d %s", sent.id, report_meaning(report.status))
