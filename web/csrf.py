"""CSRF protection: every POST carries the session's token in a hidden field, or gets 400.

The token lives in the signed session cookie (SameSite=Strict) and is compared in constant time.
Templates write it with {{ csrf_field() }}; logging in makes a fresh one.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session
from markupsafe import Markup

from web import unsaved_forms

__all__ = ["FIELD", "init_app", "token", "rotate", "csrf_field"]

FIELD = "csrf_token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def token() -> str:
    """The session's token, made on first use."""
    if not isinstance(session.get(FIELD), str):
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def rotate() -> str:
    """A new token (after login, so a token seen before login is worthless)."""
    session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def csrf_field() -> Markup:
    """The hidden input every form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token())


def _check():
    """Refuse a state-changing request whose token is missing or not this session's. A token that
    was this browser's before its last login answers with what was typed (web/unsaved_forms.py)."""
    if request.method not in _UNSAFE:
        return
    sent = request.form.get(FIELD, "")
    expected = session.get(FIELD)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        form = unsaved_forms.from_request() if sent and isinstance(expected, str) else None
        if form is not None:            # our own page, opened before the last login: keep what was typed
            return unsaved_forms.page(form, "The form on this page had expired: since it was opened, you "
                                            "were logged out or logged in again.", 400)
        abort(400, description="This form had expired or did not come from TextBack's own pages. "
                               "Nothing was saved. Go back, reload the page and try again.")
    return None


def init_app(app: Flask) -> None:
    """Check tokens before anything else runs, and give templates csrf_field()."""
    app.before_request(_check)
    app.jinja_env.globals["csrf_field"] = csrf_field
