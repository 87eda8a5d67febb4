"""Captured unsolicited lines → parse_urc: the event each one must be, per its source.

Every line is taken from tests/replay/transcripts (section() / line() check that it is there);
the expected values come from the source named in the transcript's header, or from 3GPP TS 27.007
where the source only shows the line.
"""

from __future__ import annotations

import pytest

from agent.events import (CallAnswered, CallEnded, CallerId, CallListed, Noise, Ring, SmsDelivered, SmsStored,
                          StatusReportDelivered, StatusReportStored, Unknown)
from agent.modem.link import take_lines
from agent.modem.urc import URC_PREFIXES, parse_urc
from tests.replay import line, section, sections

CALL_EVENTS = (Ring, CallerId, CallListed, CallEnded, CallAnswered)


def _text(raw: str | bytes) -> str:
    """A bytes capture holds one framed line: the line inside it (framing is test_framing's job)."""
    if isinstance(raw, bytes):
        lines = take_lines(bytearray(raw))
        assert len(lines) == 1, lines
        return lines[0]
    return raw


# ---- ringing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", section("modemmanager_simtech", "cring-framing"))
def test_simtech_cring_voice_in_both_framings(raw):
    # ModemManager test_cring_urc_two_crs / _one_cr: type "VOICE" in "\r\r\n+CRING: VOICE\r\r\n" and "\r\n…\r\n"
    assert parse_urc(_text(raw)) == Ring("+CRING")


@pytest.mark.parametrize("source, key", [
    ("python_gsmmodem_fakemodems", "huawei-incoming-call"),
    ("python_gsmmodem_fakemodems", "wavecom-incoming-call"),
    ("python_gsmmodem_fakemodems", "zte-incoming-call"),
])
def test_cring_voice_of_each_fake_modem_profile(source, key):
    assert parse_urc(line(source, key, "+CRING: VOICE")) == Ring("+CRING")


def test_plain_ring_and_its_frame():
    assert parse_urc(line("quectel_manual_dsci", "incoming-call-not-answered", "RING")) == Ring("RING")
    assert parse_urc(line("issue_logs", "sim800l-clip", "RING")) == Ring("RING")
    assert [parse_urc(text) for text in take_lines(bytearray(section("issue_logs", "ring-frame")[0]))] == [Ring("RING")]


# ---- caller ID -------------------------------------------------------------------------------

def test_clip_mandatory_fields_only():
    # ModemManager test_clip_indication: number "123456789", type 129
    assert parse_urc(line("modemmanager_helpers", "clip", '+CLIP: "123456789",129')) == CallerId("123456789", 129, None)
    # python-gsmmodem's Wavecom profile: '+CLIP: "{1}",{2}' — no optional fields at all
    assert parse_urc(line("python_gsmmodem_fakemodems", "wavecom-incoming-call", '+CLIP: "+27820001234",145')) \
        == CallerId("+27820001234", 145, None)


def test_clip_empty_optional_fields_then_cli_validity():
    # 27.007 §7.6: +CLIP: <number>,<type>[,<subaddr>,<satype>[,[<alpha>][,<CLI validity>]]]; 0 = CLI valid
    assert parse_urc(line("modemmanager_helpers", "clip", '+CLIP: "123456789",129,,,,0')) \
        == CallerId("123456789", 129, 0)
    for key in ("huawei-incoming-call", "zte-incoming-call"):
        assert parse_urc(line("python_gsmmodem_fakemodems", key, '+CLIP: "+27820001234",145,,,,0')) \
            == CallerId("+27820001234", 145, 0)
    burst = take_lines(bytearray(section("modemmanager_at_serial_port", "ok-then-incoming-call")[0]))
    assert parse_urc(burst[-1]) == CallerId("+0123456789", 145, 0)


def test_clip_sim800_quoted_empty_subaddress_and_alpha():
    # vshymanskyy/TinyGSM#721, a SIM800L; the reporter redacted the number as "+[my_phone_number]"
    text = line("issue_logs", "sim800l-clip", '+CLIP: "+[my_phone_number]",145,"",0,"",0')
    assert parse_urc(text) == CallerId("+[my_phone_number]", 145, 0)


