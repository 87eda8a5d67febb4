"""Captured command answers → the parsing in agent/modem/modem.py (Modem.stored_messages,
read_message, network_status, _identify), through a fake of the transport only.

FakeLink.command returns a command's information lines, as SerialLink.command does: the echo and the
final result stripped, ERROR raised as CommandError. Everything that reads those lines is the real code.
Expected values: the source's (ModemManager, python-gsmmodem, chan_dongle asserts), 3GPP TS 27.007
§7.2 for +CREG <stat>, §8.5 for +CSQ, and gammu's own pass/fail verdicts for its dumps.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.config import ModemConfig
from agent.errors import CommandError
from agent.modem.modem import Modem, StoredSms
from agent.sms.pdu import Deliver, PduError, StatusReport, Submit, decode_pdu
from tests.replay import section, sections

FINALS = ("OK", "ERROR")


class FakeLink:
    """The transport, faked: a command → the information lines of its captured answer."""

    port = "/dev/replay"

    def __init__(self, answers: dict[str, list[str] | Exception]):
        self.answers = answers
        self.sent: list[str] = []
        self.expect_no_echo = False
        self.echo_seen = False

    def command(self, command: str, timeout: float | None = None) -> list[str]:
        self.sent.append(command)
        answer = self.answers.get(command, [])
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


def modem(answers: dict[str, list[str] | Exception]) -> Modem:
    return Modem(FakeLink(answers), ModemConfig())


def from_dump(lines: tuple[str, ...]) -> tuple[str, list[str] | Exception]:
    """A gammu-style dump (echo, answer lines, final result) → (command, what SerialLink.command gives)."""
    command, *rest = lines
    final = rest[-1] if rest and rest[-1] in FINALS else None
    info = rest[:-1] if final else rest
    if final == "ERROR":
        return command, CommandError(command, "ERROR", None)
    return command, info


def pdu_of(answer) -> str | None:
    """read_message's answer as the PDU line (it returns the line itself, or a StoredSms holding it)."""
    return getattr(answer, "pdu", answer) if answer else None


def utc(*args, hours: float = 0) -> datetime:
    return datetime(*args, tzinfo=timezone(timedelta(hours=hours))).astimezone(timezone.utc)


# ---- AT+CMGL=4 ---------------------------------------------------------------------------------

def test_modemmanager_cmgl_generic_multiple():
    lines = list(section("modemmanager_helpers", "cmgl-generic-multiple"))
    found = modem({"AT+CMGL=4": lines}).stored_messages()
    # mm_3gpp_parse_pdu_cmgl_response: indexes 0, 1, 2, status 1, each with its PDU
    assert found == [StoredSms(0, 1, lines[1]), StoredSms(1, 1, lines[3]), StoredSms(2, 1, lines[5])]
    assert all(isinstance(decode_pdu(sms.pdu), Deliver) for sms in found)


def test_modemmanager_cmgl_pantech_without_alpha():
    lines = list(section("modemmanager_helpers", "cmgl-pantech-multiple"))
    found = modem({"AT+CMGL=4": lines}).stored_messages()
    assert [(sms.index, sms.stat) for sms in found] == [(17, 3), (15, 3), (13, 3), (11, 3)]
    assert found[3].pdu == "079100F40D1101000F001000B917118336058F300"      # the cut-short one, as listed


def test_python_gsmmodem_cmgl_4_pdu_mode():
    lines = list(section("python_gsmmodem_tests", "cmgl-4-pdu-mode"))
    found = modem({"AT+CMGL=4": lines}).stored_messages()
    assert [(sms.index, sms.stat) for sms in found] == [(0, 0), (1, 1), (2, 1)]    # 0 unread, 1 read
    decoded = [decode_pdu(sms.pdu) for sms in found]
    # TestStoredSms.expectedMessages: number, time (+02:00), text
    assert [(d.sender, d.sent_at, d.text) for d in decoded] == [
        ("+27748577604", utc(2013, 1, 28, 14, 51, 42, hours=2), "Hello raspberry pi"),
        ("+2784000153099999", utc(2013, 2, 7, 1, 31, 44, hours=2),
         "New and here to stay! Don't just recharge SUPACHARGE and get your recharged airtime+FREE CellC to CellC "
         "mins & SMSs+Free data to use anytime. T&C apply. Cell C"),
        ("+27840001463", utc(2013, 2, 7, 6, 24, 2, hours=2),
         "Standard Bank: Your accounts are no longer FICA compliant. Please bring ID & proof of residence to any "
         "branch to reactivate your accounts. Queries? 0860003422."),
    ]


