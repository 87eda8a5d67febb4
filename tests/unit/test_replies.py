"""agent.rules.replies: what a received message means, decided without a database or a modem."""

from __future__ import annotations

import pytest

from datetime import datetime, timedelta, timezone

from agent.rules.menu import parse_menu_options
from agent.rules.replies import (OPTOUT_CONFIRM_WITHIN, RELAYS_PER_CALLER_PER_HOUR, RELAYS_PER_HOUR, ReplyFacts,
                                 ReplyPlan, confirmation_too_late, is_carrier, plan_reply, relay_refusal,
                                 shorten_for_relay)
from agent.rules.vocabulary import InKind, OutKind, Relay

OWNER = "+447911000001"
CUSTOMER = "+447911123456"


def facts(body: str, *, number: str = CUSTOMER, partial: bool = False, carrier: bool = False,
          opted_out: bool = False, help_answered: bool = False, **more) -> ReplyFacts:
    return ReplyFacts(number=number, body=body, partial=partial, carrier=carrier, owner_phone=OWNER,
                      opted_out=opted_out, help_answered=help_answered, **more)


@pytest.mark.parametrize("given, expected", [
    (facts("STOP"), ReplyPlan(InKind.STOP, optout=True, answer=OutKind.OPTOUT_CONFIRM)),
    (facts("stop please"), ReplyPlan(InKind.STOP, optout=True, answer=OutKind.OPTOUT_CONFIRM)),
    # STOP in plain words: opted out, confirmed, and relayed so the owner can see (and undo) it
    (facts("Stop texting me, I found someone else"),
     ReplyPlan(InKind.STOP, optout=True, answer=OutKind.OPTOUT_CONFIRM, relay=True)),
    (facts("START", opted_out=True), ReplyPlan(InKind.START, optin=True, answer=OutKind.OPTIN_CONFIRM)),
    (facts("START"), ReplyPlan(InKind.SMS, relay=True)),                    # not opted out: just words
    (facts("HELP"), ReplyPlan(InKind.HELP, answer=OutKind.HELP)),
    (facts("HELP", opted_out=True), ReplyPlan(InKind.HELP, answer=OutKind.HELP)),   # HELP is answered after STOP
    (facts("info", help_answered=True), ReplyPlan(InKind.HELP)),            # one HELP answer a day
    (facts("Are you open Sunday?"), ReplyPlan(InKind.SMS, relay=True)),
    (facts("STOP", partial=True), ReplyPlan(InKind.SMS, relay=True)),      # half a message is no keyword
    (facts("STOP", number=OWNER), ReplyPlan(InKind.OWNER, owner_command=True)),   # the owner is never cut off
    (facts("R 12 yes", number=OWNER, partial=True), ReplyPlan(InKind.OWNER, owner_partial=True)),
    (facts("Your balance is 5.00", number="Vodafone", carrier=True), ReplyPlan(InKind.CARRIER)),
])
def test_what_a_message_means(given, expected):
    assert plan_reply(given) == expected


@pytest.mark.parametrize("sender, toa, carrier", [
    ("Vodafone", 0xD0, True), ("+447911123456", 0x91, False), ("2732", 0x81, True), ("07911123456", 0x81, False),
])
def test_carrier_senders(sender, toa, carrier):
    assert is_carrier(sender, toa) is carrier


def test_relay_limits():
    assert relay_refusal(owner_phone="", from_caller=0, from_all=0)[0] == Relay.NO_OWNER
    assert relay_refusal(owner_phone=OWNER, from_caller=RELAYS_PER_CALLER_PER_HOUR, from_all=0)[0] == Relay.LIMIT_CALLER
    assert relay_refusal(owner_phone=OWNER, from_caller=0, from_all=RELAYS_PER_HOUR)[0] == Relay.LIMIT_ALL
    assert relay_refusal(owner_phone=OWNER, from_caller=RELAYS_PER_CALLER_PER_HOUR - 1,
                         from_all=RELAYS_PER_HOUR - 1) is None


def test_a_long_reply_is_shortened_for_the_relay_only():
    assert shorten_for_relay("x" * 600) == "x" * 600
    assert shorten_for_relay("x" * 601) == "x" * 597 + "..."


# ---- the reply menu and urgent words -------------------------------------------------------------

MENU = parse_menu_options([
    {"key": "1", "label": "Book", "reply": "{business}: great! Which day suits you?"},
    {"key": "3", "label": "Call me back", "reply": "{business}: we'll call you back as soon as we're free."},
])
BOOK, CALLBACK = MENU
URGENT = ("URGENT", "EMERGENCY")


@pytest.mark.parametrize("body, option", [
    ("1", BOOK), (" 1. ", BOOK), ("book", BOOK), ("BOOK!", BOOK), ("3", CALLBACK), ("call me back", CALLBACK),
    ("Call-me-back!!", CALLBACK), ("CALL ME BACK please?", None), ("13", None), ("1 please", None),
    ("I'd like to book", None),
])
def test_a_menu_choice_is_the_whole_reply_key_or_label(body, option):
    plan = plan_reply(facts(body, menu_options=MENU))
    assert plan.kind == InKind.SMS and plan.relay          # a choice is relayed like any reply
    assert plan.menu == option
    assert plan.answer == (OutKind.MENU_ANSWER if option else None)
    assert plan.callback == (option is CALLBACK)


def test_a_menu_choice_is_answered_once_and_never_after_stop():
    assert plan_reply(facts("1", menu_options=MENU, menu_answered=frozenset({"1"}))) == \
        ReplyPlan(InKind.SMS, relay=True, menu=BOOK)
    assert plan_reply(facts("3", menu_options=MENU, menu_answered=frozenset({"1"}))).answer == OutKind.MENU_ANSWER
    assert plan_reply(facts("1", menu_options=MENU, opted_out=True)) == ReplyPlan(InKind.SMS, relay=True, menu=BOOK)


def test_without_a_menu_a_digit_is_an_ordinary_reply():
    assert plan_reply(facts("1")) == ReplyPlan(InKind.SMS, relay=True)


def test_keywords_win_over_the_menu():
    assert plan_reply(facts("STOP", menu_options=MENU)).kind == InKind.STOP
    assert plan_reply(facts("HELP", menu_options=MENU)).kind == InKind.HELP


@pytest.mark.parametrize("body, urgent", [
    ("URGENT: water everywhere", True), ("it's an emergency!!", True), ("Urgent", True), ("urgently please", False),
    ("no rush", False), ("EMERGENCY", True),
])
def test_urgent_words_are_whole_words_in_any_case(body, urgent):
    plan = plan_reply(facts(body, urgent_words=URGENT))
    assert plan == ReplyPlan(InKind.SMS, relay=True, urgent=urgent)


def test_no_urgent_words_means_no_triage_and_half_a_message_is_not_urgent():
    assert not plan_reply(facts("URGENT")).urgent
    assert not plan_reply(facts("URGENT", partial=True, urgent_words=URGENT)).urgent


def test_an_urgent_reply_is_relayed_past_the_rate_limits_but_not_without_an_owner():
    assert relay_refusal(owner_phone=OWNER, from_caller=99, from_all=999, urgent=True) is None
    assert relay_refusal(owner_phone="", from_caller=0, from_all=0, urgent=True)[0] == Relay.NO_OWNER


def test_the_optout_confirmation_is_only_sent_within_five_minutes():
    stop = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert OPTOUT_CONFIRM_WITHIN == timedelta(minutes=5)
    assert not confirmation_too_late(stop, stop + timedelta(minutes=5))
    assert confirmation_too_late(stop, stop + timedelta(minutes=5, seconds=1))
