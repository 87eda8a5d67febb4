"""The inbox (conversations newest first) and one conversation with its reply box.

An owner's reply is queued in the database (kind "reply", due now); the agent sends it on its
next turn. A number that opted out is never texted: the reply is refused with the reason.

Conversations waiting for the owner (an urgent reply, a callback asked for from the reply menu)
are pinned above the rest until the owner presses "Handled" or marks an outcome. The owner marks
what a conversation came to (booked, lost, spam) with an optional value; spam also puts the
number on the never-text list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from agent.sms.pdu import PduError, segment_info
from agent.rules.policy import SKIP_REASONS
from agent.rules.vocabulary import Outcome
from agent.store import PageCursor
from web import PAGE_SIZE, shop_settings, web_context
from web import single_use

__all__ = ["bp", "STATUS_WORDS", "KIND_WORDS", "OUTCOME_WORDS", "AMBIGUOUS_EXPLAINED", "MAX_REPLY_PARTS",
           "MAX_VALUE", "page_number", "parse_value"]

bp = Blueprint("inbox", __name__)
bp.record_once(lambda state: state.app.extensions.setdefault("textback.reply_tokens", single_use.SingleUseTokens()))

MAX_REPLY_PARTS = 6
E164 = re.compile(r"\+[1-9]\d{5,14}")

STATUS_WORDS: dict[str, str] = {
    "queued": "Queued: goes out in a moment",
    "sending": "Sending now",
    "sent": "Sent",
    "delivered": "Delivered",
    "failed": "Failed: not sent",
    "ambiguous": "Unsure whether it was sent",
    "cancelled": "Not sent",
    "stale": "Not sent: it fell due while the box was off",
}
KIND_WORDS: dict[str, str] = {
    "reply": "Your reply",
    "owner_answer": "Your reply (sent from your phone)",
    "missed_open": "Automatic text",
    "missed_closed": "Automatic text (closed hours)",
    "followup": "Automatic follow-up",
    "owner_relay": "Forwarded to your phone",
    "menu_answer": "Automatic answer to their menu choice",
    "help": "Automatic answer to HELP",
    "optout_confirm": "Opt-out confirmation",
    "optin_confirm": "Opt-in confirmation",
}
OUTCOME_WORDS: dict[str, str] = {
    "booked": "Booked",
    "lost": "Lost",
    "spam": "Spam",
}
MAX_VALUE = 10_000_000
_VALUE = re.compile(r"\d{1,9}(?:[.,]\d{1,2})?")
AMBIGUOUS_EXPLAINED = ("The box lost power or lost the modem while this text was going out, so it may "
                       "or may not have reached the caller. TextBack did not send it again, so nobody "
                       "gets the same text twice. If it matters, send a short reply.")


@dataclass(frozen=True)
class Entry:
    """One line of a conversation: a missed call, our text, or the caller's text."""

    kind: str          # "call", "out" or "in"
    at: str
    row: object


