"""The dashboard's figures and the CSV export of messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.clock import utc_iso
from agent.rules.vocabulary import SENT_STATUSES
from agent.store.records import Message, message_from_row

__all__ = ["ReportQueries", "DayCount", "Dashboard"]

_SENT = SENT_STATUSES


@dataclass(frozen=True)
class DayCount:
    day: date
    missed: int
    texted: int


@dataclass(frozen=True)
class Dashboard:
    """Figures for the last `days` local days, today included."""

    days: int
    since: datetime
    missed: int
    texted: int
    skipped: int
    replied: int                     # texted callers who wrote back after the call
    replies: int                     # inbound texts received
    reply_rate: float | None
    median_seconds_to_text: float | None
    optouts: int
    optout_rate: float | None
    per_day: tuple[DayCount, ...]


class ReportQueries:
    """Mixed into Store."""

    # ---- dashboard -------------------------------------------------------------------------

    def dashboard(self, now: datetime, days: int, tz: ZoneInfo) -> Dashboard:
        """Missed calls, texts, replies and opt-outs over the last `days` local days, in SQLite.

        The business's local days are cut in Python (DST-safe: a day may be 23 or 25 hours) and
        handed to SQLite as a table of [start, stop) instants; every count, the reply test and the
        median time to text are then one query each over calls_by_time, messages_by_time and
        messages_by_number, so a month of a busy shop is read without loading its rows.
        """
        today = now.astimezone(tz).date()
        first = today - timedelta(days=days - 1)
        starts = [datetime.combine(first + timedelta(days=n), time(), tzinfo=tz) for n in range(days + 1)]
        bounds = json.dumps([[utc_iso(starts[n]), utc_iso(starts[n + 1])] for n in range(days)])
        since_iso = utc_iso(starts[0])
        sent = ",".join(f"'{status}'" for status in _SENT)
        window = ("FROM calls c LEFT JOIN messages m ON m.id = c.message_id"
                  " WHERE c.ended_at >= :since AND COALESCE(c.skip_reason, '') != 'answered'")
        texted_sql = f"m.sent_at IS NOT NULL AND m.status IN ({sent})"
        totals = self._rows(
            f"SELECT COUNT(*) AS missed,"
            f" COALESCE(SUM(c.outcome = 'skipped'), 0) AS skipped,"
            f" COALESCE(SUM({texted_sql}), 0) AS texted,"
            f" COUNT(DISTINCT CASE WHEN {texted_sql} THEN c.number END) AS texted_numbers,"
            f" COALESCE(SUM({texted_sql} AND EXISTS (SELECT 1 FROM messages r WHERE r.number = c.number"
            f"   AND r.direction = 'in' AND r.created_at >= c.ended_at AND r.created_at >= :since)), 0) AS replied"
            f" {window}", {"since": since_iso})[0]
        per_day = self._rows(
            f"SELECT d.key AS n, COUNT(c.id) AS missed, COALESCE(SUM({texted_sql}), 0) AS texted"
            f" FROM json_each(:bounds) AS d"
            f" LEFT JOIN calls c ON c.ended_at >= json_extract(d.value, '$[0]')"
            f"  AND c.ended_at < json_extract(d.value, '$[1]') AND COALESCE(c.skip_reason, '') != 'answered'"
            f" LEFT JOIN messages m ON m.id = c.message_id"
            f" GROUP BY d.key ORDER BY d.key", {"bounds": bounds})
        median = self._rows(
            f"WITH delays AS (SELECT ROUND((julianday(m.sent_at) - julianday(c.ended_at)) * 86400.0, 3) AS s"
            f"  {window} AND {texted_sql}),"
            f" counted AS (SELECT COUNT(*) AS n FROM delays)"
            f" SELECT AVG(s) AS median FROM (SELECT s FROM delays ORDER BY s"
            f"  LIMIT 2 - (SELECT n FROM counted) % 2 OFFSET ((SELECT n FROM counted) - 1) / 2)",
            {"since": since_iso})[0]["median"]
        replies = self._rows("SELECT COUNT(*) AS n FROM messages WHERE created_at >= ? AND direction = 'in'",
                             (since_iso,))[0]["n"]
        optouts = self._rows("SELECT COUNT(*) AS n FROM optouts WHERE created_at >= ?", (since_iso,))[0]["n"]
        texted = totals["texted"]
        return Dashboard(
            days=days, since=starts[0], missed=totals["missed"], texted=texted, skipped=totals["skipped"],
            replied=totals["replied"], replies=replies,
            reply_rate=totals["replied"] / texted if texted else None,
            median_seconds_to_text=median,
            optouts=optouts, optout_rate=optouts / totals["texted_numbers"] if totals["texted_numbers"] else None,
            per_day=tuple(DayCount(first + timedelta(days=row["n"]), row["missed"], row["texted"]) for row in per_day),
        )

    def export_messages(self, batch: int = 1000) -> Iterator[Message]:
        """Every message both ways, oldest first, in batches."""
        last = 0
        while True:
            rows = self._rows(
                "SELECT id, created_at, direction, number, kind, status, sent_at, parts, encoding, call_id,"
                " error_code, error_text, body FROM messages WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
            yield from (message_from_row(row) for row in rows)
            if len(rows) < batch:
                return
            last = rows[-1]["id"]
