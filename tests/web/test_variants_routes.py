"""The /variants page through the Flask test client: adding, checking, removing and keeping variants
(CSRF on every POST), and the figures and verdict read from texts and replies written through the
store and the real inbound path."""

from __future__ import annotations

import html
from datetime import timedelta

from agent.store import Store
from tests.db_rows import rows
from tests.web.conftest import NOW, Owner, add_inbound

B_TEXT = "{business}: sorry we missed you! Text back and we'll sort it today. Reply STOP to opt out."


def _page(owner) -> str:
    response = owner.client.get("/variants")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _save(owner, letter: str, body: str, template: str = "missed_open", action: str = "save"):
    return owner.post("/variants", {"template": template, "letter": letter, "body": body, "action": action},
                      token_from="/variants")


def _texts(store: Store, letter: str, count: int, replies: int, start: int) -> None:
    """`count` missed calls texted with variant `letter`, the first `replies` of them answered."""
    for n in range(count):
        number = f"+4477009{start + n:05d}"
        at = NOW + timedelta(minutes=1 + n)
        call_id = store.record_call(number=number, raw_number=number, toa=145, started_at=at - timedelta(seconds=9),
                                    ended_at=at, rings=2, end_signal="NO CARRIER", now=at)
        message_id = store.queue_text_for_call(call_id, number=number, body="hi", kind="missed_open", due_at=at,
                                               now=at, variant=letter)
        store.mark_sent(message_id, at + timedelta(seconds=4))
        if n < replies:
            add_inbound(store, number, "Can you call me back?", at + timedelta(hours=1))


def test_the_page_needs_a_login(client, store, clock):
    Owner(client, store, clock).set_password()
    response = client.get("/variants")
    assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_with_one_version_there_is_no_test(owner):
    page = _page(owner)
    assert "Only one version so far" in page and "Keep this one" not in page
    assert page.count("· your current text") == 2            # A of the open and of the closed text


def test_adding_b_starts_a_test(owner, store):
    response = _save(owner, "B", B_TEXT)
    assert response.status_code == 302 and response.location.endswith("/variants#missed_open")
    assert [(f.letter, f.body) for f in store.variant_figures("missed_open")] == [
        ("A", store.templates()["missed_open"]), ("B", B_TEXT)]
    assert store.variant_figures("missed_closed") == []
    page = _page(owner)
    assert "Saved B of “Missed call while open”. Missed callers now get A and B in turn." in page
    assert page.count("Keep this one") == 2 and "Remove B" in page and "Add C" in page
    assert "Not enough to tell yet" in page


def test_a_variant_is_checked_like_a_template(owner, store):
    response = _save(owner, "B", "{busines}: hello")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "unknown placeholder '{busines}' (did you mean '{business}'?)" in page
    assert "{busines}: hello" in page                       # what was typed stays in the box
    assert store.variant_figures("missed_open") == []
    assert _save(owner, "C", "   ").status_code == 400
    assert rows(store, "SELECT * FROM template_variants") == []


def test_every_post_needs_the_csrf_token(owner, store):
    response = owner.client.post("/variants", data={"template": "missed_open", "letter": "B", "body": B_TEXT})
    assert response.status_code == 400
    assert rows(store, "SELECT * FROM template_variants") == []


def test_bad_form_values_are_named(owner):
    assert "not “followup”" in html.unescape(_save(owner, "B", B_TEXT, template="followup").get_data(as_text=True))
    assert "not “D”" in html.unescape(_save(owner, "D", B_TEXT).get_data(as_text=True))
    response = _save(owner, "B", B_TEXT, action="delete")
    assert response.status_code == 400 and "Unknown action “delete”" in html.unescape(response.get_data(as_text=True))
    assert _save(owner, "C", "", action="remove").status_code == 404
    assert _save(owner, "A", "", action="remove").status_code == 400


def test_figures_and_verdict_come_from_the_database(owner, store):
    _save(owner, "B", B_TEXT)
    # A: 3 replies of 30 (10 %); B: 15 of 30 (50 %). Pooled 0.3, z = 0.4 / sqrt(0.3·0.7·2/30) = 3.38, p < 0.01
    _texts(store, "A", 30, 3, start=0)
    _texts(store, "B", 30, 15, start=100)
    add_inbound(store, "+447700900101", "STOP", NOW + timedelta(hours=2))     # one of B's answered callers
    page = _page(owner)
    assert "B's reply rate is higher than A's, and that is unlikely to be chance (p < 0.01)." in page
    assert "3 · 10%" in page and "15 · 50%" in page
    assert "1 · 3%" in page                                 # B's opt-out rate: 1 of 30


def test_keep_this_one_makes_it_the_template(owner, store):
    _save(owner, "B", B_TEXT)
    _save(owner, "C", "{business}: C text. Reply STOP to opt out.")
    response = _save(owner, "B", "edited but not saved", action="keep")
    assert response.status_code == 302
    assert store.templates()["missed_open"] == B_TEXT       # the text that was tested, not the unsaved edit
    assert rows(store, "SELECT * FROM template_variants") == []
    page = _page(owner)
    assert "Kept B: it is now your “Missed call while open” text, and the others are removed." in page
    assert "Keep this one" not in page
    assert _save(owner, "B", B_TEXT, action="keep").status_code == 404


def test_remove_b_ends_a_two_way_test(owner, store):
    _save(owner, "B", B_TEXT, template="missed_closed")
    assert _save(owner, "B", "", template="missed_closed", action="remove").status_code == 302
    assert store.variant_figures("missed_closed") == []
    assert "Removed B from “Missed call while closed”." in _page(owner)


def test_saving_a_edits_the_template(owner, store):
    body = "{business}: we missed you. Reply here. Reply STOP to opt out."
    assert _save(owner, "A", body).status_code == 302
    assert store.templates()["missed_open"] == body
    assert store.variant_figures("missed_open") == []       # A alone: still no test
