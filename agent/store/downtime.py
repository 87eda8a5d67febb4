"""Downtime: every period the box could not hear calls, and the calls the modem remembers.

A period opens when the agent finds it cannot hear calls (modem gone, not answering, caller ID
off, SIM or network not ready, agent not running) and closes when it can again. The web UI
shows them; the agent texts the owner once per long outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.clock import utc_iso
from agent.store.transaction import Transaction

__all__ = ["DowntimeQueries", "Downtime", "UnheardCall", "VAGUE_REASONS"]

VAGUE_REASONS = frozenset({"starting up", "TextBack stopped"})   # a later, more precise reason replaces these


@dataclass(frozen=True)
class Downtime:
    id: int
    started_at: str
    ended_at: str | None
    reason: str
    alerted: bool


@dataclass(frozen=True)
class UnheardCall:
    id: int
    number: str
    raw_number: str
    found_at: str
    status: str
    message_id: int | None


class DowntimeQueries:
    """Mixed into Store."""

    def open_downtime(self, started_at: datetime, reason: str, tx: Transaction | None = None) -> int:
        """Start a period (or keep the one already open, updating its reason if it had none)."""
        with self._write_in(tx) as conn:
            row = conn.execute("SELECT id, reason FROM downtime WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1"
                               ).fetchone()
            if row is not None:
                if row["reason"] in VAGUE_REASONS and reason not in VAGUE_REASONS:
                    conn.execute("UPDATE downtime SET reason = ? WHERE id = ?", (reason, row["id"]))
                return row["id"]
            return conn.execute("INSERT INTO downtime (started_at, reason) VALUES (?, ?)",
                                (utc_iso(started_at), reason)).lastrowid

    def close_downtime(self, ended_at: datetime, tx: Transaction | None = None) -> Downtime | None:
        """End the open period; returns it (with its end), or None when none was open."""
        with self._write_in(tx) as conn:
            row = conn.execute("SELECT id FROM downtime WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            conn.execute("UPDATE downtime SET ended_at = MAX(started_at, ?) WHERE id = ?", (utc_iso(ended_at), row["id"]))
            found = conn.execute("SELECT * FROM downtime WHERE id = ?", (row["id"],)).fetchone()
            return _downtime(found)

    def open_downtime_period(self) -> Downtime | None:
        rows = self._rows("SELECT * FROM downtime WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1")
        return _downtime(rows[0]) if rows else None

    def downtimes_since(self, since: datetime, limit: int = 200) -> list[Downtime]:
        rows = self._rows("SELECT * FROM downtime WHERE ended_at IS NULL OR ended_at >= ?"
                          " ORDER BY started_at DESC LIMIT ?", (utc_iso(since), limit))
        return [_downtime(row) for row in rows]

    def alerts_since(self, since: datetime) -> int:
        return self._rows("SELECT COUNT(*) AS n FROM downtime WHERE alerted = 1 AND ended_at >= ?",
                          (utc_iso(since),))[0]["n"]

    def mark_downtime_alerted(self, downtime_id: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE downtime SET alerted = 1 WHERE id = ?", (downtime_id,))

    # ---- the modem's own missed-calls list ------------------------------------------------

    def add_unheard_call(self, number: str, raw_number: str, now: datetime) -> bool:
        """True when added; a number already listed as new is not listed twice."""
        with self._write() as conn:
            return conn.execute("INSERT OR IGNORE INTO unheard_calls (number, raw_number, found_at)"
                                " VALUES (?, ?, ?)", (number, raw_number, utc_iso(now))).rowcount == 1

    def unheard_calls(self, status: str = "new", limit: int = 100) -> list[UnheardCall]:
        rows = self._rows("SELECT * FROM unheard_calls WHERE status = ? ORDER BY found_at DESC, id DESC LIMIT ?",
                          (status, limit))
        return [UnheardCall(**{name: row[name] for name in UnheardCall.__dataclass_fields__}) for row in rows]

    def unheard_call(self, unheard_id: int) -> UnheardCall | None:
        rows = self._rows("SELECT * FROM unheard_calls WHERE id = ?", (unheard_id,))
        return UnheardCall(**{name: rows[0][name] for name in UnheardCall.__dataclass_fields__}) if rows else None

    def set_unheard_status(self, unheard_id: int, status: str, message_id: int | None = None) -> bool:
        with self._write() as conn:
            return conn.execute("UPDATE unheard_calls SET status = ?, message_id = COALESCE(?, message_id)"
                                " WHERE id = ? AND status = 'new'", (status, message_id, unheard_id)).rowcount == 1

    def called_since(self, number: str, since: datetime) -> bool:
        """Did TextBack itself see a call from this number since then?"""
        return bool(self._rows("SELECT 1 FROM calls WHERE number = ? AND ended_at >= ? LIMIT 1",
                               (number, utc_iso(since))))


def _downtime(row) -> Downtime:
    return Downtime(id=row["id"], started_at=row["started_at"], ended_at=row["ended_at"], reason=row["reason"],
                    alerted=bool(row["alerted"]))
