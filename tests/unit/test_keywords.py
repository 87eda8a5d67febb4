"""agent.rules.keywords: STOP/START/HELP as the whole message, and the owner's answer commands."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from agent.rules.keywords import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS, OwnerCommand, classify, owner_command

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
])
def test_not_a_keyword(text):
    assert classify(text) is None


def test_not_text():
    assert classify(None) is None  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_classify_never_raises(text):
    assert classify(text) in (None, "stop", "start", "help")


filler = st.text("abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9).filter(
    lambda w: w not in OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS | {"please"})


@settings(max_examples=150, deadline=None)
@given(before=st.lists(filler, max_size=4), after=st.lists(filler, max_size=4),
       word=st.sampled_from(OPT_OUT_SPELLINGS), separator=st.sampled_from([" ", ", ", "\n", "! "]))
def test_keyword_inside_a_longer_sentence_is_not_an_opt_out(before, after, word, separator):
    if not before and not after:
        before = ["dont"]
    assert classify(separator.join([*before, word.lower(), *after])) != "stop"


@settings(max_examples=100, deadline=None)
@given(word=st.sampled_from(OPT_OUT_SPELLINGS), upper=st.lists(st.booleans(), min_size=12, max_size=12),
       left=st.text(" .,!?-*'\"\n", max_size=4), right=st.text(" .,!?-*'\"\n", max_size=4))
def test_any_case_and_punctuation_around_stop(word, upper, left, right):
    mixed = "".join(c.upper() if up else c.lower() for c, up in zip(word, upper + [True] * len(word)))
    assert classify(left + mixed + right) == "stop"


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
