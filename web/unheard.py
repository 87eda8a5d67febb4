"""Calls that rang while the box was not listening: the numbers in the modem's own missed-calls
list that TextBack never heard (agent/daemon/unheard.py lists them after an outage).

Nothing is texted on its own: the owner presses "Send the usual text" or "Dismiss" on the status
page. Sending goes through the same rules as a missed call (agent.policy.decide: opt-outs, the
never-text list, landlines, the dedup window), so a number the rules would skip is not texted;
the owner is told why and the call leaves the list.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, url_for

from agent.rules.numbers import pretty
from agent.rules.policy import SKIP_REASONS, CallFacts, Decision, decide
from agent.rules.settings import Settings
from agent.store import Store
from agent.store.downtime import UnheardCall
from web import shop_settings, web_context

__all__ = ["bp", "UnheardRow", "unheard_rows", "usual_decision", "send_usual_text"]

bp = Blueprint("unheard", __name__)

# One decision and queueing at a time in this process, so two quick taps cannot queue two texts.
_SENDING = threading.Lock()


@dataclass(frozen=True)
class UnheardRow:
    call: UnheardCall
    will_text: bool
    why_not: str          # the rule that stops a text, in words ("" when it would be sent)


def usual_decision(store: Store, number: str, settings: Settings, now: datetime) -> Decision:
    """What the rules say for a missed call from this number, if it ended now."""
    history = store.history(number, now, settings.dedup_hours)
    return decide(CallFacts(number, now, False), settings, history, now)


def _why(decision: Decision) -> str:
    reason = decision.reason or "unknown"
    return SKIP_REASONS.get(reason, reason.replace("_", " "))


def unheard_rows(store: Store, settings: Settings, now: datetime) -> list[UnheardRow]:
    """The new unheard calls, newest first, each with what pressing "Send" would do."""
    rows = []
    for call in store.unheard_calls("new"):
        decision = usual_decision(store, call.number, settings, now)
        rows.append(UnheardRow(call, decision.text, "" if decision.text else _why(decision)))
    return rows


def send_usual_text(store: Store, call: UnheardCall, settings: Settings, now: datetime) -> str:
    """Queue the usual text if the rules allow it, mark the call, and say what happened."""
    shown = pretty(call.number, settings.country)
    with _SENDING:
        current = store.unheard_call(call.id)
        if current is None or current.status != "new":
            return f"{shown} was already {current.status if current else 'taken off the list'}."
        decision = usual_decision(store, call.number, settings, now)
        if not decision.text:
            store.set_unheard_status(call.id, "dismissed")
            return f"Not texted: {shown} is {_why(decision)}. Taken off the list."
        if decision.replace_message_id is not None:
            # a text to this caller is already waiting in the queue: it answers this call too
            store.set_unheard_status(call.id, "texted", decision.replace_message_id)
            return f"A text to {shown} is already waiting to go out; no second one was queued."
        assert decision.body and decision.template
        message_id = store.queue_text(number=call.number, body=decision.body, kind=decision.template,
                                      due_at=now, now=now)
        store.set_unheard_status(call.id, "texted", message_id)
    return f"Text queued to {shown}: the usual text goes out as soon as the modem can send it."


def _call_or_404(unheard_id: int) -> UnheardCall:
    call = web_context().store.unheard_call(unheard_id)
    if call is None:
        abort(404, description="That call is not on the list.")
    return call


@bp.route("/unheard/<int:unheard_id>/text", methods=["POST"])
def send_text(unheard_id: int):
    """Send the usual missed-call text to a caller the box did not hear, if the rules allow it."""
    context = web_context()
    call = _call_or_404(unheard_id)
    flash(send_usual_text(context.store, call, shop_settings(), context.clock.now()))
    return redirect(url_for("status.status", _anchor="unheard"))


@bp.route("/unheard/<int:unheard_id>/dismiss", methods=["POST"])
def dismiss(unheard_id: int):
    """Take a call off the list without texting."""
    context = web_context()
    call = _call_or_404(unheard_id)
    shown = pretty(call.number, shop_settings().country)
    if context.store.set_unheard_status(call.id, "dismissed"):
        flash(f"{shown} taken off the list; not texted.")
    else:
        flash(f"{shown} was already {call.status}.")
    return redirect(url_for("status.status", _anchor="unheard"))
