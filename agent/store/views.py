"""Read queries behind the web UI's lists, pages and exports (and the few writes only it makes).

Every list is served by an existing index: calls_by_time and calls_by_number for calls,
messages_by_number and messages_by_time for messages. Lists fetch one row more than a page to
know whether a next page exists, so no COUNT(*) over 100 000 rows is needed.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from agent.clock import utc_iso

__all__ = ["ViewQueries", "Conversation", "DayCount", "Dashboard", "CALL_OUTCOMES"]

CALL_OUTCOMES = ("texted", "skipped", "pending")
_SENT = ("sent", "delivered")


@dataclass(frozen=True)
class Conversation:
    """One row of the inbox: a number, its newest message and how many replies are unread."""

    number: str
    last_at: str
    unread: int
    last_body: str
    last_direction: str
    last_status: str


@dataclass(frozen=True)
class DayCount:
    day: date
    missed: int
    texted: int


@dataclass(frozen=True)
class Dashboard:
    """Figures for the last `days` local days, today included."""

    days: int
    since: datetime
    missed: int
    texted: int
    skipped: int
    replied: int                     # texted callers who wrote back after the call
    replies: int                     # inbound texts received
    reply_rate: float | None
    median_seconds_to_text: float | None
    optouts: int
    optout_rate: float | None
    per_day: tuple[DayCount, ...]


class ViewQueries:
    """Mixed into Store."""

    # ---- settings the web keeps for itself -------------------------------------------------

    def setting_value(self, key: str) -> Any:
        """One setting's value, or None when the key is absent."""
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else None

    def setting_or_create(self, key: str, make: Callable[[], Any], now: datetime) -> Any:
        """The stored value of key; the first caller stores make() (two processes agree on one)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                         (key, json.dumps(make()), utc_iso(now)))
            return json.loads(conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()["value"])

    def modem_state_times(self) -> dict[str, str]:
        """When the agent last wrote each modem_state key (UTC ISO)."""
        return {row["key"]: row["updated_at"] for row in self.query("SELECT key, updated_at FROM modem_state")}

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
        rows = self.query(
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

    def conversation_calls(self, number: str, limit: int = 100) -> list[sqlite3.Row]:
        """The number's newest missed calls (calls_by_number), newest first."""
        return self.query("SELECT * FROM calls WHERE number = ? ORDER BY ended_at DESC, id DESC LIMIT ?",
                          (number, limit))

    def conversation_messages(self, number: str, limit: int = 200) -> list[sqlite3.Row]:
        """The number's newest messages both ways (messages_by_number), newest first."""
        return self.query("SELECT * FROM messages WHERE number = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                          (number, limit))

    def mark_read(self, number: str) -> int:
        """Mark the number's received texts read; returns how many changed."""
        with self.transaction() as conn:
            return conn.execute("UPDATE messages SET read = 1 WHERE number = ? AND direction = 'in' AND read = 0",
                                (number,)).rowcount

    def optout(self, number: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM optouts WHERE number = ?", (number,))
        return rows[0] if rows else None

    def optouts_page(self, limit: int = 50, offset: int = 0) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM optouts ORDER BY created_at DESC, number LIMIT ? OFFSET ?", (limit, offset))

    def exclusion(self, number: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM exclusions WHERE number = ?", (number,))
        return rows[0] if rows else None

    # ---- calls -----------------------------------------------------------------------------

    def calls_page(self, limit: int = 50, offset: int = 0, outcome: str | None = None,
                   number: str | None = None) -> list[sqlite3.Row]:
        """Missed calls newest first, each with its text's status and send time.

        The WHERE clause is chosen from fixed fragments (values are always parameters), so the
        planner can use calls_by_number for a number and calls_by_time otherwise. Ordering by
        ended_at alone lets the index give the order (ties keep rowid order), with no sort.
        """
        if outcome is not None and outcome not in CALL_OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r} (expected one of {', '.join(CALL_OUTCOMES)})")
        clauses, params = [], []
        if number is not None:
            clauses.append("c.number = ?")
            params.append(number)
        if outcome is not None:
            clauses.append("c.outcome = ?")
            params.append(outcome)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return self.query(
            "SELECT c.*, m.status AS message_status, m.sent_at AS message_sent_at,"
            " m.error_text AS message_error, m.due_at AS message_due_at"
            " FROM calls c LEFT JOIN messages m ON m.id = c.message_id" + where +
            " ORDER BY c.ended_at DESC LIMIT ? OFFSET ?", (*params, limit, offset))

    # ---- dashboard -------------------------------------------------------------------------

    def dashboard(self, now: datetime, days: int, tz: ZoneInfo) -> Dashboard:
        """Missed calls, texts, replies and opt-outs over the last `days` local days.

        Days are the business's local days (DST-safe), so the counting is done here in Python
        over the window's rows (calls_by_time, messages_by_time), not by SQLite date functions.
        """
        today = now.astimezone(tz).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, time(), tzinfo=tz)
        since_iso = utc_iso(since)
        calls = self.query(
            "SELECT c.number, c.ended_at, c.outcome, c.skip_reason, m.sent_at, m.status"
            " FROM calls c LEFT JOIN messages m ON m.id = c.message_id"
            " WHERE c.ended_at >= ? ORDER BY c.ended_at", (since_iso,))
        inbound = self.query("SELECT number, created_at FROM messages WHERE created_at >= ? AND direction = 'in'",
                             (since_iso,))
        optouts = self.query("SELECT COUNT(*) AS n FROM optouts WHERE created_at >= ?", (since_iso,))[0]["n"]

        latest_reply: dict[str, str] = {}
        for row in inbound:
            latest_reply[row["number"]] = max(latest_reply.get(row["number"], ""), row["created_at"])
        per_day = {first + timedelta(days=n): [0, 0] for n in range(days)}
        missed = texted = skipped = replied = 0
        delays: list[float] = []
        texted_numbers: set[str] = set()
        for row in calls:
            if row["skip_reason"] == "answered":
                continue
            missed += 1
            bucket = per_day.get(datetime.fromisoformat(row["ended_at"]).astimezone(tz).date())
            if bucket is not None:
                bucket[0] += 1
            if row["outcome"] == "skipped":
                skipped += 1
            if row["sent_at"] and row["status"] in _SENT:
                texted += 1
                texted_numbers.add(row["number"])
                delays.append((datetime.fromisoformat(row["sent_at"])
                               - datetime.fromisoformat(row["ended_at"])).total_seconds())
                if bucket is not None:
                    bucket[1] += 1
                if latest_reply.get(row["number"], "") >= row["ended_at"]:
                    replied += 1
        return Dashboard(
            days=days, since=since, missed=missed, texted=texted, skipped=skipped, replied=replied,
            replies=len(inbound), reply_rate=replied / texted if texted else None,
            median_seconds_to_text=statistics.median(delays) if delays else None,
            optouts=optouts, optout_rate=optouts / len(texted_numbers) if texted_numbers else None,
            per_day=tuple(DayCount(day, counts[0], counts[1]) for day, counts in per_day.items()),
        )

    # ---- CSV export ------------------------------------------------------------------------

    def export_calls(self, batch: int = 1000) -> Iterator[sqlite3.Row]:
        """Every call, oldest first, with its text's status; read in batches (the lock is not held
        between batches, so a long download never blocks the agent)."""
        last = 0
        while True:
            rows = self.query(
                "SELECT c.id, c.started_at, c.ended_at, c.number, c.raw_number, c.rings, c.end_signal, c.outcome,"
                " c.skip_reason, c.message_id, m.status AS message_status, m.sent_at AS message_sent_at"
                " FROM calls c LEFT JOIN messages m ON m.id = c.message_id WHERE c.id > ? ORDER BY c.id LIMIT ?",
                (last, batch))
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1]["id"]

    def export_messages(self, batch: int = 1000) -> Iterator[sqlite3.Row]:
        """Every message both ways, oldest first, in batches."""
        last = 0
        while True:
            rows = self.query(
                "SELECT id, created_at, direction, number, kind, status, sent_at, parts, encoding, call_id,"
                " error_code, error_text, body FROM messages WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1]["id"]
