"""A/B variants over the pty simulator: three callers get A, B and C in turn (read from the PDUs the
simulated modem was sent, decoded by python-gsmmodem's own decoder), each text records its letter,
and replies sent through the simulated network count for the variant they answered."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.conftest import wait_for
from tests.db_rows import rows

B_TEXT = "{business}: sorry we missed you! Text back and we'll sort it today. Reply STOP to opt out."
C_TEXT = "{business}: we missed your call. Reply with a good time to call you. Reply STOP to opt out."
CALLERS = ["+447911100001", "+447911100002", "+447911100003", "+447911100004"]


def test_variants_alternate_and_reply_rates_come_from_the_database(start_agent):
    agent = start_agent("sim800")
    now = datetime.now(timezone.utc)
    agent.store.set_variant("missed_open", "B", B_TEXT, now)        # as the /variants page writes them
    agent.store.set_variant("missed_open", "C", C_TEXT, now)
    agent.wait_settled()
    for count, number in enumerate(CALLERS, start=1):
        agent.sim.call(number, rings=2)
        agent.wait_sent(count, timeout=6)
    texts = {sent.number: sent.text for sent in agent.sim.sent}
    a_text = agent.store.templates()["missed_open"].replace("{business}", "Brightside Dental")
    assert texts[CALLERS[0]] == a_text
    assert texts[CALLERS[1]] == B_TEXT.replace("{business}", "Brightside Dental")
    assert texts[CALLERS[2]] == C_TEXT.replace("{business}", "Brightside Dental")
    assert texts[CALLERS[3]] == a_text                       # round again

    calls = agent.wait_calls(4)
    wait_for(lambda: all(agent.store.message(c.message_id).status == "sent" for c in calls), what="texts marked sent")
    recorded = rows(agent.store, "SELECT number, variant, body FROM messages WHERE direction = 'out'"
                                 " AND kind = 'missed_open' ORDER BY id")
    assert [(r["number"], r["variant"]) for r in recorded] == list(zip(CALLERS, ["A", "B", "C", "A"]))
    assert all(r["body"] == texts[r["number"]] for r in recorded)

    agent.sim.receive_sms(CALLERS[1], "Yes please, tomorrow at 10?")      # B's caller answers
    agent.sim.receive_sms(CALLERS[3], "STOP")                               # the second A caller opts out
    wait_for(lambda: agent.store.is_opted_out(CALLERS[3]), what="the STOP stored")
    wait_for(lambda: len(agent.store.messages_for(CALLERS[1])) == 2, what="B's reply stored")
    figures = {f.letter: f for f in agent.store.variant_figures("missed_open")}
    assert {letter: (f.sent, f.replied, f.opted_out) for letter, f in figures.items()} == {
        "A": (2, 0, 1), "B": (1, 1, 0), "C": (1, 0, 0)}


def test_with_no_extra_variant_texts_carry_no_letter(start_agent):
    agent = start_agent("sim800")
    agent.wait_settled()
    agent.sim.call(CALLERS[0], rings=2)
    agent.wait_sent(1, timeout=6)
    [call] = agent.wait_calls(1)
    assert agent.store.message(call.message_id).variant is None
