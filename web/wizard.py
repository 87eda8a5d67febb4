"""The set-up wizard, right after the password (and again any time from the Account page).

Steps: the box's certificate, the shop's name, country and time zone (suggested from the SIM),
opening hours, the owner's mobile, how calls reach the box, the first texts (with a preview),
and a test call watched live. Every step can be skipped; every field explains its own error and
keeps what was typed. Values go where the rest of the UI edits them: Store.set_setting and
Store.set_template (the agent reads them afresh for every call).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import phonenumbers
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from agent.config import DAYS
from agent.errors import TemplateError
from agent.rules.hours import next_close_time, parse_hours, read_day
from agent.rules.numbers import example_mobile, pretty, to_e164
from agent.rules.templates import SAMPLE_VALUES, check_template, placeholder_values, render
from agent.sms.pdu import PduError, segment_info
from web import shop_settings, web_context
from web.account import certificate_facts
from web.line_setup import LINE_MODES, RING_OUT_CHOICES, forwarding_codes
from web.live import next_call_view
from web.place_suggestion import PROVIDERS_FILE, country_names, suggest, zones_for
from web.text_warnings import name_outside_sms_alphabet, warnings_for
from web.typed_number import read_mobile, read_number

__all__ = ["bp", "STEPS", "TITLES", "MAX_NAME"]

bp = Blueprint("wizard", __name__)

STEPS = ("secure", "shop", "place", "hours", "owner", "line", "texts", "test")
TITLES = {"secure": "This box's certificate", "shop": "The shop's name", "place": "Country and time zone",
          "hours": "Opening hours", "owner": "Your mobile", "line": "How calls reach the box",
          "texts": "The first texts", "test": "Test it now"}
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))
FIRST_TEXTS = {"missed_open": "Missed call while open", "missed_closed": "Missed call while closed"}
MAX_NAME = 40          # agent/rules/templates.py measures every text with a 40-character name


def _page(name: str, status: int = 200, **values):
    index = STEPS.index(name)
    back = url_for("wizard.step", name=STEPS[index - 1]) if index else None
    return render_template(f"wizard_{name}.html", step=name, index=index + 1, total=len(STEPS), title=TITLES[name],
                           back=back, **values), status


def _next(name: str):
    index = STEPS.index(name)
    if index + 1 == len(STEPS):
        flash("Set-up done. Missed calls now get a text; replies show up here. "
              "Change anything later under Templates, Hours, Rules or Account.")
        return redirect(url_for("inbox.inbox"))
    return redirect(url_for("wizard.step", name=STEPS[index + 1]))


def _save(**values) -> None:
    context = web_context()
    now = context.clock.now()
    for key, value in values.items():
        context.store.set_setting(key, value, now)


@bp.route("/wizard")
def start():
    """The wizard from its first step."""
    return redirect(url_for("wizard.step", name=STEPS[0]))


@bp.route("/wizard/<name>", methods=["GET", "POST"])
def step(name: str):
    """One step: GET shows it, POST saves it (or skips it with action=skip) and goes on."""
    if name not in STEPS:
        abort(404, description="There is no such set-up step.")
    if request.method == "POST" and request.form.get("action") == "skip":
        return _next(name)
    return _HANDLERS[name](request.method == "POST")


def _secure(posted: bool):
    if posted:
        return _next("secure")
    return _page("secure", certificate=certificate_facts(web_context().config))


def _shop(posted: bool):
    typed, error = shop_settings().business_name, None
    if posted:
        typed = request.form.get("business_name", "").strip()
        if not typed:
            error = "Type the shop's name: every text starts with it."
        elif len(typed) > MAX_NAME:
            error = f"Keep it to {MAX_NAME} characters or fewer (this is {len(typed)}): every text starts with it."
        elif not typed.isprintable():
            error = "Use letters, digits and punctuation only."
        else:
            _save(business_name=typed)
            note = name_outside_sms_alphabet(typed)
            if note:
                flash(f"Saved \u201c{typed}\u201d. {note} You can change it with Back.", "warning")
            return _next("shop")
    return _page("shop", 400 if error else 200, typed=typed, error=error)


def _place(posted: bool):
    settings = shop_settings()
    guess = suggest(web_context().store.modem_state(), settings.country, settings.timezone,
                    current_app.config.get("TEXTBACK_PROVIDERS_FILE", PROVIDERS_FILE))
    country, zone, errors = guess.country, guess.timezone, {}
    if posted:
        country = request.form.get("country", "").strip().upper()
        zone = request.form.get("timezone", "").strip()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            errors["country"] = "Choose the shop's country from the list."
        everywhere = {z for code in country_names() for z in zones_for(code)}
        if zone not in everywhere:
            errors["timezone"] = "Choose the shop's time zone from the list."
        if not errors:
            _save(country=country, timezone=zone)
            return _next("place")
    local = zones_for(country) if country in phonenumbers.SUPPORTED_REGIONS else ()
    others = sorted({z for code in country_names() for z in zones_for(code)} - set(local))
    return _page("place", 400 if errors else 200, countries=country_names(), country=country, zone=zone,
                 local_zones=local, other_zones=others, guess=guess, errors=errors)


def _hours(posted: bool):
    settings = shop_settings()
    typed = {day: ", ".join(settings.hours.get(day, ())) for day in DAYS}
    errors: dict[str, str] = {}
    if posted:
        week = {}
        for day in DAYS:
            typed[day] = request.form.get(day, "")
            week[day], error = read_day(typed[day])
            if error:
                errors[day] = error
        if not errors:
            _save(hours=week, hours_set=True)
            return _next("hours")
    return _page("hours", 400 if errors else 200, typed=typed, errors=errors, day_names=DAY_NAMES,
                 timezone=settings.timezone)


def _owner(posted: bool):
    settings = shop_settings()
    typed = pretty(settings.owner_phone, settings.country) if settings.owner_phone else ""
    error = None
    if posted:
        typed = request.form.get("owner_phone", "").strip()
        number, error = (read_mobile(typed, settings.country) if typed
                         else (None, "Type your mobile number, or skip this step."))
        if not error:
            _save(owner_phone=number)
            return _next("owner")
    return _page("owner", 400 if error else 200, typed=typed, error=error,
                 example=pretty(example_mobile(settings.country), settings.country))


def _line(posted: bool):
    context = web_context()
    values = context.store.setting_values()
    own_number = str(context.store.modem_state().get("own_number") or "")
    mode = values.get("line_mode", context.config.line.mode)
    rings = values.get("ring_out_after_rings", context.config.line.ring_out_after_rings)
    box = values.get("box_number") or own_number
    typed_box = pretty(box, shop_settings().country) if box else ""
    errors: dict[str, str] = {}
    if posted:
        mode = request.form.get("line_mode", "")
        typed_box = request.form.get("box_number", "").strip()
        rings_text = request.form.get("ring_out_after_rings", "0")
        if mode not in LINE_MODES:
            errors["line_mode"] = "Choose one of the three ways."
        rings = int(rings_text) if rings_text.isdigit() else -1
        if rings not in RING_OUT_CHOICES:
            errors["ring_out_after_rings"] = "Choose a number of rings from the list."
        box = ""
        if typed_box and own_number and to_e164(typed_box, shop_settings().country) == own_number:
            box = own_number          # as the SIM gave it, even where phonenumbers does not know the range
        elif typed_box:
            box, error = read_number(typed_box, shop_settings().country)
            if error:
                errors["box_number"] = error
        elif mode == "forwarded":
            errors["box_number"] = "Type the box's own number: the shop's phone forwards calls to it."
        if not errors:
            _save(line_mode=mode, ring_out_after_rings=rings, box_number=box or "")
            if mode == "forwarded" and request.form.get("action") != "next":
                flash("Saved. Now type the codes below on the shop's mobile, then go on.")
                return redirect(url_for("wizard.step", name="line") + "#codes")
            return _next("line")
    return _page("line", 400 if errors else 200, modes=LINE_MODES, mode=mode, rings=rings,
                 ring_choices=RING_OUT_CHOICES, typed_box=typed_box, from_sim=bool(own_number) and box == own_number,
                 codes=forwarding_codes(box) if box else (), errors=errors,
                 example=pretty(example_mobile(shop_settings().country), shop_settings().country))


def _preview_values() -> dict[str, str]:
    """The placeholders as the next text fills them (agent.rules.templates.placeholder_values), for a
    call now; the closed-hours text is previewed from the next closing time, so it names a real opening."""
    settings = shop_settings()
    now = web_context().clock.now()
    tz = ZoneInfo(settings.timezone)
    try:
        moment = next_close_time(parse_hours(settings.hours, settings.holidays), now, tz) or now
        return placeholder_values(settings, moment, tz, call_at=now)
    except ValueError:          # hours the agent cannot read either: show the samples
        return {**SAMPLE_VALUES, "business": settings.business_name}


def _texts(posted: bool):
    context = web_context()
    bodies = {name: context.store.templates()[name] for name in FIRST_TEXTS}
    errors: dict[str, str] = {}
    if posted:
        for name in FIRST_TEXTS:
            bodies[name] = request.form.get(f"body_{name}", "").replace("\r\n", "\n").strip()
            try:
                check_template(name, bodies[name])
            except TemplateError as error:
                errors[name] = str(error).removeprefix(f"{name}: ")
        if not errors:
            saved = context.store.templates()
            for name, body in bodies.items():
                if body != saved[name]:
                    context.store.set_template(name, body, context.clock.now())
            return _next("texts")
    values = _preview_values()
    cards = []
    for name, label in FIRST_TEXTS.items():
        preview, size = "", None
        try:
            preview = render(bodies[name], values)
            size = segment_info(preview)
        except (TemplateError, PduError):
            pass
        cards.append({"name": name, "label": label, "body": bodies[name], "error": errors.get(name),
                      "preview": preview, "size": size,
                      "warnings": () if name in errors else warnings_for(name, bodies[name], values)})
    return _page("texts", 400 if errors else 200, cards=cards, values=values)


def _test(posted: bool):
    if posted:
        return _next("test")
    store = web_context().store
    after = request.args.get("after", "")
    if not after.isdigit():
        return redirect(url_for("wizard.step", name="test", after=store.live_summary().last_call_id))
    values = store.setting_values()
    box = values.get("box_number") or str(store.modem_state().get("own_number") or "")
    return _page("test", after=int(after), box=pretty(box, shop_settings().country) if box else "",
                 view=next_call_view(int(after)))


_HANDLERS = {"secure": _secure, "shop": _shop, "place": _place, "hours": _hours, "owner": _owner, "line": _line,
             "texts": _texts, "test": _test}
