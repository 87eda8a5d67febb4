"""The Hours page (/hours): opening hours per weekday and holidays (closed all day).

Each day is read as owners write it (agent.rules.hours.read_day: "9-5" is refused naming the form
that means it, "closed" or empty is closed); nothing is saved unless every field reads. The page
says what the saved hours mean for the next caller: open now, closed now (and when it opens), closed
all week, or no hours set (every caller gets the "while open" text). A form opened before another
window saved the hours is not saved over them (web/form_stamp.py).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from agent.config import DAYS
from agent.rules.hours import describe_next_open, is_open, parse_hours, read_day
from agent.rules.settings import Settings
from web import form_stamp, shop_settings, web_context
from web.settings import DAY_NAMES

__all__ = ["bp", "hours"]

bp = Blueprint("hours", __name__)


def _read_holidays(text: str) -> tuple[list[str], str | None]:
    items = [item for item in re.split(r"[\s,;]+", text) if item]
    for item in items:
        try:
            parse_hours({}, [item])
        except ValueError as error:
            return items, str(error).removeprefix("holidays: ") + ", such as 2026-12-25."
    return sorted(set(items)), None


def _hours_saved(settings: Settings) -> dict[str, object]:
    return {"hours": settings.hours, "hours_set": settings.hours_set, "holidays": settings.holidays}


def _hours_as_typed(settings: Settings) -> dict[str, str]:
    typed = {day: ", ".join(settings.hours.get(day, ())) for day in DAYS}
    typed["holidays"] = "\n".join(settings.holidays)
    return typed


@bp.route("/hours", methods=["GET", "POST"])
def hours():
    """Opening hours per weekday (in the shop's time zone) and holidays (closed all day). A form
    opened before another window saved the hours is not saved over them (409, both shown)."""
    context = web_context()
    settings = shop_settings()
    saved = _hours_as_typed(settings)
    typed = dict(saved)
    errors: dict[str, str] = {}
    conflict = False
    if request.method == "POST":
        week: dict[str, list[str]] = {}
        for day in DAYS:
            typed[day] = request.form.get(day, "")
            week[day], error = read_day(typed[day])
            if error:
                errors[day] = error
        typed["holidays"] = request.form.get("holidays", "")
        holidays, error = _read_holidays(typed["holidays"])
        if error:
            errors["holidays"] = error
        conflict = form_stamp.is_stale(request.form.get(form_stamp.FIELD), _hours_saved(settings))
        if not errors and not conflict:
            now = context.clock.now()
            context.store.set_setting("hours", week, now)
            context.store.set_setting("hours_set", True, now)
            context.store.set_setting("holidays", holidays, now)
            flash("Opening hours saved. The next missed call uses them.")
            return redirect(url_for("hours.hours"))
    summary = ""
    if not errors:
        tz = ZoneInfo(settings.timezone)
        week_hours = parse_hours(settings.hours, settings.holidays)
        now = context.clock.now()
        if not settings.has_hours:
            summary = "No opening hours set: every caller gets the \u201cwhile open\u201d text."
        elif not any(week_hours.days):
            summary = "Closed all week: every caller gets the closed text (\u201cwhile closed\u201d)."
        elif is_open(week_hours, now, tz):
            summary = "Open now."
        else:
            summary = f"Closed now. Opens {describe_next_open(week_hours, now, tz)}."
    differs = {key: saved[key] for key in saved if conflict and saved[key].strip() != typed[key].strip()}
    status = 400 if errors else 409 if conflict else 200
    return render_template("hours.html", typed=typed, errors=errors, day_names=DAY_NAMES, summary=summary,
                           timezone=settings.timezone, conflict=form_stamp.CHANGED_ELSEWHERE if conflict else "",
                           saved_now=differs, as_of=form_stamp.stamp(_hours_saved(settings)),
                           as_of_field=form_stamp.FIELD), status

