"""Plain records the store hands to the layers above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["CallRecord", "History", "OutMessage"]


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
    outcome: str
    skip_reason: str | None
    message_id: int | None


@dataclass(frozen=True)
class History:
    """What the policy needs to know about one number's past."""

    opted_out: bool = False
    excluded: bool = False
    last_text_at: datetime | None = None
    pending_message_id: int | None = None


@dataclass(frozen=True)
class OutMessage:
    id: int
    number: str
    body: str
    kind: str
    status: str
    call_id: int | None
    due_at: str | None
    attempts: int
    parts: int
    parts_sent: int
    concat_ref: int | None
    refs: tuple[int, ...]
    created_at: str = ""
