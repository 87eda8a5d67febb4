"""Queries for the scheduled jobs: follow-up nudges, retention, backups."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from agent.clock import utc_iso
from agent.store.records import FollowupDue, Message, message_from_row, record_from_row

__all__ = ["HousekeepingQueries"]


class HousekeepingQueries:
    """Mixed into Store."""

    def texts_due_a_followup(self, sent_before: datetime, limit: int = 50) -> list[FollowupDue]:
        """First texts sent before the cut-off whose call has no follow-up yet, to numbers not opted out."""
        return [record_from_row(FollowupDue, row) for row in self._rows(
            "SELECT m.id, m.number, m.call_id, m.sent_at FROM messages m"
            " WHERE m.direction = 'out' AND m.kind IN ('missed_open', 'missed_closed')"
            " AND m.status IN ('sent', 'delivered') AND m.sent_at <= ? AND m.call_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM messages f WHERE f.call_id = m.call_id AND f.kind = 'followup')"
            " AND NOT EXISTS (SELECT 1 FROM optouts o WHERE o.number = m.number)"
            " ORDER BY m.sent_at LIMIT ?", (utc_iso(sent_before), limit))]

    def replied_since(self, number: str, since: str) -> bool:
        return bool(self._rows("SELECT 1 FROM messages WHERE direction = 'in' AND number = ? AND created_at >= ?"
                               " LIMIT 1", (number, since)))

    def queue_followup(self, *, call_id: int, number: str, body: str, due_at: datetime, now: datetime) -> int | None:
        """One follow-up per call, ever: a second attempt to queue one for the same call is ignored."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM messages WHERE call_id = ? AND kind = 'followup'", (call_id,)).fetchone():
                return None
            return self._insert_out(conn, number=number, body=body, kind="followup", due_at=due_at, now=now,
                                    call_id=call_id)

    def first_text_of_call(self, call_id: int) -> Message | None:
        rows = self._rows("SELECT * FROM messages WHERE call_id = ? AND kind IN ('missed_open', 'missed_closed')"
                          " ORDER BY id LIMIT 1", (call_id,))
        return message_from_row(rows[0]) if rows else None

    def delete_older_than(self, cutoff: datetime) -> tuple[int, int]:
        """Retention: calls and messages older than the cut-off go; opt-outs are kept forever."""
        stamp = utc_iso(cutoff)
        with self._write() as conn:
            messages = conn.execute("DELETE FROM messages WHERE created_at < ? AND status NOT IN ('queued', 'sending')",
                                    (stamp,)).rowcount
            calls = conn.execute("DELETE FROM calls WHERE ended_at < ? AND (message_id IS NULL OR message_id NOT IN"
                                 " (SELECT id FROM messages))", (stamp,)).rowcount
        return calls, messages

    def backup_to(self, target: Path) -> None:
        """Online backup (the agent keeps running): SQLite's backup API, page by page."""
        destination = sqlite3.connect(str(target))
        try:
            with self.lock:
                self.conn.backup(destination)
        finally:
            destination.close()
