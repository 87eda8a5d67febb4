"""What a non-technical owner types on a phone, tried against every page that takes input.

The promise: bad input always gets a clear message naming what is wrong, next to the field, in
plain words, with HTTP 400 (never 500), and loses nothing: the database holds what it held before
(nothing half-saved) and the page keeps what was typed. Good input written the way people write it
("+44 (0)7911 …", "closed", "22:00-02:00") is read as meant.

Most tests use Flask's test client; those about what a caller receives run a real agent on the
simulated modem and read what the modem was sent. The last three drive Debian's chromium at 390 px
and save screenshots to /work/shots-r4/ (outside the repository).
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from agent.clock import SystemClock
from tests.conftest import wait_for
from tests.web.conftest import NOW, PASSWORD, Owner, add_call, add_inbound

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHOTS = Path("/work/shots-r4")
CALLER = "+447400111222"
RULES = {"delay_seconds": "0", "dedup_hours": "24", "max_late_minutes": "30", "followup_hours": "0"}
_ERROR = re.compile(r'<p class="error"(?: id="([^"]+)")?[^>]*>(.*?)</p>', re.S)


# ---- reading what the owner sees ---------------------------------------------------------

def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _errors(response) -> dict[str, str]:
    """Every error paragraph on the page, by its id ("" when it has none)."""
    return {(ident or ""): _text(body) for ident, body in _ERROR.findall(response.get_data(as_text=True))}


def _input_value(response, ident: str) -> str | None:
    page = response.get_data(as_text=True)
    match = re.search(rf'<input id="{re.escape(ident)}"[^>]*?value="([^"]*)"', page, re.S)
    return html.unescape(match.group(1)) if match else None


def _textarea(response, ident: str) -> str | None:
    page = response.get_data(as_text=True)
    match = re.search(rf'<textarea id="{re.escape(ident)}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(match.group(1)) if match else None


def _week(**days: str) -> dict[str, str]:
    return {**{day: "09:00-17:00" for day in DAYS}, "holidays": "", **days}


def _stored_hours(store) -> dict[str, tuple[str, ...]]:
    return {day: tuple(store.load_settings().hours.get(day, ())) for day in DAYS}


@pytest.fixture
def live(start_agent):
    """A real agent on the simulated modem and the web app on its database, the owner logged in."""
    from web import create_app

    agent = start_agent("sim800")
    app = create_app({"TEXTBACK_CONFIG": agent.config, "TESTING": True})
    store = app.extensions["textback"].store
    person = Owner(app.test_client(), store, SystemClock())
    person.set_password()
    assert person.login().status_code == 302
    yield agent, person
    store.close()


# ---- the setup code ----------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["lower-spaced", "ios-double-space-period", "no-break-space", "en-dash"])
def test_the_setup_code_typed_on_a_phone_is_read(client, store, shape):
    """The code is read off the installer's screen and typed on a phone keyboard."""
    from agent.passwords import password_is_set

    client.get("/")
    code = store.setup_code().code
    typed = {"lower-spaced": " " + code.lower().replace("-", " ") + " ", "ios-double-space-period": code + ". ",
             "no-break-space": code.replace("-", "\u00a0"), "en-dash": code.replace("-", "\u2013")}[shape]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/setup").get_data(as_text=True)).group(1)
    response = client.post("/setup", data={"code": typed, "csrf_token": token})
    assert response.status_code == 302 and response.location == "/setup/password", (
        f"{typed!r} for {code}: {_errors(response)}")
    assert not password_is_set(store) and store.setup_code().used_at is None


# ---- opening hours -----------------------------------------------------------------------

def test_hours_written_as_owners_write_them_are_named_next_to_the_day_and_nothing_is_saved(owner, store):
    before = _stored_hours(store)
    response = owner.post("/hours", _week(mon="9-5", tue="9am\u20135.30pm", wed="10:00-16:00"), token_from="/hours")

    assert response.status_code == 400
    errors = _errors(response)
    assert '"9-5"' in errors["mon-error"] and "09:00" in errors["mon-error"], errors
    assert "9am\u20135.30pm" in errors["tue-error"], errors
    assert "wed-error" not in errors
    assert "Nothing was saved" in errors[""]
    assert [_input_value(response, day) for day in ("mon", "tue", "wed")] == ["9-5", "9am\u20135.30pm", "10:00-16:00"]
    assert _stored_hours(store) == before, "a good day was saved beside a bad one"


