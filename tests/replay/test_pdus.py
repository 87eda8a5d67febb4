"""Real SMS PDUs → decode_pdu: sender, text, time stamp (in UTC) and parts, as each source states.

Time stamps: a source's local time and zone (ModemManager "2011-02-28T11:50:50-05", oFono's
timezone in quarter hours, python-gsmmodem's SimpleOffsetTzInfo hours) converted to UTC here.
Where a source only shows the PDU (gammu's atgen events, oFono's assembly parts), the values are
read from its octets by hand with 3GPP TS 23.040 (§9.2.2, §9.2.3.11, §9.2.3.24.1) and the
derivation is written next to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.modem.link import take_lines
from agent.sms.pdu import Deliver, PduError, StatusReport, Submit, decode_pdu
from tests.replay import section


def utc(*args, hours: float = 0) -> datetime:
    """A local time stamp with its zone offset (hours), as UTC."""
    return (datetime(*args, tzinfo=timezone(timedelta(hours=hours)))).astimezone(timezone.utc)


def _deliver(pdu: str) -> Deliver:
    sms = decode_pdu(pdu)
    assert isinstance(sms, Deliver), sms
    return sms


# ---- ModemManager src/tests/test-sms-part-3gpp.c ---------------------------------------------

MM = "modemmanager_sms_part"

MM_DELIVERS = [
    # (section, smsc, number, time stamp, text) — straight from common_test_part_from_pdu's arguments
    ("test_pdu1", "+12404492164", "+16175927198", utc(2011, 2, 28, 11, 50, 50, hours=-5),
     "Here's a longer message [{with some extended characters}] thrown in, such as £ and ΩΠΨ and §¿ as well."),
    ("test_pdu2", "+79037011111", "InternetSMS", utc(2011, 3, 29, 19, 20, 4, hours=4), "тест"),
    ("test_pdu3", "+12345678901", "+18005551212", utc(2011, 1, 1, 12, 34, 56), "hellohello"),
    ("test_pdu3_natl", "+12345678901", "18005551212", utc(2011, 1, 1, 12, 34, 56), "hellohello"),
    ("test_pdu_dcsf1", "+33609001390", "1800", utc(2011, 6, 24, 13, 8, 15, hours=2),
     "Info SFR - Confidentiel, à ne jamais transmettre -\r\nVoici votre nouveau mot de passe : sw2ced pour gérer "
     "votre compte SFR sur www.sfr.fr ou par téléphone au 963"),
    ("test_pdu_udhi", "+31653131316", "1002", utc(2011, 6, 29, 23, 32, 19, hours=2),
     "Welkom, bel om uw Voicemail te beluisteren naar +31612001233 (PrePay: *100*1233#). Voicemail ontvangen is "
     "altijd gratis. Voor gebruik van mobiel interne"),
]


@pytest.mark.parametrize("key, smsc, number, sent_at, text", MM_DELIVERS, ids=[row[0] for row in MM_DELIVERS])
def test_modemmanager_delivers(key, smsc, number, sent_at, text):
    sms = _deliver(section(MM, key)[0])
    assert (sms.smsc, sms.sender, sms.sent_at, sms.text) == (smsc, number, sent_at, text)


def test_modemmanager_udhi_is_a_part_of_a_longer_text():
    # expected_multipart TRUE (KPN's welcome message is cut at "interne")
    assert _deliver(section(MM, "test_pdu_udhi")[0]).concat is not None


def test_modemmanager_multipart_pair():
    first, second = (_deliver(pdu) for pdu in section(MM, "test_pdu_multipart"))
    assert (first.smsc, first.sender, first.sent_at) == (
        "+12063130025", "+16175046925", utc(2012, 4, 25, 19, 56, 50, hours=-4))
    assert (second.smsc, second.sender, second.sent_at) == (
        "+12063130026", "+16175046925", utc(2012, 4, 25, 19, 56, 51, hours=-4))
    assert first.text == ("This is a very long test designed to exercise multi part capability. It should show up as "
                          "one message, not as two, as the underlying encoding represents ")
    assert second.text == "that the parts are related to one another. "
    # UDH 05 00 03 4C 02 01 / … 02 02: 8-bit reference 0x4C, 2 parts (23.040 §9.2.3.24.1)
    assert (first.concat.ref, first.concat.total, first.concat.seq) == (0x4C, 2, 1)
    assert (second.concat.ref, second.concat.total, second.concat.seq) == (0x4C, 2, 2)


@pytest.mark.parametrize("key", ["test_pdu3_8bit", "test_pdu_dcsf_8bit"])
def test_modemmanager_8bit_data_is_not_text(key):
    # ModemManager expects no text, only the 10 data octets E8 32 9B FD 46 97 D9 EC 37 DE
    sms = _deliver(section(MM, key)[0])
    assert sms.encoding == "8-bit"
    assert (sms.sender, sms.sent_at) == ("+18005551212", utc(2011, 1, 1, 12, 34, 56))


def test_modemmanager_submit_stored_by_us():
    sms = decode_pdu(section(MM, "test_pdu_stored_by_us")[0])
    assert isinstance(sms, Submit)
    assert (sms.number, sms.text) == ("639337937", "你好你好你好你好你好你好你好你好你")


def test_modemmanager_status_report():
    report = decode_pdu(section(MM, "test_pdu_not_stored")[0])
    assert isinstance(report, StatusReport)
    assert report.recipient == "639337937"
    # ModemManager's timestamp 2012-09-11T07:40:36+02 is the SCTS; TP-DT holds the same seven octets here
    assert report.discharged_at == utc(2012, 9, 11, 7, 40, 36, hours=2)
    # TP-ST 0x30: "temporary error, SC still trying" (23.040 §9.2.3.15, 0x20-0x3F): not delivered, not final
    assert (report.status, report.delivered, report.final) == (0x30, False, False)


@pytest.mark.parametrize("pdu", section(MM, "invalid"))
def test_modemmanager_invalid_pdus_are_refused(pdu):
    # common_test_invalid_pdu: insufficient data, no address, wrong address size, wrong UD size, wrong UDH
    with pytest.raises(PduError):
        decode_pdu(pdu)


# ---- python-gsmmodem test/test_pdu.py TestSmsPdu.test_decode ---------------------------------

PGM = section("python_gsmmodem_tests", "test-pdu-decode")


def test_python_gsmmodem_delivers():
    first = _deliver(PGM[0])
    assert (first.smsc, first.sender, first.sent_at, first.text) == (
        "+2782913593", "+27821234567", utc(2013, 3, 8, 15, 2, 16, hours=2), "Test2")
    hong_kong = _deliver(PGM[1])
    assert (hong_kong.smsc, hong_kong.sender, hong_kong.sent_at, hong_kong.text) == (
        "+85290000000", "+85291234567", utc(2007, 4, 12, 23, 25, 42, hours=8),
        "It is easy to read text messages via AT commands.")
    assert (_deliver(PGM[2]).sender, _deliver(PGM[2]).text) == ("+27821234567", "@{tést}!")
    airtime = _deliver(PGM[5])
    assert (airtime.sender, airtime.smsc, airtime.text) == (
        "2781188", "+2781191", "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ")
    assert (airtime.concat.ref, airtime.concat.total, airtime.concat.seq) == (0xC3, 1, 1)   # Concatenation C3 01 01
    megafon = _deliver(PGM[11])
    assert (megafon.smsc, megafon.sender, megafon.sent_at, megafon.text) == (
        "+79262000331", "Megafon", utc(2014, 5, 27, 14, 1, 48, hours=4),
        "SMS code: 4856, confirmation of association between account and Meg")


def test_python_gsmmodem_submits():
    cases = {3: ("+31628870634", "www.diafaan.com"), 6: ("+34616585119", "あ叶葉"),
             8: ("+27821234567", "Hello world!")}
    for index, (number, text) in cases.items():
        sms = decode_pdu(PGM[index])
        assert isinstance(sms, Submit) and (sms.number, sms.text) == (number, text), index
    assert decode_pdu(PGM[9]).text == "Timestamp validity test"


def test_python_gsmmodem_status_reports():
    report = decode_pdu(PGM[4])
    assert isinstance(report, StatusReport) and (report.recipient, report.message_ref) == ("+31628870634", 214)
    # "Semi-invalid status report PDU captured from a ZTE modem": reference 28, discharge 14:29:31 +02
    zte = decode_pdu(PGM[10])
    assert isinstance(zte, StatusReport)
    assert (zte.message_ref, zte.discharged_at) == (28, utc(2013, 7, 26, 14, 29, 31, hours=2))


# ---- oFono unit/test-sms.c -------------------------------------------------------------------

def test_ofono_simple_deliver():
    sms = _deliver(section("ofono_test_sms", "simple-deliver")[0])
    # sc_addr 31624000000 (international), oaddr 31641600986, 02-08-26 19:37:41, timezone -4 (quarters)
    assert (sms.smsc, sms.sender, sms.sent_at, sms.text) == (
        "+31624000000", "+31641600986", utc(2002, 8, 26, 19, 37, 41, hours=-1), "How are you?")


def test_ofono_alphanumeric_sender():
    sms = _deliver(section("ofono_test_sms", "alnum-sender")[0])
    # sc_addr 447785016005, oaddr "sipgate" (alphanumeric), 08-08-13 12:07:22, timezone +4 (quarters)
    assert (sms.smsc, sms.sender, sms.sent_at, sms.text) == (
        "+447785016005", "sipgate", utc(2008, 8, 13, 12, 7, 22, hours=1), "Testmail")


def test_ofono_message_waiting_indication():
    sms = _deliver(section("ofono_test_sms", "simple-mwi")[0])
    # oaddr 33660660001, dcs 200 (0xC8: message waiting, "discard"), 13-08-07 16:47:41, timezone +8, udl 0
    assert (sms.smsc, sms.sender, sms.sent_at, sms.text) == (
        "+33660002028", "+33660660001", utc(2013, 8, 7, 16, 47, 41, hours=2), "")


def test_ofono_three_part_ucs2_text():
    parts = [_deliver(pdu) for pdu in section("ofono_test_sms", "assembly")]
    # OA 04 81 55 55 → "5555"; DCS 0x19 → UCS-2; UDH 05 00 03 1E 03 0n → reference 0x1E, 3 parts, part n
    assert [(p.sender, p.encoding, p.concat.ref, p.concat.total, p.concat.seq) for p in parts] == [
        ("5555", "UCS-2", 0x1E, 3, 1), ("5555", "UCS-2", 0x1E, 3, 2), ("5555", "UCS-2", 0x1E, 3, 3)]
    # SCTS 90 60 41 00 12 22 04 → 09-06-14 00:21:22, zone 0x04 → "40" quarters = +10:00
    assert {p.sent_at for p in parts} == {utc(2009, 6, 14, 0, 21, 22, hours=10)}


# ---- asterisk-chan-dongle test/parse.c test_parse_cmgr ---------------------------------------

DONGLE = [
    ("cmgr-1", "+11111111112",
     "111111111122222222223333333333444444444455555555556666666666777777777788888888889999999999000000000"),
    ("cmgr-2", "+22222222022", "1111111111222222222233333333334444444444555555555566666666667777777"),
    ("cmgr-3", "+33600000000", "Aaaaa " * 25 + "Aaa"),
    ("cmgr-4", "+33600000000", "aa Aaaaa Aaaaa Aaaaa"),
    ("cmgr-5", "+2222222222", "Test a B C V B B B B B B B B B B B B B B B B V V B V V V B J J JVJVJVB. VV H VHVHVH "
                              "V V V BBVV V V HV H V H V V V V V V V. J K K J J. J J. J.   J J J J J"),
    ("cmgr-6", "Ufone", "Minutes, valid till 23-11-2014."),
    ("cmgr-7", "40033", "INFO SMS 23/03, 18:10: Costo chiamata E. 0,24. Il credito è E. 48,05. Per info su eventuali "
                        "opzioni attive e bonus residui chiama 40916."),
]


@pytest.mark.parametrize("key, sender, text", DONGLE, ids=[row[0] for row in DONGLE])
def test_chan_dongle_messages(key, sender, text):
    sms = _deliver(section("chan_dongle_parse", key)[1])
    assert (sms.sender, sms.text) == (sender, text)


def _parts(key: str) -> tuple[int, int, int]:
    concat = _deliver(section("chan_dongle_parse", key)[1]).concat
    return concat.ref, concat.total, concat.seq


def test_chan_dongle_multipart_references():
    # UDH per 23.040 §9.2.3.24.1: cmgr-3/4 "050003CA0201"/"…0202" (ref 0xCA, 2 parts); cmgr-6 "0807 0103
    # 00 03 99 02 02" (an IE 07 first, then ref 0x99, part 2 of 2)
    assert _parts("cmgr-3") == (0xCA, 2, 1)
    assert _parts("cmgr-4") == (0xCA, 2, 2)
    assert _parts("cmgr-6") == (0x99, 2, 2)


# ---- gammu tests/atgen: +CMT and +CDS events -------------------------------------------------

def test_gammu_cmt_event_pdu():
    _, pdu = take_lines(bytearray(section("gammu_tests", "atgen-events")[0]))
    sms = _deliver(pdu)
    # SMSC 07 91 84 97 48 32 52 F0 → +48798423250; OA 0B 91 84 96 44 50 78 F7 → +48694405877;
    # SCTS 71 21 32 01 44 74 40 → 17-12-23 10:44:47, zone "04" = +01:00; UDL 4, D4 F2 9C 0E → "Test"
    assert (sms.smsc, sms.sender, sms.sent_at, sms.text) == (
        "+48798423250", "+48694405877", utc(2017, 12, 23, 10, 44, 47, hours=1), "Test")


def test_gammu_cds_event_pdu():
    _, pdu = take_lines(bytearray(section("gammu_tests", "atgen-events")[1]))
    report = decode_pdu(pdu)
    # first octet 06, TP-MR 0x36, RA 0B 91 48 92 34 75 27 F3 → +84294357723,
    # TP-DT 81 70 03 01 81 44 80 → 18-07-30 10:18:44, zone "08" = +02:00; TP-ST 00 = received by the SME
    assert isinstance(report, StatusReport)
    assert (report.message_ref, report.recipient, report.discharged_at, report.status, report.delivered) == (
        0x36, "+84294357723", utc(2018, 7, 30, 10, 18, 44, hours=2), 0, True)
