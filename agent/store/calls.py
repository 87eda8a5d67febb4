"""Calls: written ahead of any decision, then texted or skipped; the lists the web shows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime

from agent.clock import parse_utc, utc_iso
from agent.rules.vocabulary import (LIVE_STATUSES, TEXT_KINDS, CallOutcome, OutStatus, SkipReason)
from agent.store.records import CallListing, CallRecord, History, PageCursor, record_from_row

__all__ = ["CallQueries", "CALL_OUTCOMES"]

CALL_OUTCOMES = tuple(CallOutcome)

_LISTING = ("SELECT c.*, m.status AS message_status, m.sent_at AS message_sent_at,"
            " m.error_text AS message_error, m.due_at AS message_due_at"
            " FROM calls c LEFT JOIN messages m ON m.id = c.message_id")


def _call(row: sqlite3.Row) -> CallRecord:
    return record_from_row(CallRecord, row, outcome=CallOutcome(row["outcome"]), forwarded=bool(row["forwarded"]))


def _listing(row: sqlite3.Row) -> CallListing:
    return record_from_row(CallListing, row, outcome=CallOutcome(row["outcome"]), forwarded=bool(row["forwarded"]))


class CallQueries:
    """Mixed into Store."""

    def record_call(self, *, number: str | None, raw_number: str, toa: int | None, started_at: datetime,
                    ended_at: datetime, rings: int, end_signal: str, now: datetime, forwarded: bool = False) -> int:
        """Write ahead: the call is committed before anything is decided or queued for it."""
        with self._write():
            return self.db["calls"].insert({
                "forwarded": int(forwarded),
                "number": number, "raw_number": raw_number, "toa": toa,
                "started_at": utc_iso(started_at), "ended_at": utc_iso(ended_at), "rings": rings,
                "end_signal": end_signal, "outcome": CallOutcome.PENDING.value, "created_at": utc_iso(now),
            }).last_pk

    def skip_call(self, call_id: int, reason: str) -> None:
        reason = SkipReason(reason)
        with self._write() as conn:
            conn.execute("UPDATE calls SET outcome = 'skipped', skip_reason = ? WHERE id = ?", (reason, call_id))

    def queue_text_for_call(self, call_id: int, *, number: str, body: str, kind: str, due_at: datetime,
                            now: datetime, replace_message_id: int | None = None, variant: str | None = None) -> int:
        """Queue the call's text and link it, in one transaction. A pending text for the same caller
        (replace_message_id) is cancelled in the same transaction: still one text. `variant`: the
        A/B letter the text carries (None when no test runs)."""
        with self._write() as conn:
            if replace_message_id is not None:
                self._cancel_in(conn, replace_message_id, "replaced by a newer call", SkipReason.SUPERSEDED)
            message_id = self._insert_out(conn, number=number, body=body, kind=kind, due_at=due_at,
                                          now=now, call_id=call_id, variant=variant)
            conn.execute("UPDATE calls SET outcome = 'texted', message_id = ? WHERE id = ?", (message_id, call_id))
            return message_id

    def calls(self, limit: int = 50, offset: int = 0) -> list[CallRecord]:
        rows = self._rows("SELECT * FROM calls ORDER BY ended_at DESC, id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [_call(row) for row in rows]

    def pending_calls(self) -> list[CallRecord]:
        """Calls recorded but not yet decided (a power cut between the two commits)."""
        return [_call(row) for row in self._rows("SELECT * FROM calls WHERE outcome = 'pending' ORDER BY id")]

    def call(self, call_id: int) -> CallRecord | None:
        rows = self._rows("SELECT * FROM calls WHERE id = ?", (call_id,))
        return _call(rows[0]) if rows else None

    def has_conversation(self, number: str) -> bool:
        """The number has called the box, or texted it, or been texted by it."""
        return bool(self._rows("SELECT 1 FROM messages WHERE number = ? UNION ALL SELECT 1 FROM calls WHERE number = ?"
                               " LIMIT 1", (number, number)))

    def latest_missed_call_at(self, number: str) -> str | None:
        rows = self._rows("SELECT ended_at FROM calls WHERE number = ? AND COALESCE(skip_reason, '') != 'answered'"
                          " ORDER BY ended_at DESC LIMIT 1", (number,))
        return rows[0]["ended_at"] if rows else None

    # ---- what the policy needs to know ------------------------------------------------------

    def history(self, number: str, now: datetime, dedup_hours: int) -> History:
        opted_out = bool(self._rows("SELECT 1 FROM optouts WHERE number = ?", (number,)))
        excluded = bool(self._rows("SELECT 1 FROM exclusions WHERE number = ?", (number,)))
        marks = ",".join("?" * len(LIVE_STATUSES))
        kinds = ",".join("?" * len(TEXT_KINDS))
        last = self._rows(
            f"SELECT created_at FROM messages WHERE direction = 'out' AND number = ? AND kind IN ({kinds})"
            f" AND status IN ({marks}) ORDER BY created_at DESC LIMIT 1", (number, *TEXT_KINDS, *LIVE_STATUSES))
        pending = self._rows(
            f"SELECT id FROM messages WHERE direction = 'out' AND number = ? AND kind IN ({kinds})"
            " AND status = ? AND attempts = 0 ORDER BY id DESC LIMIT 1", (number, *TEXT_KINDS, OutStatus.QUEUED))
        return History(
            opted_out=opted_out, excluded=excluded,
            last_text_at=parse_utc(last[0]["created_at"]) if last else None,
            pending_message_id=pending[0]["id"] if pending else None,
        )

    # ---- what the web shows ------------------------------------------------------------------

    def conversation_calls(self, number: str, limit: int = 100) -> list[CallRecord]:
        """The number's newest missed calls (calls_by_number), newest first."""
        rows = self._rows("SELECT * FROM calls WHERE number = ? ORDER BY ended_at DESC, id DESC LIMIT ?",
                          (number, limit))
        return [_call(row) for row in rows]

    def calls_page(self, limit: int = 50, before: PageCursor | None = None, outcome: str | None = None,
                   number: str | None = None) -> list[CallListing]:
        """Missed calls newest first, each with its text's status and send time; `before` is the
        cursor of the previous page's last call (keyset paging: no OFFSET, so a deep page costs
        what the first does).

        The WHERE clause is chosen from fixed fragments (values are always parameters), so the
        planner can use calls_by_number for a number and calls_by_time otherwise. The order
        (ended_at, then rowid, both descending) is the index's own, so there is no sort.
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
        if before is not None:
            clauses.append("(c.ended_at < ? OR (c.ended_at = ? AND c.id < ?))")
            params += [before.at, before.at, before.id]
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._rows(_LISTING + where + " ORDER BY c.ended_at DESC, c.id DESC LIMIT ?", (*params, limit))
        return [_listing(row) for row in rows]

    def export_calls(self, batch: int = 1000) -> Iterator[CallListing]:
        """Every call, oldest first, with its text's status; read in batches (the lock is not held
        between batches, so a long download never blocks the agent)."""
        last = 0
        while True:
            rows = self._rows(_LISTING + " WHERE c.id > ? ORDER BY c.id LIMIT ?", (last, batch))
            yield from (_listing(row) for row in rows)
            if len(rows) < batch:
                return
            last = rows[-1]["id"]
