"""On a phone (Debian's chromium at 390×844), against a real agent on a simulated modem: a
caller chooses "Call me back" from the reply menu, the conversation waits at the top of the
inbox, the owner marks it booked with a value (it unpins), and the dashboard shows the value.
Screenshots go to test-output/screenshots/ (outcomes-*.png)."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, _shoot, page, served  # noqa: F401  (the page fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]

CALLER = "+447400111222"
OTHER = "+447400333444"
MENU = {"options": [
    {"key": "1", "label": "Book", "reply": "{business}: great! Which day suits you?"},
    {"key": "3", "label": "Call me back", "reply": "{business}: we'll call you back as soon as we're free."},
]}


@pytest.fixture
def web(start_agent):
    """A running agent with a reply menu, and its web UI served."""
    agent = start_agent("sim800", menu=MENU)
    with served(agent) as url:
        yield agent, url


def test_a_pinned_callback_marked_booked_with_a_value_on_a_phone(web, page):  # noqa: F811
    agent, url = web
    agent.sim.call(CALLER, rings=2)
    agent.wait_sent(1, timeout=8)
    agent.sim.receive_sms(CALLER, "3")
    agent.sim.receive_sms(OTHER, "Are you open on Sunday?")
    wait_for(lambda: len(agent.sim.sent) == 4, 8, "the menu answer and two relays")
    agent.wait_settled()

    page.goto(url + "/login")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'password'")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/")
    main = page.inner_text("main")
    assert "Waiting for you" in main and main.index("07400 111222") < main.index("07400 333444")
    _shoot(page, "outcomes-01-inbox-pinned")

    page.get_by_role("link", name="07400 111222").first.click()
    page.wait_for_url("**/conversation/**")
    assert "They asked you to call back" in page.inner_text("main")
    assert "chose 3 Call me back" in page.inner_text("main")
    _shoot(page, "outcomes-02-conversation")

    page.get_by_label("Value (optional").fill("£120")
    page.get_by_text("Booked", exact=True).click()
    page.get_by_role("button", name="Save outcome").click()
    page.wait_for_load_state()
    assert "without a currency sign" in page.inner_text("#outcome-error")
    _shoot(page, "outcomes-03-bad-value")

    page.get_by_label("Value (optional").fill("120.50")
    page.get_by_text("Booked", exact=True).click()
    page.get_by_role("button", name="Save outcome").click()
    page.wait_for_load_state()
    assert "Marked booked, value 120.5" in page.inner_text("main")
    assert "They asked you to call back" not in page.inner_text("main")       # booking it handled it
    _shoot(page, "outcomes-04-booked")

    page.goto(url + "/")
    assert "Waiting for you" not in page.inner_text("main")
    page.goto(url + "/dashboard")
    main = page.inner_text("main")
    assert "1\nmissed calls recovered" in main and "120.50\nvalue recovered" in main
    _shoot(page, "outcomes-05-dashboard")
