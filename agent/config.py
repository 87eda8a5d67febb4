"""config.toml: read with tomllib, checked key by key, frozen into dataclasses.

Every key has a default, so an old file keeps working when keys are added. A key we do not
know is an error naming the closest known key: a typo must never silently change behaviour.
The keys, their defaults and their checks live in one table, agent.rules.config_keys.SCHEMA;
the dataclasses here take their fields' defaults from it.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from agent.errors import ConfigError
from agent.rules.config_keys import SCHEMA, default
from agent.rules.hours import DAYS, parse_range
from agent.rules.menu import MenuOption
from agent.rules.numbers import valid_number

__all__ = ["Config", "load_config", "parse_config", "SCHEMA", "DAYS", "parse_range"]

_Section = TypeVar("_Section")


def _section(name: str) -> Callable[[type[_Section]], type[_Section]]:
    """A frozen dataclass for one [section]: its fields are the annotated names, which must be the
    section's keys in SCHEMA's order, and each takes its default from SCHEMA."""
    def build(cls: type[_Section]) -> type[_Section]:
        fields_ = list(cls.__annotations__)
        if fields_ != list(SCHEMA[name]):
            raise TypeError(f"{cls.__name__} has fields {fields_}, SCHEMA[{name!r}] has keys {list(SCHEMA[name])}")
        for key in fields_:
            setattr(cls, key, default(name, key))
        return dataclass(frozen=True)(cls)
    return build


@_section("modem")
class ModemConfig:
    port: str
    baudrate: int
    pin: str
    family: str
    flow_control: str
    ring_timeout_margin: float
    trace_at: bool


@_section("storage")
class StorageConfig:
    database: str
    backup_keep: int
    retention_days: int
    import_max_age_hours: int


@_section("web")
class WebConfig:
    host: str
    port: int
    tls: bool
    cert: str
    key: str


@_section("business")
class BusinessConfig:
    name: str
    timezone: str
    country: str


@_section("rules")
class RulesConfig:
    delay_seconds: int
    dedup_hours: int
    max_late_minutes: int
    followup_hours: int


@_section("owner")
class OwnerConfig:
    phone: str
    sms_pin: str


@_section("alerts")
class AlertsConfig:
    offline_minutes: int


@_section("line")
class LineConfig:
    mode: str
    ring_out_after_rings: int


@_section("menu")
class MenuConfig:
    options: tuple[MenuOption, ...]


@_section("urgent")
class UrgentConfig:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    modem: ModemConfig = field(default_factory=ModemConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    web: WebConfig = field(default_factory=WebConfig)
    business: BusinessConfig = field(default_factory=BusinessConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    hours: dict[str, tuple[str, ...]] = field(default_factory=lambda: {day: default("hours", day) for day in DAYS})
    owner: OwnerConfig = field(default_factory=OwnerConfig)
    line: LineConfig = field(default_factory=LineConfig)
    hours_set: bool = False          # True when the file has an [hours] section (all [] = closed all week)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    menu: MenuConfig = field(default_factory=MenuConfig)
    urgent: UrgentConfig = field(default_factory=UrgentConfig)
    source: str = "<defaults>"


_SECTION_TYPES = {
    "modem": ModemConfig, "storage": StorageConfig, "web": WebConfig,
    "business": BusinessConfig, "rules": RulesConfig, "owner": OwnerConfig, "line": LineConfig,
    "alerts": AlertsConfig, "menu": MenuConfig, "urgent": UrgentConfig,
}


def _closest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f' (did you mean "{match[0]}"?)' if match else f" (known: {', '.join(known)})"


def _shown(value: Any) -> str:
    """ " = <value>" for an error message, left out when it is too long to read (a list of options)."""
    text = repr(value)
    return f" = {text}" if len(text) <= 80 else ""


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
        for key, (fallback, check, _doc) in keys.items():
            if key not in table:
                clean[key] = fallback
                continue
            try:
                clean[key] = check(table[key])
            except ValueError as e:
                raise ConfigError(f"{source}: [{section_name}] {key}{_shown(table[key])}: {e}") from None
        sections[section_name] = clean

    database = Path(sections["storage"]["database"])
    if not database.is_absolute() and base_dir is not None:
        sections["storage"]["database"] = str(base_dir / database)
    owner = sections["owner"]["phone"]
    if owner:
        country = sections["business"]["country"]
        number = valid_number(owner, country)
        if number is None:
            raise ConfigError(f"{source}: [owner] phone = {owner!r}: expected a valid phone number for {country} "
                              'or in +international form, or "" for none')
        sections["owner"]["phone"] = number

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
