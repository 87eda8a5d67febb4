"""Policy is pure: every skip reason, the open/closed choice and the due time, without I/O."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.rules.numbers import caller_number, line_kind
from agent.rules.policy import SKIP_REASONS, CallFacts, decide
from agent.rules.settings import Settings
from agent.store.records import History
from agent.rules.templates import DEFAULT_TEMPLATES

WEEKDAYS = {d: ("09:00-17:00",) for d in ("mon", "tue", "wed", "thu", "fri")}
SETTINGS = Settings(business_name="Brightside Dental", owner_phone="+447911000001", hours=WEEKDAYS,
                    templates=dict(DEFAULT_TEMPLATES), delay_seconds=15, dedup_hours=24)
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)      # 12:00 in London (GMT)
SATURDAY = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)


def call(number: str | None, at: datetime = MONDAY_NOON) -> CallFacts:
    return CallFacts(number=number, ended_at=at)


@pytest.mark.parametrize("number,history,reason", [
    (None, History(), "withheld"),
    ("+4412", History(), "invalid"),
    ("+447911000001", History(), "owner"),
    ("+447911123456", History(excluded=True), "excluded"),
    ("+447911123456", History(opted_out=True), "opted_out"),
    ("+442079460000", History(), "landline"),
    ("+449098790000", History(), "premium_rate"),
    ("+448081570000", History(), "toll_free"),
    ("+445600000000", History(), "voip"),
    ("+447000000000", History(), "personal_number"),
    ("+447911123456", History(last_text_at=MONDAY_NOON - timedelta(hours=23)), "recently_texted"),
])
def test_skip_reasons(number, history, reason):
    decision = decide(call(number), SETTINGS, history, MONDAY_NOON)
    assert not decision.text and decision.reason == reason
    assert reason in SKIP_REASONS


def test_opt_out_wins_over_everything_even_with_dedup_off():
    settings = Settings(**{**SETTINGS.__dict__, "dedup_hours": 0})
    assert decide(call("+447911123456"), settings, History(opted_out=True), MONDAY_NOON).reason == "opted_out"


def test_text_after_dedup_window():
    history = History(last_text_at=MONDAY_NOON - timedelta(hours=25))
    assert decide(call("+447911123456"), SETTINGS, history, MONDAY_NOON).text


def test_open_hours_text_and_due_time():
    decision = decide(call("+447911123456"), SETTINGS, History(), MONDAY_NOON)
    assert decision.text and decision.template == "missed_open"
    assert decision.body.startswith("Brightside Dental:")
    assert decision.due_at == MONDAY_NOON + timedelta(seconds=15)


def test_closed_hours_text_names_next_opening():
    decision = decide(call("+447911123456", SATURDAY), SETTINGS, History(), SATURDAY)
    assert decision.template == "missed_closed"
    assert "Mon 09:00" in decision.body


def test_no_hours_at_all_means_the_open_text():
    settings = Settings(**{**SETTINGS.__dict__, "hours": {}})
    assert decide(call("+447911123456", SATURDAY), settings, History(), SATURDAY).template == "missed_open"


def test_pending_text_is_replaced_not_doubled():
    decision = decide(call("+447911123456"), SETTINGS, History(pending_message_id=7, last_text_at=MONDAY_NOON),
                      MONDAY_NOON)
    assert decision.text and decision.replace_message_id == 7


def test_us_voip_is_texted_gb_voip_is_not():
    assert line_kind("+445600000000") == "voip"


@pytest.mark.parametrize("raw,toa,validity,expected", [
    ("+447911123456", 145, 0, "+447911123456"),
    ("447911123456", 145, None, "+447911123456"),       # type 145 without the '+'
    ("07911123456", 129, 0, "+447911123456"),            # national: read with the business country
    ("07911123456", 161, None, "+447911123456"),
    ("00447911123456", 129, None, "+447911123456"),
    ("", 128, 1, None),
    ("07911123456", 128, None, None),
    ("07911123456", 129, 1, None),                       # CLI validity says withheld
    ("Unknown", 129, None, None),
])
def test_caller_numbers(raw, toa, validity, expected):
    """python-gsmmodem puts '+' on national numbers (bug 10); we read the type of number ourselves."""
    number = caller_number(raw, toa, validity, "GB")
    assert number.e164 == expected
    assert number.withheld == (expected is None)


def test_answered_call_cancels_the_pending_text():
    facts = CallFacts(number="+447911123456", ended_at=MONDAY_NOON, answered=True)
    decision = decide(facts, SETTINGS, History(pending_message_id=9), MONDAY_NOON)
    assert not decision.text and decision.reason == "answered" and decision.replace_message_id == 9


def test_hours_given_with_every_day_closed_means_closed_all_week():
    """[hours] with every day [] is the after-hours text; only hours never given mean 'no hours set'."""
    closed = Settings(business_name="Brightside Dental", hours={d: () for d in WEEKDAYS}, hours_set=True,
                      templates=dict(DEFAULT_TEMPLATES))
    decision = decide(call("+447911123456"), closed, History(), MONDAY_NOON)
    assert decision.template == "missed_closed"
    assert "We open again soon." in decision.body
    unset = Settings(business_name="Brightside Dental", hours={}, templates=dict(DEFAULT_TEMPLATES))
    assert decide(call("+447911123456"), unset, History(), MONDAY_NOON).template == "missed_open"


def test_variants_go_out_in_turn_and_none_without_a_test():
    from agent.rules.variants import VariantTurn

    extra = {"B": "{business}: variant B. Reply STOP to opt out.", "C": "{business}: variant C."}
    letters, bodies = [], []
    last = None
    for _ in range(4):
        decision = decide(call("+447911123456"), SETTINGS, History(), MONDAY_NOON,
                          {"missed_open": VariantTurn(extra=extra, last=last)})
        letters.append(decision.variant)
        bodies.append(decision.body)
        last = decision.variant
    assert letters == ["A", "B", "C", "A"]
    assert bodies[0] == decide(call("+447911123456"), SETTINGS, History(), MONDAY_NOON).body
    assert bodies[1] == "Brightside Dental: variant B. Reply STOP to opt out."
    assert bodies[2] == "Brightside Dental: variant C."
    # without a test the text carries no letter; a test of the closed text leaves the open one alone
    assert decide(call("+447911123456"), SETTINGS, History(), MONDAY_NOON).variant is None
    assert decide(call("+447911123456"), SETTINGS, History(), MONDAY_NOON,
                  {"missed_closed": VariantTurn(extra=extra)}).variant is None
    closed = decide(call("+447911123456", SATURDAY), SETTINGS, History(), SATURDAY,
                    {"missed_closed": VariantTurn(extra=extra, last="A")})
    assert closed.template == "missed_closed" and closed.variant == "B"
    # a skip carries no letter
    assert decide(call(None), SETTINGS, History(), MONDAY_NOON, {"missed_open": VariantTurn(extra=extra)}).variant is None
