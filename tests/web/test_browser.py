"""What the owner does on a phone, in Debian's chromium, against a real agent on a simulated modem.

Log in with the keyboard, see the missed call, open the conversation, reply (the modem sends it),
edit the open-hours template (the next missed call uses it), change the hours (a bad entry is
explained, the next call gets the closed-hours text). Every page is screenshotted into
test-output/screenshots/ at 390×844 and checked for sideways scrolling and small touch targets.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent.passwords import PASSWORD_KEY
from tests.conftest import wait_for
from tests.web.conftest import FAST_HASH, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]

# Elements a thumb must hit: each at least 44 px tall.
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, nav a, a.button, summary, .back a, .pager a')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map(e => e.outerHTML.slice(0, 80))"""
_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@contextmanager
def served(agent) -> Iterator[str]:
    """waitress serving the web UI for a running agent on a free port of 127.0.0.1; its address."""
    from waitress import create_server

    from web import create_app

    app = create_app({"TEXTBACK_CONFIG": agent.config})
    store = app.extensions["textback"].store
    store.set_setting(PASSWORD_KEY, FAST_HASH, datetime.now().astimezone())
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
        store.close()


@pytest.fixture
def web(start_agent):
    """A running agent, and waitress serving the web UI on a free port of 127.0.0.1."""
    agent = start_agent("sim800")
    with served(agent) as url:
        yield agent, url


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                                      is_mobile=True, has_touch=True)
        yield context.new_page()
        context.close()
        browser.close()


def _shoot(page, name: str) -> None:
    """Screenshot the whole page, and check it fits a phone: no sideways scroll, big targets."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate(_OVERFLOW) <= 0, f"{name}: the page scrolls sideways at 390 px"
    assert page.evaluate(_SMALL_TARGETS) == [], f"{name}: touch targets under 44 px"


def _closed_now_range(tz: str) -> str:
    """A one-hour range starting two hours from now (local), so the shop is closed right now."""
    start = datetime.now(ZoneInfo(tz)) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def test_owner_answers_a_missed_call_and_edits_template_and_hours_on_a_phone(web, page):
    agent, url = web

    page.goto(url + "/")
    assert "/login" in page.url
    _shoot(page, "01-login")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'password'")
    page.keyboard.type(PASSWORD)                      # the password field has focus: keyboard only
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/")

    agent.sim.call("+447400111222", rings=2)
    [first] = agent.wait_sent(1, timeout=8)
    assert first.number == "+447400111222" and first.text.startswith("Brightside Dental:")
    wait_for(lambda: agent.calls() and agent.store.message(agent.calls()[0].message_id).status == "sent",
             what="the first text marked sent")

    page.goto(url + "/calls")
    assert "Texted at" in page.inner_text("main") and "07400 111222" in page.inner_text("main")
    _shoot(page, "02-calls")

    page.goto(url + "/")
    _shoot(page, "03-inbox")
    page.get_by_role("link", name="07400 111222").click()
    page.wait_for_url("**/conversation/**")
    assert "Missed call" in page.inner_text("main") and "Sent" in page.inner_text("main")
    page.get_by_label("Reply from the shop's number").fill("Hi! Yes, we can fit you in at 3 today.")
    assert "1 SMS" in page.inner_text("#body-count")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_load_state()
    assert "Reply queued" in page.inner_text("main")
    sent = agent.wait_sent(2, timeout=8)
    assert (sent[1].number, sent[1].text) == ("+447400111222", "Hi! Yes, we can fit you in at 3 today.")
    wait_for(lambda: all(m.status == "sent" for m in agent.store.messages_for("+447400111222")),
             what="the reply marked sent")
    page.reload()
    _shoot(page, "04-conversation")

    page.goto(url + "/templates")
    box = page.locator("#body-missed_open")
    box.fill("{business}: sorry we missed you! We'll call back soon. Reply STOP to opt out. 😊")
    assert "UCS-2" in page.inner_text("#count-missed_open")
    assert page.inner_text("#preview-missed_open").startswith("Brightside Dental: sorry we missed you!")
    box.fill("{buisness}: sorry we missed you!")
    page.locator("#missed_open").get_by_role("button", name="Save").click()
    assert "did you mean '{business}'" in page.inner_text("#error-missed_open")
    assert page.locator("#body-missed_open").input_value() == "{buisness}: sorry we missed you!"
    _shoot(page, "05-templates-error")
    page.locator("#body-missed_open").fill("{business}: sorry we missed you! We'll call back soon. "
                                           "Reply STOP to opt out.")
    page.locator("#missed_open").get_by_role("button", name="Save").click()
    assert "Saved" in page.inner_text("main")
    _shoot(page, "06-templates")

    agent.sim.call("+447400333444", rings=2)
    third = agent.wait_sent(3, timeout=8)[2]
    assert third.text == "Brightside Dental: sorry we missed you! We'll call back soon. Reply STOP to opt out."

    page.goto(url + "/hours")
    page.get_by_label("Monday").fill("9-5")
    page.get_by_role("button", name="Save hours").click()
    assert 'got "9-5"' in page.inner_text("main")
    assert page.get_by_label("Monday").input_value() == "9-5"
    _shoot(page, "07-hours-error")
    closed = _closed_now_range(agent.config.business.timezone)
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(day, exact=True).fill(closed)
    page.get_by_label("Holidays (closed all day)").fill("2026-12-25")
    page.get_by_role("button", name="Save hours").click()
    assert "Opening hours saved" in page.inner_text("main") and "Closed now" in page.inner_text("main")
    _shoot(page, "08-hours")

    agent.sim.call("+447400555666", rings=2)
    fourth = agent.wait_sent(4, timeout=8)[3]
    assert fourth.number == "+447400555666" and "We open " in fourth.text

    for path, name in (("/rules", "09-rules"), ("/optouts", "10-optouts"), ("/status", "11-status"),
                       ("/dashboard", "12-dashboard"), ("/dashboard?days=30", "13-dashboard-30"),
                       ("/export", "14-export"), ("/calls", "15-calls-after")):
        page.goto(url + path)
        _shoot(page, name)
    assert "Online." in page.goto(url + "/status").text()
