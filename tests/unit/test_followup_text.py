"""The follow-up's placeholders are filled like every other text's: {next_open} when the shop
next opens, {owner_phone} as a person writes it, {call_time} with the call it follows up."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from agent.clock import utc_iso
from tests.clocks import FakeClock
from agent.daemon.followup import plan_followups
from agent.store import Store
from tests.conftest import make_config, wait_for

SATURDAY_15 = datetime(2026, 3, 7, 15, 0, tzinfo=timezone.utc)   # London on GMT; closed since 13:00
FOLLOWUP = ("{business}: about your call at {call_time}: we open {next_open}, or ring {owner_phone}. "
            "Reply STOP to opt out.")


def database_rows(path: str, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """What the database holds, read on a connection of the test's own."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path):
    config = make_config(tmp_path, rules={"followup_hours": 2},
                         hours={"mon": ["09:00-17:30"], "sat": ["09:00-13:00"], "tue": [], "wed": [], "thu": [],
                                "fri": [], "sun": []})
    store = Store.open(config.storage.database)
    store.seed_settings(config, SATURDAY_15)
    store.set_template("followup", FOLLOWUP, SATURDAY_15)
    yield store
    store.close()


def test_followup_values_are_filled(store):
    called = SATURDAY_15 - timedelta(hours=3, minutes=18)            # 11:42, while open
    call_id = store.record_call(number="+447911123456", raw_number="07911123456", toa=129, started_at=called,
                                ended_at=called, rings=2, end_signal="NO CARRIER", now=called)
    message_id = store.queue_text_for_call(call_id, number="+447911123456", body="sorry", kind="missed_open",
                                           due_at=called, now=called)
    store.claim(message_id, 1, 1, "GSM-7")
    store.mark_sent(message_id, called)

    assert plan_followups(store, FakeClock(SATURDAY_15)) == 1
    [followup] = database_rows(store.path, "SELECT body, due_at FROM messages WHERE kind = 'followup'")
    # due when the shop opens again (Monday 09:00), and {next_open} counted from then
    assert followup["due_at"] == utc_iso(datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))
    assert followup["body"] == ("Brightside Dental: about your call at 11:42 AM: we open today 09:00, or ring "
                                "07911 000001. Reply STOP to opt out.")


def test_followup_over_the_modem_has_next_open_and_the_owners_phone(start_agent):
    agent = start_agent("sim800", rules={"followup_hours": 1}, service_options={"followup_every": 0.2})
    agent.store.set_template("followup", FOLLOWUP, datetime.now(timezone.utc))
    agent.sim.call("+447911123456", rings=2)
    agent.wait_sent(1)
    [call] = agent.wait_calls(1)
    wait_for(lambda: database_rows(agent.store.path, "SELECT 1 FROM messages WHERE id = ? AND status = 'sent'",
                                   (call.message_id,)), what="first text sent")
    an_hour_ago = utc_iso(datetime.now(timezone.utc) - timedelta(hours=1, minutes=1))
    conn = sqlite3.connect(agent.store.path, timeout=10)         # as if the first text went out an hour ago
    try:
        with conn:
            conn.execute("UPDATE messages SET sent_at = ? WHERE id = ?", (an_hour_ago, call.message_id))
    finally:
        conn.close()
    [_, followup] = agent.wait_sent(2, timeout=10)
    assert followup.number == "+447911123456"
    # open all week in the test config, so the shop "opens" today, at the time the follow-up is due
    assert followup.text.startswith("Brightside Dental: about your call at ")
    assert ": we open today " in followup.text and ", or ring 07911 000001." in followup.text
