"""URGENT triage over the pty simulator: an urgent word relays a reply at once even when this
caller (or everyone) has used up the relay rate limit, marks it urgent and pins the conversation
until the owner marks it handled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agent.rules.replies import RELAYS_PER_CALLER_PER_HOUR
from tests.conftest import wait_for
from tests.integration.conversation_data import CUSTOMER, OWNER, inbox


def sent_to(agent, number: str) -> list:
    return [sms for sms in agent.sim.sent if sms.number == number]


def later(seconds: int) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def test_urgent_is_relayed_past_the_rate_limit_marked_and_pinned_until_handled(start_agent):
    agent = start_agent("sim800")
    for n in range(RELAYS_PER_CALLER_PER_HOUR + 1):
        agent.sim.receive_sms(CUSTOMER, f"question number {n}", at=later(2 * n))
    wait_for(lambda: len(inbox(agent, CUSTOMER)) == RELAYS_PER_CALLER_PER_HOUR + 1, 10, "every reply stored")
    wait_for(lambda: len(sent_to(agent, OWNER)) == RELAYS_PER_CALLER_PER_HOUR, 10, "the relays up to the limit")
    assert inbox(agent, CUSTOMER)[-1]["relay"] == "limit_caller"        # the limit is reached

    agent.sim.receive_sms(CUSTOMER, "Urgent!! water coming through the ceiling", at=later(30))
    wait_for(lambda: len(sent_to(agent, OWNER)) == RELAYS_PER_CALLER_PER_HOUR + 1, 5, "the urgent relay")
    urgent = inbox(agent, CUSTOMER)[-1]
    relay = sent_to(agent, OWNER)[-1]
    assert relay.text.startswith(f"URGENT #{urgent['id']} ")
    assert "water coming through the ceiling" in relay.text and urgent["relay"] == "relayed"
    assert agent.store.reply_marks(CUSTOMER)[urgent["id"]].urgent
    [pinned] = agent.store.pinned_conversations()
    assert pinned.number == CUSTOMER and pinned.urgent_since and pinned.last_body.startswith("Urgent!!")

    agent.sim.receive_sms(CUSTOMER, "not urgently, but also: are you open Sunday?", at=later(32))
    wait_for(lambda: len(inbox(agent, CUSTOMER)) == RELAYS_PER_CALLER_PER_HOUR + 3, 5, "the next reply stored")
    agent.wait_settled()
    assert len(sent_to(agent, OWNER)) == RELAYS_PER_CALLER_PER_HOUR + 1     # "urgently" is not the word
    assert inbox(agent, CUSTOMER)[-1]["relay"] == "limit_caller"
    assert sent_to(agent, CUSTOMER) == []                                   # nothing automatic to the customer

    assert agent.store.mark_handled(CUSTOMER, datetime.now(timezone.utc))
    assert agent.store.pinned_conversations() == []


def test_custom_urgent_words_and_none(start_agent):
    agent = start_agent("sim800", urgent={"words": ["LEAK"]})
    agent.sim.receive_sms(CUSTOMER, "leak under the sink")
    agent.sim.receive_sms(CUSTOMER, "URGENT please", at=later(2))
    wait_for(lambda: len(sent_to(agent, OWNER)) == 2, 5, "both relays")
    assert sent_to(agent, OWNER)[0].text.startswith("URGENT #")
    assert not sent_to(agent, OWNER)[1].text.startswith("URGENT")
    assert [p.number for p in agent.store.pinned_conversations()] == [CUSTOMER]
