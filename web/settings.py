"""Templates (with the gallery of ready-made texts), rules (delay, dedup, owner phone) and the
never-text list. The Hours page is web/hours_page.py.

Every form keeps what the owner typed and puts the reason next to the field it is about. What is
saved goes to the settings and templates tables; the agent reads them afresh for every call. A
template's warnings (agent.rules.template_checks) never stop a save: they are shown next to the
field, and with the preview of a text checked before saving or picked from the gallery.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from agent.config import DAYS, SCHEMA
from agent.errors import TemplateError
from agent.rules.gallery import CASES, GALLERY, KINDS, MENU_SAMPLE, GalleryEntry, gallery_entry
from agent.rules.hours import next_close_time, parse_hours
from agent.rules.numbers import example_mobile, pretty
from agent.rules.settings import Settings
from agent.rules.templates import (DEFAULT_TEMPLATES, PLACEHOLDERS, SAMPLE_VALUES, TEMPLATE_EXTRA_PLACEHOLDERS,
                                   check_template, placeholder_values, render)
from agent.sms.pdu import PduError, segment_info
from web import form_stamp, shop_settings, web_context
from web.text_warnings import warnings_for
from web.typed_number import read_mobile, read_number

__all__ = ["bp", "TEMPLATE_LABELS", "DAY_NAMES"]

bp = Blueprint("settings", __name__)

TEMPLATE_LABELS: dict[str, str] = {
    "missed_open": "Missed call while open",
    "missed_closed": "Missed call while closed",
    "followup": "Follow-up",
    "optout_confirm": "After the caller texts STOP",
    "optin_confirm": "After the caller texts START",
    "help": "After the caller texts HELP",
    "owner_relay": "A customer's text, forwarded to your phone",
}
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))
RULE_FIELDS = {"delay_seconds": ("rules", "delay_seconds"), "dedup_hours": ("rules", "dedup_hours"),
               "max_late_minutes": ("rules", "max_late_minutes"), "followup_hours": ("rules", "followup_hours")}


# ---- templates ---------------------------------------------------------------------------

PREVIEW_TEXT = "Hi, is the blue bike in the window still for sale?"


def _preview_moment(settings: Settings, now: datetime, tz: ZoneInfo) -> datetime:
    """When the sample missed call comes: now, or the next closing time if the shop is open now, so
    the after-hours text previews with a real next opening ("tomorrow 09:00")."""
    hours = parse_hours(settings.hours, settings.holidays)
    return next_close_time(hours, now, tz) or now


def _preview_values() -> dict[str, str]:
    """Every placeholder filled as the next text would be, for a sample call and customer message."""
    settings = shop_settings()
    now = web_context().clock.now()
    tz = ZoneInfo(settings.timezone)
    try:
        moment = _preview_moment(settings, now, tz)
        values = placeholder_values(settings, moment, tz, call_at=now, caller=example_mobile(settings.country),
                                    ref=12, text=PREVIEW_TEXT)
    except ValueError:      # hours the agent cannot read either: show the samples
        return {**SAMPLE_VALUES, "business": settings.business_name, "ref": "12"}
    return values


def _template_card(name: str, body: str, values: dict[str, str], error: str | None = None,
                   checked: bool = False) -> dict:
    preview, size = "", None
    try:
        preview = render(body, values)
        size = segment_info(preview)
    except (TemplateError, PduError):
        pass
    placeholders = {**PLACEHOLDERS, **TEMPLATE_EXTRA_PLACEHOLDERS.get(name, {})}
    return {"name": name, "label": TEMPLATE_LABELS.get(name, name), "body": body, "error": error,
            "preview": preview, "size": size, "placeholders": placeholders, "checked": checked,
            "warnings": () if error else warnings_for(name, body, values)}


@bp.route("/templates", methods=["GET", "POST"])
def templates():
    """Each text the box sends, with a live counter, a preview with the placeholders filled and the
    checks' warnings. "Check" shows the preview and warnings of a typed text without saving it."""
    context = web_context()
    bodies = context.store.templates()
    values = _preview_values()
    errors: dict[str, str] = {}
    checked = ""
    if request.method == "POST":
        name = request.form.get("name", "")
        if name not in DEFAULT_TEMPLATES:
            abort(400, description="There is no such template.")
        body = request.form.get("body", "").replace("\r\n", "\n").strip()
        action = request.form.get("action", "save")
        if action == "default":
            body = DEFAULT_TEMPLATES[name]
        try:
            check_template(name, body)
        except TemplateError as error:
            errors[name] = str(error).removeprefix(f"{name}: ")
            bodies[name] = body
        else:
            if action == "check":
                bodies[name], checked = body, name
            else:
                context.store.set_template(name, body, context.clock.now())
                count = len(warnings_for(name, body, values))
                flash(f"Saved \u201c{TEMPLATE_LABELS[name]}\u201d. The next text of this kind uses it."
                      + (f" Read the warning{'s' if count > 1 else ''} next to it." if count else ""))
                return redirect(url_for("settings.templates") + f"#{name}")
    cards = [_template_card(name, bodies.get(name, DEFAULT_TEMPLATES[name]), values, errors.get(name),
                            checked=name == checked)
             for name in DEFAULT_TEMPLATES]
    return render_template("templates.html", cards=cards, values=values), 400 if errors else 200


