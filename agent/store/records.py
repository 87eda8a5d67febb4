"""Plain records the store hands to the layers above it: frozen, typed, no database rows.

Each is built from a row by `_from_row` in the module that reads it; the vocabularies are the
enums of agent.rules.vocabulary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from agent.rules.policy import History
from agent.rules.vocabulary import CallOutcome, Direction, InKind, InStatus, OutKind, OutStatus

__all__ = ["PageCursor", "CallRecord", "CallListing", "History", "Message", "OptOut", "Exclusion", "InboundPart",
           "UnreadablePdu", "DeliveryReport", "FollowupDue", "message_from_row", "record_from_row"]


def record_from_row(record_type: type, row: Any, /, **overrides: Any) -> Any:
    """A record from a row (sqlite3.Row or mapping): every field the row has, by name."""
    names = row.keys()
    values = {f.name: row[f.name] for f in fields(record_type) if f.name in names}
    values.update(overrides)
    return record_type(**values)


@dataclass(frozen=True)
class PageCursor:
    """Where a page of a newest-first list ended: the (time, id) of its last row. The next page
    starts below it, so page 1000 costs what page 1 does (no OFFSET)."""
    at: str
    id: int

    def text(self) -> str:
        return f"{self.at}~{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> "PageCursor | None":
        """A cursor from a link; None for anything that is not one (the list starts at the top)."""
        at, _, row_id = (text or "").partition("~")
        if not (row_id.isascii() and row_id.isdigit() and len(row_id) <= 18) or not 10 <= len(at) <= 40 \
                or not (at[:4].isascii() and at[:4].isdigit()):
            return None                 # 18 digits: always below SQLite's 2**63
        return cls(at, int(row_id))


@dataclass(frozen=True)
class CallRecord:
    id: int
    number: str | None
    raw_number: str
    toa: int | None
    started_at: str
    ended_at: str
    rings: int
    end_signal: str
    outcome: CallOutcome
    skip_reason: str | None
    message_id: int | None
    forwarded: bool = False      # the network said it was forwarded here from another line


@dataclass(frozen=True)
class CallListing(CallRecord):
    """A call with its text's state, for the calls page and the CSV export."""
    message_status: str | None = None
    message_sent_at: str | None = None
    message_error: str | None = None
    message_due_at: str | None = None


@dataclass(frozen=True)
class Message:
    """One text, either way. Out: kind is an OutKind and status an OutStatus; in: InKind, InStatus."""
    id: int
    direction: Direction
    number: str
    body: str
    kind: str
    status: str
    call_id: int | None = None
    created_at: str = ""
    due_at: str | None = None
    next_attempt_at: str | None = None
    sent_at: str | None = None
    attempts: int = 0
    parts: int = 1
    parts_sent: int = 0
    concat_ref: int | None = None
    refs: tuple[int, ...] = ()
    encoding: str | None = None
    error_code: int | None = None
    error_text: str | None = None
    read: bool = False
    reply_to: int | None = None
    delivered_at: str | None = None
    relay: str | None = None
    variant: str | None = None          # which A/B variant of its template (None: the only one)

    @property
    def outgoing(self) -> bool:
        return self.direction == Direction.OUT





def message_from_row(row: Any) -> Message:
    names = row.keys()
    direction = Direction(row["direction"])
    overrides: dict[str, Any] = {"direction": direction}
    if "kind" in names:
        overrides["kind"] = (OutKind if direction == Direction.OUT else InKind)(row["kind"])
    if "status" in names:
        overrides["status"] = (OutStatus if direction == Direction.OUT else InStatus)(row["status"])
    if "refs" in names:
        overrides["refs"] = tuple(json.loads(row["refs"] or "[]"))
    if "read" in names:
        overrides["read"] = bool(row["read"])
    return record_from_row(Message, row, **overrides)


@dataclass(frozen=True)
class OptOut:
    number: str
    created_at: str
    keyword: str | None
    source: str           # sms (the caller texted STOP) or web (the owner added it)


@dataclass(frozen=True)
class Exclusion:
    number: str
    label: str
    created_at: str


@dataclass(frozen=True)
class InboundPart:
    id: int
    sender: str
    sender_toa: int
    sent_at: str
    concat_ref: int
    total: int
    seq: int
    text: str
    encoding: str
    received_at: str
    message_id: int | None


@dataclass(frozen=True)
class UnreadablePdu:
    id: int
    pdu: str
    error: str
    received_at: str


@dataclass(frozen=True)
class DeliveryReport:
    id: int
    message_id: int | None
    message_ref: int
    recipient: str
    status: int
    delivered: bool
    final: bool
    discharged_at: str
    received_at: str
    pdu: str


@dataclass(frozen=True)
class FollowupDue:
    """A first text sent long enough ago that its call may get a follow-up."""
    id: int
    number: str
    call_id: int
    sent_at: str
