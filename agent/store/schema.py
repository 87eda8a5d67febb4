"""Schema migrations, numbered by PRAGMA user_version; each runs in its own transaction.

Never drop and recreate: a new version is a new entry at the end of MIGRATIONS.
"""

from __future__ import annotations

import sqlite3

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
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to SCHEMA_VERSION; returns the version it started at."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    if start > SCHEMA_VERSION:
        raise RuntimeError(f"database schema {start} is newer than this TextBack ({SCHEMA_VERSION}); upgrade TextBack")
    for version in range(start, SCHEMA_VERSION):
        _name, sql = MIGRATIONS[version]
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version + 1};\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return start
