"""What each simulated modem family prints, as data (see docs/modems.md and docs/simulator.md
for the sources).

`{number}` and `{toa}` are filled with the caller's number and type; `{time}` with "11:01AM".
Lines in `end` are printed when the caller gives up; those tagged with a switch only when that
switch (AT+CLCC=1, AT^DSCI=1, AT+UCALLSTAT=1) was turned on, as on the real modem. `answered`
and `answered_end` are printed instead for a call that is picked up (`call(..., answered=True)`).
`{mem}` in `full_notice` is the storage that filled up. `call_list` is the line AT+CLCC answers
for the call in progress (`{stat}` 4 ringing, 0 answered); "" for a modem without AT+CLCC (ERROR).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SimFamily", "FAMILIES"]

Lines = tuple[tuple[str, str], ...]

# 27.007 §7.18: +CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>[,<alpha>…]]; <dir> 1 = incoming,
# <mode> 0 = voice. The query lists a call until it is gone (a bare OK: no call).
_CLCC = '+CLCC: 1,1,{stat},0,0,"{number}",{toa}'
# SIM800 AT manual V1.09 (AT+CLCC) and the SIMCom trace in docs/modems.md: a trailing <alpha> field ,""
_SIM800_CLCC = '+CLCC: 1,1,{stat},0,0,"{number}",{toa},""'


@dataclass(frozen=True)
class SimFamily:
    name: str
    manufacturer: str
    model: str
    revision: str
    ring: str = "\r\nRING\r\n"
    clip: str = '+CLIP: "{number}",{toa},"",0,"",0'
    withheld_clip: str = '+CLIP: "",128,"",0,"",1'
    start: Lines = ()                                # (switch or "", line) printed when the call starts
    end: Lines = ()                                  # (switch or "", line) printed when the caller gives up
    noise: tuple[str, ...] = ()                      # printed between rings
    switches: frozenset[str] = field(default_factory=frozenset)   # extra commands it accepts
    # ---- a call that is answered ----
    answered: Lines = (("AT+CLCC=1", '+CLCC: 1,1,0,0,0,"{number}",{toa}'),)
    answered_end: Lines | None = None                # None: the `end` lines
    # ---- power-up and reset ----
    boot: tuple[str, ...] = ()                       # printed on the way up, in order
    reset_commands: tuple[str, ...] = ("AT+CFUN=1,1",)   # answered OK, then the modem reboots
    under_voltage: tuple[str, str] = ("", "")        # (warning, power-down) lines, "" for none
    # ---- SMS storages (27.005 §3.2.2) ----
    cpms_default: tuple[str, str, str] = ("SM", "SM", "SM")
    cpms_fixed: bool = False                         # refuses to move <mem2>/<mem3> (+CMS ERROR: 302)
    capacity: tuple[tuple[str, int], ...] = (("SM", 30), ("ME", 25))
    empty_read: str = "cms321"                       # AT+CMGR of an empty index: "cms321" or "bare_ok"
    full_notice: str = '+CIEV: "smsfull",1'          # printed once when <mem3> fills; "" for none
    auto_memory_available: bool = True               # held messages come once a slot frees, no AT+CNMA
    # ---- phonebooks ----
    mc_supported: bool = True                        # AT+CPBS="MC" (missed calls) works
    # ---- the call list (27.007 §7.18) ----
    call_list: str = _CLCC                           # AT+CLCC's line for the call in progress; "" = ERROR


FAMILIES: dict[str, SimFamily] = {
    "sim800": SimFamily(
        "sim800", "SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B05SIM800L24",
        start=(("AT+CLCC=1", _SIM800_CLCC.replace("{stat}", "4")),),
        end=(("AT+CLCC=1", _SIM800_CLCC.replace("{stat}", "6")), ("", "NO CARRIER")),
        switches=frozenset({"AT+CLCC=1", "AT+CRC=1"}),
        answered=(("AT+CLCC=1", _SIM800_CLCC.replace("{stat}", "0")),),
        # SIM800 AT manual V1.09: RDY (fixed baud rate only), +CFUN: 1, +CPIN: READY, Call Ready, SMS Ready
        boot=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
        under_voltage=("UNDER-VOLTAGE WARNNING", "UNDER-VOLTAGE POWER DOWN"),
        call_list=_SIM800_CLCC),
    "sim7600": SimFamily(
        "sim7600", "SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "LE20B04SIM7600M22",
        start=(("AT+CLCC=1", _CLCC.replace("{stat}", "4")),),
        end=(("AT+CLCC=1", _CLCC.replace("{stat}", "6")), ("", "MISSED_CALL: {time} {number}")),
        switches=frozenset({"AT+CLCC=1", "AT+CRC=1"}),
        # ModemManager simtech plugin: VOICE CALL: BEGIN / VOICE CALL: END: hhmmss for answered calls
        answered=(("", "VOICE CALL: BEGIN"), ("AT+CLCC=1", _CLCC.replace("{stat}", "0"))),
        answered_end=(("AT+CLCC=1", _CLCC.replace("{stat}", "6")), ("", "VOICE CALL: END: 000004")),
        boot=("+CPIN: READY", "SMS DONE", "PB DONE"),
        # AT+CLCC answers as its URCs read (ModemManager plugins/simtech tests: +CLCC: 1,1,0,0,0,"…",161)
        call_list=_CLCC),
    "a76xx": SimFamily(
        "a76xx", "SIMCOM INCORPORATED", "A7682E-LNXV", "A011B07A7682M7",
        start=(("", _CLCC.replace("{stat}", "4")),),
        end=(("", "VOICE CALL: END"), ("", "NO CARRIER"), ("", _CLCC.replace("{stat}", "6"))),
        switches=frozenset({"AT+CLCC=1", "AT+CRC=1"}),
        answered=(("", "VOICE CALL: BEGIN"), ("", _CLCC.replace("{stat}", "0"))),
        boot=("+CPIN: READY", "SMS DONE", "PB DONE"),
        call_list=_CLCC),         # as its +CLCC URCs, seen on an A7682E (docs/modems.md)
    "quectel": SimFamily(
        "quectel", "Quectel", "EC25", "EC25EFAR06A06M4G",
        start=(("AT^DSCI=1", "^DSCI: 1,1,4,0,{number},{toa},0"),),
        end=(("AT^DSCI=1", "^DSCI: 1,1,6,0,{number},{toa},0"), ("", "NO CARRIER")),
        switches=frozenset({"AT^DSCI=1", 'AT+QURCCFG="urcport","usbat"', "AT+CRC=1"}),
        answered=(("AT^DSCI=1", "^DSCI: 1,1,0,0,{number},{toa},0"),),
        # ModemManager quectel plugin (RDY = reset detected); Quectel EC2x AT manual
        boot=("RDY", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
        empty_read="bare_ok", full_notice='+QIND: "smsfull","{mem}"',
        # Quectel EC2x AT manual, AT+CLCC: +CLCC: 2,1,4,0,0,"02154450290",129 for a ringing call
        call_list=_CLCC),
    "huawei": SimFamily(
        "huawei", "huawei", "E173", "11.126.85.00.209",
        clip='+CLIP: "{number}",{toa},,,,0', withheld_clip='+CLIP: "",128,,,,1',
        end=(("", "^CEND:1,0,104,16"),),
        noise=("^RSSI:15", "^BOOT:20952548,0,0,0,72", "^MODE:5,4"),
        switches=frozenset({"AT+CRC=1"}),
        answered=(("", "^CONN:1,0"),),
        answered_end=(("", "^CEND:1,4,29,16"),),
        boot=("^SYSSTART",), reset_commands=("AT^RESET", "AT+CFUN=1,1"),
        empty_read="bare_ok", full_notice='^SMMEMFULL: "{mem}"', mc_supported=False,
        # asterisk-chan-dongle (Huawei dongles) polls AT+CLCC; test/parse.c: +CLCC: 1,1,4,0,0,"+7913…",145
        call_list=_CLCC),
    "ublox": SimFamily(
        "ublox", "u-blox", "SARA-U201", "23.41",
        start=(("AT+UCALLSTAT=1", "+UCALLSTAT: 1,4"),),
        end=(("AT+UCALLSTAT=1", "+UCALLSTAT: 1,6"), ("", "NO CARRIER")),
        switches=frozenset({"AT+UCALLSTAT=1", "AT+CRC=1"}),
        answered=(("AT+UCALLSTAT=1", "+UCALLSTAT: 1,0"),),
        boot=(), reset_commands=("AT+CFUN=16", "AT+CFUN=1,1"),
        call_list=_CLCC),         # u-blox AT commands manual, +CLCC (27.007 form)
    "silent": SimFamily(
        "silent", "Generic", "GSM MODEM", "1.0",
        end=(),
        switches=frozenset({"AT+CRC=1"}),
        answered=(),
        # prints nothing when the caller gives up, but lists the call (27.007 §7.18): the case
        # ModemManager's call-list polling is for (src/mm-iface-modem-voice.c). A variant without
        # AT+CLCC: SimulatedModem("silent", call_list="")
        call_list=_CLCC),
    "wavecom": SimFamily(
        "wavecom", "WAVECOM MODEM", "MULTIBAND  900E  1800", "657e09gg.Q2406B 1266500 091302 17:06",
        end=(("", "NO CARRIER"),),
        switches=frozenset({"AT+CRC=1"}),
        answered=(),
        # Wavecom AT manual: +WIND: 3 (AT commands ready), +WIND: 4 (all commands ready);
        # AT+CFUN=1 resets the module there
        boot=("+WIND: 3", "+WIND: 4"), reset_commands=("AT+CFUN=1",),
        call_list=_CLCC),         # Wavecom AT commands interface guide, +CLCC (27.007 form)
    "cinterion": SimFamily(
        "cinterion", "Cinterion", "MC75i", "REVISION 01.301",
        end=(("", "NO CARRIER"),),
        switches=frozenset({"AT+CRC=1"}),
        answered=(),
        # MODEMS.md: an MC75i reports +CPMS: "ME",0,25,"ME",0,25,"SM",0,20
        boot=("^SYSSTART",),
        cpms_default=("ME", "ME", "SM"), cpms_fixed=True, capacity=(("SM", 20), ("ME", 25)),
        call_list=_CLCC),         # MC75i AT command set, AT+CLCC (27.007 form; ^SLCC is its own extra)
}
