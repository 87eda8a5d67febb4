"""The Store: one SQLite connection, WAL, synchronous=FULL, explicit short transactions."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from agent.clock import parse_utc, utc_iso
from agent.errors import StorageError
from agent.store.downtime import DowntimeQueries
from agent.store.housekeeping import HousekeepingQueries
from agent.store.inbox import InboxQueries
from agent.store.outbox import OutboxQueries
from agent.store.records import CallRecord, History
from agent.store.schema import migrate
from agent.store.sessions import SessionQueries
from agent.store.settings_table import SettingsQueries
from agent.store.views import ViewQueries

__all__ = ["Store"]

TEXT_KINDS = ("missed_open", "missed_closed")
LIVE_STATUSES = ("queued", "sending", "sent", "delivered", "ambiguous")


class Store(OutboxQueries, SettingsQueries, ViewQueries, HousekeepingQueries, InboxQueries, DowntimeQueries,
            SessionQueries):
    """Every read and write of TextBack's data. Safe to share between threads (one lock)."""

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()

    @classmethod
    def open(cls, path: str | Path) -> "Store":
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        return cls(conn, str(path))

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: a write either lands whole (and durable) or not at all.

        A database locked by another program past the busy time-out, a full disk or a failing card
        raise StorageError (kind "locked", "full" or "io"), so callers keep what they meant to write
        and try again; nothing half-written stays behind."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise storage_error(error) from None
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as error:
                if self.conn.in_transaction:
                    try:
                        self.conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if isinstance(error, sqlite3.Error):
                    raise storage_error(error) from None
                raise

    def quick_check(self) -> str:
        """SQLite's PRAGMA quick_check: "ok", or the first problem it found."""
        with self.lock:
            try:
                return str(self.conn.execute("PRAGMA quick_check").fetchone()[0])
            except sqlite3.Error as error:
                raise storage_error(error) from None

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another program's lock before StorageError("locked")."""
        with self.lock:
            self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                raise storage_error(error) from None

    # ---- calls ------------------------------------------------------------------------------

    def record_call(self, *, number: str | None, raw_number: str, toa: int | None, started_at: datetime,
                    ended_at: datetime, rings: int, end_signal: str, now: datetime) -> int:
        """Write ahead: the call is committed before anything is decided or queued for it."""
        with self.transaction():
            return self.db["calls"].insert({
                "number": number, "raw_number": raw_number, "toa": toa,
                "started_at": utc_iso(started_at), "ended_at": utc_iso(ended_at), "rings": rings,
                "end_signal": end_signal, "outcome": "pending", "created_at": utc_iso(now),
            }).last_pk

    def skip_call(self, call_id: int, reason: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE calls SET outcome = 'skipped', skip_reason = ? WHERE id = ?", (reason, call_id))

    def queue_text_for_call(self, call_id: int, *, number: str, body: str, kind: str, due_at: datetime,
                            now: datetime, replace_message_id: int | None = None) -> int:
        """Queue the call's text and link it, in one transaction. A pending text for the same caller
        (replace_message_id) is cancelled in the same transaction: still one text."""
        with self.transaction() as conn:
            if replace_message_id is not None:
                changed = conn.execute(
                    "UPDATE messages SET status = 'cancelled', error_text = 'replaced by a newer call'"
                    " WHERE id = ? AND status = 'queued'", (replace_message_id,)).rowcount
                if changed:
                    conn.execute("UPDATE calls SET outcome = 'skipped', skip_reason = 'superseded'"
                                 " WHERE message_id = ?", (replace_message_id,))
            message_id = self._insert_out(conn, number=number, body=body, kind=kind, due_at=due_at,
                                          now=now, call_id=call_id)
            conn.execute("UPDATE calls SET outcome = 'texted', message_id = ? WHERE id = ?", (message_id, call_id))
            return message_id

    def calls(self, limit: int = 50, offset: int = 0) -> list[CallRecord]:
        rows = self.query("SELECT * FROM calls ORDER BY ended_at DESC, id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [_call(row) for row in rows]

    def pending_calls(self) -> list[CallRecord]:
        """Calls recorded but not yet decided (a power cut between the two commits)."""
        return [_call(row) for row in self.query("SELECT * FROM calls WHERE outcome = 'pending' ORDER BY id")]

    def call(self, call_id: int) -> CallRecord | None:
        rows = self.query("SELECT * FROM calls WHERE id = ?", (call_id,))
        return _call(rows[0]) if rows else None

    # ---- what the policy needs to know ------------------------------------------------------

    def history(self, number: str, now: datetime, dedup_hours: int) -> History:
        opted_out = bool(self.query("SELECT 1 FROM optouts WHERE number = ?", (number,)))
        excluded = bool(self.query("SELECT 1 FROM exclusions WHERE number = ?", (number,)))
        marks = ",".join("?" * len(LIVE_STATUSES))
        kinds = ",".join("?" * len(TEXT_KINDS))
        last = self.query(
            f"SELECT created_at FROM messages WHERE direction = 'out' AND number = ? AND kind IN ({kinds})"
            f" AND status IN ({marks}) ORDER BY created_at DESC LIMIT 1", (number, *TEXT_KINDS, *LIVE_STATUSES))
        pending = self.query(
            f"SELECT id FROM messages WHERE direction = 'out' AND number = ? AND kind IN ({kinds})"
            " AND status = 'queued' AND attempts = 0 ORDER BY id DESC LIMIT 1", (number, *TEXT_KINDS))
        return History(
            opted_out=opted_out, excluded=excluded,
            last_text_at=parse_utc(last[0]["created_at"]) if last else None,
            pending_message_id=pending[0]["id"] if pending else None,
        )

    # ---- opt-outs and exclusions ------------------------------------------------------------

    def add_optout(self, number: str, now: datetime, keyword: str = "", source: str = "sms") -> bool:
        """True when the number was not opted out before."""
        with self.transaction() as conn:
            return conn.execute("INSERT OR IGNORE INTO optouts (number, created_at, keyword, source)"
                                " VALUES (?, ?, ?, ?)", (number, utc_iso(now), keyword, source)).rowcount == 1

    def is_opted_out(self, number: str) -> bool:
        return bool(self.query("SELECT 1 FROM optouts WHERE number = ?", (number,)))

    def remove_optout(self, number: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM optouts WHERE number = ?", (number,)).rowcount == 1

    def optouts(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM optouts ORDER BY created_at DESC")

    def add_exclusion(self, number: str, label: str, now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO exclusions (number, label, created_at) VALUES (?, ?, ?)"
                         " ON CONFLICT(number) DO UPDATE SET label = excluded.label", (number, label, utc_iso(now)))

    def remove_exclusion(self, number: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM exclusions WHERE number = ?", (number,)).rowcount == 1

    def exclusions(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM exclusions ORDER BY number")

    # ---- modem state (shown by the web UI) --------------------------------------------------

    def set_modem_state(self, now: datetime, **values: Any) -> None:
        with self.transaction() as conn:
            for key, value in values.items():
                conn.execute("INSERT INTO modem_state (key, value, updated_at) VALUES (?, ?, ?)"
                             " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                             (key, json.dumps(value), utc_iso(now)))

    def modem_state(self) -> dict[str, Any]:
        return {row["key"]: json.loads(row["value"]) for row in self.query("SELECT key, value FROM modem_state")}


def storage_error(error: sqlite3.Error) -> StorageError:
    """sqlite3's OperationalError → our StorageError with what a person can act on."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageError("locked", str(error))
    if "full" in text:
        return StorageError("full", str(error))
    return StorageError("io", str(error))


def _call(row: sqlite3.Row) -> CallRecord:
    return CallRecord(**{name: row[name] for name in CallRecord.__dataclass_fields__})

