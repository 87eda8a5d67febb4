"""The status page tells the truth: "Hearing calls" only when the agent says so and is alive, every
outage of the last 30 days, and the calls the modem saw while TextBack could not (sent only when
the owner presses the button, through the same rules as a missed call)."""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import timedelta

import pytest

from agent.clock import utc_iso
from tests.web.conftest import NOW, add_call
from tests.db_rows import rows as db_rows

CALLER = "+447400111222"
SHOWN = "07400 111222"
_BANNER = re.compile(r'<(p|div) class="banner [a-z]+" id="hearing"[^>]*>(.*?)</\1>', re.S)
_ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.S)


def _page(owner) -> str:
    response = owner.client.get("/status")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _banner(page: str) -> str:
    match = _BANNER.search(page)
    assert match, "no hearing banner"
    return _words(match.group(2))


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _alive(store, at=NOW, **state) -> None:
    """The agent's state as it writes it, with a heartbeat at `at`."""
    store.set_modem_state(at, heartbeat=utc_iso(at), **state)


def _texts_to(store, number: str) -> list:
    return db_rows(store, "SELECT * FROM messages WHERE direction = 'out' AND number = ?", (number,))


def _unheard(store, number: str = CALLER) -> int:
    assert store.add_unheard_call(number, number.replace("+44", "0"), NOW - timedelta(minutes=3))
    return store.unheard_calls()[0].id


# ---- the banner ---------------------------------------------------------------------------

def test_red_when_the_agent_says_it_cannot_hear_calls(owner, store):
    store.open_downtime(NOW - timedelta(minutes=10), "modem unplugged")
    _alive(store, online=False, deaf_reason="modem unplugged", last_error="port lost: unplugged",
           offline_since=utc_iso(NOW - timedelta(minutes=10)))
    page = _page(owner)
    banner = _banner(page)
    assert "banner bad" in page and "Hearing calls." not in page
    assert banner.startswith("Not hearing calls — modem unplugged, since Today, 11:50 AM.")
    assert "Last error: port lost: unplugged" in banner


def test_red_not_running_when_the_heartbeat_is_stale_even_if_online_says_true(owner, store, clock):
    _alive(store, online=True, deaf_reason="")
    clock.advance(90)
    assert _banner(_page(owner)).startswith("Hearing calls.")          # 90 s: still fresh
    clock.advance(60)                                                  # 2 min 30 s: the agent is gone
    page = _page(owner)
    assert _banner(page).startswith("Not hearing calls — TextBack is not running, since Today, 12:00 PM.")
    assert "No word from the agent since Today, 12:00 PM" in page
    # it was killed while hearing, so no period is recorded yet: the page still lists it, open
    outages = page.split('id="outages"')[1]
    assert "TextBack is not running" in outages and "still" in outages and "2 min so far" in outages


def test_green_only_when_online_and_the_heartbeat_is_fresh(owner, store, clock):
    _alive(store, online=True, deaf_reason="", manufacturer="SIMCOM", model="SIM800L")
    clock.advance(30)
    page = _page(owner)
    assert _banner(page).startswith("Hearing calls.") and "banner ok" in page
    assert "Not hearing calls" not in page


def test_red_when_the_agent_never_wrote_its_state(owner):
    page = _page(owner)
    assert _banner(page).startswith("Not hearing calls — TextBack is not running.")
    assert "No word from the agent yet" in page


def test_the_recovery_step_is_shown(owner, store):
    store.open_downtime(NOW - timedelta(minutes=2), "modem not answering")
    _alive(store, online=False, deaf_reason="modem not answering",
           recovery="resetting the modem (AT+CFUN=1,1), try 1")
    assert "Recovery: resetting the modem (AT+CFUN=1,1), try 1." in _banner(_page(owner))


def test_voicemail_on_the_sim_is_explained_but_other_indications_are_not(owner, store):
    _alive(store, online=True, voicemail_indication="fax waiting indication (1 new)")
    assert "Voicemail is on" not in _page(owner)
    _alive(store, online=True, voicemail_indication="voicemail waiting indication (2 new)")
    page = _page(owner)
    assert "Voicemail is on for the box's SIM: calls may look answered." in page
    assert "Turn off call forwarding on no answer (##61# on most networks)" in page


