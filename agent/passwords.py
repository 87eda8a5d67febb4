"""The owner's web password: argon2id hashes kept in the settings table.

`textback passwd` calls set_password; the web UI calls verify_password at login and shows how to
set a password (and no data) while password_is_set is False.
"""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_LENGTH", "PASSWORD_KEY", "hash_password", "verify_password", "set_password",
           "password_is_set", "stored_hash"]

MIN_LENGTH = 8
PASSWORD_KEY = "web_password_hash"

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of password, with its own random salt, in PHC string form."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when password matches the hash; False for a wrong password or a damaged hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(store, password: str, now: datetime) -> None:
    """Hash and store the owner's password; ValueError naming the rule when it is too short."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValueError(f"the password must be at least {MIN_LENGTH} characters long")
    if password != password.strip():
        raise ValueError("the password must not start or end with a space")
    store.set_setting(PASSWORD_KEY, hash_password(password), now)


def stored_hash(store) -> str | None:
    """The stored hash, or None when no password has been set."""
    value = store.setting_value(PASSWORD_KEY)
    return value if isinstance(value, str) and value else None


def password_is_set(store) -> bool:
    """True once `textback passwd` has stored a password."""
    return stored_hash(store) is not None
