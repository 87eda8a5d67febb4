"""Unsolicited result codes → plain events. Pure: a line in, an event out, never an exception.

Every family's end-of-call line is recognised whatever family was detected, so a wrong guess
about the modem still ends calls; the dialect table says what each family is expected to print.
"""

from __future__ import annotations

import csv
import re

from agent.events import (CallAnswered, CallEnded, CallForwarded, CallerId, CallListed, Event, ModemRestarted, Noise, Ring,
                          SmsDelivered, SmsStored, StatusReportDelivered, StatusReportStored, StorageFull, Unknown)
from agent.modem.dialects import is_boot_line, is_power_warning

__all__ = ["parse_urc", "URC_PREFIXES", "PDU_FOLLOWS", "fields"]

# Lines that start with these are unsolicited, even in the middle of a command's reply
# (python-gsmmodem folds them into the reply: babca/python-gsmmodem#47).
URC_PREFIXES = (
    "RING", "+CRING", "+CLIP", "NO CARRIER", "BUSY", "NO ANSWER", "MISSED_CALL", "VOICE CALL",
    "+CLCC", "^CEND", "^CONN", "^ORIG", "^CONF", "^DSCI", "+UCALLSTAT", "+CMTI", "+CMT:", "+CDS:",
    "+CDSI", "^RSSI", "^HCSQ", "^BOOT", "^MODE", "^SRVST", "^SIMST", "^STIN", "^NWTIME", "^SYSSTART",
    "+CIEV", "RDY", "+CPIN", "Call Ready", "SMS Ready", "+QIND", "PB DONE", "+CFUN", "+CREG",
    "+CGREG", "+CEREG", "+CSSU", "+CSSI", "+CUSD", "+CTZV", "+CTZE", "*PSUTTZ", "DST:", "+PACSP",
    "+CGEV", "+QUSIM", "+UUSTS", "+CPMS", "CONNECT", "SMS DONE", "APP RDY", "^DSFLOWRPT", "+STIN", "+CMGRMI",
    "+WIND", "UNDER-VOLTAGE", "^SMMEMFULL", "HANGUP:", "+CCWA", "MODEM:STARTUP", "+PBREADY", "#QSS",
    "*ATREADY",
)

# URCs whose PDU comes on the next line.
PDU_FOLLOWS = ("+CMT:", "+CDS:")

_NOISE = ("^RSSI", "^HCSQ", "^BOOT", "^MODE", "^SRVST", "^SIMST", "^STIN", "^NWTIME", "^SYSSTART", "+CIEV",
          "RDY", "+CPIN", "Call Ready", "SMS Ready", "+QIND", "PB DONE", "+CFUN", "+CREG", "+CGREG", "+CEREG",
          "+CSSI", "+CUSD", "+CTZV", "+CTZE", "*PSUTTZ", "DST:", "+PACSP", "+CGEV", "+QUSIM", "+UUSTS",
          "^ORIG", "^CONF", "+CPMS", "SMS DONE", "APP RDY", "^DSFLOWRPT", "+STIN", "+CMGRMI")



def fields(text: str) -> list[str]:
    """The comma-separated values after 'PREFIX:' with quotes removed ('' for empty ones)."""
    _, _, rest = text.partition(":")
    try:
        return [value.strip() for value in next(csv.reader([rest.strip()], skipinitialspace=True), [])]
    except csv.Error:
        return [value.strip().strip('"') for value in rest.split(",")]


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clip(text: str) -> Event:
    values = fields(text) + ["", "", "", "", "", ""]
    return CallerId(number=values[0], toa=_int(values[1]), validity=_int(values[5]))


def _clcc(text: str) -> Event:
    values = fields(text) + ["", "", "", "", "", "", ""]
    index, direction, stat, mode = (_int(v) for v in values[:4])
    if index is None or stat is None or mode not in (0, 3, 4, 5, None):
        return Noise(text)  # data (1) or fax (2) call, or malformed; 3–5 are voice modes (27.007 +CLCC)
    return CallListed(call_index=index, incoming=direction == 1, stat=stat, number=values[5],
                      toa=_int(values[6]), signal="+CLCC")


def _dsci(text: str) -> Event:
    values = fields(text) + ["", "", "", "", "", ""]
    index, direction, stat, kind = (_int(v) for v in values[:4])
    if index is None or stat is None or kind not in (0, None):
        return Noise(text)
    return CallListed(call_index=index, incoming=direction == 1, stat=stat, number=values[4],
                      toa=_int(values[5]), signal="^DSCI")


