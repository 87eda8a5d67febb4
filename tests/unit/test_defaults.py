"""Defaults are written once, in SCHEMA: the config dataclasses, a parsed empty file, the settings
record and a fresh database all agree with it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agent.config import Config, _SECTION_TYPES, _section, parse_config
from agent.rules.config_keys import SCHEMA, default
from agent.rules.settings import SETTING_KEYS, Settings
from agent.store import Store


def _every_key():
    return [(section, key) for section, keys in SCHEMA.items() for key in keys]


@pytest.mark.parametrize("section, key", _every_key())
def test_every_config_default_is_schemas(section, key):
    expected = default(section, key)
    if section == "hours":
        assert Config().hours[key] == expected == parse_config({}).hours[key]
        return
    assert getattr(getattr(Config(), section), key) == expected
    assert getattr(getattr(parse_config({}), section), key) == expected


def test_each_section_dataclass_has_exactly_schemas_keys():
    assert set(_SECTION_TYPES) | {"hours"} == set(SCHEMA)
    for section, kind in _SECTION_TYPES.items():
        assert [f.name for f in fields(kind)] == list(SCHEMA[section])


def test_a_section_dataclass_that_disagrees_with_schema_is_refused():
    with pytest.raises(TypeError, match=r"SCHEMA\['line'\] has keys"):
        @_section("line")
        class Wrong:
            mode: str


@pytest.mark.parametrize("setting", sorted(SETTING_KEYS))
def test_every_settings_default_is_schemas(setting):
    section, key = SETTING_KEYS[setting]
    value = getattr(Settings(), setting)
    if (section, key) == ("hours", "*"):
        assert value == {day: default("hours", day) for day in SCHEMA["hours"]}
    elif (section, key) == ("hours", "?"):
        assert value is False and parse_config({}).hours_set is False     # no [hours] section
    else:
        assert value == default(section, key), f"Settings.{setting} differs from [{section}] {key}"


def test_every_setting_key_names_a_config_key():
    for setting, (section, key) in SETTING_KEYS.items():
        assert key in SCHEMA[section] or (section, key) in {("hours", "*"), ("hours", "?")}, setting


def test_defaults_are_immutable():
    for section, key in _every_key():
        value = default(section, key)
        assert not isinstance(value, (list, dict, set)), f"[{section}] {key}"


def test_a_fresh_database_reads_back_the_defaults(tmp_path):
    config = parse_config({"storage": {"database": str(tmp_path / "textback.db")}})
    store = Store.open(config.storage.database)
    try:
        store.seed_settings(config, datetime(2026, 3, 2, tzinfo=timezone.utc))
        settings = store.load_settings()
    finally:
        store.close()

    fresh = Settings()
    differing = [f.name for f in fields(Settings)
                 if f.name != "templates" and getattr(settings, f.name) != getattr(fresh, f.name)]
    assert differing == []


def test_a_default_changed_in_schema_shows_everywhere():
    """Change one default in SCHEMA before anything else reads it: every record shows the change."""
    script = """
import json
from agent.rules.config_keys import SCHEMA
for section, key, value in (("rules", "delay_seconds", 42), ("line", "mode", "forwarded"),
                            ("urgent", "words", ("SOS",))):
    _, check, doc = SCHEMA[section][key]
    SCHEMA[section][key] = (value, check, doc)
from agent.config import Config, parse_config
from agent.rules.settings import Settings
print(json.dumps([Config().rules.delay_seconds, parse_config({}).rules.delay_seconds, Settings().delay_seconds,
                  Config().line.mode, Settings().line_mode, list(Settings().urgent_words)]))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert json.loads(result.stdout) == [42, 42, 42, "forwarded", "forwarded", ["SOS"]]
