"""The owner's logged-in browsers, kept server-side (agent/store/sessions.py).

The signed cookie holds a random token; the database holds its SHA-256 with when it began, when
it was last used and which password it was opened with. A session is good while its row exists,
it is under MAX_AGE old, it was used within IDLE, and the password has not changed since. So:
logging out deletes the row (the same cookie replayed later gets the login page), "log out all
devices" deletes every row, and a new password ends every session opened with the old one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import g, request, session

from agent.clock import parse_utc
from agent.store.sessions import WebSession
from web import csrf, web_context

__all__ = ["MAX_AGE", "IDLE", "start", "current", "end", "end_all", "password_fingerprint", "token_hash",
           "logged_in"]

MAX_AGE = timedelta(days=30)
IDLE = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)
TOKEN_KEY = "sid"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def _device() -> str:
    agent = request.headers.get("User-Agent", "")
    return "".join(c for c in agent if c.isprintable())[:200]


def start(password_hash: str) -> None:
    """A new session for this browser (after the right password or the setup code's password)."""
    context = web_context()
    now = context.clock.now()
    context.store.end_expired_sessions(now - MAX_AGE, now - IDLE)
    token = secrets.token_urlsafe(32)
    session.clear()
    session.permanent = True
    session[TOKEN_KEY] = token
    context.store.create_session(token_hash(token), password_fingerprint(password_hash), now,
                                 request.remote_addr or "", _device())
    csrf.rotate()


def current(password_hash: str, touch: bool = True) -> WebSession | None:
    """This browser's session if it is still good; None (and the cookie's token dropped) if not."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None
    context = web_context()
    found = context.store.web_session(token_hash(token))
    now = context.clock.now()
    good = (found is not None and secrets.compare_digest(found.password_fingerprint, password_fingerprint(password_hash))
            and now - parse_utc(found.created_at) < MAX_AGE and now - parse_utc(found.last_seen_at) < IDLE)
    if not good:
        if found is not None:
            context.store.end_session_by_id(found.id)
        session.pop(TOKEN_KEY, None)
        return None
    if touch and now - parse_utc(found.last_seen_at) >= TOUCH_EVERY:
        context.store.touch_session(found.id, now)
    g.owner_session = found
    return found


def logged_in() -> bool:
    """For templates: is this request from a logged-in owner?"""
    return g.get("owner_session") is not None


def end() -> None:
    """Log this browser out: its row goes, so its cookie is worthless from now on."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str) and token:
        web_context().store.end_session(token_hash(token))
    session.clear()
    g.pop("owner_session", None)


def end_all() -> int:
    """Log out every browser, this one included; how many sessions ended."""
    count = web_context().store.end_all_sessions()
    session.clear()
    g.pop("owner_session", None)
    return count