@pytest.mark.parametrize("typed, meant", [("24h", "00:00-24:00"), ("9:30-17:00", "09:30-17:00")],
                         ids=["open-24h", "one-digit-hour"])
def test_hours_the_box_cannot_read_are_answered_with_how_to_write_what_was_meant(owner, store, typed, meant):
    """An owner open all day writes "24h"; one opening at half past nine writes "9:30". Either the
    box reads it, or the message shows the form that means it (not an unrelated example)."""
    response = owner.post("/hours", _week(mon=typed), token_from="/hours")

    if response.status_code == 302:
        assert _stored_hours(store)["mon"] == (meant,)
        return
    assert response.status_code == 400
    message = _errors(response)["mon-error"]
    assert meant in message, f'Monday "{typed}" was refused with "{message}", which never says to write {meant}'


def test_closed_empty_and_overnight_days_are_saved_as_meant(owner, store):
    response = owner.post("/hours", _week(mon="closed", tue="", sat="Closed", fri="22:00-02:00",
                                          thu="09:00-12:30, 13:30-17:30"), token_from="/hours")

    assert response.status_code == 302
    hours = _stored_hours(store)
    assert hours["mon"] == hours["tue"] == hours["sat"] == ()
    assert hours["fri"] == ("22:00-02:00",)
    assert hours["thu"] == ("09:00-12:30", "13:30-17:30")
    page = owner.client.get("/hours")
    assert _input_value(page, "fri") == "22:00-02:00" and _input_value(page, "mon") == ""


def test_a_week_saved_all_closed_says_closed_and_the_next_caller_gets_the_closed_text(live):
    """Leaving every day empty ("leave a day empty when closed") means closed all week: the agent
    sends the closed-hours text, and the Hours page must say so, not the opposite."""
    agent, owner = live
    assert owner.post("/hours", {**{day: "" for day in DAYS}, "holidays": ""}, token_from="/hours").status_code == 302

    agent.sim.call(CALLER, rings=2)
    [call] = agent.wait_calls(1, timeout=10)
    wait_for(lambda: agent.sim.sent, 10, "the missed-call text at the modem")
    assert agent.store.message(call.message_id).kind == "missed_closed"      # what the caller really got

    summary = _text(re.search(r'<p class="banner">(.*?)</p>', owner.client.get("/hours").get_data(as_text=True),
                              re.S).group(1))
    assert "while open" not in summary and "closed" in summary.lower(), (
        f'closed all week, the caller got the closed-hours text, but the Hours page says: "{summary}"')


def test_a_second_tab_saving_an_older_hours_form_does_not_undo_the_first(owner, store):
    """Hours open in two tabs: Monday changed and saved in one, then Tuesday in the other (still
    showing the old Monday). Monday's change must survive, or the second save must say why not."""
    page = owner.client.get("/hours").get_data(as_text=True)                      # both tabs show this page:
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))   # its hidden fields
    shown = {day: ", ".join(_stored_hours(store)[day]) for day in DAYS}           # and these hours
    first = owner.client.post("/hours", data={**hidden, **shown, "mon": "10:00-16:00", "holidays": ""})
    assert first.status_code == 302

    second = owner.client.post("/hours", data={**hidden, **shown, "tue": "closed", "holidays": ""})

    monday = _stored_hours(store)["mon"]
    if second.status_code == 302:
        assert monday == ("10:00-16:00",), (
            f"the second tab's save put Monday back to {monday} without a word: the first tab's change is lost")
    else:
        assert second.status_code in (400, 409) and "changed" in second.get_data(as_text=True).lower()


