"""Calls forwarded to the box from the shop's own line: the network says so with +CSSU: 0 (27.007
§7.17, after AT+CSSN=1,1), and the call is recorded as forwarded, over the pty simulator."""

from __future__ import annotations

from agent.events import CallForwarded, Noise
from agent.modem.urc import parse_urc


def test_cssu_0_is_a_forwarded_call_and_other_codes_are_noise():
    assert isinstance(parse_urc("+CSSU: 0"), CallForwarded)
    assert isinstance(parse_urc('+CSSU: 0,,"+447700900123",145'), CallForwarded)
    assert isinstance(parse_urc("+CSSU: 2"), Noise)          # 2 = call on hold (27.007 §7.17)


def test_a_forwarded_call_is_recorded_as_forwarded_and_still_texted(start_agent):
    agent = start_agent("sim800")
    agent.wait_ready()
    assert "AT+CSSN=1,1" in agent.sim.commands
    agent.sim.call("+447911123456", rings=2, forwarded=True)
    agent.sim.call("+447911123457", rings=2)
    calls = {call.number: call for call in agent.wait_calls(2)}
    assert calls["+447911123456"].forwarded is True and calls["+447911123457"].forwarded is False
    assert {s.number for s in agent.wait_sent(2)} == {"+447911123456", "+447911123457"}


def test_a_modem_without_cssn_still_texts_forwarded_calls(start_agent):
    from agent.simulator import SimulatedModem

    sim = SimulatedModem("quectel", ring_interval=0.2).start()
    sim.refuse.add("AT+CSSN=1,1")
    try:
        agent = start_agent("quectel", sim=sim)
        agent.wait_ready()
        agent.sim.call("+447911123456", rings=2, forwarded=True)
        [call] = agent.wait_calls(1)
        assert call.forwarded is False                   # nothing told: recorded as an ordinary call
        agent.wait_sent(1)
    finally:
        sim.stop()


def test_a_call_answered_on_the_twin_sim_is_not_texted(start_agent):
    """Twin SIM: both phones ring; the other one answers and the network releases the box's leg
    with cause #26, non-selected user clearing (24.008 10.5.4.11). Huawei prints it in ^CEND."""
    agent = start_agent("huawei")
    agent.wait_ready()
    agent.sim.family = agent.sim.family.__class__(**{**agent.sim.family.__dict__,
                                                     "end": (("", "^CEND:1,0,104,26"),)})
    agent.sim.call("+447911123456", rings=2)
    [call] = agent.wait_calls(1)
    assert call.outcome == "skipped" and call.skip_reason == "answered"
    agent.wait_settled()
    assert not [s for s in agent.sim.sent if s.number == "+447911123456"]


def test_cend_carries_its_cause():
    from agent.events import CallEnded

    assert parse_urc("^CEND:1,0,104,26") == CallEnded("^CEND", cause=26)
    assert parse_urc("^CEND:1,5,29,16").cause == 16 and parse_urc("^CEND:1,0,104").cause is None
