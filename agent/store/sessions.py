"""The owner's login state, server-side: web sessions, counted tries, the first-run setup code,
and the few small reads the live pages poll.

A browser holds only a random token (in its signed cookie); the table keeps the token's SHA-256,
so a copy of the database does not log anyone in. Ending a session deletes its row, so a cookie
replayed after logout finds nothing. Tries (passwords, setup codes) are checked and counted in one
BEGIN IMMEDIATE transaction: two requests at the same moment cannot both slip under the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.clock import utc_iso

__all__ = ["SessionQueries", "SCHEMA", "WebSession", "SetupCode", "LiveSummary", "CallText"]

# Migration 4 (see schema.py): the tables this module reads and writes.
SCHEMA = """
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,     -- sha256 hex of the cookie's token; the token itself is never stored
    password_fingerprint TEXT NOT NULL,  -- which password it was opened with: a new password ends it
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',    -- where it logged in from, shown to the owner
    device TEXT NOT NULL DEFAULT ''      -- the browser's own name for itself (User-Agent), shortened
);
CREATE INDEX web_sessions_by_seen ON web_sessions (last_seen_at);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('password', 'setup_code')),
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_attempts_by_address ON login_attempts (kind, address, at);
CREATE INDEX login_attempts_by_time ON login_attempts (kind, at);

CREATE TABLE setup_code (
    id INTEGER PRIMARY KEY CHECK (id = 1),   -- at most one code at a time
    code TEXT NOT NULL,                  -- shown again by `textback setup-code`; useless once used
    created_at TEXT NOT NULL,
    used_at TEXT                         -- set when a password was chosen with it
);

-- the unread count in every page's title, polled by the live pages
CREATE INDEX messages_unread ON messages (number) WHERE direction = 'in' AND read = 0;
"""


@dataclass(frozen=True)
class WebSession:
    id: int
    token_hash: str
    password_fingerprint: str
    created_at: str
    last_seen_at: str
    address: str
    device: str


@dataclass(frozen=True)
class SetupCode:
    code: str
    created_at: str
    used_at: str | None


@dataclass(frozen=True)
class LiveSummary:
    """What changed since the page was drawn: newest call and message, unread replies, texts on their way."""
    last_call_id: int
    last_message_id: int
    unread: int
    in_flight: int


@dataclass(frozen=True)
class CallText:
    """A call and the text it led to, for the wizard's "test it now" step."""
    call_id: int
    number: str | None
    ended_at: str
    outcome: str
    skip_reason: str | None
    message_id: int | None
    message_status: str | None
    message_body: str | None
    sent_at: str | None


def _session(row) -> WebSession:
    return WebSession(*(row[name] for name in WebSession.__dataclass_fields__))