@pytest.mark.parametrize("path, first, second, kept, saved_now", [
    ("/hours", {"mon": "10:00-16:00"}, {"tue": "closed"}, ("tue", "closed"), "10:00-16:00"),
    ("/rules", {"delay_seconds": "30"}, {"dedup_hours": "48"}, ("dedup_hours", "48"), "30 seconds"),
    ("/menu", {"key-1": "1", "label-1": "Book", "reply-1": "{business}: which day?"},
     {"urgent": "FLOOD"}, ("urgent", "FLOOD"), "1 Book: {business}: which day?"),
], ids=["hours", "rules", "menu"])
def test_a_stale_save_is_refused_keeping_what_was_typed_and_showing_what_is_saved(owner, store, path, first, second,
                                                                                   kept, saved_now):
    """The same page open in two windows: the later save of the older page saves nothing (409), says
    so, keeps what was typed, shows what is saved now; saving that page again then goes through."""
    page = owner.client.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    fields.update({name: html.unescape(value) for name, value in
                   re.findall(r'<input id="[^"]+" name="([^"]+)"[^>]*?value="([^"]*)"', page, re.S)})
    fields.update({name: html.unescape(value) for name, value in
                   re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)})
    assert owner.client.post(path, data={**fields, **first}).status_code == 302
    before = store.setting_values()

    stale = owner.client.post(path, data={**fields, **second})
    assert stale.status_code == 409
    assert "changed in another window" in _text(re.search(r'id="conflict"[^>]*>(.*?)</p>',
                                                           stale.get_data(as_text=True), re.S).group(1))
    assert _input_value(stale, kept[0]) == kept[1]
    assert saved_now in _text(stale.get_data(as_text=True))
    assert store.setting_values() == before

    again = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', stale.get_data(as_text=True)))
    assert owner.client.post(path, data={**fields, **second, **again}).status_code == 302


# ---- phone numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "07911 123456", "07911 123 456", "+44 (0)7911 123456", "(0)7911 123456", "0044 7911 123456", "07911-123-456",
    "07911\u00a0123456",                         # a no-break space, as copied from a web page or a message
    "\u202a07911 123456\u202c",                  # as an iPhone copies it from Contacts (direction marks)
], ids=["spaces", "spaces-3-3", "plus44-0", "bracket-0", "0044", "dashes", "nbsp-pasted", "contacts-pasted"])
@pytest.mark.parametrize("where", ["rules", "wizard"])
def test_the_owners_mobile_written_or_pasted_as_people_do_is_read(owner, store, typed, where):
    if where == "rules":
        response = owner.post("/rules", {**RULES, "owner_phone": typed}, token_from="/rules")
    else:
        response = owner.post("/wizard/owner", {"owner_phone": typed, "action": "save"}, token_from="/wizard/owner")
    assert response.status_code == 302, f"{typed!r} refused: {_errors(response)}"
    assert store.load_settings().owner_phone == "+447911123456"


@pytest.mark.parametrize("typed", ["07911 123456 ext 2", "07700 900 123"], ids=["extension", "drama-range"])
def test_a_number_the_box_cannot_use_is_refused_and_the_example_it_offers_is_accepted(owner, store, typed):
    """Refused, naming what was typed, nothing saved; and the way the message says to write it
    works on the same field (an owner copies the example's shape, so it must be a real one)."""
    before = store.load_settings().owner_phone
    response = owner.post("/rules", {**RULES, "owner_phone": typed}, token_from="/rules")

    assert response.status_code == 400
    message = _errors(response)["owner_phone-error"]
    assert typed in message
    assert _input_value(response, "owner_phone") == typed
    assert store.load_settings().owner_phone == before
    examples = re.findall(r"\+?\d[\d ]{8,}\d", message.replace(typed, ""))
    assert examples, message
    refused = [ex for ex in examples
               if owner.post("/rules", {**RULES, "owner_phone": ex}, token_from="/rules").status_code != 302]
    assert not refused, f'the message says "{message}", but the example {refused} is refused the same way'