# ---- call lists (+CLCC) ----------------------------------------------------------------------

def test_simtech_clcc_urcs():
    # ModemManager test_clcc_urc_single / _multiple / _complex: index, direction, state, number
    assert parse_urc(line("modemmanager_simtech", "clcc-urc-single", '+CLCC: 1,1,0,0,0,"123456789",161')) \
        == CallListed(1, True, 0, "123456789", 161, "+CLCC")
    multiple = [parse_urc(text) for text in section("modemmanager_simtech", "clcc-urc-multiple")]
    assert multiple == [CallListed(1, True, 0, "", None, "+CLCC"),           # "number unknown"
                        CallListed(2, True, 0, "123456789", 161, "+CLCC"),
                        CallListed(3, True, 0, "987654321", 161, "+CLCC")]   # alpha "Alice" ignored
    complex_ = [parse_urc(text) for text in section("modemmanager_simtech", "clcc-urc-complex")]
    assert complex_[1:3] == [CallListed(1, True, 0, "123456789", 161, "+CLCC"),
                             CallListed(2, True, 5, "987654321", 161, "+CLCC")]   # 5 = waiting
    assert not isinstance(complex_[0], CALL_EVENTS) and not isinstance(complex_[3], CALL_EVENTS)   # ^CIEV: 1,0


def test_clcc_answer_forms():
    # ModemManager test_clcc_response_single_long: ringing-in (4), empty priority field
    text = line("modemmanager_helpers", "clcc-response-single-long", '+CLCC: 1,1,4,0,0,"123456789",129,"",,0')
    assert parse_urc(text) == CallListed(1, True, 4, "123456789", 129, "+CLCC")
    # test_clcc_response_multiple: multiparty calls, alpha and priority fields; 5 is waiting
    listed = [parse_urc(text) for text in section("modemmanager_helpers", "clcc-response-multiple")]
    assert [(e.call_index, e.incoming, e.stat, e.number) for e in listed] == [
        (1, True, 0, ""), (2, True, 0, "123456789"), (3, True, 0, "987654321"), (4, True, 0, "000000000"),
        (5, True, 5, "555555555")]
    # asterisk-chan-dongle test_parse_clcc: {index 1, dir 1, stat 4, mode 0, mpty 0, number, type 145}
    assert parse_urc(line("chan_dongle_parse", "clcc", '+CLCC: 1,1,4,0,0,"",145')) \
        == CallListed(1, True, 4, "", 145, "+CLCC")
    assert parse_urc(line("chan_dongle_parse", "clcc", '+CLCC: 1,1,4,0,0,"+79139131234",145')) \
        == CallListed(1, True, 4, "+79139131234", 145, "+CLCC")
    # python-gsmmodem ZTE/Qualcomm dial answers: an outgoing call dialling (2), then active (0)
    dialled = [parse_urc(text) for text in section("python_gsmmodem_fakemodems", "zte-clcc-answers")]
    assert [(e.incoming, e.stat, e.number, e.toa) for e in dialled] == [(False, 2, "0123456789", 129),
                                                                         (False, 0, "0123456789", 129)]


def test_clcc_voice_mode_0_is_a_call():
    assert parse_urc(line("modemmanager_helpers", "clcc-voice-modes", '+CLCC: 1,1,4,0,0,"987654321",161')) \
        == CallListed(1, True, 4, "987654321", 161, "+CLCC")


@pytest.mark.parametrize("text", section("modemmanager_helpers", "clcc-voice-modes")[1:])
def test_clcc_voice_modes_3_to_5_are_calls(text):
    # ModemManager test_clcc_response_ignore_non_voice keeps indexes 4, 5, 6 as RINGING_IN with these numbers
    event = parse_urc(text)
    assert isinstance(event, CallListed) and event.incoming and event.stat == 4


@pytest.mark.parametrize("text", section("modemmanager_helpers", "clcc-non-voice-modes"))
def test_clcc_data_and_fax_calls_are_not_voice_calls(text):
    # ModemManager skips <mode> 1, 2, 6, 7, 8, 9 ("data mode, skip", "fax data, skip", "unknown mode, skip")
    assert not isinstance(parse_urc(text), CallListed)


