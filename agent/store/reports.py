"""The dashboard's figures and the CSV export of messages.

Every figure is counted in SQLite. Local boundaries (days, hours, this month) are cut in Python in
the shop's time zone, DST-safe, and handed to SQLite as [start, stop) instants: a day may have 23
or 25 hours, and on the night the clocks go back the local hour 01:00 holds two real hours.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.clock import utc_iso
from agent.rules.vocabulary import SENT_STATUSES
from agent.store.records import Message, message_from_row

__all__ = ["ReportQueries", "DayCount", "Dashboard", "MessageExport", "CUSTOMER_KINDS"]

# received messages that are a customer's words (not carrier noise, the owner, old SIM history, data)
CUSTOMER_KINDS = ("sms", "stop", "start", "help", "mms")

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
    month_start: date | None = None          # this local calendar month's first day
    booked_this_month: int = 0               # conversations marked booked this month: missed calls recovered
    value_this_month: float = 0.0            # the values given with them
    replies_by_hour: tuple[int, ...] = (0,) * 24      # customer replies in the period, by local hour 0-23
    replies_by_weekday: tuple[int, ...] = (0,) * 7    # … by local day of the week, Monday first


@dataclass(frozen=True)
class MessageExport:
    """One message for the CSV, with its marks: the menu option it chose, urgent, and the outcome
    of its conversation."""

    message: Message
    menu_key: str | None
    menu_label: str | None
    urgent: bool
    outcome: str | None
    outcome_value: float | None


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
        by_hour, by_weekday = self._replies_by_hour_and_weekday(first, days, tz)
        month_start = today.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        booked = self._rows(
            "SELECT COUNT(*) AS n, COALESCE(SUM(outcome_value), 0) AS value FROM conversation_marks"
            " WHERE outcome = 'booked' AND outcome_at >= ? AND outcome_at < ?",
            (utc_iso(datetime.combine(month_start, time(), tzinfo=tz)),
             utc_iso(datetime.combine(next_month, time(), tzinfo=tz))))[0]
        texted = totals["texted"]
        return Dashboard(
            days=days, since=starts[0], missed=totals["missed"], texted=texted, skipped=totals["skipped"],
            replied=totals["replied"], replies=replies,
            reply_rate=totals["replied"] / texted if texted else None,
            median_seconds_to_text=median,
            optouts=optouts, optout_rate=optouts / totals["texted_numbers"] if totals["texted_numbers"] else None,
            per_day=tuple(DayCount(first + timedelta(days=row["n"]), row["missed"], row["texted"]) for row in per_day),
            month_start=month_start, booked_this_month=booked["n"], value_this_month=float(booked["value"]),
            replies_by_hour=by_hour, replies_by_weekday=by_weekday,
        )

    def _replies_by_hour_and_weekday(self, first: date, days: int, tz: ZoneInfo) -> tuple[tuple[int, ...], ...]:
        """Customer replies over `days` local days from `first`, by local hour and by weekday.

        Each local hour of each day is one [start, stop) slot, its ends the UTC instants of that
        wall-clock time (fold 0): an hour the clocks skip is an empty slot, an hour they repeat a
        two-hour one, so every instant falls in exactly one slot."""
        marks = [datetime.combine(first + timedelta(days=n), time(hour), tzinfo=tz)
                 for n in range(days) for hour in range(24)]
        marks.append(datetime.combine(first + timedelta(days=days), time(), tzinfo=tz))
        slots = json.dumps([[utc_iso(marks[i]), utc_iso(marks[i + 1]), marks[i].hour, marks[i].weekday()]
                            for i in range(len(marks) - 1)])
        kinds = ",".join(f"'{kind}'" for kind in CUSTOMER_KINDS)
        counted = (f"SELECT json_extract(s.value, '$[2]') AS hour, json_extract(s.value, '$[3]') AS weekday,"
                   f" (SELECT COUNT(*) FROM messages m WHERE m.created_at >= json_extract(s.value, '$[0]')"
                   f"   AND m.created_at < json_extract(s.value, '$[1]') AND m.direction = 'in'"
                   f"   AND m.kind IN ({kinds})) AS n FROM json_each(:slots) AS s")
        hours = [0] * 24
        for row in self._rows(f"SELECT hour, SUM(n) AS n FROM ({counted}) GROUP BY hour", {"slots": slots}):
            hours[row["hour"]] = row["n"]
        weekdays = [0] * 7
        for row in self._rows(f"SELECT weekday, SUM(n) AS n FROM ({counted}) GROUP BY weekday", {"slots": slots}):
            weekdays[row["weekday"]] = row["n"]
        return tuple(hours), tuple(weekdays)

    def export_marked_messages(self, batch: int = 1000) -> Iterator[MessageExport]:
        """Every message both ways, oldest first, with its variant, its menu choice and urgent mark,
        and its conversation's outcome."""
        last = 0
        while True:
            rows = self._rows(
                "SELECT m.id, m.created_at, m.direction, m.number, m.kind, m.status, m.sent_at, m.parts, m.encoding,"
                " m.call_id, m.error_code, m.error_text, m.body, m.variant, r.menu_key, r.menu_label,"
                " COALESCE(r.urgent, 0) AS urgent, c.outcome, c.outcome_value"
                " FROM messages m LEFT JOIN reply_marks r ON r.message_id = m.id"
                " LEFT JOIN conversation_marks c ON c.number = m.number"
                " WHERE m.id > ? ORDER BY m.id LIMIT ?", (last, batch))
            yield from (MessageExport(message_from_row(row), row["menu_key"], row["menu_label"], bool(row["urgent"]),
                                      row["outcome"], row["outcome_value"]) for row in rows)
            if len(rows) < batch:
                return
            last = rows[-1]["id"]

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
