"""The vocabularies are enforced by the schema, and a database made by the previous version
(schema 3, copied from a run of that version) migrates with every row kept."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agent.rules.policy import SKIP_REASONS
from agent.rules.vocabulary import CallOutcome, InKind, InStatus, OutKind, OutStatus, Relay, SkipReason
from agent.store import Store
from agent.store.checks import VOCABULARY_5
from agent.store.schema import LATEST_VOCABULARY as VOCABULARY, MIGRATIONS, SCHEMA_VERSION
from tests.db_rows import rows as db_rows

FIXTURE = Path(__file__).parents[1] / "fixtures" / "made-by-version-3.db"
WHEN = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def test_the_frozen_word_lists_are_the_enums():
    assert VOCABULARY["out_kind"] == tuple(OutKind)
    assert VOCABULARY["in_kind"] == tuple(InKind)
    assert VOCABULARY["out_status"] == tuple(OutStatus)
    assert VOCABULARY["in_status"] == tuple(InStatus)
    assert VOCABULARY["call_outcome"] == tuple(CallOutcome)
    assert VOCABULARY["skip_reason"] == tuple(SkipReason)
    assert VOCABULARY["relay"] == tuple(Relay)


def test_every_skip_reason_has_the_owners_words():
    assert set(SKIP_REASONS) == set(SkipReason)


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "t.db")
    yield store
    store.close()


@pytest.mark.parametrize("sql, params", [
    ("INSERT INTO messages (direction, number, body, kind, status, created_at) VALUES ('out', '+447911123456', 'x',"
     " 'missed_opne', 'queued', '2026-01-01')", ()),
    ("INSERT INTO messages (direction, number, body, kind, status, created_at) VALUES ('out', '+447911123456', 'x',"
     " 'missed_open', 'received', '2026-01-01')", ()),           # an inbound status on an outgoing text
    ("INSERT INTO messages (direction, number, body, kind, status, created_at) VALUES ('in', '+447911123456', 'x',"
     " 'missed_open', 'received', '2026-01-01')", ()),           # an outgoing kind on a received one
    ("INSERT INTO calls (number, started_at, ended_at, end_signal, outcome, skip_reason, created_at)"
     " VALUES ('+447911123456', 'a', 'b', 'NO CARRIER', 'skipped', 'because', 'c')", ()),
    ("INSERT INTO calls (number, started_at, ended_at, end_signal, outcome, created_at)"
     " VALUES ('+447911123456', 'a', 'b', 'NO CARRIER', 'done', 'c')", ()),
])
def test_the_schema_refuses_a_word_it_does_not_know(store, sql, params):
    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute(sql, params)
    finally:
        conn.close()


def test_the_store_refuses_an_unknown_kind_before_sqlite_does(store):
    with pytest.raises(ValueError, match="missed_opne"):
        store.queue_text(number="+447911123456", body="x", kind="missed_opne", due_at=WHEN, now=WHEN)


def _table_sql(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {name: sql for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
    finally:
        conn.close()


def test_a_database_made_by_version_3_migrates_and_keeps_every_row(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    old = sqlite3.connect(path)
    old.row_factory = sqlite3.Row
    assert old.execute("PRAGMA user_version").fetchone()[0] == 3
    tables = ("calls", "messages", "inbound_parts", "optouts", "delivery_reports")
    columns = {table: ", ".join(row["name"] for row in old.execute(f"PRAGMA table_info({table})")) for table in tables}
    before = {table: [tuple(row) for row in old.execute(f"SELECT {columns[table]} FROM {table} ORDER BY rowid")]
              for table in tables}
    words = {(row["direction"], row["kind"], row["status"]) for row in old.execute("SELECT * FROM messages")}
    old.close()
    assert len(before["calls"]) > 100 and len(before["messages"]) > 200 and len(words) >= 5

    store = Store.open(path)
    try:
        assert db_rows(store, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
        for table, old_rows in before.items():
            now_rows = [tuple(row) for row in db_rows(store, f"SELECT {columns[table]} FROM {table} ORDER BY rowid")]
            assert now_rows == old_rows, table
        assert not db_rows(store, "PRAGMA foreign_key_check")
        assert db_rows(store, "PRAGMA integrity_check")[0][0] == "ok"
        # the typed store reads the old rows, and the indexes came back
        assert store.calls(limit=5) and store.messages_for(store.calls(limit=1)[0].number or "")
        indexes = {row["name"] for row in db_rows(store, "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"messages_due", "messages_by_number", "messages_by_time", "messages_by_reply_to", "messages_by_kind",
                "calls_by_time", "calls_by_number", "messages_unread"} <= indexes
    finally:
        store.close()
    assert "CHECK (outcome IN" in _table_sql(path)["calls"]


def test_every_word_the_previous_version_could_write_survives_the_migration(tmp_path):
    """Not only what one run wrote: each kind, status, relay and skip reason version 3's code had."""
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, (_name, sql) in enumerate(MIGRATIONS[:3]):
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version + 1};\nCOMMIT;")
    call_id = 0
    for reason in VOCABULARY_5["skip_reason"]:
        call_id += 1
        conn.execute("INSERT INTO calls (id, number, started_at, ended_at, end_signal, outcome, skip_reason,"
                     " created_at) VALUES (?, '+447911123456', 'a', 'b', 'NO CARRIER', 'skipped', ?, 'c')",
                     (call_id, reason))
    for kind in VOCABULARY_5["out_kind"]:
        for status in VOCABULARY_5["out_status"]:
            conn.execute("INSERT INTO messages (direction, number, body, kind, status, created_at)"
                         " VALUES ('out', '+447911123456', 'x', ?, ?, 'c')", (kind, status))
    for kind in VOCABULARY_5["in_kind"]:
        for status in VOCABULARY_5["in_status"]:
            for relay in (None, *VOCABULARY_5["relay"]):
                conn.execute("INSERT INTO messages (direction, number, body, kind, status, created_at, relay)"
                             " VALUES ('in', '+447911123456', 'x', ?, ?, 'c', ?)", (kind, status, relay))
    count = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    conn.close()
    store = Store.open(path)
    try:
        assert db_rows(store, "SELECT COUNT(*) FROM messages")[0][0] == count
        assert len(store.calls(limit=100)) == call_id
    finally:
        store.close()


def test_a_word_from_another_version_stops_the_migration_with_its_name_and_changes_nothing(tmp_path):
    path = tmp_path / "other.db"
    shutil.copy(FIXTURE, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE messages SET kind = 'menu_reply' WHERE id = (SELECT MIN(id) FROM messages"
                 " WHERE direction = 'out')")
    conn.commit()
    conn.close()
    before = _table_sql(path)
    with pytest.raises(RuntimeError, match=re.escape("messages.kind = 'menu_reply'")):
        Store.open(path)
    after = _table_sql(path)
    assert {name: after[name] for name in before} == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4      # the sessions migration ran; this one not
    conn.close()
