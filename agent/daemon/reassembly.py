"""Joining the parts of a multipart SMS (23.040 §9.2.3.24.1: reference, total, sequence).

Parts are stored one by one as they are read (agent/store inbound_parts); a message is whole when
a part of every sequence number is in, or it is joined as it is after PARTIAL_TIMEOUT with the gaps
marked, so a lost part never hides the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.clock import parse_utc
from agent.store import InboundPart

__all__ = ["Joined", "first_of_each", "join", "PARTIAL_TIMEOUT"]

PARTIAL_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class Joined:
    sender: str
    sender_toa: int
    body: str
    encoding: str
    sent_at: datetime
    part_ids: tuple[int, ...]
    partial: bool


def first_of_each(parts: list[InboundPart]) -> dict[int, InboundPart]:
    """One part per sequence number: the first copy read (a network may deliver a part twice)."""
    chosen: dict[int, InboundPart] = {}
    for part in parts:
        chosen.setdefault(part.seq, part)
    return chosen


def join(parts: dict[int, InboundPart], total: int) -> Joined:
    first = parts[min(parts)]
    body = "".join(parts[n].text if n in parts else f"[part {n} of {total} missing]" for n in range(1, total + 1))
    return Joined(sender=first.sender, sender_toa=first.sender_toa, body=body,
                  encoding="/".join(sorted({part.encoding for part in parts.values()})),
                  sent_at=parse_utc(first.sent_at), part_ids=tuple(part.id for part in parts.values()),
                  partial=len(parts) < total)
