"""Review: conversations over the pty simulator, from the customer's and the shop owner's side.

STOP in its spellings and in awkward orders of events, replies read twice or arriving mid-send,
the owner's answers reaching the right customer, loops, and the times the owner reads.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.clock import utc_iso
from agent.sms.pdu import encode_deliver
from tests.conftest import wait_for
from tests.integration.conversation_data import CUSTOMER, LONG, OWNER, inbox
from tests.db_rows import rows as db_rows

OTHER = "+447911654321"


def sent_to(agent, number: str) -> list:
    return [sms for sms in agent.sim.sent if sms.number == number]


def put_on_sim(sim, pdu: str, index: int | None = None) -> int:
    """Store one PDU on the simulated SIM and announce it with +CMTI, as a modem does."""
    index = index if index is not None else max(sim.state.storage, default=0) + 1
    sim.state.storage[index] = pdu
    sim.emit(f'+CMTI: "SM",{index}')
    return index


def loop_turns(agent, turns: int = 2) -> None:
    """Wait until the agent loop has started `turns` fresh turns (each turn reads the modem's lines,
    settles calls and sends what is due), so anything it was going to do has been done."""
    for _ in range(turns):
        mark = agent.service.clock.monotonic()
        agent.service.wake()
        wait_for(lambda: agent.service.last_loop > mark, 5, "a turn of the agent loop")


def settle(agent, seconds: float = 0.6) -> None:
    """Give the agent a few loop turns, then insist its queue is empty."""
    loop_turns(agent, max(2, int(seconds / 0.2)))
    wait_for(lambda: agent.store.queue_length() == 0, 5, "the queue to drain")


# ---- STOP in spellings and orders of events ----------------------------------------------------

@pytest.mark.parametrize("word", ["STOP!", "Stop.", "stop please", "  Stop  ", "STOP 🛑", "Please STOP"])
def test_stop_spellings_then_a_missed_call_with_dedup_off_gets_nothing(start_agent, word):
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.receive_sms(CUSTOMER, word)
    [confirmation] = wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    assert "you won't get any more texts" in confirmation.text
    assert agent.store.is_opted_out(CUSTOMER)
    agent.sim.call(CUSTOMER, rings=1)
    [call] = agent.wait_calls(1)
    assert call.skip_reason == "opted_out"
    settle(agent, 0.3)
    assert len(sent_to(agent, CUSTOMER)) == 1
    assert sent_to(agent, OWNER) == []


def test_stop_while_the_missed_call_text_waits_out_its_delay(start_agent):
    agent = start_agent("sim800", rules={"delay_seconds": 2, "dedup_hours": 0})
    agent.sim.call(CUSTOMER, rings=1)
    [call] = agent.wait_calls(1)
    assert call.outcome == "texted"             # queued, waiting out its 2 s
    agent.sim.receive_sms(CUSTOMER, "STOP")
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    due = agent.store.message(call.message_id).due_at
    wait_for(lambda: utc_iso(datetime.now(timezone.utc)) > due, 5, "the missed-call text's due time")
    settle(agent, 0.2)
    texts = sent_to(agent, CUSTOMER)
    assert len(texts) == 1 and "you won't get any more texts" in texts[0].text
    missed_text = agent.store.message(call.message_id)
    assert missed_text.status == "cancelled"
    assert "opted out" in (missed_text.error_text or "")
    # and a later missed call, dedup off: still nothing
    agent.sim.call(CUSTOMER, rings=1)
    calls = agent.wait_calls(2)
    assert calls[0].skip_reason == "opted_out"
    settle(agent, 0.3)
    assert len(sent_to(agent, CUSTOMER)) == 1


def test_stop_arriving_between_the_parts_of_a_long_reply(start_agent):
    """Part 1 of a long reply, then a STOP, then part 2: both are honoured, each once."""
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    now = datetime.now(timezone.utc)
    first, second = encode_deliver(CUSTOMER, LONG, sent_at=now, concat_ref=77)
    [stop] = encode_deliver(CUSTOMER, "STOP", sent_at=now + timedelta(seconds=1))
    index = put_on_sim(agent.sim, first)
    wait_for(lambda: index not in agent.sim.state.storage, 5, "part 1 read and stored")
    put_on_sim(agent.sim, stop)
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    put_on_sim(agent.sim, second)
    wait_for(lambda: len(inbox(agent)) == 2, 5, "the long reply joined")
    settle(agent)
    bodies = sorted(row["body"] for row in inbox(agent))
    assert bodies == sorted([LONG, "STOP"])
    assert len(sent_to(agent, CUSTOMER)) == 1
    assert agent.store.is_opted_out(CUSTOMER)
    assert agent.sim.state.storage == {}


def test_stop_as_second_part_of_a_multipart_keeps_the_optout(start_agent):
    """A multipart whose second part is the STOP (a phone that split "...\\nSTOP"): not a keyword on its
    own, so it is relayed, but a STOP that follows alone still opts out at once."""
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.receive_sms(CUSTOMER, LONG + " STOP")
    wait_for(lambda: sent_to(agent, OWNER), 5, "the relay")
    agent.sim.receive_sms(CUSTOMER, "stop", at=datetime.now(timezone.utc) + timedelta(seconds=2))
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    agent.sim.call(CUSTOMER, rings=1)
    agent.wait_calls(1)
    settle(agent, 0.3)
    assert len(sent_to(agent, CUSTOMER)) == 1


# ---- replies read twice, announced twice, or arriving mid-send --------------------------------

def test_the_same_sms_stored_twice_on_the_sim_is_relayed_once(start_agent):
    agent = start_agent("sim800")
    [pdu] = encode_deliver(CUSTOMER, "Can I book for Friday?", sent_at=datetime.now(timezone.utc))
    put_on_sim(agent.sim, pdu)
    put_on_sim(agent.sim, pdu)
    wait_for(lambda: sent_to(agent, OWNER), 5, "the relay")
    wait_for(lambda: agent.sim.state.storage == {}, 5, "both copies deleted from the SIM")
    settle(agent)
    assert len(inbox(agent)) == 1 and len(sent_to(agent, OWNER)) == 1


def test_cmti_for_an_index_already_read_changes_nothing_and_later_replies_still_flow(start_agent):
    agent = start_agent("sim800")
    [index] = agent.sim.receive_sms(CUSTOMER, "First question")
    wait_for(lambda: sent_to(agent, OWNER), 5, "the first relay")
    wait_for(lambda: index not in agent.sim.state.storage, 5, "the SIM copy deleted")
    agent.sim.emit(f'+CMTI: "SM",{index}')          # a repeated notification
    agent.sim.emit(f'+CMTI: "SM",{index}')
    loop_turns(agent)
    agent.sim.receive_sms(OTHER, "Second question")
    wait_for(lambda: len(sent_to(agent, OWNER)) == 2, 5, "the second relay")
    settle(agent)
    assert [row["body"] for row in inbox(agent)] == ["First question", "Second question"]
    assert len(sent_to(agent, OWNER)) == 2


def test_a_reply_arriving_while_a_text_is_being_sent_is_relayed_promptly(start_agent):
    agent = start_agent("sim800")
    sim = agent.sim
    original = sim._submit
    fired = threading.Event()

    def submit_with_a_reply_in_the_middle(pdu: str) -> None:
        if not fired.is_set():
            fired.set()
            sim.receive_sms(OTHER, "Are you open on Sunday?")     # +CMTI before the +CMGS answer
        original(pdu)

    sim._submit = submit_with_a_reply_in_the_middle
    agent.sim.call(CUSTOMER, rings=1)
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the missed-call text")
    # well before the once-a-minute SIM sweep could rescue it
    wait_for(lambda: sent_to(agent, OWNER), 5, "the relay of the reply that came mid-send")
    settle(agent)
    assert [row["body"] for row in inbox(agent)] == ["Are you open on Sunday?"]
    assert len(sent_to(agent, OWNER)) == 1 and sim.state.storage == {}


def test_a_direct_delivery_during_a_send_is_not_lost(start_agent):
    """+CMT (the PDU on the line, not stored on the SIM) arriving mid-send: lost would be lost for good."""
    agent = start_agent("sim800")
    sim = agent.sim
    original = sim._submit
    fired = threading.Event()
    [pdu] = encode_deliver(OTHER, "Do you sell gift cards?", sent_at=datetime.now(timezone.utc))

    def submit_with_a_direct_delivery(part: str) -> None:
        if not fired.is_set():
            fired.set()
            sim.write(f"\r\n+CMT: ,{len(pdu) // 2 - 1}\r\n{pdu}\r\n".encode())
        original(part)

    sim._submit = submit_with_a_direct_delivery
    agent.sim.call(CUSTOMER, rings=1)
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the missed-call text")
    wait_for(lambda: sent_to(agent, OWNER), 5, "the relay of the directly delivered reply")
    assert [row["body"] for row in inbox(agent)] == ["Do you sell gift cards?"]
    # the send itself was not disturbed
    [call] = agent.wait_calls(1)
    wait_for(lambda: agent.store.message(call.message_id).status == "sent", 5, "the missed-call text sent")


# ---- the owner's answers -------------------------------------------------------------------------

def test_r_id_goes_to_the_customer_of_that_message_only(start_agent):
    agent = start_agent("sim800")
    agent.sim.receive_sms(CUSTOMER, "Tuesday?")
    wait_for(lambda: len(sent_to(agent, OWNER)) == 1, 5, "relay 1")
    agent.sim.receive_sms(OTHER, "Wednesday?")
    wait_for(lambda: len(sent_to(agent, OWNER)) == 2, 5, "relay 2")
    first, second = inbox(agent)
    assert sent_to(agent, OWNER)[0].text.startswith(f"#{first['id']} ")
    assert sent_to(agent, OWNER)[1].text.startswith(f"#{second['id']} ")
    agent.sim.receive_sms(OWNER, f"R {second['id']} Wednesday is fine")
    wait_for(lambda: sent_to(agent, OTHER), 5, "the answer to the second customer")
    agent.sim.receive_sms(OWNER, f"r#{first['id']}: Tuesday 3pm",
                          at=datetime.now(timezone.utc) + timedelta(seconds=2))
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the answer to the first customer")
    settle(agent)
    assert [s.text for s in sent_to(agent, OTHER)] == ["Wednesday is fine"]
    assert [s.text for s in sent_to(agent, CUSTOMER)] == ["Tuesday 3pm"]


def test_owner_answer_by_sms_to_an_opted_out_customer_is_not_sent(start_agent):
    agent = start_agent("sim800")
    agent.sim.receive_sms(CUSTOMER, "How much is a cleaning?")
    wait_for(lambda: sent_to(agent, OWNER), 5, "the relay")
    message_id = inbox(agent)[0]["id"]
    agent.sim.receive_sms(CUSTOMER, "STOP", at=datetime.now(timezone.utc) + timedelta(seconds=1))
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    agent.sim.receive_sms(OWNER, f"R {message_id} It is 60 pounds")
    wait_for(lambda: len(sent_to(agent, OWNER)) == 2, 5, "the owner told")
    agent.sim.receive_sms(OWNER, f"@{CUSTOMER} It is 60 pounds", at=datetime.now(timezone.utc) + timedelta(seconds=2))
    wait_for(lambda: len(sent_to(agent, OWNER)) == 3, 5, "the owner told again")
    settle(agent)
    assert len(sent_to(agent, CUSTOMER)) == 1
    assert "opted out" in sent_to(agent, OWNER)[1].text


def test_a_web_reply_queued_just_before_a_stop_is_not_sent(start_agent):
    """The web checked the opt-outs, then the STOP came in before the agent's turn: still not texted."""
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.receive_sms(CUSTOMER, "STOP")
    wait_for(lambda: sent_to(agent, CUSTOMER), 5, "the opt-out confirmation")
    now = datetime.now(timezone.utc)
    message_id = agent.store.queue_text(number=CUSTOMER, body="Hi Sam, 3pm is fine", kind="reply", due_at=now, now=now)
    agent.service.wake()
    wait_for(lambda: agent.store.message(message_id).status != "queued", 5, "the reply handled")
    assert agent.store.message(message_id).status == "cancelled"
    assert len(sent_to(agent, CUSTOMER)) == 1


