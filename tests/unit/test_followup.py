"""The follow-up nudge against a real store and a fake clock: once, not after a reply or STOP,
moved into opening hours; and the scheduled nightly backup and retention."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.clock import utc_iso
from tests.clocks import FakeClock
from agent.daemon.followup import followup_still_wanted, plan_followups
from agent.daemon.maintenance import backup, nightly
from agent.store import Store
from tests.conftest import make_config
from tests.db_rows import db_write, rows as db_rows

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)     # London: GMT, shop open 09:00-17:30
SATURDAY_15 = datetime(2026, 3, 7, 15, 0, tzinfo=timezone.utc)   # closed at 13:00 on Saturdays


@pytest.fixture
def store(tmp_path):
    config = make_config(tmp_path, rules={"followup_hours": 2},
                         hours={"mon": ["09:00-17:30"], "sat": ["09:00-13:00"], "tue": [], "wed": [], "thu": [],
                                "fri": [], "sun": []})
    store = Store.open(config.storage.database)
    store.seed_settings(config, MONDAY_10)
    yield store
    store.close()


def texted_call(store: Store, number: str, sent_at: datetime) -> int:
    call_id = store.record_call(number=number, raw_number=number, toa=145, started_at=sent_at, ended_at=sent_at,
                                rings=2, end_signal="NO CARRIER", now=sent_at)
    message_id = store.queue_text_for_call(call_id, number=number, body="sorry", kind="missed_open",
                                           due_at=sent_at, now=sent_at)
    store.claim(message_id, 1, 1, "GSM-7")
    store.mark_sent(message_id, sent_at)
    return call_id


def followups(store: Store) -> list:
    return db_rows(store, "SELECT * FROM messages WHERE kind = 'followup'")


def test_one_followup_after_the_window_and_never_two(store):
    texted_call(store, "+447911123456", MONDAY_10)
    clock = FakeClock(MONDAY_10 + timedelta(hours=1))
    assert plan_followups(store, clock) == 0
    clock.advance(3600)
    assert plan_followups(store, clock) == 1
    clock.advance(3600)
    assert plan_followups(store, clock) == 0
    [followup] = followups(store)
    assert followup["due_at"] == utc_iso(MONDAY_10 + timedelta(hours=2))
    assert "Brightside Dental" in followup["body"]


def test_no_followup_after_a_reply(store):
    call_id = texted_call(store, "+447911123456", MONDAY_10)
    with db_write(store) as conn:
        conn.execute("INSERT INTO messages (direction, number, body, kind, status, created_at)"
                     " VALUES ('in', '+447911123456', 'thanks!', 'sms', 'received', ?)",
                     (utc_iso(MONDAY_10 + timedelta(minutes=5)),))
    assert plan_followups(store, FakeClock(MONDAY_10 + timedelta(hours=3))) == 0
    assert not followup_still_wanted(store, call_id, "+447911123456")


def test_no_followup_after_stop(store):
    texted_call(store, "+447911123456", MONDAY_10)
    store.add_optout("+447911123456", MONDAY_10 + timedelta(minutes=1), "STOP")
    assert plan_followups(store, FakeClock(MONDAY_10 + timedelta(hours=3))) == 0


def test_followup_falling_in_closed_hours_waits_for_the_next_opening(store):
    texted_call(store, "+447911123456", SATURDAY_15 - timedelta(hours=3))
    plan_followups(store, FakeClock(SATURDAY_15))
    [followup] = followups(store)
    assert followup["due_at"] == utc_iso(datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))   # Monday 09:00


def test_off_by_default(tmp_path):
    store = Store.open(tmp_path / "db.sqlite")
    store.seed_settings(make_config(tmp_path), MONDAY_10)
    texted_call(store, "+447911123456", MONDAY_10)
    assert plan_followups(store, FakeClock(MONDAY_10 + timedelta(days=3))) == 0


def test_backup_keeps_the_newest_and_is_a_real_database(store, tmp_path):
    texted_call(store, "+447911123456", MONDAY_10)
    folder = tmp_path / "backups"
    for day in range(9):
        backup(store, folder, keep=7, now=MONDAY_10 + timedelta(days=day))
    kept = sorted(folder.glob("textback-*.db"))
    assert len(kept) == 7 and kept[-1].name == "textback-20260310-1000.db"
    copy = Store.open(kept[-1])
    assert [c.number for c in copy.calls()] == ["+447911123456"]


def test_retention_keeps_opt_outs_and_recent_rows(store, tmp_path):
    texted_call(store, "+447911000111", MONDAY_10 - timedelta(days=400))
    texted_call(store, "+447911123456", MONDAY_10)
    store.add_optout("+447911000111", MONDAY_10 - timedelta(days=400), "STOP")
    nightly(store, str(tmp_path / "textback.db"), keep=1, retention_days=365, now=MONDAY_10)
    assert [c.number for c in store.calls()] == ["+447911123456"]
    assert [row.number for row in store.optouts()] == ["+447911000111"]
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1
