"""The follow-up nudge: one second text, `followup_hours` after the first, if the caller has not
replied — moved into opening hours, never after STOP, never more than one per call. Its
placeholders are filled as the text goes out: {next_open} from the moment it is due, {call_time}
with the time of the call it follows up."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from agent.clock import Clock, parse_utc
from agent.rules.hours import is_open, next_open_time, parse_hours
from agent.rules.templates import placeholder_values, render
from agent.store import Store

__all__ = ["plan_followups", "followup_still_wanted"]

log = logging.getLogger(__name__)


def plan_followups(store: Store, clock: Clock) -> int:
    """Queue the follow-ups that are due; returns how many. Truth stays in SQLite: run it as often as
    you like (a scheduler job every minute), it never queues two for one call."""
    settings = store.load_settings()
    if not settings.followup_hours:
        return 0
    now = clock.now()
    tz = ZoneInfo(settings.timezone)
    hours = parse_hours(settings.hours, settings.holidays)
    queued = 0
    for first in store.texts_due_a_followup(now - timedelta(hours=settings.followup_hours)):
        if store.replied_since(first.number, first.sent_at):
            continue
        due = now
        if any(hours.days) and not is_open(hours, now, tz):
            due = next_open_time(hours, now, tz) or now
        call = store.call(first.call_id)
        called = parse_utc(call.ended_at) if call is not None else None
        body = render(settings.templates["followup"], placeholder_values(settings, due, tz, call_at=called))
        if store.queue_followup(call_id=first.call_id, number=first.number, body=body, due_at=due, now=now):
            queued += 1
            log.info("follow-up for call %d queued for %s", first.call_id, due.isoformat())
    return queued


def followup_still_wanted(store: Store, call_id: int | None, number: str) -> bool:
    """At send time: the caller may have replied since the follow-up was planned."""
    first = store.first_text_of_call(call_id) if call_id is not None else None
    return first is not None and not store.replied_since(number, first.sent_at or first.created_at)
