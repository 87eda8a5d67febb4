"""First run: the setup code, then the owner's password. Open only while no password is set.

The code (agent/tools/setup_code.py) is printed by install.sh, by `textback setup-code` and in
the journal. Tries are counted in SQLite before the code is compared: 5 per address and 30 in all
per 5 minutes. A right code lets this browser choose the password; choosing it uses the code up
(one request can, in one UPDATE), logs this browser in and opens the set-up wizard.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from agent.passwords import MIN_LENGTH, set_password
from agent.tools.setup_code import ensure_code, same_code
from web import owner_session, web_context
from web.auth import wait_words
from web.account import certificate_facts

__all__ = ["bp", "ENDPOINTS", "code_page", "CODE_TRIES", "CODE_TRIES_ALL", "CODE_WINDOW"]

bp = Blueprint("first_run", __name__)

ENDPOINTS = frozenset({"first_run.setup", "first_run.password"})
CODE_TRIES = 5
CODE_TRIES_ALL = 30
CODE_WINDOW = 300.0
_ACCEPTED = "setup_code_accepted"


def code_page(error: str | None = None, typed: str = "", status: int = 200):
    """The setup-code form, shown in place of every page until a password is set."""
    context = web_context()
    ensure_code(context.store, context.clock.now())
    return render_template("setup.html", error=error, typed=typed, config_path=context.config.source,
                           certificate=certificate_facts(context.config)), status


def _accepted_code():
    """The code this browser entered rightly, if it is still the box's unused code."""
    code = web_context().store.setup_code()
    if code is None or code.used_at is not None or session.get(_ACCEPTED) != code.created_at:
        return None
    return code


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Step 0: the setup code (counted, compared in constant time)."""
    if request.method == "GET":
        return code_page()
    context = web_context()
    typed = request.form.get("code", "").strip()[:40]
    now = context.clock.now()
    wait = context.store.take_attempt("setup_code", request.remote_addr or "unknown", now, CODE_WINDOW,
                                      CODE_TRIES, CODE_TRIES_ALL)
    if wait > 0:
        return code_page(f"Too many wrong codes. For safety, try again in {wait_words(wait)}.", typed, 429)
    ensure_code(context.store, now)
    code = context.store.setup_code()
    if not typed:
        return code_page("Type the setup code shown when TextBack was installed.", typed, 400)
    if code is None or code.used_at is not None or not same_code(typed, code.code):
        return code_page("That setup code is not right. Check it and try again: it looks like 7KQ-4MX. "
                         "On the box, `sudo textback setup-code` shows it.", typed, 401)
    session[_ACCEPTED] = code.created_at
    return redirect(url_for("first_run.password"))


def _password_error(password: str, again: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A short sentence is easy to remember."
    if password != password.strip():
        return "The password must not start or end with a space."
    if password != again:
        return "The two passwords are not the same. Type them again."
    return None


@bp.route("/setup/password", methods=["GET", "POST"])
def password():
    """Step 1: the owner's password; saving it uses up the setup code and logs this browser in."""
    code = _accepted_code()
    if code is None:
        return redirect(url_for("first_run.setup"))
    if request.method == "GET":
        return render_template("setup_password.html", error=None)
    typed, again = request.form.get("password", ""), request.form.get("password_again", "")
    error = _password_error(typed, again)
    if error:
        return render_template("setup_password.html", error=error), 400
    context = web_context()
    now = context.clock.now()
    if not context.store.use_setup_code(code.code, code.created_at, now):
        session.pop(_ACCEPTED, None)
        return code_page("That setup code was just used from another browser. Enter the new code "
                         "(`sudo textback setup-code`).", status=409)
    set_password(context.store, typed, now)
    from agent.passwords import stored_hash

    owner_session.start(stored_hash(context.store) or "")
    return redirect(url_for("wizard.step", name="secure"))