def test_sms_storage_fill_warns_at_80_percent_and_counts_old_sim_messages(owner, store):
    _alive(store, online=True, sms_storage={"SM": [24, 30], "ME": [3, 100]})
    for index in range(27):
        store.add_sim_history(stat=3, number="+447400999000", body=f"old {index}", pdu=f"07{index:04d}", now=NOW)
    page = _page(owner)
    assert "SIM card: 24 of 30 (80&nbsp;%) <strong class=\"bad\">nearly full</strong>" in page
    assert "modem memory: 3 of 100 (3&nbsp;%)</span>" in page
    assert "27 old messages from the SIM, kept as history" in page


def test_a_full_memory_card_is_red_and_a_low_one_still_warned(owner, store, monkeypatch):
    _alive(store, online=True)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("web.status.shutil.disk_usage", lambda path: usage(8 << 30, (8 << 30) - (120 << 20), 120 << 20))
    page = _page(owner)
    assert "The memory card is full" not in page and "(low)" in page
    monkeypatch.setattr("web.status.shutil.disk_usage", lambda path: usage(8 << 30, (8 << 30) - (20 << 20), 20 << 20))
    page = _page(owner)
    assert "<strong>The memory card is full</strong> (20.0 MB free)" in page and "(full)" in page


# ---- outages ------------------------------------------------------------------------------

def test_outages_of_the_last_30_days_newest_first_with_duration_and_still(owner, store):
    _alive(store, online=False, deaf_reason="no mobile network (searching)")
    periods = [(NOW - timedelta(days=40), timedelta(hours=1), "modem unplugged", False),       # too old
               (NOW - timedelta(days=2, hours=3), timedelta(hours=2, minutes=5), "modem not answering", True),
               (NOW - timedelta(hours=2), timedelta(minutes=15), "caller ID is off (+CLIP: 0): the modem was reset", False)]
    for start, length, reason, alerted in periods:
        period_id = store.open_downtime(start, reason)
        store.close_downtime(start + length)
        if alerted:
            store.mark_downtime_alerted(period_id)
    store.open_downtime(NOW - timedelta(minutes=20), "no mobile network (searching)")
    section = _page(owner).split('id="outages"')[1]
    items = [_words(item) for item in _ITEM.findall(section)]
    assert items == [
        "Today, 11:40 AM – still 20 min so far no mobile network (searching)",
        "Today, 10:00 AM – 10:15 AM 15 min caller ID is off (+CLIP: 0): the modem was reset",
        "Sat 3 Jan, 9:00 AM – 11:05 AM 2 h 5 min modem not answering · owner texted",
    ]


def test_no_outages_says_so(owner, store):
    _alive(store, online=True)
    assert "No outages in the last 30 days." in _page(owner)


def test_outage_times_are_in_the_shops_time_zone_in_summer(owner, store, clock):
    summer = NOW.replace(month=7)
    clock.current = summer
    owner.login()                                   # six months on: the old session has expired
    _alive(store, at=summer, online=True)
    store.open_downtime(summer - timedelta(hours=50), "modem unplugged")         # 10:00 UTC, 11:00 BST
    store.close_downtime(summer - timedelta(hours=1))
    section = _page(owner).split('id="outages"')[1]
    assert "Fri 3 Jul, 11:00 AM – Today, 12:00 PM" in section and "2 days 1 h" in section


# ---- missed while the box was not listening ---------------------------------------------

def test_an_unheard_call_is_listed_with_both_buttons(owner, store):
    _alive(store, online=True)
    unheard_id = _unheard(store)
    page = _page(owner)
    section = page.split('id="unheard"')[1].split("</section>")[0]
    assert SHOWN in section and "found Today, 11:57 AM" in section
    assert f'action="/unheard/{unheard_id}/text"' in section and "Send the usual text" in section
    assert f'action="/unheard/{unheard_id}/dismiss"' in section and "Dismiss" in section
    assert section.count('name="csrf_token"') == 2
    assert _texts_to(store, CALLER) == []                  # listing it texts nobody


def test_send_queues_exactly_one_usual_text_to_that_number(owner, store):
    _alive(store, online=True)
    unheard_id = _unheard(store)
    response = owner.post(f"/unheard/{unheard_id}/text", token_from="/status")
    assert response.status_code == 302 and response.location.endswith("/status#unheard")
    [text] = _texts_to(store, CALLER)
    assert text["status"] == "queued" and text["kind"] in ("missed_open", "missed_closed")
    assert text["body"].startswith("Brightside Dental: sorry we missed your call!")
    assert text["due_at"] == utc_iso(NOW)
    call = store.unheard_call(unheard_id)
    assert call.status == "texted" and call.message_id == text["id"]
    page = _page(owner)
    assert f"Text queued to {SHOWN}" in page and 'id="unheard"' not in page
    owner.post(f"/unheard/{unheard_id}/text", token_from="/status")           # a second tap
    assert len(_texts_to(store, CALLER)) == 1


