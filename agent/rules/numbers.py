"""Phone numbers: caller ID as the modem printed it → E.164, what kind of line it is, and whether
a number a person typed is one we accept.

Validity is decided in one place, `_valid` (phonenumbers' is_valid_number: the number exists in
its country's numbering plan). `valid_number` uses it for what a person types (the owner's phone
in config.toml or the web, the never-text list) and `line_kind` for the policy, which never texts
an invalid number. A raw caller ID is read more loosely (`to_e164`: a number of a possible
length), so that a call from a number our copy of the numbering plan does not know yet is still
recorded with its number, and shown, and then skipped as "not a valid phone number".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = ["CallerNumber", "caller_number", "from_ucs2_hex", "to_e164", "valid_number", "line_kind", "pretty",
           "example_mobile"]

TOA_INTERNATIONAL = 145
TOA_WITHHELD = 128
# how a person writes a number: digits, a leading +, spaces, dashes, dots and brackets. Letters are
# refused: phonenumbers would read them as keypad letters, so a typed O for 0 became a 6.
_TYPED = re.compile(r"\+?[\d \-().]{5,25}")
# a number printed by a modem in AT+CSCS="UCS2": four hex digits per character, each '+' (002B)
# or a digit (0030–0039); two characters at least
_UCS2_NUMBER = re.compile(r"(?:002[Bb]|003[0-9]){2,}")


@dataclass(frozen=True)
class CallerNumber:
    e164: str | None      # None when withheld or unreadable
    withheld: bool
    raw: str


def from_ucs2_hex(text: str) -> str:
    """A number as a modem left in AT+CSCS="UCS2" prints it ("002B0034…" for "+4…", 27.007 §5.5)
    → the number; any other text unchanged. Only a text that is wholly UCS-2 '+' and digits is
    decoded; digits that happened to read so ("00 3x 00 3y …") would dial the international prefix
    and then a number beginning with 0: not a caller's number."""
    if _UCS2_NUMBER.fullmatch(text):
        return bytes.fromhex(text).decode("utf-16-be")
    return text


def caller_number(raw: str, toa: int | None, validity: int | None, country: str) -> CallerNumber:
    """+CLIP number and type → E.164. Type 145 is international, 129/161 national (read with the
    business's country), 128 or an empty number is withheld. python-gsmmodem puts a '+' on every
    number whatever its type (bug 10), so we read the type ourselves. A number in UCS-2 hex (a modem
    another program left in AT+CSCS="UCS2") is decoded first; `raw` stays as the modem printed it."""
    raw = (raw or "").strip()
    digits = re.sub(r"[^\d+]", "", from_ucs2_hex(raw))
    if validity in (1, 2) or toa == TOA_WITHHELD or not re.search(r"\d{3,}", digits):
        return CallerNumber(None, True, raw)
    if toa == TOA_INTERNATIONAL and not digits.startswith("+"):
        digits = "+" + (digits[2:] if digits.startswith("00") else digits)
    return CallerNumber(to_e164(digits, country), False, raw)


def to_e164(text: str, country: str) -> str | None:
    """Any written number (national for `country`, or +international) → E.164, or None."""
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _valid(text: str, country: str | None) -> phonenumbers.PhoneNumber | None:
    """The parsed number when it is a real number in its country's plan; None otherwise."""
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def as_typed(text: str) -> str:
    """A number as pasted from a phone's contacts → as if typed: the invisible direction marks and
    other format characters (Unicode Cf, e.g. U+202A … U+202C around a pasted number) dropped,
    every kind of space (no-break, thin) a plain space, every kind of dash a hyphen."""
    out = []
    for char in text:
        kind = unicodedata.category(char)
        if kind == "Cf":
            continue
        out.append(" " if kind == "Zs" or char in "\t\n\r" else "-" if kind == "Pd" else char)
    return "".join(out).strip()


def valid_number(text: str, country: str) -> str | None:
    """A number a person typed (national for `country`, or +international) → E.164 when it is a real
    number we may text or relay to; None when it is not (the caller says what to write instead)."""
    if not isinstance(text, str):
        return None
    text = as_typed(text)
    if not _TYPED.fullmatch(text):
        return None
    parsed = _valid(text, country)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if parsed else None


_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "mobile",   # most US/CA numbers: textable
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}


def line_kind(e164: str) -> str:
    """'mobile', 'landline', 'premium_rate', 'toll_free', 'shared_cost', 'voip', … or 'invalid'."""
    parsed = _valid(e164, None)
    if parsed is None:
        return "invalid"
    return _KINDS.get(phonenumbers.number_type(parsed), "unknown")


def pretty(e164: str | None, country: str) -> str:
    """How a person writes the number: national form at home, international abroad."""
    if not e164:
        return "withheld"
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == country:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def example_mobile(country: str) -> str:
    """A sample mobile number of `country` in E.164 (phonenumbers' example), for previews."""
    example = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164) if example else "+447400123456"
