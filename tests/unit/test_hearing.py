"""Outages: every deaf period on record, and the owner's one SMS when a long one ends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.clocks import FakeClock
from agent.config import parse_config
from agent.daemon.hearing import Hearing
from agent.store import Store


def box(tmp_path, minutes: int = 5):
    config = parse_config({"owner": {"phone": "+447911000001"}, "alerts": {"offline_minutes": minutes},
                           "business": {"timezone": "Europe/London"}})
    store = Store.open(tmp_path / "t.db")
    clock = FakeClock(current=datetime(2026, 1, 5, 10, 2, tzinfo=timezone.utc))
    store.seed_settings(config, clock.now())
    hearing = Hearing(config, store, clock)
    hearing.heard()
    return store, clock, hearing


def alerts(store: Store) -> list:
    return [m for m in store.messages_for("+447911000001") if m.kind == "owner_alert"]


def test_a_15_minute_outage_texts_the_owner_once(tmp_path):
    store, clock, hearing = box(tmp_path)
    hearing.deaf("modem not answering")
    clock.advance(5 * 60)
    hearing.deaf("modem unplugged")             # still the same outage
    clock.advance(10 * 60)
    hearing.heard()
    [alert] = alerts(store)
    assert alert.body == "TextBack could not hear calls from 10:02 to 10:17 (modem not answering)."
    [period] = store.downtimes_since(clock.now() - timedelta(days=30))
    assert period.ended_at is not None and period.alerted
    assert store.modem_state()["online"] is True


def test_a_short_outage_is_listed_but_not_texted(tmp_path):
    store, clock, hearing = box(tmp_path)
    hearing.deaf("modem restarted")
    clock.advance(60)
    hearing.heard()
    assert alerts(store) == []
    assert len(store.downtimes_since(clock.now() - timedelta(days=1))) == 1


def test_at_most_three_outage_texts_a_day(tmp_path):
    store, clock, hearing = box(tmp_path, minutes=1)
    for _ in range(5):
        hearing.deaf("modem not answering")
        clock.advance(120)
        hearing.heard()
        clock.advance(60)
    assert len(alerts(store)) == 3
    assert len(store.downtimes_since(clock.now() - timedelta(days=1))) == 5


def test_deaf_while_the_database_is_locked_is_written_later(tmp_path):
    store, clock, hearing = box(tmp_path)
    other = Store.open(tmp_path / "t.db")
    store.set_busy_timeout(0.05)
    other.conn.execute("BEGIN IMMEDIATE")
    hearing.deaf("modem not answering")
    assert store.open_downtime_period() is None
    other.conn.execute("COMMIT")
    hearing.tick()
    assert store.open_downtime_period().reason == "modem not answering"


def test_time_the_agent_was_not_running_is_an_outage(tmp_path):
    store, clock, hearing = box(tmp_path)
    hearing.tick()                                # heartbeat
    clock.advance(3600)
    again = Hearing(hearing.config, store, clock)
    again.at_start()
    period = store.open_downtime_period()
    assert period.reason == "TextBack was not running"
    assert period.started_at.startswith("2026-01-05T10:02")
