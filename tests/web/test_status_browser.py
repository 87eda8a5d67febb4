"""The status page on a phone (Debian's chromium at 390×844), against a real agent on a simulated
modem: the modem is unplugged (red banner, an outage that is still going), someone rings while it
is off the bus, the modem comes back (the outage closes, and the agent finds the caller in the
modem's own missed-calls list), and the owner sends them the usual text with one tap; the agent
sends it.

Screenshots: /tmp/status-deaf-390.png (while unplugged) and /tmp/status-390.png (after).
"""

from __future__ import annotations

import pytest

from agent.daemon.unheard import SEEN_KEY
from tests.conftest import wait_for
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, _OVERFLOW, _SMALL_TARGETS, page, web  # noqa: F401 (fixtures)

CALLER_AS_LISTED = "07400111333"       # how the modem's missed-calls list holds it (national, toa 129)
CALLER = "+447400111333"
SHOWN = "07400 111333"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]


def _shoot(page, path: str) -> None:  # noqa: F811 (page is the fixture's value)
    page.screenshot(path=path, full_page=True)
    assert page.evaluate(_OVERFLOW) <= 0, f"{path}: the page scrolls sideways at 390 px"
    assert page.evaluate(_SMALL_TARGETS) == [], f"{path}: touch targets under 44 px"


def test_owner_sees_an_outage_and_texts_the_caller_the_box_did_not_hear(web, page):  # noqa: F811
    agent, url = web
    page.goto(url + "/status")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(url + "/status")
    assert page.inner_text("#hearing").startswith("Hearing calls.")

    wait_for(lambda: SEEN_KEY in agent.store.modem_state(), 5, "the missed-calls list read once as a baseline")
    agent.sim.unplug()
    wait_for(lambda: not agent.service.ready.is_set(), 15, "the box notices the modem is gone")
    wait_for(lambda: agent.store.open_downtime_period() is not None, 5, "the outage recorded")
    page.reload()
    banner = page.inner_text("#hearing")
    assert banner.startswith("Not hearing calls — modem unplugged, since Today,"), banner
    outages = page.inner_text("#outages + ul")
    assert "still" in outages and "modem unplugged" in outages
    _shoot(page, "/tmp/status-deaf-390.png")

    agent.sim.missed_calls.append((CALLER_AS_LISTED, 129))   # rang while the modem was off the bus
    agent.sim.replug()
    wait_for(agent.service.ready.is_set, 15, "the modem back")
    wait_for(lambda: agent.store.open_downtime_period() is None, 5, "the outage closed")
    wait_for(agent.store.unheard_calls, 10, "the caller the box did not hear listed")
    page.reload()
    assert page.inner_text("#hearing").startswith("Hearing calls.")
    latest = page.locator(".outages li").first.inner_text()
    assert "modem unplugged" in latest and "still" not in latest
    unheard = page.locator(".unheard li")
    assert unheard.count() == 1 and SHOWN in unheard.inner_text()
    send = unheard.get_by_role("button", name="Send the usual text")
    box = send.bounding_box()
    assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    _shoot(page, "/tmp/status-390.png")
    assert not [s for s in agent.sim.sent if s.number == CALLER]      # nothing went on its own

    with page.expect_navigation():
        send.click()
    assert f"Text queued to {SHOWN}" in page.inner_text("main")
    assert page.locator(".unheard li").count() == 0
    wait_for(lambda: [s for s in agent.sim.sent if s.number == CALLER], 10, "the text at the modem")
    [text] = [s for s in agent.sim.sent if s.number == CALLER]
    assert text.text.startswith("Brightside Dental: sorry we missed your call!")
