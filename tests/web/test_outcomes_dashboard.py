"""The dashboard shows what the texts earned: conversations marked booked this month and their
value, replies by hour and weekday in the shop's time zone, and links to the variants page."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.conftest import NOW, add_call, add_inbound

CUSTOMER = "+447400123456"
OTHER = "+447400654321"


def _tile(page: str, words: str) -> str:
    match = re.search(r'<span class="n">([^<]*)</span>\s*' + re.escape(words), page)
    assert match, f"no tile {words!r}"
    return match.group(1)


def test_booked_and_value_this_month_and_replies_by_hour(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(hours=3))
    add_inbound(store, CUSTOMER, "Can I book for Friday?", NOW - timedelta(hours=2))     # 10:00 in London
    add_inbound(store, OTHER, "Hello", NOW - timedelta(hours=1, minutes=45))
    owner.post(f"/conversation/{CUSTOMER}/outcome", {"outcome": "booked", "value": "120.50"},
               token_from=f"/conversation/{CUSTOMER}")
    owner.post(f"/conversation/{OTHER}/outcome", {"outcome": "booked", "value": "80"},
               token_from=f"/conversation/{OTHER}")
    page = owner.client.get("/dashboard").get_data(as_text=True)
    assert _tile(page, "missed calls recovered") == "2"
    assert _tile(page, "value recovered") == "200.50"
    assert "10: 2 replies" in page and "Mon: 2 replies" in page        # 5 Jan 2026 is a Monday
    assert 'href="/variants"' in page and "Compare texts" in page

    owner.post(f"/conversation/{OTHER}/outcome", {"outcome": "lost"}, token_from=f"/conversation/{OTHER}")
    page = owner.client.get("/dashboard?days=30").get_data(as_text=True)
    assert _tile(page, "missed calls recovered") == "1" and _tile(page, "value recovered") == "120.50"


def test_an_empty_dashboard_says_so(owner):
    page = owner.client.get("/dashboard").get_data(as_text=True)
    assert _tile(page, "missed calls recovered") == "0" and _tile(page, "value recovered") == "0"
    assert "No replies in the last 7 days yet." in page
