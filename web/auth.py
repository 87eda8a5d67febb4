"""One owner account: login (argon2, tries counted in SQLite), logout, and the gate in front of
every page.

Until a password is set, every page shows the setup-code form (web/first_run.py) and no data.
Sessions are server-side (web/owner_session.py): logout ends one for good, "log out all devices"
ends them all, and a new password ends every session opened with the old one.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, jsonify, redirect, render_template, request, session, url_for

from agent.passwords import stored_hash, verify_password
from web import owner_session, unsaved_forms, web_context
from web.page_address import page_url_for

__all__ = ["bp", "init_app", "safe_next", "MAX_FAILURES", "WINDOW_SECONDS", "wait_words"]

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0
_QUIET = frozenset({"live.summary", "live.next_call"})   # polls: they do not keep a session from going idle


def wait_words(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def safe_next(target: str | None) -> str:
    """Only a plain path on this site: starts with one "/", no scheme, no host, no backslash,
    no whitespace or control characters. Anything else goes to the inbox."""
    if (target and len(target) <= 2000 and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and all(c.isprintable() and not c.isspace() for c in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("inbox.inbox")


def _gate():
    """Before every request: no password → setup code; not logged in → login page."""
    from web import first_run

    if request.endpoint == "static":
        return None
    password_hash = stored_hash(web_context().store)
    if password_hash is None:
        if request.endpoint in first_run.ENDPOINTS:
            return None
        return first_run.code_page(status=503)
    if request.endpoint in first_run.ENDPOINTS:
        flash("A password is set: the setup code no longer works. Log in with the password.")
        return redirect(url_for("auth.login"))
    if request.endpoint == "auth.login":
        return None
    if owner_session.current(password_hash, touch=request.endpoint not in _QUIET) is None:
        if request.endpoint in _QUIET:
            return jsonify(error="logged out"), 401
        if request.method == "POST":        # typed while the login ran out: kept until logged in again
            form = unsaved_forms.from_request()
            if form is not None:
                unsaved_forms.keep(form)
            return redirect(url_for("auth.login", next=page_url_for(request.path) or None))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a right password starts a session, every try is counted first."""
    context = web_context()
    next_page = request.values.get("next", "")
    if request.method == "GET":
        return render_template("login.html", next_page=next_page, error=None)
    address = request.remote_addr or "unknown"
    wait = context.store.take_attempt("password", address, context.clock.now(), WINDOW_SECONDS, MAX_FAILURES)
    if wait > 0:
        error = (f"Too many wrong passwords. For safety, logging in is paused: try again in {wait_words(wait)}.")
        return render_template("login.html", next_page=next_page, error=error), 429
    password_hash = stored_hash(context.store) or ""
    if not verify_password(password_hash, request.form.get("password", "")):
        return render_template("login.html", next_page=next_page,
                               error="That password is not right. Check it and try again."), 401
    context.store.clear_attempts("password", address)
    waiting = session.get(unsaved_forms.SESSION_KEY)
    owner_session.start(password_hash)
    if waiting and unsaved_forms.waiting_id(waiting):
        session[unsaved_forms.SESSION_KEY] = waiting
        return redirect(url_for("unsaved_forms.show"))
    return redirect(safe_next(next_page))


@bp.route("/logout", methods=["POST"])
def logout():
    """End this browser's session (POST with the CSRF token, so no other site can log the owner out)."""
    owner_session.end()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


@bp.route("/logout/all", methods=["POST"])
def logout_all():
    """End every session: each phone and computer must log in again."""
    count = owner_session.end_all()
    flash(f"Logged out everywhere ({count} device{'s' if count != 1 else ''}). Log in again on this one.")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Install the gate and the login routes."""
    app.before_request(_gate)
    app.register_blueprint(bp)
    app.jinja_env.globals["logged_in"] = owner_session.logged_in
