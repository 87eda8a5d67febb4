"""Opt-outs (STOP, or added by the owner) and the never-text list. One home for the SQL of both."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from agent.clock import utc_iso
from agent.store.records import Exclusion, OptOut, record_from_row
from agent.store.transaction import Transaction, connection_of

__all__ = ["OptOutQueries"]

OPTOUT_SOURCES = ("sms", "web")


def _insert_optout(conn: sqlite3.Connection, number: str, now: datetime, keyword: str, source: str) -> bool:
    if source not in OPTOUT_SOURCES:
        raise ValueError(f"opt-out source {source!r}: expected one of {', '.join(OPTOUT_SOURCES)}")
    return conn.execute("INSERT OR IGNORE INTO optouts (number, created_at, keyword, source) VALUES (?, ?, ?, ?)",
                        (number, utc_iso(now), keyword, source)).rowcount == 1


def _delete_optout(conn: sqlite3.Connection, number: str) -> bool:
    return conn.execute("DELETE FROM optouts WHERE number = ?", (number,)).rowcount == 1


class OptOutQueries:
    """Mixed into Store."""

    def add_optout(self, number: str, now: datetime, keyword: str = "", source: str = "sms") -> bool:
        """True when the number was not opted out before."""
        with self._write() as conn:
            return _insert_optout(conn, number, now, keyword, source)

    def add_optout_in(self, tx: Transaction, number: str, now: datetime, keyword: str) -> bool:
        """The same, inside an inbound message's transaction (a STOP read from the modem)."""
        return _insert_optout(connection_of(tx), number, now, keyword, "sms")

    def remove_optout(self, number: str) -> bool:
        with self._write() as conn:
            return _delete_optout(conn, number)

    def remove_optout_in(self, tx: Transaction, number: str) -> bool:
        return _delete_optout(connection_of(tx), number)

    def is_opted_out(self, number: str) -> bool:
        return bool(self._rows("SELECT 1 FROM optouts WHERE number = ?", (number,)))

    def optout(self, number: str) -> OptOut | None:
        rows = self._rows("SELECT * FROM optouts WHERE number = ?", (number,))
        return record_from_row(OptOut, rows[0]) if rows else None

    def optouts(self) -> list[OptOut]:
        return [record_from_row(OptOut, row) for row in self._rows("SELECT * FROM optouts ORDER BY created_at DESC")]

    def optouts_page(self, limit: int = 50, offset: int = 0) -> list[OptOut]:
        rows = self._rows("SELECT * FROM optouts ORDER BY created_at DESC, number LIMIT ? OFFSET ?", (limit, offset))
        return [record_from_row(OptOut, row) for row in rows]

    def add_exclusion(self, number: str, label: str, now: datetime) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO exclusions (number, label, created_at) VALUES (?, ?, ?)"
                         " ON CONFLICT(number) DO UPDATE SET label = excluded.label", (number, label, utc_iso(now)))

    def remove_exclusion(self, number: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM exclusions WHERE number = ?", (number,)).rowcount == 1

    def exclusion(self, number: str) -> Exclusion | None:
        rows = self._rows("SELECT * FROM exclusions WHERE number = ?", (number,))
        return record_from_row(Exclusion, rows[0]) if rows else None

    def exclusions(self) -> list[Exclusion]:
        return [record_from_row(Exclusion, row) for row in self._rows("SELECT * FROM exclusions ORDER BY number")]
