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
    wait_for(lambda: agent.store.message(call.message_id).status == "sent", what="message marked sent")
    assert message.body == text.text


def test_silent_family_call_ends_within_ring_interval_plus_margin(start_agent):
    """No end line at all: the end is the RING that did not come (interval 0.2 s + margin 0.5 s)."""
    agent = start_agent("silent")
    agent.sim.call("+447911123456", rings=4)
    last_ring = agent.sim.call_ends[-1] - agent.sim.ring_interval / 2
    agent.wait_sent(1, timeout=3)
    assert agent.sim.cmgs_times[-1] - last_ring < 0.2 + 0.5 + 0.3
    [call] = agent.wait_calls(1)
    assert call.end_signal == "ring-timeout"
