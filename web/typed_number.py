"""A phone number typed into a form: read it (agent.rules.numbers.valid_number), or say what is wrong
with it and how to write it, with an example that the same field accepts.

`read_number` is for any number the owner types (the never-text list, opt-outs, the box's own
number); `read_mobile` is for the owner's own mobile, which the box texts (forwarded replies,
"the box could not hear calls"): a landline there would never get them. The wizard and the Rules
page both use `read_mobile`, so the same number is refused in both places with the same words.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType, ValidationResult

from agent.rules.numbers import example_mobile, line_kind, pretty, valid_number

__all__ = ["read_number", "read_mobile", "example_words"]

_EXTENSION = re.compile(r"(?:\s*[,;#]|\s*(?:ext|extn|extension|x)\b\.?:?|\s+x)\s*\d+\s*$", re.I)
_LENGTH_WORDS = {ValidationResult.TOO_LONG: "it has too many digits",
                 ValidationResult.TOO_SHORT: "it has too few digits",
                 ValidationResult.INVALID_LENGTH: "it does not have the right number of digits",
                 ValidationResult.INVALID_COUNTRY_CODE: "it starts with a country code that does not exist"}


def example_words(country: str) -> str:
    """"07400 123456 or +44 7400 123456": a real mobile of the shop's country, both ways."""
    sample = example_mobile(country)
    home = pretty(sample, country)
    abroad = phonenumbers.format_number(phonenumbers.parse(sample), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return home if home == abroad else f"{home} or {abroad}"


def _what_is_wrong(text: str, country: str, mobile: bool) -> tuple[str, str]:
    """Why valid_number refused a number, in a few words, and how to write it instead."""
    if _EXTENSION.search(text) and valid_number(_EXTENSION.sub("", text), country):
        return "it has an extension, which a text cannot reach", "Write the number alone,"
    if re.search(r"[^\W\d_]", text):
        return "it has letters in it", "Write digits only,"
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return "", "Write it"
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return "it has too few digits", "Write it with its area code"
    if reason in _LENGTH_WORDS:
        return _LENGTH_WORDS[reason], "Write it"
    as_mobile = phonenumbers.is_possible_number_for_type_with_reason(parsed, PhoneNumberType.MOBILE)
    if mobile and as_mobile in (ValidationResult.TOO_SHORT, ValidationResult.TOO_LONG):
        return f"it has too {'few' if as_mobile == ValidationResult.TOO_SHORT else 'many'} digits for a mobile", "Write it"
    return "no phone has it (that range is not in use)", "Check the digits, and write it"


def read_number(text: str, country: str, mobile: bool = False) -> tuple[str | None, str | None]:
    """A typed phone number → (E.164, None), or (None, what is wrong and how to write it); `mobile`
    when a mobile is meant (a wrong length is then measured against a mobile's)."""
    number = valid_number(text, country)
    if number is None:
        reason, how = _what_is_wrong(text, country, mobile)
        because = f": {reason}" if reason else ""
        return None, f'"{text}" is not a phone number we can read{because}. {how} like {example_words(country)}.'
    return number, None


def read_mobile(text: str, country: str) -> tuple[str | None, str | None]:
    """The owner's own mobile → (E.164, None), or (None, why not): a number the box can text."""
    number, error = read_number(text, country, mobile=True)
    if error:
        return None, error
    if line_kind(number) != "mobile":
        return None, (f'"{text}" is not a mobile number: the box texts you there (customers\' replies, '
                      f"warnings), so it must be a mobile, like {example_words(country)}.")
    return number, None
