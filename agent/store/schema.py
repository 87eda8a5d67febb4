"""Schema migrations, numbered by PRAGMA user_version; each runs in its own transaction.

An old entry is never edited: a new version is a new entry at the end of MIGRATIONS. A migration
that has to rebuild a table (checks.py) follows SQLite's own procedure, inside its transaction.
"""

from __future__ import annotations

import sqlite3

from agent.store import checks, conversation_marks, sessions, variants

__all__ = ["MIGRATIONS", "migrate", "SCHEMA_VERSION"]

MIGRATIONS: list[tuple[str, str]] = [
    ("calls, messages, opt-outs, exclusions, settings, templates, modem state", """
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    number TEXT,                         -- E.164; NULL when withheld or unreadable
    raw_number TEXT NOT NULL DEFAULT '', -- as the modem printed it
    toa INTEGER,                         -- +CLIP type of address (145 intl, 129 national, 128 withheld)
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    rings INTEGER NOT NULL DEFAULT 0,
    end_signal TEXT NOT NULL,            -- e.g. NO CARRIER, MISSED_CALL, ^CEND, ring-timeout
    outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'texted', 'skipped')),
    skip_reason TEXT,
    message_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX calls_by_time ON calls (ended_at DESC);
CREATE INDEX calls_by_number ON calls (number, ended_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    number TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL,                  -- out: missed_open, missed_closed, reply...; in: sms
    status TEXT NOT NULL,                -- out: queued sending sent failed ambiguous delivered cancelled stale
    call_id INTEGER REFERENCES calls (id),
    created_at TEXT NOT NULL,
    due_at TEXT,
    next_attempt_at TEXT,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    parts INTEGER NOT NULL DEFAULT 1,
    parts_sent INTEGER NOT NULL DEFAULT 0,
    concat_ref INTEGER,
    refs TEXT NOT NULL DEFAULT '[]',     -- TP-MR of each part, JSON
    encoding TEXT,
    error_code INTEGER,
    error_text TEXT,
    read INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_due ON messages (status, next_attempt_at) WHERE direction = 'out';
CREATE INDEX messages_by_number ON messages (number, created_at);
CREATE INDEX messages_by_time ON messages (created_at DESC);

CREATE TABLE optouts (
    number TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    keyword TEXT,
    source TEXT NOT NULL DEFAULT 'sms'
);

CREATE TABLE exclusions (
    number TEXT PRIMARY KEY,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,                 -- JSON
    config_value TEXT,                   -- JSON of the value config.toml last gave
    updated_at TEXT NOT NULL
);

CREATE TABLE templates (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE modem_state (
    key TEXT PRIMARY KEY,
    value TEXT,
    updated_at TEXT NOT NULL
);
"""),
    ("inbound SMS parts, delivery reports, replies linked to what they answer", """
CREATE TABLE inbound_parts (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,                -- as the PDU gave it: +digits, national digits or a name
    sender_toa INTEGER NOT NULL,
    sent_at TEXT NOT NULL,               -- the SMSC's time stamp (SCTS), UTC
    concat_ref INTEGER NOT NULL DEFAULT -1,   -- -1 for a single-part SMS
    total INTEGER NOT NULL DEFAULT 1,
    seq INTEGER NOT NULL DEFAULT 1,
    text_hash TEXT NOT NULL,             -- sha256 of the part's text
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    received_at TEXT NOT NULL,
    message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,   -- NULL until the whole message is stored
    UNIQUE (sender, sent_at, concat_ref, seq, text_hash)
);
CREATE INDEX inbound_parts_waiting ON inbound_parts (sender, concat_ref, total, seq) WHERE message_id IS NULL;
CREATE INDEX inbound_parts_waiting_since ON inbound_parts (received_at) WHERE message_id IS NULL;

CREATE TABLE unreadable_pdus (
    id INTEGER PRIMARY KEY,
    pdu TEXT NOT NULL UNIQUE,
    error TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE delivery_reports (
    id INTEGER PRIMARY KEY,
    message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,   -- NULL when no text of ours matched
    message_ref INTEGER NOT NULL,        -- TP-MR of the part it reports on
    recipient TEXT NOT NULL,             -- E.164 where readable
    status INTEGER NOT NULL,             -- TP-ST (23.040 9.2.3.15)
    delivered INTEGER NOT NULL,
    final INTEGER NOT NULL,
    discharged_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    pdu TEXT NOT NULL,
    UNIQUE (recipient, message_ref, status, discharged_at)   -- the same report read twice is stored once
);
CREATE INDEX delivery_reports_by_message ON delivery_reports (message_id);

-- the message this answers or relays
ALTER TABLE messages ADD COLUMN reply_to INTEGER REFERENCES messages (id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN delivered_at TEXT;
ALTER TABLE messages ADD COLUMN relay TEXT;   -- in: relayed, no_owner, limit_caller, limit_all; NULL = not for relay
CREATE INDEX messages_by_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX messages_by_kind ON messages (kind, created_at);
"""),
    ("periods the box could not hear calls; calls the modem remembers that the box never saw", """
CREATE TABLE downtime (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,                       -- NULL while the box is still deaf
    reason TEXT NOT NULL,                -- in words: "modem not answering", "caller ID off" ...
    alerted INTEGER NOT NULL DEFAULT 0   -- 1 once the owner's "could not hear calls" SMS is queued
);
CREATE INDEX downtime_by_start ON downtime (started_at DESC);

CREATE TABLE unheard_calls (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,                -- E.164 where readable, else as the modem listed it
    raw_number TEXT NOT NULL,
    found_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'texted', 'dismissed')),
    message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX unheard_calls_new ON unheard_calls (number) WHERE status = 'new';

-- what an old phone left on the SIM: drafts and sent messages (stat 2/3), kept as its history
CREATE TABLE sim_history (
    id INTEGER PRIMARY KEY,
    stat INTEGER NOT NULL,               -- 2 stored unsent, 3 stored sent (27.005 <stat>)
    number TEXT NOT NULL,
    body TEXT NOT NULL,
    pdu TEXT NOT NULL UNIQUE,
    found_at TEXT NOT NULL
);
"""),
    ("web sessions and the setup code", sessions.SCHEMA),
    ("message and call words enforced by CHECK constraints (tables rebuilt)", checks.SQL),
    ("conversation marks: menu choice, urgent, callback, outcome; new message words checked",
     conversation_marks.SCHEMA + checks.rebuild_sql(conversation_marks.VOCABULARY)),
    ("A/B variants of the missed-call texts", variants.SCHEMA),
    ("calls forwarded here from another line (+CSSU: 0)", """
ALTER TABLE calls ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0 CHECK (forwarded IN (0, 1));
"""),
]

