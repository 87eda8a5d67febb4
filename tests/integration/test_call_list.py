"""The end of a call a modem does not print, from its call list (AT+CLCC), over the pty.

The agent asks for the list while a call rings and only then, between two passes of the modem
worker (never while an AT+CMGS is unanswered). What the modem was sent is read from the
simulator's record (its command log, and `during_send`: every command line that arrived while an
AT+CMGS was unanswered); what the agent concluded, from the database. The ring cadence here is
1.2 s so that the list is asked for between two RINGs (it is asked after 1 s without one), and
`ring_timeout_margin` is long, so a call ended by the list cannot have been ended by the time-out.
"""

from __future__ import annotations

from agent.simulator import SimulatedModem
from tests.conftest import wait_for

CALLER = "+447911123456"
SECOND = "+447911222333"
THIRD = "+447400123456"
RING_EVERY = 1.2
LONG_MARGIN = {"modem": {"ring_timeout_margin": 5.0}}
FAST_KEEPALIVE = {"ping_every": 0.3}


def list_asks(sim: SimulatedModem, since: int = 0) -> int:
    return sum(1 for command in sim.commands[since:] if command.upper() == "AT+CLCC")


def keep_alives(sim: SimulatedModem, since: int = 0) -> int:
    return sum(1 for command in sim.commands[since:] if command.upper() == "AT+CLIP?")


def test_a_silent_modem_call_ends_by_the_list_and_is_texted_once(start_agent):
    agent = start_agent("silent", ring_interval=RING_EVERY, **LONG_MARGIN)
    agent.sim.call(CALLER, rings=2)
    [text] = agent.wait_sent(1, timeout=10)
    assert text.number == CALLER and text.text.startswith("Brightside Dental:")
    [call] = agent.wait_calls(1)
    assert call.end_signal == "AT+CLCC" and call.outcome == "texted" and call.rings == 2
    assert call.number == CALLER
    assert agent.sim.during_send == []


def test_the_list_is_asked_for_only_while_a_call_rings(start_agent):
    agent = start_agent("silent", ring_interval=RING_EVERY, service_options=FAST_KEEPALIVE, **LONG_MARGIN)
    agent.wait_settled()
    wait_for(lambda: keep_alives(agent.sim) >= 3, 10, "three keep-alives with no call")
    assert list_asks(agent.sim) == 0
    agent.sim.call(CALLER, rings=2)
    [call] = agent.wait_calls(1, timeout=10)
    assert call.end_signal == "AT+CLCC" and list_asks(agent.sim) >= 1
    after = len(agent.sim.commands)      # the ask that found the call gone came before the record
    wait_for(lambda: keep_alives(agent.sim, after) >= 3, 10, "three keep-alives after the call")
    assert list_asks(agent.sim, after) == 0
    agent.wait_sent(1)


def test_never_asked_while_a_text_is_being_sent(start_agent):
    """Three callers one after the other on a slow network (2 s per AT+CMGS): the lists asked for
    the second and third calls go between sends, never under one."""
    agent = start_agent("silent", ring_interval=RING_EVERY, **LONG_MARGIN)
    agent.wait_settled()
    agent.sim.cmgs_delay = 2.0
    for number in (CALLER, SECOND, THIRD):
        agent.sim.call(number, rings=2)
    sent = agent.wait_sent(3, timeout=30)
    assert sorted(s.number for s in sent) == sorted([CALLER, SECOND, THIRD])
    ended = {call.number: (call.outcome, call.end_signal) for call in agent.wait_calls(3)}
    # a caller who gives up as the next one rings is ended by the next one's caller ID; the last by the list
    assert ended[THIRD] == ("texted", "AT+CLCC")
    assert all(outcome == "texted" and signal in ("AT+CLCC", "next-caller") for outcome, signal in ended.values())
    assert agent.sim.during_send == []                  # no command at all while an AT+CMGS was unanswered
    commands = [c.upper() for c in agent.sim.commands]
    sends = [n for n, c in enumerate(commands) if c.startswith("AT+CMGS=")]
    asks = [n for n, c in enumerate(commands) if c == "AT+CLCC"]
    assert any(sends[0] < ask < sends[-1] for ask in asks)    # asked between sends: the sends went on


def test_an_answered_call_is_not_texted(start_agent):
    """Someone picked up (stat 0 in the list): the call is recorded as answered once it leaves the
    list, and nobody is texted."""
    agent = start_agent("silent", ring_interval=RING_EVERY, **LONG_MARGIN)
    agent.sim.call(CALLER, rings=2, answered=True, talk=2.5)
    [call] = agent.wait_calls(1, timeout=15)
    assert call.outcome == "skipped" and call.skip_reason == "answered" and call.message_id is None
    assert call.end_signal == "AT+CLCC"
    agent.wait_settled()
    assert agent.sim.sent == [] and agent.store.queue_length() == 0


def test_a_modem_without_a_call_list_is_texted_by_the_ring_time_out(start_agent, tmp_path):
    """AT+CLCC answered ERROR: learnt once per set-up (asked once, whatever the number of calls)
    and asked again after the modem was set up anew; the ring time-out ends every call."""
    sim = SimulatedModem("silent", ring_interval=RING_EVERY, link_path=tmp_path / "modem", call_list="").start()
    try:
        agent = start_agent(sim=sim, service_options=FAST_KEEPALIVE, modem={"ring_timeout_margin": 0.5})
        for n, number in enumerate((CALLER, SECOND), start=1):
            agent.sim.call(number, rings=2)
            agent.wait_sent(n, timeout=10)
        calls = agent.wait_calls(2)
        assert [c.end_signal for c in calls] == ["ring-timeout", "ring-timeout"]
        assert list_asks(agent.sim) == 1
        agent.wait_settled()
        set_ups = agent.sim.commands.count("AT+CLIP=1")
        agent.sim.reset(boot_lines=False)           # a silent reset: the keep-alive finds it
        wait_for(lambda: agent.sim.commands.count("AT+CLIP=1") > set_ups, 15, "set up again")
        wait_for(agent.service.ready.is_set, 5, "ready again")
        agent.sim.call(THIRD, rings=2)
        agent.wait_sent(3, timeout=10)
        assert list_asks(agent.sim) == 2
        assert [s.number for s in agent.sim.sent] == [CALLER, SECOND, THIRD]
    finally:
        sim.stop()


def test_a_call_ended_by_the_list_is_committed_before_its_text_is_due(start_agent):
    """Write ahead: with a 60 s delay the call and its queued text are in SQLite at once, as for
    an end line (docs/reliability.md)."""
    agent = start_agent("silent", ring_interval=RING_EVERY, modem={"ring_timeout_margin": 5.0},
                        rules={"delay_seconds": 60})
    agent.sim.call(CALLER, rings=2)
    [call] = agent.wait_calls(1, timeout=10)
    assert call.end_signal == "AT+CLCC" and call.outcome == "texted" and call.message_id is not None
    message = agent.store.message(call.message_id)
    assert message.status == "queued" and message.number == CALLER
    assert agent.sim.sent == []
