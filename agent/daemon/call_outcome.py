"""What happens to a recorded call: the policy's decision, written to the store in one step.

Used when a call ends, and at start-up for calls a power cut left undecided (the call row is
committed before its decision, so a cut in between leaves it `pending`; deciding again is safe
because the policy is a pure function and the dedup window still applies).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from agent.clock import parse_utc
from agent.rules.policy import CallFacts, Decision, decide
from agent.store import History, Store

__all__ = ["settle_call", "settle_pending_calls", "decide_call"]

log = logging.getLogger(__name__)


def decide_call(store: Store, number: str | None, ended_at: datetime, answered: bool, now: datetime,
                texted_in_memory_at: datetime | None = None) -> Decision:
    """The policy's decision for a call, from what the store can read (reads work while another
    program holds the write lock, and on a full disk). `texted_in_memory_at`: a text to this number
    sent from memory that the store does not hold yet."""
    settings = store.load_settings()
    history = store.history(number, now, settings.dedup_hours) if number else History()
    if texted_in_memory_at is not None and (history.last_text_at is None or history.last_text_at < texted_in_memory_at):
        history = replace(history, last_text_at=texted_in_memory_at)
    return decide(CallFacts(number, ended_at, answered), settings, history, now, store.variant_turns())


def settle_call(store: Store, call_id: int, number: str | None, ended_at: datetime, answered: bool,
                now: datetime, decision: Decision | None = None) -> Decision:
    if decision is None:
        decision = decide_call(store, number, ended_at, answered, now)
    if decision.text:
        assert number and decision.body and decision.due_at and decision.template
        store.queue_text_for_call(call_id, number=number, body=decision.body, kind=decision.template,
                                  due_at=decision.due_at, now=now, replace_message_id=decision.replace_message_id,
                                  variant=decision.variant)
        log.info("missed call %d: text queued%s", call_id, f" (variant {decision.variant})" if decision.variant else "")
    else:
        store.skip_call(call_id, decision.reason or "unknown")
        if decision.replace_message_id is not None:
            store.cancel(decision.replace_message_id, "the caller's next call was answered", "answered")
        log.info("missed call %d: skipped, %s", call_id, decision.reason)
    return decision


def settle_pending_calls(store: Store, now: datetime) -> int:
    pending = store.pending_calls()
    for call in pending:
        log.warning("call %d was recorded but not decided when the box stopped; deciding now", call.id)
        settle_call(store, call.id, call.number, parse_utc(call.ended_at), False, now)
    return len(pending)
