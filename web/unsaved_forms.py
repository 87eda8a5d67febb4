"""A form that arrives when it can no longer be saved: nothing is saved, and nothing typed is lost.

Two ways it happens on a phone: the login ended while the owner was typing (a week unused, logged
out everywhere), or the owner logged in again in another tab, which gives the form a new token.
Either way the page the owner lands on says "Your changes were not saved", shows what they typed
so it can be copied, and offers to save it now:

- an expired form token (web/csrf.py): the page answers at once, 400, with the typed text and a
  "Save it now" button carrying a fresh token;
- no login any more (web/auth.py): the form is kept in this process's memory (an hour at most,
  never a password), the login page says it was not saved yet, and right after logging in the
  same page comes back with the text and the button.

The form is offered again only to the browser that sent it, and only when it came from TextBack's
own pages (a session cookie, which SameSite=Strict keeps from other sites, and no foreign Origin).
Saving it again goes through every check the page makes, its "settings as of" stamp too.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for

__all__ = ["UnsavedForm", "KeptForms", "from_request", "page", "keep", "waiting", "waiting_id", "init_app",
           "SESSION_KEY", "bp"]

SESSION_KEY = "unsaved_form"
KEEP_SECONDS = 3600.0
LIMIT = 50
_NOT_TYPED = frozenset({"csrf_token", "once", "as_of", "action", "name", "next", "entry"})
_SECRET = re.compile(r"password|code", re.I)
_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
         "sat": "Saturday", "sun": "Sunday"}
_LABELS = {"body": "Text", "holidays": "Holidays", "urgent": "Urgent words", "owner_phone": "Your mobile number",
           "business_name": "Shop name", "number": "Number", "label": "Note", "value": "Value",
           "delay_seconds": "Wait before texting (seconds)", "dedup_hours": "Text a caller at most once every (hours)",
           "max_late_minutes": "Skip texts overdue by more than (minutes)", "followup_hours": "Follow up after (hours)",
           "box_number": "The box's own number", **_DAYS}
_OPTION_FIELD = re.compile(r"(key|label|reply)-(\d)")

bp = Blueprint("unsaved_forms", __name__)


@dataclass(frozen=True)
class UnsavedForm:
    """What a form sent, to send again: where to, and every field but the token (never a secret)."""

    path: str
    fields: tuple[tuple[str, str], ...]
    saveable: bool          # False when a secret (a password) had to be left out

    def typed(self) -> list[tuple[str, str]]:
        """(what the page calls the field, what was typed) for every field the owner filled in."""
        shown = []
        for name, value in self.fields:
            if name in _NOT_TYPED or not value.strip():
                continue
            option = _OPTION_FIELD.fullmatch(name)
            if option:
                label = f"Option {option.group(2)}: " + {"key": "number or letter", "label": "name",
                                                         "reply": "answer"}[option.group(1)]
            elif name.startswith("body_"):
                label = "Text"
            else:
                label = _LABELS.get(name, name.replace("_", " ").capitalize())
            shown.append((label, value))
        return shown


class KeptForms:
    """Forms waiting for their owner to log in again, by a random id (monotonic expiry, bounded)."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS, limit: int = LIMIT) -> None:
        self._keep, self._limit = keep_seconds, limit
        self._forms: OrderedDict[str, tuple[float, UnsavedForm]] = OrderedDict()
        self._lock = threading.Lock()

    def _forget_old(self, now: float) -> None:
        while self._forms and (now - next(iter(self._forms.values()))[0] > self._keep or len(self._forms) > self._limit):
            self._forms.popitem(last=False)

    def put(self, form: UnsavedForm) -> str:
        ident = secrets.token_urlsafe(16)
        with self._lock:
            now = time.monotonic()
            self._forms[ident] = (now, form)
            self._forget_old(now)
        return ident

    def peek(self, ident: object) -> UnsavedForm | None:
        with self._lock:
            self._forget_old(time.monotonic())
            found = self._forms.get(ident) if isinstance(ident, str) else None
        return found[1] if found else None

    def take(self, ident: object) -> UnsavedForm | None:
        with self._lock:
            self._forget_old(time.monotonic())
            found = self._forms.pop(ident, None) if isinstance(ident, str) else None
        return found[1] if found else None


def _kept() -> KeptForms:
    return current_app.extensions["textback.unsaved_forms"]


def _from_our_pages() -> bool:
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        return False
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def from_request() -> UnsavedForm | None:
    """The form this POST carried, when it came from our pages and the owner typed something in it."""
    if request.method != "POST" or not session or not _from_our_pages():
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
    kept = tuple((name, value) for name, value in fields if not _SECRET.search(name))
    form = UnsavedForm(request.path, kept, saveable=len(kept) == len(fields))
    return form if form.typed() else None


def page(form: UnsavedForm, reason: str, status: int):
    """The page that says the changes were not saved, shows them, and offers to save them now."""
    from web.page_address import page_url_for

    return render_template("unsaved.html", form=form, reason=reason, back=page_url_for(form.path)), status


def keep(form: UnsavedForm) -> None:
    """Keep the form for this browser until it has logged in again."""
    session[SESSION_KEY] = _kept().put(form)


def waiting_id(ident: object) -> bool:
    """Is the form kept under this id still waiting?"""
    return _kept().peek(ident) is not None


def waiting() -> bool:
    """For the login page: is a form from this browser waiting to be saved?"""
    return waiting_id(session.get(SESSION_KEY))


@bp.route("/unsaved")
def show():
    """The form kept while the owner logged in again: its text, and a button to save it now."""
    form = _kept().take(session.pop(SESSION_KEY, None))
    if form is None:
        return redirect(url_for("inbox.inbox"))
    return page(form, "You had been logged out when you saved this page.", 200)


def init_app(app: Flask) -> None:
    app.extensions["textback.unsaved_forms"] = KeptForms()
    app.register_blueprint(bp)
    app.jinja_env.globals["unsaved_form_waiting"] = waiting
