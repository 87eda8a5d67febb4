"""The gallery and the checks on a phone (Debian's chromium at 390×844), against a real agent on a
simulated modem: open the gallery, pick a kind of business, tap "Use this text", and the next
missed call gets that text; then a text with a shortened link, capitals and "!!" is checked, then
saved, and its warnings stand next to the field.

Screenshots: test-output/screenshots/gallery-*.png.
"""

from __future__ import annotations

import pytest

from agent.rules.gallery import gallery_entry
from agent.rules.templates import render
from tests.conftest import wait_for
from tests.web import test_browser
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, SCREENSHOTS, _OVERFLOW, _SMALL_TARGETS

web = test_browser.web          # the fixtures: a running agent with the web UI served, and a phone
page = test_browser.page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]


def _shoot(page, name: str, card: str | None = None) -> None:
    """The whole page, and the card being worked on at full size (a phone-length page is hard to read)."""
    page.screenshot(path=str(SCREENSHOTS / f"gallery-{name}.png"), full_page=True)
    if card:
        page.locator(card).screenshot(path=str(SCREENSHOTS / f"gallery-{name}-card.png"))
    assert page.evaluate(_OVERFLOW) <= 0, f"{name}: the page scrolls sideways at 390 px"
    assert page.evaluate(_SMALL_TARGETS) == [], f"{name}: touch targets under 44 px"


def test_owner_copies_a_gallery_text_and_sees_the_warnings_of_a_risky_one(web, page):
    agent, url = web
    page.goto(url + "/templates")
    page.locator("#password").fill(PASSWORD)      # typing before the page's autofocus lands loses keys
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/templates")

    page.get_by_role("link", name="Start from a ready-made text").click()
    page.wait_for_url(url + "/templates/gallery")
    _shoot(page, "01-gallery")
    page.get_by_text("Emergency services", exact=True).click()        # open that kind
    entry = gallery_entry("emergency-open")
    card = page.locator(f"#gallery-{entry.key}")
    card.scroll_into_view_if_needed()
    expected = render(entry.body, {"business": "Brightside Dental"})
    assert card.locator(".preview p").inner_text() == expected
    _shoot(page, "02-gallery-emergency", f"#gallery-{entry.key}")
    with page.expect_navigation():
        card.get_by_role("button", name="Use this text").click()
    assert page.url == url + "/templates#missed_open"
    assert "Copied \u201cEmergency services: Missed call while open\u201d" in page.inner_text("main")
    assert page.locator("#body-missed_open").input_value() == entry.body
    assert page.locator("#warnings-missed_open").count() == 0
    _shoot(page, "03-copied", "#missed_open")

    agent.sim.call("+447400111222", rings=2)
    [text] = agent.wait_sent(1, timeout=8)
    assert (text.number, text.text) == ("+447400111222", expected)
    wait_for(lambda: agent.calls() and agent.store.message(agent.calls()[0].message_id).body == expected,
             what="the copied text in the database")

    risky = "{business}: WE ARE ON A CALL-OUT!! BOOK AT BIT.LY/FIXNOW. Reply STOP to opt out."
    page.locator("#body-missed_open").fill(risky)
    with page.expect_navigation():
        page.locator("#missed_open").get_by_role("button", name="Check").click()
    warnings = page.locator("#warnings-missed_open")
    assert page.url == url + "/templates#missed_open"
    assert "checked and not saved yet" in page.locator("#missed_open .preview-label").text_content()
    assert [w.get_attribute("data-check") for w in warnings.locator("[data-check]").all()] == [
        "url_shortener", "capitals", "exclamations"]
    assert agent.store.templates()["missed_open"] == entry.body          # checking saves nothing
    warnings.scroll_into_view_if_needed()
    _shoot(page, "04-checked", "#missed_open")
    with page.expect_navigation():
        page.locator("#missed_open").get_by_role("button", name="Save").click()
    assert "Read the warnings next to it." in page.inner_text("main")
    assert agent.store.templates()["missed_open"] == risky
    assert "Carrier filtering. bit.ly is a public link shortener" in page.locator("#warnings-missed_open").inner_text()
    page.locator("#missed_open").scroll_into_view_if_needed()
    _shoot(page, "05-saved-with-warnings", "#missed_open")
