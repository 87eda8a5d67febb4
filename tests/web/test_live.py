"""The live endpoints the pages poll: small, logged-in only, and not keeping a session awake."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import NOW, add_call, add_inbound


def test_summary_needs_a_login(client, owner):
    owner.post("/logout")
    response = client.get("/live/summary")
    assert response.status_code == 401 and response.get_json() == {"error": "logged out"}


def test_summary_counts_unread_replies_but_not_the_owner_or_carrier(owner, store):
    first = owner.client.get("/live/summary").get_json()
    assert first == {"last_call": 0, "last_message": 0, "unread": 0, "in_flight": 0}
    call_id = add_call(store, "+447400123456", NOW - timedelta(minutes=3), sent_after=None, status="queued")
    add_inbound(store, "+447400123456", "Hi, are you open Saturday?", NOW - timedelta(minutes=1))
    add_inbound(store, "+447911000001", "R 1 yes", NOW)                     # the owner's own phone
    now = owner.client.get("/live/summary").get_json()
    assert now["last_call"] == call_id and now["unread"] == 1 and now["in_flight"] >= 1   # the text, the relay…
    assert owner.client.get("/live/summary").headers["Cache-Control"] == "no-store"
    owner.client.get("/conversation/+447400123456")                          # read: the count goes
    assert owner.client.get("/live/summary").get_json()["unread"] == 0


def test_next_call_gives_the_call_its_text_and_the_time_between(owner, store):
    add_call(store, "+447400123456", NOW - timedelta(minutes=9))
    later = add_call(store, "+447400654321", NOW - timedelta(minutes=2), sent_after=2.4)
    view = owner.client.get(f"/live/next-call?after={later - 1}").get_json()
    assert view["call"]["number"] == "07400 654321" and view["call"]["id"] == later
    assert view["text"]["status"] == "sent" and view["seconds"] == 2.4
    assert owner.client.get(f"/live/next-call?after={later}").get_json() == {"call": None}
    skipped = add_call(store, None, NOW, skip="withheld")
    assert owner.client.get(f"/live/next-call?after={later}").get_json()["skipped"] == "withheld number"
    assert skipped > later


def test_polling_does_not_keep_a_session_from_going_idle(owner, store, clock):
    [session] = store.web_sessions()
    clock.advance(120)
    owner.client.get("/live/summary")
    assert store.web_sessions()[0].last_seen_at == session.last_seen_at
    owner.client.get("/calls")
    assert store.web_sessions()[0].last_seen_at != session.last_seen_at


def test_logged_in_pages_load_the_live_script_and_the_login_page_does_not(owner, client):
    assert 'src="/static/live.js"' in owner.client.get("/").get_data(as_text=True)
    owner.post("/logout")
    assert "live.js" not in client.get("/login").get_data(as_text=True)
