"""Every route through the Flask test client: login, CSRF, validation, escaping, pages, export."""

from __future__ import annotations

import html
import csv
import io
import re
from datetime import timedelta

import pytest

from agent.passwords import hash_password, password_is_set, set_password, verify_password
from tests.web.conftest import NOW, PASSWORD, Owner, add_call, add_inbound
from tests.db_rows import rows as db_rows

GET_PAGES = ["/", "/conversation/+447400123456", "/calls", "/templates", "/hours", "/rules",
             "/rules/exclusions/remove?number=%2B447400123456", "/optouts",
             "/optouts/remove?number=%2B447400123456", "/status", "/dashboard", "/dashboard?days=30",
             "/export", "/export/calls.csv", "/export/messages.csv"]
POSTS = ["/logout", "/conversation/+447400123456/reply", "/templates", "/hours", "/rules", "/rules/exclusions",
         "/rules/exclusions/remove", "/optouts", "/optouts/remove", "/login"]
CUSTOMER = "+447400123456"


def _seed(store) -> None:
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    add_inbound(store, CUSTOMER, "Hi, do you have a slot on Friday?", NOW - timedelta(minutes=2))
    store.add_exclusion(CUSTOMER, "supplier", NOW)
    store.add_optout(CUSTOMER, NOW, keyword="STOP")


# ---- the gate ----------------------------------------------------------------------------

def test_until_a_password_is_set_every_page_says_how_and_shows_no_data(client, store):
    _seed(store)
    assert not password_is_set(store)
    for path in GET_PAGES + ["/login"]:
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert "textback passwd" in page, path
        assert "7400" not in page and "Friday" not in page and "supplier" not in page, path


@pytest.mark.parametrize("path", GET_PAGES)
def test_every_page_requires_login(client, store, clock, path):
    _seed(store)
    Owner(client, store, clock).set_password()
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert "Friday" not in response.get_data(as_text=True)


