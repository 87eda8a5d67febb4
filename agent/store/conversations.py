"""The inbox: conversations newest first, one conversation's messages, read marks.

Every list is served by an existing index (messages_by_time, messages_by_number); lists fetch one
row more than a page to know whether a next page exists, so no COUNT(*) over 100 000 rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agent.store.records import Message, PageCursor, message_from_row

__all__ = ["ConversationQueries", "Conversation"]


@dataclass(frozen=True)
class Conversation:
    """One row of the inbox: a number, its newest message and how many replies are unread."""

    number: str
    last_at: str
    unread: int
    last_body: str
    last_direction: str
    last_status: str
    last_id: int = 0

    @property
    def cursor(self) -> PageCursor:
        """Where a page ending with this conversation ends (for the next page's `before`)."""
        return PageCursor(self.last_at, self.last_id)


class ConversationQueries:
    """Mixed into Store."""

    # ---- inbox and conversations -----------------------------------------------------------

    def conversations(self, limit: int = 50, before: PageCursor | None = None,
                      exclude: tuple[str, ...] = ()) -> list[Conversation]:
        """Numbers with messages, newest activity first; `before` is the previous page's last
        conversation's cursor (keyset paging, no OFFSET).

        Walks messages_by_time down from the cursor (or the newest message), taking each number
        the first time it is met whose newest message this is; a number whose newest message is
        above the cursor was on an earlier page. It stops once the page is full, so page 1000 costs
        what page 1 does. Then, per number, its newest message and unread count come through
        messages_by_number. Carrier notices (balance, promos) are not conversations; the owner's
        own phone is left out by the caller (`exclude`).
        """
        found: dict[str, tuple[str, int]] = {}
        sql = "SELECT id, number, created_at FROM messages WHERE kind != 'carrier'"
        params: tuple = ()
        if before is not None:
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            params = (before.at, before.at, before.id)
        with self.lock:
            cursor = self.conn.execute(sql + " ORDER BY created_at DESC, id DESC", params)
            try:
                while len(found) < limit:
                    batch = cursor.fetchmany(200)
                    if not batch:
                        break
                    for message_id, number, created_at in batch:
                        if number in found or number in exclude:
                            continue
                        if before is not None and self._newest_of(number) != (created_at, message_id):
                            exclude = (*exclude, number)       # shown on an earlier page
                            continue
                        found[number] = (created_at, message_id)
                        if len(found) >= limit:
                            break
            finally:
                cursor.close()
        if not found:
            return []
        rows = self._rows(
            "SELECT m.id, m.number, m.body, m.direction, m.status,"
            " (SELECT COUNT(*) FROM messages u WHERE u.number = m.number AND u.direction = 'in' AND u.read = 0)"
            "  AS unread"
            " FROM json_each(?) AS wanted JOIN messages m ON m.id = wanted.value",
            (json.dumps([message_id for _, message_id in found.values()]),))
        by_number = {row["number"]: row for row in rows}
        return [Conversation(number, at, by_number[number]["unread"], by_number[number]["body"],
                             by_number[number]["direction"], by_number[number]["status"], message_id)
                for number, (at, message_id) in found.items() if number in by_number]

    def _newest_of(self, number: str) -> tuple[str, int] | None:
        row = self.conn.execute("SELECT created_at, id FROM messages WHERE number = ? AND kind != 'carrier'"
                                " ORDER BY created_at DESC, id DESC LIMIT 1", (number,)).fetchone()
        return (row[0], row[1]) if row else None

    def conversation_messages(self, number: str, limit: int = 200) -> list[Message]:
        """The number's newest messages both ways (messages_by_number), newest first."""
        rows = self._rows("SELECT * FROM messages WHERE number = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                          (number, limit))
        return [message_from_row(row) for row in rows]

    def mark_read(self, number: str) -> int:
        """Mark the number's received texts read; returns how many changed."""
        with self._write() as conn:
            return conn.execute("UPDATE messages SET read = 1 WHERE number = ? AND direction = 'in' AND read = 0",
                                (number,)).rowcount
