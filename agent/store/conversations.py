"""The inbox: conversations newest first, one conversation's messages, read marks.

Every list is served by an existing index (messages_by_time, messages_by_number); lists fetch one
row more than a page to know whether a next page exists, so no COUNT(*) over 100 000 rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agent.store.records import Message, message_from_row

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


class ConversationQueries:
    """Mixed into Store."""

    # ---- inbox and conversations -----------------------------------------------------------

    def conversations(self, limit: int = 50, offset: int = 0, exclude: tuple[str, ...] = ()) -> list[Conversation]:
        """Numbers with messages, newest activity first.

        Walks messages_by_time from the newest message and stops once enough distinct numbers
        are seen, so the first pages cost a few hundred index steps even with 100 000 messages.
        Then, per number, its newest message and unread count come through messages_by_number.
        """
        wanted = offset + limit
        latest: dict[str, str] = {}
        with self.lock:
            # carrier notices (balance, promos) and the owner's own phone (relays, R-answers) are not
            # customer conversations
            cursor = self.conn.execute("SELECT number, created_at FROM messages WHERE kind != 'carrier'"
                                       " ORDER BY created_at DESC")
            try:
                while len(latest) < wanted:
                    batch = cursor.fetchmany(500)
                    if not batch:
                        break
                    for number, created_at in batch:
                        if number not in latest and number not in exclude:
                            latest[number] = created_at
                            if len(latest) >= wanted:
                                break
            finally:
                cursor.close()
        numbers = list(latest)[offset:wanted]
        if not numbers:
            return []
        rows = self._rows(
            "SELECT m.number, m.body, m.direction, m.status,"
            " (SELECT COUNT(*) FROM messages u WHERE u.number = m.number AND u.direction = 'in' AND u.read = 0)"
            "  AS unread"
            " FROM json_each(?) AS wanted JOIN messages m ON m.id = (SELECT l.id FROM messages l"
            "  WHERE l.number = wanted.value ORDER BY l.created_at DESC, l.id DESC LIMIT 1)",
            (json.dumps(numbers),))
        found = {row["number"]: row for row in rows}
        return [Conversation(number, latest[number], found[number]["unread"], found[number]["body"],
                             found[number]["direction"], found[number]["status"])
                for number in numbers if number in found]

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
