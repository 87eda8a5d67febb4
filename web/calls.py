"""Every missed call and what happened to it: texted at 3:42:07 PM, or skipped and why."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from agent.rules.numbers import to_e164
from agent.rules.policy import SKIP_REASONS
from agent.store import PageCursor
from agent.store.calls import CALL_OUTCOMES
from web import PAGE_SIZE, local_time, shop_settings, web_context
from web.inbox import page_number
from web.typed_number import example_words

__all__ = ["bp", "call_outcome", "FILTERS"]

bp = Blueprint("calls", __name__)

FILTERS = {"all": "All calls", "texted": "Texted", "skipped": "Skipped"}


def call_outcome(row) -> tuple[str, str]:
    """(tone, words) for a calls row joined with its text: tone is ok, wait, skip or bad."""
    if row.outcome == "skipped":
        reason = row.skip_reason or "unknown"
        return "skip", "Skipped: " + SKIP_REASONS.get(reason, reason.replace("_", " "))
    if row.outcome == "pending":
        return "wait", "Being handled"
    status = row.message_status
    if status in ("sent", "delivered"):
        sent_at = row.message_sent_at
        when = local_time(sent_at, "seconds")
        if local_time(sent_at, "date") != local_time(row.ended_at, "date"):
            when = local_time(sent_at, "date") + ", " + when
        return "ok", f"Texted at {when}" + (" (delivered)" if status == "delivered" else "")
    if status in ("queued", "sending"):
        return "wait", f"Text queued for {local_time(row.message_due_at, 'seconds')}"
    if status == "failed":
        return "bad", "Text failed: " + (row.message_error or "the network refused it")
    if status == "ambiguous":
        return "bad", "Unsure whether the text went out (the box was interrupted while sending; not resent)"
    if status == "cancelled":
        return "skip", "Not texted: " + (row.message_error or "replaced by the text for a newer call")
    if status == "stale":
        return "skip", "Not texted: the text fell due while the box was off, too long ago"
    return "wait", status or "unknown"


@bp.route("/calls")
def calls():
    """Missed calls newest first, 50 a page, filtered by outcome and/or a caller's number."""
    page = page_number()
    show = request.args.get("show", "all")
    if show not in FILTERS:
        show = "all"
    number_text = request.args.get("number", "").strip()
    number, number_error = None, None
    if number_text:
        number = to_e164(number_text, shop_settings().country)
        if number is None:
            number_error = (f'"{number_text}" is not a phone number we can read. Write it like '
                            f"{example_words(shop_settings().country)}.")
    before = PageCursor.parse(request.args.get("before"))
    if before is None:
        page = 1
    rows = []
    if number_error is None:
        rows = web_context().store.calls_page(limit=PAGE_SIZE + 1, before=before,
                                              outcome=show if show in CALL_OUTCOMES else None, number=number)
    status = 400 if number_error else 200
    shown = rows[:PAGE_SIZE]
    next_cursor = PageCursor(shown[-1].ended_at, shown[-1].id).text() if len(rows) > PAGE_SIZE else None
    return render_template("calls.html", calls=[(row, *call_outcome(row)) for row in shown],
                           page=page, next_cursor=next_cursor, show=show, filters=FILTERS,
                           number_text=number_text, number_error=number_error), status
