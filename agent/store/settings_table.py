"""Settings and templates. config.toml gives the first values; the web UI edits them here.

When the installer later changes a key in config.toml, that new value wins once (we remember the
value the file last gave in `config_value`); otherwise what the owner set in the web UI stays.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from agent.clock import utc_iso
from agent.config import Config
from agent.rules.settings import SETTING_KEYS, MenuOption, Settings

__all__ = ["SettingsQueries"]

log = logging.getLogger(__name__)


def _encode(value: Any) -> str:
    """A setting as JSON: tuples as lists, a MenuOption as {"key", "label", "reply"}."""
    def plain(item: Any) -> Any:
        if is_dataclass(item) and not isinstance(item, type):
            return asdict(item)
        raise TypeError(f"a setting cannot hold {item!r}")
    return json.dumps(value, sort_keys=True, default=plain)


def _decoded(values: dict[str, Any]) -> dict[str, Any]:
    """Stored values of Settings' fields, as Settings holds them (tuples, MenuOptions)."""
    known = {k: v for k, v in values.items() if k in Settings.__dataclass_fields__}
    if "hours" in known:
        known["hours"] = {day: tuple(r) for day, r in known["hours"].items()}
    for key in ("holidays", "urgent_words"):
        if key in known:
            known[key] = tuple(known[key])
    if "menu_options" in known:
        known["menu_options"] = tuple(MenuOption(**option) for option in known["menu_options"])
    return known


def _config_values(config: Config) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, (section, name) in SETTING_KEYS.items():
        if section == "hours" and name == "?":
            values[key] = config.hours_set
        elif section == "hours":
            values[key] = {day: list(ranges) for day, ranges in config.hours.items()}
        else:
            values[key] = getattr(getattr(config, section), name)
    return values


class SettingsQueries:
    """Mixed into Store."""

    def seed_settings(self, config: Config, now: datetime) -> None:
        with self._write() as conn:
            for key, value in _config_values(config).items():
                encoded = _encode(value)
                row = conn.execute("SELECT config_value FROM settings WHERE key = ?", (key,)).fetchone()
                if row is None:
                    conn.execute("INSERT INTO settings (key, value, config_value, updated_at) VALUES (?, ?, ?, ?)",
                                 (key, encoded, encoded, utc_iso(now)))
                elif row["config_value"] != encoded:
                    log.info("config.toml changed %s; using the file's new value", key)
                    conn.execute("UPDATE settings SET value = ?, config_value = ?, updated_at = ? WHERE key = ?",
                                 (encoded, encoded, utc_iso(now), key))

    def set_setting(self, key: str, value: Any, now: datetime) -> None:
        """Store one setting (a Settings field name). Tuples and MenuOptions are stored as JSON."""
        with self._write() as conn:
            conn.execute("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
                         " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                         (key, _encode(value), utc_iso(now)))

    def setting_values(self) -> dict[str, Any]:
        return {row["key"]: json.loads(row["value"]) for row in self._rows("SELECT key, value FROM settings")}

    def templates(self) -> dict[str, str]:
        """Every template: the owner's text where set, the default otherwise."""
        from agent.rules.templates import DEFAULT_TEMPLATES

        merged = dict(DEFAULT_TEMPLATES)
        merged.update({row["name"]: row["body"] for row in self._rows("SELECT name, body FROM templates")})
        return merged

    def set_template(self, name: str, body: str, now: datetime) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO templates (name, body, updated_at) VALUES (?, ?, ?)"
                         " ON CONFLICT(name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                         (name, body, utc_iso(now)))

    def load_settings(self) -> Settings:
        return Settings(templates=self.templates(), **_decoded(self.setting_values()))