def test_quectel_volte_clcc_lines():
    # Quectel manual: the PS bearer of a VoLTE session is listed with <mode> 1 — not a voice call
    assert not isinstance(parse_urc(line("quectel_manual_dsci", "clcc-volte", '+CLCC: 2,1,0,1,0,"",128')), CallListed)
    assert parse_urc(line("quectel_manual_dsci", "clcc-volte", '+CLCC: 1,0,1,0,0,"13866783782",129')) \
        == CallListed(1, False, 1, "13866783782", 129, "+CLCC")                  # held
    assert parse_urc(line("quectel_manual_dsci", "clcc-volte", '+CLCC: 5,0,0,0,0,"sip:mmtel",128')) \
        == CallListed(5, False, 0, "sip:mmtel", 128, "+CLCC")


# ---- ^DSCI (Quectel) -------------------------------------------------------------------------

def test_quectel_dsci_incoming_then_end():
    # ^DSCI: <id>,<dir>,<stat>,<type>,<number>,<num_type>,<tone_info>: 4 = CALL_INCOMING, 6 = CALL_END
    call = section("quectel_manual_dsci", "incoming-call-not-answered")
    assert parse_urc(call[1]) == CallListed(1, True, 4, "13022100000", 129, "^DSCI")
    assert parse_urc(call[3]) == CallListed(1, True, 6, "13022100000", 129, "^DSCI")


def test_quectel_dsci_outgoing_call_states():
    states = [parse_urc(text) for text in section("quectel_manual_dsci", "outgoing-call")]
    assert [(e.incoming, e.stat, e.number) for e in states] == [(False, 2, "10086"), (False, 7, "10086"),
                                                                 (False, 3, "10086"), (False, 6, "10086")]


# ---- SIMCom SIM7600 end lines ----------------------------------------------------------------

def test_simtech_voice_call_begin_and_end():
    # ModemManager test_voice_call_*_urc: BEGIN = start (answered), END / END: 000041 = stop
    begin, end, end_duration = section("modemmanager_simtech", "voice-call")
    assert parse_urc(begin) == CallAnswered("VOICE CALL: BEGIN")
    assert parse_urc(end) == CallEnded("VOICE CALL: END")
    assert parse_urc(end_duration) == CallEnded("VOICE CALL: END")


def test_simtech_missed_call_names_the_caller():
    # ModemManager test_missed_call_urc: details "11:01AM 07712345678"
    event = parse_urc(line("modemmanager_simtech", "missed-call", "MISSED_CALL: 11:01AM 07712345678"))
    assert isinstance(event, CallEnded) and event.signal == "MISSED_CALL" and event.number == "07712345678"


# ---- Huawei ^ORIG / ^CONF / ^CONN / ^CEND ----------------------------------------------------

def test_huawei_call_progress():
    orig, conf, conn, cend = section("python_gsmmodem_fakemodems", "huawei-call-progress")
    # ^ORIG (call originated) and ^CONF (ringback) are about an outgoing call: neither rings nor ends one
    assert not isinstance(parse_urc(orig), (Ring, CallEnded, CallAnswered, CallerId))
    assert not isinstance(parse_urc(conf), (Ring, CallEnded, CallAnswered, CallerId))
    assert parse_urc(conn) == CallAnswered("^CONN")          # python-gsmmodem: _handleCallAnswered
    assert parse_urc(cend) == CallEnded("^CEND", cause=16)   # python-gsmmodem: _handleCallEnded; 16 normal clearing


# ---- Wavecom +WIND, ZTE CONNECT / HANGUP -----------------------------------------------------

def test_wavecom_wind_call_setup_lines_are_not_rings_or_ends():
    # "+WIND: 5 == indication of call", "+WIND: 2 == remote party is ringing" (an outgoing call)
    for text in ("+WIND: 5,1", "+WIND: 2"):
        event = parse_urc(line("python_gsmmodem_fakemodems", "wavecom-call-progress", text))
        assert not isinstance(event, (Ring, CallEnded, CallAnswered, CallerId))


