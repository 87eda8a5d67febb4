"""Migration 5: the vocabularies (agent/rules/vocabulary.py) enforced by CHECK constraints.

SQLite cannot add a CHECK to an existing column, so `messages` and `calls` are rebuilt: a new
table with the constraints, every row copied, the old one dropped, the new one renamed, the
indexes made again, all in one transaction with foreign keys checked before COMMIT (the
procedure of https://www.sqlite.org/lang_altertable.html, "other kinds of table schema changes").
sqlite-utils' Table.transform() does the same rebuild but does not write CHECK constraints, so
this is plain SQL (docs/decisions.md).

The word lists are written out here, frozen as of this migration: a database keeps the rules it
was migrated with. tests/unit/test_vocabulary.py checks they equal the enums, so a new word needs
a new migration.
"""

from __future__ import annotations

__all__ = ["SQL", "VOCABULARY_5", "REBUILT", "rebuild_sql", "unknown_words_sql", "extended"]

REBUILT = ("messages", "calls")

VOCABULARY_5 = {
    "out_kind": ("missed_open", "missed_closed", "followup", "optout_confirm", "optin_confirm", "help",
                 "owner_relay", "owner_usage", "owner_answer", "owner_alert", "reply"),
    "in_kind": ("sms", "stop", "start", "help", "owner", "carrier", "history", "mms", "nontext"),
    "out_status": ("queued", "sending", "sent", "delivered", "failed", "ambiguous", "cancelled", "stale"),
    "in_status": ("received", "partial"),
    "call_outcome": ("pending", "texted", "skipped"),
    "skip_reason": ("withheld", "invalid", "owner", "excluded", "opted_out", "landline", "premium_rate",
                    "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail", "unknown",
                    "recently_texted", "answered", "superseded", "stale"),
    "relay": ("relayed", "no_owner", "limit_caller", "limit_all"),
}


def extended(vocabulary: dict[str, tuple[str, ...]], **more: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """A later migration's word lists: these, with more words added at the end of some lists."""
    return {name: words + more.get(name, ()) for name, words in vocabulary.items()}


def _lister(vocabulary: dict[str, tuple[str, ...]]):
    def _list(name: str) -> str:
        return "(" + ", ".join(f"'{word}'" for word in vocabulary[name]) + ")"
    return _list


_MESSAGE_COLUMNS = ("id, direction, number, body, kind, status, call_id, created_at, due_at, next_attempt_at, sent_at,"
                    " attempts, parts, parts_sent, concat_ref, refs, encoding, error_code, error_text, read, reply_to,"
                    " delivered_at, relay")
_CALL_COLUMNS = ("id, number, raw_number, toa, started_at, ended_at, rings, end_signal, outcome, skip_reason,"
                 " message_id, created_at")

def rebuild_sql(vocabulary: dict[str, tuple[str, ...]]) -> str:
    """The rebuild of messages and calls with CHECKs for these word lists (columns as of schema 5)."""
    _list = _lister(vocabulary)
    return f"""
CREATE TABLE messages_checked (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    number TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    call_id INTEGER REFERENCES calls (id),
    created_at TEXT NOT NULL,
    due_at TEXT,
    next_attempt_at TEXT,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    parts INTEGER NOT NULL DEFAULT 1,
    parts_sent INTEGER NOT NULL DEFAULT 0,
    concat_ref INTEGER,
    refs TEXT NOT NULL DEFAULT '[]',
    encoding TEXT,
    error_code INTEGER,
    error_text TEXT,
    read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    reply_to INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    delivered_at TEXT,
    relay TEXT CHECK (relay IS NULL OR relay IN {_list("relay")}),
    CHECK (direction = 'in' OR (kind IN {_list("out_kind")} AND status IN {_list("out_status")})),
    CHECK (direction = 'out' OR (kind IN {_list("in_kind")} AND status IN {_list("in_status")}))
);
INSERT INTO messages_checked ({_MESSAGE_COLUMNS}) SELECT {_MESSAGE_COLUMNS} FROM messages;
DROP TABLE messages;
ALTER TABLE messages_checked RENAME TO messages;

CREATE TABLE calls_checked (
    id INTEGER PRIMARY KEY,
    number TEXT,
    raw_number TEXT NOT NULL DEFAULT '',
    toa INTEGER,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    rings INTEGER NOT NULL DEFAULT 0,
    end_signal TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN {_list("call_outcome")}),
    skip_reason TEXT CHECK (skip_reason IS NULL OR skip_reason IN {_list("skip_reason")}),
    message_id INTEGER,
    created_at TEXT NOT NULL
);
INSERT INTO calls_checked ({_CALL_COLUMNS}) SELECT {_CALL_COLUMNS} FROM calls;
DROP TABLE calls;
ALTER TABLE calls_checked RENAME TO calls;
"""


SQL = rebuild_sql(VOCABULARY_5)


def unknown_words_sql(vocabulary: dict[str, tuple[str, ...]]) -> str:
    """A query listing every word in the old tables these word lists would refuse."""
    _list = _lister(vocabulary)
    return f"""
SELECT 'messages.kind', kind FROM messages WHERE direction = 'out' AND kind NOT IN {_list("out_kind")}
UNION SELECT 'messages.kind', kind FROM messages WHERE direction = 'in' AND kind NOT IN {_list("in_kind")}
UNION SELECT 'messages.status', status FROM messages WHERE direction = 'out' AND status NOT IN {_list("out_status")}
UNION SELECT 'messages.status', status FROM messages WHERE direction = 'in' AND status NOT IN {_list("in_status")}
UNION SELECT 'messages.relay', relay FROM messages WHERE relay IS NOT NULL AND relay NOT IN {_list("relay")}
UNION SELECT 'calls.skip_reason', skip_reason FROM calls
    WHERE skip_reason IS NOT NULL AND skip_reason NOT IN {_list("skip_reason")}
"""
