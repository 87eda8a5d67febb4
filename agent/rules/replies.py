"""What a received message means and what the box does about it: pure decisions, no I/O.

In this order:
1. carrier noise — an alphanumeric sender or a short code (at most 6 digits): kept, nothing else;
2. from the owner's phone — a command (keywords.owner_command) or a short usage reply; never a
   keyword: a "STOP" from the owner must not cut the owner off from the relays, and half an answer
   is never forwarded to a customer;
3. STOP and its spellings — opted out at once, one confirmation (only the first time, and only
   within OPTOUT_CONFIRM_WITHIN of the STOP: `confirmation_too_late`);
   START / UNSTOP / YES from an opted-out number — opted back in, one confirmation (from anyone
   else it is an ordinary reply); HELP / INFO — the help text, also to an opted-out number (CTIA
   expects HELP answered whatever the subscription), at most one a day per number;
4. anything else — relayed to the owner's phone, within the rate limits below, and also:
   - a reply that is a menu option (agent.rules.menu.chosen_option) gets that option's reply,
     once per option until the number's next missed call (never after STOP), is tagged with the
     label, and an option asking for a callback pins the conversation;
   - a reply with an urgent word (keywords.has_urgent_word) is marked urgent, pinned, and relayed
     even past the relay rate limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.rules.keywords import classify, has_urgent_word, is_bare_keyword
from agent.rules.menu import MenuOption, asks_for_callback, chosen_option
from agent.rules.vocabulary import InKind, OutKind, Relay

__all__ = ["ReplyFacts", "ReplyPlan", "plan_reply", "relay_refusal", "answers_allowed", "owner_notes_allowed",
           "is_carrier", "RELAYS_PER_CALLER_PER_HOUR", "RELAYS_PER_HOUR", "OWNER_NOTES_PER_HOUR",
           "ANSWERS_PER_NUMBER_PER_HOUR", "RELAY_TEXT_LIMIT", "shorten_for_relay", "without_pin",
           "HELP_ANSWER_EVERY", "OPTOUT_CONFIRM_WITHIN", "confirmation_too_late"]

RELAYS_PER_CALLER_PER_HOUR = 5
RELAYS_PER_HOUR = 30
OWNER_NOTES_PER_HOUR = 5             # usage replies and notices to the owner
ANSWERS_PER_NUMBER_PER_HOUR = 3      # HELP answers and START/STOP confirmations to one number
RELAY_TEXT_LIMIT = 600               # characters of a reply put in the relay; the inbox has it all
HELP_ANSWER_EVERY = timedelta(days=1)        # at most one HELP answer per number in this time
OPTOUT_CONFIRM_WITHIN = timedelta(minutes=5)  # FCC 47 CFR 64.1200(a)(12): a confirmation later than
                                              # this is an unwanted text, so it is not sent at all


@dataclass(frozen=True)
class ReplyFacts:
    number: str            # E.164 where readable
    body: str
    partial: bool          # a multipart message with parts missing
    carrier: bool
    owner_phone: str       # "" when not set
    opted_out: bool
    menu_options: tuple[MenuOption, ...] = ()
    urgent_words: tuple[str, ...] = ()
    menu_answered: frozenset[str] = frozenset()   # option keys already answered since the last missed call
    help_answered: bool = False                   # a HELP answer went to this number within HELP_ANSWER_EVERY


@dataclass(frozen=True)
class ReplyPlan:
    kind: InKind                       # what the message is, as stored
    optout: bool = False               # opt the number out (answer only if it was not before)
    optin: bool = False                # opt the number back in
    answer: OutKind | None = None      # the automatic answer, within ANSWERS_PER_NUMBER_PER_HOUR
    relay: bool = False                # to the owner's phone, within the relay limits
    owner_command: bool = False        # the owner's text: read it as a command
    owner_partial: bool = False        # the owner's text lost a part: tell them, act on nothing
    menu: MenuOption | None = None     # the option the reply chose (tag it; answer when answer is MENU_ANSWER)
    callback: bool = False             # the option asks for a callback: pin the conversation
    urgent: bool = False               # an urgent word: mark, pin, relay past the rate limits


def is_carrier(sender: str, toa: int) -> bool:
    """An alphanumeric sender (type of number 5) or a short code: the network or a service, not a caller."""
    digits = sender.lstrip("+")
    return (toa >> 4) & 0x07 == 5 or not digits.isdigit() or len(digits) <= 6


def plan_reply(facts: ReplyFacts) -> ReplyPlan:
    if facts.carrier:
        return ReplyPlan(InKind.CARRIER)
    if facts.owner_phone and facts.number == facts.owner_phone:
        return ReplyPlan(InKind.OWNER, owner_partial=facts.partial, owner_command=not facts.partial)
    keyword = None if facts.partial else classify(facts.body)
    if keyword == "stop":
        # a STOP in plain words ("Stop texting me, I found another plumber") also goes to the owner,
        # marked opted out: a wrong reading silences a customer, and the owner must be able to see it
        return ReplyPlan(InKind.STOP, optout=True, answer=OutKind.OPTOUT_CONFIRM,
                         relay=not is_bare_keyword(facts.body))
    if keyword == "start" and facts.opted_out:
        return ReplyPlan(InKind.START, optin=True, answer=OutKind.OPTIN_CONFIRM)
    if keyword == "help":
        return ReplyPlan(InKind.HELP, answer=None if facts.help_answered else OutKind.HELP)
    urgent = not facts.partial and has_urgent_word(facts.body, facts.urgent_words)
    option = None if facts.partial else chosen_option(facts.body, facts.menu_options)
    if option is None:
        return ReplyPlan(InKind.SMS, relay=True, urgent=urgent)
    answer = None if facts.opted_out or option.key in facts.menu_answered else OutKind.MENU_ANSWER
    return ReplyPlan(InKind.SMS, relay=True, urgent=urgent, menu=option, answer=answer,
                     callback=asks_for_callback(option))


def confirmation_too_late(queued_at: datetime, now: datetime) -> bool:
    """An opt-out confirmation not sent by OPTOUT_CONFIRM_WITHIN after the STOP must not go out."""
    return now - queued_at > OPTOUT_CONFIRM_WITHIN


def relay_refusal(*, owner_phone: str, from_caller: int, from_all: int,
                  urgent: bool = False) -> tuple[Relay, str] | None:
    """Why a reply is not relayed (its Relay word and a note), or None when it may be.
    from_caller / from_all: relays in the last hour from this number / from anyone. An urgent
    reply is relayed whatever the counts (only a missing owner phone stops it)."""
    if not owner_phone:
        return Relay.NO_OWNER, "not relayed: no owner phone set"
    if urgent:
        return None
    if from_caller >= RELAYS_PER_CALLER_PER_HOUR:
        return Relay.LIMIT_CALLER, f"not relayed: more than {RELAYS_PER_CALLER_PER_HOUR} from this number in an hour"
    if from_all >= RELAYS_PER_HOUR:
        return Relay.LIMIT_ALL, f"not relayed: more than {RELAYS_PER_HOUR} in an hour"
    return None


def answers_allowed(sent_to_number_last_hour: int) -> bool:
    return sent_to_number_last_hour < ANSWERS_PER_NUMBER_PER_HOUR


def owner_notes_allowed(sent_last_hour: int) -> bool:
    return sent_last_hour < OWNER_NOTES_PER_HOUR


def without_pin(body: str, pin: str) -> str | None:
    """The owner's command with the PIN taken off the front ("4821 R 12 yes" → "R 12 yes"), or
    None when a PIN is set and the text does not start with it. No PIN set: the text as it is."""
    if not pin:
        return body
    text = body.strip()
    if text == pin or not text.startswith(pin) or text[len(pin):len(pin) + 1] not in (" ", "\n", ":", ","):
        return None
    return text[len(pin) + 1:].strip()


def shorten_for_relay(text: str) -> str:
    return text if len(text) <= RELAY_TEXT_LIMIT else text[:RELAY_TEXT_LIMIT - 3] + "..."
