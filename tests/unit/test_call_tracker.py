"""The call tracker turns each family's line sequence into exactly one MissedCall per call.

python-gsmmodem has no missed-call event at all (MODEMS.md bug 1) and keeps unanswered calls in
activeCalls forever (bug 9): these tests cover the tracker that replaces that part.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from agent.events import CallListed
from agent.rules.call_tracker import LIST_SIGNAL, CallListing, CallTracker
from agent.modem.dialects import dialect_named
from agent.modem.urc import parse_urc

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def play(tracker: CallTracker, script: list[tuple[float, str]]) -> list:
    """Feed (seconds, line) pairs; tick between lines like the service loop does."""
    ended = []
    for at, line in script:
        wall = T0 + timedelta(seconds=at)
        result = tracker.tick(at, wall)
        if result:
            ended.append(result)
        result = tracker.feed(parse_urc(line), at, wall)
        if result:
            ended.append(result)
    return ended


SIM800 = [(0.0, '+CLCC: 1,1,4,0,0,"07911123456",129,""'), (0.1, "RING"), (0.2, '+CLIP: "07911123456",129,"",0,"",0'),
          (5.1, "RING"), (5.2, '+CLIP: "07911123456",129,"",0,"",0'), (9.0, '+CLCC: 1,1,6,0,0,"07911123456",129,""'),
          (9.1, "NO CARRIER")]
SIM7600 = [(0.0, "RING"), (0.1, '+CLIP: "+447911123456",145,"",0,"",0'), (6.0, "RING"),
           (6.1, '+CLIP: "+447911123456",145,"",0,"",0'), (8.0, "MISSED_CALL: 10:00AM +447911123456")]
A76XX = [(0.0, "RING"), (0.1, '+CLCC: 1,1,4,0,0,"+33612345678",145'), (7.0, "RING"), (9.0, "VOICE CALL: END"),
         (9.1, "NO CARRIER"), (9.2, '+CLCC: 1,1,6,0,0,"+33612345678",145')]
QUECTEL = [(0.0, "RING"), (0.1, "^DSCI: 1,1,4,0,13022100000,129,0"), (5.0, "RING"),
           (7.0, "^DSCI: 1,1,6,0,13022100000,129,0"), (7.1, "NO CARRIER")]
HUAWEI = [(0.0, "+CRING: VOICE"), (0.1, '+CLIP: "+8613800138000",145,,,,0'), (2.0, "^RSSI:15"),
          (5.0, "+CRING: VOICE"), (5.1, '+CLIP: "+8613800138000",145,,,,0'), (8.0, "^CEND:1,0,104,16")]
UBLOX = [(0.0, "+UCALLSTAT: 1,4"), (0.1, "RING"), (0.2, '+CLIP: "+447911123456",145'), (5.0, "RING"),
         (7.0, "+UCALLSTAT: 1,6"), (7.1, "NO CARRIER")]


def test_sim800_clcc_then_no_carrier_is_one_call():
    [call] = play(CallTracker(dialect_named("sim800")), SIM800)
    assert (call.raw_number, call.toa, call.rings, call.end_signal) == ("07911123456", 129, 2, "+CLCC")


def test_sim7600_missed_call_line():
    [call] = play(CallTracker(dialect_named("sim7600")), SIM7600)
    assert (call.raw_number, call.rings, call.end_signal) == ("+447911123456", 2, "MISSED_CALL")


def test_a76xx_three_end_lines_one_call():
    [call] = play(CallTracker(dialect_named("sim7600")), A76XX)
    assert call.raw_number == "+33612345678" and call.end_signal == "VOICE CALL: END"


def test_quectel_dsci():
    [call] = play(CallTracker(dialect_named("quectel")), QUECTEL)
    assert (call.raw_number, call.toa, call.end_signal) == ("13022100000", 129, "^DSCI")


def test_huawei_cend_with_noise():
    [call] = play(CallTracker(dialect_named("huawei")), HUAWEI)
    assert (call.raw_number, call.rings, call.end_signal) == ("+8613800138000", 2, "^CEND")


def test_ublox_ucallstat():
    [call] = play(CallTracker(dialect_named("ublox")), UBLOX)
    assert call.end_signal == "+UCALLSTAT" and call.rings == 2


def test_silent_family_ends_after_measured_interval_plus_margin():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    clip = '+CLIP: "+447911123456",145'
    assert play(tracker, [(0, "RING"), (0.1, clip), (4, "RING"), (4.1, clip), (8, "RING"), (8.1, clip)]) == []
    assert tracker.deadline() == 8 + 4 + 3.0
    assert tracker.tick(14.9, T0) is None
    call = tracker.tick(15.0, T0 + timedelta(seconds=15))
    assert call is not None and call.end_signal == "ring-timeout" and call.rings == 3
    assert call.ended_at == T0 + timedelta(seconds=12)   # estimated: the RING that never came


def test_families_with_end_lines_wait_longer_before_the_safety_timeout():
    tracker = CallTracker(dialect_named("sim800"), margin=3.0)
    play(tracker, [(0, "RING"), (5, "RING")])
    assert tracker.deadline() == 5 + 5 + 5 + 3.0


def test_late_missed_call_line_after_no_carrier_is_the_same_call():
    tracker = CallTracker(dialect_named("sim7600"))
    calls = play(tracker, [(0, "RING"), (0.1, '+CLIP: "07911123456",129,"",0,"",0'), (3, "NO CARRIER"),
                           (3.5, "MISSED_CALL: 10:00AM 07911123456")])
    assert len(calls) == 1


def test_missed_call_line_without_any_ring_still_counts():
    [call] = play(CallTracker(dialect_named("sim7600")), [(0, "MISSED_CALL: 10:00AM 07911123456")])
    assert call.raw_number == "07911123456" and call.rings == 0


def test_caller_id_in_a_separate_read_from_ring():
    """python-gsmmodem loses the number when RING and +CLIP come in different reads (bug 2/10)."""
    tracker = CallTracker(dialect_named("sim800"))
    [call] = play(tracker, [(0, "RING"), (0.9, '+CLIP: "07911123456",129,"",0,"",0'), (3, "NO CARRIER")])
    assert call.raw_number == "07911123456"


def test_withheld_clip_then_end():
    [call] = play(CallTracker(dialect_named("huawei")), [(0, "RING"), (0.1, '+CLIP: "",128,,,,1'), (3, "^CEND:1,0,104,16")])
    assert call.raw_number == "" and call.validity == 1


def test_repeat_caller_gets_a_fresh_call_not_the_old_one():
    """python-gsmmodem hands a repeat caller the old call object with its ring count still rising (bug 9)."""
    tracker = CallTracker(dialect_named("sim800"))
    first = play(tracker, [(0, "RING"), (0.1, '+CLIP: "07911123456",129'), (5, "RING"), (8, "NO CARRIER")])
    second = play(tracker, [(100, "RING"), (100.1, '+CLIP: "07911123456",129'), (103, "NO CARRIER")])
    assert [c.rings for c in first + second] == [2, 1]


def test_answered_call_is_flagged():
    [call] = play(CallTracker(dialect_named("sim7600")), [(0, "RING"), (1, "VOICE CALL: BEGIN"), (30, "VOICE CALL: END")])
    assert call.answered


LINES = st.sampled_from([
    "RING", "+CRING: VOICE", '+CLIP: "07911123456",129', '+CLIP: "",128,,,,1', "NO CARRIER", "^CEND:1,0,104,16",
    "MISSED_CALL: 10:00AM 07911123456", '+CLCC: 1,1,6,0,0,"07911123456",129', '+CLCC: 1,1,4,0,0,"07911123456",129',
    "^RSSI:12", "garbage \x00", "VOICE CALL: END", "+UCALLSTAT: 1,6"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 2), LINES), max_size=40), st.sampled_from(["sim800", "generic", "sim7600"]))
def test_never_more_calls_than_ring_bursts_plus_orphan_end_lines(steps, family):
    tracker = CallTracker(dialect_named(family))
    at, script = 0.0, []
    for gap, line in steps:
        at += gap
        script.append((at, line))
    ended = play(tracker, script)
    starts = sum(1 for _, line in script if line.startswith(("RING", "+CRING", "+CLIP", "+CLCC: 1,1,4")))
    orphans = sum(1 for _, line in script if line.startswith(("MISSED_CALL", '+CLCC: 1,1,6')))
    assert len(ended) <= starts + orphans


ECHOES = st.sampled_from(["NO CARRIER", "MISSED_CALL: 10:00AM 07911123456", '+CLCC: 1,1,6,0,0,"07911123456",129',
                          "^CEND:1,0,104,16", "VOICE CALL: END", "+UCALLSTAT: 1,6", "^RSSI:9"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 5), ECHOES), min_size=1, max_size=6),
       st.sampled_from(["sim800", "sim7600", "quectel", "huawei", "ublox", "generic"]))
def test_one_call_however_many_end_lines_follow(echoes, family):
    tracker = CallTracker(dialect_named(family))
    script = [(0.0, "RING"), (0.1, '+CLIP: "07911123456",129'), (4.0, "RING")]
    at = 4.0
    for gap, line in echoes:
        at += gap
        script.append((at, line))
    ended = play(tracker, script) + [c for c in [tracker.tick(at + 60, T0 + timedelta(seconds=at + 60))] if c]
    assert len(ended) == 1
    assert ended[0].raw_number == "07911123456"


def test_a_different_callers_clip_ends_the_open_call_on_a_silent_modem():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    calls = play(tracker, [(0, "RING"), (0.1, '+CLIP: "+447911123456",145'), (4, "RING"),
                           (4.1, '+CLIP: "+447911123456",145'), (5, "RING"), (5.1, '+CLIP: "+447911222333",145')])
    assert [c.raw_number for c in calls] == ["+447911123456"]
    assert tracker.call is not None and tracker.call.raw_number == "+447911222333"


def test_missed_call_line_after_a_call_without_caller_id_names_that_call():
    tracker = CallTracker(dialect_named("sim7600"))
    play(tracker, [(0, "RING"), (3, "NO CARRIER")])                                  # no +CLIP at all
    assert play(tracker, [(4, "MISSED_CALL: 10:00AM 07911123456")]) == []          # same call, named late
    [call] = play(tracker, [(30, "MISSED_CALL: 10:01AM 07911222333")])
    assert call.raw_number == "07911222333"


def test_missed_call_line_after_a_withheld_call_is_another_caller():
    tracker = CallTracker(dialect_named("sim7600"))
    play(tracker, [(0, "RING"), (0.1, '+CLIP: "",128,,,,1'), (3, "MISSED_CALL: 01:45PM ")])
    [call] = play(tracker, [(3.5, "MISSED_CALL: 01:46PM +447911123456")])
    assert call.raw_number == "+447911123456"


# ---- the call list (AT+CLCC, asked by the modem worker while a call rings) -------------------------

CLIP_A = '+CLIP: "+447911123456",145'


def listing(lines: list[str], asked_at: float, answered_at: float | None = None, trusted: bool = False) -> CallListing:
    """An AT+CLCC answer as Modem.call_list gives it: its +CLCC lines parsed."""
    calls = tuple(event for event in (parse_urc(line) for line in lines) if isinstance(event, CallListed))
    return CallListing(calls, asked_at, asked_at + 0.01 if answered_at is None else answered_at, trusted)


def answer(tracker: CallTracker, lines: list[str], asked_at: float, trusted: bool = False):
    return tracker.list_answer(listing(lines, asked_at, trusted=trusted), T0 + timedelta(seconds=asked_at + 0.01))


def test_a_call_that_left_the_list_is_over_long_before_the_ring_time_out():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    assert answer(tracker, ['+CLCC: 1,1,4,0,0,"+447911123456",145'], 1.0) is None      # still ringing
    assert tracker.call is not None and tracker.call.listed
    call = answer(tracker, [], 2.0)                                                      # a bare OK: gone
    assert call is not None and call.end_signal == LIST_SIGNAL == "AT+CLCC"
    assert (call.raw_number, call.rings, call.answered) == ("+447911123456", 1, False)
    assert call.ended_at == T0 + timedelta(seconds=2.0)        # when the list was asked for
    assert tracker.call is None and tracker.tick(60, T0) is None


def test_stat_6_in_the_list_ends_the_call():
    tracker = CallTracker(dialect_named("generic"))
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    call = answer(tracker, ['+CLCC: 1,1,6,0,0,"+447911123456",145'], 1.0)
    assert call is not None and call.end_signal == "AT+CLCC"


def test_stat_0_marks_the_call_answered_and_it_ends_when_it_leaves_the_list():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    assert answer(tracker, ['+CLCC: 1,1,0,0,0,"+447911123456",145'], 1.0) is None
    assert tracker.tick(100, T0) is None                       # an answered call never times out
    call = answer(tracker, [], 101.0, trusted=True)
    assert call is not None and call.answered and call.end_signal == "AT+CLCC"


def test_an_empty_list_is_not_believed_for_a_call_never_listed():
    """A modem that answers a bare OK while a call rings would otherwise end every call at once."""
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    assert answer(tracker, [], 1.0) is None and tracker.call is not None
    call = tracker.tick(9.1, T0 + timedelta(seconds=9.1))
    assert call is not None and call.end_signal == "ring-timeout"


def test_an_empty_list_is_believed_once_the_modem_has_listed_a_ringing_call():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    call = answer(tracker, [], 1.0, trusted=True)
    assert call is not None and call.end_signal == "AT+CLCC"


def test_a_ring_after_the_list_was_asked_for_outweighs_an_empty_list():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A), (5.0, "RING")])
    assert tracker.list_answer(listing([], asked_at=4.9, answered_at=5.1, trusted=True), T0) is None
    assert tracker.call is not None and tracker.call.rings == 2


def test_a_list_answer_after_the_call_ended_by_a_line_is_ignored():
    tracker = CallTracker(dialect_named("sim800"))
    [ended] = play(tracker, [(0, "RING"), (0.1, CLIP_A), (2, "NO CARRIER")])
    assert answer(tracker, [], 2.5, trusted=True) is None
    assert play(tracker, [(3, "NO CARRIER")]) == []            # and the late end line is still the same call


def test_another_caller_ringing_in_the_list_ends_the_first_and_starts_the_second():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    call = answer(tracker, ['+CLCC: 1,1,4,0,0,"+447911222333",145'], 1.0)
    assert call is not None and call.raw_number == "+447911123456" and call.end_signal == "AT+CLCC"
    assert tracker.call is not None and tracker.call.raw_number == "+447911222333" and tracker.call.listed


def test_data_calls_and_outgoing_calls_in_the_list_are_not_the_ringing_call():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    lines = ['+CLCC: 2,1,4,1,0,"+447911123456",145', '+CLCC: 1,0,0,0,0,"+447911123456",145']   # data; MO active
    call = answer(tracker, lines, 1.0, trusted=True)
    assert call is not None and not call.answered


def test_a_number_unknown_in_the_list_is_the_ringing_call():
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    play(tracker, [(0, "RING"), (0.1, CLIP_A)])
    assert answer(tracker, ["+CLCC: 1,1,4,0,0"], 1.0) is None and tracker.call.listed


def test_a_clcc_urc_of_a_ringing_call_counts_as_listed():
    tracker = CallTracker(dialect_named("sim800"), margin=3.0)
    play(tracker, [(0, '+CLCC: 1,1,4,0,0,"07911123456",129,""'), (0.1, "RING")])
    call = answer(tracker, [], 1.5)
    assert call is not None and call.end_signal == "AT+CLCC"


LIST_ANSWERS = st.lists(st.sampled_from([
    '+CLCC: 1,1,4,0,0,"07911123456",129', '+CLCC: 1,1,0,0,0,"07911123456",129', '+CLCC: 1,1,6,0,0,"07911123456",129',
    '+CLCC: 1,1,4,0,0,"07911222333",129', '+CLCC: 1,0,2,0,0,"0123456789",129', "+CLCC: 1,1,5,0,0"]), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.floats(0, 2), LINES), st.tuples(st.floats(0, 2), LIST_ANSWERS,
                                                                      st.booleans())), max_size=30))
def test_list_answers_never_make_more_calls_than_were_seen(steps):
    """Lines and call-list answers mixed at random: never more calls than ring bursts, orphan end
    lines and callers the lists named; nothing raises."""
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    at, ended, starts = 0.0, [], 0
    for step in steps:
        at += step[0]
        wall = T0 + timedelta(seconds=at)
        ticked = tracker.tick(at, wall)
        ended += [ticked] if ticked else []
        if isinstance(step[1], str):
            starts += step[1].startswith(("RING", "+CRING", "+CLIP", "+CLCC: 1,1,4", "MISSED_CALL", "+CLCC: 1,1,6"))
            done = tracker.feed(parse_urc(step[1]), at, wall)
        else:
            starts += sum(1 for text in step[1] if ",1,4," in text or ",1,5," in text)
            done = tracker.list_answer(listing(step[1], at, trusted=step[2]), wall)
        ended += [done] if done else []
    assert len(ended) <= starts