def test_a_landline_as_the_owners_mobile_is_refused_on_the_rules_page_as_in_the_wizard(owner, store):
    """Replies are forwarded to the owner's mobile by SMS: a landline never gets them. The wizard
    refuses one; the Rules page edits the same setting."""
    before = store.load_settings().owner_phone
    wizard = owner.post("/wizard/owner", {"owner_phone": "020 7946 0018", "action": "save"}, token_from="/wizard/owner")
    assert wizard.status_code == 400 and "mobile" in _errors(wizard)["owner_phone-error"]

    rules = owner.post("/rules", {**RULES, "owner_phone": "020 7946 0018"}, token_from="/rules")
    assert store.load_settings().owner_phone == before, (
        f"the Rules page saved the landline {store.load_settings().owner_phone} as the owner's mobile "
        f"(HTTP {rules.status_code}): forwarded replies would go nowhere")
    assert rules.status_code == 400 and "mobile" in _errors(rules)["owner_phone-error"]


# ---- templates and the shop's name -------------------------------------------------------

@pytest.mark.parametrize("typed, named", [
    ("{name}: sorry we missed your call", ["{name}", "{business}"]),
    ("     ", ["empty"]),
    ("{business: sorry we missed your call", ["{business}"]),
    ("A" * 2000, ["SMS"]),
], ids=["unknown-placeholder", "only-spaces", "missing-brace", "2000-characters"])
def test_a_template_mistake_is_named_in_plain_words_next_to_the_text_and_nothing_is_saved(owner, store, typed, named):
    before = store.templates()["missed_open"]
    response = owner.post("/templates", {"name": "missed_open", "body": typed, "action": "save"},
                          token_from="/templates")

    assert response.status_code == 400
    message = _errors(response)["error-missed_open"]
    assert store.templates()["missed_open"] == before
    assert _textarea(response, "body-missed_open") == typed.strip()
    missing = [word for word in named if word not in message]
    assert not missing, f'"{message}" does not say {missing}'
    jargon = [word for word in ("GSM-7 units", "parts", "{name}") if word in message and word not in typed]
    assert not jargon, f'"{message}" puts {jargon} to an owner who typed {typed[:40]!r}'


@pytest.mark.parametrize("character, body", [
    ("\U0001f600", "{business}: sorry we missed your call \U0001f600 we will ring you back as soon as we are free "
                   "today. Reply STOP to opt out."),
    ("\u2019", "{business}: sorry we missed your call, we\u2019ll ring you back as soon as we are free today. "
               "Reply STOP to opt out."),
], ids=["emoji", "curly-apostrophe"])
def test_an_emoji_or_a_curly_apostrophe_in_a_text_is_saved_with_a_warning_naming_it(owner, store, character, body):
    response = owner.post("/templates", {"name": "missed_open", "body": body, "action": "save"},
                          token_from="/templates")
    assert response.status_code == 302
    assert store.templates()["missed_open"] == body
    page = owner.client.get("/templates").get_data(as_text=True)
    assert "Read the warning next to it" in page
    warning = _text(re.search(r'id="warnings-missed_open">(.*?)</div>', page, re.S).group(1))
    assert f"\u201c{character}\u201d" in warning and "2 SMS" in warning and "fits 1 SMS" in warning


def test_a_200_character_or_script_shop_name_is_refused_or_shown_as_typed_never_run(owner, store):
    long_name = "Brightside Family Dental and Orthodontic Practice " * 4
    response = owner.post("/wizard/shop", {"business_name": long_name, "action": "save"}, token_from="/wizard/shop")
    assert response.status_code == 400
    assert "40 characters" in _errors(response)["business_name-error"]
    assert f"this is {len(long_name.strip())}" in _errors(response)["business_name-error"]
    assert _input_value(response, "business_name") == long_name.strip()
    assert store.load_settings().business_name == "Brightside Dental"

    name = "<script>alert(1)</script>"
    assert owner.post("/wizard/shop", {"business_name": name, "action": "save"},
                      token_from="/wizard/shop").status_code == 302
    assert store.load_settings().business_name == name
    for path in ("/", "/templates", "/templates/gallery", "/wizard/texts", "/hours", "/menu"):
        page = owner.client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.get_data(as_text=True), f"the name runs as a script on {path}"


