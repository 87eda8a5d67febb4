"""The reply menu over the pty simulator: {menu} in the missed-call text, a digit or a label
answered once with the option's reply, tagged on the conversation and relayed to the owner with
its label; a callback request pinned. And HELP after STOP, answered once a day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


from agent.rules.numbers import pretty
from tests.conftest import wait_for
from tests.integration.conversation_data import CUSTOMER, OWNER, inbox

MENU = {"options": [
    {"key": "1", "label": "Book", "reply": "{business}: great! Which day suits you? We'll confirm by text."},
    {"key": "3", "label": "Call me back", "reply": "{business}: we'll call you back as soon as we're free."},
]}
READABLE = pretty(CUSTOMER, "GB")


def sent_to(agent, number: str) -> list:
    return [sms for sms in agent.sim.sent if sms.number == number]


def later(seconds: int) -> datetime:
    """A distinct network time stamp (the same words in the same second are one text)."""
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def test_a_digit_then_a_label_each_answered_once_tagged_and_relayed_with_the_label(start_agent):
    agent = start_agent("sim800", menu=MENU)
    agent.store.set_template("missed_open", "{business}: sorry we missed your call! {menu}. Reply STOP to opt out.",
                             datetime.now(timezone.utc))
    agent.sim.call(CUSTOMER, rings=2)
    [first] = wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the missed-call text")
    assert first.text == "Brightside Dental: sorry we missed your call! Reply 1 Book, 3 Call me back. Reply STOP to opt out."

    agent.sim.receive_sms(CUSTOMER, "1")
    wait_for(lambda: len(sent_to(agent, CUSTOMER)) == 2 and sent_to(agent, OWNER), 5, "the answer and the relay")
    answer = sent_to(agent, CUSTOMER)[1]
    assert answer.text == "Brightside Dental: great! Which day suits you? We'll confirm by text."
    [choice] = inbox(agent, CUSTOMER)
    [relay] = sent_to(agent, OWNER)
    assert relay.text == f"#{choice['id']} {READABLE} chose 1 Book\nReply R {choice['id']} <answer>"

    agent.sim.receive_sms(CUSTOMER, "book!", at=later(2))          # the same option again: tagged, relayed, no answer
    agent.sim.receive_sms(CUSTOMER, "Call me back", at=later(4))
    wait_for(lambda: len(sent_to(agent, OWNER)) == 3 and len(sent_to(agent, CUSTOMER)) == 3, 5,
             "three relays and the callback answer")
    agent.wait_settled()
    wait_for(lambda: agent.store.queue_length() == 0, 5, "the queue drained (the last text marked sent)")
    texts = [sms.text for sms in sent_to(agent, CUSTOMER)]
    assert texts[2] == "Brightside Dental: we'll call you back as soon as we're free."
    assert len(texts) == 3
    choices = inbox(agent, CUSTOMER)
    assert [sms.text.split("\n")[0] for sms in sent_to(agent, OWNER)] == [
        f"#{choices[0]['id']} {READABLE} chose 1 Book", f"#{choices[1]['id']} {READABLE} chose 1 Book",
        f"#{choices[2]['id']} {READABLE} chose 3 Call me back"]
    assert agent.store.conversation_tags(CUSTOMER) == ("Book", "Call me back")
    marks = agent.store.reply_marks(CUSTOMER)
    assert [(marks[row["id"]].menu_key, marks[row["id"]].urgent) for row in choices] == [("1", False)] * 2 + [
        ("3", False)]
    [pinned] = agent.store.pinned_conversations()
    assert pinned.number == CUSTOMER and pinned.callback_since and pinned.urgent_since is None


def test_an_ordinary_reply_with_a_menu_set_is_relayed_as_before(start_agent):
    agent = start_agent("sim800", menu=MENU)
    agent.sim.receive_sms(CUSTOMER, "Could you do Tuesday?")
    [relay] = wait_for(lambda: sent_to(agent, OWNER), 5, "the relay")
    assert "Could you do Tuesday?" in relay.text and " chose " not in relay.text
    agent.wait_settled()
    assert sent_to(agent, CUSTOMER) == [] and agent.store.pinned_conversations() == []
    assert agent.store.conversation_tags(CUSTOMER) == ()


def test_help_after_stop_is_answered_once_a_day_and_the_number_stays_opted_out(start_agent):
    agent = start_agent("sim800")
    agent.sim.receive_sms(CUSTOMER, "STOP")
    [confirmation] = wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    assert confirmation.text.startswith("Brightside Dental: you won't get any more texts")
    agent.sim.receive_sms(CUSTOMER, "HELP", at=later(2))
    wait_for(lambda: len(sent_to(agent, CUSTOMER)) == 2, 5, "the help text after STOP")
    assert sent_to(agent, CUSTOMER)[1].text.startswith("Brightside Dental: reply with your question")
    agent.sim.receive_sms(CUSTOMER, "info", at=later(4))
    wait_for(lambda: len(inbox(agent, CUSTOMER)) == 3, 5, "the second HELP stored")
    agent.wait_settled()
    wait_for(lambda: agent.store.queue_length() == 0, 5, "the queue drained")
    assert len(sent_to(agent, CUSTOMER)) == 2
    assert agent.store.is_opted_out(CUSTOMER)
    agent.sim.call(CUSTOMER, rings=1)
    [call] = agent.wait_calls(1)
    assert call.skip_reason == "opted_out" and len(sent_to(agent, CUSTOMER)) == 2


def test_an_optout_confirmation_is_sent_within_5_minutes_of_the_stop_or_never(start_agent):
    """FCC: one confirmation may follow a STOP, within 5 minutes. One that falls due later (the box
    was off, the modem away) is marked stale, never sent; a fresh one goes."""
    agent = start_agent("sim800")
    agent.wait_ready()
    now = datetime.now(timezone.utc)
    late = agent.store.queue_text(number=CUSTOMER, body="Test Shop: you won't get any more texts from us.",
                                  kind="optout_confirm", due_at=now, now=now - timedelta(minutes=6))
    fresh = agent.store.queue_text(number="+447911000222", body="Test Shop: you won't get any more texts from us.",
                                   kind="optout_confirm", due_at=now, now=now - timedelta(minutes=1))
    agent.service.wake()
    wait_for(lambda: agent.store.message(fresh).status == "sent", 10, "the fresh confirmation sent")
    wait_for(lambda: agent.store.message(late).status == "stale", 10, "the late one marked stale")
    assert sent_to(agent, CUSTOMER) == [] and "5 minutes" in agent.store.message(late).error_text
