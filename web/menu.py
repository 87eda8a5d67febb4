"""The reply menu and the urgent words, edited on the phone: up to five numbered options a caller
can reply with ("1" or "Book"), each with its answer, and the words that make a reply urgent."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from agent.rules.keywords import parse_urgent_words
from agent.rules.menu import MAX_LABEL, MAX_OPTIONS, parse_menu_options
from web import shop_settings, web_context

__all__ = ["bp"]

bp = Blueprint("menu", __name__)


def _typed_rows(options) -> list[dict[str, str]]:
    rows = [{"key": o.key, "label": o.label, "reply": o.reply} for o in options]
    return rows + [{"key": "", "label": "", "reply": ""} for _ in range(MAX_OPTIONS - len(rows))]


def _page(rows: list[dict[str, str]], urgent: str, errors: dict[str, str], status: int = 200):
    return render_template("menu.html", rows=rows, urgent=urgent, errors=errors, max_label=MAX_LABEL), status


@bp.route("/menu", methods=["GET", "POST"])
def menu():
    """The options a caller can reply with, and the urgent words."""
    settings = shop_settings()
    if request.method == "GET":
        return _page(_typed_rows(settings.menu_options), ", ".join(settings.urgent_words), {})
    rows = [{name: request.form.get(f"{name}-{n}", "").strip() for name in ("key", "label", "reply")}
            for n in range(1, MAX_OPTIONS + 1)]
    urgent = request.form.get("urgent", "")
    errors: dict[str, str] = {}
    filled = [row for row in rows if any(row.values())]
    try:
        options = parse_menu_options(filled)
    except ValueError as error:
        errors["options"] = str(error)[0].upper() + str(error)[1:] + "."
    try:
        words = parse_urgent_words([word for word in urgent.replace(",", " ").split() if word])
    except ValueError as error:
        errors["urgent"] = str(error)[0].upper() + str(error)[1:] + "."
    if errors:
        return _page(rows, urgent, errors, 400)
    context = web_context()
    now = context.clock.now()
    context.store.set_setting("menu_options", options, now)
    context.store.set_setting("urgent_words", words, now)
    flash("Menu saved. Put {menu} in a text to offer it; the next reply uses it." if options
          else "Menu cleared: replies are relayed to you as they are.")
    return redirect(url_for("menu.menu"))
