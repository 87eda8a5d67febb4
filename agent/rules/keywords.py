"""Reading a customer's reply as a keyword: STOP and its spellings, START, HELP. Pure.

A keyword counts when it is the whole message: case, punctuation, emoji and spacing are
ignored ("Stop.", " STOP ALL ", "opt-out", "OPT OUT!!"), a polite "please" (or "pls") before or
after it is allowed, and so is the same word said several times ("STOP STOP").

The opt-out set is the FCC 2024 list plus the usual carrier spellings: STOP, STOPALL, STOP ALL,
UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPT OUT, OPTOUT, OPT-OUT.

STOP said in plain words is an opt-out too (47 CFR 64.1200(a)(10), FCC 2024: other wording a
reasonable person reads as revoking consent must be honoured). The phrases are the _REQUESTS and
_REFUSALS tables below; the words are read with case, apostrophes and punctuation ignored:
- a clause (a stretch between . ! ? , ; : or a new line) that opens, after politeness or a lead-in
  ("please", "hi", "can you", "I said", "I want you to", "how do I"), with an opt-out verb and
  what to stop: "Stop texting me", "Please stop sending me messages", "quit messaging",
  "unsubscribe me", "remove me from your list", "take me off your list", "opt me out".
  "Stop texting" or "stop the texts" alone counts only when nothing follows in the clause but a
  word such as "please", "again", "I", "or" ("stop messaging my husband" is a request about
  someone else); "remove me", "delete my number" and "take me off" only with nothing after
  them but "please", "now", "thanks" ("remove me from the waiting list" is not an opt-out);
- in a message of at most REFUSAL_WORDS words, anywhere: "don't / do not text, message or contact
  me", "never text me again", "don't send me texts", "no more texts", "I don't want your
  messages", "I revoke consent", when what follows is the end of the clause or a word such as
  "again", "please", "at this number" ("don't text me back", "don't text me until Monday",
  "don't text me the address" are ordinary replies);
- a message of at most REFUSAL_WORDS words whose last sentence is STOP, UNSUBSCRIBE, STOPALL,
  OPT OUT or REVOKE ("Wrong number. STOP").
Anything else that mentions stopping is an ordinary reply: "Don't stop the repair", "It won't stop
leaking", "Can you stop by at 3?", "stop the boiler please", "I want to cancel my appointment".
A false STOP silences a customer the shop wants to hear from; the tables hold only phrases that
mean the texts, and the whole-message keywords stay as they were.

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

__all__ = ["OPT_OUT_WORDS", "OPT_IN_WORDS", "HELP_WORDS", "classify", "asks_to_stop", "is_bare_keyword",
           "REFUSAL_WORDS",
           "OwnerCommand", "owner_command", "parse_urgent_words", "MAX_URGENT_WORD", "has_urgent_word"]

OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})
HELP_WORDS = frozenset({"help", "info"})
_POLITE = frozenset({"please", "pls", "plz"})
_WORD = re.compile(r"[a-z0-9]+")
_REPEATED = re.compile(r"(.+?)\1*")
_LONGEST = 40   # no keyword, even with "please" and spacing, is longer than this once squeezed
MAX_URGENT_WORD = 30


# ---- STOP in plain words: the one table of phrases -------------------------------------------
# Written over the message's words as asks_to_stop reads them: casefolded, apostrophes dropped ("don't"
# is "dont"), one space between words, " . " between clauses.
_NOUN = r"(?:text messages|texts|txts|messages|msgs|sms|smses|reminders|notifications|alerts|spam)"
_DET = r"(?:(?:all|the|these|those|your|ur|any|more|further|of|from) )*"
_ME = r"(?:me|us|this number|my number|this phone|my phone|my mobile)"
_LIST = (r"(?:(?:your|the|this|ur|my) )?(?:(?:mailing|contact|text|texting|sms|messaging|marketing|customer) )?"
         r"(?:list|contacts|system|database|records)")
_LEAD = (r"(?:(?:please|pls|plz|kindly|just|hi|hello|hey|ok|okay|yes|no|thanks|thank you|sorry|now|so"
         r"|(?:can|could|would|will) (?:you|u)|i (?:said|told you to|asked you to|have asked you to)"
         r"|ive asked you to|(?:i|id) (?:want|would like|like|wish|need) (?:you )?to|how (?:do|can) i) )*")

# What a clause may say after its opening phrase. _ANYTHING: anything but a first word from _ONLY_SOME
# (though "at/on this number" is fine). _GOES_ON: nothing, a first word from _GOES_ON_WITH, or "to/at/on
# me, this number". _GOES_ON_OR_FROM: as _GOES_ON, or "from ...". _ALONE: nothing but _TAIL words.
_ANYTHING, _GOES_ON, _GOES_ON_OR_FROM, _ALONE = "anything", "goes on", "goes on or from", "alone"
_REQUESTS: tuple[tuple[str, str], ...] = (   # an opt-out verb at the start of a clause, and what to stop
    (rf"(?:stop|quit|end|cancel|unsubscribe(?: me)?|opt(?: me)? out|optout) {_DET}{_NOUN}", _GOES_ON_OR_FROM),
    (rf"(?:stop|quit) (?:texting|txting|messaging|msging|contacting|spamming|bothering|harassing|pestering) {_ME}",
     _ANYTHING),
    (r"(?:stop|quit) (?:texting|txting|messaging|msging|contacting|spamming|text|txt|message|msg)", _GOES_ON),
    (r"i (?:already )?(?:said|told you) (?:stop|stopall|stop all)", _ALONE),
    (rf"(?:stop|quit) sending (?:{_ME} )?{_DET}{_NOUN}", _GOES_ON_OR_FROM),
    (rf"(?:stop|quit) sending(?: {_ME})?(?: this stuff| this| these| them| stuff)?", _GOES_ON),
    (rf"(?:(?:remove|delete|take|unsubscribe) {_ME}|remove|unsubscribe|opt {_ME} out|opt out) (?:off|from|of) {_LIST}",
     _ANYTHING),
    (rf"(?:remove|delete|take) {_ME} (?:off|from) {_DET}{_NOUN}", _GOES_ON_OR_FROM),
    (rf"(?:remove|delete) {_ME}|take {_ME} off", _ALONE),
    (r"unsubscribe(?: me)?|opt(?: me)? out|optout", _GOES_ON),
)
_TAIL = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "cheers", "now", "asap",
                   "immediately", "right", "away", "again", "anymore", "ok", "okay"})
_GOES_ON_WITH = _TAIL | {"ever", "i", "im", "ive", "id", "ill", "youre", "u", "who", "why", "how", "what",
                         "we", "or", "and", "as", "because", "cos", "coz", "its", "thats", "stop", "wrong"}
_ONLY_SOME = frozenset({"so", "until", "till", "til", "before", "after", "about", "at", "on", "in", "during",
                        "between", "when", "while", "unless", "if", "except", "every", "more", "twice", "back",
                        "the", "a", "your", "his", "her", "their", "with", "for"})   # "stop texting me so often"
_TO_ME = re.compile(rf"(?:at|on|to) {_ME}(?: |$)")

REFUSAL_WORDS = 12    # "don't text me" and the like are read only in a message this short
_VERB = (r"(?:(?:call|ring|phone) (?:or|and) )?(?:text|txt|message|msg|sms|contact)"
         r"(?: (?:or|and) (?:call|ring|phone))?")
_NOT = r"(?:dont|do not)(?: ever)?"
_ENDS = (r"(?= \.|$| (?:again|anymore|any more|ever|please|pls|plz|thanks|thank|thx|ok|okay|i|im|ive|ill|you"
         r"|u|youre|or|and|stop|who|why|its|because|cos|now|wrong)(?: |$)"
         r"| (?:at|on|to) (?:this|my) (?:number|phone|mobile))")
_REFUSALS: tuple[str, ...] = (   # anywhere in a short message; each ends at a clause end or a harmless word
    rf"{_NOT} {_VERB} {_ME}{_ENDS}",
    rf"{_NOT} {_VERB}(?: again| anymore| any more)?{_ENDS}",
    rf"never(?: ever)? {_VERB} {_ME}(?: ever)? again",
    rf"{_NOT} send (?:{_ME} )?{_DET}{_NOUN}{_ENDS}",
    rf"no more {_NOUN}{_ENDS}",
    rf"(?:dont|do not|no longer) (?:want|wish) (?:to (?:receive|get) )?{_DET}{_NOUN}{_ENDS}",
    r"(?:dont|do not|no longer) (?:want|wish) to be (?:contacted|texted|messaged)",
    r"(?:revoke|withdraw)(?: my| all)? consent",
)
_LAST_SENTENCE_STOPS = frozenset({"stop", "stopall", "unsubscribe", "optout", "revoke"})

_REQUEST_RES = tuple((re.compile(rf"{_LEAD}(?:{phrase})(?P<rest>(?: .*)?)"), after) for phrase, after in _REQUESTS)
_REFUSAL_RE = re.compile("|".join(rf"(?:^| )(?:{phrase})" for phrase in _REFUSALS))
_APOSTROPHE = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_CLAUSE_END = re.compile(r"[.!?,;:\n()\[\]\"\u201c\u201d]+|\s[-\u2013\u2014]+\s")
_SENTENCE_END = re.compile(r"[.!?;\n]+")


def classify(text: str) -> str | None:
    """"stop", "start" or "help" when the whole message is that keyword; "stop" also when it asks
    in plain words to stop the texts (the tables above); None otherwise."""
    if not isinstance(text, str):
        return None
    keyword = _keyword(_WORD.findall(text.casefold()))
    if keyword is not None:
        return keyword
    return "stop" if asks_to_stop(text) else None


def is_bare_keyword(text: str) -> bool:
    """The whole message is a keyword ("STOP", "Unsubscribe.", "help please"), nothing more."""
    return isinstance(text, str) and _keyword(_WORD.findall(text.casefold())) is not None


def asks_to_stop(text: str) -> bool:
    """The message asks in plain words to stop the texts ("Stop texting me", "don't text me again")."""
    if not isinstance(text, str):
        return False
    folded = _APOSTROPHE.sub("", text.casefold())
    clauses = [" ".join(words) for words in map(_WORD.findall, _CLAUSE_END.split(folded)) if words]
    if any(_opens_with_request(clause) for clause in clauses):
        return True
    if len(_WORD.findall(folded)) > REFUSAL_WORDS:
        return False
    if _REFUSAL_RE.search(" . ".join(clauses)):
        return True
    sentences = [words for words in map(_WORD.findall, _SENTENCE_END.split(folded)) if words]
    return len(sentences) > 1 and _keyword(sentences[-1], _LAST_SENTENCE_STOPS) == "stop"


def _opens_with_request(clause: str) -> bool:
    for pattern, after in _REQUEST_RES:
        match = pattern.fullmatch(clause)
        if match is not None and _may_follow(after, match.group("rest").split()):
            return True
    return False


def _may_follow(after: str, rest: list[str]) -> bool:
    """The words after a request's phrase leave it a request (see the table's kinds)."""
    if not rest:
        return True
    names_this_number = _TO_ME.match(" ".join(rest)) is not None
    if after == _ANYTHING:
        return rest[0] not in _ONLY_SOME or names_this_number
    if after == _ALONE:
        return all(word in _TAIL for word in rest)
    return rest[0] in _GOES_ON_WITH or names_this_number or (after == _GOES_ON_OR_FROM and rest[0] == "from")


def _keyword(words: list[str], stops: frozenset[str] = OPT_OUT_WORDS) -> str | None:
    """The keyword these words are, once politeness, spacing and repeats are taken off."""
    if words and words[0] in _POLITE:
        words = words[1:]
    if words and words[-1] in _POLITE:
        words = words[:-1]
    squeezed = "".join(words)
    if not squeezed or len(squeezed) > _LONGEST:
        return None
    squeezed = _REPEATED.fullmatch(squeezed).group(1)   # "stop stop stop" says it once, louder
    if squeezed in stops:
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