def test_a_phones_curly_apostrophe_in_the_shop_name_is_pointed_out_in_the_wizard(owner, store):
    """A phone keyboard turns "Joe's" into "Joe’s". That one character takes every text out of the
    SMS alphabet: each missed call then costs 2 SMS. The Templates page warns; the wizard, where the
    name is typed, must too (or keep the plain apostrophe)."""
    response = owner.post("/wizard/shop", {"business_name": "Joe\u2019s Bikes", "action": "save"},
                          token_from="/wizard/shop")
    assert response.status_code in (200, 302, 400)
    if store.load_settings().business_name == "Joe's Bikes":
        return
    texts = owner.client.get("/wizard/texts").get_data(as_text=True)
    said = [page for page in (response.get_data(as_text=True), texts) if "\u201c\u2019\u201d" in page]
    assert said, ("the name was saved as \u201cJoe\u2019s Bikes\u201d and the wizard shows only "
                  f"{re.findall(r'class=.counter[^>]*>([^<]*)<', texts)}: nothing names the \u2019 that doubles "
                  "the cost of every text")


# ---- the reply menu ----------------------------------------------------------------------

def _menu(owner, *rows: tuple[str, str, str], urgent: str = "URGENT"):
    data = {"urgent": urgent}
    for n, (key, label, reply) in enumerate(rows, 1):
        data.update({f"key-{n}": key, f"label-{n}": label, f"reply-{n}": reply})
    return owner.post("/menu", data, token_from="/menu")


def test_menu_keys_duplicated_are_named_and_a_key_of_10_is_taken(owner, store):
    response = _menu(owner, ("1", "Book", "{business}: great! Which day suits you?"),
                     ("1", "Call me back", "{business}: we will call you back."))
    assert response.status_code == 400
    message = _errors(response)["options-error"]
    assert "Option 2" in message and "already" in message and "'1'" in message
    assert _input_value(response, "key-2") == "1" and _input_value(response, "label-2") == "Call me back"
    assert store.load_settings().menu_options == ()

    assert _menu(owner, ("10", "Book", "{business}: great!")).status_code == 302
    assert [(o.key, o.label) for o in store.load_settings().menu_options] == [("10", "Book")]


def test_a_menu_option_left_without_its_answer_is_explained_in_the_pages_own_words(owner, store):
    """The page calls the fields "Number or letter", "Name" and "Answer"."""
    response = _menu(owner, ("1", "Book", ""))
    assert response.status_code == 400
    message = _errors(response)["options-error"]
    assert store.load_settings().menu_options == ()
    assert "answer" in message.lower() and "string" not in message and "quotes" not in message, (
        f'an empty Answer box is explained as "{message}"')


# ---- answering a caller ------------------------------------------------------------------

def test_a_double_tap_on_send_reply_texts_the_caller_once(live):
    agent, owner = live
    agent.sim.call(CALLER, rings=2)
    agent.wait_calls(1, timeout=10)
    agent.wait_sent(1, timeout=10)
    page = owner.client.get(f"/conversation/{CALLER}").get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="(csrf_token|once)" value="([^"]+)"',     # every field
                           page[page.index('class="card reply"'):]))                             # the form sends

    taps = [owner.client.post(f"/conversation/{CALLER}/reply",      # the same form, tapped twice
                              data={**form, "body": "Yes, 10am on Tuesday works."}) for _ in range(2)]
    assert taps[0].status_code == 302 and taps[1].status_code in (200, 302, 400, 409)

    def settled():
        out = [m for m in agent.store.conversation_messages(CALLER) if m.direction == "out"]
        return all(m.status not in ("queued", "sending") for m in out) and len(agent.sim.sent) >= 2
    wait_for(settled, 15, "the reply (or replies) sent")
    agent.wait_settled()
    replies = [s for s in agent.sim.sent if s.number == CALLER and s.text == "Yes, 10am on Tuesday works."]
    assert len(replies) == 1, f"the caller was texted the reply {len(replies)} times after one double tap"


