"""Phone validity decided once: valid_number for what a person types (config.toml, the web UI),
line_kind for the policy, both on the same check; raw caller IDs read more loosely."""

from __future__ import annotations

import pytest

from agent.config import parse_config
from agent.errors import ConfigError
from agent.rules.numbers import caller_number, from_ucs2_hex, line_kind, to_e164, valid_number


@pytest.mark.parametrize("typed, country, expected", [
    ("07911 123456", "GB", "+447911123456"),
    ("+44 7911 123456", "GB", "+447911123456"),
    ("+44 (0)7911 123456", "GB", "+447911123456"),
    ("020 7946 0000", "GB", "+442079460000"),          # a landline: valid (the never-text list takes it)
    ("(202) 555-0143", "US", "+12025550143"),
    ("202.555.0143", "US", "+12025550143"),
    ("+1 415 555 2671", "GB", "+14155552671"),          # abroad, written internationally
])
def test_valid_numbers_in_e164(typed, country, expected):
    assert valid_number(typed, country) == expected


@pytest.mark.parametrize("typed", [
    "", "12", "hello", "+999 123456",
    "07911 I23456",       # a letter I for a 1: phonenumbers would read it as a keypad 4
    "0800 FLOWERS",       # keypad letters are refused too
    "07700 900123",       # a possible length, but a range that is not in use (Ofcom's drama numbers)
])
def test_invalid_numbers_are_refused(typed):
    assert valid_number(typed, "GB") is None


@pytest.mark.parametrize("typed", ["07911 123456", "07700 900123", "0800 FLOWERS", "12", "+999 123456"])
def test_config_and_policy_agree_with_valid_number(typed):
    number = valid_number(typed, "GB")
    try:
        owner = parse_config({"owner": {"phone": typed}}).owner.phone
    except ConfigError:
        owner = None
    assert owner == number
    if number is not None:
        assert line_kind(number) != "invalid"


def test_the_config_error_says_what_to_write():
    with pytest.raises(ConfigError) as raised:
        parse_config({"business": {"country": "US"}, "owner": {"phone": "555 0143"}}, source="shop.toml")
    assert str(raised.value) == ("shop.toml: [owner] phone = '555 0143': expected a valid phone number for US or in "
                                 '+international form, or "" for none')


def test_a_raw_caller_id_of_a_possible_length_is_kept():
    # a number the numbering plan does not list is still recorded (and shown), then skipped as invalid
    caller = caller_number("07700900123", 129, 0, "GB")
    assert caller.e164 == "+447700900123" == to_e164("07700 900123", "GB")
    assert line_kind(caller.e164) == "invalid"


def ucs2(text: str) -> str:
    """How a modem in AT+CSCS="UCS2" prints a string: four hex digits per character (27.007 §5.5)."""
    return "".join(f"{ord(ch):04X}" for ch in text)


@pytest.mark.parametrize("printed, toa, expected", [
    (ucs2("+447911123456"), 145, "+447911123456"),
    (ucs2("07911123456"), 129, "+447911123456"),
    (ucs2("447911123456"), 145, "+447911123456"),             # international type, no '+'
    (ucs2("+447911123456").lower(), 145, "+447911123456"),
])
def test_a_caller_number_in_ucs2_hex_is_decoded(printed, toa, expected):
    caller = caller_number(printed, toa, 0, "GB")
    assert (caller.e164, caller.withheld, caller.raw) == (expected, False, printed)


@pytest.mark.parametrize("text", [
    "07911123456", "+447911123456", "00447911123456",           # numbers in digits stay as they are
    "0030",                                                     # one character's worth: not decoded
    "0041004200430044",                                         # UCS-2 letters: not a number
    "002B00340034003",                                          # not a multiple of four
    "Vodafone", "",
])
def test_only_wholly_ucs2_digits_are_decoded(text):
    assert from_ucs2_hex(text) == text


def test_ucs2_hex_of_a_withheld_caller_stays_withheld():
    assert caller_number(ucs2("+447911123456"), 145, 1, "GB").withheld


@pytest.mark.parametrize("pasted", ["\u202a+44 7911 123456\u202c", "07911\u00a0123456", "07911\u2009123\u2009456",
                                    "07911\u2013123456", "\u200e07911 123456"])
def test_a_number_pasted_from_a_phones_contacts_is_read(pasted):
    """Contacts apps wrap a number in direction marks (U+202A … U+202C, U+200E) and use no-break or
    thin spaces and en dashes: invisible on screen, so the owner cannot see what to fix."""
    assert valid_number(pasted, "GB") == "+447911123456"