def _usable(entry: GalleryEntry) -> bool:
    """An entry the template it copies into accepts (a {menu} text needs the menu placeholder)."""
    try:
        check_template(entry.template, entry.body)
    except TemplateError:
        return False
    return True


@bp.route("/templates/gallery")
def gallery():
    """Ready-made texts for each kind of business and case, previewed for this shop, with any
    warning they draw here (a long business name can make one take two SMS)."""
    values = _preview_values()
    has_menu = bool(values.get("menu"))
    shown = values if has_menu else {**values, "menu": MENU_SAMPLE}     # without options: an example menu
    kinds = []
    for kind, label in KINDS.items():
        entries = [{"entry": entry, "case": CASES[entry.case], "into": TEMPLATE_LABELS[entry.template],
                    "preview": render(entry.body, shown), "warnings": warnings_for(entry.template, entry.body, shown)}
                   for entry in GALLERY if entry.kind == kind and _usable(entry)]
        kinds.append({"key": kind, "label": label, "entries": entries})
    return render_template("gallery.html", kinds=kinds, has_menu=has_menu)


@bp.route("/templates/gallery", methods=["POST"])
def copy_from_gallery():
    """Copy one gallery text into the owner's template it is for; the next text of that kind uses it."""
    context = web_context()
    try:
        entry = gallery_entry(request.form.get("entry", ""))
    except KeyError:
        abort(400, description="There is no such text in the gallery.")
    if not _usable(entry):
        abort(400, description="This gallery text needs the reply menu, which this box cannot fill in yet.")
    context.store.set_template(entry.template, entry.body, context.clock.now())
    flash(f"Copied \u201c{KINDS[entry.kind]}: {CASES[entry.case]}\u201d into "
          f"\u201c{TEMPLATE_LABELS[entry.template]}\u201d. The next text of this kind uses it; you can still "
          "edit it here.")
    return redirect(url_for("settings.templates") + f"#{entry.template}")


# ---- rules and the never-text list -------------------------------------------------------

def _read_whole_number(key: str, text: str) -> tuple[int | None, str | None]:
    section, name = RULE_FIELDS[key]
    check = SCHEMA[section][name][1]
    text = text.strip()
    try:
        return check(int(text) if re.fullmatch(r"-?\d{1,9}", text) else None), None
    except ValueError as error:
        message = str(error)
        return None, message[0].upper() + message[1:] + "."


