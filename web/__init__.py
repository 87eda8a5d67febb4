"""TextBack's web UI: a Flask app over the same SQLite database the agent uses.

The web never talks to the modem. It reads what the agent recorded and writes settings,
templates, opt-outs and owner replies into the database; the agent picks them up on its next
call or queue turn, without a restart.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, redirect, render_template, request
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from agent.clock import Clock, SystemClock
from agent.config import Config
from agent.rules.numbers import pretty
from agent.rules.settings import Settings
from agent.store import Store

__all__ = ["create_app", "serve", "WebContext", "web_context", "shop_settings", "local_time", "PAGE_SIZE"]

PAGE_SIZE = 50
SECRET_KEY_SETTING = "web_secret_key"
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self';"
                           " form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass(frozen=True)
class WebContext:
    """What every view needs: the config it was started with, the store and the clock."""

    config: Config
    store: Store
    clock: Clock


def web_context() -> WebContext:
    return current_app.extensions["textback"]


def shop_settings() -> Settings:
    """The settings as the agent reads them, once per request."""
    if "shop_settings" not in g:
        g.shop_settings = web_context().store.load_settings()
    return g.shop_settings


def local_time(value: str | datetime | None, style: str = "datetime") -> str:
    """A stored UTC time in the shop's time zone: "3:42:07 PM", "Mon 5 Jan", "Today, 3:42 PM"."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    tz = ZoneInfo(shop_settings().timezone)
    local = moment.astimezone(tz)
    clock = f"{local.hour % 12 or 12}:{local.minute:02d}"
    suffix = "AM" if local.hour < 12 else "PM"
    if style == "seconds":
        return f"{clock}:{local.second:02d} {suffix}"
    if style == "time":
        return f"{clock} {suffix}"
    today = web_context().clock.now().astimezone(tz).date()
    if local.date() == today:
        day = "Today"
    elif local.date() == today - timedelta(days=1):
        day = "Yesterday"
    else:
        day = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if local.year != today.year else "")
    if style == "date":
        return day
    return f"{day}, {clock} {suffix}"


def _phone(number: str | None) -> str:
    return pretty(number, shop_settings().country) if number else "Withheld number"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _nl2br(text: str) -> Markup:
    return Markup("<br>").join(Markup.escape(text).split("\n"))


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if response.mimetype in ("text/html", "text/csv"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(error: HTTPException):
    """A plain page in the site's layout for 400, 403, 404, 405, 413 and 500."""
    code = getattr(error, "code", 500) or 500
    description = getattr(error, "description", "") or "Something went wrong."
    return render_template("error.html", code=code, description=description), code


class _SessionCookie(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page came over HTTPS (always, on a box with tls on)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def _to_https():
    """Plain HTTP on a port that also speaks TLS (web/tls_channel.py): go to https:// there.
    A temporary redirect, so turning [web] tls off later is not undone by a browser's memory."""
    if request.environ.get("textback.tls_available") and request.scheme == "http":
        target = "https://" + request.host + request.full_path.rstrip("?")
        return redirect(target, code=302 if request.method in ("GET", "HEAD") else 307)
    return None


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. test_config must carry "TEXTBACK_CONFIG" (an agent.config.Config); it may
    carry "TEXTBACK_CLOCK" (an agent.clock.Clock) and Flask keys such as TESTING."""
    settings = dict(test_config or {})
    config = settings.pop("TEXTBACK_CONFIG", None)
    if not isinstance(config, Config):
        raise TypeError('create_app needs {"TEXTBACK_CONFIG": Config}')
    clock = settings.pop("TEXTBACK_CLOCK", None) or SystemClock()
    store = Store.open(config.storage.database)
    store.seed_settings(config, clock.now())
    secret = store.setting_or_create(SECRET_KEY_SETTING, lambda: secrets.token_hex(32), clock.now())

    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="textback_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        MAX_CONTENT_LENGTH=64 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.config.update(settings)
    app.session_interface = _SessionCookie()
    app.extensions["textback"] = WebContext(config, store, clock)
    app.jinja_env.filters.update(local=local_time, phone=_phone, duration=_duration, nl2br=_nl2br)
    app.jinja_env.globals.update(shop_settings=shop_settings)
    app.after_request(_security_headers)

    from web import (account, auth, calls, csrf, export, first_run, hours_page, inbox, live, menu, optouts,
                     settings as settings_pages, status, unheard, wizard)
    from web import unsaved_forms
    from web import variants as variant_pages
    from web.host_check import allowed_names, check_host
    from web.input_check import refuse_nul
    from web.page_address import init_app as page_address_init

    names = allowed_names(config)
    app.before_request(lambda: check_host(config, names))     # first: a foreign Host gets 400, nothing else
    app.before_request(_to_https)
    app.before_request(refuse_nul)
    csrf.init_app(app)
    auth.init_app(app)
    page_address_init(app)
    unsaved_forms.init_app(app)
    for blueprint in (inbox.bp, calls.bp, settings_pages.bp, hours_page.bp, optouts.bp, status.bp, unheard.bp,
                      export.bp, first_run.bp, wizard.bp, live.bp, account.bp, menu.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(variant_pages.bp)
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, _error_page)
    return app


def serve(config: Config, host: str | None = None, port: int | None = None) -> None:
    """Serve the web UI with waitress until the process is stopped (`textback web`): the limits
    and HTTPS of web/server.py."""
    from web.server import make_server

    make_server(config, host=host, port=port).run()
