"""Who gets a text and who never does, over the pty simulator: the database holds the reason."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for


def test_repeat_caller_inside_dedup_window_gets_nothing_more(start_agent):
    agent = start_agent("sim800")
    agent.sim.call("+447911123456", rings=2)
    agent.wait_sent(1)
    agent.sim.call("+447911123456", rings=2)
    calls = agent.wait_calls(2)
    assert [c.outcome for c in reversed(calls)] == ["texted", "skipped"]
    assert calls[0].skip_reason == "recently_texted"
    assert len(agent.sim.sent) == 1


def test_dedup_zero_texts_every_call(start_agent):
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.call("+447911123456", rings=2)
    agent.wait_sent(1)
    agent.sim.call("+447911123456", rings=2)
    agent.wait_sent(2)
    assert [c.outcome for c in agent.wait_calls(2)] == ["texted", "texted"]


@pytest.mark.parametrize("family", ["sim800", "huawei", "quectel"])
def test_withheld_caller_is_never_texted(start_agent, family):
    agent = start_agent(family)
    agent.sim.call("", withheld=True, rings=2)
    [call] = agent.wait_calls(1)
    assert call.outcome == "skipped" and call.skip_reason == "withheld" and call.number is None
    assert agent.sim.sent == []


def test_national_format_caller_is_texted_in_international_form(start_agent):
    agent = start_agent("sim800")
    agent.sim.call("07911123456", toa=129, rings=2)
    [text] = agent.wait_sent(1)
    assert text.number == "+447911123456"
    [call] = agent.wait_calls(1)
    assert call.number == "+447911123456" and call.raw_number == "07911123456" and call.toa == 129


@pytest.mark.parametrize("number,toa,reason", [
    ("02079460000", 129, "landline"),
    ("+442079460000", 145, "landline"),
    ("09098790000", 129, "premium_rate"),
    ("08081570000", 129, "toll_free"),
    ("08453500000", 129, "premium_rate"),   # libphonenumber files 0845 under premium rate
])
def test_gb_numbers_that_cannot_or_should_not_get_a_text(start_agent, number, toa, reason):
    agent = start_agent("sim800")
    agent.sim.call(number, toa=toa, rings=2)
    [call] = agent.wait_calls(1)
    assert (call.outcome, call.skip_reason) == ("skipped", reason)
    assert agent.sim.sent == []


@pytest.mark.parametrize("number,texted,reason", [
    ("2125550123", True, None),              # FIXED_LINE_OR_MOBILE: texted
    ("8005550199", False, "toll_free"),
    ("9005550123", False, "premium_rate"),
])
def test_us_numbers(start_agent, number, texted, reason):
    agent = start_agent("sim7600", business={"country": "US", "timezone": "America/New_York"},
                        owner={"phone": "+12125550100"})
    agent.sim.call(number, toa=129, rings=2)
    [call] = agent.wait_calls(1)
    assert call.number == "+1" + number
    if texted:
        [text] = agent.wait_sent(1)
        assert text.number == "+1" + number
    else:
        assert (call.outcome, call.skip_reason) == ("skipped", reason)
        assert agent.sim.sent == []


def test_owner_and_opted_out_and_excluded_numbers_are_skipped(start_agent):
    agent = start_agent("quectel")
    now = agent.service.clock.now()
    agent.store.add_optout("+447911222333", now, keyword="STOP")
    agent.store.add_exclusion("+447912345678", "supplier", now)
    for number in ("+447911000001", "+447911222333", "+447912345678"):
        agent.sim.call(number, rings=2)
    calls = agent.wait_calls(3)
    assert sorted(c.skip_reason for c in calls) == ["excluded", "opted_out", "owner"]
    assert agent.sim.sent == []


def test_text_waits_for_the_configured_delay(start_agent):
    agent = start_agent("sim800", rules={"delay_seconds": 2})
    agent.sim.call("+447911123456", rings=2)
    [call] = agent.wait_calls(1)
    assert call.outcome == "texted" and agent.sim.sent == []
    wait_for(lambda: agent.sim.sent, timeout=4, what="the delayed text")
    message = agent.store.message(call.message_id)
    assert message.status in ("sent", "sending")


def test_caller_ringing_again_inside_the_delay_gets_one_text(start_agent):
    agent = start_agent("sim800", rules={"delay_seconds": 2, "dedup_hours": 0})
    agent.sim.call("+447911123456", rings=2)
    agent.sim.call("+447911123456", rings=2)
    calls = agent.wait_calls(2)
    [text] = agent.wait_sent(1, timeout=5)
    wait_for(lambda: all(agent.store.message(c.message_id).status in ("sent", "cancelled")
                         for c in agent.calls() if c.message_id), what="both texts settled")
    statuses = sorted(agent.store.message(c.message_id).status for c in agent.calls() if c.message_id)
    assert statuses == ["cancelled", "sent"] and len(agent.sim.sent) == 1 and len(calls) == 2


def test_ring_out_ends_the_call_and_texts_at_once(start_agent):
    agent = start_agent("sim800", line={"ring_out_after_rings": 2})
    agent.sim.call("+447911123456", rings=10, wait=False)
    [text] = agent.wait_sent(1, timeout=3)
    assert "AT+CHUP" in agent.sim.commands and text.number == "+447911123456"
    [call] = agent.wait_calls(1)
    assert call.rings == 2 and call.end_signal == "ring-out after 2 rings"