def test_wavecom_no_carrier():
    text = line("python_gsmmodem_fakemodems", "wavecom-call-progress", "NO CARRIER")
    assert parse_urc(text) == CallEnded("NO CARRIER")


def test_wavecom_wind_6_ends_the_call():
    assert isinstance(parse_urc(line("python_gsmmodem_fakemodems", "wavecom-call-progress", "+WIND: 6,1")), CallEnded)


def test_zte_connect_is_an_answer():
    assert parse_urc(line("python_gsmmodem_fakemodems", "zte-call-progress", "CONNECT")) == CallAnswered("CONNECT")


def test_zte_hangup_ends_the_call():
    text = line("python_gsmmodem_fakemodems", "zte-call-progress", "HANGUP: 1")
    assert isinstance(parse_urc(text), CallEnded) and text.startswith(URC_PREFIXES)


# ---- Quectel NO CARRIER, call waiting --------------------------------------------------------

def test_no_carrier_after_dsci_end():
    assert parse_urc(line("quectel_manual_dsci", "incoming-call-not-answered", "NO CARRIER")) == CallEnded("NO CARRIER")


@pytest.mark.parametrize("text", section("modemmanager_helpers", "ccwa"))
def test_call_waiting_is_not_taken_for_a_ring_or_an_end(text):
    # +CCWA: <number>,<type>,<class> — a second caller while a call is up (ModemManager test_ccwa_indication)
    assert not isinstance(parse_urc(text), (Ring, CallEnded, CallAnswered, CallListed))


# ---- start-up lines --------------------------------------------------------------------------

STARTUP = [
    ("issue_logs", "sim7600-boot-after-power-cut"),      # RDY, +CPIN: READY, SMS DONE, PB DONE
    ("issue_logs", "sim800l-sms-ready"),                 # +CPIN: READY, Call Ready, SMS Ready
    ("issue_logs", "sim800l-tcall-ready"),
    ("modemmanager_simtech", "startup-ignored"),         # PB DONE, SMS DONE
]


@pytest.mark.parametrize("text", [text for source, key in STARTUP for text in section(source, key)])
def test_startup_lines_are_known_and_not_call_events(text):
    event = parse_urc(text)
    assert not isinstance(event, (*CALL_EVENTS, Unknown)), event
    assert text.startswith(URC_PREFIXES)      # never folded into a command's reply


def test_startup_lines_from_a_raw_uart_dump():
    # espressif/esp-protocols#789: a SIM7600 boot as two UART reads, the second ending inside "SMS DONE"
    buffer = bytearray()
    seen = []
    for chunk in section("issue_logs", "sim7600-boot-uart-rx"):
        buffer += chunk
        seen += take_lines(buffer)
    assert seen == ["RDY", "+CPIN: READY"]
    assert all(not isinstance(parse_urc(text), (*CALL_EVENTS, Unknown)) for text in seen)


# ---- storage and delivery --------------------------------------------------------------------

def test_cmti_storages_and_indexes():
    # ModemManager test-at-serial-port: "+CMTI: \"ME\",1" after an OK
    burst = take_lines(bytearray(section("modemmanager_at_serial_port", "ok-then-cmti")[0]))
    assert parse_urc(burst[-1]) == SmsStored("ME", 1)
    # python-gsmmodem TestSms: (mem, index) pairs ('SM', 1), ('SM', 4), ('ME', 13)
    assert [parse_urc(text) for text in section("python_gsmmodem_tests", "storage-urcs")[:3]] == [
        SmsStored("SM", 1), SmsStored("SM", 4), SmsStored("ME", 13)]
    # asterisk-chan-dongle test_parse_cmti: index 41, and 111 from the storage-less "+CMTI: 0,111"
    assert parse_urc(line("chan_dongle_parse", "cmti", '+CMTI: "ME",41')) == SmsStored("ME", 41)
    event = parse_urc(line("chan_dongle_parse", "cmti", "+CMTI: 0,111"))
    assert isinstance(event, SmsStored) and event.index == 111
    # gammu tests/atgen/smsd-incoming-cmti.c
    assert [parse_urc(text) for text in take_lines(bytearray(section("gammu_tests", "atgen-events")[2]))] == [
        SmsStored("SM", 1)]


