"""The settings the agent reasons with, as one plain value read from the database.

config.toml gives each setting its first value (SETTING_KEYS says which key); the defaults here are
SCHEMA's (agent.rules.config_keys), so a default is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.rules.config_keys import default
from agent.rules.hours import DAYS
from agent.rules.menu import MenuOption

__all__ = ["Settings", "SETTING_KEYS", "MenuOption"]

# key in the settings table → (config.toml section, key); "*" is every day of [hours], "?" whether
# the file has an [hours] section at all
SETTING_KEYS: dict[str, tuple[str, str]] = {
    "business_name": ("business", "name"),
    "timezone": ("business", "timezone"),
    "country": ("business", "country"),
    "delay_seconds": ("rules", "delay_seconds"),
    "dedup_hours": ("rules", "dedup_hours"),
    "max_late_minutes": ("rules", "max_late_minutes"),
    "followup_hours": ("rules", "followup_hours"),
    "owner_phone": ("owner", "phone"),
    "owner_sms_pin": ("owner", "sms_pin"),
    "hours": ("hours", "*"),
    "hours_set": ("hours", "?"),
    "line_mode": ("line", "mode"),
    "ring_out_after_rings": ("line", "ring_out_after_rings"),
    "menu_options": ("menu", "options"),
    "urgent_words": ("urgent", "words"),
}


def _first(key: str) -> Any:
    """The default of a setting: its config.toml key's default."""
    return default(*SETTING_KEYS[key])


@dataclass(frozen=True)
class Settings:
    business_name: str = _first("business_name")
    timezone: str = _first("timezone")
    country: str = _first("country")
    delay_seconds: int = _first("delay_seconds")
    dedup_hours: int = _first("dedup_hours")
    max_late_minutes: int = _first("max_late_minutes")
    followup_hours: int = _first("followup_hours")
    owner_phone: str = _first("owner_phone")
    owner_sms_pin: str = _first("owner_sms_pin")            # "" = owner commands need no PIN
    hours: dict[str, tuple[str, ...]] = field(default_factory=lambda: {day: default("hours", day) for day in DAYS})
    hours_set: bool = False      # [hours] given (or saved in the web UI): all days [] = closed all week
    holidays: tuple[str, ...] = ()
    templates: dict[str, str] = field(default_factory=dict)
    line_mode: str = _first("line_mode")                      # own_sim, twin_sim or forwarded
    ring_out_after_rings: int = _first("ring_out_after_rings")
    menu_options: tuple[MenuOption, ...] = _first("menu_options")
    urgent_words: tuple[str, ...] = _first("urgent_words")

    @property
    def has_hours(self) -> bool:
        """Opening hours are set: given in config.toml or the web UI (even all closed), or some day
        has a range. Without hours every caller gets the open-hours text."""
        return self.hours_set or any(self.hours.get(day) for day in DAYS)
