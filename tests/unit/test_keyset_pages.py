"""Keyset paging: following each page's cursor lists every conversation and call exactly once, in
order, however the messages of different numbers interleave."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from agent.store import PageCursor, Store

START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_conversations_pages_cover_every_number_once_in_order(tmp_path):
    store = Store.open(tmp_path / "t.db")
    rng = random.Random(5)
    numbers = [f"+44791100{n:04d}" for n in range(37)]
    newest: dict[str, datetime] = {}
    with store.transaction() as tx:
        for step in range(400):
            number = rng.choice(numbers)
            at = START + timedelta(seconds=step // 2)          # pairs of messages share a timestamp
            store.add_inbound(tx, number=number, body=f"m{step}", kind="sms", status="received", sent_at=at,
                              encoding="GSM-7", part_ids=[], now=at)
            newest[number] = at
    seen: list[str] = []
    before = None
    pages = 0
    while True:
        page = store.conversations(limit=5, before=before)
        if not page:
            break
        pages += 1
        seen += [c.number for c in page]
        before = page[-1].cursor
    assert sorted(seen) == sorted(newest) and len(seen) == len(set(seen))
    assert [newest[n] for n in seen] == sorted((newest[n] for n in seen), reverse=True)
    assert pages == 8
    store.close()


def test_calls_pages_cover_every_call_once(tmp_path):
    store = Store.open(tmp_path / "t.db")
    ids = []
    for n in range(23):
        at = START + timedelta(seconds=n // 3)                 # ties on ended_at
        ids.append(store.record_call(number="+447911000001", raw_number="x", toa=145, started_at=at, ended_at=at,
                                     rings=1, end_signal="NO CARRIER", now=at))
    got, before = [], None
    while page := store.calls_page(limit=4, before=before):
        got += [c.id for c in page]
        before = PageCursor(page[-1].ended_at, page[-1].id)
    assert got == sorted(ids, reverse=True)
    store.close()


def test_a_cursor_from_a_link_is_checked():
    assert PageCursor.parse("2026-03-01T09:00:00.000000Z~17") == PageCursor("2026-03-01T09:00:00.000000Z", 17)
    for junk in (None, "", "junk", "2026~x", "~5", "x" * 60 + "~1"):
        assert PageCursor.parse(junk) is None
