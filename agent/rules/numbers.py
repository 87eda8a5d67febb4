"""Phone numbers: caller ID as the modem printed it → E.164, and what kind of line it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = ["CallerNumber", "caller_number", "to_e164", "line_kind", "pretty"]

TOA_INTERNATIONAL = 145
TOA_WITHHELD = 128


@dataclass(frozen=True)
class CallerNumber:
    e164: str | None      # None when withheld or unreadable
    withheld: bool
    raw: str


def caller_number(raw: str, toa: int | None, validity: int | None, country: str) -> CallerNumber:
    """+CLIP number and type → E.164. Type 145 is international, 129/161 national (read with the
    business's country), 128 or an empty number is withheld. python-gsmmodem puts a '+' on every
    number whatever its type (bug 10), so we read the type ourselves."""
    raw = (raw or "").strip()
    digits = re.sub(r"[^\d+]", "", raw)
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
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "invalid"
    if not phonenumbers.is_valid_number(parsed):
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
