"""Inbound SMS: parts, whole messages, what was done with them, and delivery reports.

Writes that belong to one inbound message take the caller's connection (`conn`) so that
agent/inbound can commit the part, the reassembled message and every text it causes in one
transaction: a PDU read twice (a crash between the commit and AT+CMGD) is stored and acted on
once. Reads use the shared connection and so see that transaction's own writes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from agent.clock import utc_iso

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
        with self.transaction() as conn:
            return conn.execute("INSERT OR IGNORE INTO unreadable_pdus (pdu, error, received_at) VALUES (?, ?, ?)",
                                (pdu.strip()[:2000], error, utc_iso(now))).rowcount == 1

    def unreadable_pdus(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM unreadable_pdus ORDER BY id")

    def add_sim_history(self, *, stat: int, number: str, body: str, pdu: str, now: datetime) -> bool:
        """A draft or sent message an old phone left on the SIM; True when new."""
        with self.transaction() as conn:
            return conn.execute("INSERT OR IGNORE INTO sim_history (stat, number, body, pdu, found_at)"
                                " VALUES (?, ?, ?, ?, ?)", (stat, number, body, pdu.strip(), utc_iso(now))).rowcount == 1

    def sim_history_count(self) -> int:
        return self.query("SELECT (SELECT COUNT(*) FROM sim_history)"
                          " + (SELECT COUNT(*) FROM messages WHERE direction = 'in' AND kind = 'history') AS n")[0]["n"]

    def add_part(self, conn: sqlite3.Connection, *, sender: str, sender_toa: int, sent_at: datetime,
                 concat_ref: int, total: int, seq: int, text: str, encoding: str, now: datetime) -> int | None:
        """Store one received part; None when this very part was stored before."""
        cursor = conn.execute(
            "INSERT OR IGNORE INTO inbound_parts (sender, sender_toa, sent_at, concat_ref, total, seq, text_hash,"
            " text, encoding, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sender, sender_toa, utc_iso(sent_at), concat_ref, total, seq, _text_hash(text), text, encoding,
             utc_iso(now)))
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def waiting_parts(self, sender: str, concat_ref: int, total: int) -> list[sqlite3.Row]:
        """The parts of one multipart message not yet joined, by sequence number (first copy of each)."""
        return self.query(
            "SELECT * FROM inbound_parts WHERE message_id IS NULL AND sender = ? AND concat_ref = ? AND total = ?"
            " ORDER BY seq, id", (sender, concat_ref, total))

    def overdue_part_groups(self, received_before: datetime) -> list[tuple[str, int, int]]:
        """(sender, concat_ref, total) of multipart messages whose first part came before the cut-off."""
        rows = self.query(
            "SELECT sender, concat_ref, total FROM inbound_parts WHERE message_id IS NULL"
            " GROUP BY sender, concat_ref, total HAVING MIN(received_at) < ?", (utc_iso(received_before),))
        return [(row["sender"], row["concat_ref"], row["total"]) for row in rows]

    def add_inbound(self, conn: sqlite3.Connection, *, number: str, body: str, kind: str, status: str,
                    sent_at: datetime, encoding: str, part_ids: list[int], now: datetime) -> int:
        """Store a whole received message and mark its parts as joined into it."""
        message_id = conn.execute(
            "INSERT INTO messages (direction, number, body, kind, status, created_at, sent_at, parts, encoding)"
            " VALUES ('in', ?, ?, ?, ?, ?, ?, ?, ?)",
            (number, body, kind, status, utc_iso(now), utc_iso(sent_at), len(part_ids), encoding)).lastrowid
        marks = ",".join("?" * len(part_ids))
        conn.execute(f"UPDATE inbound_parts SET message_id = ? WHERE id IN ({marks})", (message_id, *part_ids))
        return message_id

    def set_inbound_kind(self, conn: sqlite3.Connection, message_id: int, kind: str) -> None:
        conn.execute("UPDATE messages SET kind = ? WHERE id = ?", (kind, message_id))

    def set_relay(self, conn: sqlite3.Connection, message_id: int, relay: str, note: str | None = None) -> None:
        """What became of a customer's reply: relayed, no_owner, limit_caller, limit_all."""
        conn.execute("UPDATE messages SET relay = ?, error_text = ? WHERE id = ?", (relay, note, message_id))

    def queue_linked(self, conn: sqlite3.Connection, *, number: str, body: str, kind: str, now: datetime,
                     reply_to: int | None) -> int:
        """Queue a text due now, linked to the message it answers or relays."""
        message_id = self._insert_out(conn, number=number, body=body, kind=kind, due_at=now, now=now)
        conn.execute("UPDATE messages SET reply_to = ? WHERE id = ?", (reply_to, message_id))
        return message_id

    def inbound_message(self, message_id: int) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM messages WHERE id = ? AND direction = 'in'", (message_id,))
        return rows[0] if rows else None

    def latest_inbound_id(self, number: str) -> int | None:
        rows = self.query("SELECT id FROM messages WHERE number = ? AND direction = 'in'"
                          " ORDER BY created_at DESC, id DESC LIMIT 1", (number,))
        return rows[0]["id"] if rows else None

    def replies_to(self, message_id: int) -> list[sqlite3.Row]:
        """Texts queued because of a message: its relay, the owner's answers to it."""
        return self.query("SELECT * FROM messages WHERE reply_to = ? ORDER BY id", (message_id,))

    # ---- opt-outs inside an inbound transaction ----------------------------------------------

    def add_optout_in(self, conn: sqlite3.Connection, number: str, now: datetime, keyword: str) -> bool:
        """True when the number was not opted out before."""
        return conn.execute("INSERT OR IGNORE INTO optouts (number, created_at, keyword, source)"
                            " VALUES (?, ?, ?, 'sms')", (number, utc_iso(now), keyword)).rowcount == 1

    def remove_optout_in(self, conn: sqlite3.Connection, number: str) -> bool:
        return conn.execute("DELETE FROM optouts WHERE number = ?", (number,)).rowcount == 1

    # ---- what rate limits and the relay text need ----------------------------------------------

    def relayed_since(self, since: datetime, number: str | None = None) -> int:
        """Customer replies relayed to the owner since a time: from one number, or from anyone."""
        if number is None:
            return self.query("SELECT COUNT(*) AS n FROM messages WHERE kind = 'owner_relay' AND created_at >= ?",
                              (utc_iso(since),))[0]["n"]
        return self.query("SELECT COUNT(*) AS n FROM messages WHERE number = ? AND created_at >= ?"
                          " AND direction = 'in' AND relay = 'relayed'", (number, utc_iso(since)))[0]["n"]

    def texts_since(self, kinds: tuple[str, ...], since: datetime, number: str | None = None,
                    body_prefix: str | None = None) -> int:
        """Outgoing texts of some kinds queued since a time (to one number, or to anyone)."""
        marks = ",".join("?" * len(kinds))
        sql = f"SELECT COUNT(*) AS n FROM messages WHERE kind IN ({marks}) AND created_at >= ? AND direction = 'out'"
        params: list = [*kinds, utc_iso(since)]
        if number is not None:
            sql += " AND number = ?"
            params.append(number)
        if body_prefix is not None:
            sql += " AND substr(body, 1, ?) = ?"
            params += [len(body_prefix), body_prefix]
        return self.query(sql, tuple(params))[0]["n"]

    def latest_missed_call_at(self, number: str) -> str | None:
        rows = self.query("SELECT ended_at FROM calls WHERE number = ? AND COALESCE(skip_reason, '') != 'answered'"
                          " ORDER BY ended_at DESC LIMIT 1", (number,))
        return rows[0]["ended_at"] if rows else None

    # ---- delivery reports ----------------------------------------------------------------------

    def match_report(self, recipient: str, message_ref: int) -> SentText | None:
        """The newest text to recipient one of whose parts was given this TP-MR."""
        rows = self.query(
            "SELECT id, status, parts, refs FROM messages WHERE number = ? AND direction = 'out'"
            " AND EXISTS (SELECT 1 FROM json_each(messages.refs) WHERE value = ?)"
            " ORDER BY created_at DESC, id DESC LIMIT 1", (recipient, message_ref))
        if not rows:
            return None
        refs = tuple(ref for ref in json.loads(rows[0]["refs"] or "[]") if isinstance(ref, int) and ref >= 0)
        return SentText(rows[0]["id"], rows[0]["status"], rows[0]["parts"], refs)

    def add_report(self, conn: sqlite3.Connection, *, message_id: int | None, message_ref: int, recipient: str,
                   status: int, delivered: bool, final: bool, discharged_at: datetime, pdu: str,
                   now: datetime) -> bool:
        """Store one delivery report; False when this very report was stored before."""
        return conn.execute(
            "INSERT OR IGNORE INTO delivery_reports (message_id, message_ref, recipient, status, delivered, final,"
            " discharged_at, received_at, pdu) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, message_ref, recipient, status, int(delivered), int(final), utc_iso(discharged_at),
             utc_iso(now), pdu.strip())).rowcount == 1

    def delivered_refs(self, message_id: int) -> set[int]:
        rows = self.query("SELECT DISTINCT message_ref FROM delivery_reports WHERE message_id = ? AND delivered = 1",
                          (message_id,))
        return {row["message_ref"] for row in rows}

    def delivery_reports(self, message_id: int | None = None) -> list[sqlite3.Row]:
        if message_id is None:
            return self.query("SELECT * FROM delivery_reports ORDER BY id")
        return self.query("SELECT * FROM delivery_reports WHERE message_id = ? ORDER BY id", (message_id,))

    def mark_delivered(self, conn: sqlite3.Connection, message_id: int, at: datetime) -> None:
        conn.execute("UPDATE messages SET status = 'delivered', delivered_at = ?, error_code = NULL,"
                     " error_text = NULL WHERE id = ? AND status IN ('sent', 'ambiguous')", (utc_iso(at), message_id))

    def mark_undelivered(self, conn: sqlite3.Connection, message_id: int, status: int, text: str) -> None:
        """A final failure report: the code and its meaning are kept; the status stays as it was."""
        conn.execute("UPDATE messages SET error_code = ?, error_text = ? WHERE id = ? AND status != 'delivered'",
                     (status, text, message_id))

