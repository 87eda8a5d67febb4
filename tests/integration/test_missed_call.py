"""A missed call on every modem family becomes exactly one right text (agent + pty simulator + SQLite)."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for

FAMILIES = ["sim800", "sim7600", "a76xx", "quectel", "huawei", "ublox", "silent"]


@pytest.mark.parametrize("family", FAMILIES)
def test_missed_call_gets_one_text_naming_the_business(start_agent, family):
    agent = start_agent(family)
    agent.sim.call("+447911123456", rings=3)
    [text] = agent.wait_sent(1, timeout=6)
    assert text.number == "+447911123456"
    assert text.text.startswith("Brightside Dental:")
    assert "STOP" in text.text
    [call] = agent.wait_calls(1)
    assert call.outcome == "texted" and call.number == "+447911123456" and call.rings == 3
    message = agent.store.message(call.message_id)
    wait_for(lambda: agent.store.message(call.message_id)["status"] == "sent", what="message marked sent")
    assert message["body"] == text.text
