"""The settings the agent reasons with, as one plain value read from the database."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Settings", "SETTING_KEYS"]

# key in the settings table → (config.toml section, key)
SETTING_KEYS: dict[str, tuple[str, str]] = {
    "business_name": ("business", "name"),
    "timezone": ("business", "timezone"),
    "country": ("business", "country"),
    "delay_seconds": ("rules", "delay_seconds"),
    "dedup_hours": ("rules", "dedup_hours"),
    "max_late_minutes": ("rules", "max_late_minutes"),
    "followup_hours": ("rules", "followup_hours"),
    "owner_phone": ("owner", "phone"),
    "hours": ("hours", "*"),
    "hours_set": ("hours", "?"),
    "line_mode": ("line", "mode"),
    "ring_out_after_rings": ("line", "ring_out_after_rings"),
}


@dataclass(frozen=True)
class Settings:
    business_name: str = "Our shop"
    timezone: str = "Europe/London"
    country: str = "GB"
    delay_seconds: int = 15
    dedup_hours: int = 24
    max_late_minutes: int = 30
    followup_hours: int = 0
    owner_phone: str = ""
    hours: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hours_set: bool = False      # [hours] given (or saved in the web UI): all days [] = closed all week
    holidays: tuple[str, ...] = ()
    templates: dict[str, str] = field(default_factory=dict)
    line_mode: str = "own_sim"            # own_sim, twin_sim or forwarded ([line] mode)
    ring_out_after_rings: int = 0
