"""CSV export of calls and messages, shared by `textback export` and the web UI's download.

Times are given twice: UTC as stored, and in the shop's time zone. A cell that a spreadsheet
would run as a formula (=, +, -, @ first) is prefixed with an apostrophe, except a plain
+international phone number.

The messages file also carries, per text: the A/B `variant` of the template it was sent from;
for a customer's reply, the menu option it chose (`menu_key`, and its label as the `tag`) and
whether it was `urgent`; and the `outcome` (booked, lost, spam) and `outcome_value` the owner gave
its conversation (the same on every row of that number).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from agent.clock import parse_utc
from agent.rules.policy import SKIP_REASONS
from agent.store import Store

__all__ = ["spreadsheet_safe", "csv_chunks", "calls_table", "messages_table", "write_exports"]

# what makes a spreadsheet read a cell as a formula, including the full-width forms some locales'
# spreadsheets accept (＝ ＋ － ＠)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# where ";" is the list separator (much of Europe), a cell is split at each ";": every piece counts
_AFTER_SEMICOLON = re.compile(r";(\s*)(?=[=+\-@\t\r\uff1d\uff0b\uff0d\uff20])")
_PHONE = re.compile(r"\+\d{6,15}")


def spreadsheet_safe(value: object) -> object:
    """Neutralise a cell a spreadsheet would read as a formula, in any locale: one that starts
    with a formula character (after spaces), and every piece after a ";" that would."""
    if not isinstance(value, str) or _PHONE.fullmatch(value):
        return value
    value = _AFTER_SEMICOLON.sub(lambda match: ";" + match.group(1) + "'", value)
    if value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([spreadsheet_safe(value) for value in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _local(value: str | None, tz: ZoneInfo) -> str:
    return parse_utc(value).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def calls_table(store: Store, tz: ZoneInfo) -> tuple[list[str], Iterator[list[object]]]:
    """Every missed call, oldest first, with what happened and when its text went out."""
    header = ["id", "ended_utc", "ended_local", "number", "raw_number", "rings", "end_signal", "outcome",
              "skip_reason", "message_id", "message_status", "sent_utc", "sent_local"]
    rows = ([row.id, row.ended_at, _local(row.ended_at, tz), row.number or "", row.raw_number,
             row.rings, row.end_signal, row.outcome,
             SKIP_REASONS.get(row.skip_reason, row.skip_reason or ""), row.message_id or "",
             row.message_status or "", row.message_sent_at or "", _local(row.message_sent_at, tz)]
            for row in store.export_calls())
    return header, rows


def messages_table(store: Store, tz: ZoneInfo) -> tuple[list[str], Iterator[list[object]]]:
    """Every text both ways, oldest first, with its status and any error, its variant, menu choice,
    urgent mark and its conversation's outcome."""
    header = ["id", "created_utc", "created_local", "direction", "number", "kind", "status", "sent_utc",
              "sent_local", "parts", "encoding", "call_id", "error_code", "error_text", "variant", "menu_key", "tag",
              "urgent", "outcome", "outcome_value", "body"]
    rows = ([m.id, m.created_at, _local(m.created_at, tz), m.direction, m.number,
             m.kind, m.status, m.sent_at or "", _local(m.sent_at, tz), m.parts,
             m.encoding or "", m.call_id or "", m.error_code or "", m.error_text or "",
             m.variant or "", row.menu_key or "", row.menu_label or "", "yes" if row.urgent else "",
             row.outcome or "", _amount(row.outcome_value), m.body]
            for row in store.export_marked_messages() for m in (row.message,))
    return header, rows


def _amount(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".removesuffix(".00")


def write_exports(store: Store, folder: Path, tz: ZoneInfo) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (("textback-calls.csv", calls_table), ("textback-messages.csv", messages_table)):
        target = folder / name
        header, rows = table(store, tz)
        with target.open("w", newline="", encoding="utf-8") as out:
            for chunk in csv_chunks(header, rows):
                out.write(chunk)
        written.append(target)
    return written
