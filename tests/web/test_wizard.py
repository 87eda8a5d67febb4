"""First run and the set-up wizard through the Flask test client: the setup code (wrong, used,
rate-limited, reset), the password, and each step's saving, errors and skipping."""

from __future__ import annotations

import html
import re

import pytest

from agent.passwords import password_is_set
from agent.tools.setup_code import ALPHABET, new_code, normalise, reset_password
from tests.web.conftest import NOW, Owner

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Newcomer(Owner):
    """The owner on the first day: no password yet, the setup code from the installer."""

    def token(self, path: str = "/setup") -> str:
        match = _TOKEN.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def enter_code(self, code: str):
        return self.client.post("/setup", data={"code": code, "csrf_token": self.token("/setup")})

    def choose_password(self, password: str, again: str | None = None):
        return self.client.post("/setup/password", data={"password": password, "password_again": again or password,
                                                         "csrf_token": self.token("/setup/password")})

    def step(self, name: str, **form: str):
        return self.client.post(f"/wizard/{name}", data={**form, "csrf_token": self.token(f"/wizard/{name}")})


@pytest.fixture
def newcomer(client, store, clock) -> Newcomer:
    return Newcomer(client, store, clock)


@pytest.fixture
def set_up(newcomer, store) -> Newcomer:
    """Code entered and password chosen: logged in, at the wizard."""
    newcomer.client.get("/")
    assert newcomer.enter_code(store.setup_code().code).status_code == 302
    assert newcomer.choose_password("a good long password").status_code == 302
    return newcomer


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_codes_are_short_and_have_no_look_alikes():
    for _ in range(200):
        code = new_code()
        assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", code)
        assert not set(code.replace("-", "")) & set("0O1IL5S2Z8BUV")
    assert set(ALPHABET).isdisjoint("0O1IL5S2Z8BUV")
    assert normalise(" 7kq 4mx ") == "7KQ-4MX" == normalise("7kq-4mx")


def test_every_page_shows_the_setup_code_form_until_a_password_is_set(newcomer, store):
    for path in ("/", "/calls", "/settings", "/login", "/wizard/shop"):
        response = newcomer.client.get(path)
        assert response.status_code == 503 and "Setup code" in _text(response), path
    assert store.setup_code() is not None and store.setup_code().used_at is None


def test_a_wrong_code_is_refused(newcomer, store):
    newcomer.client.get("/")
    response = newcomer.enter_code("AAA-AAA" if store.setup_code().code != "AAA-AAA" else "CCC-CCC")
    assert response.status_code == 401 and "That setup code is not right" in _text(response)
    assert newcomer.client.get("/setup/password").status_code == 302          # not let through
    assert not password_is_set(store)


def test_the_right_code_typed_loosely_leads_to_the_password(newcomer, store):
    newcomer.client.get("/")
    code = store.setup_code().code
    response = newcomer.enter_code(code.lower().replace("-", " "))
    assert response.status_code == 302 and response.location == "/setup/password"
    bad = newcomer.choose_password("a good long password", "a good long passw0rd")
    assert bad.status_code == 400 and "not the same" in _text(bad)
    short = newcomer.choose_password("short")
    assert short.status_code == 400 and "at least 8 characters" in _text(short)
    done = newcomer.choose_password("a good long password")
    assert done.status_code == 302 and done.location == "/wizard/secure"
    assert password_is_set(store) and store.setup_code().used_at is not None
    assert newcomer.client.get("/wizard/secure").status_code == 200           # logged in on this phone


def test_a_used_code_is_refused(set_up, app, store, clock):
    code = store.setup_code().code
    other = Newcomer(app.test_client(), store, clock)
    response = other.client.post("/setup", data={"code": code, "csrf_token": Owner(other.client, store, clock).token()})
    assert response.status_code == 302 and response.location == "/login"
    assert other.client.get("/setup/password").location == "/login"
    assert "no longer works" in _text(other.client.get("/login"))
    assert other.client.get("/").status_code == 302                          # not logged in


def test_setup_code_tries_are_limited(newcomer, store):
    newcomer.client.get("/")
    code = store.setup_code().code
    wrong = "CCC-CCC" if code != "CCC-CCC" else "DDD-DDD"
    for _ in range(5):
        assert newcomer.enter_code(wrong).status_code == 401
    blocked = newcomer.enter_code(code)
    assert blocked.status_code == 429 and "Too many wrong codes" in _text(blocked)