def test_answering_a_caller_who_opted_out_is_refused_keeping_the_text_and_nothing_goes_out(live):
    agent, owner = live
    agent.sim.call(CALLER, rings=2)
    agent.wait_calls(1, timeout=10)
    agent.wait_sent(1, timeout=10)
    token = owner.token(f"/conversation/{CALLER}")            # the page was open before the STOP came
    agent.sim.receive_sms(CALLER, "STOP")
    wait_for(lambda: agent.store.optout(CALLER), 10, "the STOP recorded")
    agent.wait_sent(2, timeout=10)                            # the opt-out confirmation

    response = owner.client.post(f"/conversation/{CALLER}/reply",
                                 data={"body": "Sorry to see you go!", "csrf_token": token})
    assert response.status_code == 400
    assert "opted out" in _errors(response)["body-error"]
    assert _textarea(response, "body") == "Sorry to see you go!"
    agent.wait_settled()
    assert [m.kind for m in agent.store.conversation_messages(CALLER) if m.direction == "out"] == [
        "optout_confirm", "missed_open"]
    assert all(s.text != "Sorry to see you go!" for s in agent.sim.sent)


def test_an_empty_or_very_long_answer_is_refused_saying_why_and_keeping_it(owner, store):
    add_call(store, CALLER, NOW - timedelta(minutes=5))
    add_inbound(store, CALLER, "Can I come in at 4?", NOW - timedelta(minutes=2))
    before = len(store.conversation_messages(CALLER))

    empty = owner.post(f"/conversation/{CALLER}/reply", {"body": "   \r\n "}, token_from=f"/conversation/{CALLER}")
    assert empty.status_code == 400 and "empty" in _errors(empty)["body-error"]

    long_answer = ("Yes, 4 works. " * 143)[:2000]
    long = owner.post(f"/conversation/{CALLER}/reply", {"body": long_answer}, token_from=f"/conversation/{CALLER}")
    assert long.status_code == 400
    message = _errors(long)["body-error"]
    assert "14 texts" in message and "6 or fewer" in message and "characters" in message
    assert _textarea(long, "body") == long_answer.strip()
    assert len(store.conversation_messages(CALLER)) == before


# ---- CSV export --------------------------------------------------------------------------

