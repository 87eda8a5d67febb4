"""Outcomes and pins in the web UI, on messages that came through the agent's real inbound path:
the pinned callback and urgent conversations, "Handled", booked / lost / spam with a value, and
bad values refused with a message that names what is wrong."""

from __future__ import annotations

from datetime import timedelta

import re

import pytest

from tests.db_rows import rows as db_rows
from tests.web.conftest import NOW, add_call, add_inbound

CUSTOMER = "+447400123456"
OTHER = "+447400654321"
MENU = [{"key": "1", "label": "Book", "reply": "{business}: great! Which day suits you?"},
        {"key": "3", "label": "Call me back", "reply": "{business}: we'll call you back soon."}]


_LINKS = re.compile(r'href="/conversation/([^"#]+)"')


def listed(page: str) -> list[str]:
    """The conversations linked from the inbox, top to bottom."""
    return [number.replace("%2B", "+") for number in _LINKS.findall(page)]


@pytest.fixture
def menu(store):
    store.set_setting("menu_options", MENU, NOW)


def test_a_callback_request_is_pinned_above_newer_conversations_until_handled(owner, store, menu):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=30))
    add_inbound(store, CUSTOMER, "3", NOW - timedelta(minutes=20))
    add_inbound(store, OTHER, "Are you open Sunday?", NOW - timedelta(minutes=5))     # newer
    page = owner.client.get("/").get_data(as_text=True)
    assert "Waiting for you" in page and "Call back" in page
    assert listed(page) == [CUSTOMER, OTHER]                         # pinned first, and not listed twice

    conversation = owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)
    assert "They asked you to call back" in conversation and "chose 3 Call me back" in conversation
    response = owner.post(f"/conversation/{CUSTOMER}/handled", token_from=f"/conversation/{CUSTOMER}")
    assert response.status_code == 302
    assert store.pinned_conversations() == []
    page = owner.client.get("/").get_data(as_text=True)
    assert "Waiting for you" not in page and listed(page) == [OTHER, CUSTOMER]


def test_an_urgent_reply_is_pinned_first(owner, store, menu):
    add_inbound(store, OTHER, "3", NOW - timedelta(minutes=20))
    add_inbound(store, CUSTOMER, "EMERGENCY no hot water", NOW - timedelta(minutes=10))
    assert [p.number for p in store.pinned_conversations()] == [CUSTOMER, OTHER]
    page = owner.client.get("/").get_data(as_text=True)
    assert page.index("Urgent") < page.index("Call back")
    assert "<strong>Urgent</strong>" in owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)


def test_booked_with_a_value_is_stored_and_unpins(owner, store, menu):
    add_inbound(store, CUSTOMER, "call me back", NOW)
    response = owner.post(f"/conversation/{CUSTOMER}/outcome", {"outcome": "booked", "value": "120,50"},
                          token_from=f"/conversation/{CUSTOMER}")
    assert response.status_code == 302
    mark = store.conversation_mark(CUSTOMER)
    assert (mark.outcome, mark.outcome_value, mark.pinned) == ("booked", 120.5, False)
    page = owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)
    assert "Booked, 120.5" in page and store.exclusion(CUSTOMER) is None


def test_spam_puts_the_number_on_the_never_text_list(owner, store):
    add_inbound(store, CUSTOMER, "WIN A PRIZE", NOW)
    owner.post(f"/conversation/{CUSTOMER}/outcome", {"outcome": "spam", "value": ""},
               token_from=f"/conversation/{CUSTOMER}")
    assert store.conversation_mark(CUSTOMER).outcome == "spam"
    assert store.exclusion(CUSTOMER) is not None
    [row] = db_rows(store, "SELECT outcome_value FROM conversation_marks WHERE number = ?", (CUSTOMER,))
    assert row["outcome_value"] is None


def test_clearing_an_outcome(owner, store):
    add_inbound(store, CUSTOMER, "Thanks", NOW)
    owner.post(f"/conversation/{CUSTOMER}/outcome", {"outcome": "lost"}, token_from=f"/conversation/{CUSTOMER}")
    assert store.conversation_mark(CUSTOMER).outcome == "lost"
    owner.post(f"/conversation/{CUSTOMER}/outcome", {"outcome": "none"}, token_from=f"/conversation/{CUSTOMER}")
    assert store.conversation_mark(CUSTOMER).outcome is None


@pytest.mark.parametrize("form, says", [
    ({"outcome": "won", "value": ""}, "Choose Booked, Lost or Spam"),
    ({"value": "10"}, "Choose Booked, Lost or Spam"),
    ({"outcome": "booked", "value": "£120"}, "without a currency sign"),
    ({"outcome": "booked", "value": "1,200.50"}, "not a plain amount"),
    ({"outcome": "booked", "value": "-5"}, "not a plain amount"),
    ({"outcome": "booked", "value": "12.345"}, "at most two decimals"),
    ({"outcome": "booked", "value": "99999999"}, "more than 10,000,000"),
])
def test_a_bad_outcome_or_value_is_refused_naming_the_problem(owner, store, form, says):
    add_inbound(store, CUSTOMER, "Hello", NOW)
    response = owner.post(f"/conversation/{CUSTOMER}/outcome", form, token_from=f"/conversation/{CUSTOMER}")
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    assert store.conversation_mark(CUSTOMER).outcome is None


def test_outcome_and_handled_need_the_token(owner, store):
    add_inbound(store, CUSTOMER, "Hello", NOW)
    response = owner.client.post(f"/conversation/{CUSTOMER}/outcome", data={"outcome": "booked"})
    assert response.status_code in (400, 403)
    assert store.conversation_mark(CUSTOMER).outcome is None
