"""Conversation marks: the outcome words the schema enforces are the enum's; pins and outcomes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from agent.rules.menu import asks_for_callback, parse_menu_options
from agent.rules.templates import menu_line
from agent.rules.vocabulary import Outcome
from agent.store import Store
from agent.store.conversation_marks import OUTCOME_WORDS

WHEN = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
CUSTOMER = "+447911123456"


def test_the_frozen_outcome_words_are_the_enum():
    assert OUTCOME_WORDS == tuple(Outcome)


def test_the_schema_refuses_an_unknown_outcome_or_a_negative_value(tmp_path):
    store = Store.open(tmp_path / "t.db")
    conn = sqlite3.connect(store.path)
    try:
        for sql in ("INSERT INTO conversation_marks (number, outcome) VALUES ('+1', 'won')",
                    "INSERT INTO conversation_marks (number, outcome, outcome_value) VALUES ('+1', 'booked', -1)"):
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
                conn.execute(sql)
        with pytest.raises(ValueError, match="won"):
            store.set_outcome(CUSTOMER, "won", None, WHEN)
        with pytest.raises(ValueError, match="-5"):
            store.set_outcome(CUSTOMER, Outcome.BOOKED, -5.0, WHEN)
    finally:
        conn.close()
        store.close()


def test_a_pin_keeps_its_first_time_and_handled_unpins(tmp_path):
    store = Store.open(tmp_path / "t.db")
    try:
        with store.transaction() as tx:
            store.mark_reply(tx, message_id=1, number=CUSTOMER, now=WHEN, urgent=True)
            store.mark_reply(tx, message_id=2, number=CUSTOMER, now=WHEN + timedelta(minutes=5), urgent=True,
                             callback=True, menu_key="3", menu_label="Call me back")
        mark = store.conversation_mark(CUSTOMER)
        assert mark.urgent_since.startswith("2026-05-01T09:00")
        assert mark.callback_since.startswith("2026-05-01T09:05") and mark.pinned
        assert store.mark_handled(CUSTOMER, WHEN + timedelta(hours=1))
        assert not store.conversation_mark(CUSTOMER).pinned and not store.mark_handled(CUSTOMER, WHEN)
        assert store.conversation_tags(CUSTOMER) == ("Call me back",)
    finally:
        store.close()


def test_the_menu_line_and_callback_labels():
    options = parse_menu_options([
        {"key": "1", "label": "Book", "reply": "ok"}, {"key": "2", "label": "Please ring me", "reply": "ok"},
        {"key": "3", "label": "Callback", "reply": "ok"}, {"key": "4", "label": "Call us back", "reply": "ok"},
        {"key": "5", "label": "Back soon", "reply": "ok"}])
    assert menu_line(options) == "Reply 1 Book, 2 Please ring me, 3 Callback, 4 Call us back, 5 Back soon"
    assert [asks_for_callback(option) for option in options] == [False, True, True, True, False]
    assert menu_line(()) == ""
