"""What each simulated modem family prints, as data (see docs/modems.md for the sources).

`{number}` and `{toa}` are filled with the caller's number and type; `{time}` with "11:01AM".
Lines in `end` are printed when the caller gives up; those tagged with a switch only when that
switch (AT+CLCC=1, AT^DSCI=1, AT+UCALLSTAT=1) was turned on, as on the real modem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SimFamily", "FAMILIES"]


@dataclass(frozen=True)
class SimFamily:
    name: str
    manufacturer: str
    model: str
    revision: str
    ring: str = "\r\nRING\r\n"
    clip: str = '+CLIP: "{number}",{toa},"",0,"",0'
    withheld_clip: str = '+CLIP: "",128,"",0,"",1'
    start: tuple[tuple[str, str], ...] = ()          # (switch or "", line) printed when the call starts
    end: tuple[tuple[str, str], ...] = ()            # (switch or "", line) printed when the caller gives up
    noise: tuple[str, ...] = ()                      # printed between rings
    switches: frozenset[str] = field(default_factory=frozenset)   # extra commands it accepts


_SIM800_CLCC = '+CLCC: 1,1,{stat},0,0,"{number}",{toa},""'
_CLCC = '+CLCC: 1,1,{stat},0,0,"{number}",{toa}'

FAMILIES: dict[str, SimFamily] = {
    "sim800": SimFamily(
        "sim800", "SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B05SIM800L24",
        start=(("AT+CLCC=1", _SIM800_CLCC.replace("{stat}", "4")),),
        end=(("AT+CLCC=1", _SIM800_CLCC.replace("{stat}", "6")), ("", "NO CARRIER")),
        switches=frozenset({"AT+CLCC=1", "AT+CRC=1"})),
    "sim7600": SimFamily(
        "sim7600", "SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "LE20B04SIM7600M22",
        start=(("AT+CLCC=1", _CLCC.replace("{stat}", "4")),),
        end=(("AT+CLCC=1", _CLCC.replace("{stat}", "6")), ("", "MISSED_CALL: {time} {number}")),
        switches=frozenset({"AT+CLCC=1", "AT+CRC=1"})),
    "a76xx": SimFamily(
        "a76xx", "SIMCOM INCORPORATED", "A7682E-LNXV", "A011B07A7682M7",
        start=(("", _CLCC.replace("{stat}", "4")),),
        end=(("", "VOICE CALL: END"), ("", "NO CARRIER"), ("", _CLCC.replace("{stat}", "6"))),
        switches=frozenset({"AT+CLCC=1", "AT+CRC=1"})),
    "quectel": SimFamily(
        "quectel", "Quectel", "EC25", "EC25EFAR06A06M4G",
        start=(("AT^DSCI=1", "^DSCI: 1,1,4,0,{number},{toa},0"),),
        end=(("AT^DSCI=1", "^DSCI: 1,1,6,0,{number},{toa},0"), ("", "NO CARRIER")),
        switches=frozenset({"AT^DSCI=1", 'AT+QURCCFG="urcport","usbat"', "AT+CRC=1"})),
    "huawei": SimFamily(
        "huawei", "huawei", "E173", "11.126.85.00.209",
        clip='+CLIP: "{number}",{toa},,,,0', withheld_clip='+CLIP: "",128,,,,1',
        end=(("", "^CEND:1,0,104,16"),),
        noise=("^RSSI:15", "^BOOT:20952548,0,0,0,72", "^MODE:5,4"),
        switches=frozenset({"AT+CRC=1"})),
    "ublox": SimFamily(
        "ublox", "u-blox", "SARA-U201", "23.41",
        start=(("AT+UCALLSTAT=1", "+UCALLSTAT: 1,4"),),
        end=(("AT+UCALLSTAT=1", "+UCALLSTAT: 1,6"), ("", "NO CARRIER")),
        switches=frozenset({"AT+UCALLSTAT=1", "AT+CRC=1"})),
    "silent": SimFamily(
        "silent", "Generic", "GSM MODEM", "1.0",
        end=(),
        switches=frozenset({"AT+CRC=1"})),
}
