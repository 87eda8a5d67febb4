"""Answers real modems gave to doctor's questions → agent/modem/inspection.py, over the simulated modem
on a real pty (the captured lines are scripted with SimulatedModem.answer and read back through
SerialLink, as on a Pi).

Every line below is copied verbatim from its source; the expected value is the source's own (where it
asserts one) or what 3GPP TS 27.007 says the fields mean.

Sources:
- GAMMU: gammu/gammu @ 78fd6a9212f3271a28c46f1cb8f7c302cd43a9b0, modem dumps "collected from random
  sources on the Internet": tests/at-ccfc/complete.dump, disabled.dump, ma260.dump (AT+CCFC answers),
  tests/at-smsc/01.dump, 02.dump, 03.dump, 05.dump (gammu reads each) and tests/at-smsc-failing/04.dump
  (gammu refuses it: no SMS centre).
- QUECTEL: ShiYvXvan/Quectel-AT-Commands @ 11db2a3358f66ea567713b668a297361aa784abb, the Quectel EC2x AT
  manual's examples: references/11-supplementary-service-commands.md lines 90 and 96 (AT+CCFC=0,2),
  references/05-usim-related-commands.md lines 11, 155, 163, 168 (AT+CIMI, AT+CPIN?),
  references/09-short-message-service-commands.md line 140 (AT+CSCA?).
- MM: linux-mobile-broadband/ModemManager @ 9a2d5863eb21957767dbc826b481080c08736590,
  src/tests/test-modem-helpers.c: +CNUM lines 3392-3443 (mm_3gpp_parse_cnum_exec_response), AT+CGSN
  answers lines 3600-3604 (mm_parse_gsn), +COPS? in numeric format line 1022 (also in
  transcripts/modemmanager_helpers.txt, section cops-query), operator ID "342600" line 3508.
- DONGLE: wdoekes/asterisk-chan-dongle @ 2bd3fc2cc31562826c8341c5584fe26def9ca808, test/parse.c lines
  27-34 (at_parse_cnum).
"""

from __future__ import annotations

import pytest

from agent.modem import inspection
from agent.modem.inspection import (Forwarding, OperatorCode, OwnNumber, Reason, SimState, SmsCentre, Subscriber,
                                    Unanswered)
from agent.simulator import SimulatedModem
from tests.integration.test_doctor_forwarding import modem_on
from tests.replay import line


