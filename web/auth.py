"""One owner account: login (argon2, rate-limited), logout, and the gate in front of every page.

Until `textback passwd` has set a password, every page explains how to set one and shows no
data. A session remembers a fingerprint of the password hash, so setting a new password logs
out every browser that was logged in with the old one.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from typing import Callable

from flask import (Blueprint, Flask, current_app, flash, redirect, render_template, request, session,
                   url_for)

from agent.passwords import stored_hash, verify_password
from web import csrf, web_context

__all__ = ["bp", "init_app", "LoginLimiter", "MAX_FAILURES", "WINDOW_SECONDS"]

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0
_OPEN_ENDPOINTS = frozenset({"static", "auth.login"})


class LoginLimiter:
    """At most MAX_FAILURES wrong passwords per client address in WINDOW_SECONDS."""

    def __init__(self, monotonic: Callable[[], float], max_failures: int = MAX_FAILURES,
                 window: float = WINDOW_SECONDS, max_addresses: int = 10_000):
        self.monotonic = monotonic
        self.max_failures = max_failures
        self.window = window
        self.max_addresses = max_addresses
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self.failures.get(address, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def wait_seconds(self, address: str) -> float:
        """0 when the address may try; otherwise how long until it may."""
        with self.lock:
            now = self.monotonic()
            times = self._recent(address, now)
            if len(times) < self.max_failures:
                return 0.0
            return self.window - (now - times[0])

    def failed(self, address: str) -> None:
        with self.lock:
            now = self.monotonic()
            if len(self.failures) >= self.max_addresses and address not in self.failures:
                for other in [a for a, t in self.failures.items() if not self._recent(a, now)]:
                    del self.failures[other]
            times = self._recent(address, now)
            times.append(now)
            self.failures[address] = times

    def succeeded(self, address: str) -> None:
        with self.lock:
            self.failures.pop(address, None)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never //elsewhere or http://elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.inbox")


def _gate():
    """Before every request: no password → setup page; not logged in → login page."""
    if request.endpoint == "static":
        return None
    password_hash = stored_hash(web_context().store)
    if password_hash is None:
        return render_template("setup.html", config_path=web_context().config.source), 503
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    if session.get("owner") != _fingerprint(password_hash):
        session.pop("owner", None)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a right password starts a 30-day session, wrong ones are counted."""
    limiter: LoginLimiter = current_app.extensions["textback_login_limiter"]
    address = request.remote_addr or "unknown"
    next_page = request.values.get("next", "")
    if request.method == "GET":
        return render_template("login.html", next_page=next_page, error=None)
    wait = limiter.wait_seconds(address)
    if wait > 0:
        minutes = max(1, math.ceil(wait / 60))
        error = (f"Too many wrong passwords. For safety, logging in is paused: try again in "
                 f"{minutes} minute{'s' if minutes != 1 else ''}.")
        return render_template("login.html", next_page=next_page, error=error), 429
    password_hash = stored_hash(web_context().store) or ""
    if not verify_password(password_hash, request.form.get("password", "")):
        limiter.failed(address)
        return render_template("login.html", next_page=next_page,
                               error="That password is not right. Check it and try again."), 401
    limiter.succeeded(address)
    session.clear()
    session.permanent = True
    session["owner"] = _fingerprint(password_hash)
    csrf.rotate()
    return redirect(_safe_next(next_page))


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session (POST with the CSRF token, so no other site can log the owner out)."""
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Install the gate and the login routes."""
    app.extensions["textback_login_limiter"] = LoginLimiter(app.extensions["textback"].clock.monotonic)
    app.before_request(_gate)
    app.register_blueprint(bp)
