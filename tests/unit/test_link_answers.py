"""Which line arriving during a command is that command's answer, and which is a URC for the line
worker (agent/modem/link.py answer_owns). Modems that do not hold URCs back put them in the middle
of a reply (faucamp/python-gsmmodem#29, babca/python-gsmmodem#47); the lines here are the shapes
27.007 gives and real modems print."""

from __future__ import annotations

import pytest

from agent.modem.link import answer_owns
from agent.modem.urc import URC_PREFIXES


@pytest.mark.parametrize("command, line", [
    ("AT+CLIP?", "+CLIP: 1,1"),                                   # 27.007 §7.6 <n>,<m>
    ("AT+CLIP?", "+CLIP: 0,2"),
    ("AT+CLIP?", "+CLIP: 1, 1"),
    ("AT+CLCC", '+CLCC: 1,1,4,0,0,"+447911123456",145,""'),       # SIM800: the list is the answer
    ("AT+CLCC", '+CLCC: 1,1,4,0,0,"07911123456",129'),
    ("AT+CPMS?", '+CPMS: "ME",0,25,"ME",0,25,"SM",0,20'),         # Cinterion MC75i
    ("AT+CPIN?", "+CPIN: READY"),
    ("AT+CREG?", "+CREG: 0,1"),
    ("AT+CREG?", '+CREG: 2,1,"00C3","0010"'),
    ("AT+CEREG?", '+CEREG: 2,5,"1A2B","01A2B3C4",7'),
    ("AT+CUSD?", "+CUSD: 1"),
])
def test_a_querys_own_answer_is_its_own(command, line):
    assert line.startswith(URC_PREFIXES)
    assert answer_owns(command, line)


@pytest.mark.parametrize("command, line", [
    ("AT+CLIP?", '+CLIP: "07911123456",129,,,,0'),                # a call starting during the keep-alive
    ("AT+CLIP?", '+CLIP: "+447911123456",145,"",0,"",0'),          # SIM800's form
    ("AT+CLIP?", '+CLIP: "",128,,,,1'),                            # withheld
    ("AT+CLIP?", "+CLIP: 07911123456,129"),                        # unquoted number: still a number
    ("AT+CLIP?", '+CLIP: "002B0034003400370039",145,,,,0'),        # left in UCS2
    ("AT+CREG?", "+CREG: 1"),                                      # AT+CREG=1 URC: <stat> alone
    ("AT+CREG?", '+CREG: 1,"00C3","0010"'),                        # AT+CREG=2 URC
    ("AT+CUSD?", '+CUSD: 0,"Your balance is 5.00",15'),
    ("AT+CLIP=1", "+CLIP: 1,1"),                                   # a set command owns nothing
    ("AT+CPMS=\"SM\"", '+CPMS: 0,20,0,20,0,20'),
    ("AT+CLCC", "RING"),
    ("AT+CLCC", '+CLIP: "07911123456",129,,,,0'),
    ("AT+CSQ", "+CMTI: \"SM\",3"),
])
def test_a_urc_in_the_middle_of_an_answer_stays_a_urc(command, line):
    assert line.startswith(URC_PREFIXES)
    assert not answer_owns(command, line)


def test_lower_case_commands_are_read_like_upper_case():
    assert answer_owns("at+clip?", "+CLIP: 1,1")
    assert not answer_owns("at+clip?", '+CLIP: "07911123456",129,,,,0')
