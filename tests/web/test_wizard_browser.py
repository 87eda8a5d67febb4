"""The whole first run on a phone (Debian's chromium at 390×844), over HTTPS with the box's own
certificate, against a real agent on a simulated modem: http:// is sent to https://, a wrong setup
code is refused, the right one leads to the password, every wizard step is filled in, and a test
call to the simulated modem shows up live, then its text, with the time between. Then a reply
appears in the inbox without a reload, and the cookie replayed after logout gets the login page.

Screenshots: test-output/screenshots/wizard-*.png.
"""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, _OVERFLOW, _SMALL_TARGETS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]

CALLER = "+447400333444"


@pytest.fixture
def box(start_agent, serve):
    """A real agent on the simulator, and TextBack's own server with [web] tls on."""
    agent = start_agent("sim800", web={"tls": True})
    _server, url = serve(agent.config)
    return agent, url.split(":")[-1]


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                      has_touch=True, ignore_https_errors=True)   # the owner accepts the warning
        yield context
        context.close()
        browser.close()


def _shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"wizard-{name}.png"), full_page=True)
    assert page.evaluate(_OVERFLOW) <= 0, f"{name}: the page scrolls sideways at 390 px"
    assert page.evaluate(_SMALL_TARGETS) == [], f"{name}: touch targets under 44 px"


def _save(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save and go on").click()


def test_owner_sets_up_the_box_on_a_phone_and_watches_a_test_call(box, phone):
    agent, port = box
    page = phone.new_page()
    page.goto(f"http://127.0.0.1:{port}/")
    assert page.url.startswith(f"https://127.0.0.1:{port}/")
    assert page.get_by_role("heading", name="Set up TextBack").is_visible()
    _shoot(page, "01-code")

    code = agent.store.setup_code().code
    page.get_by_label("Setup code").fill("CCC-CCC" if code != "CCC-CCC" else "DDD-DDD")
    page.get_by_role("button", name="Continue").click()
    assert "That setup code is not right" in page.inner_text("#code-error")
    _shoot(page, "02-code-wrong")
    page.get_by_label("Setup code").fill(code.lower())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/setup/password")
    page.get_by_label("New password").fill("blue bikes on the high street")
    page.get_by_label("The same password again").fill("blue bikes on the high street")
    _shoot(page, "03-password")
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/wizard/secure")
    fingerprint = page.locator("code.fingerprint").first.inner_text()
    assert len(fingerprint) == 95 and fingerprint.count(":") == 31
    _shoot(page, "04-secure")
    with page.expect_navigation():
        page.get_by_role("button", name="Go on").click()

    page.get_by_label("Shop name, as customers know it").fill("Brightside Dental")
    _shoot(page, "05-shop")
    _save(page)
    assert page.get_by_label("Country of the shop").input_value() == "GB"
    assert page.get_by_label("Time zone").input_value() == "Europe/London"
    _shoot(page, "06-place")
    _save(page)
    page.get_by_label("Monday").fill("9-5")
    _save(page)
    assert 'got "9-5"' in page.inner_text("#mon-error")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(day, exact=True).fill("00:00-24:00")
    _shoot(page, "07-hours")
    _save(page)
    page.get_by_label("Your own mobile number").fill("07400 111999")
    _shoot(page, "08-owner")
    _save(page)

    assert page.locator("#codes").is_hidden()
    page.get_by_text("The shop's phone forwards unanswered calls").click()
    assert page.locator("#codes").is_visible()                  # shown at once (wizard.js), before saving
    page.get_by_label("The box's own number (its SIM)").fill("07400 222333")
    _save(page)
    assert "**61*+447400222333**20#" in page.inner_text("#codes")
    _shoot(page, "09-line-codes")
    with page.expect_navigation():
        page.get_by_role("button", name="Codes typed: go on").click()

    assert page.inner_text("#preview-missed_open").startswith("Brightside Dental: sorry we missed your call!")
    page.locator("#body-missed_open").fill("{business}: sorry we missed you! Reply here. Reply STOP to opt out.")
    assert page.inner_text("#preview-missed_open") == "Brightside Dental: sorry we missed you! Reply here. Reply STOP to opt out."
    _shoot(page, "10-texts")
    _save(page)

    page.wait_for_url("**/wizard/test?after=*")
    assert "Waiting for a call" in page.inner_text("#test-call")
    _shoot(page, "11-test-waiting")
    sent_before = len(agent.sim.sent)
    agent.sim.call(CALLER, rings=2)
    page.wait_for_selector("#test-call-seen", timeout=15_000)
    page.wait_for_function("() => document.querySelector('#test-text') && "
                           "document.querySelector('#test-text').textContent.startsWith('Text sent')", timeout=20_000)
    shown = page.inner_text("#test-call")
    assert "Call from 07400 333444" in shown and "s after the call ended" in shown
    assert "Brightside Dental: sorry we missed you! Reply here." in shown
    _shoot(page, "12-test-done")
    [text] = agent.sim.sent[sent_before:]                                   # what the modem was given
    assert text.number == CALLER and text.text == "Brightside Dental: sorry we missed you! Reply here. Reply STOP to opt out."
    values = agent.store.setting_values()
    assert (values["business_name"], values["owner_phone"], values["line_mode"], values["box_number"]) == \
        ("Brightside Dental", "+447400111999", "forwarded", "+447400222333")

    with page.expect_navigation():
        page.get_by_role("button", name="Finish").click()
    assert "Set-up done" in page.inner_text("main")
    _shoot(page, "13-inbox")

    agent.sim.receive_sms(CALLER, "Thanks! Can I come in at 4?")
    page.wait_for_function("() => document.querySelector('main').textContent.includes('Can I come in at 4?')",
                           timeout=20_000)                                  # no reload: live.js
    wait_for(lambda: page.title().startswith("(1) "), 10, "the unread count in the title")
    _shoot(page, "14-inbox-live")

    cookies = phone.cookies()
    page.goto(f"https://127.0.0.1:{port}/account")
    _shoot(page, "15-account")
    with page.expect_navigation():
        page.get_by_role("button", name="Log out", exact=True).click()
    assert "You are logged out" in page.inner_text("main")
    phone.clear_cookies()
    phone.add_cookies(cookies)                                              # the old cookie, replayed
    page.goto(f"https://127.0.0.1:{port}/calls")
    assert "/login" in page.url and page.get_by_role("heading", name="Log in").is_visible()