def test_empty_storage_lists_nothing():
    assert modem({"AT+CMGL=4": []}).stored_messages() == []


# ---- AT+CMGR ---------------------------------------------------------------------------------

def test_modemmanager_cmgr_telit_he910():
    header, pdu = section("modemmanager_helpers", "cmgr-telit-he910")
    assert pdu_of(modem({"AT+CMGR=0": [header, pdu]}).read_message(0)) == pdu


@pytest.mark.parametrize("key", [f"cmgr-{n}" for n in range(1, 8)])
def test_chan_dongle_cmgr_answers(key):
    header, pdu = section("chan_dongle_parse", key)
    assert pdu_of(modem({"AT+CMGR=3": [header, pdu]}).read_message(3)) == pdu


def test_python_gsmmodem_status_report_answers():
    header, pdu = section("python_gsmmodem_tests", "cmgr-status-report")
    report = decode_pdu(pdu_of(modem({"AT+CMGR=3": [header, pdu]}).read_message(3)))
    # TestSms.test_receiveStatusReportPduMode: number 0829200000, reference 183, delivered 15:58:14 +02
    assert isinstance(report, StatusReport)
    assert (report.recipient, report.message_ref, report.discharged_at, report.delivered) == (
        "0829200000", 183, utc(2013, 7, 17, 15, 58, 14, hours=2), True)
    # the ZTE answer has no <stat> ("+CMGR: ,,27"): still read; reference 28, delivered 14:29:31 +02
    header, pdu = section("python_gsmmodem_tests", "cmgr-status-report-zte")
    report = decode_pdu(pdu_of(modem({"AT+CMGR=1": [header, pdu]}).read_message(1)))
    assert (report.message_ref, report.discharged_at, report.delivered) == (
        28, utc(2013, 7, 26, 14, 29, 31, hours=2), True)


def _gammu_sms(kind: str) -> list[str]:
    return sorted(key for key in sections("gammu_tests") if key.startswith(kind + "/"))


def _read_dump(key: str) -> str | None:
    command, info = from_dump(section("gammu_tests", key))
    index = int(command.split("=")[1])
    return pdu_of(modem({command: info}).read_message(index))


GAMMU_QUOTED = "at-sms/04"      # the one dump whose PDU line ends in a stray '"'
GAMMU_BROKEN_SUBMITS = ("at-sms/20", "at-sms/41")


@pytest.mark.parametrize("key", [k for k in _gammu_sms("at-sms") if k not in (GAMMU_QUOTED, *GAMMU_BROKEN_SUBMITS)])
def test_gammu_cmgr_dumps_gammu_parses(key):
    """gammu's sms-at-parse-<nn> test passes on each of these: a readable SMS must come out."""
    pdu = _read_dump(key)
    assert pdu is not None
    assert isinstance(decode_pdu(pdu), (Deliver, StatusReport, Submit))   # +CMGR <stat> 2/3: a stored SUBMIT


def test_gammu_cmgr_dump_with_a_trailing_quote():
    assert isinstance(decode_pdu(_read_dump(GAMMU_QUOTED)), Deliver)


@pytest.mark.parametrize("key", GAMMU_BROKEN_SUBMITS)
def test_gammu_submits_that_break_the_length_rules(key):
    """gammu reads these two; both are SMS-SUBMITs (first octet D5 / 41) that break 23.040: 20 sets
    TP-UDHI with TP-UDL 0, 41's TP-UDL (93 septets) is longer than its user data (79 octets). Refusing
    them is as right as reading them — but if read, they must come out as what they are."""
    try:
        sms = decode_pdu(_read_dump(key))
    except PduError:
        return
    assert isinstance(sms, Submit)


@pytest.mark.parametrize("key", _gammu_sms("at-sms-failing"))
def test_gammu_cmgr_dumps_gammu_refuses(key):
    """gammu's sms-at-parse-fail-<nn> (WILL_FAIL): junk in the PDU line. Refused with PduError — no
    other exception, nothing invented."""
    with pytest.raises(PduError):
        decode_pdu(_read_dump(key))