def test_csv_export_never_hands_a_spreadsheet_a_formula(owner, store):
    """A shop named "@Home Plumbing", a menu option "+Extra", and callers' texts that look like formulas."""
    assert owner.post("/wizard/shop", {"business_name": "@Home Plumbing", "action": "save"},
                      token_from="/wizard/shop").status_code == 302
    assert _menu(owner, ("1", "+Extra", "{business}: we will add it.")).status_code == 302
    add_call(store, CALLER, NOW - timedelta(minutes=9), text="@Home Plumbing: sorry we missed your call!")
    bodies = ['=HYPERLINK("http://example.com","Click")', "-2+3", "+cmd|' /C calc'!A0", "Fine; =1+1", "1"]
    for n, body in enumerate(bodies):
        add_inbound(store, CALLER, body, NOW - timedelta(minutes=8 - n))

    response = owner.client.get("/export/messages.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    cells = [value for row in rows for key, value in row.items() if key != "number"]
    risky = [cell for cell in cells for piece in cell.split(";") if piece.lstrip(" ")[:1] in ("=", "+", "-", "@")]
    assert not risky, f"cells a spreadsheet would run: {risky}"
    assert {row["number"] for row in rows} >= {CALLER}
    assert "'@Home Plumbing: sorry we missed your call!" in cells and "'+Extra" in cells


# ---- a session that ended while the owner was typing -------------------------------------

def _save_after_the_session_ended(owner, clock, how: str, typed: str):
    """Open Templates, type, come back eight days later (logged in again elsewhere or not), tap Save."""
    token = owner.token("/templates")
    clock.current = NOW + timedelta(days=8)
    if how == "logged-in-again-in-another-tab":
        assert owner.login().status_code == 302
    return owner.client.post("/templates", data={"name": "missed_open", "body": typed, "action": "save",
                                                 "csrf_token": token})


@pytest.mark.parametrize("how", ["idle-a-week", "logged-in-again-in-another-tab"])
def test_a_session_that_ended_mid_form_keeps_the_text_or_says_it_was_not_saved(owner, store, clock, how):
    """The owner opens Templates, starts a long text, is called away for eight days, comes back
    and taps Save. Either the text survives (kept on the page, or saved after logging in), or the
    page they land on says it was not saved."""
    typed = "{business}: we are on a job right now and will ring you back within the hour. Reply STOP to opt out."
    before = store.templates()["missed_open"]
    response = _save_after_the_session_ended(owner, clock, how, typed)
    assert response.status_code in (302, 400)
    seen = [response]
    while seen[-1].status_code == 302 and len(seen) < 5:
        seen.append(owner.client.get(seen[-1].headers["Location"]))
    if seen[-1].request.path == "/login":
        after_login = owner.client.post("/login", data={"password": PASSWORD, "csrf_token": owner.token("/login"),
                                                        "next": "/templates"})
        seen.append(owner.client.get(after_login.headers["Location"]))
    pages = [page.get_data(as_text=True) for page in seen]

    if store.templates()["missed_open"] == typed or any(html.escape(typed) in page for page in pages):
        return
    assert store.templates()["missed_open"] == before
    told = [page for page in pages if re.search(r"not (been )?saved|was lost|type it again", _text(page), re.I)]
    assert told, ("the typed text is gone and no page says so; the owner saw: "
                  + " | ".join(f"{page.request.path} {page.status_code}: {_text(body)[:160]}"
                               for page, body in zip(seen, pages)))


@pytest.mark.parametrize("how", ["idle-a-week", "logged-in-again-in-another-tab"])
def test_a_form_that_could_not_be_saved_comes_back_and_saves_with_one_tap(owner, store, clock, how):
    """What the owner typed is shown again (after logging in, when the login had ended) with a
    button that saves it; nothing is saved before that tap, and a password is never kept."""
    typed = "{business}: on a job, back within the hour. Reply STOP to opt out."
    before = store.templates()["missed_open"]
    response = _save_after_the_session_ended(owner, clock, how, typed)
    if how == "idle-a-week":
        assert response.status_code == 302 and response.location.startswith("/login")
        login_page = owner.client.get(response.location)
        assert "not saved" in _text(login_page.get_data(as_text=True))
        response = owner.client.post("/login", data={"password": PASSWORD, "csrf_token": owner.token("/login")})
        assert response.status_code == 302 and response.location == "/unsaved"
        response = owner.client.get("/unsaved")
    page = response.get_data(as_text=True)
    assert "Your changes were not saved" in _text(page) and typed in html.unescape(page)
    assert store.templates()["missed_open"] == before

    form = page[page.index('<form method="post" action="/templates"'):]
    fields = {name: html.unescape(value) for name, value in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[:form.index("</form>")])}
    saved = owner.client.post("/templates", data=fields)
    assert saved.status_code == 302 and store.templates()["missed_open"] == typed
    assert owner.client.get("/unsaved").location == "/"            # offered once


def test_a_password_form_sent_after_the_login_ended_is_not_kept(owner, store, clock):
    token = owner.token("/account")
    clock.current = NOW + timedelta(days=8)
    response = owner.client.post("/wizard/shop", data={"business_name": "Joe's", "password": "hunter2 secret",
                                                       "action": "save", "csrf_token": token})
    assert response.status_code == 302
    owner.client.post("/login", data={"password": PASSWORD, "csrf_token": owner.token("/login")})
    page = owner.client.get("/unsaved").get_data(as_text=True)
    assert "hunter2" not in page and "Save it now" not in page and "Joe&#39;s" in page


# ---- on a phone (Debian's chromium, 390 px) ----------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(start_agent):
    """A real agent, waitress serving its web UI, and a 390 × 844 phone logged in; its base URL."""
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import CHROMIUM_ARGS, served

    SHOTS.mkdir(parents=True, exist_ok=True)
    agent = start_agent("sim800")
    with served(agent) as url, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                                       is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(url + "/login")
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        yield agent, page, url
        context.close()
        chromium.close()


def _below(page, field: str, error: str) -> float:
    """How far under the field the error starts (px); fails when it is not in the field's column."""
    box, message = page.locator(field).bounding_box(), page.locator(error).bounding_box()
    assert message is not None, f"{error} is not shown"
    assert box["x"] - 1 <= message["x"] and message["x"] + message["width"] <= box["x"] + box["width"] + 1
    return message["y"] - (box["y"] + box["height"])


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()



