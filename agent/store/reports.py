"""The dashboard's figures and the CSV export of messages."""

from __future__ import annotations

import statistics
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
        """Missed calls, texts, replies and opt-outs over the last `days` local days.

        Days are the business's local days (DST-safe), so the counting is done here in Python
        over the window's rows (calls_by_time, messages_by_time), not by SQLite date functions.
        """
        today = now.astimezone(tz).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, time(), tzinfo=tz)
        since_iso = utc_iso(since)
        calls = self._rows(
            "SELECT c.number, c.ended_at, c.outcome, c.skip_reason, m.sent_at, m.status"
            " FROM calls c LEFT JOIN messages m ON m.id = c.message_id"
            " WHERE c.ended_at >= ? ORDER BY c.ended_at", (since_iso,))
        inbound = self._rows("SELECT number, created_at FROM messages WHERE created_at >= ? AND direction = 'in'",
                             (since_iso,))
        optouts = self._rows("SELECT COUNT(*) AS n FROM optouts WHERE created_at >= ?", (since_iso,))[0]["n"]

        latest_reply: dict[str, str] = {}
        for row in inbound:
            latest_reply[row["number"]] = max(latest_reply.get(row["number"], ""), row["created_at"])
        per_day = {first + timedelta(days=n): [0, 0] for n in range(days)}
        missed = texted = skipped = replied = 0
        delays: list[float] = []
        texted_numbers: set[str] = set()
        for row in calls:
            if row["skip_reason"] == "answered":
                continue
            missed += 1
            bucket = per_day.get(datetime.fromisoformat(row["ended_at"]).astimezone(tz).date())
            if bucket is not None:
                bucket[0] += 1
            if row["outcome"] == "skipped":
                skipped += 1
            if row["sent_at"] and row["status"] in _SENT:
                texted += 1
                texted_numbers.add(row["number"])
                delays.append((datetime.fromisoformat(row["sent_at"])
                               - datetime.fromisoformat(row["ended_at"])).total_seconds())
                if bucket is not None:
                    bucket[1] += 1
                if latest_reply.get(row["number"], "") >= row["ended_at"]:
                    replied += 1
        return Dashboard(
            days=days, since=since, missed=missed, texted=texted, skipped=skipped, replied=replied,
            replies=len(inbound), reply_rate=replied / texted if texted else None,
            median_seconds_to_text=statistics.median(delays) if delays else None,
            optouts=optouts, optout_rate=optouts / len(texted_numbers) if texted_numbers else None,
            per_day=tuple(DayCount(day, counts[0], counts[1]) for day, counts in per_day.items()),
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
