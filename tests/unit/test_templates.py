"""agent.rules.templates: the defaults, checking an owner's template, filling it, the call time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from agent.errors import TemplateError
from agent.rules.hours import describe_next_open, parse_hours
from agent.sms.pdu import segment_info
from agent.rules.templates import (
    DEFAULT_TEMPLATES,
    MAX_PARTS,
    PLACEHOLDERS,
    SAMPLE_VALUES,
    TEMPLATE_EXTRA_PLACEHOLDERS,
    TemplateCheck,
    check_template,
    check_text,
    format_call_time,
    placeholder_values,
    render,
)
from agent.rules.settings import Settings

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NAMES = {"missed_open", "missed_closed", "followup", "optout_confirm", "optin_confirm", "help", "owner_relay"}


# ---- defaults -------------------------------------------------------------------------------

def test_default_template_names():
    assert set(DEFAULT_TEMPLATES) == NAMES
    assert set(TEMPLATE_EXTRA_PLACEHOLDERS) <= NAMES
    assert set(PLACEHOLDERS) == {"business", "next_open", "call_time", "owner_phone", "menu"}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_defaults_pass_their_own_check_in_gsm7(name):
    check = check_template(name, DEFAULT_TEMPLATES[name])
    assert check.encoding == "GSM-7"
    assert check.parts == (2 if name == "owner_relay" else 1)  # customers get one SMS at most


def test_default_wording():
    assert "{next_open}" in DEFAULT_TEMPLATES["missed_closed"]
    optout = DEFAULT_TEMPLATES["optout_confirm"]
    assert "{business}" in optout and "START" in optout and "STOP" not in optout
    for name in ("missed_open", "missed_closed", "followup", "optin_confirm", "help"):
        assert "{business}" in DEFAULT_TEMPLATES[name] and "Reply STOP to opt out." in DEFAULT_TEMPLATES[name]
    relay = DEFAULT_TEMPLATES["owner_relay"]
    assert {"{ref}", "{caller}", "{text}", "{call_time}"} <= set(re.findall(r"\{\w+\}", relay))
    assert "Reply R {ref} <answer>" in relay          # the owner can answer the relay by SMS


def test_owner_relay_reads_well():
    values = {"ref": "12", "caller": "07911 123456", "call_time": "3:42 PM", "text": "Can you come Tuesday?"}
    assert render(DEFAULT_TEMPLATES["owner_relay"], values) == (
        "#12 07911 123456 (missed call 3:42 PM): Can you come Tuesday?\nReply R 12 <answer>")
    assert set(TEMPLATE_EXTRA_PLACEHOLDERS["owner_relay"]) == {"ref", "caller", "text"}
    assert "only for owner_relay" in error_of("help", "#{ref}")


def test_every_placeholder_has_a_realistic_longest_sample():
    extras = {n for extra in TEMPLATE_EXTRA_PLACEHOLDERS.values() for n in extra}
    assert set(SAMPLE_VALUES) == set(PLACEHOLDERS) | extras
    assert len(SAMPLE_VALUES["business"]) == 40
    assert len(SAMPLE_VALUES["text"]) == 160
    assert len(SAMPLE_VALUES["call_time"]) == len("12:59 PM")
    hours = parse_hours({"wed": ["08:00-09:00"]}, holidays=["2025-12-24"])
    longest = describe_next_open(hours, datetime(2025, 12, 23, 12, tzinfo=LONDON), LONDON)
    assert longest == "Wed 31 Dec 08:00" == SAMPLE_VALUES["next_open"]


# ---- check_template: known answers ----------------------------------------------------------

def test_check_returns_size():
    assert check_template("help", "Hello") == TemplateCheck(encoding="GSM-7", parts=1, units=5)
    assert check_template("help", "{business}") == TemplateCheck("GSM-7", 1, 40)
    assert check_template("help", "Hi \U0001F600") == TemplateCheck("UCS-2", 1, 5)
    escaped = check_template("help", "{{not a placeholder}}")
    assert escaped.units == len("{not a placeholder}") + 2  # { and } are GSM-7 extension characters


def error_of(name: str, body: str) -> str:
    with pytest.raises(TemplateError) as info:
        check_template(name, body)
    return str(info.value)


def test_unknown_template_name_suggests():
    assert 'unknown template "help_me"' in error_of("help_me", "hi")
    assert '"help"' in error_of("help_me", "hi")
    assert "missed_open" in error_of("zzz", "hi")


@pytest.mark.parametrize("body", ["", "   ", "\n"])
def test_empty_body(body):
    assert "empty" in error_of("help", body)


def test_misspelt_placeholder_names_it_and_suggests():
    message = error_of("missed_open", "{buisness}: sorry!")
    assert "unknown placeholder '{buisness}'" in message and "did you mean '{business}'" in message
    assert "'{next_open}'" in error_of("missed_closed", "Open {nextopen}")


@pytest.mark.parametrize("body, shown", [
    ("{0}", "{0}"), ("{a.b}", "{a.b}"), ("{a[0]}", "{a[0]}"), ("{business!r}", "{business!r}"),
    ("{business:>50}", "{business:>50}"), ("{}", "{}"), ("{ business }", "{ business }"),
    ("{business.__class__}", "{business.__class__}"), ("{BUSINESS}", "{BUSINESS}"),
])
def test_format_syntax_is_an_unknown_placeholder_not_evaluated(body, shown):
    assert f"unknown placeholder '{shown}'" in error_of("help", body)


def test_placeholder_of_another_template():
    assert "only for owner_relay" in error_of("missed_open", "{caller} rang")
    assert check_template("owner_relay", "{caller} {text} {business} {call_time} {owner_phone}").parts == 2


@pytest.mark.parametrize("body", ["{business", "business}", "{busi{ness}", "}{", "a } b", "{{business}"])
def test_unbalanced_braces(body):
    message = error_of("help", body)
    assert message.startswith('help: the "') and ("is not closed" in message or "has no" in message)


def test_at_most_three_parts_with_the_longest_values():
    fill = 3 * 153 - 40
    assert check_template("help", "{business}" + "x" * fill).parts == 3
    assert "4 SMS; keep it to 3 SMS, about 459 characters" in error_of("help", "{business}" + "x" * (fill + 1))
    ucs2 = 3 * 67 - 40                                   # an em dash makes the text UCS-2
    assert check_template("help", "{business}" + "\u2014" * ucs2) == TemplateCheck("UCS-2", 3, 201)
    assert "4 SMS; keep it to 3 SMS, about 201 characters" in error_of("help", "{business}" + "\u2014" * (ucs2 + 1))
    assert MAX_PARTS == 3


def test_lone_surrogate_is_a_template_error():
    assert "surrogate" in error_of("help", "bad \ud800 text")


# ---- render ---------------------------------------------------------------------------------

def test_render_fills_placeholders_and_escapes():
    values = {"business": "Bob's Bikes", "next_open": "Mon 08:00"}
    assert render(DEFAULT_TEMPLATES["missed_closed"], values).startswith(
        "Bob's Bikes: sorry we missed your call! We open Mon 08:00.")
    assert render("{{business}} is {business}", values) == "{business} is Bob's Bikes"
    assert render("no placeholders", {}) == "no placeholders"


def test_render_inserts_values_literally():
    assert render("{business}!", {"business": "{next_open} {0}", "next_open": "x"}) == "{next_open} {0}!"


@pytest.mark.parametrize("body", ["{business}", "{0}", "{a.b}", "{a[0]}", "{business!r}"])
def test_render_missing_value(body):
    with pytest.raises(TemplateError, match="no value for placeholder"):
        render(body, {"a": "x", "next_open": "y"})


def test_render_refuses_non_text_value_and_lone_brace():
    with pytest.raises(TemplateError):
        render("{business}", {"business": None})  # type: ignore[dict-item]
    with pytest.raises(TemplateError, match="is not closed"):
        render("{business", {"business": "x"})


# ---- properties -----------------------------------------------------------------------------

literals = st.text(st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=60)
pieces = st.lists(st.one_of(
    literals.map(lambda t: (t, t)),
    st.sampled_from(sorted(PLACEHOLDERS)).map(lambda n: ("{" + n + "}", SAMPLE_VALUES[n])),
    st.sampled_from([("{{", "{"), ("}}", "}")]),
), max_size=12)


@settings(max_examples=200, deadline=None)
@given(pieces=pieces)
def test_render_of_a_well_formed_body(pieces):
    body = "".join(source for source, _ in pieces)
    assert render(body, SAMPLE_VALUES) == "".join(expected for _, expected in pieces)
    if not body.strip():
        return
    size = segment_info(render(body, SAMPLE_VALUES))
    try:
        check = check_template("help", body)
    except TemplateError as e:
        assert size.parts > MAX_PARTS and f"{size.parts} SMS;" in str(e)
    else:
        assert (check.encoding, check.parts, check.units) == (size.encoding, size.parts, size.units)


@settings(max_examples=300, deadline=None)
@given(body=st.lists(st.sampled_from(list("{}ab.[]0!: ") + ["business", "text"]), max_size=20).map("".join)
       | st.text(max_size=40))
def test_arbitrary_text_only_ever_fails_with_template_error(body):
    for attempt in (lambda: check_template("owner_relay", body), lambda: render(body, SAMPLE_VALUES)):
        try:
            result = attempt()
        except TemplateError:
            continue
        if isinstance(result, str) and "{{" not in body and "}}" not in body:
            assert "{" not in result and "}" not in result   # the samples hold no braces


# ---- format_call_time -----------------------------------------------------------------------

@pytest.mark.parametrize("moment, tz, expected", [
    (datetime(2024, 1, 8, 15, 42, tzinfo=LONDON), LONDON, "3:42 PM"),
    (datetime(2024, 1, 8, 0, 5, tzinfo=LONDON), LONDON, "12:05 AM"),
    (datetime(2024, 1, 8, 12, 0, tzinfo=LONDON), LONDON, "12:00 PM"),
    (datetime(2024, 1, 8, 9, 7, 59, tzinfo=LONDON), LONDON, "9:07 AM"),
    (datetime(2024, 7, 8, 14, 42, tzinfo=timezone.utc), LONDON, "3:42 PM"),     # BST
    (datetime(2024, 1, 8, 20, 42, tzinfo=timezone.utc), NEW_YORK, "3:42 PM"),   # EST
    (datetime(2024, 11, 3, 6, 30, tzinfo=timezone.utc), NEW_YORK, "1:30 AM"),   # second 01:30
])
def test_format_call_time(moment, tz, expected):
    assert format_call_time(moment, tz) == expected


def test_format_call_time_needs_an_aware_moment():
    with pytest.raises(ValueError, match="aware"):
        format_call_time(datetime(2024, 1, 8, 15, 42), LONDON)


@settings(max_examples=200, deadline=None)
@given(seconds=st.integers(0, 366 * 86400), tz=st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Asia/Kolkata")]))
def test_format_call_time_reads_back_as_the_local_time(seconds, tz):
    moment = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    text = format_call_time(moment, tz)
    match = re.fullmatch(r"(1[0-2]|[1-9]):([0-5]\d) (AM|PM)", text)
    assert match, text
    hour = int(match[1]) % 12 + (12 if match[3] == "PM" else 0)
    local = moment.astimezone(tz)
    assert (hour, int(match[2])) == (local.hour, local.minute)


# ---- placeholder_values: the one place a text's values are built ---------------------------

SHOP = Settings(business_name="Brightside Dental", owner_phone="+447911000001", country="GB",
                hours={"mon": ("09:00-17:30",), "tue": ("09:00-17:30",)}, hours_set=True)
MONDAY_EVENING = datetime(2024, 1, 8, 18, 5, tzinfo=timezone.utc)      # London on GMT, closed since 17:30


def test_values_for_a_missed_call():
    values = placeholder_values(SHOP, MONDAY_EVENING, LONDON, call_at=MONDAY_EVENING)
    assert values == {"business": "Brightside Dental", "next_open": "tomorrow 09:00", "call_time": "6:05 PM",
                      "owner_phone": "07911 000001", "menu": ""}      # no [menu] options set


def test_values_without_a_call_or_an_owner_phone():
    values = placeholder_values(Settings(business_name="Shop", hours_set=False), MONDAY_EVENING, LONDON)
    assert values == {"business": "Shop", "next_open": "", "call_time": "", "owner_phone": "", "menu": ""}


def test_next_open_when_hours_are_set_but_every_day_is_closed():
    closed = Settings(hours={}, hours_set=True)
    assert placeholder_values(closed, MONDAY_EVENING, LONDON)["next_open"] == "again soon"


def test_next_open_counts_from_the_moment_given():
    sunday = datetime(2024, 1, 7, 12, 0, tzinfo=timezone.utc)
    assert placeholder_values(SHOP, sunday, LONDON)["next_open"] == "tomorrow 09:00"
    assert placeholder_values(SHOP, sunday - timedelta(days=1), LONDON)["next_open"] == "Mon 09:00"


def test_relay_values_write_the_caller_as_a_person_does():
    values = placeholder_values(SHOP, MONDAY_EVENING, LONDON, caller="+447400123456", ref=12, text="Tuesday?")
    assert (values["caller"], values["ref"], values["text"]) == ("07400 123456", "12", "Tuesday?")
    assert placeholder_values(SHOP, MONDAY_EVENING, LONDON, caller="+12025550143")["caller"] == "+1 202-555-0143"
    assert render(DEFAULT_TEMPLATES["owner_relay"], {**values, "call_time": "3:42 PM"}) == (
        "#12 07400 123456 (missed call 3:42 PM): Tuesday?\nReply R 12 <answer>")


@pytest.mark.parametrize("name", sorted(NAMES - {"owner_relay"}))
def test_every_default_template_fills_from_the_values(name):
    assert "{" not in render(DEFAULT_TEMPLATES[name], placeholder_values(SHOP, MONDAY_EVENING, LONDON))


def test_values_cover_the_placeholders_and_the_samples():
    everything = placeholder_values(SHOP, MONDAY_EVENING, LONDON, call_at=MONDAY_EVENING, caller="+447400123456",
                                    ref=1, text="x")
    assert set(everything) == set(SAMPLE_VALUES)
    assert set(placeholder_values(SHOP, MONDAY_EVENING, LONDON)) == set(PLACEHOLDERS)


def test_unreadable_holidays_are_a_value_error():
    with pytest.raises(ValueError, match="holidays"):
        placeholder_values(Settings(hours_set=True, holidays=("25/12/2024",)), MONDAY_EVENING, LONDON)


# ---- check_text: a reply that is not a named template ---------------------------------------

def test_check_text_uses_the_label_and_the_common_placeholders():
    assert check_text("reply", "{business}: ask away.").parts == 1
    with pytest.raises(TemplateError, match=r"^reply: unknown placeholder '\{ref\}' \(it is only for owner_relay\)"):
        check_text("reply", "#{ref}")
    with pytest.raises(TemplateError, match="^reply: the text is empty"):
        check_text("reply", "  ")
