"""config.toml: read with tomllib, checked key by key, frozen into dataclasses.

Every key has a default, so an old file keeps working when keys are added. A key we do not
know is an error naming the closest known key: a typo must never silently change behaviour.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from agent.errors import ConfigError

__all__ = ["Config", "load_config", "parse_config", "SCHEMA", "DAYS", "parse_range"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


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
    value = _string(value).strip()
    if value and not re.fullmatch(r"[+\d][\d \-().]{4,24}", value):
        raise ValueError('expected a phone number such as "+447700900123", or "" for none')
    return value


def parse_range(text: str) -> tuple[int, int]:
    """'08:00-17:30' → (480, 1050) minutes; '22:00-02:00' crosses midnight; '00:00-24:00' all day."""
    match = _RANGE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f'expected "HH:MM-HH:MM" time ranges, got "{text}"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f'"{text}" is not a time of day (00:00 to 24:00)')
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f'"{text}" is empty: start and end are the same')
    return start, end


def _ranges(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError('expected a list such as ["09:00-17:00"] ([] = closed all day)')
    for item in value:
        parse_range(item)
    return tuple(item.strip() for item in value)


# ---- the schema: section → key → (default, validator, one-line description) ----------------

SCHEMA: dict[str, dict[str, tuple[Any, Callable[[Any], Any], str]]] = {
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
    "hours": {day: ([], _ranges, f"opening hours on {day}") for day in DAYS},
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
}


@dataclass(frozen=True)
class ModemConfig:
    port: str = "/dev/textback-modem"
    baudrate: int = 115200
    pin: str = ""
    family: str = "auto"
    flow_control: str = "none"
    ring_timeout_margin: float = 3.0
    trace_at: bool = False


@dataclass(frozen=True)
class StorageConfig:
    database: str = "textback.db"
    backup_keep: int = 7
    retention_days: int = 0
    import_max_age_hours: int = 24


@dataclass(frozen=True)
class WebConfig:
    host: str = "0.0.0.0"
    port: int = 8080
    tls: bool = True
    cert: str = ""
    key: str = ""


@dataclass(frozen=True)
class BusinessConfig:
    name: str = "Our shop"
    timezone: str = "Europe/London"
    country: str = "GB"


@dataclass(frozen=True)
class RulesConfig:
    delay_seconds: int = 15
    dedup_hours: int = 24
    max_late_minutes: int = 30
    followup_hours: int = 0


@dataclass(frozen=True)
class OwnerConfig:
    phone: str = ""
    sms_pin: str = ""


@dataclass(frozen=True)
class AlertsConfig:
    offline_minutes: int = 5


@dataclass(frozen=True)
class LineConfig:
    mode: str = "own_sim"
    ring_out_after_rings: int = 0


@dataclass(frozen=True)
class Config:
    modem: ModemConfig = field(default_factory=ModemConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    web: WebConfig = field(default_factory=WebConfig)
    business: BusinessConfig = field(default_factory=BusinessConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    hours: dict[str, tuple[str, ...]] = field(default_factory=lambda: {d: () for d in DAYS})
    owner: OwnerConfig = field(default_factory=OwnerConfig)
    line: LineConfig = field(default_factory=LineConfig)
    hours_set: bool = False          # True when the file has an [hours] section (all [] = closed all week)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    source: str = "<defaults>"


_SECTION_TYPES = {
    "modem": ModemConfig, "storage": StorageConfig, "web": WebConfig,
    "business": BusinessConfig, "rules": RulesConfig, "owner": OwnerConfig, "line": LineConfig,
    "alerts": AlertsConfig,
}


def _closest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f' (did you mean "{match[0]}"?)' if match else f" (known: {', '.join(known)})"


def parse_config(data: dict[str, Any], source: str = "config.toml", base_dir: Path | None = None) -> Config:
    """Check a parsed TOML table against SCHEMA; raise ConfigError naming file, key and value."""
    sections: dict[str, dict[str, Any]] = {}
    for section_name, table in data.items():
        if section_name not in SCHEMA:
            raise ConfigError(f"{source}: unknown section [{section_name}]{_closest(section_name, list(SCHEMA))}")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {section_name} must be a section written [{section_name}]")
        for key in table:
            if key not in SCHEMA[section_name]:
                raise ConfigError(f"{source}: unknown key [{section_name}] {key}"
                                  f"{_closest(key, list(SCHEMA[section_name]))}")
    for section_name, keys in SCHEMA.items():
        table = data.get(section_name, {})
        clean: dict[str, Any] = {}
        for key, (default, check, _doc) in keys.items():
            if key not in table:
                clean[key] = tuple(default) if isinstance(default, list) else default
                continue
            try:
                clean[key] = check(table[key])
            except ValueError as e:
                raise ConfigError(f"{source}: [{section_name}] {key} = {table[key]!r}: {e}") from None
        sections[section_name] = clean

    database = Path(sections["storage"]["database"])
    if not database.is_absolute() and base_dir is not None:
        sections["storage"]["database"] = str(base_dir / database)
    owner = sections["owner"]["phone"]
    if owner:
        try:
            parsed = phonenumbers.parse(owner, sections["business"]["country"])
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(1, "invalid")
        except phonenumbers.NumberParseException:
            raise ConfigError(f"{source}: [owner] phone = {owner!r}: expected a valid phone number for "
                              f"{sections['business']['country']} or in +international form") from None
        sections["owner"]["phone"] = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    built = {name: kind(**sections[name]) for name, kind in _SECTION_TYPES.items()}
    return Config(hours=dict(sections["hours"]), hours_set="hours" in data, source=source, **built)


def load_config(path: str | Path) -> Config:
    """Read and check a config file. Every problem becomes a ConfigError a person can act on."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (copy config.toml from the TextBack folder and edit it)") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: is not valid TOML: {e}") from None
    return parse_config(data, source=str(path), base_dir=path.resolve().parent)
