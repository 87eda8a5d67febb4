"""Inbound SMS: parts, whole messages, what was done with them, and delivery reports.

Writes that belong to one inbound message take the caller's open transaction (`tx`, from
Store.transaction()) so that agent/daemon/inbound can commit the part, the reassembled message and every text it causes in one
transaction: a PDU read twice (a crash between the commit and AT+CMGD) is stored and acted on
once. Reads use the shared connection and so see that transaction's own writes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from agent.clock import utc_iso
from agent.rules.vocabulary import InKind, InStatus, OutKind, Relay
from agent.store.records import (DeliveryReport, InboundPart, Message, UnreadablePdu, message_from_row,
                                 record_from_row)
from agent.store.transaction import Transaction, connection_of

__all__ = ["InboxQueries", "SentText"]


@dataclass(frozen=True)
class SentText:
    """An outgoing text a delivery report may be about."""

    id: int
    status: str
    parts: int
    refs: tuple[int, ...]       # TP-MR of each part sent; unknown ones left out


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class InboxQueries:
    """Mixed into Store."""

    # ---- parts and messages ----------------------------------------------------------------

    def record_unreadable(self, pdu: str, error: str, now: datetime) -> bool:
        """Keep a PDU nobody can read (so it can leave the SIM); True when it is new."""
        with self._write() as conn:
            return conn.execute("INSERT OR IGNORE INTO unreadable_pdus (pdu, error, received_at) VALUES (?, ?, ?)",
                                (pdu.strip()[:2000], error, utc_iso(now))).rowcount == 1

    def unreadable_pdus(self) -> list[UnreadablePdu]:
        return [record_from_row(UnreadablePdu, row) for row in self._rows("SELECT * FROM unreadable_pdus ORDER BY id")]

    def add_sim_history(self, *, stat: int, number: str, body: str, pdu: str, now: datetime) -> bool:
        """A draft or sent message an old phone left on the SIM; True when new."""
        with self._write() as conn:
            return conn.execute("INSERT OR IGNORE INTO sim_history (stat, number, body, pdu, found_at)"
                                " VALUES (?, ?, ?, ?, ?)", (stat, number, body, pdu.strip(), utc_iso(now))).rowcount == 1

    def sim_history_count(self) -> int:
        return self._rows("SELECT (SELECT COUNT(*) FROM sim_history)"
                          " + (SELECT COUNT(*) FROM messages WHERE direction = 'in' AND kind = 'history') AS n")[0]["n"]

    def add_part(self, tx: Transaction, *, sender: str, sender_toa: int, sent_at: datetime,
                 concat_ref: int, total: int, seq: int, text: str, encoding: str, now: datetime) -> int | None:
        """Store one received part; None when this very part was stored before."""
        conn = connection_of(tx)
        cursor = conn.execute(
            "INSERT OR IGNORE INTO inbound_parts (sender, sender_toa, sent_at, concat_ref, total, seq, text_hash,"
            " text, encoding, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sender, sender_toa, utc_iso(sent_at), concat_ref, total, seq, _text_hash(text), text, encoding,
             utc_iso(now)))
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def waiting_parts(self, sender: str, concat_ref: int, total: int) -> list[InboundPart]:
        """The parts of one multipart message not yet joined, by sequence number (first copy of each)."""
        rows = self._rows(
            "SELECT * FROM inbound_parts WHERE message_id IS NULL AND sender = ? AND concat_ref = ? AND total = ?"
            " ORDER BY seq, id", (sender, concat_ref, total))
        return [record_from_row(InboundPart, row) for row in rows]

    def overdue_part_groups(self, received_before: datetime) -> list[tuple[str, int, int]]:
        """(sender, concat_ref, total) of multipart messages whose first part came before the cut-off."""
        rows = self._rows(
            "SELECT sender, concat_ref, total FROM inbound_parts WHERE message_id IS NULL"
            " GROUP BY sender, concat_ref, total HAVING MIN(received_at) < ?", (utc_iso(received_before),))
        return [(row["sender"], row["concat_ref"], row["total"]) for row in rows]

    def add_inbound(self, tx: Transaction, *, number: str, body: str, kind: str, status: str,
                    sent_at: datetime, encoding: str, part_ids: list[int], now: datetime) -> int:
        """Store a whole received message and mark its parts as joined into it."""
        conn = connection_of(tx)
        kind, status = InKind(kind), InStatus(status)
        message_id = conn.execute(
            "INSERT INTO messages (direction, number, body, kind, status, created_at, sent_at, parts, encoding)"
            " VALUES ('in', ?, ?, ?, ?, ?, ?, ?, ?)",
            (number, body, kind, status, utc_iso(now), utc_iso(sent_at), len(part_ids), encoding)).lastrowid
        marks = ",".join("?" * len(part_ids))
        conn.execute(f"UPDATE inbound_parts SET message_id = ? WHERE id IN ({marks})", (message_id, *part_ids))
        return message_id

    def set_inbound_kind(self, tx: Transaction, message_id: int, kind: str) -> None:
        conn = connection_of(tx)
        conn.execute("UPDATE messages SET kind = ? WHERE id = ?", (InKind(kind), message_id))

    def set_relay(self, tx: Transaction, message_id: int, relay: str, note: str | None = None) -> None:
        """What became of a customer's reply: relayed, no_owner, limit_caller, limit_all."""
        conn = connection_of(tx)
        conn.execute("UPDATE messages SET relay = ?, error_text = ? WHERE id = ?", (Relay(relay), note, message_id))

    def queue_linked(self, tx: Transaction, *, number: str, body: str, kind: str, now: datetime,
                     reply_to: int | None) -> int:
        """Queue a text due now, linked to the message it answers or relays."""
        conn = connection_of(tx)
        message_id = self._insert_out(conn, number=number, body=body, kind=kind, due_at=now, now=now)
        conn.execute("UPDATE messages SET reply_to = ? WHERE id = ?", (reply_to, message_id))
        return message_id

    def inbound_message(self, message_id: int) -> Message | None:
        rows = self._rows("SELECT * FROM messages WHERE id = ? AND direction = 'in'", (message_id,))
        return message_from_row(rows[0]) if rows else None

    def latest_inbound_id(self, number: str) -> int | None:
        rows = self._rows("SELECT id FROM messages WHERE number = ? AND direction = 'in'"
                          " ORDER BY created_at DESC, id DESC LIMIT 1", (number,))
        return rows[0]["id"] if rows else None

    def replies_to(self, message_id: int) -> list[Message]:
        """Texts queued because of a message: its relay, the owner's answers to it."""
        return [message_from_row(row) for row in self._rows("SELECT * FROM messages WHERE reply_to = ? ORDER BY id",
                                                            (message_id,))]

    # ---- what rate limits and the relay text need ----------------------------------------------

    def relayed_since(self, since: datetime, number: str | None = None) -> int:
        """Customer replies relayed to the owner since a time: from one number, or from anyone."""
        if number is None:
            return self._rows("SELECT COUNT(*) AS n FROM messages WHERE kind = 'owner_relay' AND created_at >= ?",
                              (utc_iso(since),))[0]["n"]
        return self._rows("SELECT COUNT(*) AS n FROM messages WHERE number = ? AND created_at >= ?"
                          " AND direction = 'in' AND relay = 'relayed'", (number, utc_iso(since)))[0]["n"]

    def texts_since(self, kinds: tuple[str, ...], since: datetime, number: str | None = None,
                    body_prefix: str | None = None) -> int:
        """Outgoing texts of some kinds queued since a time (to one number, or to anyone)."""
        kinds = tuple(OutKind(kind) for kind in kinds)
        marks = ",".join("?" * len(kinds))
        sql = f"SELECT COUNT(*) AS n FROM messages WHERE kind IN ({marks}) AND created_at >= ? AND direction = 'out'"
        params: list = [*kinds, utc_iso(since)]
        if number is not None:
            sql += " AND number = ?"
            params.append(number)
        if body_prefix is not None:
            sql += " AND substr(body, 1, ?) = ?"
            params += [len(body_prefix), body_prefix]
        return self._rows(sql, tuple(params))[0]["n"]

    # ---- delivery reports ----------------------------------------------------------------------

    def match_report(self, recipient: str, message_ref: int) -> SentText | None:
        """The newest text to recipient one of whose parts was given this TP-MR."""
        rows = self._rows(
            "SELECT id, status, parts, refs FROM messages WHERE number = ? AND direction = 'out'"
            " AND EXISTS (SELECT 1 FROM json_each(messages.refs) WHERE value = ?)"
            " ORDER BY created_at DESC, id DESC LIMIT 1", (recipient, message_ref))
        if not rows:
            return None
        refs = tuple(ref for ref in json.loads(rows[0]["refs"] or "[]") if isinstance(ref, int) and ref >= 0)
        return SentText(rows[0]["id"], rows[0]["status"], rows[0]["parts"], refs)

    def add_report(self, tx: Transaction, *, message_id: int | None, message_ref: int, recipient: str,
                   status: int, delivered: bool, final: bool, discharged_at: datetime, pdu: str,
                   now: datetime) -> bool:
        """Store one delivery report; False when this very report was stored before."""
        conn = connection_of(tx)
        return conn.execute(
            "INSERT OR IGNORE INTO delivery_reports (message_id, message_ref, recipient, status, delivered, final,"
            " discharged_at, received_at, pdu) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, message_ref, recipient, status, int(delivered), int(final), utc_iso(discharged_at),
             utc_iso(now), pdu.strip())).rowcount == 1

    def delivered_refs(self, message_id: int) -> set[int]:
        rows = self._rows("SELECT DISTINCT message_ref FROM delivery_reports WHERE message_id = ? AND delivered = 1",
                          (message_id,))
        return {row["message_ref"] for row in rows}

    def delivery_reports(self, message_id: int | None = None) -> list[DeliveryReport]:
        if message_id is None:
            rows = self._rows("SELECT * FROM delivery_reports ORDER BY id")
        else:
            rows = self._rows("SELECT * FROM delivery_reports WHERE message_id = ? ORDER BY id", (message_id,))
        return [record_from_row(DeliveryReport, row, delivered=bool(row["delivered"]), final=bool(row["final"]))
                for row in rows]

    def mark_delivered(self, tx: Transaction, message_id: int, at: datetime) -> None:
        conn = connection_of(tx)
        conn.execute("UPDATE messages SET status = 'delivered', delivered_at = ?, error_code = NULL,"
                     " error_text = NULL WHERE id = ? AND status IN ('sent', 'ambiguous')", (utc_iso(at), message_id))

    def mark_undelivered(self, tx: Transaction, message_id: int, status: int, text: str) -> None:
        """A final failure report: the code and its meaning are kept; the status stays as it was."""
        conn = connection_of(tx)
        conn.execute("UPDATE messages SET error_code = ?, error_text = ? WHERE id = ? AND status != 'delivered'",
                     (status, text, message_id))