def test_relay_to_the_boxs_own_number_does_not_loop(start_agent):
    """Owner phone mistyped as the box's own SIM number: every text to it comes straight back.
    The loop must die out after a handful of texts, not burn the SIM's credit."""
    agent = start_agent("sim800")
    sim = agent.sim
    stop = threading.Event()

    def loop_back() -> None:
        seen = 0
        while not stop.is_set():
            while seen < len(sim.sent):
                sms = sim.sent[seen]
                seen += 1
                if sms.number == OWNER:
                    sim.receive_sms(OWNER, sms.text, at=datetime.now(timezone.utc) + timedelta(seconds=seen))
            time.sleep(0.02)

    thread = threading.Thread(target=loop_back, daemon=True)
    thread.start()
    try:
        agent.sim.receive_sms(CUSTOMER, "Is the bike still for sale?")
        wait_for(lambda: len(sim.sent) >= 6, 10, "the relay and the usage replies")
        settle(agent, 2.5)
        assert len(sim.sent) <= 8, [s.text for s in sim.sent]
        before = len(sim.sent)
        settle(agent, 1.0)
        assert len(sim.sent) == before
    finally:
        stop.set()
        thread.join(2)


def test_the_owners_own_number_calling_and_texting_is_never_treated_as_a_customer(start_agent):
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.sim.call(OWNER, rings=1)
    [call] = agent.wait_calls(1)
    assert call.skip_reason == "owner"
    agent.sim.receive_sms(OWNER, "Running 10 min late today")
    wait_for(lambda: sent_to(agent, OWNER), 5, "the usage reply")
    settle(agent)
    assert len(agent.sim.sent) == 1 and "R 12" in agent.sim.sent[0].text
    assert inbox(agent)[0]["relay"] is None


