"""The reply menu and the urgent words, edited on the phone: up to five numbered options a caller
can reply with ("1" or "Book"), each with its answer, and the words that make a reply urgent.

Every mistake is named in the page's own words ("Number or letter", "Name", "Answer") inside the
box of the option it is about, with that field marked; the checks are agent.rules.menu's (the same
as config.toml's [menu]), read here option by option so each message names the option as the page
numbers it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from agent.rules.keywords import parse_urgent_words
from agent.rules.menu import MAX_LABEL, MAX_OPTIONS, parse_menu_options, squeeze
from web import form_stamp, shop_settings, web_context

__all__ = ["bp", "FIELD_WORDS"]

bp = Blueprint("menu", __name__)

# the rules' name of a field → what the page calls it, and what to type there
FIELD_WORDS = {"key": ("number or letter", "the number or letter a caller replies with, such as 1"),
               "label": ("name", "a short name such as Book"),
               "reply": ("answer", "the text a caller gets when they choose this option")}


def _typed_rows(options) -> list[dict[str, str]]:
    rows = [{"key": o.key, "label": o.label, "reply": o.reply} for o in options]
    return rows + [{"key": "", "label": "", "reply": ""} for _ in range(MAX_OPTIONS - len(rows))]


def _saved(settings) -> dict[str, object]:
    return {"menu_options": settings.menu_options, "urgent_words": settings.urgent_words}


def _page(rows: list[dict[str, str]], urgent: str, errors: dict[str, str], status: int = 200,
          option_errors: dict[int, tuple[str, str]] | None = None, conflict: bool = False):
    settings = shop_settings()
    saved_rows, saved_urgent = _typed_rows(settings.menu_options), ", ".join(settings.urgent_words)
    saved_now = {}
    if conflict:
        saved_now = {n: saved for n, (saved, typed) in enumerate(zip(saved_rows, rows), start=1) if saved != typed}
        if saved_urgent != urgent.strip():
            saved_now["urgent"] = saved_urgent
    return render_template("menu.html", rows=rows, urgent=urgent, errors=errors, max_label=MAX_LABEL,
                           option_errors=option_errors or {}, saved_now=saved_now,
                           conflict=form_stamp.CHANGED_ELSEWHERE if conflict else "",
                           as_of=form_stamp.stamp(_saved(settings)), as_of_field=form_stamp.FIELD), status


def _in_page_words(message: str) -> tuple[str, str]:
    """agent.rules.menu's message about one option (its "option 1 (key …): " taken off) → (field,
    the message as the page says it)."""
    for field, (words, _) in FIELD_WORDS.items():
        if message.startswith(f"{field}: "):
            return field, f"the {words}: {message[len(field) + 2:]}"
        if message.startswith(f"{field} "):
            rest = message[len(field) + 1:].replace("pick another label", "pick another name")
            return field, f"the {words} {rest}"
    return "key", message


def _option_problem(row: dict[str, str]) -> tuple[str, str] | None:
    """What is wrong with one filled option: (field, message), or None."""
    for field, (words, what) in FIELD_WORDS.items():
        if not row[field]:
            return field, f"the {words.capitalize()} box is empty: type {what}, or empty the whole option to remove it"
    try:
        parse_menu_options([row])
    except ValueError as error:
        return _in_page_words(str(error).split(": ", 1)[-1])
    return None


def _option_errors(rows: list[dict[str, str]]) -> dict[int, tuple[str, str]]:
    """Option number (as on the page) → (field, message) for each option with a mistake; two options
    a reply could not tell apart are named at the later one."""
    errors: dict[int, tuple[str, str]] = {}
    seen: dict[str, str] = {}           # squeezed number or name → "the name of option 1"
    for n, row in enumerate(rows, start=1):
        if not any(row.values()):
            continue
        problem = _option_problem(row)
        if problem is None:
            for field in ("key", "label"):
                token, words = squeeze(row[field]), FIELD_WORDS[field][0]
                if token in seen and not (field == "label" and seen[token] == f"the number or letter of option {n}"):
                    problem = field, f"the {words} {row[field]!r} is already {seen[token]}"
                    break
                seen.setdefault(token, f"the {words} of option {n}")
        if problem:
            field, message = problem
            errors[n] = field, f"Option {n}: {message}."
    return errors


@bp.route("/menu", methods=["GET", "POST"])
def menu():
    """The options a caller can reply with, and the urgent words. A form opened before another
    window saved the menu is not saved over it (409, both shown)."""
    settings = shop_settings()
    if request.method == "GET":
        return _page(_typed_rows(settings.menu_options), ", ".join(settings.urgent_words), {})
    rows = [{name: request.form.get(f"{name}-{n}", "").strip() for name in ("key", "label", "reply")}
            for n in range(1, MAX_OPTIONS + 1)]
    urgent = request.form.get("urgent", "")
    errors: dict[str, str] = {}
    option_errors = _option_errors(rows)
    options = ()
    if not option_errors:
        try:
            options = parse_menu_options([row for row in rows if any(row.values())])
        except ValueError as error:         # the checks above should have named it; never save it anyway
            errors["options"] = str(error)[0].upper() + str(error)[1:] + "."
    try:
        words = parse_urgent_words([word for word in urgent.replace(",", " ").split() if word])
    except ValueError as error:
        errors["urgent"] = str(error)[0].upper() + str(error)[1:] + "."
    conflict = form_stamp.is_stale(request.form.get(form_stamp.FIELD), _saved(settings))
    if errors or option_errors or conflict:
        return _page(rows, urgent, errors, 400 if errors or option_errors else 409, option_errors, conflict)
    context = web_context()
    now = context.clock.now()
    context.store.set_setting("menu_options", options, now)
    context.store.set_setting("urgent_words", words, now)
    flash("Menu saved. Put {menu} in a text to offer it; the next reply uses it." if options
          else "Menu cleared: replies are relayed to you as they are.")
    return redirect(url_for("menu.menu"))
