"""The Store: one SQLite connection, WAL, synchronous=FULL, explicit short transactions."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from agent.errors import StorageError
from agent.store.calls import CallQueries
from agent.store.conversation_marks import ConversationMarkQueries
from agent.store.conversations import ConversationQueries
from agent.store.downtime import DowntimeQueries
from agent.store.housekeeping import HousekeepingQueries
from agent.store.inbox import InboxQueries
from agent.store.kept_values import KeptValueQueries
from agent.store.modem_state import ModemStateQueries
from agent.store.optouts import OptOutQueries
from agent.store.outbox import OutboxQueries
from agent.store.reports import ReportQueries
from agent.store.schema import migrate
from agent.store.sessions import SessionQueries
from agent.store.settings_table import SettingsQueries
from agent.store.transaction import Transaction, connection_of
from agent.store.variants import VariantQueries

__all__ = ["Store"]


class Store(CallQueries, OutboxQueries, InboxQueries, OptOutQueries, ConversationQueries, ReportQueries,
            SettingsQueries, KeptValueQueries, ModemStateQueries, DowntimeQueries, HousekeepingQueries,
            SessionQueries, ConversationMarkQueries, VariantQueries):
    """One connection and its lock; each table's queries come from its own module (mixed in here),
    so one transaction can span tables. Nothing it returns is a database row: records.py.
    Safe to share between threads (one lock)."""

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
    def _write(self) -> Iterator[sqlite3.Connection]:
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

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction for the layers above: one inbound message and everything it causes
        commit together. The handle only goes back into store methods (add_part, add_inbound …);
        StorageError as for every write."""
        with self._write() as conn:
            yield Transaction(conn)

    @contextmanager
    def _write_in(self, tx: Transaction | None) -> Iterator[sqlite3.Connection]:
        """Inside the caller's transaction when given one, else a write of its own."""
        if tx is not None:
            yield connection_of(tx)
            return
        with self._write() as conn:
            yield conn

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Rows for the store's own modules; they turn them into records before returning."""
        with self.lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                raise storage_error(error) from None


def storage_error(error: sqlite3.Error) -> StorageError:
    """sqlite3's OperationalError → our StorageError with what a person can act on."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageError("locked", str(error))
    if "full" in text:
        return StorageError("full", str(error))
    return StorageError("io", str(error))

