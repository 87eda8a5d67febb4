"""Modem families as data: how to recognise one, what to switch on, how its calls end.

One entry per family. The call tracker reads `silent` and `ring_interval`; the modem init reads
`init`; the simulator plays the same families. docs/modems.md has the captured lines and sources.
Every family's end lines are recognised whatever family was detected (agent/modem/urc.py), so
they are not listed here. Whether a modem answers the call list (AT+CLCC) is not kept here either:
it is learnt by asking, once per set-up (agent/modem/modem.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Dialect", "DIALECTS", "detect_dialect", "dialect_named", "is_boot_line", "is_power_warning"]


@dataclass(frozen=True)
class Dialect:
    name: str
    title: str
    match: tuple[str, ...]          # regexes (case-insensitive) on "<AT+CGMI> <AT+CGMM> <AT+CGMR>"
    init: tuple[str, ...]           # extra switches; an ERROR on one is logged and tolerated
    silent: bool                    # True: may print nothing at all when the caller gives up
    ring_interval: float            # typical seconds between RINGs, until we have measured it
    boot: tuple[str, ...] = ()      # regexes: lines it prints on the way up (a reset if seen later)
    reset: tuple[str, ...] = ("AT+CFUN=1,1",)   # its own full reset, tried in order
    voice_query: tuple[str, str] | None = None  # (command, regex its answer has when voice is on)


DIALECTS: tuple[Dialect, ...] = (
    Dialect("sim7600", "SIMCom SIM7500/SIM7600/A76xx",
            (r"SIM7[5-9]\d\d", r"\bA76\d\d", r"SIMCOM_SIM7"),
            ("AT+CLCC=1",),
            False, 6.0,
            boot=(r"^RDY$", r"^\+CPIN: READY$", r"^SMS DONE$", r"^PB DONE$")),
    Dialect("sim800", "SIMCom SIM800/SIM900",
            (r"SIM8\d\d", r"SIM9\d\d"),
            ("AT+CLCC=1", "AT+CLTS=1"),
            False, 5.0,
            boot=(r"^RDY$", r"^\+CFUN: 1$", r"^\+CPIN: READY$", r"^Call Ready$", r"^SMS Ready$",
                  r"^UNDER-VOLTAGE (WARNNING|WARNING|POWER DOWN)")),
    Dialect("quectel", "Quectel EC25/EG25/EC21/BG96",
            (r"QUECTEL", r"\bE[CG]2\d", r"\bBG9\d", r"\bEG9\d"),
            ('AT+QURCCFG="urcport","usbat"', "AT^DSCI=1", "AT+CLCC=1"),
            False, 5.0,
            boot=(r"^RDY$", r"^\+CPIN: READY$", r"^\+QUSIM: 1$", r"^\+QIND: (SMS|PB) DONE$", r"^APP RDY$")),
    Dialect("huawei", "Huawei E-series",
            (r"HUAWEI", r"\bE1\d{2,3}[A-Z]?\b", r"\bE3\d{2,3}[A-Z]?\b"),
            ("AT+CRC=1",),
            False, 5.0,
            boot=(r"^\^SYSSTART",), reset=("AT^RESET", "AT+CFUN=1,1"),
            # many E3372/E303 firmwares are data-only: ^CVOICE: 0 is voice on, 1 or ERROR none
            # (ModemManager's huawei plugin asks this: mm-broadband-modem-huawei.c)
            voice_query=("AT^CVOICE?", r"\^CVOICE:\s*0\b")),
    Dialect("ublox", "u-blox SARA/LARA/TOBY",
            (r"U-BLOX", r"\bSARA-", r"\bLARA-", r"\bTOBY-", r"\bLISA-"),
            ("AT+UCALLSTAT=1",),
            False, 5.0, reset=("AT+CFUN=16",)),
    Dialect("wavecom", "Wavecom / Sierra WISMO",
            (r"WAVECOM", r"\bWISMO"),
            ("AT+CRC=1",),
            False, 5.0,
            boot=(r"^\+WIND: [34]$",), reset=("AT+CFUN=1",)),
    Dialect("cinterion", "Cinterion / Thales MC and BG series",
            (r"CINTERION", r"\bMC75", r"\bBG[SX]\d"),
            ("AT+CRC=1",),
            False, 5.0,
            boot=(r"^\^SYSSTART",)),
    Dialect("neoway", "Neoway M590/N720",
            (r"NEOWAY", r"\bM590", r"\bN720"),
            ("AT+CRC=1",),
            True, 5.0,
            boot=(r"^MODEM:STARTUP$",)),      # TinyGSM TinyGsmClientM590.h: printed at every boot
    Dialect("generic", "Any other 27.007 modem",
            (),
            ("AT+CRC=1",),
            True, 6.0),
)


def dialect_named(name: str) -> Dialect:
    for dialect in DIALECTS:
        if dialect.name == name:
            return dialect
    raise KeyError(name)


def detect_dialect(identity: str) -> Dialect:
    """Pick the family from what AT+CGMI / AT+CGMM / AT+CGMR printed; 'generic' when nothing matches."""
    for dialect in DIALECTS:
        if any(re.search(pattern, identity, re.IGNORECASE) for pattern in dialect.match):
            return dialect
    return dialect_named("generic")


_BOOT = tuple(re.compile(pattern) for pattern in dict.fromkeys(p for d in DIALECTS for p in d.boot))
_POWER = re.compile(r"^UNDER-VOLTAGE (WARNNING|WARNING|POWER DOWN)")


def is_boot_line(text: str) -> bool:
    """A line some family prints only on its way up. Every family's lines count whatever family was
    detected: a wrong guess about the modem must not hide a reset."""
    return any(pattern.search(text.strip()) for pattern in _BOOT)


def is_power_warning(text: str) -> bool:
    """SIM800's supply warnings (spelt WARNNING in its manual): the modem is about to brown out."""
    return bool(_POWER.search(text.strip()))