def test_reset_clears_the_password_ends_sessions_and_makes_a_new_code(set_up, store, clock):
    old = store.setup_code().code
    new = reset_password(store, clock.now())
    assert new != old and not password_is_set(store) and store.web_sessions() == []
    assert set_up.client.get("/").status_code == 503
    assert set_up.enter_code(old).status_code == 401
    assert set_up.enter_code(new).status_code == 302


# ---- the steps ---------------------------------------------------------------------------

def test_shop_name(set_up, store):
    assert "Type the shop" in _text(set_up.step("shop", business_name="  "))
    too_long = set_up.step("shop", business_name="x" * 41)
    assert too_long.status_code == 400 and "40 characters or fewer (this is 41)" in _text(too_long)
    assert set_up.step("shop", business_name="Joe's Bikes").location == "/wizard/place"
    assert store.load_settings().business_name == "Joe's Bikes"


OPERATORS = """<?xml version="1.0" encoding="utf-8"?>
<serviceproviders format="2.0">
<country code="fr"><provider><name>Orange</name><gsm><network-id mcc="208" mnc="01"/></gsm></provider>
  <provider><name>SFR</name><gsm><network-id mcc="208" mnc="10"/></gsm></provider></country>
<country code="gb"><provider><name>O2</name><gsm><network-id mcc="234" mnc="10"/></gsm></provider></country>
</serviceproviders>
"""   # the shape of mobile-broadband-provider-info's serviceproviders.xml (Debian package)


def test_the_operator_list_maps_mobile_country_codes_to_countries(tmp_path):
    from web.place_suggestion import PROVIDERS_FILE, mcc_countries

    path = tmp_path / "serviceproviders.xml"
    path.write_text(OPERATORS)
    assert mcc_countries(path) == {"208": "FR", "234": "GB"}
    assert mcc_countries(tmp_path / "missing.xml") == {}
    if PROVIDERS_FILE.exists():                                    # the real list, where it is installed
        assert mcc_countries()["234"] == "GB" and mcc_countries()["208"] == "FR"


def test_country_and_time_zone_are_suggested_from_the_sim(set_up, app, store, clock, tmp_path):
    (tmp_path / "serviceproviders.xml").write_text(OPERATORS)
    app.config["TEXTBACK_PROVIDERS_FILE"] = tmp_path / "serviceproviders.xml"
    store.set_modem_state(clock.now(), imsi="208011234567890")    # what the agent records from AT+CIMI (France)
    page = _text(set_up.client.get("/wizard/place"))
    assert "Suggested from the SIM card (mobile country code 208)" in page
    assert '<option value="FR" selected>' in page and '<option value="Europe/Paris" selected>' in page
    bad = set_up.step("place", country="XX", timezone="Mars/Olympus")
    assert bad.status_code == 400 and "Choose the shop's country" in _text(bad) and "Choose the shop's time zone" in _text(bad)
    assert set_up.step("place", country="FR", timezone="Europe/Paris").location == "/wizard/hours"
    settings = store.load_settings()
    assert (settings.country, settings.timezone) == ("FR", "Europe/Paris")


def test_without_sim_facts_the_current_settings_stand(set_up):
    page = _text(set_up.client.get("/wizard/place"))
    assert "Suggested from your current settings" in page and '<option value="GB" selected>' in page


def test_hours(set_up, store):
    bad = set_up.step("hours", mon="9-5", tue="09:00-17:30")
    assert bad.status_code == 400 and 'got "9-5"' in _text(bad) and 'value="9-5"' in _text(bad)
    days = {"mon": "09:00-12:30, 13:30-17:30", "tue": "09:00-17:30", "wed": "", "thu": "closed", "fri": "09:00-17:30",
            "sat": "10:00-14:00", "sun": ""}
    assert set_up.step("hours", **days).location == "/wizard/owner"
    settings = store.load_settings()
    assert settings.hours["mon"] == ("09:00-12:30", "13:30-17:30") and settings.hours["wed"] == ()
    assert settings.hours_set