def test_gammu_atgen_cmgr_after_cmti():
    # tests/atgen/smsd-incoming-cmti.c: "+CMTI: \"SM\",1" then AT+CMGR=1 → "+CMGR: 1,,23", the PDU, OK
    _, header, pdu = section("gammu_tests", "atgen-cmti-answers")
    sms = decode_pdu(pdu_of(modem({"AT+CMGR=1": [header, pdu]}).read_message(1)))
    assert isinstance(sms, Deliver) and (sms.sender, sms.text) == ("+48694405877", "Test")


def test_an_empty_index_answers_a_bare_ok():
    # MODEMS.md: Huawei and Quectel answer AT+CMGR of an empty index with a bare OK
    assert not modem({"AT+CMGR=7": []}).read_message(7)


# ---- network status: AT+CSQ, AT+CREG?, AT+COPS? ------------------------------------------------

@pytest.mark.parametrize("answer, rssi, bars", [
    ("+CSQ: 18,99", 18, 3), ("+CSQ:4,0", 4, 1), ("+CSQ: 99,99", 99, 0),
])
def test_python_gsmmodem_csq(answer, rssi, bars):
    # python-gsmmodem test_signalStrength: 18, 4, and 99 = "not known or not detectable" (27.007 §8.5)
    assert answer in section("python_gsmmodem_tests", "csq")
    status = modem({"AT+CSQ": [answer]}).network_status()
    assert (status.rssi, status.bars) == (rssi, bars)


# 27.007 §7.2 <stat>: 0 not registered/not searching, 1 home, 2 searching, 3 denied, 5 roaming,
# 6 registered for SMS only (home)
CREG = [
    ("modemmanager_helpers", "creg-solicited", 0, False, "registration denied"),
    ("modemmanager_helpers", "creg-solicited", 1, True, "home network"),
    ("modemmanager_helpers", "creg-solicited", 2, True, "home network"),
    ("modemmanager_helpers", "creg-solicited", 3, False, "not searching"),
    ("modemmanager_helpers", "creg-solicited", 4, True, "home network"),
    ("modemmanager_helpers", "creg-solicited", 5, True, "home network"),
    ("modemmanager_helpers", "creg-solicited", 6, True, "home network"),      # "+CREG:002,001,…" (Iridium)
    ("modemmanager_helpers", "creg-solicited", 7, True, "home network"),
    ("modemmanager_helpers", "creg-solicited", 8, True, "home network"),
    ("modemmanager_helpers", "creg-solicited", 9, True, "home (SMS only)"),   # u-blox TOBY-L2 on LTE
    ("modemmanager_helpers", "creg-solicited", 10, True, "home network"),     # Gobi "2,1,  0 5, 2715"
    ("chan_dongle_parse", "creg", 0, True, "home network"),
    ("python_gsmmodem_tests", "creg-query", 0, True, "home network"),
]


@pytest.mark.parametrize("source, key, index, registered, registration", CREG)
def test_creg_answers(source, key, index, registered, registration):
    answer = section(source, key)[index]
    status = modem({"AT+CREG?": [answer]}).network_status()
    assert (status.registered, status.registration) == (registered, registration), answer


@pytest.mark.parametrize("key, registered, registration", [
    ("at-creg/empty", False, "unknown"),            # a bare OK: no answer line at all
    ("at-creg/huawei", True, "home network"),
    ("at-creg/none", False, "not searching"),
    ("at-creg/siemens", True, "home network"),
    ("at-creg/sierra312u", True, "roaming"),
    ("at-creg/telit", True, "home network"),
    ("at-creg-corner/empty-lac", True, "home network"),
    ("at-creg-corner/mismatched-quotes", True, "home network"),   # <stat> 1 comes before the broken quotes
    ("at-creg-corner/single-quote", True, "home network"),
])
def test_gammu_creg_dumps(key, registered, registration):
    command, info = from_dump(section("gammu_tests", key))
    assert command == "AT+CREG?"
    status = modem({command: info}).network_status()
    assert (status.registered, status.registration) == (registered, registration)