@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_on_a_phone_a_bad_day_is_marked_under_its_own_field_without_sideways_scrolling(phone):
    agent, page, url = phone
    page.goto(url + "/hours")
    page.locator("#mon").fill("9-5")
    page.locator("#wed").fill("10:00-16:00")
    _submit(page, "Save hours")
    page.screenshot(path=str(SHOTS / "hours-bad-day.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "hours-bad-day-first-screen.png"))

    assert page.evaluate(_OVERFLOW) <= 0, "the page scrolls sideways at 390 px"
    assert page.input_value("#mon") == "9-5" and page.input_value("#wed") == "10:00-16:00"
    assert 0 <= _below(page, "#mon", "#mon-error") < 24
    assert agent.store.load_settings().hours["wed"] == ("00:00-24:00",)


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_on_a_phone_a_duplicated_menu_key_is_marked_at_the_option_it_names(phone):
    """Five options make a long page: the message about option 2 belongs at option 2."""
    agent, page, url = phone
    page.goto(url + "/menu")
    for n, (key, label, reply) in enumerate([("1", "Book", "{business}: great! Which day suits you?"),
                                            ("1", "Call me back", "{business}: we will call you back.")], 1):
        page.locator(f"#key-{n}").fill(key)
        page.locator(f"#label-{n}").fill(label)
        page.locator(f"#reply-{n}").fill(reply)
    _submit(page, "Save menu")
    page.screenshot(path=str(SHOTS / "menu-duplicate-key.png"), full_page=True)

    assert page.evaluate(_OVERFLOW) <= 0, "the page scrolls sideways at 390 px"
    assert "Option 2" in page.inner_text(".error")
    assert page.input_value("#key-2") == "1" and page.input_value("#label-2") == "Call me back"
    error = page.locator(".error").first.bounding_box()
    option = page.locator("fieldset.menu-option").nth(1).bounding_box()
    gap = min(abs(error["y"] - option["y"]), abs(error["y"] - (option["y"] + option["height"])))
    inside = option["y"] <= error["y"] <= option["y"] + option["height"]
    assert inside or gap < 48, (f"the message about option 2 is at y={error['y']:.0f} px, option 2 at "
                                f"y={option['y']:.0f}-{option['y'] + option['height']:.0f} px")


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_on_a_phone_back_after_fixing_and_saving_a_text_shows_the_saved_text(phone):
    """A mistake, then the fix saved, then the phone's back button: the owner must see the text that
    is in use (or the page fresh), not the refused one, and never a browser error page."""
    agent, page, url = phone
    page.goto(url + "/templates")
    page.locator("#body-missed_open").fill("{name}: sorry we missed your call. Reply STOP to opt out.")
    with page.expect_navigation():
        page.locator("#missed_open").get_by_role("button", name="Save", exact=True).click()
    page.screenshot(path=str(SHOTS / "templates-unknown-placeholder.png"), full_page=False)
    assert page.evaluate(_OVERFLOW) <= 0, "the page scrolls sideways at 390 px"
    assert "{name}" in page.inner_text("#error-missed_open")
    assert 0 <= _below(page, "#body-missed_open", "#error-missed_open") < 24

    fixed = "{business}: sorry we missed your call. Reply STOP to opt out."
    page.locator("#body-missed_open").fill(fixed)
    page.locator("#missed_open").get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=The next text of this kind uses it")
    assert agent.store.templates()["missed_open"] == fixed

    try:
        page.go_back()
    except Exception as error:          # playwright's Error: the browser showed its own error page
        page.screenshot(path=str(SHOTS / "templates-after-back.png"), full_page=False)
        pytest.fail(f"Back after saving shows the browser's error page ({str(error).splitlines()[0]}): "
                    "Chrome's \"Confirm Form Resubmission\", to a page the owner no longer wants")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "templates-after-back.png"), full_page=False)
    shown = page.locator("#body-missed_open")
    assert shown.count() == 1, f"after Back the phone shows {page.url}: {page.inner_text('body')[:200]!r}"
    assert shown.input_value() == fixed, f"after Back the text box shows {shown.input_value()!r}, not the text in use"
