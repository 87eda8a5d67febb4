"""Marks on conversations: the reply-menu choice, urgent, callback requested, and the owner's
outcome (booked, lost, spam) with its value.

Two tables:
- `reply_marks`, one row per received message that meant something more than its words: the menu
  option it chose (its key and label: the conversation's tags) and whether it was urgent;
- `conversation_marks`, one row per number: pinned while `urgent_since` or `callback_since` is
  set (the inbox shows it first until the owner presses "Handled"), and the owner's outcome with
  an optional value in the shop's currency.

Migration 6 (schema.py) runs SCHEMA, then rebuilds messages and calls with VOCABULARY's checks
(checks.rebuild_sql), so new message words (the menu answer) are enforced like the others. The
outcome words are written out here, frozen as of this migration, like checks.py's lists
(tests/unit/test_vocabulary.py checks they equal agent.rules.vocabulary.Outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.clock import utc_iso
from agent.rules.vocabulary import Outcome
from agent.store.checks import VOCABULARY_5, extended
from agent.store.transaction import Transaction, connection_of

__all__ = ["ConversationMarkQueries", "SCHEMA", "VOCABULARY", "OUTCOME_WORDS", "ConversationMark", "ReplyMark",
           "PinnedConversation"]

VOCABULARY = extended(VOCABULARY_5, out_kind=("menu_answer",))
OUTCOME_WORDS = ("booked", "lost", "spam")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS reply_marks (
    message_id INTEGER PRIMARY KEY,      -- the received message (messages.id)
    number TEXT NOT NULL,
    menu_key TEXT,                       -- the option chosen ("3"), NULL when none
    menu_label TEXT,                     -- its label ("Call me back"): the conversation's tag
    urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reply_marks_by_number ON reply_marks (number, created_at);
CREATE TABLE IF NOT EXISTS conversation_marks (
    number TEXT PRIMARY KEY,
    urgent_since TEXT,                   -- pinned: an urgent reply not yet handled
    callback_since TEXT,                 -- pinned: a callback asked for, not yet handled
    handled_at TEXT,                     -- when the owner last pressed "Handled"
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ({", ".join(f"'{word}'" for word in OUTCOME_WORDS)})),
    outcome_value REAL CHECK (outcome_value IS NULL OR outcome_value >= 0),
    outcome_at TEXT
);
CREATE INDEX IF NOT EXISTS conversation_marks_by_outcome ON conversation_marks (outcome, outcome_at);
"""


@dataclass(frozen=True)
class ReplyMark:
    """What one received message chose or said: a menu option (key, label) and/or urgent."""

    message_id: int
    number: str
    menu_key: str | None
    menu_label: str | None
    urgent: bool
    created_at: str


@dataclass(frozen=True)
class ConversationMark:
    """The marks on one number's conversation."""

    number: str
    urgent_since: str | None = None
    callback_since: str | None = None
    handled_at: str | None = None
    outcome: Outcome | None = None
    outcome_value: float | None = None
    outcome_at: str | None = None

    @property
    def pinned(self) -> bool:
        return self.urgent_since is not None or self.callback_since is not None


@dataclass(frozen=True)
class PinnedConversation:
    """A conversation at the top of the inbox until handled: urgent ones first, then callbacks."""

    number: str
    urgent_since: str | None
    callback_since: str | None
    last_body: str
    last_at: str


def _mark(row) -> ConversationMark:
    return ConversationMark(number=row["number"], urgent_since=row["urgent_since"],
                            callback_since=row["callback_since"], handled_at=row["handled_at"],
                            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
                            outcome_value=row["outcome_value"], outcome_at=row["outcome_at"])


