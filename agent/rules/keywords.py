"""Reading a customer's reply as a keyword: STOP and its spellings, START, HELP. Pure.

A keyword counts only when it is the whole message: case, punctuation, emoji and spacing are
ignored ("Stop.", " STOP ALL ", "opt-out", "OPT OUT!!"), a polite "please" (or "pls") before or
after it is allowed, and so is the same word said several times ("STOP STOP"). A keyword inside a
longer sentence ("don't stop", "can you end at 5?") is an ordinary reply, never an opt-out.

The opt-out set is the FCC 2024 list plus the usual carrier spellings: STOP, STOPALL, STOP ALL,
UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPT OUT, OPTOUT, OPT-OUT.

The owner's own commands, sent from their phone to the box, are read here too (owner_command):
"R 12 Yes, 3pm works" answers the customer whose message was relayed as #12, and
"@07911123456 Yes, 3pm works" texts that number (no spaces inside the number).

Urgent words ([urgent] words, "URGENT", "EMERGENCY") are different: one of them anywhere in a
reply, as a whole word in any case, marks it urgent: "urgent!! leak" and "Emergency: no heat" do,
"urgently" does not. "non-urgent" does (a hyphen ends a word): a false alarm costs one relay, a
missed emergency costs a customer.
parse_urgent_words checks the list; has_urgent_word reads a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["OPT_OUT_WORDS", "OPT_IN_WORDS", "HELP_WORDS", "classify", "OwnerCommand", "owner_command",
           "parse_urgent_words", "MAX_URGENT_WORD", "has_urgent_word"]

OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})
HELP_WORDS = frozenset({"help", "info"})
_POLITE = frozenset({"please", "pls", "plz"})
_WORD = re.compile(r"[a-z0-9]+")
_REPEATED = re.compile(r"(.+?)\1*")
_LONGEST = 40   # no keyword, even with "please" and spacing, is longer than this once squeezed
MAX_URGENT_WORD = 30


def classify(text: str) -> str | None:
    """"stop", "start" or "help" when the whole message is that keyword; None otherwise."""
    if not isinstance(text, str):
        return None
    words = _WORD.findall(text.casefold())
    if words and words[0] in _POLITE:
        words = words[1:]
    if words and words[-1] in _POLITE:
        words = words[:-1]
    squeezed = "".join(words)
    if not squeezed or len(squeezed) > _LONGEST:
        return None
    squeezed = _REPEATED.fullmatch(squeezed).group(1)   # "stop stop stop" says it once, louder
    if squeezed in OPT_OUT_WORDS:
        return "stop"
    if squeezed in OPT_IN_WORDS:
        return "start"
    if squeezed in HELP_WORDS:
        return "help"
    return None


@dataclass(frozen=True)
class OwnerCommand:
    """An answer the owner sent by SMS: to relayed message #message_id, or straight to number."""

    text: str
    message_id: int | None = None
    number: str | None = None      # as the owner wrote it; the caller reads it as a phone number


_ANSWER = re.compile(r"\s*R\s*#?\s*(\d{1,9})(?!\w)[\s:,]*(.*)", re.IGNORECASE | re.DOTALL)
_DIRECT = re.compile(r"\s*@\s*(\+?\d[\d\-.()]*\d)(?!\w)[\s:,]*(.*)", re.DOTALL)


def owner_command(text: str) -> OwnerCommand | None:
    """"R <id> <answer>" or "@<number> <text>" → OwnerCommand; None when it is neither (or empty)."""
    if not isinstance(text, str):
        return None
    match = _ANSWER.fullmatch(text)
    if match and match.group(2).strip():
        return OwnerCommand(text=match.group(2).strip(), message_id=int(match.group(1)))
    match = _DIRECT.fullmatch(text)
    if match and match.group(2).strip():
        return OwnerCommand(text=match.group(2).strip(), number=match.group(1))
    return None


def parse_urgent_words(value: Any) -> tuple[str, ...]:
    """config.toml's [urgent] words → the words, as written; [] turns urgent triage off.

    Each must be one word of letters or digits (a reply is searched for it as a whole word), and
    none may be listed twice (in any case). Raises ValueError naming the entry.
    """
    if not isinstance(value, list):
        raise ValueError('expected a list of words such as ["URGENT", "EMERGENCY"] ([] = off)')
    words: list[str] = []
    seen: set[str] = set()
    for position, word in enumerate(value, start=1):
        if not isinstance(word, str) or not word.strip():
            raise ValueError(f"word {position}: expected a non-empty word in quotes, got {word!r}")
        word = word.strip()
        if not word.isalnum() or len(word) > MAX_URGENT_WORD:
            raise ValueError(f"word {position}: {word!r} must be one word of letters or digits "
                             f"(at most {MAX_URGENT_WORD}), without spaces or punctuation")
        if word.casefold() in seen:
            raise ValueError(f"word {position}: {word!r} is listed twice")
        seen.add(word.casefold())
        words.append(word)
    return tuple(words)


def has_urgent_word(text: str, words: tuple[str, ...]) -> bool:
    """One of `words` is a whole word of the reply, in any case."""
    if not isinstance(text, str) or not words:
        return False
    said = set(_WORD.findall(text.casefold()))
    return any(word.casefold() in said for word in words)
