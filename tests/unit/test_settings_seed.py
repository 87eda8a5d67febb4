"""Settings seeded from config.toml into the settings table, edited there, and read back."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agent.rules.settings import SETTING_KEYS
from agent.store import Store
from tests.conftest import make_config

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def open_store(tmp_path):
    stores: list[Store] = []

    def open_(config):
        store = Store.open(config.storage.database)
        stores.append(store)
        store.seed_settings(config, NOW)
        return store
    yield open_
    for store in stores:
        store.close()


def test_the_line_is_seeded_from_config(tmp_path, open_store):
    store = open_store(make_config(tmp_path, line={"mode": "twin_sim", "ring_out_after_rings": 3}))
    settings = store.load_settings()
    assert (settings.line_mode, settings.ring_out_after_rings) == ("twin_sim", 3)
    assert store.setting_values()["line_mode"] == "twin_sim"


def test_the_line_as_the_web_sets_it(tmp_path, open_store):
    store = open_store(make_config(tmp_path))
    assert store.load_settings().line_mode == "own_sim"
    store.set_setting("line_mode", "forwarded", NOW)
    store.set_setting("ring_out_after_rings", 4, NOW)
    settings = store.load_settings()
    assert (settings.line_mode, settings.ring_out_after_rings) == ("forwarded", 4)


def test_what_the_web_set_stays_until_the_file_changes(tmp_path, open_store):
    config = make_config(tmp_path)
    store = open_store(config)
    store.set_setting("line_mode", "forwarded", NOW)
    store.seed_settings(config, NOW)                       # a restart with the same file
    assert store.load_settings().line_mode == "forwarded"
    store.seed_settings(make_config(tmp_path, line={"mode": "twin_sim"}), NOW)
    assert store.load_settings().line_mode == "twin_sim"   # the file's new value wins once


def test_every_setting_key_is_a_settings_field():
    from agent.rules.settings import Settings

    assert set(SETTING_KEYS) <= set(Settings.__dataclass_fields__)
