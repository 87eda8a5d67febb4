"""Checks on an owner's template when it is saved: warnings, never refusals. Pure.

Each warning says why it matters, in one of three words:
- compliance: the first text (missed_open, missed_closed) must say who it is from (the
  {business} placeholder or the business name written out) and how to stop the texts (an
  opt-out line such as "Reply STOP to opt out."). CTIA's messaging principles ask for both in
  the first message, and carriers act on complaints about texts without them;
- carrier filtering: a public URL shortener (bit.ly, tinyurl.com, t.co, …), a text that is
  mostly capitals, or several exclamation marks ("!!") look like spam to the carriers' filters,
  which may delay or drop the text;
- cost: a text that needs more than one SMS is charged as several. Measured filled in with the
  longest placeholder values (agent.rules.templates.SAMPLE_VALUES) and the given ones (the
  shop's real name); when a character outside the GSM-7 alphabet forces UCS-2 (70 characters
  per SMS instead of 160), the warning names it.

The keyword check (agent.rules.keywords) and the template check (agent.rules.templates) stay
where they are; this module only reads a template, it decides nothing the agent does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from agent.errors import TemplateError
from agent.rules.keywords import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS
from agent.rules.templates import DEFAULT_TEMPLATES, SAMPLE_VALUES, render
from agent.sms.user_data import UCS2, segment_info

__all__ = ["TemplateWarning", "COMPLIANCE", "FILTERING", "COST", "FIRST_TEXTS", "CHECKED_TEMPLATES",
           "URL_SHORTENERS", "template_warnings"]

COMPLIANCE = "compliance"
FILTERING = "carrier filtering"
COST = "cost"

FIRST_TEXTS = ("missed_open", "missed_closed")
# every text a customer gets; owner_relay goes to the owner and carries the customer's own words
CHECKED_TEMPLATES = tuple(name for name in DEFAULT_TEMPLATES if name != "owner_relay")

URL_SHORTENERS = ("bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
                  "cutt.ly", "tiny.cc", "shorturl.at", "rb.gy", "t.ly", "bl.ink", "v.gd", "s.id", "lnkd.in",
                  "adf.ly", "shorte.st", "qrco.de", "tr.im", "x.co", "soo.gd", "clck.ru")
_SHORTENER = re.compile(r"(?<![\w.-])(?:https?://)?(?:www\.)?(" + "|".join(map(re.escape, URL_SHORTENERS))
                        + r")(?![\w-])", re.IGNORECASE)
_STOP_WORDS = "|".join(sorted((word.upper() for word in OPT_OUT_WORDS), key=len, reverse=True))
_OPT_OUT = re.compile(r"\b(?:reply|text|send|txt)\s+[\"'\u201c\u2018]?(?:%s)\b|\bopt[- ]?out\b|\bunsubscribe\b"
                      % _STOP_WORDS, re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"[^\W\d_]+")
# words written in capitals on purpose: the keywords a customer is asked to send back
_SHOUTED_ON_PURPOSE = frozenset(word.upper() for word in OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS) | {
    "URGENT", "EMERGENCY", "SMS", "OK", "AM", "PM"}
_MIN_LETTERS = 12          # below this, a few capitals are not shouting ("OK, 3PM")
_CAPITALS_SHARE = 0.5
_MANY_EXCLAMATIONS = 3


@dataclass(frozen=True)
class TemplateWarning:
    check: str      # "business_name", "opt_out", "url_shortener", "capitals", "exclamations", "cost"
    reason: str     # COMPLIANCE, FILTERING or COST
    message: str    # what is wrong and what to do, in plain words


def template_warnings(name: str, body: str, values: Mapping[str, str] | None = None) -> tuple[TemplateWarning, ...]:
    """The warnings for template `name` with text `body`, in a fixed order; () when all is well.

    `values` fill the placeholders for the cost check, over SAMPLE_VALUES (pass the shop's real
    name as "business": it is also what counts as the business name written out). A template the
    owner cannot save anyway (an unknown placeholder) gets no cost warning: its error says more.
    """
    if name not in CHECKED_TEMPLATES:
        return ()
    values = {**SAMPLE_VALUES, **(values or {})}
    found: list[TemplateWarning] = []
    if name in FIRST_TEXTS:
        found += _first_text(body, values["business"])
    found += _shortener(body)
    found += _shouting(body)
    found += _cost(body, values)
    return tuple(found)


def _first_text(body: str, business: str) -> list[TemplateWarning]:
    found = []
    if "{business}" not in body and not (business.strip() and business.strip().casefold() in body.casefold()):
        found.append(TemplateWarning(
            "business_name", COMPLIANCE,
            "The first text does not say who it is from. The texting rules (CTIA) ask the first text to name the "
            "business, and people report texts from strangers as spam: start it with {business}."))
    if not _OPT_OUT.search(body):
        found.append(TemplateWarning(
            "opt_out", COMPLIANCE,
            "The first text does not say how to stop the texts. The texting rules (CTIA, and the FCC in the US) "
            "ask for an opt-out line in the first text, and carriers block numbers that leave it out: end it "
            "with \u201cReply STOP to opt out.\u201d"))
    return found


def _shortener(body: str) -> list[TemplateWarning]:
    match = _SHORTENER.search(body)
    if not match:
        return []
    return [TemplateWarning(
        "url_shortener", FILTERING,
        f"{match.group(1).lower()} is a public link shortener. Carriers filter texts with shortened links, "
        "because spammers use them to hide where a link goes: write your own web address in full.")]


def _shouting(body: str) -> list[TemplateWarning]:
    found = []
    words = [word for word in _WORD.findall(_PLACEHOLDER.sub(" ", body)) if word.upper() not in _SHOUTED_ON_PURPOSE]
    letters = [char for word in words for char in word]
    capitals = sum(char.isupper() for char in letters)
    if len(letters) >= _MIN_LETTERS and capitals > _CAPITALS_SHARE * len(letters):
        found.append(TemplateWarning(
            "capitals", FILTERING,
            f"{capitals} of its {len(letters)} letters are capitals. Carriers' spam filters read a text in "
            "capitals as shouting, and so do people: write it in ordinary sentence case."))
    if "!!" in body or body.count("!") >= _MANY_EXCLAMATIONS:
        found.append(TemplateWarning(
            "exclamations", FILTERING,
            f"It has {body.count('!')} exclamation marks{' in a row' if '!!' in body else ''}. Carriers' spam "
            "filters count them as a sign of marketing: one is plenty."))
    return found


def _character_name(char: str) -> str:
    return unicodedata.name(char, f"U+{ord(char):04X}").lower()


def _cost(body: str, values: Mapping[str, str]) -> list[TemplateWarning]:
    try:
        text = render(body, values)
    except TemplateError:
        return []
    size = segment_info(text)
    if size.parts <= 1:
        return []
    one = 160 if size.encoding != UCS2 else 70
    message = (f"At its longest it takes {size.parts} SMS ({size.units} {size.encoding} characters; one SMS "
               f"holds {one}), and each is charged: every missed call would cost {size.parts} texts.")
    if size.encoding == UCS2:
        forcing = list(dict.fromkeys(char for char in text if segment_info(char).encoding == UCS2))
        shown = ", ".join(f"\u201c{char}\u201d ({_character_name(char)})" for char in forcing[:3])
        from_name = [char for char in forcing if char not in body and char in values["business"]]
        where = " (in the business name)" if from_name == forcing else ""
        plain = segment_info("".join(char for char in text if char not in forcing))
        message += (f" {shown}{where} {'is' if len(forcing) == 1 else 'are'} not in the plain SMS alphabet (GSM-7), "
                    "so the whole text goes as UCS-2, 70 characters per SMS instead of 160.")
        if plain.parts < size.parts:
            message += f" Without {'it' if len(forcing) == 1 else 'them'} the text fits {plain.parts} SMS."
    else:
        message += f" Cut {size.units - one} characters to fit one SMS."
    return [TemplateWarning("cost", COST, message)]