# Migrations that rebuild a table run with foreign keys off (SQLite's rebuild procedure) and check
# them before COMMIT.
_REBUILDS = {5: checks.VOCABULARY_5, 6: conversation_marks.VOCABULARY}
LATEST_VOCABULARY = conversation_marks.VOCABULARY          # the word lists the newest rebuild enforces

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to SCHEMA_VERSION; returns the version it started at."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    if start > SCHEMA_VERSION:
        raise RuntimeError(f"database schema {start} is newer than this TextBack ({SCHEMA_VERSION}); upgrade TextBack")
    for version in range(start, SCHEMA_VERSION):
        _name, sql = MIGRATIONS[version]
        rebuild = _REBUILDS.get(version + 1)
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        try:
            if rebuild is not None:
                conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("BEGIN IMMEDIATE")
            kept, views = [], []
            if rebuild is not None:
                # SQLite's rebuild procedure (lang_altertable.html §7): the tables' indexes and
                # triggers go with DROP TABLE and are made again; views are dropped first (a view
                # naming the table would stop the rename) and made again after
                kept = conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
                    f" AND tbl_name IN ({','.join('?' * len(checks.REBUILT))})", checks.REBUILT).fetchall()
                views = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()
                for name, _sql in views:
                    conn.execute(f'DROP VIEW "{name}"')
                unknown = conn.execute(checks.unknown_words_sql(rebuild)).fetchall()
                if unknown:
                    words = ", ".join(f"{column} = {word!r}" for column, word in unknown)
                    raise RuntimeError(f"database has words this TextBack does not know ({words}); "
                                       "it was written by another version: upgrade TextBack")
            for statement in _statements(sql):
                conn.execute(statement)
            for _name, kept_sql in [*kept, *views]:     # dropped with the old table: made again
                conn.execute(kept_sql)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            if rebuild is not None and conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise RuntimeError(f"migration {version + 1} would break a foreign key; nothing was changed")
            conn.execute("COMMIT")
        except (sqlite3.Error, RuntimeError):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            if rebuild is not None:
                conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    return start


def _statements(sql: str) -> list[str]:
    """The script's statements one by one (executescript would COMMIT first; these stay inside
    the migration's transaction). sqlite3.complete_statement knows comments and quotes."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()):
        raise ValueError(f"migration SQL ends with an unfinished statement: {buffer.strip()[:80]!r}")
    return statements
