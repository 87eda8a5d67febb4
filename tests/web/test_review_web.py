"""Review: the owner's inbox as the agent really fills it (relays, owner commands, carrier noise),
forms without login or token, escaping, empty and huge tables, and the shop's time zone."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from agent.clock import utc_iso
from agent.daemon.inbound import Inbound
from agent.sms.pdu import encode_deliver
from tests.web.conftest import NOW, Owner, add_call, add_inbound
from tests.db_rows import db_write, rows as db_rows

OWNER = "+447911000001"          # [owner] phone in tests.conftest.make_config
CUSTOMER = "+447400123456"
_LINKS = re.compile(r'href="(/conversation/[^"#]+)"')


def receive(store, clock, sender: str, text: str, *, seconds: int = 0) -> None:
    """An SMS arriving as the agent's inbound handler stores and acts on it."""
    for pdu in encode_deliver(sender, text, sent_at=clock.now() + timedelta(seconds=seconds)):
        assert Inbound(store, clock).receive_pdu(pdu)


def queued(store, number: str) -> list:
    return db_rows(store, "SELECT * FROM messages WHERE direction = 'out' AND number = ? AND status = 'queued'",
                       (number,))


# ---- forms without login or without the token ------------------------------------------------

def test_a_reply_post_with_a_token_but_no_login_queues_nothing(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    add_inbound(store, CUSTOMER, "Hello?", NOW)
    token = person.token("/login")                 # a real token, from a session that never logged in
    response = client.post(f"/conversation/{CUSTOMER}/reply", data={"body": "hi", "csrf_token": token})
    assert response.status_code in (302, 400, 403)
    assert response.status_code != 302 or response.location.startswith("/login")
    assert queued(store, CUSTOMER) == []
    response = client.post("/optouts", data={"number": CUSTOMER, "csrf_token": token})
    assert not store.is_opted_out(CUSTOMER)


def test_a_token_from_before_login_is_refused_after_login(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    add_inbound(store, CUSTOMER, "Hello?", NOW)
    old = person.token("/login")
    assert person.login().status_code == 302
    response = client.post(f"/conversation/{CUSTOMER}/reply", data={"body": "hi", "csrf_token": old})
    assert response.status_code == 400
    assert queued(store, CUSTOMER) == []


def test_removing_an_optout_needs_the_token(owner, store):
    store.add_optout(CUSTOMER, NOW, keyword="STOP")
    assert owner.client.post("/optouts/remove", data={"number": CUSTOMER}).status_code == 400
    assert owner.client.get(f"/optouts/remove?number=%2B{CUSTOMER[1:]}").status_code == 200
    assert store.is_opted_out(CUSTOMER)


# ---- opted-out numbers and the reply box ---------------------------------------------------------

def test_a_number_that_texted_stop_cannot_be_answered_from_the_web(owner, store, clock):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    receive(store, clock, CUSTOMER, "Stop.")
    assert store.is_opted_out(CUSTOMER)
    page = owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)
    assert "Opted out" in page and "disabled" in page
    before = len(queued(store, CUSTOMER))
    response = owner.post(f"/conversation/{CUSTOMER}/reply", {"body": "Sorry to see you go"},
                          token_from=f"/conversation/{CUSTOMER}")
    assert response.status_code == 400
    assert len(queued(store, CUSTOMER)) == before       # only the STOP confirmation, nothing of ours


def test_a_text_cancelled_by_stop_is_not_described_as_replaced_by_a_newer_call(owner, store, clock):
    """Missed-call text waiting out its delay, then STOP: the sender cancels it with the reason. The
    owner must read that reason, not "the caller rang again"."""
    call_id = add_call(store, CUSTOMER, NOW - timedelta(seconds=30), sent_after=None, status="queued")
    message_id = store.call(call_id).message_id
    store.cancel(message_id, "the number opted out (STOP) before this was sent")
    calls_page = owner.client.get("/calls").get_data(as_text=True)
    conversation = owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)
    assert "rang again" not in calls_page, "calls page blames a newer call"
    assert "replaced by the text for a newer call" not in conversation, "conversation blames a newer call"


# ---- the inbox as the agent fills it ------------------------------------------------------------

def test_the_owners_own_phone_is_not_an_inbox_conversation_with_unread_customer_texts(owner, store, clock):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    receive(store, clock, CUSTOMER, "Can I come at 3?")                       # relayed to the owner
    message_id = db_rows(store, "SELECT id FROM messages WHERE direction = 'in'")[0]["id"]
    receive(store, clock, OWNER, f"R {message_id} Yes, 3 is fine", seconds=1)  # the owner answers by SMS
    assert queued(store, CUSTOMER)[-1]["body"] == "Yes, 3 is fine"
    page = owner.client.get("/").get_data(as_text=True)
    assert "/conversation/" + CUSTOMER in page
    assert "/conversation/" + OWNER not in page, "the owner's own phone is listed as a customer"