def test_static_files_hold_no_data_and_need_no_login(client, store):
    _seed(store)
    for path in ("/static/style.css", "/static/counter.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"7400" not in response.data
        response.close()


@pytest.mark.parametrize("path", POSTS)
def test_every_post_without_a_csrf_token_is_refused(owner, store, path):
    _seed(store)
    before = db_rows(store, "SELECT COUNT(*) AS n FROM messages")[0]["n"]
    data = {"number": CUSTOMER, "body": "hello", "name": "missed_open", "password": PASSWORD,
            "mon": "09:00-17:00", "delay_seconds": "5", "dedup_hours": "1", "max_late_minutes": "5"}
    assert owner.client.post(path, data=data).status_code == 400
    assert owner.client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    assert db_rows(store, "SELECT COUNT(*) AS n FROM messages")[0]["n"] == before
    assert store.is_opted_out(CUSTOMER) and store.exclusion(CUSTOMER) is not None
    assert owner.client.get("/").status_code == 200      # still logged in: logout was refused too


def test_session_cookie_is_httponly_and_samesite_strict(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    cookie = person.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_wrong_password_is_refused_with_a_message(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    response = person.login("not the password")
    assert response.status_code == 401
    assert "password is not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_is_rate_limited_per_address(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    for _ in range(5):
        assert person.login("guess").status_code == 401
    blocked = person.login(PASSWORD)
    assert blocked.status_code == 429
    assert "Too many wrong passwords" in blocked.get_data(as_text=True)
    other = client.post("/login", data={"password": PASSWORD, "csrf_token": person.token()},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 302                        # another address is not locked out
    clock.advance(301)
    assert person.login(PASSWORD).status_code == 302


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    token = person.token()
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": token, "next": "/calls?page=2"})
    assert response.location == "/calls?page=2"
    token = person.token("/calls")
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": token, "next": "//evil.example/"})
    assert response.location == "/"


def test_logout_ends_the_session(owner):
    response = owner.post("/logout")
    assert response.status_code == 302
    assert owner.client.get("/calls").status_code == 302


def test_a_new_password_logs_out_old_sessions(owner):
    set_password(owner.store, "a brand new password", owner.clock.now())
    assert owner.client.get("/").status_code == 302
    assert owner.login(PASSWORD).status_code == 401
    assert owner.login("a brand new password").status_code == 302
    assert owner.client.get("/").status_code == 200


def test_passwords_are_argon2_and_at_least_8_characters(store):
    hashed = hash_password("s3cret-enough")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret-enough") and not verify_password(hashed, "wrong")
    assert not verify_password("garbage", "s3cret-enough")
    with pytest.raises(ValueError, match="at least 8 characters"):
        set_password(store, "short", NOW)
    assert not password_is_set(store)


def test_pages_send_a_strict_content_security_policy_and_load_nothing_external(owner):
    response = owner.client.get("/templates")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    for path in ["/", "/calls", "/templates", "/hours", "/rules", "/optouts", "/status", "/dashboard"]:
        page = owner.client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', page), path


def test_the_first_page_with_its_css_and_js_is_under_150_kb(owner):
    total = 0
    for path in ("/", "/static/style.css", "/static/counter.js"):
        with owner.client.get(path) as response:
            total += len(response.data)
    assert total < 150 * 1024


# ---- inbox, conversation, reply ----------------------------------------------------------

def test_inbox_lists_conversations_newest_first_with_unread_marked(owner, store):
    add_call(store, "+447911000111", NOW - timedelta(hours=3))
    add_call(store, CUSTOMER, NOW - timedelta(hours=1))
    add_inbound(store, CUSTOMER, "Can I book for Friday?", NOW - timedelta(minutes=30))
    page = owner.client.get("/").get_data(as_text=True)
    assert page.index("07400 123456") < page.index("07911 000111")
    assert "1 unread" in page and "Can I book for Friday?" in page
    owner.client.get(f"/conversation/{CUSTOMER}")
    assert "unread" not in owner.client.get("/").get_data(as_text=True).replace("unread\"", "")


def _next_link(page: str) -> str:
    """The "Older →" link, as the owner would tap it."""
    match = re.search(r'<a href="([^"]+)" rel="next">', page)
    assert match, "no Older link"
    return html.unescape(match.group(1))


def test_inbox_paginates_50_a_page(owner, store):
    for n in range(60):
        add_call(store, f"+4474000{n:05d}", NOW - timedelta(minutes=n))
    first = owner.client.get("/").get_data(as_text=True)
    assert first.count("href=\"/conversation/") == 50 and "07400 000000" in first and "Older" in first
    second = owner.client.get(_next_link(first)).get_data(as_text=True)
    assert second.count("href=\"/conversation/") == 10 and "07400 000059" in second and "Newest" in second
    assert "07400 000049" not in second and "Older" not in second


def test_a_callers_text_with_script_is_shown_as_text(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    add_inbound(store, CUSTOMER, "<script>alert('x')</script> & <b>bold</b>", NOW - timedelta(minutes=1))
    for path in ("/", f"/conversation/{CUSTOMER}"):
        page = owner.client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<b>bold" not in page, path
        assert "&lt;script&gt;" in page, path


def test_conversation_shows_calls_texts_statuses_and_explains_ambiguous(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(hours=2), text="First text", status="ambiguous")
    add_call(store, "+447911000222", NOW - timedelta(hours=1), text="Failing text", status="failed")
    page = owner.client.get(f"/conversation/{CUSTOMER}").get_data(as_text=True)
    assert "Missed call" in page and "First text" in page
    assert "Unsure whether it was sent" in page and "may or may not have reached the caller" in page
    page = owner.client.get("/conversation/+447911000222").get_data(as_text=True)
    assert "Failed: not sent" in page and "short message transfer rejected" in page
    assert owner.client.get("/conversation/+447000000000").status_code == 404
    assert owner.client.get("/conversation/not-a-number").status_code == 404


def test_reply_is_queued_for_the_agent(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    response = owner.post(f"/conversation/{CUSTOMER}/reply", {"body": "Yes, Friday 10:00 works."})
    assert response.status_code == 302
    [reply] = [m for m in store.messages_for(CUSTOMER) if m.kind == "reply"]
    assert reply.body == "Yes, Friday 10:00 works." and reply.status == "queued"
    assert reply.due_at <= reply.created_at
    assert "Reply queued" in owner.client.get(response.location).get_data(as_text=True)


def test_reply_to_an_opted_out_number_is_refused(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    store.add_optout(CUSTOMER, NOW, keyword="STOP")
    response = owner.post(f"/conversation/{CUSTOMER}/reply", {"body": "Hello?"})
    assert response.status_code == 400
    assert "opted out" in response.get_data(as_text=True)
    assert not [m for m in store.messages_for(CUSTOMER) if m.kind == "reply"]


def test_empty_and_overlong_replies_are_refused_keeping_the_text(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=5))
    page = owner.post(f"/conversation/{CUSTOMER}/reply", {"body": "   "}).get_data(as_text=True)
    assert "the reply is empty" in page
    long_text = "word " * 400
    response = owner.post(f"/conversation/{CUSTOMER}/reply", {"body": long_text})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "keep it to 6 or fewer" in page and long_text.strip()[:50] in page


# ---- calls -------------------------------------------------------------------------------

def test_calls_page_says_what_happened_in_the_shops_time_zone(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=10), sent_after=7)
    add_call(store, "+442071234567", NOW - timedelta(minutes=5), skip="landline")
    add_call(store, None, NOW - timedelta(minutes=4), skip="withheld")
    page = owner.client.get("/calls").get_data(as_text=True)
    assert "Texted at 11:50:07 AM" in page                 # 11:50:00 UTC = GMT in January
    assert "Skipped: landline" in page and "Skipped: withheld number" in page
    page = owner.client.get("/calls?show=skipped").get_data(as_text=True)
    assert "Texted at" not in page and "landline" in page


def test_calls_show_local_time_in_summer(owner, store):
    add_call(store, CUSTOMER, NOW + timedelta(days=180), sent_after=3)   # July: London is UTC+1
    page = owner.client.get("/calls").get_data(as_text=True)
    assert "Texted at 1:00:03 PM" in page


def test_calls_paginate_50_a_page(owner, store):
    for n in range(120):
        add_call(store, f"+4479110{n:05d}", NOW - timedelta(minutes=n), text=None, skip="landline")
    first = owner.client.get("/calls").get_data(as_text=True)
    assert first.count('class="outcome') == 50 and "Older" in first and "07911 000000" in first
    second = owner.client.get(_next_link(first)).get_data(as_text=True)
    assert "Page 2" in second and "07911 000050" in second and "07911 000049" not in second
    third = owner.client.get(_next_link(second)).get_data(as_text=True)
    assert third.count('class="outcome') == 20 and "Older" not in third and "07911 000119" in third
    assert owner.client.get("/calls?before=junk&page=7").get_data(as_text=True).count('class="outcome') == 50


def test_calls_filter_by_number_explains_an_unreadable_number(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=10))
    add_call(store, "+447911000333", NOW - timedelta(minutes=9))
    page = owner.client.get("/calls?number=07400+123456").get_data(as_text=True)
    assert "07400 123456" in page and "07911 000333" not in page
    response = owner.client.get("/calls?number=call+me")
    assert response.status_code == 400
    assert "is not a phone number we can read" in response.get_data(as_text=True)
    assert 'value="call me"' in response.get_data(as_text=True)


# ---- templates, hours, rules -------------------------------------------------------------

def test_template_with_unknown_placeholder_is_refused_next_to_the_field(owner, store):
    typed = "{buisness}: sorry we missed you. Reply STOP to opt out."
    response = owner.post("/templates", {"name": "missed_open", "body": typed, "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "unknown placeholder &#39;{buisness}&#39;" in page and "did you mean &#39;{business}&#39;" in page
    assert typed in page
    assert "{buisness}" not in store.templates()["missed_open"]


def test_template_is_saved_and_previewed_with_placeholders_filled(owner, store):
    body = "{business}: sorry we missed you at {call_time}! Reply STOP to opt out."
    assert owner.post("/templates", {"name": "missed_open", "body": body, "action": "save"}).status_code == 302
    assert store.templates()["missed_open"] == body
    page = owner.client.get("/templates").get_data(as_text=True)
    assert "Brightside Dental: sorry we missed you at 12:00 PM! Reply STOP to opt out." in page
    assert "GSM-7 · 1 SMS" in page
    owner.post("/templates", {"name": "missed_open", "body": "", "action": "default"})
    assert store.templates()["missed_open"].startswith("{business}: sorry we missed your call!")


def test_bad_hours_are_refused_naming_the_problem_and_keeping_what_was_typed(owner, store):
    before = store.load_settings().hours
    response = owner.post("/hours", {"mon": "9-5", "tue": "09:00-17:00", "holidays": "2026-12-25\n25/12/2026"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "HH:MM-HH:MM" in page and "9-5" in page
    assert "is not a date written YYYY-MM-DD" in page and "25/12/2026" in page
    assert store.load_settings().hours == before


def test_hours_and_holidays_are_saved(owner, store):
    form = {"mon": "09:00-11:30, 13:30-17:30", "tue": "09:00-17:00", "wed": "", "thu": "closed", "fri": "08:00-16:00",
            "sat": "10:00-14:00", "sun": "", "holidays": "2026-12-26\n2026-12-25"}
    assert owner.post("/hours", form).status_code == 302
    settings = store.load_settings()
    assert settings.hours["mon"] == ("09:00-11:30", "13:30-17:30") and settings.hours["wed"] == ()
    assert settings.hours["thu"] == () and settings.holidays == ("2026-12-25", "2026-12-26")
    page = owner.client.get("/hours").get_data(as_text=True)
    assert "09:00-11:30, 13:30-17:30" in page and "Closed now. Opens today 13:30." in page


def test_rules_refuse_bad_numbers_and_an_unparseable_phone(owner, store):
    response = owner.post("/rules", {"delay_seconds": "abc", "dedup_hours": "24", "max_late_minutes": "30",
                                     "owner_phone": "call me maybe"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Expected a whole number from 0 to 600" in page
    assert "&#34;call me maybe&#34; is not a phone number we can read" in page
    assert 'value="abc"' in page and 'value="call me maybe"' in page
    assert store.load_settings().delay_seconds == 0


def test_rules_are_saved(owner, store):
    form = {"delay_seconds": "20", "dedup_hours": "48", "max_late_minutes": "15", "followup_hours": "24",
            "owner_phone": "07700 123456"}
    assert owner.post("/rules", form).status_code == 302
    settings = store.load_settings()
    assert (settings.delay_seconds, settings.dedup_hours, settings.max_late_minutes) == (20, 48, 15)
    assert settings.followup_hours == 24
    assert settings.owner_phone == "+447700123456"


def test_exclusions_add_and_remove_with_confirmation(owner, store):
    bad = owner.post("/rules/exclusions", {"number": "12", "label": "x"})
    assert bad.status_code == 400 and "is not a phone number we can read" in bad.get_data(as_text=True)
    assert owner.post("/rules/exclusions", {"number": "07400 123456", "label": "Supplier"}).status_code == 302
    assert store.exclusion(CUSTOMER).label == "Supplier"
    confirm = owner.client.get("/rules/exclusions/remove?number=%2B447400123456").get_data(as_text=True)
    assert "Take 07400 123456 off the never-text list?" in confirm
    assert store.exclusion(CUSTOMER) is not None               # asking removes nothing
    assert owner.post("/rules/exclusions/remove", {"number": CUSTOMER}).status_code == 302
    assert store.exclusion(CUSTOMER) is None


# ---- opt-outs ----------------------------------------------------------------------------

def test_optouts_add_list_and_remove_with_confirmation(owner, store):
    bad = owner.post("/optouts", {"number": "hello"})
    assert bad.status_code == 400 and 'value="hello"' in bad.get_data(as_text=True)
    assert owner.post("/optouts", {"number": "07400 123456"}).status_code == 302
    assert store.optout(CUSTOMER).source == "web"
    assert "07400 123456" in owner.client.get("/optouts").get_data(as_text=True)
    confirm = owner.client.get("/optouts/remove?number=%2B447400123456")
    assert "Only remove the opt-out if they asked" in confirm.get_data(as_text=True)
    assert store.is_opted_out(CUSTOMER)
    assert owner.post("/optouts/remove", {"number": CUSTOMER}).status_code == 302
    assert not store.is_opted_out(CUSTOMER)
    assert owner.client.get("/optouts/remove?number=%2B447400123456").status_code == 404


# ---- status, dashboard, export -----------------------------------------------------------

def test_status_when_the_modem_is_offline_says_missed_calls_cannot_be_known(owner, store):
    store.set_modem_state(NOW, online=False, last_error="port lost: unplugged", offline_since=NOW.isoformat())
    page = owner.client.get("/status").get_data(as_text=True)
    assert "Offline" in page and "port lost: unplugged" in page
    assert "Calls missed while the modem was offline cannot be known" in page


def test_status_when_online_shows_modem_signal_queue_and_disk(owner, store):
    store.set_modem_state(NOW, online=True, last_error="", manufacturer="SIMCOM", model="SIM800L", registered=True,
                          registration="home", operator="EE", rssi=20, bars=3)
    add_call(store, CUSTOMER, NOW, status="queued", sent_after=None)
    page = owner.client.get("/status").get_data(as_text=True)
    assert "Online." in page and "SIMCOM SIM800L" in page and "3 of 4" in page and "EE" in page
    assert re.search(r"Texts waiting</dt><dd>1<", page) and "Disk free" in page


def test_status_says_so_when_the_agent_has_gone_quiet(owner, store, clock):
    store.set_modem_state(NOW, online=True, last_error="")
    clock.advance(600)
    page = owner.client.get("/status").get_data(as_text=True)
    assert "No word from the agent" in page


def test_dashboard_counts_the_last_7_and_30_days(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(hours=1), sent_after=10)
    add_call(store, "+447911000444", NOW - timedelta(days=2), sent_after=20)
    add_call(store, "+442071234567", NOW - timedelta(days=3), skip="landline")
    add_call(store, "+447911000555", NOW - timedelta(days=20), sent_after=30)
    add_inbound(store, CUSTOMER, "thanks!", NOW - timedelta(minutes=30))
    store.add_optout("+447911000444", NOW - timedelta(days=1))
    stats = store.dashboard(NOW, 7, __import__("zoneinfo").ZoneInfo("Europe/London"))
    assert (stats.missed, stats.texted, stats.skipped, stats.replied, stats.replies) == (3, 2, 1, 1, 1)
    assert stats.median_seconds_to_text == 15 and stats.reply_rate == 0.5 and stats.optouts == 1
    assert len(stats.per_day) == 7 and stats.per_day[-1].missed == 1
    page = owner.client.get("/dashboard").get_data(as_text=True)
    assert "50%" in page and "15 s" in page and "<svg" in page
    page = owner.client.get("/dashboard?days=30").get_data(as_text=True)
    assert '<span class="n">4</span> missed calls' in page


def test_csv_export_of_calls_and_messages(owner, store):
    add_call(store, CUSTOMER, NOW - timedelta(minutes=10), sent_after=5)
    add_call(store, None, NOW - timedelta(minutes=8), skip="withheld")
    add_inbound(store, CUSTOMER, "=HYPERLINK(\"http://evil\")", NOW - timedelta(minutes=1))
    response = owner.client.get("/export/calls.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["outcome"] for r in rows] == ["texted", "skipped"]
    assert rows[0]["number"] == CUSTOMER and rows[0]["sent_local"] == "2026-01-05 11:50:05"
    assert rows[1]["skip_reason"] == "withheld number"
    rows = list(csv.DictReader(io.StringIO(owner.client.get("/export/messages.csv").get_data(as_text=True))))
    assert [(r["direction"], r["kind"]) for r in rows] == [("out", "missed_open"), ("in", "sms"), ("out", "owner_relay")]
    assert rows[1]["body"].startswith("'=HYPERLINK")
    assert "=HYPERLINK" in rows[2]["body"] and not rows[2]["body"].startswith("=")   # the relay quotes it too
