"""The owner tries three versions of the open-hours text on a phone (Debian's chromium at 390×844),
against a real agent on the simulated modem: a bad placeholder is explained, B and C are added,
three callers get A, B and C, a reply shows on B's figures, and "Keep this one" makes B the text
the next caller gets. Screenshots go to test-output/screenshots/variants-*.png."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.web.conftest import PASSWORD
from tests.web.test_browser import _shoot, page, pytestmark, web  # noqa: F401  (fixtures and the chromium skip)

B_TEXT = "{business}: sorry we missed you! Text back and we'll sort it today. Reply STOP to opt out."
C_TEXT = "{business}: we missed your call. Reply with a good time to ring you. Reply STOP to opt out."
CALLERS = ["+447400111001", "+447400111002", "+447400111003", "+447400111004"]


def _filled(text: str) -> str:
    return text.replace("{business}", "Brightside Dental")


def test_owner_tests_three_texts_and_keeps_the_winner(web, page):
    agent, url = web
    page.goto(url + "/variants")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'password'")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/variants")
    assert "Only one version so far" in page.inner_text("#missed_open")
    _shoot(page, "variants-01-one-version")

    page.locator("#body-missed_open-B").fill("{buisness}: sorry we missed you!")
    page.locator("#missed_open-B").get_by_role("button", name="Add B").click()
    assert "did you mean '{business}'" in page.inner_text("#error-missed_open-B")
    assert page.locator("#body-missed_open-B").input_value() == "{buisness}: sorry we missed you!"
    _shoot(page, "variants-02-error")
    page.locator("#body-missed_open-B").fill(B_TEXT)
    page.locator("#missed_open-B").get_by_role("button", name="Add B").click()
    assert "Missed callers now get A and B in turn" in page.inner_text("main")
    page.locator("#body-missed_open-C").fill(C_TEXT)
    page.locator("#missed_open-C").get_by_role("button", name="Add C").click()
    assert "Missed callers now get A, B and C in turn" in page.inner_text("main")

    agent.wait_settled()
    for count, number in enumerate(CALLERS[:3], start=1):
        agent.sim.call(number, rings=2)
        agent.wait_sent(count, timeout=8)
    a_text = _filled(agent.store.templates()["missed_open"])
    assert [(s.number, s.text) for s in agent.sim.sent[:3]] == [
        (CALLERS[0], a_text), (CALLERS[1], _filled(B_TEXT)), (CALLERS[2], _filled(C_TEXT))]
    wait_for(lambda: all(agent.store.message(c.message_id).status == "sent" for c in agent.wait_calls(3)),
             what="the three texts marked sent")
    agent.sim.receive_sms(CALLERS[1], "Great, can you do Thursday?")
    wait_for(lambda: [f.replied for f in agent.store.variant_figures("missed_open")] == [0, 1, 0],
             what="B's reply counted")

    page.reload()
    b_card = page.inner_text("#missed_open-B")
    assert "Sent\n1" in b_card.replace("\t", "\n") and "1 · 100%" in b_card
    assert "Not enough to tell yet" in page.inner_text("#missed_open")
    _shoot(page, "variants-03-testing")

    page.locator("#missed_open-B").get_by_role("button", name="Keep this one").click()
    assert "Kept B" in page.inner_text("main")
    assert page.locator("#body-missed_open-A").input_value() == B_TEXT
    assert "Keep this one" not in page.inner_text("main")
    _shoot(page, "variants-04-kept")

    agent.sim.call(CALLERS[3], rings=2)
    [fourth] = wait_for(lambda: [s for s in agent.sim.sent if s.number == CALLERS[3]], 8, "the fourth caller's text")
    assert fourth.text == _filled(B_TEXT)
    newest = max(agent.wait_calls(4), key=lambda c: c.id)
    assert agent.store.message(newest.message_id).variant is None      # the test is over
