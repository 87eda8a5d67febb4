"""The new-SMS notice form built from a modem's own AT+CNMI=? answer (agent/modem/modem.py
cnmi_from_ranges), used when every fixed form is refused (27.005 §3.4.1: <mode>,<mt>,<bm>,<ds>,<bfr>)."""

from __future__ import annotations

import pytest

from agent.modem.modem import cnmi_from_ranges


@pytest.mark.parametrize("answer, form", [
    # Cinterion MC75i (gammu/gammu#1206, #1207): only bfr 1, and it refuses ds 1
    ("+CNMI: (0-3),(0,1),(0,2,3),(0,2),(1)", "AT+CNMI=2,1,0,2,1"),
    ("+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)", "AT+CNMI=2,1,0,2,0"),      # the simulator's generic answer
    ("+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)", "AT+CNMI=2,1,0,2,0"),
    ("+CNMI: (0, 1), (0-3), (0), (0, 1), (0)", "AT+CNMI=1,1,0,1,0"),   # no mode 2: mode 1; spaces
    ("+CNMI: (0-2),(0-3)", "AT+CNMI=2,1"),                             # values it does not list: left out
    ("+CNMI: (0-2),(1),(2),(0),(1)", "AT+CNMI=2,1"),                   # no bm 0: stop there
])
def test_the_first_allowed_form(answer, form):
    assert cnmi_from_ranges(answer) == form


@pytest.mark.parametrize("answer", [
    "+CNMI: (0,3),(0-3),(0,2),(0-2),(0,1)",      # no mode 1 or 2
    "+CNMI: (0-3),(0,2),(0,2),(0-2),(0,1)",      # no mt 1: no +CMTI to be had
    "+CNMI: (0-3)",
    "",
    "ERROR",
])
def test_no_form_when_the_answer_allows_no_cmti(answer):
    assert cnmi_from_ranges(answer) is None

