"""A/B variants: the turn (A, B, C, A …), the two-proportion test against hand-computed cases, and
the figures the store counts in SQL from rows written through its own methods and the real
inbound path."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.rules.variants import MIN_SENT, VariantTurn, choose, compare, next_letter
from agent.store import Store
from tests.db_rows import rows
from tests.web.conftest import add_inbound

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


# ---- the turn ---------------------------------------------------------------------------------

@pytest.mark.parametrize("letters,last,expected", [
    (("A", "B", "C"), None, "A"),
    (("A", "B", "C"), "A", "B"),
    (("A", "B", "C"), "B", "C"),
    (("A", "B", "C"), "C", "A"),
    (("A", "C"), "A", "C"),          # B removed mid-test
    (("A", "C"), "B", "C"),
    (("A", "B"), "C", "A"),          # C removed after it went out
    (("A",), "B", "A"),
])
def test_next_letter_goes_round_in_order(letters, last, expected):
    assert next_letter(letters, last) == expected


def test_choose_without_extra_variants_carries_no_letter():
    assert choose("Hello {business}", None) == (None, "Hello {business}")
    assert choose("Hello {business}", VariantTurn()) == (None, "Hello {business}")


def test_choose_picks_the_next_text():
    turn = VariantTurn(extra={"B": "bee", "C": "sea"}, last="A")
    assert choose("ay", turn) == ("B", "bee")
    assert choose("ay", VariantTurn(extra=turn.extra, last="C")) == ("A", "ay")


def test_choose_refuses_a_letter_that_is_not_b_or_c():
    with pytest.raises(ValueError, match="B or C, not D"):
        choose("ay", VariantTurn(extra={"D": "dee"}))


# ---- the two-proportion z-test ------------------------------------------------------------------

def test_z_test_against_a_hand_computed_case():
    # A: 40 replies of 200 (20 %), B: 60 of 200 (30 %). Pooled p = 100/400 = 0.25;
    # SE = sqrt(0.25 × 0.75 × (1/200 + 1/200)) = sqrt(0.001875) = 0.043301;
    # z = 0.10 / 0.043301 = 2.3094; two-sided p = 2 × (1 − Φ(2.3094)) = 2 × 0.01046 = 0.0209.
    result = compare("B", sent=200, replied=60, base_sent=200, base_replied=40)
    assert result.z == pytest.approx(2.3094, abs=1e-4)
    assert result.p_value == pytest.approx(0.0209, abs=1e-4)
    assert result.significant and result.higher
    assert result.words == "B's reply rate is higher than A's, and that is unlikely to be chance (p = 0.02)."


def test_z_test_lower_and_significant():
    result = compare("C", sent=200, replied=40, base_sent=200, base_replied=60)
    assert result.z == pytest.approx(-2.3094, abs=1e-4) and result.significant and result.higher is False
    assert result.words.startswith("C's reply rate is lower than A's, and that is unlikely to be chance")


def test_z_test_small_difference_is_not_enough_to_tell():
    # 6/20 against 4/20: pooled 0.25, SE = sqrt(0.1875 × 0.1) = 0.13693, z = 0.7303, p = 0.465
    result = compare("B", sent=20, replied=6, base_sent=20, base_replied=4)
    assert result.z == pytest.approx(0.7303, abs=1e-4)
    assert result.p_value == pytest.approx(0.4652, abs=1e-3)
    assert not result.significant
    assert result.words == ("B's reply rate is higher than A's, but that could be chance (p = 0.47): "
                            "not enough to tell yet.")


def test_z_test_waits_for_enough_texts():
    result = compare("B", sent=MIN_SENT - 1, replied=5, base_sent=100, base_replied=10)
    assert result.z is None and result.p_value is None and not result.significant
    assert result.words.startswith("Not enough to tell yet")
    # every text answered: no variation to test (pooled proportion 1)
    assert compare("B", sent=50, replied=50, base_sent=50, base_replied=50).words.startswith("Not enough")


def test_z_test_refuses_impossible_counts():
    with pytest.raises(ValueError, match="more replies than texts sent"):
        compare("B", sent=10, replied=11, base_sent=10, base_replied=1)
    with pytest.raises(ValueError, match="sent must not be negative"):
        compare("B", sent=-1, replied=0, base_sent=10, base_replied=1)


# ---- the figures, counted in SQL ----------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    opened = Store.open(tmp_path / "textback.db")
    yield opened
    opened.close()


def _text(store: Store, number: str, at: datetime, variant: str | None, *, kind: str = "missed_open",
          sent: bool = True) -> int:
    """A missed call and its text, as the agent writes them (queued, then sent a few seconds later)."""
    call_id = store.record_call(number=number, raw_number=number, toa=145, started_at=at - timedelta(seconds=9),
                                ended_at=at, rings=2, end_signal="NO CARRIER", now=at)
    message_id = store.queue_text_for_call(call_id, number=number, body="hi", kind=kind, due_at=at, now=at,
                                           variant=variant)
    if sent:
        store.mark_sent(message_id, at + timedelta(seconds=5))
    return message_id


def test_figures_per_variant_from_rows_written_through_the_store(store):
    store.set_variant("missed_open", "B", "{business}: B text. Reply STOP to opt out.", T0)
    at = T0 + timedelta(minutes=1)
    # A: three sent; one reply within 24 h, one reply after 25 h (not counted), one STOP
    _text(store, "+447700900001", at, "A")
    add_inbound(store, "+447700900001", "Can I book Tuesday?", at + timedelta(hours=2))
    _text(store, "+447700900002", at, "A")
    add_inbound(store, "+447700900002", "Thanks", at + timedelta(hours=25))
    _text(store, "+447700900003", at, "A")
    add_inbound(store, "+447700900003", "STOP", at + timedelta(minutes=3))
    # B: two sent, both replied; one queued and never sent (not counted), one for the closed text
    _text(store, "+447700900004", at, "B")
    add_inbound(store, "+447700900004", "Yes please", at + timedelta(minutes=10))
    _text(store, "+447700900005", at, "B")
    add_inbound(store, "+447700900005", "Call me", at + timedelta(hours=23))
    _text(store, "+447700900006", at, "B", sent=False)
    _text(store, "+447700900007", at, "B", kind="missed_closed")
    # before the test started: not counted
    _text(store, "+447700900008", T0 - timedelta(days=1), "A")

    a, b = store.variant_figures("missed_open")
    assert (a.letter, a.sent, a.replied, a.opted_out) == ("A", 3, 1, 1)
    assert (b.letter, b.sent, b.replied, b.opted_out) == ("B", 2, 2, 0)
    assert a.reply_rate == pytest.approx(1 / 3) and a.optout_rate == pytest.approx(1 / 3)
    assert b.reply_rate == 1.0 and b.optout_rate == 0.0
    assert a.body == store.templates()["missed_open"] and b.body.startswith("{business}: B text")
    assert store.variant_figures("missed_closed") == []
    assert [r["variant"] for r in rows(store, "SELECT variant FROM messages WHERE direction = 'out'"
                                              " AND kind IN ('missed_open', 'missed_closed') ORDER BY id")] \
        == ["A", "A", "A", "B", "B", "B", "B", "A"]


def test_turn_follows_the_last_letter_since_the_test_started(store):
    assert store.variant_turns() == {}
    _text(store, "+447700900001", T0 - timedelta(hours=1), "C")      # an earlier test's text
    store.set_variant("missed_closed", "B", "b", T0)
    store.set_variant("missed_closed", "C", "c", T0)
    assert store.variant_turns() == {"missed_closed": VariantTurn(extra={"B": "b", "C": "c"}, last=None)}
    _text(store, "+447700900002", T0 + timedelta(minutes=1), "A", kind="missed_closed")
    _text(store, "+447700900003", T0 + timedelta(minutes=2), "B", kind="missed_closed")
    assert store.variant_turns()["missed_closed"].last == "B"


def test_editing_a_variant_restarts_only_its_own_count(store):
    store.set_variant("missed_open", "B", "first wording", T0)
    _text(store, "+447700900001", T0 + timedelta(minutes=1), "B")
    store.set_variant("missed_open", "B", "first wording", T0 + timedelta(minutes=2))    # unchanged: count kept
    assert [f.sent for f in store.variant_figures("missed_open")] == [0, 1]
    store.set_variant("missed_open", "B", "second wording", T0 + timedelta(minutes=3))
    _text(store, "+447700900002", T0 + timedelta(minutes=4), "A")
    assert [(f.letter, f.sent) for f in store.variant_figures("missed_open")] == [("A", 1), ("B", 0)]


def test_keep_makes_the_winner_the_template_and_ends_the_test(store):
    store.set_variant("missed_open", "B", "bee wins", T0)
    store.set_variant("missed_open", "C", "sea", T0)
    assert store.keep_variant("missed_open", "B", T0) == "bee wins"
    assert store.templates()["missed_open"] == "bee wins"
    assert store.variant_figures("missed_open") == [] and store.variant_turns() == {}
    assert store.keep_variant("missed_open", "C", T0) is None


def test_keeping_a_leaves_the_template_and_removing_the_last_extra_ends_the_test(store):
    before = store.templates()["missed_closed"]
    store.set_variant("missed_closed", "B", "bee", T0)
    assert store.keep_variant("missed_closed", "A", T0) == before
    assert store.templates()["missed_closed"] == before and store.variant_turns() == {}
    store.set_variant("missed_closed", "C", "sea", T0)
    assert store.remove_variant("missed_closed", "C") is True
    assert rows(store, "SELECT * FROM template_variants") == []


def test_bad_variant_arguments_are_named(store):
    with pytest.raises(ValueError, match="only for missed_open and missed_closed, not 'followup'"):
        store.set_variant("followup", "B", "x", T0)
    with pytest.raises(ValueError, match="lettered A, B, C, not 'D'"):
        store.set_variant("missed_open", "D", "x", T0)
    with pytest.raises(ValueError, match="A is the template itself"):
        store.remove_variant("missed_open", "A")