def _ucallstat(text: str) -> Event:
    values = fields(text) + ["", ""]
    stat = _int(values[1])
    if stat == 6:
        return CallEnded("+UCALLSTAT")
    if stat in (0, 7):
        return CallAnswered("+UCALLSTAT")
    return Noise(text)


def _missed(text: str) -> Event:
    # "MISSED_CALL: 11:01AM 07712345678", "MISSED_CALL: 11:01 AM +4477…", or the number alone:
    # the number is the last token that looks like one
    _, _, rest = text.partition(":")
    numbers = [token for token in rest.split() if re.fullmatch(r"\+?\d{3,}", token)]
    number = numbers[-1] if numbers else ""
    toa = 145 if number.startswith("+") else (129 if number else None)
    return CallEnded("MISSED_CALL", number=number, toa=toa)


def _voice_call(text: str) -> Event:
    upper = text.upper()
    if "BEGIN" in upper:
        return CallAnswered("VOICE CALL: BEGIN")
    if "END" in upper:
        return CallEnded("VOICE CALL: END")
    return Noise(text)


def _cmti(text: str, signal: type) -> Event:
    values = fields(text) + ["", ""]
    index = _int(values[1])
    return signal(storage=values[0] or "SM", index=index) if index is not None else Unknown(text)


def _cend(text: str) -> Event:
    """Huawei ^CEND: <call_x>,<duration>,<end_status>[,<cc_cause>]: the call released, and why
    (cc_cause per 24.008 10.5.4.11: 16 normal clearing, 26 non-selected user clearing …)."""
    values = fields(text)
    return CallEnded("^CEND", cause=_int(values[3]) if len(values) > 3 else None)


def _cssu(text: str) -> Event:
    """+CSSU: <code2>[,…] (27.007 §7.17): code2 0 = "this is a forwarded call (MT call setup)"."""
    values = fields(text)
    return CallForwarded(text) if values and _int(values[0]) == 0 else Noise(text)


_PARSERS = (
    ("+CSSU", _cssu),
    ("+CRING", lambda t: Ring("+CRING") if "VOICE" in t.upper() or ":" not in t else Noise(t)),
    ("RING", lambda t: Ring("RING") if t.strip() == "RING" else Unknown(t)),
    ("+CLIP", _clip),
    ("+CLCC", _clcc),
    ("^DSCI", _dsci),
    ("+UCALLSTAT", _ucallstat),
    ("NO CARRIER", lambda t: CallEnded("NO CARRIER")),
    ("BUSY", lambda t: CallEnded("BUSY")),
    ("NO ANSWER", lambda t: CallEnded("NO ANSWER")),
    ("MISSED_CALL", _missed),
    ("VOICE CALL", _voice_call),
    ("^CEND", _cend),
    ("+WIND: 6", lambda t: CallEnded("+WIND: 6")),        # Wavecom: call released
    ("HANGUP:", lambda t: CallEnded("HANGUP")),          # ZTE / Qualcomm: call released
    ("^CONN", lambda t: CallAnswered("^CONN")),
    ("CONNECT", lambda t: CallAnswered("CONNECT")),
    ("+CMTI", lambda t: _cmti(t, SmsStored)),
    ("+CDSI", lambda t: _cmti(t, StatusReportStored)),
)


# +CPIN: NOT READY / NOT INSERTED / SIM PIN; Telit's #QSS: 0, SIM removed (ModemManager's telit plugin)
_SIM_LOST = re.compile(r"^(?:\+CPIN:\s*(?!READY\s*$)\S|#QSS:\s*0\b)")
_FULL = re.compile(r'^(?:\+QIND:\s*"?smsfull"?\s*,\s*"?(\w+)"?|\^SMMEMFULL:\s*"?(\w+)"?'
                   r'|\+CIEV:\s*"?(?:smsfull|"SMSFULL")"?\s*,\s*1)', re.IGNORECASE)


def parse_urc(text: str, pdu: str | None = None) -> Event:
    """One unsolicited line (and the PDU line after it, for +CMT / +CDS) → an event."""
    line = text.strip()
    if is_power_warning(line):
        return ModemRestarted(line, power=True)
    if is_boot_line(line) or _SIM_LOST.match(line):
        return ModemRestarted(line)
    full = _FULL.match(line)
    if full:
        return StorageFull(next((g for g in full.groups() if g), "SM").upper())
    if pdu is not None and line.startswith("+CMT:"):
        return SmsDelivered(pdu=pdu.strip())
    if pdu is not None and line.startswith("+CDS:"):
        return StatusReportDelivered(pdu=pdu.strip())
    for prefix, parse in _PARSERS:
        if line.startswith(prefix):
            return parse(line)
    if line.startswith(_NOISE):
        return Noise(line)
    return Unknown(line)
