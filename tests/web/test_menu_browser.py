"""The reply menu on a phone (Debian's chromium at 390×844), against a real agent on a simulated
modem: the owner fills two options, a mistake is named, then saved; a caller's "1" is answered.

Screenshots: test-output/screenshots/menu-*.png.
"""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.web import test_browser
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, SCREENSHOTS, _OVERFLOW, _SMALL_TARGETS

web = test_browser.web
page = test_browser.page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]


def _shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"menu-{name}.png"), full_page=True)
    assert page.evaluate(_OVERFLOW) <= 0, f"{name}: the page scrolls sideways at 390 px"
    assert page.evaluate(_SMALL_TARGETS) == [], f"{name}: touch targets under 44 px"


def test_owner_sets_a_reply_menu_on_a_phone_and_a_caller_chooses_1(web, page):
    agent, url = web
    page.goto(url + "/menu")
    page.locator("#password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/menu")
    page.locator("#key-1").fill("1")
    page.locator("#label-1").fill("Book")
    page.locator("#reply-1").fill("{business}: great! Which day suits you?")
    page.locator("#key-2").fill("1")
    page.locator("#label-2").fill("Call me back")
    page.locator("#reply-2").fill("{business}: we'll call you back soon.")
    page.get_by_role("button", name="Save menu").click()
    assert "already" in page.inner_text("#options-error")
    _shoot(page, "01-mistake")
    page.locator("#key-2").fill("3")
    page.get_by_role("button", name="Save menu").click()
    page.wait_for_selector("text=Menu saved")
    _shoot(page, "02-saved")

    agent.sim.receive_sms("+447911123456", "1")
    wait_for(lambda: [s for s in agent.sim.sent if s.number == "+447911123456"], 10, "the menu answer")
    [answer] = [s for s in agent.sim.sent if s.number == "+447911123456"]
    assert answer.text == "Brightside Dental: great! Which day suits you?"
