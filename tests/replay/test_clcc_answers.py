"""Captured AT+CLCC answers → Modem.call_list → CallTracker.list_answer: what a modem's call list
says about the call that rings, per its source.

The answers come from tests/replay/transcripts (section() / line() check they are there):
ModemManager's +CLCC parser tests (src/tests/test-modem-helpers.c @ 9a2d586, test_clcc_response_*),
asterisk-chan-dongle's (test/parse.c test_parse_clcc, Huawei dongles), Quectel's manual (the VoLTE
answer with its PS bearer) and python-gsmmodem's ZTE profile. Two SIMCom lines that no transcript
holds are quoted below with their sources. Modem.call_list is the real code, fed through a fake of
the transport only (as in test_answers.py); the times between lines are ours.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.config import ModemConfig
from agent.errors import CommandError
from agent.events import CallListed
from agent.modem.dialects import dialect_named
from agent.modem.link import take_lines
from agent.modem.modem import Modem
from agent.modem.urc import parse_urc
from agent.rules.call_tracker import LIST_SIGNAL, CallListing, CallTracker
from tests.replay import line, section

T0 = datetime(2024, 6, 3, 10, 0, 0, tzinfo=timezone.utc)

# docs/modems.md "SIMCom SIM800 / SIM900 — End of an unanswered call": a SIMCom trace quoted in a
# comment of a SIMCom EAT application (app_at_cmd_envelope.c), AT+CLCC=1 on; the caller gave up.
SIMCOM_TRACE = ('+CLCC: 1,1,4,0,0,"13320984483",129,""', "RING", "RING", "RING",
                '+CLCC: 1,1,6,0,0,"13320984483",129,""', "NO CARRIER")


class FakeLink:
    """The transport, faked: AT+CLCC → the information lines of a captured answer, or an error."""

    port = "/dev/replay"

    def __init__(self, *answers: list[str] | Exception):
        self.answers = list(answers)
        self.sent: list[str] = []
        self.expect_no_echo = False
        self.echo_seen = False

    def command(self, command: str, timeout: float | None = None) -> list[str]:
        self.sent.append(command)
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


def call_list(*answers: list[str] | Exception) -> tuple[Modem, FakeLink]:
    link = FakeLink(*answers)
    return Modem(link, ModemConfig()), link


# ---- the answers, parsed ---------------------------------------------------------------------------

def test_an_empty_answer_is_no_call():
    # ModemManager test_clcc_response_empty: the response "\r\n" (a bare OK) holds no call
    modem, link = call_list(take_lines(bytearray(b"\r\n")))
    assert modem.call_list() == [] and link.sent == ["AT+CLCC"]
    assert modem.call_list_works is True and modem.lists_ringing_calls is False


def test_a_ringing_call_with_an_empty_priority_field():
    text = line("modemmanager_helpers", "clcc-response-single-long", '+CLCC: 1,1,4,0,0,"123456789",129,"",,0')
    modem, _ = call_list([text])
    assert modem.call_list() == [CallListed(1, True, 4, "123456789", 129, "+CLCC")]
    assert modem.lists_ringing_calls      # from now on an empty list is believed


def test_multiparty_answer_with_alpha_and_priority_fields():
    modem, _ = call_list(list(section("modemmanager_helpers", "clcc-response-multiple")))
    calls = modem.call_list()
    assert [(c.call_index, c.stat, c.number) for c in calls] == [
        (1, 0, ""), (2, 0, "123456789"), (3, 0, "987654321"), (4, 0, "000000000"), (5, 5, "555555555")]
    assert modem.lists_ringing_calls      # index 5 is waiting (stat 5)


def test_only_voice_calls_are_listed():
    # ModemManager test_clcc_response_ignore_non_voice keeps <mode> 0, 3, 4, 5 and skips the rest
    answer = list(section("modemmanager_helpers", "clcc-voice-modes")) + \
        list(section("modemmanager_helpers", "clcc-non-voice-modes"))
    modem, _ = call_list(answer)
    assert [c.call_index for c in modem.call_list()] == [1, 4, 5, 6]


def test_huawei_dongle_ringing_call_with_and_without_a_number():
    modem, _ = call_list(list(section("chan_dongle_parse", "clcc")))
    assert modem.call_list() == [CallListed(1, True, 4, "", 145, "+CLCC"),
                                 CallListed(1, True, 4, "+79139131234", 145, "+CLCC")]


def test_quectel_volte_answer_drops_the_ps_bearer():
    modem, _ = call_list(list(section("quectel_manual_dsci", "clcc-volte")))
    assert [(c.call_index, c.incoming, c.stat) for c in modem.call_list()] == [(1, False, 1), (5, False, 0)]
    assert not modem.lists_ringing_calls


def test_outgoing_calls_are_not_incoming_ones():
    modem, _ = call_list(list(section("python_gsmmodem_fakemodems", "zte-clcc-answers")))
    assert all(not c.incoming for c in modem.call_list())


def test_a_modem_without_a_call_list_is_asked_once_per_set_up():
    modem, link = call_list(CommandError("AT+CLCC", "ERROR", None))
    assert modem.call_list() is None and modem.call_list() is None
    assert link.sent == ["AT+CLCC"] and modem.call_list_works is False


def test_a_cme_error_is_no_call_list_too():
    modem, link = call_list(CommandError("AT+CLCC", "CME", 100))
    assert modem.call_list() is None and link.sent == ["AT+CLCC"]


# ---- the answers, through the tracker -----------------------------------------------------------

def answered_by(modem: Modem, asked_at: float) -> CallListing:
    calls = modem.call_list()
    assert calls is not None
    return CallListing(tuple(calls), asked_at, asked_at + 0.02, trusted=modem.lists_ringing_calls)


def feed(tracker: CallTracker, timed: list[tuple[float, str]]) -> list:
    ended = []
    for at, text in timed:
        done = tracker.feed(parse_urc(text), at, T0 + timedelta(seconds=at))
        ended += [done] if done else []
    return ended


def test_a_silent_modem_call_ends_when_it_leaves_the_list():
    # ModemManager's burst of an incoming call right after an OK (test-at-serial-port.c), on a
    # generic modem that prints nothing at the end; chan_dongle's ringing-call answer, then the empty
    # answer: the call is over 1.5 s after the list lost it, not after the 6 s interval plus margin
    urcs = [text for text in take_lines(bytearray(section("modemmanager_at_serial_port", "ok-then-incoming-call")[0]))
            if text != "OK"]
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    assert feed(tracker, [(n * 0.01, text) for n, text in enumerate(urcs)]) == []
    ringing = line("chan_dongle_parse", "clcc", '+CLCC: 1,1,4,0,0,"",145')     # number unknown: this call
    modem, _ = call_list([ringing], take_lines(bytearray(b"\r\n")))
    assert tracker.list_answer(answered_by(modem, 1.0), T0 + timedelta(seconds=1.02)) is None
    call = tracker.list_answer(answered_by(modem, 2.0), T0 + timedelta(seconds=2.02))
    assert call is not None and call.end_signal == LIST_SIGNAL
    assert (call.raw_number, call.toa, call.validity, call.answered) == ("+0123456789", 145, 0, False)
    assert tracker.deadline() is None


def test_an_answered_call_in_the_list_is_not_a_missed_call():
    # ModemManager: +CLIP "123456789",129 rings; the list shows that caller's call active (stat 0)
    clip = line("modemmanager_helpers", "clip", '+CLIP: "123456789",129')
    active = line("modemmanager_helpers", "clcc-response-single", '+CLCC: 1,1,0,0,0,"123456789",161')
    tracker = CallTracker(dialect_named("generic"), margin=3.0)
    feed(tracker, [(0.0, "RING"), (0.05, clip)])
    modem, _ = call_list([active], [])
    assert tracker.list_answer(answered_by(modem, 1.0), T0) is None
    assert tracker.tick(60.0, T0 + timedelta(seconds=60)) is None          # answered calls never time out
    call = tracker.list_answer(CallListing((), 61.0, 61.02), T0 + timedelta(seconds=61))
    assert call is not None and call.answered


@pytest.mark.parametrize("in_the_answer", [True, False])
def test_simcom_stat_6_ends_the_call_once_whether_it_comes_in_a_poll_answer_or_as_a_line(in_the_answer):
    # With AT+CLCC=1 the stat-6 line is a URC; when it arrives while our AT+CLCC is being answered the
    # serial link gives it to that command (a query owns its prefix's lines), so it comes in the
    # answer. Either way: one call, and the NO CARRIER after it is the same call.
    incoming, ring1, ring2, ring3, released, no_carrier = SIMCOM_TRACE
    tracker = CallTracker(dialect_named("sim800"), margin=3.0)
    ended = feed(tracker, [(0.0, incoming), (0.1, ring1), (5.1, ring2), (10.1, ring3)])
    if in_the_answer:
        modem, _ = call_list([released])
        done = tracker.list_answer(answered_by(modem, 12.0), T0 + timedelta(seconds=12))
        ended += [done] if done else []
    else:
        ended += feed(tracker, [(12.0, released)])
    ended += feed(tracker, [(12.05, no_carrier)])
    assert len(ended) == 1
    assert ended[0].raw_number == "13320984483" and ended[0].rings == 3
    assert ended[0].end_signal == (LIST_SIGNAL if in_the_answer else "+CLCC")
