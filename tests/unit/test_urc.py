"""The URC parser, fed lines captured from real modems (docs/modems.md), and anything at all."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from agent.events import (ModemRestarted, StorageFull, CallAnswered, CallEnded, CallerId, CallListed, Noise, Ring, SmsDelivered, SmsStored,
                          StatusReportDelivered, Unknown)
from agent.modem.urc import parse_urc


def test_ring_forms():
    assert parse_urc("RING") == Ring("RING")
    assert parse_urc("+CRING: VOICE") == Ring("+CRING")
    assert isinstance(parse_urc("+CRING: FAX"), Noise)


def test_clip_sim800_national_with_trailing_fields():
    assert parse_urc('+CLIP: "07700900123",129,"",0,"",0') == CallerId("07700900123", 129, 0)


def test_clip_huawei_empty_fields_and_withheld():
    assert parse_urc('+CLIP: "+8613800138000",145,,,,0') == CallerId("+8613800138000", 145, 0)
    assert parse_urc('+CLIP: "",128,,,,1') == CallerId("", 128, 1)


def test_clip_minimal():
    assert parse_urc('+CLIP: "+447911123456",145') == CallerId("+447911123456", 145, None)


def test_clcc_incoming_and_ended_sim800():
    assert parse_urc('+CLCC: 1,1,4,0,0,"+447911123456",145,""') == CallListed(1, True, 4, "+447911123456", 145, "+CLCC")
    assert parse_urc('+CLCC: 1,1,6,0,0,"+447911123456",145,""').stat == 6


def test_clcc_data_call_is_not_a_voice_call():
    assert isinstance(parse_urc('+CLCC: 1,0,0,1,0,"",128'), Noise)


def test_dsci_quectel_unquoted_number():
    event = parse_urc("^DSCI: 1,1,6,0,13022100000,129,0")
    assert event == CallListed(1, True, 6, "13022100000", 129, "^DSCI")


def test_missed_call_sim7600():
    assert parse_urc("MISSED_CALL: 11:01AM 07712345678") == CallEnded("MISSED_CALL", "07712345678", 129)
    assert parse_urc("MISSED_CALL: 01:46PM +447911123456") == CallEnded("MISSED_CALL", "+447911123456", 145)
    assert parse_urc("MISSED_CALL: 11:01AM") == CallEnded("MISSED_CALL", "", None)


def test_end_lines_of_each_family():
    assert parse_urc("NO CARRIER") == CallEnded("NO CARRIER")
    assert parse_urc("^CEND:1,0,104,16") == CallEnded("^CEND", cause=16)
    assert parse_urc("^CEND:1,0,104") == CallEnded("^CEND")
    assert parse_urc("VOICE CALL: END") == CallEnded("VOICE CALL: END")
    assert parse_urc("VOICE CALL: END: 000012") == CallEnded("VOICE CALL: END")
    assert parse_urc("+UCALLSTAT: 1,6") == CallEnded("+UCALLSTAT")
    assert parse_urc("VOICE CALL: BEGIN") == CallAnswered("VOICE CALL: BEGIN")
    assert parse_urc("+UCALLSTAT: 1,7") == CallAnswered("+UCALLSTAT")


def test_sms_notifications():
    assert parse_urc('+CMTI: "SM",3') == SmsStored("SM", 3)
    assert parse_urc('+CMTI: "ME",12') == SmsStored("ME", 12)
    assert parse_urc("+CMT: ,24", pdu="0791") == SmsDelivered("0791")
    assert parse_urc("+CDS: 25", pdu="0006") == StatusReportDelivered("0006")


def test_noise_of_each_family():
    for line in ("^RSSI:15", "^BOOT:20952548,0,0,0,72", "^MODE:5,4", "^SRVST:2", '+QIND: "csq",20,99'):
        assert isinstance(parse_urc(line), Noise), line


def test_start_up_lines_of_every_family_mean_a_reset():
    # SIM800 manual V1.09; ModemManager simtech/quectel plugins; Huawei ME909u guide; Wavecom +WIND
    for line in ("RDY", "+CPIN: READY", "Call Ready", "SMS Ready", "+QIND: SMS DONE", "+QIND: PB DONE", "PB DONE",
                 "SMS DONE", "+CFUN: 1", "^SYSSTART", "+WIND: 3", "+WIND: 4", "+QUSIM: 1", "APP RDY"):
        event = parse_urc(line)
        assert isinstance(event, ModemRestarted) and not event.power, line
    assert parse_urc("UNDER-VOLTAGE WARNNING") == ModemRestarted("UNDER-VOLTAGE WARNNING", power=True)
    assert parse_urc("UNDER-VOLTAGE POWER DOWN").power


def test_storage_full_notices():
    assert parse_urc('+QIND: "smsfull","SM"') == StorageFull("SM")
    assert parse_urc('^SMMEMFULL: "ME"') == StorageFull("ME")
    assert parse_urc('+CIEV: "SMSFULL",1') == StorageFull("SM")


def test_unknown_lines_are_unknown_not_errors():
    assert parse_urc("+FOO: 1,2") == Unknown("+FOO: 1,2")
    assert isinstance(parse_urc('+CLIP: "unterminated'), CallerId)
    assert isinstance(parse_urc("+CMTI: garbage"), Unknown)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_parses_without_exception(text):
    parse_urc(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["+CLIP:", "+CLCC:", "^DSCI:", "MISSED_CALL:", "+CMTI:", "+UCALLSTAT:", "^CEND:", "+CRING:"]),
       st.text())
def test_known_prefixes_with_any_tail_never_raise(prefix, tail):
    parse_urc(prefix + tail)


def test_missed_call_with_a_spaced_time():
    assert parse_urc("MISSED_CALL: 11:01 AM 07712345678") == CallEnded("MISSED_CALL", "07712345678", 129)
    assert parse_urc("MISSED_CALL: 07712345678") == CallEnded("MISSED_CALL", "07712345678", 129)