def test_owner_mobile_checked_with_phonenumbers(set_up, store):
    landline = set_up.step("owner", owner_phone="020 7946 0000")
    assert landline.status_code == 400 and "not a mobile number" in _text(landline)
    nonsense = set_up.step("owner", owner_phone="12")
    assert nonsense.status_code == 400 and "not a phone number we can read" in _text(nonsense)
    assert set_up.step("owner", owner_phone="07400 111999").location == "/wizard/line"
    assert store.load_settings().owner_phone == "+447400111999"


def test_forwarded_line_needs_the_box_number_and_shows_the_codes(set_up, store):
    missing = set_up.step("line", line_mode="forwarded", ring_out_after_rings="3", box_number="")
    assert missing.status_code == 400 and "Type the box's own number" in _text(missing)
    saved = set_up.step("line", line_mode="forwarded", ring_out_after_rings="3", box_number="07400 222333")
    assert saved.location == "/wizard/line#codes"
    page = _text(set_up.client.get("/wizard/line"))
    for code in ("**61*+447400222333**20#", "**62*+447400222333#", "**67*+447400222333#", "##61#"):
        assert code in page
    values = store.setting_values()
    assert (values["line_mode"], values["ring_out_after_rings"], values["box_number"]) == ("forwarded", 3, "+447400222333")
    assert set_up.step("line", line_mode="forwarded", ring_out_after_rings="3", box_number="07400 222333",
                       action="next").location == "/wizard/texts"


def test_own_sim_takes_the_number_from_the_sim(set_up, store, clock):
    store.set_modem_state(clock.now(), own_number="+447700900123")   # what the agent records from AT+CNUM
    page = _text(set_up.client.get("/wizard/line"))
    assert 'value="+44 7700 900123"' in page and "Read from the SIM card" in page
    bad = set_up.step("line", line_mode="landline", ring_out_after_rings="99")
    assert "Choose one of the three ways" in _text(bad) and "Choose a number of rings" in _text(bad)
    assert set_up.step("line", line_mode="own_sim", ring_out_after_rings="0",
                       box_number="+44 7700 900123").location == "/wizard/texts"
    assert store.setting_values()["line_mode"] == "own_sim"
    assert store.setting_values()["box_number"] == "+447700900123"


def test_first_texts_with_a_preview(set_up, store):
    store.set_setting("business_name", "Joe's Bikes", NOW)
    page = _text(set_up.client.get("/wizard/texts"))
    assert "Joe's Bikes: sorry we missed your call!" in page and "SMS" in page
    bad = set_up.step("texts", body_missed_open="{buisness}: sorry!", body_missed_closed="{business}: closed")
    assert bad.status_code == 400 and "did you mean '{business}'" in _text(bad)
    assert store.templates()["missed_open"] != "{buisness}: sorry!"
    assert set_up.step("texts", body_missed_open="{business}: sorry we missed you! Reply STOP to opt out.",
                       body_missed_closed="{business}: we open {next_open}. Reply STOP to opt out.").location \
        == "/wizard/test"
    assert store.templates()["missed_open"] == "{business}: sorry we missed you! Reply STOP to opt out."


def test_every_step_can_be_skipped_and_nothing_changes(set_up, store):
    before = store.setting_values(), store.templates()
    steps = ["shop", "place", "hours", "owner", "line", "texts"]
    for name, following in zip(steps, steps[1:] + ["test"]):
        response = set_up.step(name, action="skip", business_name="", owner_phone="x", line_mode="?")
        assert response.location == f"/wizard/{following}", name
    assert (store.setting_values(), store.templates()) == before


def test_the_test_step_waits_for_the_next_call_and_finishing_goes_to_the_inbox(set_up):
    opened = set_up.client.get("/wizard/test")
    assert opened.status_code == 302 and opened.location == "/wizard/test?after=0"
    page = _text(set_up.client.get("/wizard/test?after=0"))
    assert "Waiting for a call" in page
    done = set_up.client.post("/wizard/test", data={"action": "save", "csrf_token": set_up.token("/wizard/test?after=0")})
    assert done.location == "/"
    assert "Set-up done" in _text(set_up.client.get("/"))


def test_the_wizard_opens_again_from_the_account_page(owner):
    page = owner.client.get("/account").get_data(as_text=True)
    assert 'href="/wizard"' in page
    assert owner.client.get("/wizard").location == "/wizard/secure"
    assert owner.client.get("/wizard/nothing").status_code == 404
