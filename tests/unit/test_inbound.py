"""agent.daemon.inbound against a real Store in a temp folder, fed hand-made PDUs and a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent.clock import utc_iso
from tests.clocks import FakeClock
from agent.daemon.inbound import (
    OWNER_NOTES_PER_HOUR,
    PARTIAL_TIMEOUT,
    RELAYS_PER_CALLER_PER_HOUR,
    RELAYS_PER_HOUR,
    Inbound,
    report_meaning,
)
from agent.sms.pdu import encode_deliver, encode_status_report, encode_submit
from agent.rules.numbers import pretty
from agent.store import Store
from agent.store.inbox import InboxQueries
from tests.conftest import make_config
from tests.db_rows import rows as db_rows

OWNER = "+447911000001"
CUSTOMER = "+447911123456"
READABLE = pretty(CUSTOMER, "GB")            # as the owner reads it
LONG = ("Hello, this is Sam. I called about the blue road bike in your window. Is it still for sale, and could "
        "I come and try it on Saturday morning around ten? If not Saturday then Sunday works too, any time "
        "after lunch. Also do you do part exchange? I have an old hybrid. Thanks a lot, speak soon!")


class _Box:
    def __init__(self, tmp_path: Path):
        store_class = Store if issubclass(Store, InboxQueries) else type("InboxStore", (Store, InboxQueries), {})
        self.store = store_class.open(tmp_path / "textback.db")
        self.clock = FakeClock()
        self.store.seed_settings(make_config(tmp_path), self.clock.now())
        self.inbound = Inbound(self.store, self.clock)

    def receive(self, sender: str, text: str, *, ref: int = 0, at: datetime | None = None) -> list[bool]:
        pdus = encode_deliver(sender, text, sent_at=at or self.clock.now() - timedelta(seconds=5), concat_ref=ref)
        return [self.inbound.receive_pdu(pdu) for pdu in pdus]

    def inbox(self) -> list:
        return db_rows(self.store, "SELECT * FROM messages WHERE direction = 'in' ORDER BY id")

    def outbox(self, kind: str | None = None) -> list:
        rows = db_rows(self.store, "SELECT * FROM messages WHERE direction = 'out' ORDER BY id")
        return [row for row in rows if kind is None or row["kind"] == kind]


@pytest.fixture
def box(tmp_path):
    box = _Box(tmp_path)
    yield box
    box.store.close()


# ---- storing and reassembly ------------------------------------------------------------------

def test_a_reply_is_stored_and_relayed_to_the_owner(box):
    sent_at = datetime(2026, 1, 5, 11, 59, 30, tzinfo=timezone.utc)
    assert box.receive(CUSTOMER, "Can you come Tuesday at 3pm?", at=sent_at) == [True]
    [message] = box.inbox()
    assert (message["number"], message["body"], message["kind"], message["status"]) == (
        CUSTOMER, "Can you come Tuesday at 3pm?", "sms", "received")
    assert message["sent_at"] == utc_iso(sent_at) and message["created_at"] == utc_iso(box.clock.now())
    assert message["relay"] == "relayed"
    [relay] = box.outbox()
    assert (relay["number"], relay["kind"], relay["status"], relay["reply_to"]) == (
        OWNER, "owner_relay", "queued", message["id"])
    ref = message["id"]
    assert relay["body"] == f"#{ref} {READABLE}: Can you come Tuesday at 3pm?\nReply R {ref} <answer>"


def test_relay_names_the_latest_missed_call_in_local_time(box):
    for ended in (datetime(2026, 1, 4, 9, 0, tzinfo=timezone.utc), datetime(2026, 1, 5, 11, 42, tzinfo=timezone.utc)):
        box.store.record_call(number=CUSTOMER, raw_number=CUSTOMER, toa=145, started_at=ended, ended_at=ended,
                              rings=2, end_signal="NO CARRIER", now=ended)
    box.receive("07911123456", "Hi")            # a national-format sender is read with the shop's country
    [message] = box.inbox()
    assert message["number"] == CUSTOMER
    assert box.outbox()[0]["body"].startswith(f"#{message['id']} {READABLE} (missed call 11:42 AM): Hi\n")


def test_parts_out_of_order_are_joined_before_anything_reads_them(box):
    pdus = encode_deliver(CUSTOMER, LONG, sent_at=box.clock.now(), concat_ref=77)
    assert len(pdus) == 2
    assert box.inbound.receive_pdu(pdus[1]) is True
    assert box.inbox() == [] and box.outbox() == []
    assert box.inbound.receive_pdu(pdus[0]) is True
    [message] = box.inbox()
    assert message["body"] == LONG and message["parts"] == 2 and message["status"] == "received"
    [relay] = box.outbox()
    assert LONG in relay["body"]


def test_three_parts_with_emoji_any_order(box):
    text = "Thanks! 😀 " * 30
    pdus = encode_deliver(CUSTOMER, text, sent_at=box.clock.now(), concat_ref=300)
    assert len(pdus) >= 3
    for pdu in reversed(pdus):
        box.inbound.receive_pdu(pdu)
    [message] = box.inbox()
    assert message["body"] == text and message["encoding"] == "UCS-2"


def test_the_same_pdu_twice_is_stored_and_acted_on_once(box):
    pdus = encode_deliver(CUSTOMER, "STOP", sent_at=box.clock.now())
    assert box.inbound.receive_pdu(pdus[0]) and box.inbound.receive_pdu(pdus[0])
    long_pdus = encode_deliver("+447911222333", LONG, sent_at=box.clock.now(), concat_ref=5)
    for pdu in long_pdus + long_pdus:
        assert box.inbound.receive_pdu(pdu) is True
    assert len(box.inbox()) == 2
    assert [row["kind"] for row in box.outbox()] == ["optout_confirm", "owner_relay"]


def test_same_words_sent_again_later_are_a_new_message(box):
    box.receive(CUSTOMER, "Hello?", at=box.clock.now())
    box.receive(CUSTOMER, "Hello?", at=box.clock.now() + timedelta(minutes=1))
    assert len(box.inbox()) == 2


def test_missing_part_is_stored_as_partial_after_the_timeout(box):
    text = (LONG + " " + LONG)[:450]
    pdus = encode_deliver(CUSTOMER, text, sent_at=box.clock.now(), concat_ref=9)
    assert len(pdus) == 3
    box.inbound.receive_pdu(pdus[0])
    box.inbound.receive_pdu(pdus[2])
    box.clock.advance(PARTIAL_TIMEOUT.total_seconds() - 1)
    assert box.inbound.flush_partials() == 0 and box.inbox() == []
    box.clock.advance(2)
    assert box.inbound.flush_partials() == 1
    [message] = box.inbox()
    assert message["status"] == "partial" and "[part 2 of 3 missing]" in message["body"]
    assert message["body"].startswith(text[:100]) and message["parts"] == 2
    assert box.inbound.flush_partials() == 0
    assert [row["kind"] for row in box.outbox()] == ["owner_relay"]


# ---- keywords ----------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", "STOP ALL", "stopall", "Unsubscribe", "cancel", "END",
                                  "quit", "Revoke", "opt out", "OPTOUT", "opt-out", "Stop please"])
def test_each_opt_out_spelling_opts_out_once(box, word):
    box.receive(CUSTOMER, word)
    box.receive(CUSTOMER, word, at=box.clock.now() + timedelta(seconds=30))
    assert box.store.is_opted_out(CUSTOMER)
    assert [row["kind"] for row in box.inbox()] == ["stop", "stop"]
    [confirm] = box.outbox()
    assert confirm["kind"] == "optout_confirm" and confirm["number"] == CUSTOMER
    assert confirm["body"].startswith("Brightside Dental: you won't get any more texts")


def test_start_resubscribes_once_and_yes_is_a_reply_otherwise(box):
    box.receive(CUSTOMER, "Yes")
    assert box.outbox()[-1]["kind"] == "owner_relay" and box.inbox()[-1]["kind"] == "sms"
    box.receive(CUSTOMER, "STOP", at=box.clock.now() + timedelta(seconds=1))
    box.receive(CUSTOMER, "Start", at=box.clock.now() + timedelta(seconds=2))
    assert not box.store.is_opted_out(CUSTOMER)
    assert [row["kind"] for row in box.inbox()] == ["sms", "stop", "start"]
    assert [row["kind"] for row in box.outbox()] == ["owner_relay", "optout_confirm", "optin_confirm"]


def test_help_and_info_are_answered_once_a_day(box):
    box.receive(CUSTOMER, "HELP")
    box.receive(CUSTOMER, "info?", at=box.clock.now() + timedelta(seconds=1))
    assert [row["kind"] for row in box.inbox()] == ["help", "help"]
    [answer] = box.outbox()
    assert answer["kind"] == "help" and answer["body"].startswith("Brightside Dental: reply with your question")
    box.clock.advance(24 * 3600 + 1)
    box.receive(CUSTOMER, "Info")
    assert [row["kind"] for row in box.outbox()] == ["help", "help"]


def test_help_is_answered_after_an_opt_out(box):
    box.store.add_optout(CUSTOMER, box.clock.now())
    box.receive(CUSTOMER, "HELP")
    [answer] = box.outbox()
    assert answer["kind"] == "help" and box.inbox()[0]["kind"] == "help"
    assert box.store.is_opted_out(CUSTOMER)                 # still opted out: HELP does not resubscribe


def test_a_second_stop_gets_no_second_confirmation(box):
    box.receive(CUSTOMER, "STOP")
    box.clock.advance(60)
    box.receive(CUSTOMER, "stop please")
    assert [row["kind"] for row in box.outbox()] == ["optout_confirm"]


# ---- carrier noise -----------------------------------------------------------------------------

@pytest.mark.parametrize("sender", ["Vodafone", "O2 UK", "12345", "+4477", "150"])
def test_carrier_noise_is_stored_but_never_answered_or_relayed(box, sender):
    box.receive(sender, "Your balance is 5.00. Reply STOP to end promos")
    box.receive(sender, "STOP", at=box.clock.now() + timedelta(seconds=1))
    assert [(row["number"], row["kind"]) for row in box.inbox()] == [(sender, "carrier")] * 2
    assert box.outbox() == [] and box.store.optouts() == []


# ---- the owner ---------------------------------------------------------------------------------

def test_a_message_from_the_owner_is_never_relayed(box):
    box.receive(OWNER, "Testing the box")
    [message] = box.inbox()
    assert message["kind"] == "owner" and message["relay"] is None
    assert [row["kind"] for row in box.outbox()] == ["owner_usage"]
    assert box.outbox()[0]["number"] == OWNER and "R 12 <your answer>" in box.outbox()[0]["body"]


def test_owner_answers_a_relayed_message_with_r(box):
    box.receive(CUSTOMER, "Can you come Tuesday at 3pm?")
    customer_message = box.inbox()[0]["id"]
    box.receive(OWNER, f"R {customer_message} Yes, 3pm works")
    answer = box.outbox("owner_answer")[0]
    assert (answer["number"], answer["body"], answer["reply_to"]) == (CUSTOMER, "Yes, 3pm works", customer_message)
    assert box.outbox("owner_usage") == []
    assert [row.kind for row in box.store.messages_for(CUSTOMER)] == ["sms", "owner_answer"]


@pytest.mark.parametrize("target", ["07911123456", "+447911123456"])
def test_owner_texts_a_number_with_at(box, target):
    box.receive(CUSTOMER, "Hi")
    box.receive(OWNER, f"@{target} Your bike is ready")
    [answer] = box.outbox("owner_answer")
    assert (answer["number"], answer["body"]) == (CUSTOMER, "Your bike is ready")
    assert answer["reply_to"] == box.inbox()[0]["id"]


@pytest.mark.parametrize("command, says", [
    ("R 999 hello", "no customer message #999"),
    ("Hello there", "to answer #12 send R 12"),
    ("R 12", "to answer #12 send R 12"),
    ("@12 hi", "12 is not a phone number"),
])
def test_owner_mistakes_get_one_short_usage_reply(box, command, says):
    box.receive(OWNER, command)
    [usage] = box.outbox()
    assert usage["kind"] == "owner_usage" and usage["number"] == OWNER and says in usage["body"]
    assert len(usage["body"]) <= 160


def test_owner_cannot_answer_carrier_noise_or_themselves(box):
    box.receive("Vodafone", "Balance 5.00")
    box.receive(OWNER, f"R {box.inbox()[0]['id']} thanks", at=box.clock.now() + timedelta(seconds=1))
    assert box.outbox("owner_answer") == [] and len(box.outbox("owner_usage")) == 1


def test_owner_cannot_text_a_stranger_with_at(box):
    """A spoofed "owner" must not make the shop's SIM text anyone: @number reaches only numbers
    the box already has a conversation with."""
    box.receive(OWNER, "@07700 900456 Free prize, click here")
    assert box.outbox("owner_answer") == []
    [notice] = box.outbox("owner_usage")
    assert "never called or texted this box" in notice["body"] and notice["number"] == OWNER


def _with_pin(box, pin: str) -> None:
    box.store.set_setting("owner_sms_pin", pin, box.clock.now())


def test_with_an_sms_pin_a_command_without_it_sends_nothing(box):
    _with_pin(box, "4821")
    box.receive(CUSTOMER, "Hi")
    for n, command in enumerate((f"R {box.inbox()[0]['id']} Yes", "@07911123456 Yes", "4822 @07911123456 Yes",
                                 "48210 @07911123456 Yes")):
        box.receive(OWNER, command, at=box.clock.now() + timedelta(seconds=n + 1))
    assert box.outbox("owner_answer") == []
    notes = box.outbox("owner_usage")
    assert notes and all("PIN" in note["body"] and "4821" not in note["body"] for note in notes)


def test_with_an_sms_pin_a_command_that_starts_with_it_is_run(box):
    _with_pin(box, "4821")
    box.receive(CUSTOMER, "Hi")
    box.receive(OWNER, f"4821 R {box.inbox()[0]['id']} Yes, 3pm works")
    box.receive(OWNER, "4821 @07911123456 See you then", at=box.clock.now() + timedelta(seconds=1))
    assert [row["body"] for row in box.outbox("owner_answer")] == ["Yes, 3pm works", "See you then"]
    assert box.outbox("owner_usage") == []


def test_owner_answer_to_an_opted_out_customer_is_refused(box):
    box.receive(CUSTOMER, "Hi")
    box.receive(CUSTOMER, "STOP", at=box.clock.now() + timedelta(seconds=1))
    box.receive(OWNER, f"R {box.inbox()[0]['id']} See you Tuesday")
    assert box.outbox("owner_answer") == []
    [notice] = box.outbox("owner_usage")
    assert f"{READABLE} has opted out" in notice["body"]


def test_usage_replies_are_rate_limited(box):
    for n in range(OWNER_NOTES_PER_HOUR + 3):
        box.receive(OWNER, f"hello {n}")
    assert len(box.outbox("owner_usage")) == OWNER_NOTES_PER_HOUR
    assert len(box.inbox()) == OWNER_NOTES_PER_HOUR + 3


# ---- rate limits -------------------------------------------------------------------------------

def test_relays_per_caller_per_hour(box):
    for n in range(RELAYS_PER_CALLER_PER_HOUR + 2):
        box.receive(CUSTOMER, f"message {n}")
    relays = [row["relay"] for row in box.inbox()]
    assert relays == ["relayed"] * RELAYS_PER_CALLER_PER_HOUR + ["limit_caller"] * 2
    assert "not relayed" in box.inbox()[-1]["error_text"]
    assert len(box.outbox("owner_relay")) == RELAYS_PER_CALLER_PER_HOUR
    box.clock.advance(3601)
    box.receive(CUSTOMER, "an hour later")
    assert box.inbox()[-1]["relay"] == "relayed"


def test_relays_per_hour_overall(box):
    for n in range(RELAYS_PER_HOUR + 1):
        box.receive(f"+4479111{n:05d}", "Hello")
    assert len(box.outbox("owner_relay")) == RELAYS_PER_HOUR
    assert box.inbox()[-1]["relay"] == "limit_all"


def test_no_owner_phone_means_no_relay(box):
    box.store.set_setting("owner_phone", "", box.clock.now())
    box.receive(CUSTOMER, "Hello")
    assert box.outbox() == [] and box.inbox()[0]["relay"] == "no_owner"


def test_a_broken_relay_template_falls_back_to_the_default(box):
    box.store.set_template("owner_relay", "{caller} says {nonsense}", box.clock.now())
    box.receive(CUSTOMER, "Hello")
    assert box.outbox()[0]["body"].endswith(f"{READABLE}: Hello\nReply R 1 <answer>")


# ---- delivery reports --------------------------------------------------------------------------

def sent_text(box: _Box, number: str, refs: list[int], body: str = "Sorry we missed your call") -> int:
    message_id = box.store.queue_text(number=number, body=body, kind="missed_open", due_at=box.clock.now(),
                                      now=box.clock.now())
    assert box.store.claim(message_id, 1, len(refs), "GSM-7")
    box.store.part_sent(message_id, len(refs), refs)
    box.store.mark_sent(message_id, box.clock.now())
    return message_id


def report(box: _Box, ref: int, number: str, status: int = 0, seconds: int = 30) -> bool:
    at = box.clock.now() + timedelta(seconds=seconds)
    return box.inbound.receive_pdu(encode_status_report(ref, number, status, at))


def test_every_part_delivered_marks_the_text_delivered(box):
    message_id = sent_text(box, CUSTOMER, [7, 8])
    assert report(box, 7, CUSTOMER)
    assert box.store.message(message_id).status == "sent"
    assert report(box, 8, "07911123456", seconds=40)
    row = box.store.message(message_id)
    assert row.status == "delivered" and row.delivered_at == utc_iso(box.clock.now() + timedelta(seconds=40))
    assert report(box, 8, CUSTOMER, seconds=40)                 # the same report again
    assert [r.message_ref for r in box.store.delivery_reports(message_id)] == [7, 8]


def test_report_goes_to_the_newest_text_with_that_reference(box):
    older = sent_text(box, CUSTOMER, [7])
    box.clock.advance(60)
    newer = sent_text(box, CUSTOMER, [7])
    other = sent_text(box, "+447911999888", [7])
    report(box, 7, CUSTOMER)
    assert [box.store.message(m).status for m in (older, newer, other)] == ["sent", "delivered", "sent"]


def test_a_final_failure_keeps_the_reason(box):
    message_id = sent_text(box, CUSTOMER, [9])
    report(box, 9, CUSTOMER, status=0x21)               # phone busy, network still trying
    assert box.store.message(message_id).error_text is None
    report(box, 9, CUSTOMER, status=0x46, seconds=90)
    row = box.store.message(message_id)
    assert row.status == "sent" and row.error_code == 0x46
    assert row.error_text == report_meaning(0x46)
    assert report_meaning(0x46) == "not delivered: it expired before the phone could take it (status 0x46)"
    assert report_meaning(0x61) == "not delivered: the phone was busy (status 0x61)"
    assert len(box.store.delivery_reports(message_id)) == 2


def test_a_report_for_nothing_of_ours_is_kept(box):
    assert report(box, 200, CUSTOMER)
    [row] = box.store.delivery_reports()
    assert row.message_id is None and row.recipient == CUSTOMER


# ---- junk --------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdu", ["ZZZ", "", "0004", "00FF" + "00" * 20])
def test_junk_is_recorded_once_and_released(box, pdu):
    assert box.inbound.receive_pdu(pdu) is True
    assert box.inbound.receive_pdu(pdu) is True
    assert len(box.store.unreadable_pdus()) == 1 and box.inbox() == []


def test_an_outgoing_pdu_on_the_sim_is_set_aside(box):
    assert box.inbound.receive_pdu(encode_submit(CUSTOMER, "draft")[0].hex) is True
    assert "SMS-SUBMIT" in box.store.unreadable_pdus()[0].error
