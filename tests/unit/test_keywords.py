"""agent.rules.keywords: STOP/START/HELP as the whole message, STOP said in plain words, and the
owner's answer commands."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from agent.rules.keywords import (HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS, REFUSAL_WORDS, OwnerCommand, asks_to_stop,
                                  classify, owner_command)

OPT_OUT_SPELLINGS = ["STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                     "OPT OUT", "OPTOUT", "OPT-OUT"]


def variants(word: str) -> list[str]:
    return [word, word.lower(), word.title(), f"  {word}  ", f"{word}.", f"{word}!!!", f'"{word}"',
            f"{word}\n", f"{word} please", f"Please {word.lower()}", f"{word} pls", f"{word} 🛑",
            f"{word}, {word}"]


@pytest.mark.parametrize("word", OPT_OUT_SPELLINGS)
def test_every_opt_out_spelling(word):
    for text in variants(word):
        assert classify(text) == "stop", text


@pytest.mark.parametrize("word, kind", [("START", "start"), ("UNSTOP", "start"), ("YES", "start"),
                                        ("HELP", "help"), ("INFO", "help")])
def test_start_and_help(word, kind):
    for text in variants(word):
        assert classify(text) == kind, text


def test_word_sets():
    assert OPT_OUT_WORDS == {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
    assert OPT_IN_WORDS == {"start", "unstop", "yes"} and HELP_WORDS == {"help", "info"}


@pytest.mark.parametrize("text", [
    "don't stop", "Stop by at 3?", "can you end at 5", "I want to cancel my appointment", "quit it",
    "yes please call me back at 4", "help me please, my tyre is flat", "stopping by", "stop 2", "STOPPED",
    "please", "", "   ", "!!!", "🙂", "Is this the dentist?", "information", "opt in", "ok stop",
    "Stop! Abc",
])
def test_not_a_keyword(text):
    assert classify(text) is None


def test_not_text():
    assert classify(None) is None  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_classify_never_raises(text):
    assert classify(text) in (None, "stop", "start", "help")


# Words a plain-words STOP is made of besides its opt-out word: what to stop, lead-ins, tails.
REQUEST_WORDS = {
    "texting", "txting", "messaging", "msging", "contacting", "spamming", "bothering", "harassing", "pestering",
    "sending", "text", "txt", "message", "msg", "texts", "txts", "messages", "msgs", "sms", "smses", "reminders",
    "notifications", "alerts", "spam", "me", "us", "number", "phone", "mobile", "list", "contacts", "system",
    "database", "records", "please", "pls", "plz", "kindly", "just", "hi", "hello", "hey", "ok", "okay", "yes",
    "thanks", "thank", "you", "sorry", "now", "so", "can", "could", "would", "will", "said", "told", "asked",
    "want", "like", "wish", "need", "how", "again", "anymore", "cheers", "asap", "right", "away", "ever",
    "youre", "what", "because", "thats", "immediately",
}
# No stop reading can do without one of these words.
OPT_OUT_ANCHORS = {"stop", "stopall", "quit", "end", "cancel", "unsubscribe", "opt", "optout", "revoke", "remove",
                   "delete", "take", "dont", "not", "never", "no", "consent"}

filler = st.text("abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9).filter(
    lambda w: w not in OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS | REQUEST_WORDS | OPT_OUT_ANCHORS)


@settings(max_examples=150, deadline=None)
@given(before=st.lists(filler, min_size=1, max_size=4), after=st.lists(filler, max_size=4),
       word=st.sampled_from(OPT_OUT_SPELLINGS))
def test_keyword_inside_a_longer_sentence_is_not_an_opt_out(before, after, word):
    assert classify(" ".join([*before, word.lower(), *after])) != "stop"


@settings(max_examples=100, deadline=None)
@given(word=st.sampled_from(OPT_OUT_SPELLINGS), upper=st.lists(st.booleans(), min_size=12, max_size=12),
       left=st.text(" .,!?-*'\"\n", max_size=4), right=st.text(" .,!?-*'\"\n", max_size=4))
def test_any_case_and_punctuation_around_stop(word, upper, left, right):
    mixed = "".join(c.upper() if up else c.lower() for c, up in zip(word, upper + [True] * len(word)))
    assert classify(left + mixed + right) == "stop"


# ---- STOP in plain words (47 CFR 64.1200(a)(10): wording a reasonable person reads as revoking) ----

PLAIN_STOPS = [
    # an opt-out verb opening a clause, and what to stop
    "Stop texting me", "Please stop sending me messages", "STOP TEXTING", "stop texting me!!", "Stop txting me",
    "Quit messaging me", "Can you please stop messaging me?", "Could u stop texting me", "Hi, please stop texting me",
    "Who is this? Stop texting me", "I told you to stop texting me", "I want you to stop texting me",
    "stop the texts please", "Stop all texts", "stop these messages", "STOP SPAM", "Stop sending",
    "Stop sending me these", "stop sending me texts", "Please stop sending me any more messages", "Stop contacting me",
    "stop contacting this number",
    "Stop bothering me", "Stop spamming me", "stop texting, I'll call you", "Stop texting or I'll report you",
    "Stop texts to this number", "stop messages from you", "stop reminders", "end texts", "cancel all messages",
    "Stop text", "I said stop", "I already told you stop!", "stop texting me wrong number", "Stop texting me you idiot",
    "Stop texting me at this number", "Stop texting me I never called you", "stop messaging me as I never called",
    # unsubscribe, opt out, remove, take off
    "unsubscribe me", "Unsubscribe me please", "Please unsubscribe me from your list", "unsubscribe from texts",
    "How do I unsubscribe?", "I'd like to unsubscribe", "opt me out", "Opt out of these texts", "opt out please thanks",
    "remove me from your list", "Take me off your list", "take me off your mailing list", "Remove me from ur list",
    "Please remove me", "Remove me.", "remove me now thanks", "Delete my number", "remove my number from your system",
    "take my number off your list", "take me off",
    # a refusal anywhere in a short message
    "STOP. Don't text me again", "don't text me", "Don’t text me", "dont txt me", "do not message me again",
    "Do not text.", "Please don't text or call me again", "Don't contact me", "Don't text this number",
    "Don't text me at this number", "Never text me again", "never ever message me again", "don't text again",
    "Don't send me texts", "No more texts please", "I don't want your messages anymore",
    "I do not wish to receive texts", "I don't want to be contacted", "I no longer want messages",
    "I revoke consent", "I withdraw my consent", "Wrong number. Don't text me", "don't text me, I never called you",
    # a short message whose last sentence is the keyword
    "Wrong number. STOP", "Who is this?? Stop!", "Not interested. Unsubscribe",
]

ORDINARY_REPLIES = [
    # "stop" in its everyday senses
    "Don't stop the repair", "It won't stop leaking", "Can you stop by at 3?", "When does the bus stop",
    "I'll stop in tomorrow", "stop the boiler please it's leaking",
    "The kitchen tap won't stop. Can someone come today?",
    "Please don't stop texting me updates", "Never mind, stop by when you can", "The alarm won't stop. Help!",
    "Stop! Don't send anyone, I fixed it", "Can you stop the work until I'm back?", "how do I stop the leak",
    "Stop sending me the invoice by post", "Stop sending me this invoice", "I can't stop the water",
    # someone or something else
    "Stop messaging my husband, text me instead", "stop texting my dad", "stop the texts to my husband",
    "Stop messages going to my old phone",
    # lists and bookings that are not the texts
    "remove me from the waiting list", "take me off the waiting list", "Remove me from the group chat",
    "Cancel me for tomorrow", "I want to cancel my appointment", "Can you cancel the booking",
    "Cancel my reminder for Tuesday", "Please remove the old tyre", "Remove my old number, this is my new one",
    "How do I unsubscribe from the membership", "End of the day is fine",
    # a one-off or partial instruction, not a refusal of all texts
    "don't text me back, I'll call you", "Don't text me until Monday", "Don't text me after 6pm",
    "Don't text me the address, I know it", "You never text me back", "Why don't you text me the price",
    "Don't message me on WhatsApp, text here", "Don't contact me before 9am", "do not text me unless urgent",
    "Don't text me any time after 6", "No more messages today?", "Don't call me, text me",
    "I don't want texts about offers", "don't text me when you're here, just knock",
    "Please stop texting me so often", "Stop texting me at night", "stop messaging me about offers",
    "Stop texting me before 8am please", "Stop texting me the reminders twice",
    # a refusal inside a long message is for the owner to read
    "I'm at work all day so please don't text me, call my wife on 07700 900123 after five",
]


@pytest.mark.parametrize("text", PLAIN_STOPS)
def test_stop_in_plain_words(text):
    assert classify(text) == "stop"


@pytest.mark.parametrize("text", ORDINARY_REPLIES)
def test_ordinary_replies_that_mention_stopping(text):
    assert classify(text) is None


def test_refusals_are_read_only_in_a_short_message():
    short = "please don't text me, " + " ".join(["abc"] * (REFUSAL_WORDS - 4))
    assert len(short.split()) == REFUSAL_WORDS and classify(short) == "stop"
    assert classify(short + " abc") is None
    assert classify("Wrong number. " + " ".join(["abc"] * (REFUSAL_WORDS - 2)) + ". STOP") is None
    assert classify("Stop texting me. " + " ".join(["abc"] * 40)) == "stop"     # a clause opening is read at any length


def test_asks_to_stop_is_the_plain_words_part():
    assert asks_to_stop("Stop texting me") and not asks_to_stop("STOP") and not asks_to_stop("Stop by at 3")


VOCABULARY = sorted(REQUEST_WORDS | {"the", "a", "boiler", "repair", "tap", "leaking", "come", "at", "3pm", "today",
                                     "tomorrow", "by", "in", "on", "this", "my", "your", "from", "to", "of", "all",
                                     "any", "more", "i", "im", "it", "its", "wont", "cant", "bus", "is", "do", "be",
                                     "receive", "get", "contacted", "texted", "call", "ring", "or", "and", "back",
                                     "off", "out", "up", "send", "contact", "x", "07700900123", "cancelled", "ending",
                                     "stopping", "endless", "quite", "donut", "nothing", "know"})
SEPARATORS = st.sampled_from([" ", " ", " ", ", ", ". ", "! ", "? ", "\n", " - ", "... ", "'"])


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(VOCABULARY), max_size=16), gaps=st.lists(SEPARATORS, min_size=16, max_size=16),
       upper=st.booleans())
def test_no_opt_out_word_is_never_stop(words, gaps, upper):
    assert not OPT_OUT_ANCHORS & set(VOCABULARY)
    text = "".join(word + gap for word, gap in zip(words, gaps))
    assert classify(text.upper() if upper else text) != "stop"


@settings(max_examples=200, deadline=None)
@given(lead=st.sampled_from(["don't", "won't", "it won't", "the tap won't", "can't", "please don't", "never",
                             "when does the bus", "I'll", "did you", "it wont", "when you"]),
       rest=st.lists(st.sampled_from(VOCABULARY), max_size=8))
def test_stop_after_other_words_in_its_clause_is_ordinary(lead, rest):
    assert classify(" ".join([lead, "stop", *rest])) != "stop"


@settings(max_examples=150, deadline=None)
@given(text=st.sampled_from(PLAIN_STOPS), upper=st.booleans(), left=st.text(" \n", max_size=3),
       right=st.sampled_from(["", ".", "!!", " 🛑", "\n", "!! 🛑", " 🙄"]))
def test_plain_stops_in_any_case_with_endings(text, upper, left, right):
    assert classify(left + (text.upper() if upper else text) + right) == "stop"


# ---- the owner's commands ------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("R 12 Yes, 3pm works", OwnerCommand("Yes, 3pm works", message_id=12)),
    ("r12 ok", OwnerCommand("ok", message_id=12)),
    ("R #12: See you then", OwnerCommand("See you then", message_id=12)),
    ("  R 7 line one\nline two ", OwnerCommand("line one\nline two", message_id=7)),
    ("@07911123456 Yes, 3pm works", OwnerCommand("Yes, 3pm works", number="07911123456")),
    ("@+447911123456 hi", OwnerCommand("hi", number="+447911123456")),
    ("@ +447911123456: hi", OwnerCommand("hi", number="+447911123456")),
])
def test_owner_commands(text, expected):
    assert owner_command(text) == expected


@pytest.mark.parametrize("text", ["R 12", "R12Yes", "R x hello", "Reply 12 yes", "@ hi", "@07911123456",
                                  "@abc hello", "hello", "", "12 yes"])
def test_not_an_owner_command(text):
    assert owner_command(text) is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_owner_command_never_raises(text):
    result = owner_command(text)
    assert result is None or (result.text.strip() and (result.message_id is None) != (result.number is None))