def page_number() -> int:
    """?page=N (1-based); anything odd means page 1."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _checked_number(number: str) -> str:
    if not E164.fullmatch(number):
        abort(404, description="There is no conversation with that number.")
    return number


def parse_value(text: str) -> float | None:
    """The owner's value for an outcome: "" → None, "120", "120.50" or "120,50" → 120.5; ValueError
    naming what is wrong otherwise (no currency signs or thousands separators: a plain number)."""
    text = text.strip()
    if not text:
        return None
    if not _VALUE.fullmatch(text):
        raise ValueError(f"Value {text!r} is not a plain amount: write digits only, with at most two decimals "
                         "(120 or 120.50), without a currency sign or thousands separators.")
    value = float(text.replace(",", "."))
    if value > MAX_VALUE:
        raise ValueError(f"Value {text} is more than {MAX_VALUE:,}; check the number.")
    return value


@bp.route("/")
def inbox():
    """Conversations waiting for the owner (urgent, callback requested) first, then the rest,
    newest activity first, with unread replies marked; 50 a page."""
    page = page_number()
    before = PageCursor.parse(request.args.get("before"))
    if before is None:
        page = 1
    store = web_context().store
    owner = shop_settings().owner_phone
    mine = (owner,) if owner else ()
    pinned = store.pinned_conversations(exclude=mine)
    rows = store.conversations(limit=PAGE_SIZE + 1, before=before, exclude=(*mine, *(p.number for p in pinned)))
    next_cursor = rows[PAGE_SIZE - 1].cursor.text() if len(rows) > PAGE_SIZE else None
    return render_template("inbox.html", conversations=rows[:PAGE_SIZE], page=page, next_cursor=next_cursor,
                           pinned=pinned if page == 1 else [])


def _render_conversation(number: str, reply: str = "", error: str | None = None, status: int = 200,
                         outcome_error: str | None = None, value: str | None = None):
    store = web_context().store
    calls = store.conversation_calls(number)
    messages = store.conversation_messages(number)
    if not calls and not messages and status == 200:
        abort(404, description="There is no conversation with that number yet.")
    entries = [Entry("call", row.ended_at, row) for row in calls]
    entries += [Entry(row.direction, row.created_at, row) for row in messages]
    entries.sort(key=lambda entry: (entry.at, entry.kind != "call"))
    return render_template(
        "conversation.html", number=number, entries=entries, reply=reply, error=error,
        optout=store.optout(number), excluded=store.exclusion(number), status_words=STATUS_WORDS,
        ambiguous_explained=AMBIGUOUS_EXPLAINED, skip_reasons=SKIP_REASONS, kind_words=KIND_WORDS,
        truncated=len(messages) >= 200 or len(calls) >= 100,
        mark=store.conversation_mark(number), reply_marks=store.reply_marks(number),
        tags=store.conversation_tags(number), outcome_words=OUTCOME_WORDS, outcome_error=outcome_error,
        value=value, once_field=single_use.FIELD, once=single_use.SingleUseTokens.fresh(),
    ), status


@bp.route("/conversation/<number>")
def conversation(number: str):
    """Missed calls, our texts with their status, the caller's replies, and a reply box.
    Opening a conversation marks its replies read."""
    number = _checked_number(number)
    page = _render_conversation(number)
    web_context().store.mark_read(number)
    return page


def _reply_problem(number: str, body: str) -> str | None:
    store = web_context().store
    if not body.strip():
        return "Write a message first: the reply is empty."
    optout = store.optout(number)
    if optout is not None:
        return ("This caller opted out (they texted STOP), so TextBack will not text them. If they ask "
                "to hear from you again, remove the opt-out on the Opt-outs page first.")
    try:
        size = segment_info(body)
    except PduError as error:
        return f"This text cannot be sent: {error}."
    if size.parts > MAX_REPLY_PARTS:
        return (f"This reply would go out as {size.parts} texts; keep it to {MAX_REPLY_PARTS} or fewer "
                f"(about {MAX_REPLY_PARTS * (153 if size.encoding == 'GSM-7' else 67)} characters).")
    return None


@bp.route("/conversation/<number>/reply", methods=["POST"])
def reply(number: str):
    """Queue the owner's reply to go out from the shop's number now, once per form: the same form
    sent again (a double tap) queues nothing and lands where the first went."""
    number = _checked_number(number)
    body = request.form.get("body", "").replace("\r\n", "\n").strip()
    tokens: single_use.SingleUseTokens = current_app.extensions["textback.reply_tokens"]
    with tokens.use(request.form.get(single_use.FIELD, "")) as use:
        if use.already_spent:
            flash("That reply was already queued once; it was not queued again.")
            return redirect(url_for("inbox.conversation", number=number) + "#latest")
        problem = _reply_problem(number, body)
        if problem:
            return _render_conversation(number, reply=body, error=problem, status=400)
        context = web_context()
        now = context.clock.now()
        context.store.queue_text(number=number, body=body, kind="reply", due_at=now, now=now)
        use.spend()
    flash("Reply queued. It goes out from the shop's number in a few seconds.")
    return redirect(url_for("inbox.conversation", number=number) + "#latest")


@bp.route("/conversation/<number>/handled", methods=["POST"])
def handled(number: str):
    """The owner has dealt with an urgent reply or a callback request: unpin it."""
    number = _checked_number(number)
    context = web_context()
    if context.store.mark_handled(number, context.clock.now()):
        flash("Marked handled. It no longer waits at the top of the inbox.")
    return redirect(url_for("inbox.conversation", number=number))


@bp.route("/conversation/<number>/outcome", methods=["POST"])
def outcome(number: str):
    """What the conversation came to: booked, lost or spam (the number goes on the never-text
    list), with an optional value; "none" clears it."""
    number = _checked_number(number)
    choice = request.form.get("outcome", "")
    raw_value = request.form.get("value", "")
    if choice not in (*OUTCOME_WORDS, "none"):
        return _render_conversation(number, outcome_error="Choose Booked, Lost or Spam.", value=raw_value, status=400)
    try:
        value = parse_value(raw_value) if choice != "none" else None
    except ValueError as error:
        return _render_conversation(number, outcome_error=str(error), value=raw_value, status=400)
    context = web_context()
    now = context.clock.now()
    store = context.store
    if choice == "none":
        store.set_outcome(number, None, None, now)
        flash("Outcome cleared.")
    else:
        store.set_outcome(number, Outcome(choice), value, now)
        if choice == "spam":
            store.add_exclusion(number, "spam (marked in the inbox)", now)
            flash("Marked spam. Missed calls from this number will not be texted (see Opt-outs to undo).")
        else:
            flash(f"Marked {OUTCOME_WORDS[choice].lower()}" + (f", value {value:g}." if value is not None else "."))
    return redirect(url_for("inbox.conversation", number=number))