class SessionQueries:
    """Mixed into Store: self.conn, self.lock, self._write() come from it."""

    # ---- sessions ------------------------------------------------------------------------

    def create_session(self, token_hash: str, password_fingerprint: str, now: datetime,
                       address: str = "", device: str = "") -> int:
        with self._write() as conn:
            return conn.execute(
                "INSERT INTO web_sessions (token_hash, password_fingerprint, created_at, last_seen_at, address, device)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_hash, password_fingerprint, utc_iso(now), utc_iso(now), address[:64], device[:200])).lastrowid

    def web_session(self, token_hash: str) -> WebSession | None:
        with self.lock:
            row = self.conn.execute("SELECT * FROM web_sessions WHERE token_hash = ?", (token_hash,)).fetchone()
        return _session(row) if row else None

    def web_sessions(self) -> list[WebSession]:
        """Every open session, most recently used first."""
        with self.lock:
            rows = self.conn.execute("SELECT * FROM web_sessions ORDER BY last_seen_at DESC, id DESC").fetchall()
        return [_session(row) for row in rows]

    def touch_session(self, session_id: int, now: datetime) -> None:
        with self._write() as conn:
            conn.execute("UPDATE web_sessions SET last_seen_at = ? WHERE id = ?", (utc_iso(now), session_id))

    def end_session(self, token_hash: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,)).rowcount == 1

    def end_session_by_id(self, session_id: int) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM web_sessions WHERE id = ?", (session_id,)).rowcount == 1

    def end_all_sessions(self) -> int:
        with self._write() as conn:
            return conn.execute("DELETE FROM web_sessions").rowcount

    def end_expired_sessions(self, created_before: datetime, seen_before: datetime) -> int:
        """Delete sessions past their whole life or idle too long; how many went."""
        with self._write() as conn:
            return conn.execute("DELETE FROM web_sessions WHERE created_at < ? OR last_seen_at < ?",
                                (utc_iso(created_before), utc_iso(seen_before))).rowcount

    # ---- tries ---------------------------------------------------------------------------

    def take_attempt(self, kind: str, address: str, now: datetime, window_seconds: float,
                     per_address: int, in_all: int | None = None) -> float:
        """Check and count one try in one transaction. 0.0: allowed, and counted. Otherwise the
        seconds until this address may try again (nothing counted).

        Tries older than the window are forgotten. A try stamped more than a window in the future
        (the wall clock was stepped back) is forgotten too, so a clock step never locks the owner
        out for longer than one window."""
        since, until = now - timedelta(seconds=window_seconds), now + timedelta(seconds=window_seconds)
        with self._write() as conn:
            conn.execute("DELETE FROM login_attempts WHERE kind = ? AND (at < ? OR at > ?)",
                         (kind, utc_iso(since), utc_iso(until)))
            mine = conn.execute("SELECT COUNT(*), MIN(at) FROM login_attempts WHERE kind = ? AND address = ?",
                                (kind, address)).fetchone()
            waits = []
            if mine[0] >= per_address:
                waits.append(mine[1])
            if in_all is not None:
                every = conn.execute("SELECT COUNT(*), MIN(at) FROM login_attempts WHERE kind = ?", (kind,)).fetchone()
                if every[0] >= in_all:
                    waits.append(every[1])
            if waits:
                oldest = datetime.fromisoformat(min(waits).replace("Z", "+00:00"))
                return max(1.0, window_seconds - (now - oldest).total_seconds())
            conn.execute("INSERT INTO login_attempts (kind, address, at) VALUES (?, ?, ?)", (kind, address, utc_iso(now)))
            return 0.0

    def clear_attempts(self, kind: str, address: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM login_attempts WHERE kind = ? AND address = ?", (kind, address))

    # ---- the setup code ------------------------------------------------------------------

    def setup_code(self) -> SetupCode | None:
        with self.lock:
            row = self.conn.execute("SELECT code, created_at, used_at FROM setup_code WHERE id = 1").fetchone()
        return SetupCode(row["code"], row["created_at"], row["used_at"]) if row else None

    def replace_setup_code(self, code: str, now: datetime) -> None:
        """A new, unused code in place of any old one."""
        with self._write() as conn:
            conn.execute("INSERT INTO setup_code (id, code, created_at, used_at) VALUES (1, ?, ?, NULL)"
                         " ON CONFLICT(id) DO UPDATE SET code = excluded.code, created_at = excluded.created_at,"
                         " used_at = NULL", (code, utc_iso(now)))

    def use_setup_code(self, code: str, created_at: str, now: datetime) -> bool:
        """Mark the code used, once: True only for the one request that does it."""
        with self._write() as conn:
            return conn.execute("UPDATE setup_code SET used_at = ? WHERE id = 1 AND used_at IS NULL AND code = ?"
                                " AND created_at = ?", (utc_iso(now), code, created_at)).rowcount == 1

    # ---- what the live pages poll ----------------------------------------------------------

    def live_summary(self, owner_phone: str = "") -> LiveSummary:
        """Four small reads: each served by the primary key or a partial index."""
        with self.lock:
            last_call = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM calls").fetchone()[0]
            last_message = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
            unread = self.conn.execute(
                "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND read = 0 AND kind != 'carrier'"
                " AND number != ?", (owner_phone,)).fetchone()[0]
            in_flight = self.conn.execute(
                "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status IN ('queued', 'sending')"
            ).fetchone()[0]
        return LiveSummary(last_call, last_message, unread, in_flight)

    def first_call_after(self, call_id: int) -> CallText | None:
        """The first call recorded after call_id, with the state of its text."""
        with self.lock:
            row = self.conn.execute(
                "SELECT c.id, c.number, c.ended_at, c.outcome, c.skip_reason, c.message_id,"
                " m.status, m.body, m.sent_at FROM calls c LEFT JOIN messages m ON m.id = c.message_id"
                " WHERE c.id > ? ORDER BY c.id LIMIT 1", (call_id,)).fetchone()
        return CallText(*tuple(row)) if row else None