class ConversationMarkQueries:
    """Mixed into Store: self._rows(), self._write() come from it."""

    # ---- written by the agent, inside the transaction that stored the message -----------------

    def mark_reply(self, tx: Transaction, *, message_id: int, number: str, now: datetime,
                   menu_key: str | None = None, menu_label: str | None = None, urgent: bool = False,
                   callback: bool = False) -> None:
        """Record what a received message chose or said, and pin its conversation when it is
        urgent or asks for a callback (a pin already there keeps its first time)."""
        conn = connection_of(tx)
        at = utc_iso(now)
        conn.execute("INSERT OR REPLACE INTO reply_marks (message_id, number, menu_key, menu_label, urgent, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (message_id, number, menu_key, menu_label, int(urgent), at))
        if urgent or callback:
            conn.execute(
                "INSERT INTO conversation_marks (number, urgent_since, callback_since) VALUES (?, ?, ?)"
                " ON CONFLICT(number) DO UPDATE SET"
                " urgent_since = COALESCE(urgent_since, excluded.urgent_since),"
                " callback_since = COALESCE(callback_since, excluded.callback_since)",
                (number, at if urgent else None, at if callback else None))

    def menu_keys_answered(self, number: str, since: str | None) -> frozenset[str]:
        """Menu options already answered to this number (since a time, ISO; None: ever)."""
        rows = self._rows(
            "SELECT DISTINCT r.menu_key FROM reply_marks r JOIN messages m ON m.reply_to = r.message_id"
            " WHERE r.number = ? AND r.menu_key IS NOT NULL AND m.kind = 'menu_answer' AND r.created_at >= ?",
            (number, since or ""))
        return frozenset(row["menu_key"] for row in rows)

    # ---- read and written by the web UI --------------------------------------------------------

    def conversation_mark(self, number: str) -> ConversationMark:
        rows = self._rows("SELECT * FROM conversation_marks WHERE number = ?", (number,))
        return _mark(rows[0]) if rows else ConversationMark(number)

    def reply_marks(self, number: str) -> dict[int, ReplyMark]:
        """The number's marked messages, by message id."""
        rows = self._rows("SELECT * FROM reply_marks WHERE number = ? ORDER BY created_at", (number,))
        return {row["message_id"]: ReplyMark(row["message_id"], row["number"], row["menu_key"], row["menu_label"],
                                             bool(row["urgent"]), row["created_at"]) for row in rows}

    def conversation_tags(self, number: str) -> tuple[str, ...]:
        """The menu labels this number chose, first chosen first, each once."""
        rows = self._rows("SELECT menu_label, MIN(created_at) AS first FROM reply_marks"
                          " WHERE number = ? AND menu_label IS NOT NULL GROUP BY menu_label ORDER BY first",
                          (number,))
        return tuple(row["menu_label"] for row in rows)

    def pinned_conversations(self, exclude: tuple[str, ...] = ()) -> list[PinnedConversation]:
        """Conversations waiting for the owner: urgent first, then callbacks, oldest pin first."""
        rows = self._rows(
            "SELECT c.number, c.urgent_since, c.callback_since,"
            " (SELECT body FROM messages m WHERE m.number = c.number AND m.direction = 'in'"
            "   ORDER BY created_at DESC, id DESC LIMIT 1) AS last_body,"
            " (SELECT created_at FROM messages m WHERE m.number = c.number AND m.direction = 'in'"
            "   ORDER BY created_at DESC, id DESC LIMIT 1) AS last_at"
            " FROM conversation_marks c WHERE c.urgent_since IS NOT NULL OR c.callback_since IS NOT NULL"
            " ORDER BY c.urgent_since IS NULL, COALESCE(c.urgent_since, c.callback_since)")
        return [PinnedConversation(row["number"], row["urgent_since"], row["callback_since"], row["last_body"] or "",
                                   row["last_at"] or "") for row in rows if row["number"] not in exclude]

    def mark_handled(self, number: str, now: datetime) -> bool:
        """The owner dealt with it: unpin (urgent and callback). True when it was pinned."""
        with self._write() as conn:
            return conn.execute(
                "UPDATE conversation_marks SET urgent_since = NULL, callback_since = NULL, handled_at = ?"
                " WHERE number = ? AND (urgent_since IS NOT NULL OR callback_since IS NOT NULL)",
                (utc_iso(now), number)).rowcount == 1

    def set_outcome(self, number: str, outcome: Outcome | None, value: float | None, now: datetime) -> None:
        """What the conversation came to (None clears it), with an optional value (>= 0). Marking
        an outcome also unpins the conversation: the owner has dealt with it."""
        if outcome is not None:
            outcome = Outcome(outcome)
        if value is not None and (value != value or value < 0):
            raise ValueError(f"value {value!r}: expected a plain amount of 0 or more")
        at = utc_iso(now)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO conversation_marks (number, outcome, outcome_value, outcome_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(number) DO UPDATE SET outcome = excluded.outcome,"
                " outcome_value = excluded.outcome_value, outcome_at = excluded.outcome_at",
                (number, outcome, value if outcome is not None else None, at if outcome is not None else None))
            if outcome is not None:
                conn.execute("UPDATE conversation_marks SET urgent_since = NULL, callback_since = NULL,"
                             " handled_at = ?"
                             " WHERE number = ? AND (urgent_since IS NOT NULL OR callback_since IS NOT NULL)",
                             (at, number))
