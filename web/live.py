"""Live pages without holding the server's threads: small JSON endpoints the pages poll.

/live/summary: the newest call and message ids, the unread count and the texts on their way
(four reads, each by a primary key or a partial index). static/live.js asks every few seconds
(less often while the tab is hidden), puts the unread count in the page title and, on the inbox
and calls pages, fetches the page again and swaps its content when something changed.

/live/next-call?after=<call id>: the first call after the one given, with its text, for the
wizard's "test it now" step. Each answer takes one short request; no connection is held open.
Neither poll keeps a session from going idle (web/auth.py).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from agent.clock import parse_utc
from agent.rules.policy import SKIP_REASONS
from web import local_time, shop_settings, web_context

__all__ = ["bp", "next_call_view"]

bp = Blueprint("live", __name__, url_prefix="/live")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/summary")
def summary():
    """What a page needs to know whether to refresh itself."""
    found = web_context().store.live_summary(shop_settings().owner_phone)
    return _no_store(jsonify(last_call=found.last_call_id, last_message=found.last_message_id,
                             unread=found.unread, in_flight=found.in_flight))


def next_call_view(after: int) -> dict:
    """The first call after `after`, in words for the page: who, when, and what the box did."""
    found = web_context().store.first_call_after(after)
    if found is None:
        return {"call": None}
    from web import _phone

    view = {"call": {"id": found.call_id, "number": _phone(found.number), "ended": local_time(found.ended_at, "seconds"),
                     "outcome": str(found.outcome)},
            "text": None, "seconds": None, "skipped": None}
    if str(found.outcome) == "skipped":
        reason = found.skip_reason or ""
        view["skipped"] = SKIP_REASONS.get(reason, reason)
    if found.message_id is not None:
        view["text"] = {"status": found.message_status, "body": found.message_body,
                        "sent": local_time(found.sent_at, "seconds") if found.sent_at else None}
        if found.sent_at:
            view["seconds"] = round((parse_utc(found.sent_at) - parse_utc(found.ended_at)).total_seconds(), 1)
    return view


@bp.route("/next-call")
def next_call():
    """For the "test it now" step: the next call after the given one, and its text."""
    after = request.args.get("after", "0")
    return _no_store(jsonify(next_call_view(int(after) if after.isdigit() else 0)))
