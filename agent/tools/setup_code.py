"""The first-run setup code: what the owner types on the phone before choosing a password.

A code is six characters in two groups, e.g. 7KQ-4MX, from an alphabet with no look-alikes
(no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V): 23 characters, about 148 million codes. It works once (the
password chosen with it uses it up), only while no password is set, and the web counts its tries.
`textback setup-code --reset` clears a forgotten password and makes a new code.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime

from agent.passwords import PASSWORD_KEY, password_is_set

__all__ = ["ALPHABET", "new_code", "normalise", "current_code", "ensure_code", "reset_password", "same_code",
           "log_code"]

log = logging.getLogger(__name__)

ALPHABET = "34679ACDEFGHJKMNPQRTWXY"  # no 0 O 1 I L 5 S 2 Z 8 B U V: nothing to mistake when read aloud
_GROUP = 3


def new_code() -> str:
    """A fresh random code, e.g. "7KQ-4MX" (from the secrets module)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(2 * _GROUP))
    return f"{chars[:_GROUP]}-{chars[_GROUP:]}"


def normalise(typed: str) -> str:
    """What the owner typed → the stored form: upper case; spaces, dashes of every kind (a phone
    keyboard's en dash too) and dots ignored."""
    chars = re.sub(r"[\s\-_.\u2010-\u2015\u2212]", "", typed or "").upper()
    return f"{chars[:_GROUP]}-{chars[_GROUP:]}" if len(chars) == 2 * _GROUP else chars


def same_code(typed: str, code: str) -> bool:
    """Compare in constant time, after normalising what was typed."""
    return hmac.compare_digest(normalise(typed).encode(), code.encode())


def current_code(store) -> str | None:
    """The code that works now: None once a password is set or the code was used."""
    if password_is_set(store):
        return None
    code = store.setup_code()
    return code.code if code and code.used_at is None else None


def ensure_code(store, now: datetime) -> str | None:
    """The working code, made now if there is none and no password is set (None once a password is)."""
    if password_is_set(store):
        return None
    code = current_code(store)
    if code is None:
        code = new_code()
        store.replace_setup_code(code, now)
    return code


def reset_password(store, now: datetime) -> str:
    """Forgotten password: clear it, end every logged-in browser, and make a new code."""
    store.set_setting(PASSWORD_KEY, "", now)
    store.end_all_sessions()
    code = new_code()
    store.replace_setup_code(code, now)
    return code


def log_code(store, now: datetime, address: str) -> None:
    """At start-up, while no password is set: put the code in the journal, where the installer finds it."""
    code = ensure_code(store, now)
    if code:
        log.warning("no web password is set yet: open %s on a phone and enter the setup code %s "
                    "(again any time: textback setup-code)", address, code)