# ---- times the owner reads ------------------------------------------------------------------------

def test_relay_shows_the_missed_call_time_in_the_shops_time_zone(start_agent):
    agent = start_agent("sim800", business={"timezone": "America/New_York", "country": "GB"})
    agent.sim.call(CUSTOMER, rings=1)
    [call] = agent.wait_calls(1)
    agent.sim.receive_sms(CUSTOMER, "What time do you close?")
    [relay] = wait_for(lambda: sent_to(agent, OWNER), 5, "the relay")
    ended = datetime.fromisoformat(call.ended_at).astimezone(ZoneInfo("America/New_York"))
    local = f"{ended.hour % 12 or 12}:{ended.minute:02d} {'AM' if ended.hour < 12 else 'PM'}"
    assert f"(missed call {local})" in relay.text, relay.text


# ---- a long owner answer whose second part never arrives -------------------------------------------

def test_an_owners_answer_missing_a_part_is_not_sent_half_to_the_customer(tmp_path):
    """The owner's long "R <id> ..." arrives in two parts and the second is lost: after the partial
    time-out the customer must not get half an answer with "[part 2 of 2 missing]" in it."""
    from tests.clocks import FakeClock
    from agent.daemon.inbound import PARTIAL_TIMEOUT, Inbound
    from agent.store import Store
    from tests.conftest import make_config

    config = make_config(tmp_path)
    clock = FakeClock(current=datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
    store = Store.open(config.storage.database)
    store.seed_settings(config, clock.now())
    inbound = Inbound(store, clock)
    try:
        [pdu] = encode_deliver(CUSTOMER, "Can you fit me in this week?", sent_at=clock.now())
        assert inbound.receive_pdu(pdu)
        message_id = db_rows(store, "SELECT id FROM messages WHERE direction = 'in'")[0]["id"]
        answer = f"R {message_id} " + LONG
        first, _second = encode_deliver(OWNER, answer, sent_at=clock.now(), concat_ref=9)
        assert inbound.receive_pdu(first)            # part 2 never comes
        clock.advance(PARTIAL_TIMEOUT.total_seconds() + 60)
        assert inbound.flush_partials() == 1
        to_customer = [row.body for row in store.messages_for(CUSTOMER) if row.direction == "out"]
        assert not any("missing]" in body for body in to_customer), to_customer
    finally:
        store.close()


def test_owner_texting_stop_does_not_cut_off_their_own_relays(start_agent):
    agent = start_agent("sim800")
    owner = agent.config.owner.phone
    agent.sim.receive_sms(owner, "STOP")
    wait_for(lambda: agent.sim.sent, 5, "the usage reply to the owner")
    assert agent.sim.sent[-1].number == owner and not agent.store.is_opted_out(owner)
    agent.sim.receive_sms("+447911123456", "Are you open on Sunday?")
    wait_for(lambda: len(agent.sim.sent) >= 2, 5, "the relay")
    assert agent.sim.sent[-1].number == owner and "Are you open on Sunday?" in agent.sim.sent[-1].text


def test_stop_start_loop_gets_a_bounded_number_of_confirmations(start_agent):
    agent = start_agent("sim800")
    for _ in range(5):
        agent.sim.receive_sms("+447911123456", "STOP")
        agent.sim.receive_sms("+447911123456", "START")
    wait_for(lambda: len(agent.sim.state.storage) == 0, 10, "every SMS read and deleted")
    agent.service.wake()
    wait_for(lambda: agent.store.queue_length() == 0, 10, "the queue drained")
    confirmations = [t for t in agent.sim.sent if t.number == "+447911123456"]
    assert 1 <= len(confirmations) <= 3


def test_call_whose_text_was_stopped_reads_skipped_opted_out(start_agent):
    agent = start_agent("sim800", rules={"delay_seconds": 2})
    agent.sim.call("+447911123456", rings=2)
    [call] = agent.wait_calls(1)
    agent.sim.receive_sms("+447911123456", "STOP")
    wait_for(lambda: agent.store.call(call.id).outcome == "skipped", 6, "the call re-marked")
    assert agent.store.call(call.id).skip_reason == "opted_out"
    assert [t.number for t in agent.sim.sent] == ["+447911123456"]     # the confirmation only
    assert "won't get any more texts" in agent.sim.sent[0].text
