"""Plain records the store hands to the layers above it."""

from __future__ import annotations

from dataclasses import dataclass

from agent.rules.policy import History

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