def _rules_saved(settings: Settings) -> dict[str, object]:
    return {key: getattr(settings, key) for key in (*RULE_FIELDS, "owner_phone")}


def _rules_as_typed(settings: Settings) -> dict[str, str]:
    typed = {key: str(getattr(settings, key)) for key in RULE_FIELDS}
    typed["owner_phone"] = pretty(settings.owner_phone, settings.country) if settings.owner_phone else ""
    return typed


def _rules_page(typed: dict[str, str], errors: dict[str, str], status: int = 200, conflict: bool = False):
    settings = shop_settings()
    saved = _rules_as_typed(settings)
    differs = {key: saved[key] for key in saved if conflict and saved[key] != typed.get(key, "").strip()}
    return render_template("rules.html", typed=typed, errors=errors, exclusions=web_context().store.exclusions(),
                           conflict=form_stamp.CHANGED_ELSEWHERE if conflict else "", saved_now=differs,
                           as_of=form_stamp.stamp(_rules_saved(settings)), as_of_field=form_stamp.FIELD), status


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    """Delay before texting, the once-per-caller window, how late a text may go, the owner's phone.
    A form opened before another window saved the rules is not saved over them (409, both shown)."""
    context = web_context()
    settings = shop_settings()
    typed = _rules_as_typed(settings)
    if request.method == "GET":
        return _rules_page(typed, {})
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for key in RULE_FIELDS:
        typed[key] = request.form.get(key, "")
        values[key], error = _read_whole_number(key, typed[key])
        if error:
            errors[key] = error
    typed["owner_phone"] = request.form.get("owner_phone", "").strip()
    values["owner_phone"] = ""
    if typed["owner_phone"]:
        values["owner_phone"], error = read_mobile(typed["owner_phone"], settings.country)
        if error:
            errors["owner_phone"] = error
    conflict = form_stamp.is_stale(request.form.get(form_stamp.FIELD), _rules_saved(settings))
    if errors or conflict:
        return _rules_page(typed, errors, 400 if errors else 409, conflict)
    now = context.clock.now()
    for key, value in values.items():
        context.store.set_setting(key, value, now)
    flash("Rules saved. The next missed call uses them.")
    return redirect(url_for("settings.rules"))


@bp.route("/rules/exclusions", methods=["POST"])
def add_exclusion():
    """Put a number on the never-text list (suppliers, family, the landlord…)."""
    context = web_context()
    typed = {"ex_number": request.form.get("number", "").strip(), "ex_label": request.form.get("label", "").strip()}
    number, error = (read_number(typed["ex_number"], shop_settings().country) if typed["ex_number"]
                     else (None, "Type the number to add."))
    if error is None and len(typed["ex_label"]) > 60:
        error = "Keep the note to 60 characters or fewer."
    if error:
        typed.update(_rules_as_typed(shop_settings()))
        return _rules_page(typed, {"ex_number": error}, 400)
    context.store.add_exclusion(number, typed["ex_label"], context.clock.now())
    flash(f"{pretty(number, shop_settings().country)} will never be texted.")
    return redirect(url_for("settings.rules") + "#never")


@bp.route("/rules/exclusions/remove", methods=["GET", "POST"])
def remove_exclusion():
    """Ask first (GET), then take the number off the never-text list (POST)."""
    context = web_context()
    number = request.values.get("number", "")
    row = context.store.exclusion(number)
    if row is None:
        abort(404, description="That number is not on the never-text list.")
    if request.method == "GET":
        return render_template(
            "confirm.html", title="Text this number again?", action=url_for("settings.remove_exclusion"),
            number=number, cancel=url_for("settings.rules") + "#never", button="Yes, take it off the list",
            question=f"Take {pretty(number, shop_settings().country)} off the never-text list? "
                     "Their next missed call will get a text.")
    context.store.remove_exclusion(number)
    flash(f"{pretty(number, shop_settings().country)} is off the never-text list.")
    return redirect(url_for("settings.rules") + "#never")
