"""agent.rules.replies: what a received message means, decided without a database or a modem."""

from __future__ import annotations

import pytest

from agent.rules.replies import (RELAYS_PER_CALLER_PER_HOUR, RELAYS_PER_HOUR, ReplyFacts, ReplyPlan, is_carrier,
                                 plan_reply, relay_refusal, shorten_for_relay)
from agent.rules.vocabulary import InKind, OutKind, Relay

OWNER = "+447911000001"
CUSTOMER = "+447911123456"


def facts(body: str, *, number: str = CUSTOMER, partial: bool = False, carrier: bool = False,
          opted_out: bool = False) -> ReplyFacts:
    return ReplyFacts(number=number, body=body, partial=partial, carrier=carrier, owner_phone=OWNER,
                      opted_out=opted_out)


@pytest.mark.parametrize("given, expected", [
    (facts("STOP"), ReplyPlan(InKind.STOP, optout=True, answer=OutKind.OPTOUT_CONFIRM)),
    (facts("stop please"), ReplyPlan(InKind.STOP, optout=True, answer=OutKind.OPTOUT_CONFIRM)),
    (facts("START", opted_out=True), ReplyPlan(InKind.START, optin=True, answer=OutKind.OPTIN_CONFIRM)),
    (facts("START"), ReplyPlan(InKind.SMS, relay=True)),                    # not opted out: just words
    (facts("HELP"), ReplyPlan(InKind.HELP, answer=OutKind.HELP)),
    (facts("HELP", opted_out=True), ReplyPlan(InKind.HELP)),                # never texted after STOP
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
