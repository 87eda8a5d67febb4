"""The outgoing queue: queued → sending → sent / failed / ambiguous, with retries.

A text is marked `sending` (committed, synchronous=FULL) before AT+CMGS is written, and
`sent` or `failed` after. A `sending` row found at start-up was interrupted by a power cut or a
crash: it may or may not have gone out, so it becomes `ambiguous` and is never resent blindly.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from agent.clock import utc_iso
from agent.rules.vocabulary import OutKind, OutStatus, SkipReason
from agent.store.records import Message, message_from_row

__all__ = ["OutboxQueries"]


class OutboxQueries:
    """Mixed into Store: the queries of the outgoing queue."""

    def _insert_out(self, conn: sqlite3.Connection, *, number: str, body: str, kind: str, due_at: datetime,
                    now: datetime, call_id: int | None = None, parts: int = 1, variant: str | None = None) -> int:
        kind = OutKind(kind)          # a word the schema does not know is a bug here, not a failed commit
        cursor = conn.execute(
            "INSERT INTO messages (direction, number, body, kind, status, call_id, created_at, due_at,"
            " next_attempt_at, parts, variant) VALUES ('out', ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
            (number, body, kind, call_id, utc_iso(now), utc_iso(due_at), utc_iso(due_at), parts, variant))
        return cursor.lastrowid

    def queue_text(self, *, number: str, body: str, kind: str, due_at: datetime, now: datetime) -> int:
        """Queue a text that belongs to no call (a reply typed by the owner, a confirmation…)."""
        with self._write() as conn:
            return self._insert_out(conn, number=number, body=body, kind=kind, due_at=due_at, now=now)

    def due_messages(self, now: datetime, limit: int = 20) -> list[Message]:
        rows = self._rows(
            "SELECT * FROM messages WHERE direction = 'out' AND status = 'queued' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?", (utc_iso(now), limit))
        return [message_from_row(row) for row in rows]

    def next_due_at(self) -> str | None:
        rows = self._rows("SELECT MIN(next_attempt_at) AS t FROM messages WHERE direction = 'out' AND status = 'queued'")
        return rows[0]["t"] if rows else None

    def claim(self, message_id: int, concat_ref: int, parts: int, encoding: str) -> bool:
        """queued → sending, durably, before a byte goes to the modem. False if someone else moved it."""
        with self._write() as conn:
            return conn.execute(
                "UPDATE messages SET status = 'sending', attempts = attempts + 1,"
                " concat_ref = COALESCE(concat_ref, ?), parts = ?, encoding = ?"
                " WHERE id = ? AND status = 'queued'", (concat_ref, parts, encoding, message_id)).rowcount == 1

    def part_sent(self, message_id: int, parts_sent: int, refs: list[int]) -> None:
        with self._write() as conn:
            conn.execute("UPDATE messages SET parts_sent = ?, refs = ? WHERE id = ?",
                         (parts_sent, json.dumps(refs), message_id))

    def mark_sent(self, message_id: int, now: datetime) -> None:
        with self._write() as conn:
            conn.execute("UPDATE messages SET status = 'sent', sent_at = ?, error_code = NULL, error_text = NULL"
                         " WHERE id = ?", (utc_iso(now), message_id))

    def mark_failed(self, message_id: int, code: int | None, text: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE messages SET status = 'failed', error_code = ?, error_text = ? WHERE id = ?",
                         (code, text, message_id))

    def mark_retry(self, message_id: int, next_attempt_at: datetime, code: int | None, text: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE messages SET status = 'queued', next_attempt_at = ?, error_code = ?, error_text = ?"
                         " WHERE id = ?", (utc_iso(next_attempt_at), code, text, message_id))

    def mark_ambiguous(self, message_id: int, text: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE messages SET status = 'ambiguous', error_text = ? WHERE id = ?", (text, message_id))

    def mark_stale_before(self, cutoff: datetime, started: datetime, kinds: tuple[str, ...]) -> int:
        """At start-up: automatic texts queued before this start, never tried, and due before the
        cut-off fell due while the box was off, too long ago. Returns how many."""
        marks = ",".join("?" * len(kinds))
        with self._write() as conn:
            changed = conn.execute(
                f"UPDATE messages SET status = 'stale', error_text = 'fell due while the box was off, more than '"
                f" || ? || ' min before it was back' WHERE direction = 'out' AND status = 'queued' AND attempts = 0"
                f" AND kind IN ({marks}) AND due_at < ? AND created_at < ?",
                (str(int((started - cutoff).total_seconds() // 60)) if started > cutoff else "0", *kinds,
                 utc_iso(cutoff), utc_iso(started))).rowcount
        return changed

    def mark_stale(self, message_id: int, text: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE messages SET status = 'stale', error_text = ? WHERE id = ? AND status = 'queued'",
                         (text, message_id))

    def cancel(self, message_id: int, text: str, call_reason: str | None = None) -> None:
        """Cancel a queued text; with call_reason, its call now reads skipped for that reason."""
        with self._write() as conn:
            self._cancel_in(conn, message_id, text, call_reason)

    def _cancel_in(self, conn: sqlite3.Connection, message_id: int, text: str, call_reason: str | None) -> bool:
        """The one place a queued text is cancelled and its call re-skipped."""
        changed = conn.execute("UPDATE messages SET status = 'cancelled', error_text = ?"
                               " WHERE id = ? AND status = 'queued'", (text, message_id)).rowcount == 1
        if changed and call_reason:
            conn.execute("UPDATE calls SET outcome = 'skipped', skip_reason = ? WHERE message_id = ?",
                         (SkipReason(call_reason), message_id))
        return changed

    def shift_times(self, seconds: float, old_now: datetime, since: datetime) -> int:
        """The wall clock stepped by `seconds` (NTP after a boot without a real-time clock).
        Rows this run wrote since `since` (the start, on the old clock) carry old-clock times: they
        move with the step, so the dedup window and the history stay right. Older queued texts that
        were due after `old_now` move too, so a caller's delay still holds. Returns rows moved."""
        from datetime import timedelta

        from agent.clock import parse_utc

        step = timedelta(seconds=seconds)

        def moved(value: str | None) -> str | None:
            return utc_iso(parse_utc(value) + step) if value else value

        changed = 0
        with self._write() as conn:
            for row in conn.execute("SELECT id, created_at, due_at, next_attempt_at, sent_at FROM messages"
                                    " WHERE created_at >= ?", (utc_iso(since),)).fetchall():
                conn.execute("UPDATE messages SET created_at = ?, due_at = ?, next_attempt_at = ?, sent_at = ?"
                             " WHERE id = ?", (moved(row["created_at"]), moved(row["due_at"]),
                                               moved(row["next_attempt_at"]), moved(row["sent_at"]), row["id"]))
                changed += 1
            for row in conn.execute("SELECT id, due_at, next_attempt_at FROM messages WHERE direction = 'out'"
                                    " AND status = 'queued' AND created_at < ? AND next_attempt_at > ?",
                                    (utc_iso(since), utc_iso(old_now))).fetchall():
                conn.execute("UPDATE messages SET due_at = ?, next_attempt_at = ? WHERE id = ?",
                             (moved(row["due_at"]), moved(row["next_attempt_at"]), row["id"]))
                changed += 1
            for row in conn.execute("SELECT id, started_at, ended_at, created_at FROM calls WHERE created_at >= ?",
                                    (utc_iso(since),)).fetchall():
                conn.execute("UPDATE calls SET started_at = ?, ended_at = ?, created_at = ? WHERE id = ?",
                             (moved(row["started_at"]), moved(row["ended_at"]), moved(row["created_at"]), row["id"]))
        return changed

    def insert_sent(self, *, number: str, body: str, kind: str, status: str, created_at: datetime,
                    sent_at: datetime | None, refs: list[int], parts: int, encoding: str,
                    call_id: int | None = None, error_text: str | None = None, variant: str | None = None) -> int:
        """A text that went out while the database could not be written, recorded afterwards
        (`variant`: the A/B letter it carried)."""
        kind, status = OutKind(kind), OutStatus(status)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO messages (direction, number, body, kind, status, call_id, created_at, due_at,"
                " next_attempt_at, sent_at, attempts, parts, parts_sent, refs, encoding, error_text, variant)"
                " VALUES ('out', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                (number, body, kind, status, call_id, utc_iso(created_at), utc_iso(created_at), utc_iso(created_at),
                 utc_iso(sent_at) if sent_at else None, parts, len(refs), json.dumps(refs), encoding, error_text,
                 variant))
            if call_id is not None:
                conn.execute("UPDATE calls SET outcome = 'texted', message_id = ? WHERE id = ?",
                             (cursor.lastrowid, call_id))
            return cursor.lastrowid

    def recover_interrupted(self) -> int:
        """At start-up: every `sending` row becomes `ambiguous` (it may have gone out). Returns how many."""
        with self._write() as conn:
            return conn.execute(
                "UPDATE messages SET status = 'ambiguous',"
                " error_text = 'interrupted while sending (power cut or crash); not resent to avoid a duplicate'"
                " WHERE direction = 'out' AND status = 'sending'").rowcount

    def message(self, message_id: int) -> Message | None:
        rows = self._rows("SELECT * FROM messages WHERE id = ?", (message_id,))
        return message_from_row(rows[0]) if rows else None

    def messages_for(self, number: str) -> list[Message]:
        """Every text to or from a number, oldest first."""
        return [message_from_row(row)
                for row in self._rows("SELECT * FROM messages WHERE number = ? ORDER BY created_at, id", (number,))]

    def queue_length(self) -> int:
        return self._rows("SELECT COUNT(*) AS n FROM messages WHERE direction = 'out'"
                          " AND status IN ('queued', 'sending')")[0]["n"]

