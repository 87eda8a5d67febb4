"""After set-up the agent records what the SIM says of itself — IMSI, own number, call forwarding —
for the wizard and the status page, over the pty simulator."""

from __future__ import annotations

from agent.rules.forwarding import rules_from_state
from tests.conftest import wait_for


def test_imsi_own_number_and_forwarding_are_recorded_after_set_up(start_agent):
    agent = start_agent("quectel")
    agent.wait_ready()
    state = wait_for(lambda: (s := agent.store.modem_state()).get("forwarding_checked_at") and s, 10,
                     "the SIM's facts recorded")
    assert state["imsi"] == "234150123456789" and state["own_number"] == "+447700900123"
    assert [(rule.reason, rule.active) for rule in rules_from_state(state["forwarding"])] == [
        (0, False), (1, False), (2, False), (3, False)]
    assert [c for c in agent.sim.commands if c.upper().startswith("AT+CCFC")] == [
        "AT+CCFC=0,2", "AT+CCFC=1,2", "AT+CCFC=2,2", "AT+CCFC=3,2"]


def test_voicemail_on_no_answer_is_recorded_active_with_its_number(start_agent, tmp_path):
    from agent.simulator import SimulatedModem

    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=tmp_path / "modem-vm").start()
    sim.answer("AT+CCFC=2", '+CCFC: 1,1,"+447953222222",145,,,20', "OK")
    agent = start_agent("sim800", sim=sim)
    agent.wait_ready()
    state = wait_for(lambda: (s := agent.store.modem_state()).get("forwarding_checked_at") and s, 10,
                     "the SIM's facts recorded")
    [no_reply] = [rule for rule in rules_from_state(state["forwarding"]) if rule.reason == 2]
    assert no_reply.active is True and no_reply.number == "+447953222222" and no_reply.seconds == 20
    agent.sim.call("+447911123456", rings=2)       # and calls are still texted
    wait_for(lambda: [s for s in agent.sim.sent if s.number == "+447911123456"], 10, "the caller texted")
    sim.stop()


def test_a_modem_that_goes_quiet_during_the_forwarding_questions_is_asked_no_more(start_agent, tmp_path):
    """One unanswered AT+CCFC (past its time-out) ends the questions: the rest are "not asked", so
    a hung modem is found by the keep-alive, not after four time-outs."""
    from agent.daemon import sim_facts
    from agent.simulator import SimulatedModem

    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=tmp_path / "modem-quiet").start()
    sim.stall("AT+CCFC=0,2", 3.0)
    old, sim_facts.FORWARDING_TIMEOUT = sim_facts.FORWARDING_TIMEOUT, 1.0
    try:
        agent = start_agent("sim800", sim=sim)
        agent.wait_ready()
        state = wait_for(lambda: (s := agent.store.modem_state()).get("forwarding_checked_at") and s, 15,
                         "the SIM's facts recorded")
        rules = rules_from_state(state["forwarding"])
        assert [rule.active for rule in rules] == [None, None, None, None]
        assert all("not asked" in rule.why for rule in rules[1:])
        assert not [c for c in sim.commands if c.upper().startswith(("AT+CCFC=1", "AT+CCFC=2", "AT+CCFC=3"))]
    finally:
        sim_facts.FORWARDING_TIMEOUT = old
        sim.stop()


def test_ring_out_set_in_the_web_ui_reaches_the_running_agent(start_agent):
    """The wizard stores "end the call after N rings" as a setting; the agent follows it, no restart."""
    from datetime import datetime, timezone

    agent = start_agent("sim800")
    agent.wait_ready()
    agent.store.set_setting("ring_out_after_rings", 2, datetime.now(timezone.utc))
    wait_for(lambda: agent.service.line_worker.ring_out_after == 2, 10, "the new setting followed")
    agent.sim.call("+447911123456", rings=6, wait=False)
    wait_for(lambda: agent.sim.hung_up, 10, "the call ended by the box after 2 rings")
    [call] = agent.wait_calls(1)
    assert call.rings <= 3
    agent.wait_sent(1)
