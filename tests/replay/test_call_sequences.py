"""Whole captured calls → parse_urc → CallTracker: exactly one finished call, with the caller and
the end signal the source shows, or the fallback the dialect table promises.

The lines and their order are the source's; the times between them are ours: the ring intervals
MODEMS.md gives (Huawei about 5 s by its AT spec, 3–6 s elsewhere), 50 ms between a RING and its
+CLIP, 20 ms between two end lines printed together. The tracker is ticked every 0.5 s in between,
as the agent's loop does, so a fallback that fires too early would show.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.rules.call_tracker import CallTracker, MissedCall
from agent.modem.dialects import dialect_named
from agent.modem.link import take_lines
from agent.modem.urc import parse_urc
from tests.replay import section

T0 = datetime(2024, 6, 3, 10, 0, 0, tzinfo=timezone.utc)
TICK = 0.5


def replay(tracker: CallTracker, timed: list[tuple[float, str]], until: float) -> list[tuple[float, MissedCall]]:
    """Feed (monotonic time, line) pairs in order, ticking every TICK seconds until `until`."""
    finished: list[tuple[float, MissedCall]] = []
    clock = 0.0
    for at, text in [*timed, (until, None)]:
        while clock + TICK <= at:
            clock += TICK
            done = tracker.tick(clock, T0 + timedelta(seconds=clock))
            if done is not None:
                finished.append((clock, done))
        if text is None:
            break
        done = tracker.feed(parse_urc(text), at, T0 + timedelta(seconds=at))
        if done is not None:
            finished.append((at, done))
        clock = max(clock, at)
    return finished


def rings(lines: list[str], interval: float, count: int, clip_gap: float = 0.05) -> list[tuple[float, str]]:
    """A ring burst (RING/+CRING and its +CLIP, as captured) repeated `count` times, `interval` apart."""
    timed = []
    for n in range(count):
        for offset, text in enumerate(lines):
            timed.append((n * interval + offset * clip_gap, text))
    return timed


def test_quectel_manual_incoming_call_that_nobody_answers():
    # RING, ^DSCI 1,1,4 (incoming), RING, ^DSCI 1,1,6 (call end), NO CARRIER — Quectel manual §7.23
    ring1, incoming, ring2, end, no_carrier = section("quectel_manual_dsci", "incoming-call-not-answered")
    timed = [(0.0, ring1), (0.05, incoming), (5.0, ring2), (8.0, end), (8.02, no_carrier)]
    finished = replay(CallTracker(dialect_named("quectel")), timed, until=60.0)
    assert len(finished) == 1
    at, call = finished[0]
    assert at == 8.0                                           # ended by ^DSCI stat 6, not by a timeout
    assert (call.raw_number, call.toa, call.end_signal, call.rings, call.answered) == \
        ("13022100000", 129, "^DSCI", 2, False)


def test_huawei_crings_with_clip_then_cend():
    # python-gsmmodem HuaweiK3715: '+CRING: VOICE', '+CLIP: "+27820001234",145,,,,0' per ring, then '^CEND:1,5,29,16'
    burst = list(section("python_gsmmodem_fakemodems", "huawei-incoming-call"))
    cend = section("python_gsmmodem_fakemodems", "huawei-call-progress")[3]
    timed = rings(burst, interval=5.0, count=3) + [(12.0, cend)]
    finished = replay(CallTracker(dialect_named("huawei")), timed, until=60.0)
    assert len(finished) == 1
    at, call = finished[0]
    assert at == 12.0
    assert (call.raw_number, call.toa, call.validity, call.end_signal, call.rings) == \
        ("+27820001234", 145, 0, "^CEND", 3)


def test_wavecom_no_carrier_then_wind_6_is_one_call():
    # python-gsmmodem WavecomMultiband900E1800: +CRING/+CLIP (no optional fields), then 'NO CARRIER', '+WIND: 6,1'
    burst = list(section("python_gsmmodem_fakemodems", "wavecom-incoming-call"))
    no_carrier, wind6 = section("python_gsmmodem_fakemodems", "wavecom-call-progress")[2:]
    timed = rings(burst, interval=5.0, count=2) + [(8.0, no_carrier), (8.02, wind6)]
    finished = replay(CallTracker(dialect_named("wavecom")), timed, until=60.0)
    assert len(finished) == 1
    at, call = finished[0]
    assert at == 8.0
    assert (call.raw_number, call.toa, call.validity, call.end_signal, call.rings) == \
        ("+27820001234", 145, None, "NO CARRIER", 2)


def _zte_call() -> list[tuple[float, str]]:
    burst = list(section("python_gsmmodem_fakemodems", "zte-incoming-call"))
    hangup = section("python_gsmmodem_fakemodems", "zte-call-progress")[1]
    return rings(burst, interval=5.0, count=2) + [(7.0, hangup)]


def test_zte_call_ends_once_even_though_hangup_is_not_understood():
    # ZTE K3565-Z is no family of ours (generic, "silent"): the ring timeout must still end the call, once
    finished = replay(CallTracker(dialect_named("generic")), _zte_call(), until=60.0)
    assert len(finished) == 1
    assert (finished[0][1].raw_number, finished[0][1].rings) == ("+27820001234", 2)


def test_zte_call_ends_at_hangup():
    finished = replay(CallTracker(dialect_named("generic")), _zte_call(), until=60.0)
    assert [at for at, _ in finished] == [7.0]


def test_sim7600_crings_in_cr_cr_lf_frames_then_missed_call():
    # ModemManager simtech plugin: "\r\r\n+CRING: VOICE\r\r\n" per ring, "MISSED_CALL: 11:01AM 07712345678"
    # when the caller gives up (AT+CLIP was not on in that capture: the number comes only from MISSED_CALL)
    frame = section("modemmanager_simtech", "cring-framing")[0]
    missed = section("modemmanager_simtech", "missed-call")[0]
    buffer = bytearray()
    timed = []
    for n in range(3):
        buffer += frame
        timed += [(n * 6.0, text) for text in take_lines(buffer)]
    timed.append((16.0, missed))
    finished = replay(CallTracker(dialect_named("sim7600")), timed, until=60.0)
    assert len(finished) == 1
    at, call = finished[0]
    assert at == 16.0
    assert (call.raw_number, call.end_signal, call.rings, call.answered) == ("07712345678", "MISSED_CALL", 3, False)


def test_sim7600_answered_call_is_finished_as_answered():
    # ModemManager simtech: "VOICE CALL: BEGIN" when the call is answered, "VOICE CALL: END: 000041" after 41 s
    cring = section("modemmanager_simtech", "cring-framing")[1]
    begin, _, end = section("modemmanager_simtech", "voice-call")
    timed = [(0.0, take_lines(bytearray(cring))[0]), (3.0, begin), (44.0, end)]
    finished = replay(CallTracker(dialect_named("sim7600")), timed, until=90.0)
    assert len(finished) == 1
    at, call = finished[0]
    assert (at, call.end_signal, call.answered) == (44.0, "VOICE CALL: END", True)   # no text for an answered call


def test_generic_modem_burst_after_ok_ends_by_ring_timeout():
    # ModemManager test-at-serial-port: "\r\nOK\r\n\r\n+CIEV: 7,1\r\n\r\n+CRING: VOICE\r\n\r\n+CLIP: …" in one read,
    # then nothing: a generic modem may print nothing when the caller gives up
    lines = take_lines(bytearray(section("modemmanager_at_serial_port", "ok-then-incoming-call")[0]))
    urcs = [text for text in lines if text != "OK"]            # the OK answers the command in flight
    timed = [(n * 0.01, text) for n, text in enumerate(urcs)]
    tracker = CallTracker(dialect_named("generic"))
    finished = replay(tracker, timed, until=60.0)
    assert len(finished) == 1
    at, call = finished[0]
    assert (call.raw_number, call.toa, call.validity, call.end_signal) == ("+0123456789", 145, 0, "ring-timeout")
    assert 6.0 <= at <= 15.0                                   # after the 6 s default interval plus margin


def test_sim800l_clip_logged_before_ring_is_one_call():
    # vshymanskyy/TinyGSM#721: the log shows +CLIP, then RING; then the caller gave up (SIM800: NO CARRIER is
    # "commonly seen but not guaranteed", so nothing more here)
    clip, ring = section("issue_logs", "sim800l-clip")
    finished = replay(CallTracker(dialect_named("sim800")), [(0.0, clip), (0.05, ring)], until=60.0)
    assert len(finished) == 1
    assert (finished[0][1].raw_number, finished[0][1].end_signal) == ("+[my_phone_number]", "ring-timeout")