@pytest.fixture
def sim(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as modem:
        yield modem


# ---- AT+CCFC=<reason>,2 (27.007 §7.11) -----------------------------------------------------------

@pytest.mark.parametrize("source, answer, active, number", [
    ("GAMMU at-ccfc/complete.dump", '+CCFC:1,7,"+420800123456",129,"",128,0', True, "+420800123456"),
    ("GAMMU at-ccfc/disabled.dump", "+CCFC:0,7", False, ""),
    ("GAMMU at-ccfc/ma260.dump", '+CCFC: 1,1,"+420123456678",145,,,', True, "+420123456678"),
    ("QUECTEL 11-supplementary line 90", '+CCFC: 1,1,"+8615021012496",145,,,', True, "+8615021012496"),
    ("QUECTEL 11-supplementary line 96", "+CCFC: 0,255", False, ""),
])
def test_forwarding_answers(sim, source, answer, active, number):
    sim.answer("AT+CCFC=2", answer, "OK")
    with modem_on(sim) as modem:
        rule = inspection.forwarding_rule(modem, Reason.NO_REPLY)
    # class 7 (voice, data, fax), 1 (voice) and 255 (all) all include voice; the <time> 0 in
    # complete.dump is outside 27.007's 1..30, so no ringing time is claimed
    assert rule == Forwarding(Reason.NO_REPLY, active, number, None), source


def test_forwarding_of_data_only_is_not_forwarding_of_calls(sim):
    # 27.007 §7.11 form, one line per class: class 2 (data) forwarded, voice (1) not
    sim.answer("AT+CCFC=0", '+CCFC: 1,2,"+420800123456",129', "+CCFC: 0,1", "OK")
    with modem_on(sim) as modem:
        assert inspection.forwarding_rule(modem, Reason.UNCONDITIONAL).active is False


def test_forwarding_no_reply_time_is_read(sim):
    # 27.007 §7.11 form with <subaddr>,<satype> empty and <time> 25 (Telit HE863 manual: "[,,,<time>]")
    sim.answer("AT+CCFC=2", '+CCFC: 1,1,"+447953222222",145,,,25', "OK")
    with modem_on(sim) as modem:
        assert inspection.forwarding_rule(modem, Reason.NO_REPLY).seconds == 25


# ---- AT+CNUM (27.007 §7.1) -----------------------------------------------------------------------

@pytest.mark.parametrize("source, answer, numbers", [
    ("MM line 3392", ['+CNUM: "something","1234567890",161'], ("1234567890",)),
    ("MM line 3404", ['+CNUM: ,"1234567890",161'], ("1234567890",)),
    ("MM line 3416", ['+CNUM: something,"1234567890",161'], ("1234567890",)),
    ("MM line 3428", ['+CNUM: something,"+34600000001",145'], ("+34600000001",)),
    ("MM lines 3441-3443", ['+CNUM: something,"+34600000001",145', '+CNUM: ,"+34600000002",145',
                            '+CNUM: "another","1234567890",161'], ("+34600000001", "+34600000002", "1234567890")),
    ("DONGLE line 27", ['+CNUM: "*Subscriber Number","+79139131234",145'], ("+79139131234",)),
    ("DONGLE line 28", ['+CNUM: "Subscriber Number","",145'], ()),
    ("DONGLE line 29", ['+CNUM: "Subscriber Number",,145'], ()),
    ("DONGLE line 31", ['+CNUM: ,"",145'], ()),
    ("DONGLE line 32", ["+CNUM: ,,145"], ()),
    ("DONGLE line 33", ['+CNUM: "",+79139131234",145'], ("+79139131234",)),
    ("DONGLE line 34", ['+CNUM: "",+79139131234,145'], ("+79139131234",)),
    ("QUECTEL 08-phonebook: [+CNUM: …] is optional, a bare OK", [], ()),
])
def test_own_number_answers(sim, source, answer, numbers):
    sim.answer("AT+CNUM", *answer, "OK")
    with modem_on(sim) as modem:
        assert inspection.own_number(modem) == OwnNumber(numbers), source


# ---- AT+CIMI, AT+CPIN?, AT+CGSN, AT+CSCA? ----------------------------------------------------------

def test_imsi_from_the_quectel_manual(sim):
    sim.answer("AT+CIMI", "460023210226023", "OK")            # QUECTEL 05-usim line 11
    with modem_on(sim) as modem:
        assert inspection.subscriber(modem) == Subscriber("460023210226023", "460", "02")


def test_imsi_of_a_country_with_three_digit_networks(sim):
    # MM line 3508: operator ID "342600" is MCC 342 with the three-digit MNC 600
    sim.answer("AT+CIMI", "342600123456789", "OK")
    with modem_on(sim) as modem:
        assert inspection.subscriber(modem) == Subscriber("342600123456789", "342", "600")


def test_imsi_refused_without_a_sim(sim):
    sim.answer("AT+CIMI", "+CME ERROR: 10")
    with modem_on(sim) as modem:
        assert inspection.subscriber(modem) == Unanswered("AT+CIMI", "SIM not inserted (+CME ERROR: 10)")


@pytest.mark.parametrize("answer, ready, wants_pin, wants_puk", [
    ("+CPIN: SIM PIN", False, True, False),        # QUECTEL 05-usim line 155
    ("+CPIN: READY", True, False, False),          # line 163
    ("+CPIN: SIM PUK", False, False, True),        # line 168
])
def test_sim_states_from_the_quectel_manual(sim, answer, ready, wants_pin, wants_puk):
    sim.answer("AT+CPIN?", answer, "OK")
    with modem_on(sim) as modem:
        state = inspection.sim_state(modem)
    assert isinstance(state, SimState) and (state.ready, state.wants_pin, state.wants_puk) == (ready, wants_pin, wants_puk)


@pytest.mark.parametrize("answer, imei", [
    ("354237065082227", "354237065082227"),               # MM line 3600
    ("356936001568843,NL2A62Z0N5", "356936001568843"),    # MM line 3603: IMEI and serial number
])
def test_imei_answers(sim, answer, imei):
    sim.answer("AT+CGSN", answer, "OK")
    with modem_on(sim) as modem:
        assert inspection.identity(modem).imei == imei


@pytest.mark.parametrize("source, answer, number, is_set", [
    ("GAMMU at-smsc/01.dump", "+CSCA: 002B00390037003200350034003100320030003000330032,145", "+97254120032", True),
    ("GAMMU at-smsc/02.dump", '+CSCA: "+79168999100",145', "+79168999100", True),
    ("GAMMU at-smsc/03.dump", '+CSCA: "6281100000",145', "+6281100000", True),
    ("GAMMU at-smsc/05.dump", '+CSCA: "002B003400340037003800300032003000390032003000330035",145', "+447802092035",
     True),
    ("GAMMU at-smsc-failing/04.dump", '+CSCA: "",129', "", False),
    ("QUECTEL 09-sms line 140", '+CSCA: "+8613800210500",145', "+8613800210500", True),
])
def test_sms_centre_answers(sim, source, answer, number, is_set):
    sim.answer("AT+CSCA?", answer, "OK")
    with modem_on(sim) as modem:
        centre = inspection.sms_centre(modem)
    assert isinstance(centre, SmsCentre) and (centre.number, centre.is_set) == (number, is_set), source


# ---- AT+COPS? in numeric format (27.007 §7.3) ------------------------------------------------------

def test_operator_code_from_modemmanager(sim):
    sim.answer("AT+COPS=3", "OK")
    sim.answer("AT+COPS?", line("modemmanager_helpers", "cops-query", '+COPS: 1,2,"46000",7'), "OK")
    with modem_on(sim) as modem:
        code = inspection.operator_code(modem)
    assert code == OperatorCode("46000") and (code.mcc, code.mnc) == ("460", "00")
    assert sim.commands[-3:] == ["AT+COPS=3,2", "AT+COPS?", "AT+COPS=3,0"]


def test_a_modem_that_keeps_names_gives_no_operator_code(sim):
    sim.answer("AT+COPS=3", "OK")
    sim.answer("AT+COPS?", line("modemmanager_helpers", "cops-query", '+COPS: 1,0,"CHINA MOBILE",7'), "OK")
    with modem_on(sim) as modem:
        code = inspection.operator_code(modem)
    assert code == Unanswered("AT+COPS?", "the operator came as 'CHINA MOBILE', not as MCC+MNC")
    assert sim.commands[-1] == "AT+COPS=3,0"


def test_a_modem_without_numeric_format_is_not_asked_to_restore(sim):
    with modem_on(sim) as modem:                     # the simulator refuses AT+COPS=3,2 by default
        code = inspection.operator_code(modem)
    assert isinstance(code, Unanswered) and code.command == "AT+COPS=3,2"
    assert "AT+COPS=3,0" not in sim.commands
