"""Opt-outs: callers who texted STOP (or whom the owner added). TextBack never texts them.

Removing one needs a confirmation step: texting someone who said STOP is a promise broken.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from agent.rules.numbers import pretty
from web import PAGE_SIZE, shop_settings, web_context
from web.inbox import page_number
from web.typed_number import read_number

__all__ = ["bp"]

bp = Blueprint("optouts", __name__)


def _page(typed: str = "", error: str | None = None, status: int = 200):
    page = page_number()
    rows = web_context().store.optouts_page(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("optouts.html", optouts=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE,
                           typed=typed, error=error), status


@bp.route("/optouts")
def optouts():
    """Everyone who opted out, newest first, and a form to add a number by hand."""
    return _page()


@bp.route("/optouts", methods=["POST"])
def add_optout():
    """Opt a number out by hand (a customer asked in person or on the phone)."""
    context = web_context()
    typed = request.form.get("number", "").strip()
    if not typed:
        return _page(typed, "Type the number to opt out.", 400)
    number, error = read_number(typed, shop_settings().country)
    if error:
        return _page(typed, error, 400)
    if context.store.add_optout(number, context.clock.now(), keyword="", source="web"):
        flash(f"{pretty(number, shop_settings().country)} is opted out: TextBack will not text them.")
    else:
        flash(f"{pretty(number, shop_settings().country)} was already opted out.")
    return redirect(url_for("optouts.optouts"))


@bp.route("/optouts/remove", methods=["GET", "POST"])
def remove_optout():
    """Ask first (GET), then remove the opt-out (POST): the number can be texted again."""
    context = web_context()
    number = request.values.get("number", "")
    row = context.store.optout(number)
    if row is None:
        abort(404, description="That number has not opted out.")
    shown = pretty(number, shop_settings().country)
    if request.method == "GET":
        how = "texted STOP" if row.source == "sms" else "was opted out by hand"
        return render_template(
            "confirm.html", title="Remove this opt-out?", action=url_for("optouts.remove_optout"),
            number=number, cancel=url_for("optouts.optouts"), button="Yes, they may be texted again",
            question=f"{shown} {how}. Only remove the opt-out if they asked to hear from you again: "
                     "their next missed call will get a text, and so will your replies.")
    context.store.remove_optout(number)
    flash(f"Opt-out removed: {shown} can be texted again.")
    return redirect(url_for("optouts.optouts"))
