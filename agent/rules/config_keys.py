"""Every config.toml key: its default, its check and what it means. The one home of the defaults.

agent.config reads a file against this table and builds its dataclasses from it; the settings
record (agent.rules.settings) takes the defaults of the keys the owner edits in the web UI from it
too. Pure: a check takes a value and returns the clean value or raises ValueError("expected …").
"""

from __future__ import annotations

import re
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from agent.rules.hours import DAYS, parse_range
from agent.rules.keywords import parse_urgent_words
from agent.rules.menu import parse_menu_options

__all__ = ["SCHEMA", "Check", "default"]

Check = Callable[[Any], Any]

# ---- validators: each returns the clean value or raises ValueError("expected …") ----------

def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string in quotes")
    return value


def _nonempty(value: Any) -> str:
    value = _string(value).strip()
    if not value:
        raise ValueError("expected a non-empty string")
    return value


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return value
    return check


def _float_range(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"expected a number from {low} to {high}")
        return float(value)
    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError("expected one of " + ", ".join(f'"{o}"' for o in options))
        return value
    return check


def _pin(value: Any) -> str:
    value = _string(value)
    if value and not re.fullmatch(r"\d{4,8}", value):
        raise ValueError('expected "" (no PIN) or 4 to 8 digits in quotes')
    return value


def _timezone(value: Any) -> str:
    value = _nonempty(value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('expected an IANA time zone such as "Europe/London" or "America/New_York"')
    return value


def _country(value: Any) -> str:
    value = _nonempty(value).upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError('expected a two-letter ISO country code such as "GB" or "US"')
    return value


def _phone_or_empty(value: Any) -> str:
    """A phone number as written; whether it is valid depends on [business] country (agent.config)."""
    return _string(value).strip()


def _ranges(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError('expected a list such as ["09:00-17:00"] ([] = closed all day)')
    for item in value:
        parse_range(item)
    return tuple(item.strip() for item in value)


# ---- the schema: section → key → (default, validator, one-line description) ----------------

# Defaults are immutable (a list in config.toml is a tuple here), so they can be shared.
SCHEMA: dict[str, dict[str, tuple[Any, Check, str]]] = {
    "modem": {
        "port": ("/dev/textback-modem", _nonempty, "serial port of the modem's AT interface"),
        "baudrate": (115200, _int_range(1200, 4_000_000), "serial speed (USB modems ignore it)"),
        "pin": ("", _pin, "SIM PIN, only if the SIM asks for one"),
        "family": ("auto", _choice("auto", "sim800", "sim7600", "quectel", "huawei", "ublox", "wavecom", "cinterion",
                                   "generic"),
                   "modem family; auto asks the modem"),
        "flow_control": ("none", _choice("none", "rtscts"), "hardware flow control on the serial line"),
        "ring_timeout_margin": (3.0, _float_range(0.2, 30.0),
                                "seconds past the ring interval after which a silent modem's call is over"),
        "trace_at": (False, _bool, "log every AT line at DEBUG (field diagnosis)"),
    },
    "storage": {
        "database": ("textback.db", _nonempty, "SQLite file, relative to this config file's folder"),
        "backup_keep": (7, _int_range(0, 365), "nightly backups kept in <data folder>/backups (0 = none)"),
        "retention_days": (0, _int_range(0, 36500), "delete calls and texts older than this (0 = keep all; "
                           "opt-outs are always kept)"),
        "import_max_age_hours": (24, _int_range(1, 24 * 365), "an SMS found on the SIM older than this (by its "
                                 "service-centre time) is kept as history: never answered, relayed or acted on"),
    },
    "web": {
        "host": ("0.0.0.0", _nonempty, "address the web UI listens on"),
        "port": (8080, _int_range(1, 65535), "port of the web UI"),
        "tls": (True, _bool, "serve the web UI over HTTPS with the box's own certificate (false behind a proxy, "
                "or in tests)"),
        "cert": ("", _string, "certificate file (PEM); empty = <data folder>/tls/cert.pem, made at install"),
        "key": ("", _string, "private key file (PEM); empty = <data folder>/tls/key.pem, made at install"),
    },
    "business": {
        "name": ("Our shop", _nonempty, "name put in every text"),
        "timezone": ("Europe/London", _timezone, "IANA time zone of the shop"),
        "country": ("GB", _country, "ISO country of the shop, for national caller numbers"),
    },
    "rules": {
        "delay_seconds": (15, _int_range(0, 600), "wait after the call ends before texting"),
        "dedup_hours": (24, _int_range(0, 24 * 90), "text a caller at most once per this many hours (0 = off)"),
        "max_late_minutes": (30, _int_range(0, 24 * 60), "a text overdue by more than this at start-up is skipped as stale"),
        "followup_hours": (0, _int_range(0, 168), "one follow-up text this many hours after the first if the "
                           "caller has not replied (0 = off)"),
    },
    "hours": {day: ((), _ranges, f"opening hours on {day}") for day in DAYS},
    "owner": {
        "phone": ("", _phone_or_empty, "owner's mobile: never texted back, gets relayed replies"),
        "sms_pin": ("", _pin, "if set, owner commands by SMS must start with this PIN (e.g. \"4821 @07700 …\")"),
    },
    "alerts": {
        "offline_minutes": (5, _int_range(1, 1440), "text the owner when the box is back after it could not hear "
                            "calls for at least this many minutes (at most 3 such texts a day)"),
    },
    "line": {
        "mode": ("own_sim", _choice("own_sim", "twin_sim", "forwarded"),
                 "own_sim: callers ring the box's SIM; twin_sim: the box's SIM shares the shop's number with "
                 "the shop's phone; forwarded: the shop's line forwards unanswered calls to it"),
        "ring_out_after_rings": (0, _int_range(0, 30), "end a call the box sees ringing after this many rings, "
                                 "so the caller is texted at once instead of ringing on (0 = let it ring)"),
    },
    "menu": {
        "options": ((), parse_menu_options, "up to 5 reply options { key, label, reply }: a caller who answers "
                    "with the key or the label gets the reply"),
    },
    "urgent": {
        "words": (("URGENT", "EMERGENCY"), parse_urgent_words, "a reply with one of these words (whole word, any "
                  "case) is relayed to the owner at once ([] = off)"),
    },
}


def default(section: str, key: str) -> Any:
    """The default of one key: SCHEMA[section][key]'s first value."""
    return SCHEMA[section][key][0]