@pytest.mark.parametrize("source, key, answer, operator", [
    ("python_gsmmodem_tests", "cops-query", '+COPS: 0,0,"MTN",2', "MTN"),
    ("python_gsmmodem_tests", "cops-query", '+COPS: 0,0,"I OMNITEL"', "I OMNITEL"),
    ("python_gsmmodem_tests", "cops-query", "SOME RANDOM RESPONSE", ""),           # python-gsmmodem: None
    ("modemmanager_helpers", "cops-query", '+COPS: 1,0,"CHINA MOBILE"', "CHINA MOBILE"),
    ("modemmanager_helpers", "cops-query", '+COPS: 1,0,"CHINA MOBILE",7', "CHINA MOBILE"),
    ("modemmanager_helpers", "cops-query", '+COPS: 1,2,"46000"', "46000"),
    ("modemmanager_helpers", "cops-query", '+COPS: 1,2,"46000",7', "46000"),
    ("chan_dongle_parse", "cops", '+COPS: 0,0,"TELE2",0', "TELE2"),
    ("chan_dongle_parse", "cops", "+COPS: 0,0,TELE2,0", "TELE2"),
])
def test_cops_answers(source, key, answer, operator):
    assert answer in section(source, key)
    assert modem({"AT+COPS?": [answer]}).network_status().operator == operator


def test_a_modem_refusing_every_status_query():
    refused = {command: CommandError(command, "ERROR", None) for command in ("AT+CSQ", "AT+CREG?", "AT+COPS?")}
    status = modem(refused).network_status()
    assert (status.registered, status.rssi, status.bars, status.operator) == (False, None, 0, "")


# ---- identity: AT+CGMI / AT+CGMM / AT+CGMR -----------------------------------------------------

@pytest.mark.parametrize("key, manufacturer, model, revision, family", [
    ("huawei-k3715-identity", "huawei", "K3715", "11.104.05.00.00", "huawei"),
    ("huawei-e1752-identity", "huawei", "E1752", "11.126.13.00.00", "huawei"),
    ("qualcomm-m6280-identity", "QUALCOMM INCORPORATED", "M6280",
     "M6280_V1.0.0 M6280_V1.0.0 1 [Sep 4 2008 12:00:00]", "generic"),
    ("zte-k3565z-identity", "ZTE INCORPORATED", "K3565-Z", "BD_P673A2V1.0.0B09", "generic"),
])
def test_python_gsmmodem_identities(key, manufacturer, model, revision, family):
    cgmi, cgmm, cgmr = section("python_gsmmodem_fakemodems", key)
    info = modem({"AT+CGMI": [cgmi], "AT+CGMM": [cgmm], "AT+CGMR": [cgmr]})._identify()
    assert (info.manufacturer, info.model, info.revision, info.dialect.name) == (manufacturer, model, revision, family)


def test_wavecom_identity_with_leading_spaces_and_no_revision():
    cgmi, cgmm = section("python_gsmmodem_fakemodems", "wavecom-identity")
    answers = {"AT+CGMI": [cgmi], "AT+CGMM": [cgmm], "AT+CGMR": CommandError("AT+CGMR", "ERROR", None)}
    info = modem(answers)._identify()
    assert (info.manufacturer, info.model, info.revision) == ("WAVECOM MODEM", "MULTIBAND  900E  1800", "")
    assert info.dialect.name not in ("huawei", "quectel", "sim7600", "sim800", "ublox")   # not another family


def test_nokia_n79_multi_line_revision():
    cgmi, cgmm, *cgmr = section("python_gsmmodem_fakemodems", "nokia-n79-identity")
    info = modem({"AT+CGMI": [cgmi], "AT+CGMM": [cgmm], "AT+CGMR": cgmr})._identify()
    assert (info.manufacturer, info.model) == ("Nokia", "Nokia N79")
    assert info.revision.startswith("V ICPR72_08w44.1")


@pytest.mark.parametrize("key, model", [
    ("at-model/01", "MULTIBAND  900E  1800"),
    ("at-model/02", "Nokia 5210"),
    ("at-model/03", "AAB-1022041-BV"),
    ("at-model/04", "0123456789" * 35),          # gammu's overlong-answer dump
])
def test_gammu_cgmm_dumps(key, model):
    command, info = from_dump(section("gammu_tests", key))
    assert command == "AT+CGMM"
    assert modem({"AT+CGMM": info})._identify().model == model