def test_every_conversation_in_the_inbox_opens(owner, store, clock):
    """Carrier noise (an alphanumeric sender, a short code) is stored; if the inbox lists it, its link works."""
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    receive(store, clock, CUSTOMER, "Thanks!")
    receive(store, clock, "Vodafone", "Your balance is 2.50 GBP", seconds=1)
    receive(store, clock, "40506", "Reply YES for offers", seconds=2)
    assert db_rows(store, "SELECT COUNT(*) AS n FROM messages WHERE kind = 'carrier'")[0]["n"] == 2
    page = owner.client.get("/").get_data(as_text=True)
    links = sorted(set(_LINKS.findall(page)))
    assert links
    broken = [link for link in links if owner.client.get(link).status_code != 200]
    assert broken == [], f"inbox links that 404: {broken}"


def test_a_script_in_a_body_or_a_sender_name_is_shown_as_text(owner, store, clock):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    receive(store, clock, CUSTOMER, '<img src=x onerror=alert(1)> "quoted" & </textarea><script>x</script>')
    receive(store, clock, "<b>Sale</b>", "<script>alert(2)</script>", seconds=1)
    for path in ("/", f"/conversation/{CUSTOMER}", "/export/messages.csv"):
        page = owner.client.get(path).get_data(as_text=True)
        if path.endswith(".csv"):
            continue
        assert "<img src=x" not in page and "<script>" not in page and "<b>Sale" not in page, path
    assert "&lt;img src=x" in owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)


# ---- empty and huge ------------------------------------------------------------------------------

PAGES = ["/", "/calls", "/calls?show=skipped", "/dashboard", "/dashboard?days=30", "/optouts", "/status",
         "/templates", "/hours", "/rules", "/export", "/export/calls.csv", "/export/messages.csv"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_works_with_no_rows(owner, path):
    response = owner.client.get(path)
    assert response.status_code == 200, path
    response.close()


def _fill(store, calls: int, numbers: int) -> None:
    base = NOW - timedelta(days=20)
    call_rows, message_rows = [], []
    for n in range(calls):
        number = f"+4474{n % numbers:08d}"
        at = utc_iso(base + timedelta(seconds=n * 15))
        call_rows.append((at, at, number, number, 145, 2, "NO CARRIER", "texted", at))
        message_rows.append(("out", number, "Sorry we missed your call", "missed_open", "sent", at, at, at, 1))
        if n % 3 == 0:
            message_rows.append(("in", number, f"Reply {n}", "sms", "received", at, at, None, 1))
    with db_write(store) as conn:
        conn.executemany("INSERT INTO calls (started_at, ended_at, number, raw_number, toa, rings, end_signal,"
                         " outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", call_rows)
        conn.executemany("INSERT INTO messages (direction, number, body, kind, status, created_at, sent_at,"
                         " due_at, parts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", message_rows)


def test_inbox_calls_and_dashboard_stay_fast_with_100k_rows(owner, store):
    numbers = 100_000
    _fill(store, 100_000, numbers)
    for path in ("/", "/?page=2", "/?page=1999", "/calls", "/calls?page=1999", "/calls?show=texted",
                 f"/calls?number=%2B4474{7 % numbers:08d}", "/dashboard",
                 f"/conversation/%2B4474{7 % numbers:08d}"):
        started = time.perf_counter()
        response = owner.client.get(path)
        took = time.perf_counter() - started
        assert response.status_code == 200, path
        assert took < 1.5, f"{path} took {took:.2f} s"
    assert owner.client.get("/dashboard?days=30").status_code == 200
    page = owner.client.get("/").get_data(as_text=True)
    assert len(_LINKS.findall(page)) == 50


# ---- times in the shop's time zone -----------------------------------------------------------------

def test_conversation_and_inbox_show_times_in_the_shops_zone_in_summer(owner, store, clock):
    clock.current = datetime(2026, 7, 6, 20, 0, tzinfo=timezone.utc)           # London on BST (UTC+1)
    owner.login()                                   # six months on: the old session has expired
    add_call(store, CUSTOMER, datetime(2026, 7, 6, 12, 0, tzinfo=timezone.utc))
    add_inbound(store, CUSTOMER, "Hi", datetime(2026, 7, 6, 12, 30, tzinfo=timezone.utc))
    conversation = owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)
    assert "Today, 1:00 PM" in conversation and "Today, 1:30 PM" in conversation
    assert "Today, 1:30 PM" in owner.client.get("/").get_data(as_text=True)


def test_times_follow_a_changed_time_zone(owner, store, clock):
    store.set_setting("timezone", "America/New_York", NOW)
    add_call(store, CUSTOMER, NOW - timedelta(hours=1), sent_after=7.0)      # 11:00 UTC = 6:00 AM in NY
    calls = owner.client.get("/calls").get_data(as_text=True)
    assert "Today, 6:00 AM" in calls and "Texted at 6:00:07 AM" in calls


def test_a_text_just_after_midnight_local_counts_on_that_local_day(owner, store, clock):
    store.set_setting("timezone", "America/New_York", NOW)
    clock.current = datetime(2026, 1, 6, 12, 0, tzinfo=timezone.utc)
    # 04:30 UTC on 6 Jan is 11:30 PM on 5 Jan in New York
    add_call(store, CUSTOMER, datetime(2026, 1, 6, 4, 30, tzinfo=timezone.utc))
    calls = owner.client.get("/calls").get_data(as_text=True)
    assert "Yesterday, 11:30 PM" in calls
