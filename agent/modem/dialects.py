"""Modem families as data: how to recognise one, what to switch on, how its calls end.

One entry per family. The call tracker reads `end_signals` and `silent`; the modem init reads
`init`; the simulator plays the same families. docs/modems.md has the captured lines and sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Dialect", "DIALECTS", "detect_dialect", "dialect_named"]


@dataclass(frozen=True)
class Dialect:
    name: str
    title: str
    match: tuple[str, ...]          # regexes (case-insensitive) on "<AT+CGMI> <AT+CGMM> <ATI>"
    init: tuple[str, ...]           # extra switches; an ERROR on one is logged and tolerated
    end_signals: tuple[str, ...]    # what this family prints when an unanswered call ends
    silent: bool                    # True: may print nothing at all when the caller gives up
    ring_interval: float            # typical seconds between RINGs, until we have measured it


DIALECTS: tuple[Dialect, ...] = (
    Dialect("sim7600", "SIMCom SIM7500/SIM7600/A76xx",
            (r"SIM7[5-9]\d\d", r"\bA76\d\d", r"SIMCOM_SIM7"),
            ("AT+CLCC=1",),
            ("MISSED_CALL", "VOICE CALL: END", "+CLCC", "NO CARRIER"), False, 6.0),
    Dialect("sim800", "SIMCom SIM800/SIM900",
            (r"SIM8\d\d", r"SIM9\d\d"),
            ("AT+CLCC=1",),
            ("+CLCC", "NO CARRIER"), False, 5.0),
    Dialect("quectel", "Quectel EC25/EG25/EC21/BG96",
            (r"QUECTEL", r"\bE[CG]2\d", r"\bBG9\d", r"\bEG9\d"),
            ('AT+QURCCFG="urcport","usbat"', "AT^DSCI=1", "AT+CLCC=1"),
            ("^DSCI", "NO CARRIER"), False, 5.0),
    Dialect("huawei", "Huawei E-series",
            (r"HUAWEI", r"\bE1\d{2,3}[A-Z]?\b", r"\bE3\d{2,3}[A-Z]?\b"),
            ("AT+CRC=1",),
            ("^CEND",), False, 5.0),
    Dialect("ublox", "u-blox SARA/LARA/TOBY",
            (r"U-BLOX", r"\bSARA-", r"\bLARA-", r"\bTOBY-", r"\bLISA-"),
            ("AT+UCALLSTAT=1",),
            ("+UCALLSTAT", "NO CARRIER"), False, 5.0),
    Dialect("generic", "Any other 27.007 modem",
            (),
            ("AT+CRC=1",),
            ("NO CARRIER",), True, 6.0),
)


def dialect_named(name: str) -> Dialect:
    for dialect in DIALECTS:
        if dialect.name == name:
            return dialect
    raise KeyError(name)


def detect_dialect(identity: str) -> Dialect:
    """Pick the family from what AT+CGMI / AT+CGMM / ATI printed; 'generic' when nothing matches."""
    for dialect in DIALECTS:
        if any(re.search(pattern, identity, re.IGNORECASE) for pattern in dialect.match):
            return dialect
    return dialect_named("generic")