def test_send_to_an_opted_out_number_queues_nothing_and_says_why(owner, store):
    _alive(store, online=True)
    store.add_optout(CALLER, NOW - timedelta(days=3), keyword="STOP")
    unheard_id = _unheard(store)
    assert "Will not be texted: opted out (STOP)." in _page(owner)
    owner.post(f"/unheard/{unheard_id}/text", token_from="/status")
    assert _texts_to(store, CALLER) == []
    assert store.unheard_call(unheard_id).status == "dismissed"
    page = _page(owner)
    assert f"Not texted: {SHOWN} is opted out (STOP). Taken off the list." in page


def test_send_follows_the_dedup_window(owner, store):
    _alive(store, online=True)
    add_call(store, CALLER, NOW - timedelta(hours=2))
    unheard_id = _unheard(store)
    owner.post(f"/unheard/{unheard_id}/text", token_from="/status")
    assert len(_texts_to(store, CALLER)) == 1                              # only the earlier one
    assert "is already texted recently" in _page(owner)


def test_send_when_a_text_to_that_caller_is_already_waiting_queues_no_second(owner, store):
    _alive(store, online=False, deaf_reason="modem unplugged")
    add_call(store, CALLER, NOW - timedelta(minutes=1), status="queued", sent_after=None)
    [waiting] = _texts_to(store, CALLER)
    unheard_id = _unheard(store)
    owner.post(f"/unheard/{unheard_id}/text", token_from="/status")
    assert [row["id"] for row in _texts_to(store, CALLER)] == [waiting["id"]]
    assert store.unheard_call(unheard_id).message_id == waiting["id"]
    assert "already waiting to go out" in _page(owner)


def test_dismiss_hides_it_and_texts_nobody(owner, store):
    _alive(store, online=True)
    unheard_id = _unheard(store)
    response = owner.post(f"/unheard/{unheard_id}/dismiss", token_from="/status")
    assert response.status_code == 302
    assert store.unheard_call(unheard_id).status == "dismissed" and _texts_to(store, CALLER) == []
    page = _page(owner)
    assert 'id="unheard"' not in page and f"{SHOWN} taken off the list; not texted." in page


def test_an_unknown_unheard_call_is_404(owner):
    assert owner.post("/unheard/999/text", token_from="/status").status_code == 404
    assert owner.post("/unheard/999/dismiss", token_from="/status").status_code == 404


@pytest.mark.parametrize("action", ["text", "dismiss"])
def test_unheard_buttons_refuse_a_post_without_a_csrf_token(owner, store, action):
    _alive(store, online=True)
    unheard_id = _unheard(store)
    assert owner.client.post(f"/unheard/{unheard_id}/{action}").status_code == 400
    assert owner.client.post(f"/unheard/{unheard_id}/{action}", data={"csrf_token": "forged"}).status_code == 400
    assert store.unheard_call(unheard_id).status == "new" and _texts_to(store, CALLER) == []


def test_unheard_buttons_need_a_login(client, store, owner):
    unheard_id = _unheard(store)
    token = owner.token("/status")
    owner.post("/logout")
    response = client.post(f"/unheard/{unheard_id}/text", data={"csrf_token": token})
    assert response.status_code in (302, 400)
    assert store.unheard_call(unheard_id).status == "new" and _texts_to(store, CALLER) == []


def test_forwarding_on_the_boxs_sim_is_shown_with_the_code_that_turns_it_off(owner, store, clock):
    _alive(store, at=clock.now(), online=True)
    store.set_modem_state(clock.now(), forwarding=[
        {"reason": 0, "active": False, "number": "", "seconds": None, "why": ""},
        {"reason": 2, "active": True, "number": "+447953222222", "seconds": 20, "why": ""}])
    page = owner.client.get("/status").get_data(as_text=True)
    assert "Voicemail on no answer" in page and "+447953222222 after 20 s" in page and "##61#" in page
    store.set_modem_state(clock.now(), forwarding=[{"reason": r, "active": False} for r in range(4)])
    assert "Voicemail on no answer" not in owner.client.get("/status").get_data(as_text=True)
