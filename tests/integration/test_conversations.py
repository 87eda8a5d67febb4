"""Conversations over the pty simulator: replies, STOP/START/HELP, owner relay and answers, delivery reports."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.sms.pdu import encode_deliver, encode_status_report
from agent.simulator import SimulatedModem
from tests.conftest import wait_for
from tests.integration.conversation_data import CUSTOMER, LONG, OWNER, inbox
from tests.db_rows import rows as db_rows




def wait_inbox(agent, count: int, number: str | None = None) -> list:
    return wait_for(lambda: len(inbox(agent, number)) >= count and inbox(agent, number), 5, f"{count} received")


def sent_to(agent, number: str) -> list:
    return [sms for sms in agent.sim.sent if sms.number == number]


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "Cancel", "END",
                                  "QUIT", "REVOKE", "OPT OUT", "OPTOUT", "opt-out", "stop please"])
def test_each_keyword_spelling_gets_one_confirmation_and_nothing_after(start_agent, word):
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.receive_sms(CUSTOMER, word)
    [confirmation] = wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    assert confirmation.text.startswith("Brightside Dental: you won't get any more texts")
    # said twice (the network stamps texts to the second; the same words in the same second are one text)
    agent.sim.receive_sms(CUSTOMER, word, at=datetime.now(timezone.utc) + timedelta(seconds=2))
    wait_inbox(agent, 2)
    agent.sim.call(CUSTOMER, rings=1)                # a later missed call, dedup off: still nothing
    [call] = agent.wait_calls(1)
    assert call.outcome == "skipped" and call.skip_reason == "opted_out"
    wait_for(lambda: agent.store.queue_length() == 0, 5, "the queue drained")
    assert len(sent_to(agent, CUSTOMER)) == 1
    assert sent_to(agent, OWNER) == []                # a keyword is not relayed
    assert agent.sim.state.storage == {}              # read, committed, deleted from the SIM


def test_start_resubscribes(start_agent):
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.receive_sms(CUSTOMER, "STOP")
    wait_for(lambda: len(sent_to(agent, CUSTOMER)) == 1, 5, "the opt-out confirmation")
    agent.sim.receive_sms(CUSTOMER, "Start")
    wait_for(lambda: len(sent_to(agent, CUSTOMER)) == 2, 5, "the opt-in confirmation")
    assert "you're subscribed again" in sent_to(agent, CUSTOMER)[1].text
    agent.sim.call(CUSTOMER, rings=2)
    wait_for(lambda: len(sent_to(agent, CUSTOMER)) == 3, 5, "the missed-call text")
    assert "sorry we missed your call" in sent_to(agent, CUSTOMER)[2].text


def test_help(start_agent):
    agent = start_agent("sim800")
    agent.sim.receive_sms(CUSTOMER, "HELP")
    [reply] = wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the help text")
    assert reply.text.startswith("Brightside Dental: reply with your question")
    assert inbox(agent)[0]["kind"] == "help"


def test_a_two_part_reply_is_relayed_whole_to_the_owner(start_agent):
    agent = start_agent("sim800")
    agent.sim.call(CUSTOMER, rings=2)
    agent.wait_sent(1)
    agent.sim.receive_sms(CUSTOMER, LONG)
    [relay] = wait_for(lambda: sent_to(agent, OWNER), 5, "the relay to the owner")
    [message] = inbox(agent)
    assert message["body"] == LONG and message["parts"] == 2
    assert relay.text.startswith(f"#{message['id']} ") and "(missed call " in relay.text
    assert LONG in relay.text and relay.text.endswith(f"Reply R {message['id']} <answer>")


def test_the_owners_answer_reaches_the_customer(start_agent):
    agent = start_agent("sim800")
    agent.sim.receive_sms(CUSTOMER, "Can you do Tuesday at 3pm?")
    wait_for(lambda: sent_to(agent, OWNER), 5, "the relay to the owner")
    message_id = inbox(agent)[0]["id"]
    agent.sim.receive_sms(OWNER, f"R {message_id} Yes, 3pm works")
    [answer] = wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the owner's answer")
    assert answer.text == "Yes, 3pm works"
    kinds = [row.kind for row in agent.store.messages_for(CUSTOMER)]
    assert kinds == ["sms", "owner_answer"]
    wait_for(lambda: agent.store.messages_for(CUSTOMER)[1].status == "sent", 5, "the answer marked sent")


def test_a_reply_from_the_owners_number_is_not_relayed(start_agent):
    agent = start_agent("sim800")
    agent.sim.receive_sms(OWNER, "Is this thing on?")
    [usage] = wait_for(lambda: sent_to(agent, OWNER), 5, "the usage reply")
    assert usage.text.startswith("TextBack: to answer #12 send R 12")
    assert inbox(agent)[0]["kind"] == "owner" and inbox(agent)[0]["relay"] is None
    assert len(agent.sim.sent) == 1


def test_delivery_report_is_stored(start_agent):
    agent = start_agent("sim800")
    agent.sim.call(CUSTOMER, rings=2)
    agent.wait_sent(1)
    [call] = agent.wait_calls(1)
    message = wait_for(lambda: (m := agent.store.message(call.message_id)).status == "sent" and m, 5, "sent")
    reference = agent.sim.reference            # what +CMGS answered for the one part
    pdu = encode_status_report(reference, CUSTOMER, 0, datetime.now(timezone.utc))
    agent.sim.write(f"\r\n+CDS: {len(pdu) // 2 - 1}\r\n{pdu}\r\n".encode())
    wait_for(lambda: agent.store.message(message.id).status == "delivered", 5, "the text marked delivered")
    assert agent.store.message(message.id).delivered_at
    assert [r["message_ref"] for r in db_rows(agent.store, "SELECT * FROM delivery_reports")] == [reference]


def test_messages_on_the_sim_at_start_up_are_imported_once_and_deleted(start_agent, tmp_path):
    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=tmp_path / "modem")
    now = datetime.now(timezone.utc)
    pdus = [*encode_deliver(CUSTOMER, "Are you open Saturday?", sent_at=now),
            *encode_deliver("+447911222333", LONG, sent_at=now, concat_ref=42),
            *encode_deliver(CUSTOMER, "STOP", sent_at=now)]
    sim.state.storage.update({index: pdu for index, pdu in enumerate(pdus, start=1)})
    sim.start()
    try:
        agent = start_agent(sim=sim)
        wait_inbox(agent, 3)
        wait_for(lambda: sim.state.storage == {}, 5, "the SIM emptied")
        wait_for(lambda: len(sim.sent) == 3 and agent.store.queue_length() == 0, 5, "two relays, one confirmation")
        assert sorted(row["body"] for row in inbox(agent)) == sorted(["Are you open Saturday?", LONG, "STOP"])
        assert sorted(sms.number for sms in sim.sent) == sorted([OWNER, OWNER, CUSTOMER])
        agent.stop()
        # the deletes were lost (a crash before AT+CMGD): the same PDUs are read again at the next start
        sim.state.storage.update({index: pdu for index, pdu in enumerate(pdus, start=1)})
        again = start_agent(sim=sim)
        wait_for(lambda: sim.state.storage == {}, 5, "the SIM emptied again")
        wait_for(lambda: again.store.queue_length() == 0, 5, "the queue drained")
        assert len(inbox(again)) == 3 and len(sim.sent) == 3
    finally:
        sim.stop()