def test_cdsi():
    assert [parse_urc(text) for text in section("python_gsmmodem_tests", "storage-urcs")[3:]] == [
        StatusReportStored("SM", 3), StatusReportStored("SM", 1)]


def test_cmt_and_cds_with_their_pdu_line():
    # gammu tests/atgen: "+CMT: ,23\r<pdu>\r" and "+CDS:25\r<pdu>\r" (no space after the colon)
    cmt, cds, _ = section("gammu_tests", "atgen-events")
    header, pdu = take_lines(bytearray(cmt))
    assert parse_urc(header, pdu) == SmsDelivered(pdu="07918497483252F0840B918496445078F700007121320144744004D4F29C0E")
    header, pdu = take_lines(bytearray(cds))
    assert parse_urc(header, pdu) == StatusReportDelivered(
        pdu="07914875215652F006360B914892347527F3817003018104808170030181448000")
    # ModemManager test_parse_cds: <CR><LF>+CDS: 24<CR><LF><pdu><CR><LF>
    header, pdu = take_lines(bytearray(section("modemmanager_helpers", "cds")[0]))
    assert header == "+CDS: 24"
    assert parse_urc(header, pdu) == StatusReportDelivered(
        pdu="07914356060013F1065A098136395339F6219011700463802190117004638030")


# ---- noise -----------------------------------------------------------------------------------

NOISE = [
    ("modemmanager_huawei", "hcsq"),
    ("modemmanager_huawei", "nwtime"),
    ("modemmanager_helpers", "creg-unsolicited"),
    ("modemmanager_helpers", "cgreg-cereg-c5greg-unsolicited"),
]


@pytest.mark.parametrize("text", [t for source, key in NOISE for t in section(source, key)
                                  if not t.startswith("+C5GREG")])
def test_registration_and_signal_urcs_are_noise(text):
    assert isinstance(parse_urc(text), Noise)


@pytest.mark.parametrize("raw", section("modemmanager_huawei", "mode-framing"))
def test_huawei_mode_in_both_framings_is_noise(raw):
    assert isinstance(parse_urc(_text(raw)), Noise)


def test_ciev_after_ok_is_noise():
    burst = take_lines(bytearray(section("modemmanager_at_serial_port", "ok-then-incoming-call")[0]))
    assert burst[1] == "+CIEV: 7,1" and isinstance(parse_urc(burst[1]), Noise)


@pytest.mark.parametrize("text", [
    *section("modemmanager_huawei", "ndisstat"), *section("modemmanager_huawei", "sysinfo"),
    *[t for t in section("modemmanager_helpers", "cgreg-cereg-c5greg-unsolicited") if t.startswith("+C5GREG")],
    *[_text(raw) for raw in section("modemmanager_simtech", "rxdtmf-framing")],
    line("modemmanager_simtech", "clcc-urc-complex", "^CIEV: 1,0"),
])
def test_other_vendor_lines_are_never_call_events(text):
    assert not isinstance(parse_urc(text), CALL_EVENTS)


# ---- the parser and the router agree ---------------------------------------------------------

def _all_text_lines():
    for name in ("modemmanager_simtech", "modemmanager_huawei", "quectel_manual_dsci", "issue_logs",
                 "python_gsmmodem_fakemodems"):
        for key, lines in sections(name).items():
            if "identity" in key or "cpin" in key or "cpms" in key or "clcc-answers" in key:
                continue          # command answers, not unsolicited lines
            for raw in lines:
                if isinstance(raw, bytes):
                    yield from take_lines(bytearray(raw))
                else:
                    yield raw


def test_every_recognised_urc_is_routed_as_one():
    """A line parse_urc understands must also start with one of URC_PREFIXES, or the link folds it
    into the reply of whatever command is in flight (python-gsmmodem's bug, babca#47)."""
    recognised = {text for text in _all_text_lines() if not isinstance(parse_urc(text), Unknown)}
    assert len(recognised) > 20
    assert [text for text in sorted(recognised) if not text.startswith(URC_PREFIXES)] == []
